"""Personal names in Dutch open answers without a cue word: a first-name and surname lexicon plus
capitalisation patterns ("Kees Pietersen", "groet Jan Jansen", "Fatima", "piet de vries").

The lexicon (``lexicon/names_nl.yml``) lists first names, first names that are also ordinary words
(``ambiguous``: a name only with a surname after them or capitalised mid-sentence) and surnames (those that
are ordinary words count only after a first name or a particle). :func:`find_names` returns character spans;
:mod:`.scrubbing` turns them into ``[NAAM]``.
"""
from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path
from typing import AbstractSet, Iterable

import yaml

LEXICON = Path(__file__).resolve().parent / "lexicon" / "names_nl.yml"
PARTICLES = frozenset({"van", "de", "der", "den", "het", "ter", "ten", "te", "'t", "in", "op", "el", "al", "da",
                       "dos", "du", "le", "la", "von", "vd", "v.d."})
# Particles that may start a surname on their own before a known surname ("de Vries", "van Dijk").
_LEADING_PARTICLES = frozenset({"van", "de", "der", "den", "ter", "ten", "el", "von"})
_SURNAME_SUFFIX = re.compile(r"(?:sen|sma|stra|ink|inga|huizen|erink|ersen)$")
_WORD = re.compile(r"[A-Za-zÀ-ÖØ-öø-ÿĀ-ſ][A-Za-zÀ-ÖØ-öø-ÿĀ-ſ'’\-]*")
# Lower-case words that never continue a name after a particle ("jan de man", "piet van het loket").
_FUNCTION_WORDS = frozenset({
    "gemeente", "balie", "man", "vrouw", "heer", "dienst", "afdeling", "loket", "telefoon", "website", "brief",
    "medewerker", "medewerkster", "zaak", "aanvraag", "post", "mail", "chat", "week", "dag", "maand", "jaar",
    "keer", "eerste", "tweede", "laatste", "andere", "een", "het", "die", "dat", "deze", "mijn", "uw", "hun",
    "ons", "onze", "zijn", "haar", "wet", "regeling", "uitkering", "toeslag", "belasting", "klant", "klanten",
})


# Ambiguous first names that are also capitalised words (a language, a nationality): never a name alone.
_NEVER_ALONE = frozenset({"frans", "noor", "hoop", "lente"})


@lru_cache(maxsize=1)
def lexicon() -> dict[str, frozenset[str]]:
    """The name lexicon, lower-cased: ``first``, ``ambiguous``, ``surnames``, ``common_word_surnames``."""
    raw = yaml.safe_load(LEXICON.read_text(encoding="utf-8"))
    words = {k: frozenset(w.lower() for w in str(v).split()) for k, v in raw.items()}
    return {"first": words["first_names"], "ambiguous": words["ambiguous"], "surnames": words["surnames"],
            "common_word_surnames": words["common_word_surnames"]}


def _sentence_start(text: str, start: int) -> bool:
    before = text[:start].rstrip()
    return not before or before[-1] in ".!?:;\"“”'‘(\n[-–•*>"


def _gap_is_space(text: str, end: int, start: int) -> bool:
    return text[end:start].strip() == "" and "\n" not in text[end:start]


def find_names(text: str, stop: AbstractSet[str] = frozenset()) -> list[tuple[int, int]]:
    """Character spans of personal names in ``text`` found without a cue word.

    Parameters
    ----------
    text:
        One open answer (Dutch).
    stop:
        Capitalised words that are never part of a name (e.g. ``Gemeente``, ``Balie``).

    Returns
    -------
    list of (start, end)
        Non-overlapping, in text order.
    """
    if not isinstance(text, str) or not text:
        return []
    lex = lexicon()
    tokens = [(m.group(0), m.start(), m.end()) for m in _WORD.finditer(text)]
    spans: list[tuple[int, int]] = []
    i = 0
    while i < len(tokens):
        word, start, end = tokens[i]
        low, cap = word.lower(), word[:1].isupper() and not word.isupper()  # ALL CAPS: an acronym
        if word.isupper() and len(word) > 1:
            i += 1
            continue
        found = None
        if _is_first_name(low, lex) and word not in stop and (cap or word.islower()):
            found = _first_name(text, tokens, i, cap, lex, stop)
        elif low in _LEADING_PARTICLES:
            found = _particle_surname(text, tokens, i, lex, stop)
        elif cap and word not in stop and (low in lex["surnames"] and low not in lex["common_word_surnames"]
                                           or not _sentence_start(text, start) and _strong_surname(low, lex)):
            found = i  # "Pietersen belde terug"; by its ending only mid-sentence ("Tussen 9 en 12")
        elif cap and word not in stop and i + 1 < len(tokens):
            nxt = tokens[i + 1]
            nlow = nxt[0].lower()
            if nxt[0][:1].isupper() and nxt[0] not in stop and _gap_is_space(text, end, nxt[1]) \
                    and (_strong_surname(nlow, lex) or nlow in lex["surnames"] and not _sentence_start(text, start)):
                found = i + 1  # an unknown first name before a known surname: "Xandra Jansen"
        if found is None:
            i += 1
            continue
        spans.append((start, tokens[found][2]))
        i = found + 1
    return spans


def _is_first_name(low: str, lex) -> bool:
    """A first name of the lexicon, or a double one written with a hyphen ("Willem-Jan")."""
    return low in lex["first"] or ("-" in low and all(p in lex["first"] for p in low.split("-")))


def _strong_surname(low: str, lex) -> bool:
    """A surname that is not an ordinary word (from the lexicon, or a typical Dutch/Frisian ending)."""
    if low in lex["common_word_surnames"]:
        return False
    return low in lex["surnames"] or (len(low) >= 6 and bool(_SURNAME_SUFFIX.search(low))
                                      and low not in _FUNCTION_WORDS)


def _surname_after(text: str, tokens, j: int, cap: bool, lex, stop) -> int | None:
    """Index of the last token of a surname starting at ``j`` (particles included), or ``None``."""
    k = j
    while k < len(tokens) and tokens[k][0].lower() in PARTICLES and _gap_is_space(text, tokens[k - 1][2], tokens[k][1]):
        k += 1
    if k >= len(tokens) or not _gap_is_space(text, tokens[k - 1][2], tokens[k][1]):
        return None
    word = tokens[k][0]
    low = word.lower()
    if word in stop or low in _FUNCTION_WORDS:
        return None
    had_particle = k > j
    if word[:1].isupper():
        if had_particle or low in lex["surnames"] or _strong_surname(low, lex) or cap:
            return k
        return None
    if had_particle and word.islower() and len(word) >= 3 and low not in lex["first"]:
        return k  # "piet de vries"
    if low in lex["surnames"] or _strong_surname(low, lex):
        return k  # "jan jansen"
    return None


def _first_name(text: str, tokens, i: int, cap: bool, lex, stop) -> int | None:
    word, start, end = tokens[i]
    low = word.lower()
    ambiguous = low in lex["ambiguous"]
    j = i + 1
    # a double first name: "Jan Willem", "Anne Marie"
    if j < len(tokens) and tokens[j][0].lower() in lex["first"] and tokens[j][0][:1].isupper() == cap \
            and _gap_is_space(text, end, tokens[j][1]) and tokens[j][0] not in stop:
        j += 1
    last = _surname_after(text, tokens, j, cap, lex, stop) if j < len(tokens) else None
    if last is not None:
        if not cap and ambiguous:
            return None
        if cap and ambiguous and not tokens[last][0][:1].isupper():
            return None
        return last
    if j > i + 1:
        return j - 1  # two first names
    if cap:
        if not ambiguous:
            return i
        return i if not _sentence_start(text, start) and low not in _NEVER_ALONE else None
    return i if not ambiguous and len(word) >= 4 else None


def _particle_surname(text: str, tokens, i: int, lex, stop) -> int | None:
    """``de Vries``, ``van den Berg``: a particle, maybe more, then a capitalised known surname."""
    k = i + 1
    while k < len(tokens) and tokens[k][0].lower() in PARTICLES:
        k += 1
    if k >= len(tokens) or not all(_gap_is_space(text, tokens[m - 1][2], tokens[m][1]) for m in range(i + 1, k + 1)):
        return None
    word = tokens[k][0]
    if word[:1].isupper() and word not in stop and word.lower() in lex["surnames"]:
        return k
    return None


def name_spans(texts: Iterable[str], stop: AbstractSet[str] = frozenset()) -> list[list[tuple[int, int]]]:
    """:func:`find_names` for each text."""
    return [find_names(t, stop) for t in texts]

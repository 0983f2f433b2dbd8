"""Themes of open answers: a transparent Dutch lexicon with simple sentiment rules, theme tables per grade
group and example quotes (scrubbed, only for themes with at least ``min_cell`` answers).
"""
from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping

import numpy as np
import pandas as pd
import yaml

from meethuis.common.errors import AnalysisError, ConfigError

from meethuis.improve.feedback.scrubbing import scrub_series

# ---------------------------------------------------------------------------------------------------
# Themes: a transparent Dutch lexicon with simple sentiment rules
# ---------------------------------------------------------------------------------------------------

POLARITIES = ("positief", "negatief", "neutraal")
SENTIMENT_LABELS = {
    "positief": {"nl": "positief", "en": "positive"},
    "negatief": {"nl": "negatief", "en": "negative"},
    "neutraal": {"nl": "neutraal", "en": "neutral"},
}
LEXICON_FILE = Path(__file__).resolve().parent / "lexicon" / "themes_nl.yml"
_WORD = re.compile(r"[\wÀ-ÿ]+(?:['’][\wÀ-ÿ]+)*")


@dataclass(frozen=True)
class Lexicon:
    """Theme terms by polarity, general sentiment words and the negation rule (see ``themes_nl.yml``)."""

    themes: Mapping[str, Mapping[str, tuple[str, ...]]]
    sentiment: Mapping[str, tuple[str, ...]]
    negations: frozenset[str]
    negation_window: int
    clause_breaks: tuple[str, ...]
    labels: Mapping[str, Mapping[str, str]]
    source: str

    @functools.cached_property
    def _index(self) -> tuple[dict, dict]:
        """Terms indexed by their first word (exact) and by the first two letters (wildcard terms)."""
        entries: dict[str, list[tuple[str | None, str]]] = {}
        for theme, by_pol in self.themes.items():
            for pol, terms in by_pol.items():
                for term in terms:
                    entries.setdefault(term, []).append((theme, pol))
        for pol, terms in self.sentiment.items():
            for term in terms:
                entries.setdefault(term, []).append((None, pol))
        exact: dict[str, list] = {}
        wild: dict[str, list] = {}
        for term, hits in entries.items():
            words = tuple(_WORD.findall(term.rstrip("*")))
            if not words:
                continue
            spec = (words, term.endswith("*"), term, tuple(hits))
            if spec[1] and len(words) == 1:
                wild.setdefault(words[0][:2], []).append(spec)
            else:
                exact.setdefault(words[0], []).append(spec)
        return exact, wild

    @functools.cached_property
    def _candidates(self) -> dict[str, tuple]:
        return {}  # word -> terms that can start at it (memo; the vocabulary of answers is small)

    def _candidates_for(self, tok: str) -> tuple:
        exact, wild = self._index
        return (*exact.get(tok, ()), *(w for w in wild.get(tok[:2], ()) if tok.startswith(w[0][0])))

    def match(self, tokens: list[str]) -> list[tuple[int, int, str, tuple]]:
        """Leftmost-longest term matches in a list of lower-case words: ``(first, last, term, hits)``."""
        memo = self._candidates
        out = []
        i, n = 0, len(tokens)
        while i < n:
            tok = tokens[i]
            cands = memo.get(tok)
            if cands is None:
                cands = memo[tok] = self._candidates_for(tok)
            if not cands:
                i += 1
                continue
            best = None
            for words, is_wild, term, hits in cands:
                k = len(words)
                if i + k > n:
                    continue
                last = tokens[i + k - 1]
                if any(tokens[i + j] != words[j] for j in range(k - 1)):
                    continue
                if not (last.startswith(words[-1]) if is_wild else last == words[-1]):
                    continue
                size = (k, len(term))
                if best is None or size > best[0]:
                    best = (size, (i, i + k - 1, term, hits))
            if best is None:
                i += 1
            else:
                out.append(best[1])
                i = best[1][1] + 1
        return out

    def label(self, theme: str, lang: str = "nl") -> str:
        """Reader label of a theme (codebook label for drivers, else the lexicon/config label or the id)."""
        lab = self.labels.get(theme, {})
        return lab.get(lang) or lab.get("nl") or theme.replace("_", " ")


def _check_terms(value: Any, where: str, source: str) -> tuple[str, ...]:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise ConfigError("expected a list of words or phrases", file=source, key=where,
                          hint="write e.g. [vriendelijk*, \"serieus genomen\"]")
    return tuple(v.strip().lower() for v in value)


def _parse_themes(raw: Any, source: str, base: Mapping[str, Mapping[str, tuple[str, ...]]] | None,
                  key: str = "themes", lines: Mapping[str, int] | None = None) -> tuple[dict, dict]:
    try:
        return _parse_themes_checked(raw, source, base, key)
    except ConfigError as err:
        line = (lines or {}).get(err.key or "")
        if line and err.file == source:
            raise ConfigError(err.message, file=f"{source}:{line}", key=err.key, hint=err.hint) from None
        raise


def _parse_themes_checked(raw: Any, source: str, base: Mapping[str, Mapping[str, tuple[str, ...]]] | None,
                          key: str = "themes") -> tuple[dict, dict]:
    themes = {t: dict(p) for t, p in (base or {}).items()}
    labels: dict[str, dict[str, str]] = {}
    if raw is None:
        return themes, labels
    if not isinstance(raw, Mapping):
        raise ConfigError("'themes' must be a mapping of theme id to its terms", file=source, key=key,
                          hint="e.g. themes: {snelheid: {negatief: [\"lang gewacht\"]}}")
    for theme, spec in raw.items():
        where = f"{key}.{theme}"
        if not isinstance(theme, str) or not re.fullmatch(r"[a-z][a-z0-9_]*", theme):
            raise ConfigError(f"theme id {theme!r} is not a lower-case id", file=source, key=where,
                              hint="use the codebook driver ids such as 'snelheid' or your own snake_case id")
        if not isinstance(spec, Mapping):
            raise ConfigError("a theme needs a mapping with positief/negatief/neutraal lists", file=source,
                              key=where, hint="e.g. {negatief: [\"lang gewacht\"]}")
        unknown = set(spec) - {*POLARITIES, "replace", "label"}
        if unknown:
            raise ConfigError(f"unknown key(s) {sorted(map(str, unknown))} in theme '{theme}'", file=source,
                              key=where, hint="allowed: positief, negatief, neutraal, replace, label")
        replace = spec.get("replace", False)
        if not isinstance(replace, bool):
            raise ConfigError("'replace' must be true or false", file=source, key=f"{where}.replace")
        current = {} if replace else dict(themes.get(theme, {}))
        for pol in POLARITIES:
            if pol in spec:
                terms = _check_terms(spec[pol], f"{where}.{pol}", source)
                current[pol] = tuple(dict.fromkeys((*current.get(pol, ()), *terms)))
        if not any(current.get(p) for p in POLARITIES):
            raise ConfigError(f"theme '{theme}' has no terms", file=source, key=where,
                              hint="give at least one of positief, negatief, neutraal")
        themes[theme] = current
        if "label" in spec:
            lab = spec["label"]
            if isinstance(lab, str):
                lab = {"nl": lab}
            if not isinstance(lab, Mapping) or not all(isinstance(v, str) for v in lab.values()):
                raise ConfigError("'label' must be text or {nl: ..., en: ...}", file=source, key=f"{where}.label")
            labels[theme] = dict(lab)
    return themes, labels


@functools.lru_cache(maxsize=4)
def _package_lexicon(path: str) -> Any:
    with open(path, encoding="utf-8") as fh:
        return yaml.safe_load(fh)


def load_lexicon(config: Any = None, path: str | Path | None = None) -> Lexicon:
    """The theme lexicon: the package default (or ``path``) plus the organisation's ``themes:`` section.

    Parameters
    ----------
    config:
        An :class:`~meethuis.intake.config.OrgConfig` (or ``None``); its ``raw["themes"]`` adds terms to a
        theme, replaces them (``replace: true``) or adds a theme of its own (with ``label``).
    path:
        Another lexicon file instead of ``lexicon/themes_nl.yml``.

    Returns
    -------
    Lexicon

    Raises
    ------
    ConfigError
        When the lexicon or the config's ``themes`` section is malformed (file, key, hint).
    """
    source = str(path or LEXICON_FILE)
    try:
        raw = _package_lexicon(source)
    except (OSError, yaml.YAMLError) as exc:
        raise ConfigError(f"cannot read the theme lexicon: {exc}", file=source,
                          hint="check the path and the YAML syntax") from exc
    if not isinstance(raw, Mapping) or not isinstance(raw.get("themes"), Mapping):
        raise ConfigError("the lexicon has no 'themes' mapping", file=source, key="themes")
    themes, labels = _parse_themes(raw["themes"], source, None)
    sentiment = {p: _check_terms(raw.get("sentiment", {}).get(p, []), f"sentiment.{p}", source)
                 for p in ("positief", "negatief")}
    negations = frozenset(_check_terms(raw.get("negations", []), "negations", source))
    window = raw.get("negation_window", 3)
    if not isinstance(window, int) or window < 0:
        raise ConfigError("negation_window must be a whole number >= 0", file=source, key="negation_window")
    breaks = _check_terms(raw.get("clause_breaks", []), "clause_breaks", source)
    if config is not None:
        cfg_source = str(getattr(config, "path", "config"))
        themes, cfg_labels = _parse_themes((getattr(config, "raw", {}) or {}).get("themes"), cfg_source, themes,
                                           lines=getattr(config, "lines", None))
        labels.update(cfg_labels)
    codebook = getattr(config, "codebook", None)
    if codebook is None:
        from meethuis.intake.codebook import load_codebook

        codebook = load_codebook()
    for theme in themes:
        if theme not in labels and theme in codebook.items:
            labels[theme] = {lang: codebook.label(theme, lang) for lang in ("nl", "en")}
    return Lexicon(themes=themes, sentiment=sentiment, negations=negations, negation_window=window,
                   clause_breaks=breaks, labels=labels, source=source)


def _clauses(text: str, breaks: tuple[str, ...]) -> list[str]:
    parts = re.split(r"[.!?;:\n]+|,?\s+(?:" + "|".join(map(re.escape, breaks)) + r")\s+" if breaks
                     else r"[.!?;:\n]+", text.lower())
    return [p for p in parts if p and p.strip()]


def _is_negated(tokens: list[str], first: int, last: int, lexicon: Lexicon) -> bool:
    """Negation up to ``window`` words before the term, or ending the clause <= 2 words after it."""
    before = tokens[max(0, first - lexicon.negation_window):first]
    if any(t in lexicon.negations for t in before):
        return True
    after = tokens[last + 1:last + 3]
    return bool(after) and after[-1] in lexicon.negations and len(tokens) <= last + 3


def theme_mentions(text: str, lexicon: Lexicon) -> list[tuple[str, str, str]]:
    """Every theme mention in one answer as ``(theme, sentiment, term)`` (sentiment after negation)."""
    if not isinstance(text, str) or not text.strip():
        return []
    flip = {"positief": "negatief", "negatief": "positief", "neutraal": "neutraal"}
    out: list[tuple[str, str, str]] = []
    for clause in _clauses(text, lexicon.clause_breaks):
        tokens = _WORD.findall(clause)
        found = lexicon.match(tokens)
        score = 0
        for first, last, term, entries in found:
            for theme, pol in entries:
                if theme is None:
                    sign = {"positief": 1, "negatief": -1}[pol]
                    score += -sign if _is_negated(tokens, first, last, lexicon) else sign
        clause_pol = "positief" if score > 0 else "negatief" if score < 0 else "neutraal"
        for first, last, term, entries in found:
            for theme, pol in entries:
                if theme is None:
                    continue
                if pol == "neutraal":
                    out.append((theme, clause_pol, term))
                else:
                    out.append((theme, flip[pol] if _is_negated(tokens, first, last, lexicon) else pol, term))
    return out


def _answer_themes(text: str, lexicon: Lexicon) -> list[tuple[str, str, str]]:
    per: dict[str, list[tuple[str, str]]] = {}
    for theme, pol, term in theme_mentions(text, lexicon):
        per.setdefault(theme, []).append((pol, term))
    out = []
    for theme, hits in per.items():
        pos = sum(p == "positief" for p, _ in hits)
        neg = sum(p == "negatief" for p, _ in hits)
        sentiment = "positief" if pos > neg else "negatief" if neg > pos else "neutraal"
        out.append((theme, sentiment, "; ".join(dict.fromkeys(t for _, t in hits))))
    return out


def assign_themes(answers: pd.Series, lexicon: Lexicon | None = None) -> pd.DataFrame:
    """Assign each open answer to the themes it mentions, with the answer's sentiment per theme.

    Parameters
    ----------
    answers:
        Open answers (raw or scrubbed); the index identifies the respondent row.
    lexicon:
        From :func:`load_lexicon` (default: the package lexicon).

    Returns
    -------
    pandas.DataFrame
        One row per (answer, theme): ``row`` (index label of the answer), ``theme``, ``sentiment``
        (``positief``/``negatief``/``neutraal``) and ``terms`` (the words that matched, for checking).
    """
    lexicon = lexicon or load_lexicon()
    # each distinct answer is read once; its hits are laid out per row in the answers' order
    codes, uniques = pd.factorize(answers.astype(object), use_na_sentinel=True)
    per = [_answer_themes(t, lexicon) if isinstance(t, str) and t.strip() else [] for t in uniques]
    count = np.array([len(h) for h in per] + [0], dtype=np.int64)  # the last entry: missing answers
    flat = [hit for h in per for hit in h]
    start = np.concatenate([[0], np.cumsum(count[:-1])])
    per_row = count[codes]
    rep = np.repeat(np.arange(len(codes)), per_row)
    take = start[codes[rep]] + np.arange(rep.size) - np.repeat(np.cumsum(per_row) - per_row, per_row)
    if not rep.size:
        return pd.DataFrame([], columns=["row", "theme", "sentiment", "terms"])
    theme, sentiment, terms = (np.asarray([hit[k] for hit in flat], dtype=object)[take] for k in range(3))
    return pd.DataFrame({"row": answers.index[rep], "theme": theme, "sentiment": sentiment, "terms": terms})


GRADE_GROUPS = (("1-5", 1, 5), ("6-7", 6, 7), ("8-10", 8, 10))
GROUP_LABELS = {"1-5": {"nl": "cijfer 1–5", "en": "grade 1–5"}, "6-7": {"nl": "cijfer 6–7", "en": "grade 6–7"},
                "8-10": {"nl": "cijfer 8–10", "en": "grade 8–10"}, "onbekend": {"nl": "geen cijfer", "en": "no grade"},
                "totaal": {"nl": "totaal", "en": "total"}}
_EMPTY_ANSWER = re.compile(r"^\W*(?:n\.?v\.?t\.?|nee|geen|niets|niks|-+|\.+|x+|geen opmerkingen?)?\W*$", re.IGNORECASE)


def grade_group(grades: pd.Series) -> pd.Series:
    """Satisfaction grade 1–10 in the groups ``1-5``, ``6-7``, ``8-10`` (``onbekend`` when missing)."""
    g = pd.to_numeric(grades, errors="coerce")
    out = pd.Series("onbekend", index=grades.index, dtype=object)
    for name, lo, hi in GRADE_GROUPS:
        out[(g >= lo) & (g <= hi)] = name
    return out


def answered(answers: pd.Series) -> pd.Series:
    """True for a real open answer (not empty, not "nvt", "-", "geen")."""
    if answers.empty:
        return answers.map(lambda t: isinstance(t, str) and not _EMPTY_ANSWER.match(t))
    codes, uniques = pd.factorize(answers.astype(object), use_na_sentinel=True)  # each distinct answer once
    real = np.array([isinstance(t, str) and not _EMPTY_ANSWER.match(t) for t in uniques] + [False], dtype=bool)
    return pd.Series(real[codes], index=answers.index)


def theme_table(responses: pd.DataFrame, lexicon: Lexicon | None = None, *, min_cell: int = 10,
                outcome: str = "tevredenheid", text_column: str = "open_antwoord",
                lang: str = "nl") -> pd.DataFrame:
    """Share of open answers per theme, by satisfaction-grade group and in total, protected.

    Parameters
    ----------
    responses:
        Survey rows with ``text_column`` and the grade ``outcome`` (1–10).
    lexicon:
        From :func:`load_lexicon` (default: package lexicon).
    min_cell:
        Cells with fewer answers mentioning a theme are suppressed (``disclosure.protect_table``, with
        secondary suppression across the grade groups).
    outcome, text_column:
        Columns with the grade and the open answer.
    lang:
        Language of ``theme_label`` and ``group_label``.

    Returns
    -------
    pandas.DataFrame
        ``theme, theme_label, group, group_label, n`` (answers mentioning the theme), ``n_answers``
        (answers in the group), ``share`` (n / n_answers), ``share_positive``, ``share_negative`` (of
        the mentions), ``suppressed, reason``. Unweighted: open answers are a qualitative signal.

    Raises
    ------
    AnalysisError
        When the text column is missing.
    """
    from meethuis.stats.disclosure import TOTAL, protect_table

    if text_column not in responses.columns:
        raise AnalysisError(f"no open answers: column '{text_column}' is missing", column=text_column,
                            hint="map the open question to 'open_antwoord' in the config's data.columns")
    lexicon = lexicon or load_lexicon()
    ok = answered(responses[text_column])
    texts = responses.loc[ok, text_column]
    groups = (grade_group(responses.loc[ok, outcome]) if outcome in responses.columns
              else pd.Series("onbekend", index=texts.index))
    hits = assign_themes(texts, lexicon)
    hits["group"] = groups.reindex(hits["row"]).to_numpy()
    group_order = [g for g, _, _ in GRADE_GROUPS] + (["onbekend"] if (groups == "onbekend").any() else [])
    n_answers = groups.value_counts().reindex(group_order, fill_value=0)
    rows = []
    for theme in lexicon.themes:
        h = hits[hits["theme"] == theme]
        for group in [*group_order, TOTAL]:
            sel = h if group == TOTAL else h[h["group"] == group]
            base = int(n_answers.sum()) if group == TOTAL else int(n_answers[group])
            n = len(sel)
            rows.append({
                "theme": theme, "theme_label": lexicon.label(theme, lang), "group": group,
                "group_label": GROUP_LABELS[group][lang], "n": n, "n_answers": base,
                "share": n / base if base else np.nan,
                "share_positive": (sel["sentiment"] == "positief").mean() if n else np.nan,
                "share_negative": (sel["sentiment"] == "negatief").mean() if n else np.nan,
            })
    table = pd.DataFrame(rows)
    table["n_answers"] = table["n_answers"].astype(float)
    return protect_table(table, min_cell, dims=["group"], keys=["theme", "theme_label"],
                         value_cols=["n_answers", "share", "share_positive", "share_negative"])


def _stable_key(text: str) -> str:
    import hashlib

    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def example_quotes(responses: pd.DataFrame, lexicon: Lexicon | None = None, *, min_cell: int = 10,
                   per_sentiment: int = 1, max_chars: int = 200, text_column: str = "open_antwoord",
                   lang: str = "nl") -> pd.DataFrame:
    """Scrubbed example quotes per theme (a positive and a negative one), only for themes with at
    least ``min_cell`` answers; chosen reproducibly (by a hash of the text, shortest clear ones).

    Parameters
    ----------
    responses:
        Survey rows with the open answers.
    lexicon:
        From :func:`load_lexicon`.
    min_cell:
        Themes mentioned in fewer answers get no quotes.
    per_sentiment:
        Quotes per theme and sentiment (positief, negatief).
    max_chars:
        Longer quotes are cut at a word boundary with "…".
    text_column, lang:
        Column with the answers; language of the labels.

    Returns
    -------
    pandas.DataFrame
        ``theme, theme_label, sentiment, quote`` — every quote passed through :func:`scrub`.
    """
    lexicon = lexicon or load_lexicon()
    ok = answered(responses[text_column]) if text_column in responses.columns else pd.Series(dtype=bool)
    texts = responses.loc[ok, text_column] if len(ok) else pd.Series(dtype=object)
    hits = assign_themes(texts, lexicon)
    counts = hits["theme"].value_counts()
    groups = hits.groupby(["theme", "sentiment"], sort=False).indices if len(hits) else {}  # rows in order
    rows = []
    for theme in lexicon.themes:
        if counts.get(theme, 0) < min_cell:
            continue
        for sentiment in ("positief", "negatief"):
            if (theme, sentiment) not in groups:
                continue
            sel = hits.iloc[groups[(theme, sentiment)]]
            candidates = pd.unique(scrub_series(texts.loc[sel["row"]]).to_numpy())
            ordered = sorted(candidates, key=lambda t: (t.count("["), len(t) > max_chars, _stable_key(t)))
            for quote in ordered[:per_sentiment]:
                if len(quote) > max_chars:
                    quote = quote[:max_chars].rsplit(" ", 1)[0] + " …"
                rows.append({"theme": theme, "theme_label": lexicon.label(theme, lang),
                             "sentiment": SENTIMENT_LABELS[sentiment][lang], "quote": quote})
    return pd.DataFrame(rows, columns=["theme", "theme_label", "sentiment", "quote"])



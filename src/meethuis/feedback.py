"""The feedback loop: scrub personal data from open answers, assign them to driver themes, and show
"Jullie zeiden, wij deden" (what citizens said and what the organisation changed).

Privacy first: :func:`scrub` removes identifiers (BSN, IBAN, phone numbers, e-mail, addresses, dates of
birth, licence plates, names after cue phrases) before an open answer appears anywhere. Every table is
passed through :func:`meethuis.disclosure.protect_table`; quotes are only shown for themes with at least
``min_cell`` answers.
"""
from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable, Mapping

import numpy as np
import pandas as pd
import yaml

from .errors import AnalysisError, ConfigError

# ---------------------------------------------------------------------------------------------------
# Scrubbing
# ---------------------------------------------------------------------------------------------------

TAGS = {
    "BSN": "[BSN]",
    "IBAN": "[IBAN]",
    "TELEFOON": "[TELEFOON]",
    "E-MAIL": "[E-MAIL]",
    "ADRES": "[ADRES]",
    "GEBOORTEDATUM": "[GEBOORTEDATUM]",
    "KENTEKEN": "[KENTEKEN]",
    "NAAM": "[NAAM]",
}
#: Kinds of identifier with a fixed structure (checksums or formats); names are found by cue phrases.
STRUCTURED_KINDS = ("BSN", "IBAN", "TELEFOON", "E-MAIL", "ADRES", "GEBOORTEDATUM", "KENTEKEN")

# Priority when two candidate spans overlap with equal length (lower wins).
_PRIORITY = {k: n for n, k in enumerate(
    ("E-MAIL", "IBAN", "GEBOORTEDATUM", "BSN", "TELEFOON", "KENTEKEN", "ADRES", "NAAM"))}

# IBAN lengths of the SEPA countries (ISO 13616 registry).
IBAN_LENGTHS = {
    "AD": 24, "AT": 20, "BE": 16, "BG": 22, "CH": 21, "CY": 28, "CZ": 24, "DE": 22, "DK": 18, "EE": 20,
    "ES": 24, "FI": 18, "FR": 27, "GB": 22, "GI": 23, "GR": 27, "HR": 21, "HU": 28, "IE": 22, "IS": 26,
    "IT": 27, "LI": 21, "LT": 20, "LU": 20, "LV": 21, "MC": 27, "MT": 31, "NL": 18, "NO": 15, "PL": 28,
    "PT": 25, "RO": 24, "SE": 24, "SI": 19, "SK": 24, "SM": 27, "VA": 22,
}


@dataclass(frozen=True)
class Match:
    """One piece of personal data found in a text: its kind, character span and the text itself."""

    kind: str
    start: int
    end: int
    text: str

    @property
    def tag(self) -> str:
        return TAGS[self.kind]


def bsn_is_valid(digits: str) -> bool:
    """True when nine digits pass the 11-proef of the burgerservicenummer (weights 9..2 and -1)."""
    if len(digits) != 9 or not digits.isdigit() or digits == "000000000":
        return False
    total = sum(int(d) * w for d, w in zip(digits[:8], range(9, 1, -1))) - int(digits[8])
    return total % 11 == 0


def iban_is_valid(iban: str) -> bool:
    """True when an IBAN (spaces allowed) has the right length for its country and passes mod-97."""
    code = re.sub(r"\s+", "", iban).upper()
    if len(code) < 5 or IBAN_LENGTHS.get(code[:2]) != len(code) or not code.isalnum():
        return False
    if not code[2:4].isdigit():
        return False
    digits = "".join(str(int(c, 36)) for c in code[4:] + code[:4])
    return int(digits) % 97 == 1


_LABEL_BEFORE = re.compile(
    r"(?:zaak|dossier|klant|factuur|order|referentie|aanvraag|registratie|relatie|polis|volg|"
    r"kenmerk|aanslag|beschikkings?|vergunnings?|melding|ticket)(?:nummer|nr\.?|kenmerk)?\s*[:#]?\s*"
    r"(?:nr\.?|nummer)?\s*:?\s*$|\bkenmerk\s*[:#]?\s*$|\b(?:nr|no)\.?\s*$|[€$]\s*$|\beur\s*$",
    re.IGNORECASE,
)
_CURRENCY_AFTER = re.compile(r"^\s*(?:euro|eur\b|,-|,\d\d)", re.IGNORECASE)

# 9 digits, possibly grouped as 123.456.782, 123 456 782, 1234.56.782 or 1234 56 782.
_BSN_RE = re.compile(
    r"(?<![\w.,/\-+€])(\d{9}|\d{3}([ .])\d{3}\2\d{3}|\d{4}([ .])\d{2}\3\d{3}|\d{2}([ .])\d{3}\4\d{4})"
    r"(?![\w\-/]|[.,]\d)"
)
_IBAN_START = re.compile(r"(?<![A-Za-z0-9])([A-Z]{2}\d{2})(?=[ ]?[A-Z0-9])", re.IGNORECASE)

_PHONE_RE = re.compile(
    r"(?<![\w+])"
    r"(?:(?:\+|00)\s?31[\s.\-]?(?:\(0\)[\s.\-]?)?|\(0|0)"
    r"[1-9](?:(?:\)\s?|[\s.\-–]|\s[-–]\s)?\d){8}"
    r"(?![\d\-]\d|\d)"
)
_EMAIL_RE = re.compile(r"(?<![\w.+\-])[\w.+\-]+@[\w\-]+(?:\.[\w\-]+)*\.[A-Za-z]{2,}\b")

_MONTHS = (r"(?:januari|februari|maart|april|mei|juni|juli|augustus|september|oktober|november|"
           r"december|jan|feb|febr|mrt|apr|jun|jul|aug|sep|sept|okt|nov|dec)\.?")
_DATE = (rf"(?:\d{{1,2}}\s*[-/.]\s*\d{{1,2}}\s*[-/.]\s*(?:19|20)?\d{{2}}|\d{{1,2}}\s+{_MONTHS}\s+(?:19|20)?\d{{2}}"
         rf"|(?:19|20)\d{{2}}-\d{{1,2}}-\d{{1,2}}|\d{{1,2}}\s+\d{{1,2}}\s+(?:19|20)\d{{2}})")
_DOB_RE = re.compile(
    r"(?:\bgeboren\b(?:\s+(?:op|in|te\s+\w+\s+op))?|\bgeb\.?(?:\s+op)?|\bgeboortedatum\b|\bgeboortedag\b"
    r"|\bgeb\.?\s*datum\b|\bgeboren\s+datum\b|\bdob\b)"
    r"\s*(?:is|was|:|=)?\s*(?:de\s+|op\s+)?"
    rf"(?P<date>{_DATE})(?!\d)",
    re.IGNORECASE,
)

# Dutch licence plates: the side codes 1-14 (L = letter, D = digit); hyphens required.
_SIDECODES = ("LL-DD-DD", "DD-DD-LL", "DD-LL-DD", "LL-DD-LL", "LL-LL-DD", "DD-LL-LL", "DD-LLL-D",
              "D-LLL-DD", "LL-DDD-L", "L-DDD-LL", "LLL-DD-L", "L-DD-LLL", "D-LL-DDD", "DDD-LL-D")


def _sidecode_regex(code: str) -> str:
    out = ""
    for part in code.split("-"):
        out += (r"[A-Z]" if part[0] == "L" else r"\d") + "{%d}" % len(part) + "-"
    return out[:-1]


_PLATE_RE = re.compile(r"(?<![\w\-])(?:" + "|".join(_sidecode_regex(c) for c in _SIDECODES) + r")(?![\w\-])")
_PLATE_CUE_RE = re.compile(
    r"\bkenteken(?:nummer)?\s*:?\s*(?:is\s+)?(?P<plate>(?=[A-Z0-9]*\d)(?=[A-Z0-9]*[A-Z])[A-Z0-9]{6})\b")

_STREET_SUFFIXES = ("straat", "laan", "weg", "plein", "kade", "gracht", "dijk", "singel", "hof", "pad", "dreef",
                    "steeg", "markt", "park", "ring", "baan", "erf", "veld", "wal", "burcht", "akker", "weide",
                    "boulevard", "kamp", "haven", "zoom", "rade", "donk", "plantsoen", "lei", "gaarde", "horst",
                    "hout", "brink", "oord", "polder", "weerd", "hage", "vliet", "wetering", "vaart", "diep",
                    "dam", "plaats", "stede", "berg", "wijk", "hoek")
_STREET_SUFFIX = "(?:" + "|".join(sorted(_STREET_SUFFIXES, key=len, reverse=True)) + ")"
_STREET_WORD_CAP = "(?:" + "|".join(s.capitalize() for s in _STREET_SUFFIXES) + ")"
_NAME_WORD = r"[A-ZÀ-Ý][a-zà-ÿ'’]+(?:-[A-ZÀ-Ý][a-zà-ÿ]+)?"
_PARTICLE = (r"(?i:van\s+de[nr]?|van\s+het|van|de|der|den|ter|ten|te|het|'t|in\s+'t|op\s+de|aan\s+de|el|al|"
             r"ben|bin|da|di|dos|du|le|la|von)")
_HOUSE_NO = (r"\d{1,5}(?:\s?-?\s?(?:hs|bis|zw|rd|I{1,3})\b|\s?[a-zA-Z](?![a-zA-Z])|-\d{1,4}(?![\d\-])"
             r"|-[A-Za-z](?![A-Za-z]))?")
_STREET_RE = re.compile(
    rf"(?:(?:{_NAME_WORD}|[A-Z]\.)\s+(?:(?:{_PARTICLE}|{_NAME_WORD})\s+){{0,3}})?"
    rf"(?:[A-ZÀ-Ý][a-zà-ÿ]*{_STREET_SUFFIX}|[A-ZÀ-Ý][a-zà-ÿ]*-{_STREET_SUFFIX}|{_STREET_WORD_CAP}\b|(?:Laan|Plein|Kade|Hof|Markt)\s+"
    rf"(?:{_PARTICLE}\s+)?{_NAME_WORD})"
    rf"\s+(?:nr\.?\s*|nummer\s+)?{_HOUSE_NO}(?!\d|[.,]\d|\s*(?:euro|uur|minuten|dagen|weken|jaar|keer|%))"
)
_POSTCODE_RE = re.compile(
    r"(?<![\w\-])[1-9]\d{3}(?:\s?[A-Z]{2}|[a-z]{2})(?![\w\-])"
    rf"(?:(?:\s+|\s*,?\s*(?:nr\.?|nummer|huisnummer|no\.?)\s*:?\s*)(?P<nr>{_HOUSE_NO})(?![\d:\-]|[.,]\d))?"
)
_POSTCODE_EXCLUDE = {"SA", "SD", "SS"}
_ADDRESS_CUE_RE = re.compile(
    rf"\b(?:huisnummer|huisnr\.?)\s*:?\s*(?P<nr>{_HOUSE_NO})(?![\d:]|[.,]\d)", re.IGNORECASE)

# Names after a cue phrase. Capitalised words that look like names; common words are refused.
_NAME_STOP = {
    "Nederlander", "Nederlandse", "Nederlands", "Gemeente", "Gemeentehuis", "Sociale", "Dienst", "Wmo",
    "AOW", "Belastingdienst", "UWV", "SVB", "DUO", "CJIB", "RDW", "IND", "CAK", "DigiD", "Toeslagen",
    "Ik", "Het", "De", "Een", "Dit", "Dat", "Die", "Er", "Wij", "We", "Jullie", "Zij", "Hij", "Ze", "U",
    "Uw", "Mijn", "Maar", "En", "Of", "Want", "Dus", "Als", "Toen", "Nu", "Niet", "Geen", "Wel",
    "Maandag", "Dinsdag", "Woensdag", "Donderdag", "Vrijdag", "Zaterdag", "Zondag", "Januari",
    "Februari", "Maart", "April", "Mei", "Juni", "Juli", "Augustus", "September", "Oktober", "November",
    "December", "Molensloot", "Klant", "Klantcontactcentrum", "Balie", "Burgerzaken", "Team", "Afdeling",
    "Heel", "Erg", "Zeer", "Echt", "Blij", "Tevreden", "Ontevreden", "Boos", "Bedankt", "Dank", "Dankjewel",
    "Groet", "Groeten", "Vriendelijke", "Hartelijke", "Oprechte", "Met", "Mvg", "Gr", "Bij", "Voor", "Na",
    "Mantelzorger", "Ondernemer", "Student", "Gepensioneerd", "Alleenstaand", "Moeder", "Vader",
    "Oppas", "Weduwe", "Weduwnaar", "Zzp", "Zzp'er", "ZZP'er", "Statushouder", "Vluchteling", "Inwoner",
    "Burger", "Bewoner", "Huurder", "Eigenaar", "Klantmanager", "Consulent", "Medewerker", "Medewerkster",
    "Wijkteam", "Jeugdzorg", "Participatiewet", "Bijstand", "Schuldhulp", "Gelukkig", "Helaas", "Sinds",
    "Vandaag", "Gisteren", "Morgen", "Hallo", "Hoi", "Beste", "Geachte", "Overigens", "Verder",
    "Bovendien", "Daarna", "Daarom", "Eerst", "Ook", "Alleen", "Nooit", "Altijd", "Zelf", "Samen",
    "Hierbij", "Graag", "Top", "Super", "Prima", "Goed", "Slecht", "Fijn", "Netjes", "Snel", "Traag",
    "Oud", "Nieuw", "Benieuwd", "Teleurgesteld", "Verbaasd", "Opgelucht", "Ziek", "Gehandicapt",
    "Slechtziend", "Doof", "Dyslectisch", "Laaggeletterd", "Mevrouw", "Meneer", "Zo", "Nog", "Al",
    "Sorry", "Excuus", "Vanaf", "Tot", "Om", "In", "Op", "Aan", "Van", "Uit", "Over", "Door", "Via",
    "Mede", "Namens", "Hoofd", "Directeur", "Wethouder", "Burgemeester", "Raad", "Ombudsman", "Onze",
    "Ons", "Hun", "Haar", "Zijn", "Hem", "Iemand", "Niemand", "Iedereen", "Alles", "Niets", "Niks",
    "Mail", "Email", "E-mail", "Telefoon", "Brief", "Website", "Chat", "Post", "Whatsapp", "Facebook",
}
_CUE_STRICT = (
    r"mevrouw|meneer|mevr\.?|mw\.?|dhr\.?|hr\.?|de\s+heer|medewerk(?:st)?er|consulent(?:e)?|"
    r"klantmanager|collega|behandelaar|wijkcoach|ambtenaar|baliemedewerk(?:st)?er|casemanager|"
    r"contactpersoon(?:\s+is)?|ik\s+ben|ik\s+was|ik\s+heb\s+gesproken\s+met|gesproken\s+met|"
    r"geholpen\s+door|namens|ondertekend(?:\s+door)?|groet(?:en|jes)?\s*,|gr\.?\s*,?|"
    r"met\s+(?:vriendelijke|hartelijke|beste)\s+groet(?:en)?\s*,?|mvg\.?\s*,?|m\.v\.g\.?\s*,?"
)
_CUE_FREE = r"mijn\s+naam\s+is|ik\s+heet|naam\s*:|mijn\s+naam\s*:|ik\s+heet\s+zelf"
_INITIALS = r"(?:[A-Z]\.\s?){1,4}"
_FULL_NAME = (rf"(?:{_INITIALS}\s?(?:{_PARTICLE}\s+)?{_NAME_WORD}|{_NAME_WORD}(?:\s+{_NAME_WORD})?"
              rf"(?:\s+{_PARTICLE}\s+{_NAME_WORD}|\s+{_NAME_WORD})?|{_PARTICLE}\s+{_NAME_WORD})")
_NAME_STRICT_RE = re.compile(rf"(?<![\w])(?i:{_CUE_STRICT})\s+(?P<name>{_FULL_NAME})(?![\w'’])")
_LOWER_WORD = r"[a-zà-ÿ][a-zà-ÿ'’\-]+"
_NAME_FREE_RE = re.compile(
    rf"(?<![\w])(?i:{_CUE_FREE})\s+(?P<name>{_FULL_NAME}|{_LOWER_WORD}(?:\s+(?:{_PARTICLE}\s+)?{_LOWER_WORD})?)"
    r"(?![\w'’])"
)
_FREE_STOP = {
    "niet", "niks", "niets", "onbelangrijk", "belangrijk", "geheim", "bekend", "anoniem", "privé",
    "prive", "hier", "nu", "zo", "eigenlijk", "ook", "al", "toch", "er", "het", "een", "de", "dat",
    "dit", "wel", "geen", "verder", "bij", "u", "jullie", "onbekend", "vermeld", "weggelaten", "nvt",
    "n.v.t", "afgeschermd", "overbodig", "irrelevant", "op", "in", "is", "was", "te", "van", "en",
}
_QUICK_RE = re.compile(
    r"\d|@|naam|heet|\bben\b|\bwas\b|groet|gr\b|mvg|m\.v\.g|mevr|mw\b|mw\.|meneer|dhr|hr\.|heer|medewerk|consulent|"
    r"klantmanager|collega|behandelaar|coach|ambtenaar|casemanager|contactpersoon|gesproken|geholpen|"
    r"namens|ondertekend|straat|laan|weg|plein|kade|gracht|dijk|hof|markt|park|huisnummer",
    re.IGNORECASE,
)


def _has_label_before(text: str, start: int) -> bool:
    return bool(_LABEL_BEFORE.search(text[max(0, start - 40):start]))


def _find_bsn(text: str) -> Iterable[Match]:
    for m in _BSN_RE.finditer(text):
        digits = re.sub(r"\D", "", m.group(1))
        if not bsn_is_valid(digits):
            continue
        before = text[max(0, m.start() - 40):m.start()]
        bsn_cue = re.search(r"\b(?:bsn|burgerservicenummer|sofi)", before, re.IGNORECASE)
        if not bsn_cue and (_has_label_before(text, m.start()) or _CURRENCY_AFTER.match(text[m.end():])):
            continue
        yield Match("BSN", m.start(1), m.end(1), m.group(1))


def _find_iban(text: str) -> Iterable[Match]:
    for m in _IBAN_START.finditer(text):
        country = m.group(1)[:2].upper()
        length = IBAN_LENGTHS.get(country)
        if length is None:
            continue
        chars, pos = [], m.start()
        while pos < len(text) and len(chars) < length:
            c = text[pos]
            if c.isalnum():
                chars.append(c)
            elif c in " ." and pos + 1 < len(text) and text[pos + 1].isalnum() and chars:
                pass
            else:
                break
            pos += 1
        if len(chars) == length and (pos >= len(text) or not text[pos].isalnum()):
            code = "".join(chars)
            if iban_is_valid(code):
                yield Match("IBAN", m.start(), pos, text[m.start():pos])


def _find_phone(text: str) -> Iterable[Match]:
    for m in _PHONE_RE.finditer(text):
        raw = m.group(0)
        start = m.start()
        if raw.startswith("(") and ")" not in raw:
            raw, start = raw[1:], start + 1
        digits = re.sub(r"\D", "", raw)
        if digits.startswith("0800") or digits.startswith("0900") or digits.startswith("0909"):
            continue
        if _has_label_before(text, start) and not raw.startswith(("+", "00", "06")):
            continue
        yield Match("TELEFOON", start, m.end(), raw)


def _find_email(text: str) -> Iterable[Match]:
    for m in _EMAIL_RE.finditer(text):
        yield Match("E-MAIL", m.start(), m.end(), m.group(0))


def _find_dob(text: str) -> Iterable[Match]:
    for m in _DOB_RE.finditer(text):
        yield Match("GEBOORTEDATUM", m.start("date"), m.end("date"), m.group("date"))


def _find_plate(text: str) -> Iterable[Match]:
    for m in _PLATE_RE.finditer(text):
        yield Match("KENTEKEN", m.start(), m.end(), m.group(0))
    for m in _PLATE_CUE_RE.finditer(text):
        yield Match("KENTEKEN", m.start("plate"), m.end("plate"), m.group("plate"))


_STREET_LEAD_STOP = {
    "Ik", "Wij", "We", "Zij", "Hij", "U", "Mijn", "Onze", "Ons", "Uw", "Een", "Dit", "Dat", "Die", "Naar",
    "Op", "Aan", "In", "Bij", "Nieuw", "Nieuwe", "Adres", "Stuur", "Graag", "Wonend", "Woon", "Bezorgadres",
    "Postadres", "Klacht", "Melding", "Over", "Langs", "Voor", "Achter", "Tegenover", "Naast",
}


def _find_address(text: str) -> Iterable[Match]:
    for m in _STREET_RE.finditer(text):
        words = m.group(0).split()
        start = m.start()
        # drop leading sentence words that are not part of the street name (e.g. "Ik", "Naar")
        while len(words) > 2 and words[0] in _STREET_LEAD_STOP:
            start = text.index(words[1], start + len(words[0]))
            words = words[1:]
        yield Match("ADRES", start, m.end(), text[start:m.end()])
    for m in _POSTCODE_RE.finditer(text):
        letters = re.sub(r"[^A-Za-z]", "", m.group(0)[4:7])[:2].upper()
        if letters in _POSTCODE_EXCLUDE:
            continue
        end = m.end() if m.group("nr") else m.start() + len(m.group(0).split(",")[0].rstrip())
        if not m.group("nr"):
            pc = re.match(r"[1-9]\d{3}(?:\s?[A-Z]{2}|[a-z]{2})", text[m.start():])
            end = m.start() + pc.end()
        yield Match("ADRES", m.start(), end, text[m.start():end])
    for m in _ADDRESS_CUE_RE.finditer(text):
        yield Match("ADRES", m.start("nr"), m.end("nr"), m.group("nr"))


def _find_names(text: str) -> Iterable[Match]:
    for regex, free in ((_NAME_STRICT_RE, False), (_NAME_FREE_RE, True)):
        for m in regex.finditer(text):
            name = m.group("name")
            words = name.split()
            # trim trailing words that are common Dutch words, not names
            while words and (words[-1] in _NAME_STOP or words[-1].lower() in _FREE_STOP
                             or re.fullmatch(_PARTICLE, words[-1])):
                words = words[:-1]
            if not words:
                continue
            starts_with_particle = bool(re.fullmatch(_PARTICLE, words[0])) and len(words) > 1
            if not starts_with_particle and (words[0] in _NAME_STOP or words[0].lower() in _FREE_STOP):
                continue
            if not free and not words[0][0].isupper() and not re.fullmatch(_PARTICLE, words[0]):
                continue
            if re.fullmatch(_PARTICLE, words[0]) and len(words) == 1:
                continue
            start = m.start("name")
            end = start + len(" ".join(words)) if " ".join(words) == name[:len(" ".join(words))] else \
                m.end("name")
            yield Match("NAAM", start, end, text[start:end])


_FINDERS = (_find_email, _find_iban, _find_dob, _find_bsn, _find_phone, _find_plate, _find_address,
            _find_names)


def _resolve(matches: list[Match]) -> list[Match]:
    """Keep non-overlapping spans: longest first, then by kind priority; merge touching addresses."""
    chosen: list[Match] = []
    for m in sorted(matches, key=lambda m: (-(m.end - m.start), _PRIORITY[m.kind], m.start)):
        if all(m.end <= c.start or m.start >= c.end for c in chosen):
            chosen.append(m)
    chosen.sort(key=lambda m: m.start)
    return chosen


def _merge_addresses(text: str, matches: list[Match]) -> list[Match]:
    out: list[Match] = []
    for m in matches:
        if (out and m.kind == "ADRES" and out[-1].kind == "ADRES"
                and re.fullmatch(r"[\s,]*", text[out[-1].end:m.start])):
            prev = out.pop()
            m = Match("ADRES", prev.start, m.end, text[prev.start:m.end])
        out.append(m)
    return out


def find_personal_data(text: str) -> list[Match]:
    """Every piece of personal data in ``text``, as non-overlapping :class:`Match` objects (for audits).

    Parameters
    ----------
    text:
        One open answer (Dutch).

    Returns
    -------
    list[Match]
        Sorted by position; ``kind`` is one of ``TAGS``.
    """
    if not isinstance(text, str) or not text or not _QUICK_RE.search(text):
        return []
    found: list[Match] = []
    for finder in _FINDERS:
        found.extend(finder(text))
    return _merge_addresses(text, _resolve(found))


def scrub(text: str) -> str:
    """Replace personal data in one open answer by tags such as ``[BSN]`` or ``[NAAM]``.

    Parameters
    ----------
    text:
        One open answer; ``None``/NaN is returned unchanged.

    Returns
    -------
    str
        The answer with every match of :func:`find_personal_data` replaced by its tag.
    """
    if not isinstance(text, str):
        return text
    matches = find_personal_data(text)
    if not matches:
        return text
    parts, pos = [], 0
    for m in matches:
        parts.append(text[pos:m.start])
        parts.append(m.tag)
        pos = m.end
    parts.append(text[pos:])
    return "".join(parts)


def scrub_series(answers: pd.Series) -> pd.Series:
    """Scrub a column of open answers (each distinct answer once; missing values stay missing).

    Parameters
    ----------
    answers:
        Open answers; any dtype, non-strings are kept as they are.

    Returns
    -------
    pd.Series
        Same index and name, ``object`` dtype.
    """
    values = answers.astype(object)
    mask = values.map(lambda v: isinstance(v, str))
    out = values.copy()
    if mask.any():
        text = values[mask]
        uniques = pd.unique(text.to_numpy())
        mapping = {u: scrub(u) for u in uniques}
        out[mask] = text.map(mapping)
    return out

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


_SIDECODE_SHAPES = frozenset(_SIDECODES)
_SHAPE = str.maketrans({**{c: "L" for c in "ABCDEFGHIJKLMNOPQRSTUVWXYZ"}, **{c: "D" for c in "0123456789"}})
_PLATE_RE = re.compile(r"(?<![\w\-])[A-Z0-9]{1,3}-[A-Z0-9]{1,3}-[A-Z0-9]{1,3}(?![\w\-])")
_PLATE_CUE_RE = re.compile(
    r"\bkenteken(?:nummer)?\s*:?\s*(?:is\s+)?(?P<plate>(?=[A-Z0-9]*\d)(?=[A-Z0-9]*[A-Z])[A-Z0-9]{6})\b")

_STREET_SUFFIXES = ("straat", "laan", "weg", "plein", "kade", "gracht", "dijk", "singel", "hof", "pad", "dreef",
                    "steeg", "markt", "park", "ring", "baan", "erf", "veld", "wal", "burcht", "akker", "weide",
                    "boulevard", "kamp", "haven", "zoom", "rade", "donk", "plantsoen", "lei", "gaarde", "horst",
                    "hout", "brink", "oord", "polder", "weerd", "hage", "vliet", "wetering", "vaart", "diep",
                    "dam", "plaats", "stede", "berg", "wijk", "hoek")
_NAME_WORD = r"[A-ZÀ-Ý][a-zà-ÿ'’]+(?:-[A-ZÀ-Ý][a-zà-ÿ]+)?"
_PARTICLE = (r"(?i:van\s+de[nr]?|van\s+het|van|de|der|den|ter|ten|te|het|'t|in\s+'t|op\s+de|aan\s+de|el|al|"
             r"ben|bin|da|di|dos|du|le|la|von)")
_HOUSE_NO = (r"\d{1,5}(?:\s?-?\s?(?:hs|bis|zw|rd|I{1,3})\b|\s?[a-zA-Z](?![a-zA-Z])|-\d{1,4}(?![\d\-])"
             r"|-[A-Za-z](?![A-Za-z]))?")
_NOT_A_QUANTITY = r"(?!\d|[.,]\d|\s*(?:euro|uur|minuten|dagen|weken|jaar|keer|%))"
_STREET_CORE = re.compile(
    rf"(?<![\wÀ-ÿ\-])(?P<street>[A-ZÀ-Ý][a-zà-ÿ]+(?:-[A-Za-zà-ÿ]+)?)\s+(?:nr\.?\s*|nummer\s+)?{_HOUSE_NO}"
    + _NOT_A_QUANTITY
)
_STREET_NAMED = re.compile(  # "Laan van Meerdervoort 12", "Plein 1944 ..." style: type word first
    rf"(?<![\wÀ-ÿ\-])(?:Laan|Plein|Kade|Hof|Markt)\s+(?:{_PARTICLE}\s+)?{_NAME_WORD}\s+(?:nr\.?\s*|nummer\s+)?"
    rf"{_HOUSE_NO}" + _NOT_A_QUANTITY
)
_STREET_PREFIX = re.compile(rf"(?:(?:{_NAME_WORD}|[A-Z]\.)\s+(?:(?:{_PARTICLE}|{_NAME_WORD})\s+){{0,3}})$")
_POSTCODE_RE = re.compile(
    r"(?<![\w\-])[1-9]\d{3}(?:\s?[A-Z]{2}|[a-z]{2})(?![\w\-])"
    rf"(?:(?:\s+|\s*,?\s*(?:nr\.?|nummer|huisnummer|no\.?)\s*:?\s*)(?P<nr>{_HOUSE_NO})(?![\d:\-]|[.,]\d))?"
)
_POSTCODE_EXCLUDE: set[str] = set()  # SA, SD, SS are not issued, but a typed one is still an address
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
_NON_DIGIT = re.compile(r"\D+")
# Cheap substring test before the name finders run (every cue of _CUE_STRICT/_CUE_FREE contains one).
_NAME_CUES = ("naam", "heet", "ben ", "was ", "groet", "gr", "mvg", "m.v.g", "mevr", "mw", "meneer", "dhr",
              "hr.", "heer", "medewerk", "consulent", "klantmanager", "collega", "behandelaar", "coach",
              "ambtenaar", "casemanager", "contactpersoon", "gesproken", "geholpen", "namens", "ondertekend")


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
        shape = m.group(0).translate(_SHAPE)
        if shape in _SIDECODE_SHAPES:
            yield Match("KENTEKEN", m.start(), m.end(), m.group(0))
    for m in _PLATE_CUE_RE.finditer(text):
        yield Match("KENTEKEN", m.start("plate"), m.end("plate"), m.group("plate"))


_STREET_LEAD_STOP = {
    "Ik", "Wij", "We", "Zij", "Hij", "U", "Mijn", "Onze", "Ons", "Uw", "Een", "Dit", "Dat", "Die", "Naar",
    "Op", "Aan", "In", "Bij", "Nieuw", "Nieuwe", "Adres", "Stuur", "Graag", "Wonend", "Woon", "Bezorgadres",
    "Postadres", "Klacht", "Melding", "Over", "Langs", "Voor", "Achter", "Tegenover", "Naast",
}


def _find_address(text: str) -> Iterable[Match]:
    for m in _STREET_CORE.finditer(text):
        street = m.group("street")
        if not street.lower().endswith(_STREET_SUFFIXES) or street in _STREET_LEAD_STOP:
            continue
        start = m.start()
        prefix = _STREET_PREFIX.search(text[max(0, start - 80):start])
        if prefix:
            words = prefix.group(0).split()
            while words and words[0] in _STREET_LEAD_STOP:
                words = words[1:]
            if words:
                start -= len(prefix.group(0)) - prefix.group(0).index(words[0])
        yield Match("ADRES", start, m.end(), text[start:m.end()])
    for m in _STREET_NAMED.finditer(text):
        yield Match("ADRES", m.start(), m.end(), m.group(0))
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


_CUE_STRICT_LOW = re.compile(rf"(?<![\w])(?:{_CUE_STRICT})\s+")
_CUE_FREE_LOW = re.compile(rf"(?<![\w])(?:{_CUE_FREE})\s+")
_NAME_AT = re.compile(rf"(?P<name>{_FULL_NAME})(?![\w'’])")
_NAME_FREE_AT = re.compile(
    rf"(?P<name>{_FULL_NAME}|{_LOWER_WORD}(?:\s+(?:{_PARTICLE}\s+)?{_LOWER_WORD})?)(?![\w'’])")


def _name_candidates(text: str) -> Iterable[tuple[re.Match, bool]]:
    """Names right after a cue phrase; cues are found in the lower-cased text (same positions)."""
    low = text.lower()
    if len(low) != len(text):  # rare characters whose lower case is longer: use the slow path
        for regex, free in ((_NAME_STRICT_RE, False), (_NAME_FREE_RE, True)):
            for m in regex.finditer(text):
                yield m, free
        return
    for cue_re, name_re, free in ((_CUE_STRICT_LOW, _NAME_AT, False), (_CUE_FREE_LOW, _NAME_FREE_AT, True)):
        for cue in cue_re.finditer(low):
            m = name_re.match(text, cue.end())
            if m:
                yield m, free


def _find_names(text: str) -> Iterable[Match]:
    for m, free in _name_candidates(text):
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
        kept = " ".join(words)
        end = start + len(kept) if name.startswith(kept) else m.end("name")
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
    if not isinstance(text, str) or not text:
        return []
    digits = len(_NON_DIGIT.sub("", text))
    found: list[Match] = []
    if "@" in text:
        found.extend(_find_email(text))
    if digits >= 8:
        found.extend(_find_iban(text))
    if digits >= 9:
        found.extend(_find_bsn(text))
        found.extend(_find_phone(text))
    low = text.lower()
    if digits >= 1:
        if "geb" in low or "dob" in low:
            found.extend(_find_dob(text))
        if "-" in text or "kenteken" in low:
            found.extend(_find_plate(text))
        found.extend(_find_address(text))
    if any(cue in low for cue in _NAME_CUES):
        found.extend(_find_names(text))
    return _merge_addresses(text, _resolve(found)) if found else []


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
        An :class:`~meethuis.config.OrgConfig` (or ``None``); its ``raw["themes"]`` adds terms to a
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
        from .codebook import load_codebook

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
    cache: dict[str, list] = {}
    rows = []
    for label, text in answers.items():
        if not isinstance(text, str) or not text.strip():
            continue
        if text not in cache:
            cache[text] = _answer_themes(text, lexicon)
        rows.extend((label, *hit) for hit in cache[text])
    return pd.DataFrame(rows, columns=["row", "theme", "sentiment", "terms"])


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
    return answers.map(lambda t: isinstance(t, str) and not _EMPTY_ANSWER.match(t))


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
    from .disclosure import TOTAL, protect_table

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
    rows = []
    for theme in lexicon.themes:
        if counts.get(theme, 0) < min_cell:
            continue
        for sentiment in ("positief", "negatief"):
            sel = hits[(hits["theme"] == theme) & (hits["sentiment"] == sentiment)]
            if sel.empty:
                continue
            candidates = pd.unique(scrub_series(texts.loc[sel["row"]]).to_numpy())
            ordered = sorted(candidates, key=lambda t: (t.count("["), len(t) > max_chars, _stable_key(t)))
            for quote in ordered[:per_sentiment]:
                if len(quote) > max_chars:
                    quote = quote[:max_chars].rsplit(" ", 1)[0] + " …"
                rows.append({"theme": theme, "theme_label": lexicon.label(theme, lang),
                             "sentiment": SENTIMENT_LABELS[sentiment][lang], "quote": quote})
    return pd.DataFrame(rows, columns=["theme", "theme_label", "sentiment", "quote"])


# ---------------------------------------------------------------------------------------------------
# Improvement log: "Jullie zeiden, wij deden"
# ---------------------------------------------------------------------------------------------------

STATUSES = {
    "gerealiseerd": {"nl": "gerealiseerd", "en": "done"},
    "in uitvoering": {"nl": "in uitvoering", "en": "in progress"},
    "gepland": {"nl": "gepland", "en": "planned"},
}
_QUARTER = re.compile(r"^(?P<year>20\d\d)\s*-?\s*Q(?P<q>[1-4])$", re.IGNORECASE)
_IMPROVEMENT_KEYS = {"quarter", "theme", "what", "status", "said"}


@dataclass(frozen=True)
class Improvement:
    """One entry of the organisation's improvement log."""

    quarter: str
    theme: str
    what: Mapping[str, str]
    status: str
    said: Mapping[str, str] | None = None

    def text(self, lang: str = "nl") -> str:
        """What changed, in ``lang`` (Dutch when no translation is given)."""
        return self.what.get(lang) or self.what["nl"]


def _bilingual(value: Any, fail) -> dict[str, str]:
    if isinstance(value, str) and value.strip():
        return {"nl": value.strip()}
    if isinstance(value, Mapping) and isinstance(value.get("nl"), str) and value["nl"].strip():
        extra = set(value) - {"nl", "en"}
        if extra:
            raise fail(f"unknown language(s) {sorted(map(str, extra))}", "use nl and en")
        if "en" in value and not (isinstance(value["en"], str) and value["en"].strip()):
            raise fail("'en' must be a non-empty text", "write the English text or leave 'en' out")
        return {k: v.strip() for k, v in value.items()}
    raise fail("expected a text or {nl: ..., en: ...} with at least the Dutch text",
               "e.g. what: {nl: \"Terugbelgarantie binnen 2 werkdagen\", en: \"Call back within 2 working days\"}")


def load_improvements(config: Any, lexicon: Lexicon | None = None) -> list[Improvement]:
    """The ``improvements:`` list of an organisation config, validated.

    Parameters
    ----------
    config:
        :class:`~meethuis.config.OrgConfig`; reads ``config.raw["improvements"]`` (may be absent).
    lexicon:
        Known themes (default: :func:`load_lexicon` of the config); a theme must be one of them.

    Returns
    -------
    list[Improvement]
        In config order.

    Raises
    ------
    ConfigError
        With file (and line), key such as ``improvements[2].status`` and a hint.
    """
    raw = (getattr(config, "raw", {}) or {}).get("improvements")
    path = str(getattr(config, "path", "config"))
    lines = getattr(config, "lines", {}) or {}

    def failer(key: str):
        def fail(message: str, hint: str | None = None) -> ConfigError:
            line = lines.get(key)
            return ConfigError(message, file=f"{path}:{line}" if line else path, key=key, hint=hint)
        return fail

    if raw is None:
        return []
    if not isinstance(raw, list):
        raise failer("improvements")("'improvements' must be a list of entries",
                                     "start each entry with '- quarter: 2026Q2'")
    lexicon = lexicon or load_lexicon(config)
    out = []
    for k, entry in enumerate(raw):
        key = f"improvements[{k}]"
        if not isinstance(entry, Mapping):
            raise failer(key)("an improvement must be a mapping with quarter, theme, what, status",
                              "see the example in data/sample/molensloot.yml")
        unknown = set(entry) - _IMPROVEMENT_KEYS
        if unknown:
            raise failer(f"{key}.{sorted(map(str, unknown))[0]}")(
                f"unknown key(s) {sorted(map(str, unknown))}", f"allowed: {', '.join(sorted(_IMPROVEMENT_KEYS))}")
        for need in ("quarter", "theme", "what", "status"):
            if need not in entry:
                raise failer(key)(f"missing '{need}'", "every improvement needs quarter, theme, what and status")
        m = _QUARTER.match(str(entry["quarter"]).strip())
        if not m:
            raise failer(f"{key}.quarter")(f"'{entry['quarter']}' is not a quarter", "write it as 2026Q2")
        theme = entry["theme"]
        if not isinstance(theme, str) or theme not in lexicon.themes:
            raise failer(f"{key}.theme")(f"unknown theme {theme!r}",
                                         f"use one of: {', '.join(lexicon.themes)} (or add it under 'themes:')")
        status = str(entry["status"]).strip().lower().replace("_", " ")
        if status not in STATUSES:
            raise failer(f"{key}.status")(f"unknown status {entry['status']!r}",
                                          "use gepland, in uitvoering or gerealiseerd")
        what = _bilingual(entry["what"], failer(f"{key}.what"))
        said = _bilingual(entry["said"], failer(f"{key}.said")) if "said" in entry else None
        out.append(Improvement(quarter=f"{m['year']}Q{m['q']}", theme=theme, what=what, status=status, said=said))
    return out


def you_said_we_did(improvements: Iterable[Improvement], themes: pd.DataFrame | None = None,
                    importance: Mapping[str, float] | pd.Series | None = None, *, top: int = 5,
                    until: str = "", lexicon: Lexicon | None = None, lang: str = "nl") -> pd.DataFrame:
    """"Jullie zeiden, wij deden": the top improvements per quarter next to what citizens said.

    Per quarter the improvements are ranked by status (gerealiseerd, in uitvoering, gepland), then by
    the importance of their driver (higher first), then by the share of negative mentions of the
    theme; the first ``top`` are kept.

    Parameters
    ----------
    improvements:
        From :func:`load_improvements`.
    themes:
        :func:`theme_table` (its ``totaal`` rows are used); suppressed themes show no numbers.
    importance:
        Driver importance (e.g. Shapley shares) by theme id; optional.
    top:
        Improvements shown per quarter.
    until:
        Only quarters up to and including this one (``""``: all).
    lexicon, lang:
        For theme labels; language of the texts.

    Returns
    -------
    pandas.DataFrame
        ``quarter, theme, theme_label, said, did, status, importance_rank, share_negative,
        share_positive`` (newest quarter first). No respondent counts: nothing to suppress here.
    """
    lexicon = lexicon or load_lexicon()
    total = None
    if themes is not None and len(themes):
        total = themes[themes["group"] == "totaal"].set_index("theme")
    imp = pd.Series(importance, dtype=float) if importance is not None else pd.Series(dtype=float)
    ranks = imp.rank(ascending=False, method="min") if len(imp) else imp
    rows = []
    for item in improvements:
        if until and item.quarter > until:
            continue
        neg = pos = np.nan
        if total is not None and item.theme in total.index and not bool(total.at[item.theme, "suppressed"]):
            neg, pos = total.at[item.theme, "share_negative"], total.at[item.theme, "share_positive"]
        label = lexicon.label(item.theme, lang)
        said = (item.said.get(lang) or item.said["nl"]) if item.said else _said_text(label, neg, pos, lang)
        rows.append({
            "quarter": item.quarter, "theme": item.theme, "theme_label": label, "said": said,
            "did": item.text(lang), "status": STATUSES[item.status][lang],
            "importance_rank": ranks.get(item.theme, np.nan), "share_negative": neg, "share_positive": pos,
            "_status_order": list(STATUSES).index(item.status),
            "_importance": imp.get(item.theme, -np.inf),
        })
    cols = ["quarter", "theme", "theme_label", "said", "did", "status", "importance_rank",
            "share_negative", "share_positive"]
    if not rows:
        return pd.DataFrame(columns=cols)
    table = pd.DataFrame(rows)
    table["_neg"] = table["share_negative"].fillna(-1.0)
    table = table.sort_values(["quarter", "_status_order", "_importance", "_neg"],
                              ascending=[False, True, False, False], kind="stable")
    table = table.groupby("quarter", sort=False).head(top)
    return table[cols].reset_index(drop=True)


def _said_text(label: str, share_negative: float, share_positive: float, lang: str) -> str:
    from . import narrative as nv

    if pd.isna(share_negative):
        return (f"Opmerkingen over {label.lower()}" if lang == "nl" else f"Comments about {label.lower()}")
    if lang == "nl":
        return (f"{nv.format_percent(share_negative, 0, 'nl')} van de opmerkingen over {label.lower()} "
                f"was negatief, {nv.format_percent(share_positive, 0, 'nl')} positief")
    return (f"{nv.format_percent(share_negative, 0, 'en')} of comments about {label.lower()} were negative, "
            f"{nv.format_percent(share_positive, 0, 'en')} positive")


def praise(themes: pd.DataFrame, *, top: int = 3) -> pd.DataFrame:
    """The themes citizens are most positive about (published ``totaal`` rows, most positive first)."""
    total = themes[(themes["group"] == "totaal") & ~themes["suppressed"].astype(bool)]
    total = total[total["share_positive"] > 0.5]
    return total.sort_values(["share_positive", "n"], ascending=False).head(top).reset_index(drop=True)


def feedback_summary(themes: pd.DataFrame, loop: pd.DataFrame, lang: str = "nl",
                     lexicon: Lexicon | None = None) -> str:
    """A few sentences for managers built from the theme table and the improvement log.

    Parameters
    ----------
    themes:
        :func:`theme_table` (protected; suppressed themes are not mentioned).
    loop:
        :func:`you_said_we_did` in the same ``lang``.
    lang:
        ``"nl"`` or ``"en"``.
    lexicon:
        For theme labels in ``lang`` (default: the package lexicon).

    Returns
    -------
    str
        Markdown text.
    """
    from . import narrative as nv

    lexicon = lexicon or load_lexicon()
    total = themes[(themes["group"] == "totaal") & ~themes["suppressed"].astype(bool)].copy()
    total["theme_label"] = [lexicon.label(t, lang) for t in total["theme"]]
    themes = themes.assign(theme_label=[lexicon.label(t, lang) for t in themes["theme"]])
    if total.empty:
        return ("Er zijn te weinig open antwoorden om thema's te tonen." if lang == "nl"
                else "There are too few open answers to show themes.")
    most = total.sort_values("share", ascending=False).iloc[0]
    neg = total.sort_values(["share_negative", "n"], ascending=False).iloc[0]
    good = praise(themes, top=1)
    n_answers = int(total["n_answers"].max())
    if lang == "nl":
        parts = [f"Van de {nv.format_int(n_answers, 'nl')} open antwoorden gaat "
                 f"{nv.format_percent(most['share'], 0, 'nl')} over {most['theme_label'].lower()}."]
        parts.append(f"Het meest negatief zijn de opmerkingen over {neg['theme_label'].lower()} "
                     f"({nv.format_percent(neg['share_negative'], 0, 'nl')} negatief).")
        if len(good):
            parts.append(f"Het meest positief zijn inwoners over {good.iloc[0]['theme_label'].lower()} "
                         f"({nv.format_percent(good.iloc[0]['share_positive'], 0, 'nl')} positief).")
        if len(loop):
            done = int((loop["status"] == STATUSES["gerealiseerd"]["nl"]).sum())
            parts.append(f"In het verbeterlogboek staan {nv.format_int(len(loop), 'nl')} verbeteringen, "
                         f"waarvan {nv.format_int(done, 'nl')} gerealiseerd.")
        return " ".join(parts)
    parts = [f"Of the {nv.format_int(n_answers, 'en')} open answers, "
             f"{nv.format_percent(most['share'], 0, 'en')} are about {most['theme_label'].lower()}."]
    parts.append(f"Comments about {neg['theme_label'].lower()} are the most negative "
                 f"({nv.format_percent(neg['share_negative'], 0, 'en')} negative).")
    if len(good):
        parts.append(f"Citizens are most positive about {good.iloc[0]['theme_label'].lower()} "
                     f"({nv.format_percent(good.iloc[0]['share_positive'], 0, 'en')} positive).")
    if len(loop):
        done = int((loop["status"] == STATUSES["gerealiseerd"]["en"]).sum())
        parts.append(f"The improvement log lists {nv.format_int(len(loop), 'en')} improvements, "
                     f"{nv.format_int(done, 'en')} of them done.")
    return " ".join(parts)


# ---------------------------------------------------------------------------------------------------
# Showing the results (used by notebooks/10_feedback.ipynb)
# ---------------------------------------------------------------------------------------------------

VIEW_LABELS = {
    "theme_label": {"nl": "Thema", "en": "Theme"},
    "group_label": {"nl": "Rapportcijfer", "en": "Grade"},
    "n": {"nl": "Antwoorden (n)", "en": "Answers (n)"},
    "share": {"nl": "Aandeel van de antwoorden", "en": "Share of answers"},
    "share_positive": {"nl": "Waarvan positief", "en": "Of which positive"},
    "share_negative": {"nl": "Waarvan negatief", "en": "Of which negative"},
    "quarter": {"nl": "Kwartaal", "en": "Quarter"},
    "said": {"nl": "Jullie zeiden", "en": "You said"},
    "did": {"nl": "Wij deden", "en": "We did"},
    "status": {"nl": "Status", "en": "Status"},
    "importance_rank": {"nl": "Belang (rang)", "en": "Importance (rank)"},
}


def view_labels(lang: str = "nl") -> dict[str, str]:
    """Column headers of the feedback tables in ``lang``."""
    return {k: v[lang] for k, v in VIEW_LABELS.items()}


def theme_view(table: pd.DataFrame, *, by_group: bool = False) -> pd.DataFrame:
    """The reader's columns of a protected :func:`theme_table` (total rows, or the grade groups)."""
    from .disclosure import TOTAL

    rows = table[table["group"] != TOTAL] if by_group else table[table["group"] == TOTAL]
    cols = ["theme_label", *(["group_label"] if by_group else []), "n", "share", "share_positive",
            "share_negative", "suppressed"]
    return rows[cols].reset_index(drop=True)


def loop_view(loop: pd.DataFrame) -> pd.DataFrame:
    """The reader's columns of :func:`you_said_we_did` (no respondent counts)."""
    return loop[["quarter", "theme_label", "said", "did", "status", "importance_rank"]]


def plot_themes(table: pd.DataFrame, lang: str = "nl") -> tuple[Any, int | None]:
    """Bars: share of answers per published theme, split into positive, neutral and negative.

    Returns
    -------
    tuple[matplotlib.figure.Figure, int | None]
        The figure and the smallest number of answers behind a bar (for ``show_figure``).
    """
    from .plots import PALETTE, new_figure

    total = table[(table["group"] == "totaal") & ~table["suppressed"].astype(bool)]
    total = total.sort_values("share")
    nl = lang == "nl"
    fig, ax = new_figure(
        "Waar gaan de open antwoorden over?" if nl else "What are the open answers about?",
        "aandeel van de open antwoorden (%)" if nl else "share of open answers (%)", "",
        ("Liggende staven per thema: het aandeel open antwoorden dat het thema noemt, verdeeld in "
         "positief, neutraal en negatief." if nl else
         "Horizontal bars per theme: the share of open answers mentioning the theme, split into "
         "positive, neutral and negative."),
        size=(7.5, 0.45 * max(len(total), 2) + 1.5))
    if total.empty:
        return fig, None
    labels = total["theme_label"].tolist()
    pos = 100 * total["share"] * total["share_positive"]
    neg = 100 * total["share"] * total["share_negative"]
    neu = 100 * total["share"] - pos - neg
    ax.barh(labels, pos, color=PALETTE["groen"], label="positief" if nl else "positive")
    ax.barh(labels, neu, left=pos, color="#BBBBBB", label="neutraal" if nl else "neutral")
    ax.barh(labels, neg, left=pos + neu, color=PALETTE["vermiljoen"], label="negatief" if nl else "negative")
    ax.legend(loc="lower right", frameon=False)
    return fig, int(total["n"].min())


def quotes_markdown(quotes: pd.DataFrame, lang: str = "nl") -> str:
    """Scrubbed quotes as Markdown block quotes, grouped by theme (HTML and Markdown escaped)."""
    import html as _html

    if quotes.empty:
        return ("Er zijn te weinig antwoorden per thema om citaten te tonen." if lang == "nl"
                else "There are too few answers per theme to show quotes.")
    out = []
    for label, group in quotes.groupby("theme_label", sort=False):
        out.append(f"**{label}**\n")
        for row in group.itertuples():
            quote = re.sub(r"([\\`*_\[\]])", r"\\\1", _html.escape(scrub(row.quote), quote=False))
            out.append(f"> *{row.sentiment}:* “{quote}”\n")
    return "\n".join(out)


def driver_importance(responses: pd.DataFrame, config: Any, weights: pd.Series | None = None,
                      outcome: str = "tevredenheid") -> pd.Series:
    """Shapley share of each driver for ``outcome`` (no bootstrap), or an empty Series when the data
    cannot support it (too few complete answers)."""
    from .drivers import shapley_importance

    names = [d for d in config.drivers() if d in responses.columns]
    if outcome not in responses.columns or not names:
        return pd.Series(dtype=float)
    try:
        table = shapley_importance(responses, outcome, names, weights=weights, missing="pairwise")
    except AnalysisError:
        return pd.Series(dtype=float)
    if int(table.attrs.get("n", len(responses))) < max(10 * len(names), 10):
        return pd.Series(dtype=float)
    return table.set_index("driver")["share"]


def loop_text(loop: pd.DataFrame, themes: pd.DataFrame, lang: str = "nl", lexicon: Lexicon | None = None) -> str:
    """Markdown for "Jullie zeiden, wij deden": the latest quarter's improvements, the most important
    driver among them, and what goes well (the positive feedback, not only complaints)."""
    from . import narrative as nv

    lexicon = lexicon or load_lexicon()
    nl = lang == "nl"
    parts = []
    if loop.empty:
        parts.append("Er staan nog geen verbeteringen in het verbeterlogboek (sleutel `improvements:` in de "
                     "config van de organisatie)." if nl else
                     "The improvement log is still empty (key `improvements:` in the organisation's config).")
    else:
        latest = loop["quarter"].max()
        now = loop[loop["quarter"] == latest]
        when = nv.period_text(latest, lang)
        parts.append((f"In het {when}:" if nl else f"In {when}:") + "\n\n"
                     + nv.bullets(f"{r.did.rstrip('.')} ({r.theme_label.lower()}, {r.status})"
                                  for r in now.itertuples()) + "\n")
        ranked = loop.dropna(subset=["importance_rank"])
        if len(ranked):
            best = ranked.sort_values("importance_rank").iloc[0]
            parts.append(
                f"Van de thema's in het logboek weegt {best['theme_label'].lower()} het zwaarst voor de "
                f"tevredenheid (rang {int(best['importance_rank'])} van de drijfveren)." if nl else
                f"Of the themes in the log, {best['theme_label'].lower()} matters most for satisfaction "
                f"(rank {int(best['importance_rank'])} among the drivers).")
    good = praise(themes, top=3)
    if len(good):
        items = [f"{lexicon.label(r.theme, lang).lower()} ({nv.format_percent(r.share_positive, 0, lang)} "
                 f"{'positief' if nl else 'positive'})" for r in good.itertuples()]
        parts.append(("Wat goed gaat: inwoners zijn vooral positief over " if nl else
                      "What goes well: citizens are most positive about ") + nv.join_list(items, lang) + ".")
    return " ".join(parts)


# ---------------------------------------------------------------------------------------------------
# Audit of published output
# ---------------------------------------------------------------------------------------------------

SCANNED_SUFFIXES = (".html", ".htm", ".csv", ".json", ".ipynb", ".md", ".txt", ".tsv")
# Compressed images cannot hold readable text; every other file (also a stray pickle or cache) is
# scanned, binary files as their bytes decoded leniently.
IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".gif", ".webp")
_TOKEN = re.compile(r"[A-Za-z0-9][A-Za-z0-9_\-]*[A-Za-z0-9]")


@dataclass(frozen=True)
class Leak:
    """A personal identifier or raw link key found in a published file."""

    file: str
    value: str
    kind: str  # "identifier" or "key"


def _json_strings(node: Any) -> Iterable[str]:
    if isinstance(node, str):
        yield node
    elif isinstance(node, Mapping):
        for k, v in node.items():
            yield str(k)
            yield from _json_strings(v)
    elif isinstance(node, list):
        for v in node:
            yield from _json_strings(v)


def _published_text(path: Path) -> str:
    raw = path.read_text(encoding="utf-8", errors="replace")
    if path.suffix.lower() not in SCANNED_SUFFIXES:
        return raw  # binary or unknown kind: its bytes, leniently decoded
    if path.suffix in (".json", ".ipynb"):
        import json

        try:
            raw = raw + "\n" + "\n".join(_json_strings(json.loads(raw)))  # also the unescaped strings
        except ValueError:
            pass
    if path.suffix in (".html", ".htm", ".ipynb"):
        import html as _html

        raw = raw + "\n" + _html.unescape(re.sub(r"<[^>]+>", "", raw))
    return raw


def find_leaks(folder: str | Path, identifiers: Iterable[str], keys: Iterable[str] = ()) -> list[Leak]:
    """Scan every published file under ``folder`` for personal identifiers and raw link keys.

    Parameters
    ----------
    folder:
        A report folder: every file is read (hidden and binary files too), except compressed images.
    identifiers:
        Values that must not appear (e.g. ``sample.planted_identifiers``); matched case-insensitively,
        also with whitespace collapsed or removed (``06 1234 5678`` vs ``0612345678``).
    keys:
        Raw link keys (``zaak_sleutel``) that must not appear as a whole token.

    Returns
    -------
    list[Leak]
        Empty when the output is clean.
    """
    folder = Path(folder)
    needles = {i.strip() for i in identifiers if isinstance(i, str) and i.strip()}
    key_set = {str(k) for k in keys if isinstance(k, str) and k}
    leaks: list[Leak] = []
    for path in sorted(p for p in folder.rglob("*") if p.is_file() and p.suffix.lower() not in IMAGE_SUFFIXES):
        text = _published_text(path)
        low = text.lower()
        flat = re.sub(r"\s+", " ", low)
        bare = re.sub(r"\s+", "", low)
        rel = str(path.relative_to(folder))
        for value in sorted(needles):
            v = value.lower()
            if v in low or re.sub(r"\s+", " ", v) in flat or re.sub(r"\s+", "", v) in bare:
                leaks.append(Leak(rel, value, "identifier"))
        if key_set:
            for token in sorted(set(_TOKEN.findall(text)) & key_set):
                leaks.append(Leak(rel, token, "key"))
    return leaks

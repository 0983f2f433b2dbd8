"""Personal data in open answers: find and scrub identifiers (BSN, IBAN, phone, e-mail, address, date of
birth, licence plate, names after cue phrases or from the name lexicon, :mod:`.names`) before an answer appears anywhere, and audit published
output for anything that slipped through (:func:`find_leaks`).
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable, Mapping

import numpy as np
import pandas as pd

from meethuis.improve.feedback.names import find_names


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
    found.extend(Match("NAAM", s, e, text[s:e]) for s, e in find_names(text, _NAME_STOP))
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


OTHER_LABEL = "overig"


def publishable_labels(frame: pd.DataFrame, columns, min_cell: int, other: str = OTHER_LABEL) -> pd.DataFrame:
    """Free-text category columns made fit to publish as group labels.

    Each distinct value is scrubbed (:func:`scrub`); a value held by fewer than ``min_cell`` rows (after
    scrubbing) becomes ``other``, whatever its estimates would be, so no label typed by a few respondents
    (a name, an IBAN, a rare service) reaches a table, figure or aggregates.json.

    Parameters
    ----------
    frame:
        Survey responses.
    columns:
        The free-text category columns (those absent from ``frame`` are skipped).
    min_cell:
        Smallest number of respondents behind a published label.
    other:
        Label for the merged small values.

    Returns
    -------
    pandas.DataFrame
        A copy with those columns as ``category``; other columns unchanged.
    """
    out = frame.copy()
    for col in columns:
        if col not in out.columns:
            continue
        codes, uniques = pd.factorize(out[col], use_na_sentinel=True)  # each distinct value once
        labels = np.array([scrub(str(u)).strip() for u in uniques] + [None], dtype=object)
        clean = pd.Series(labels[codes], index=out.index, dtype=object)
        counts = clean.value_counts(dropna=True)
        small = set(counts[counts < int(min_cell)].index)
        if small:
            clean = clean.where(~clean.isin(small), other)
        out[col] = pd.Categorical(clean)
    return out


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
    codes, uniques = pd.factorize(values, use_na_sentinel=True)  # each distinct answer looked at once
    scrubbed = np.array([scrub(u) if isinstance(u, str) else None for u in uniques] + [None], dtype=object)
    is_text = np.array([isinstance(u, str) for u in uniques] + [False], dtype=bool)
    mask = is_text[codes]
    out = values.copy()
    if mask.any():
        column = out.to_numpy(dtype=object, copy=True)
        column[mask] = scrubbed[codes[mask]]
        out = pd.Series(column, index=values.index, name=values.name, dtype=object)
    return out


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

"""Text built from numbers: Dutch number formatting (decimal comma) or English, CI and goal sentences.

Every sentence a reader sees about a result comes from here, so the wording is consistent and the
numbers in the text are the numbers in the tables. ``lang`` is ``"nl"`` (default) or ``"en"``.
"""
from __future__ import annotations

import datetime as _dt
import math
import re
from typing import Iterable, Sequence

from meethuis.common.errors import ConfigError

LANGS = ("nl", "en")
DASH = "\u2013"  # en dash for ranges: 7,3–7,5
MISSING = "\u2014"  # em dash shown for a suppressed or missing value
MINUS = "\u2212"  # minus sign: read as "minus" by screen readers, never confused with a dash

_MONTHS = {
    "nl": ["januari", "februari", "maart", "april", "mei", "juni", "juli", "augustus", "september",
           "oktober", "november", "december"],
    "en": ["January", "February", "March", "April", "May", "June", "July", "August", "September",
           "October", "November", "December"],
}

# Short interface texts of the report, in both languages.
TEXTS: dict[str, dict[str, str]] = {
    "contents": {"nl": "Inhoud", "en": "Contents"},
    "period": {"nl": "Periode", "en": "Period"},
    "all_periods": {"nl": "alle perioden", "en": "all periods"},
    "date": {"nl": "Datum", "en": "Date"},
    "report_title": {"nl": "Klantbeleving", "en": "Customer experience"},
    "provenance": {"nl": "Herkomst", "en": "Provenance"},
    "suppressed_note": {
        "nl": "{dash} = niet getoond: gebaseerd op minder dan {min_cell} respondenten.",
        "en": "{dash} = not shown: based on fewer than {min_cell} respondents.",
    },
    "suppressed_note_any": {  # also cells hidden so that a small group cannot be worked out (secondary)
        "nl": "{dash} = niet getoond: te weinig respondenten, of verborgen zodat een kleine groep niet terug te "
              "rekenen is.",
        "en": "{dash} = not shown: too few respondents, or hidden so that a small group cannot be worked out.",
    },
    "suppressed_figure": {
        "nl": "Figuur niet getoond: gebaseerd op minder dan {min_cell} respondenten.",
        "en": "Figure not shown: based on fewer than {min_cell} respondents.",
    },
    "ci95": {"nl": "marge", "en": "margin"},  # the 95% confidence interval, in reader words
    "table": {"nl": "Tabel", "en": "Table"},
    "figure": {"nl": "Figuur", "en": "Figure"},
    "empty_table": {"nl": "Geen gegevens om te tonen.", "en": "No data to show."},
    "margin_header": {"nl": "Marge", "en": "Margin"},
    "method_fold": {"nl": "Hoe is dit berekend?", "en": "How was this calculated?"},
    "method_appendix": {"nl": "Bijlage: hoe is dit berekend?", "en": "Appendix: how was this calculated?"},
    "method_appendix_intro": {
        "nl": "Hier staat per hoofdstuk hoe de cijfers zijn berekend: dezelfde tekst als onder "
              "\u2018Hoe is dit berekend?\u2019 in dat hoofdstuk, op \u00e9\u00e9n plek bij elkaar.",
        "en": "How the figures were calculated, per chapter: the same text as under \u2018How was this "
              "calculated?\u2019 in that chapter, gathered in one place."},
    "scroll_hint": {"nl": "Veeg of scroll opzij voor alle kolommen.", "en": "Swipe or scroll sideways for every column."},
    "scroll_hint_figure": {"nl": "Veeg of scroll opzij voor de hele figuur.",
                           "en": "Swipe or scroll sideways for the whole figure."},
    "download_csv": {"nl": "Download als CSV", "en": "Download as CSV"},
    "page": {"nl": "Pagina", "en": "Page"},
}


def check_lang(lang: str) -> str:
    """Return ``lang`` if it is a supported language, else raise a ConfigError with the choices."""
    if lang not in LANGS:
        raise ConfigError(f"unknown language '{lang}'", key="lang", hint="use 'nl' (Dutch) or 'en' (English)")
    return lang


def text(key: str, lang: str = "nl", **values: object) -> str:
    """An interface text from :data:`TEXTS` in ``lang``, with ``{placeholders}`` filled in."""
    check_lang(lang)
    return TEXTS[key][lang].format(dash=MISSING, **values)


def _is_missing(value: object) -> bool:
    if value is None:
        return True
    try:
        return math.isnan(float(value))  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return False


def format_number(value: float | int | None, decimals: int = 1, lang: str = "nl") -> str:
    """Format a number with a decimal comma and thousands dots (nl) or the English convention.

    Parameters
    ----------
    value:
        The number; ``None``/NaN gives an em dash.
    decimals:
        Digits after the decimal separator.
    lang:
        ``"nl"`` gives ``1.234,5``; ``"en"`` gives ``1,234.5``.

    Returns
    -------
    str
    """
    check_lang(lang)
    if _is_missing(value):
        return MISSING
    x = float(value)  # type: ignore[arg-type]
    if x == 0:
        x = 0.0  # no "-0,0"
    s = f"{x:,.{decimals}f}"
    if s.lstrip("-").strip("0.,") == "":
        s = s.lstrip("-")  # a value that rounds to zero is shown without a sign
    if lang == "nl":
        s = s.replace(",", "\0").replace(".", ",").replace("\0", ".")
    return s.replace("-", MINUS)


def format_int(value: float | int | None, lang: str = "nl") -> str:
    """A count: ``5.000`` (nl) or ``5,000`` (en)."""
    return format_number(value, 0, lang)


def format_percent(share: float | None, decimals: int = 0, lang: str = "nl") -> str:
    """A share 0–1 as a percentage: ``0.734`` → ``73%``; with one decimal ``73,4%`` (nl)."""
    if _is_missing(share):
        return MISSING
    return format_number(100 * float(share), decimals, lang) + "%"  # type: ignore[arg-type]


def format_value(value: float | None, kind: str = "mean", lang: str = "nl", decimals: int | None = None) -> str:
    """A KPI value by kind: ``mean`` (1 decimal), ``share`` (percentage), ``nps`` (signed integer)."""
    if kind == "share":
        return format_percent(value, 0 if decimals is None else decimals, lang)
    if kind == "nps":
        if _is_missing(value):
            return MISSING
        s = format_number(value, 0 if decimals is None else decimals, lang)
        return s if s.startswith(MINUS) or s.strip("0,.") == "" else "+" + s
    return format_number(value, 1 if decimals is None else decimals, lang)


def format_ci(low: float | None, high: float | None, kind: str = "mean", lang: str = "nl",
              decimals: int | None = None) -> str:
    """A 95% confidence interval as ``marge 7,3–7,5`` (nl) or ``margin 7.3–7.5`` (en).

    With a negative bound the range reads ``−36 tot −29`` (``to``), as a dash between minus signs is
    hard to read.
    """
    lo = format_value(low, kind, lang, decimals)
    hi = format_value(high, kind, lang, decimals)
    return f"{text('ci95', lang)} {range_text(lo, hi, lang)}"


def range_text(low: str, high: str, lang: str = "nl") -> str:
    """Two formatted bounds as a range: ``7,3–7,5``, or ``−36 tot −29`` when a bound is negative."""
    if low.startswith(MINUS) or high.startswith(MINUS):
        return f"{low} {'tot' if lang == 'nl' else 'to'} {high}"
    return f"{low}{DASH}{high}"


def join_list(words: Iterable[str], lang: str = "nl") -> str:
    """``a, b en c`` (nl) or ``a, b and c`` (en)."""
    words = [str(w) for w in words]
    conj = " en " if lang == "nl" else " and "
    if len(words) <= 1:
        return "".join(words)
    return ", ".join(words[:-1]) + conj + words[-1]


_PERIOD = re.compile(r"^(\d{4})Q([1-4])$")
ALL = "ALL"  # the period value that pools every quarter (``--period all``)


def parse_period(period: str | None) -> tuple[int, int] | None:
    """``"2026Q3"`` → ``(2026, 3)``; empty or ``"all"`` → ``None``. Anything else raises ConfigError.

    Which quarter an empty period stands for (the latest in the data) is decided by
    ``report.context.resolve_period``; here empty and ``all`` only pass the syntax check.
    """
    if period is None or str(period).strip() == "" or str(period).strip().upper() == ALL:
        return None
    m = _PERIOD.match(str(period).strip().upper())
    if not m:
        raise ConfigError(f"cannot read period '{period}'", key="period",
                          hint="write a quarter as 2026Q3, 'all' to pool every quarter, "
                               "or leave it empty for the latest quarter")
    return int(m.group(1)), int(m.group(2))


def period_text(period: str | None, lang: str = "nl") -> str:
    """A period for readers: ``3e kwartaal 2026`` / ``Q3 2026``; a year (one measurement) as is; empty → ``alle perioden``."""
    if period is not None and re.fullmatch(r"\d{4}", str(period).strip()):
        return str(period).strip()
    parsed = parse_period(period)
    if parsed is None:
        return text("all_periods", lang)
    year, q = parsed
    return f"{q}e kwartaal {year}" if lang == "nl" else f"Q{q} {year}"


def format_date(date: _dt.date, lang: str = "nl") -> str:
    """``23 november 2026`` (nl) or ``23 November 2026`` (en)."""
    check_lang(lang)
    return f"{date.day} {_MONTHS[lang][date.month - 1]} {date.year}"


def goal_clause(estimate: float, ci_low: float | None, ci_high: float | None, target: float, op: str = ">=",
                kind: str = "mean", lang: str = "nl") -> str:
    """How a result stands against its goal, taking the 95% interval into account.

    ``>=``/``>`` goals: "boven het doel van 7,0 (doel gehaald)" when the whole interval is above the
    target, "onder ..." when it is below, and "rond het doel ... nog onbeslist" when the interval holds
    the target (as ``kpi.compare_goals`` status ``undecided``). ``<=``/``<`` goals speak of a maximum.

    Parameters
    ----------
    estimate, ci_low, ci_high:
        The result and its 95% interval (interval may be NaN: then only the estimate counts).
    target, op:
        The goal, e.g. ``7.0`` and ``">="``.
    kind:
        ``mean``, ``share`` or ``nps`` (how the target is written).
    lang:
        ``nl`` or ``en``.

    Returns
    -------
    str
    """
    from meethuis.common.vocabulary import goal_status

    check_lang(lang)
    status = goal_status(estimate, ci_low, ci_high, target, op, kind)  # decided on the numbers as shown
    t = format_value(target, kind, lang)
    upward = op in (">=", ">")
    above = estimate >= target
    if lang == "nl":
        where = "boven" if above else "onder"
        noun = f"het doel van {t}" if upward else f"het maximum van {t}"
        if status == "undecided":
            return f"rond {noun} (het doel ligt binnen de marge: nog onbeslist)"
        return f"{where} {noun} (doel {'gehaald' if status == 'met' else 'niet gehaald'})"
    where = "above" if above else "below"
    noun = f"the goal of {t}" if upward else f"the maximum of {t}"
    if status == "undecided":
        return f"around {noun} (the goal lies within the margin: undecided)"
    return f"{where} {noun} (goal {'met' if status == 'met' else 'not met'})"


def kpi_sentence(label: str, estimate: float | None, ci_low: float | None = None, ci_high: float | None = None,
                 kind: str = "mean", lang: str = "nl", target: float | None = None, op: str = ">=",
                 n: int | None = None, min_cell: int = 10) -> str:
    """One sentence on a KPI: "De tevredenheid is 7,4 (marge 7,3–7,5), boven het doel van 7,0."

    Parameters
    ----------
    label:
        What is measured, lower case in running text (``"de tevredenheid"``); capitalised here.
    estimate, ci_low, ci_high:
        The result and its 95% interval; a missing estimate (suppressed) gives a "not shown" sentence.
    kind:
        ``mean``, ``share`` or ``nps``.
    target, op:
        Optional goal.
    n, min_cell:
        Respondents behind the figure; below ``min_cell`` the sentence says it is not shown.

    Returns
    -------
    str
    """
    check_lang(lang)
    subject = label[:1].upper() + label[1:]
    if _is_missing(estimate) or (n is not None and n < min_cell):
        if lang == "nl":
            return f"{subject} wordt niet getoond: minder dan {min_cell} respondenten."
        return f"{subject} is not shown: fewer than {min_cell} respondents."
    verb = "is" if lang == "nl" else "is"
    value = format_value(estimate, kind, lang)
    parts = f"{subject} {verb} {value}"
    if not (_is_missing(ci_low) or _is_missing(ci_high)):
        parts += f" ({format_ci(ci_low, ci_high, kind, lang)})"
    if target is not None and not _is_missing(target):
        parts += ", " + goal_clause(float(estimate), ci_low, ci_high, float(target), op, kind, lang)  # type: ignore[arg-type]
    return parts + "."


def change_clause(before: float, after: float, ci_low: float | None = None, ci_high: float | None = None,
                  kind: str = "mean", lang: str = "nl") -> str:
    """A change between two periods: "gestegen van 7,1 naar 7,4 (+0,3)"; the CI is of the difference.

    When the interval of the difference contains zero the change is "geen duidelijk verschil". The
    difference shown is that of the two numbers as shown (3,14 → 3,47 reads "van 3,1 naar 3,5 (+0,4)"),
    so the sentence adds up for the reader; the direction always follows the exact values.
    """
    check_lang(lang)
    exact = after - before
    if kind == "share":
        diff = round(100 * after) / 100 - round(100 * before) / 100
    elif kind == "nps":
        diff = float(round(after) - round(before))
    else:
        diff = round(after, 1) - round(before, 1)
    if kind == "share":
        d = format_number(100 * diff, 0, lang)
        d_text = ("+" if diff > 0 and not d.strip("0,.") == "" else "") + d + (" procentpunt" if lang == "nl" else " percentage points")
    else:
        d = format_number(diff, 0 if kind == "nps" else 1, lang)
        d_text = ("+" if diff > 0 and not d.strip("0,.") == "" else "") + d
    b, a = format_value(before, kind, lang), format_value(after, kind, lang)
    uncertain = not (_is_missing(ci_low) or _is_missing(ci_high)) and ci_low <= 0 <= ci_high  # type: ignore[operator]
    if lang == "nl":
        verb = "gestegen" if exact > 0 else "gedaald" if exact < 0 else "gelijk gebleven"
        s = f"{verb} van {b} naar {a} ({d_text})"
        return s + (", geen duidelijk verschil" if uncertain else "")
    verb = "risen" if exact > 0 else "fallen" if exact < 0 else "unchanged"
    s = f"{verb} from {b} to {a} ({d_text})"
    return s + (", no clear difference" if uncertain else "")


def bullets(lines: Iterable[str]) -> str:
    """A Markdown bullet list, one line per item."""
    return "\n".join(f"- {line}" for line in lines)


def ranked_list(labels: Sequence[str], lang: str = "nl") -> str:
    """A numbered Markdown list (1. ..., 2. ...) for top-N knobs and similar."""
    return "\n".join(f"{k}. {lab}" for k, lab in enumerate(labels, start=1))


_KPI = re.compile(r"^(?P<item>[a-z_0-9]+?)_(?P<stat>mean|top2|voldoende|share8|share)$|^(?P<nps>nps)$")


def kpi_kind(kpi: str) -> str:
    """How a KPI is written: ``mean`` (``<item>_mean``), ``nps`` or ``share`` (top2, voldoende, share8)."""
    m = _KPI.match(kpi)
    if not m:
        raise ConfigError(f"unknown KPI '{kpi}'", key="goals",
                          hint="use <item>_mean, <item>_top2, tevredenheid_voldoende, tevredenheid_share8 or nps")
    if m.group("nps"):
        return "nps"
    return "mean" if m.group("stat") == "mean" else "share"


def kpi_label(kpi: str, codebook, lang: str = "nl") -> str:
    """A KPI in running text, lower case: "het gemiddelde rapportcijfer", "het aandeel positief over ..."."""
    check_lang(lang)
    m = _KPI.match(kpi)
    if not m:
        raise ConfigError(f"unknown KPI '{kpi}'", key="goals")
    if m.group("nps"):
        return "de NPS (aanbeveling)" if lang == "nl" else "the NPS (recommendation)"
    item, stat = m.group("item"), m.group("stat")
    label = codebook.label(item, lang) if item in codebook.items else item
    low = label[:1].lower() + label[1:]
    scale = codebook.items[item].scale if item in codebook.items else None
    grade = scale is not None and scale.kind == "grade"
    span = scale.span_text(lang) if scale is not None else f"1{DASH}5"
    top = f"{scale.max - 1} of {scale.max}" if scale is not None else "4 of 5"
    if stat == "share":
        positive = (scale.labels.get(lang, {}).get(scale.max) if scale is not None else None) or (
            "ja" if lang == "nl" else "yes")
        return (f"het aandeel {positive!s} bij {low}" if lang == "nl" else f"the share {positive} on {low}")
    if lang == "nl":
        if stat == "mean":
            return "het gemiddelde rapportcijfer" if grade else f"de gemiddelde score voor {low} ({span})"
        if stat == "voldoende":
            return "het aandeel dat een voldoende geeft (6 of hoger)"
        if stat == "share8":
            return "het aandeel dat een 8 of hoger geeft"
        return f"het aandeel positief over {low} (score {top})"
    if stat == "mean":
        return "the average grade" if grade else f"the average score for {low} ({span})"
    if stat == "voldoende":
        return "the share giving a pass mark (6 or higher)"
    if stat == "share8":
        return "the share giving 8 or higher"
    return f"the share positive about {low} (score {top.replace(' of ', ' or ')})"


def goal_sentences(comparison, codebook, lang: str = "nl", min_cell: int = 10) -> list[str]:
    """One sentence per goal from ``kpi.compare_goals`` output (overall rows), in goal order.

    Parameters
    ----------
    comparison:
        DataFrame with ``kpi, op, target, estimate, ci_low, ci_high, n``.
    codebook:
        For the item labels.

    Returns
    -------
    list of str
    """
    out = []
    for _, r in comparison.iterrows():
        out.append(kpi_sentence(kpi_label(r["kpi"], codebook, lang), r["estimate"], r["ci_low"], r["ci_high"],
                                kpi_kind(r["kpi"]), lang, target=r["target"], op=r["op"],
                                n=None if _is_missing(r.get("n")) else int(r["n"]), min_cell=min_cell))
    return out


def goal_overview(statuses: Iterable[str], lang: str = "nl") -> str:
    """One sentence counting goal statuses (``kpi.compare_goals``): "Van de 4 doelen zijn er 2 gehaald, ..."."""
    check_lang(lang)
    statuses = list(statuses)
    counts = {s: statuses.count(s) for s in ("met", "not_met", "undecided", "unknown")}
    words = {"nl": {"met": "gehaald", "not_met": "niet gehaald", "undecided": "nog onbeslist",
                    "unknown": "niet te beoordelen"},
             "en": {"met": "met", "not_met": "not met", "undecided": "still undecided",
                    "unknown": "cannot be judged"}}[lang]
    parts = [f"{counts[s]} {words[s]}" for s in ("met", "not_met", "undecided", "unknown") if counts[s]]
    if not statuses:
        return ("Deze organisatie heeft geen doelen opgegeven." if lang == "nl"
                else "This organisation has set no goals.")
    if lang == "nl":
        return f"Van de {len(statuses)} doelen {'is' if len(statuses) == 1 else 'zijn er'} {join_list(parts, 'nl')}."
    return f"Of the {len(statuses)} goals, {join_list(parts, 'en')}."

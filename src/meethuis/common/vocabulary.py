"""One vocabulary for the verbal labels of the report: goal status, reliability (alpha), change and margin.

Every chapter, table, tile and sentence takes its words from here, so a result never gets two names
("voldoende" in the text, "goed" in the table). A label is decided on the number *as shown* (rounded as
:mod:`meethuis.common.narrative` displays it), so what the reader sees and what the label says agree:
an interval shown as 6,9–7,0 touches a goal of 7,0 and is "onbeslist", never "niet gehaald".
"""
from __future__ import annotations

import math

from meethuis.common.errors import ConfigError

# -- display rounding (the same as narrative.format_value) ------------------------------------------------
DECIMALS = {"mean": 1, "share": 2, "nps": 0}  # shares are 0-1 and shown as whole percentages


def shown(value: float | None, kind: str = "mean") -> float:
    """``value`` rounded as the report displays it (mean: 1 decimal; share: whole %; NPS: integer)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return math.nan
    if kind not in DECIMALS:
        raise ConfigError(f"unknown kind of value '{kind}'", key="kind", hint="use mean, share or nps")
    # round half away from zero, as people round (Python's round() goes to even)
    factor = 10 ** DECIMALS[kind]
    x = float(value) * factor
    return math.copysign(math.floor(abs(x) + 0.5 + 1e-9), x) / factor


# -- goals --------------------------------------------------------------------------------------------------
GOAL_STATUS: dict[str, dict[str, str]] = {
    "met": {"nl": "gehaald", "en": "met"},
    "not_met": {"nl": "niet gehaald", "en": "not met"},
    "undecided": {"nl": "onbeslist", "en": "undecided"},
    "unknown": {"nl": "onbekend", "en": "unknown"},
}
GOAL_STATUS_LONG: dict[str, dict[str, str]] = {
    "met": {"nl": "doel gehaald", "en": "goal met"},
    "not_met": {"nl": "doel niet gehaald", "en": "goal not met"},
    "undecided": {"nl": "onbeslist: het doel ligt binnen de marge", "en": "undecided: the goal lies within the margin"},
    "unknown": {"nl": "onbekend: te weinig antwoorden", "en": "unknown: too few answers"},
}
GOAL_ICON = {"met": "\u2714", "not_met": "\u2716", "undecided": "\u2248", "unknown": "\u2013"}
_OPS = {">=": lambda a, b: a >= b, ">": lambda a, b: a > b, "<=": lambda a, b: a <= b, "<": lambda a, b: a < b}


def goal_status(estimate: float | None, ci_low: float | None, ci_high: float | None, target: float,
                op: str = ">=", kind: str = "mean") -> str:
    """``met``, ``not_met``, ``undecided`` or ``unknown``, decided on the numbers as they are shown.

    Undecided when the shown interval holds the shown target (bounds included); otherwise the goal's
    comparison applied to the shown estimate. A missing estimate is ``unknown``.

    Raises
    ------
    ConfigError
        For an unknown comparison or kind.
    """
    if op not in _OPS:
        raise ConfigError(f"unknown goal comparison '{op}'", key="goals", hint="use >=, >, <=, <")
    est, lo, hi, t = (shown(v, kind) for v in (estimate, ci_low, ci_high, target))
    if math.isnan(est):
        return "unknown"
    if not (math.isnan(lo) or math.isnan(hi)) and lo <= t <= hi:
        return "undecided"
    return "met" if _OPS[op](est, t) else "not_met"


def goal_label(status: str, lang: str = "nl", long: bool = False) -> str:
    """Reader words of a goal status code (short: "gehaald"; long: "doel gehaald")."""
    table = GOAL_STATUS_LONG if long else GOAL_STATUS
    return table.get(status, {}).get(lang, status)


# -- reliability ----------------------------------------------------------------------------------------
ALPHA_LEVELS = ((0.80, "good"), (0.70, "acceptable"), (-math.inf, "weak"))
ALPHA_WORDS = {"good": {"nl": "goed", "en": "good"}, "acceptable": {"nl": "voldoende", "en": "acceptable"},
               "weak": {"nl": "te laag", "en": "too low"}}


def alpha_level(alpha: float | None) -> str:
    """``good`` (≥ 0,80), ``acceptable`` (≥ 0,70) or ``weak``, on alpha as shown (2 decimals); ``""`` if missing."""
    if alpha is None or (isinstance(alpha, float) and math.isnan(alpha)):
        return ""
    a = math.floor(float(alpha) * 100 + 0.5 + 1e-9) / 100
    return next(level for bound, level in ALPHA_LEVELS if a >= bound - 1e-12)


def alpha_label(alpha: float | None, lang: str = "nl") -> str:
    """"goed", "voldoende" or "te laag" (English: good, acceptable, too low); em dash when missing."""
    level = alpha_level(alpha)
    return ALPHA_WORDS[level][lang] if level else "\u2014"


# -- change and difference --------------------------------------------------------------------------------
CHANGE_WORDS: dict[str, dict[str, str]] = {
    "up": {"nl": "duidelijk gestegen", "en": "clearly up"},
    "down": {"nl": "duidelijk gedaald", "en": "clearly down"},
    "none": {"nl": "geen duidelijk verschil", "en": "no clear difference"},
}
CHANGE_ARROW = {"up": "\u2191", "down": "\u2193", "none": ""}


def change_label(direction: str, lang: str = "nl") -> str:
    """A change that holds up beyond the margin ("duidelijk gestegen") or not ("geen duidelijk verschil")."""
    return CHANGE_WORDS[direction][lang]


def change_direction(difference: float, ci_low: float | None, ci_high: float | None) -> str:
    """``up``/``down`` when the margin of the difference excludes zero, else ``none``."""
    if ci_low is None or ci_high is None or math.isnan(ci_low) or math.isnan(ci_high) or ci_low <= 0 <= ci_high:
        return "none"
    return "up" if difference > 0 else "down"


# -- words for the margin (no "95%-BI" in reader text) ------------------------------------------------------
MARGIN = {"nl": "marge", "en": "margin"}
NO_CLEAR_DIFFERENCE = {"nl": "geen duidelijk verschil", "en": "no clear difference"}


DIFFERENCE_WORDS: dict[str, dict[str, str]] = {
    "up": {"nl": "duidelijk hoger", "en": "clearly higher"},
    "down": {"nl": "duidelijk lager", "en": "clearly lower"},
    "none": NO_CLEAR_DIFFERENCE,
}


def difference_label(direction: str, lang: str = "nl") -> str:
    """A difference between two groups that holds up beyond the margin ("duidelijk lager") or not."""
    return DIFFERENCE_WORDS[direction][lang]


def margin_word(lang: str = "nl") -> str:
    """The reader's word for a 95% confidence interval: "marge" / "margin"."""
    return MARGIN[lang]

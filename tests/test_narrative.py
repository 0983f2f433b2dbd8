"""Narrative texts: hand-worked expected strings for Dutch and English number formatting and sentences."""
from __future__ import annotations

import datetime as dt
import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from meethuis.common import narrative as nv
from meethuis.common.errors import ConfigError


@pytest.mark.parametrize(
    "value, decimals, lang, expected",
    [
        (7.4, 1, "nl", "7,4"),
        (7.45, 2, "nl", "7,45"),
        (1234.5, 1, "nl", "1.234,5"),
        (1234.5, 1, "en", "1,234.5"),
        (5000, 0, "nl", "5.000"),
        (-0.04, 1, "nl", "0,0"),  # rounds to zero: no minus sign
        (-1.25, 1, "nl", "\u22121,2"),  # Python rounds half to even on the binary value 1.25
        (float("nan"), 1, "nl", nv.MISSING),
        (None, 1, "en", nv.MISSING),
    ],
)
def test_format_number(value, decimals, lang, expected):
    assert nv.format_number(value, decimals, lang) == expected


def test_percent_ci_and_nps():
    assert nv.format_percent(0.734, 0, "nl") == "73%"
    assert nv.format_percent(0.7345, 1, "nl") == "73,5%"
    assert nv.format_percent(0.7345, 1, "en") == "73.5%"
    assert nv.format_ci(7.31, 7.52, "mean", "nl") == "marge 7,3\u20137,5"
    assert nv.format_ci(0.61, 0.70, "share", "en") == "margin 61%\u201370%"
    assert nv.format_value(12.4, "nps", "nl") == "+12"
    assert nv.format_value(-3.0, "nps", "nl") == "\u22123"
    assert nv.format_ci(-35.6, -29.4, "nps", "nl") == "marge \u221236 tot \u221229"
    assert nv.format_value(0.2, "nps", "nl") == "0"


@given(st.floats(min_value=-1e6, max_value=1e6, allow_nan=False), st.integers(0, 3))
def test_nl_and_en_are_the_same_number(x, decimals):
    """Swapping the separators of the Dutch text gives the English text, which parses back to round(x)."""
    nl, en = nv.format_number(x, decimals, "nl"), nv.format_number(x, decimals, "en")
    swapped = nl.replace(".", "\0").replace(",", ".").replace("\0", ",")
    assert swapped == en
    assert math.isclose(float(en.replace(",", "").replace(nv.MINUS, "-")), round(x, decimals), abs_tol=10 ** -decimals)


def test_kpi_sentence_example_from_the_issue():
    s = nv.kpi_sentence("de tevredenheid", 7.4, 7.3, 7.5, "mean", "nl", target=7.0)
    assert s == "De tevredenheid is 7,4 (marge 7,3\u20137,5), boven het doel van 7,0 (doel gehaald)."
    e = nv.kpi_sentence("satisfaction", 7.4, 7.3, 7.5, "mean", "en", target=7.0)
    assert e == "Satisfaction is 7.4 (margin 7.3\u20137.5), above the goal of 7.0 (goal met)."


def test_goal_clause_uses_the_interval():
    # the interval holds the target: undecided, whichever side the estimate is on (as kpi.compare_goals)
    assert nv.goal_clause(7.1, 6.9, 7.3, 7.0, ">=", "mean", "nl") == (
        "rond het doel van 7,0 (het doel ligt binnen de marge: nog onbeslist)")
    assert nv.goal_clause(6.9, 6.7, 7.1, 7.0, ">=", "mean", "nl") == (
        "rond het doel van 7,0 (het doel ligt binnen de marge: nog onbeslist)")
    assert nv.goal_clause(0.62, 0.58, 0.66, 0.70, ">=", "share", "nl") == (
        "onder het doel van 70% (doel niet gehaald)")
    # a maximum: lower is better
    assert nv.goal_clause(3.0, 2.5, 3.5, 5.0, "<=", "mean", "en") == "below the maximum of 5.0 (goal met)"
    with pytest.raises(ConfigError):
        nv.goal_clause(1, 0, 2, 1, "=>")


def test_suppressed_kpi_sentence():
    assert nv.kpi_sentence("de tevredenheid", 7.4, n=8, min_cell=10) == (
        "De tevredenheid wordt niet getoond: minder dan 10 respondenten.")
    assert "not shown" in nv.kpi_sentence("trust", float("nan"), lang="en")


def test_change_clause():
    assert nv.change_clause(7.1, 7.4, 0.1, 0.5) == "gestegen van 7,1 naar 7,4 (+0,3)"
    assert nv.change_clause(0.70, 0.65, -0.09, 0.01, "share", "nl") == (
        "gedaald van 70% naar 65% (\u22125 procentpunt), geen duidelijk verschil")
    assert nv.change_clause(7.4, 7.1, lang="en") == "fallen from 7.4 to 7.1 (\u22120.3)"
    # the shown difference is that of the shown numbers, so the sentence adds up
    assert nv.change_clause(3.14, 3.47) == "gestegen van 3,1 naar 3,5 (+0,4)"
    assert nv.change_clause(0.456, 0.584, kind="share") == "gestegen van 46% naar 58% (+12 procentpunt)"
    assert nv.change_clause(-43.4, -27.2, kind="nps") == "gestegen van \u221243 naar \u221227 (+16)"


def test_period_and_dates():
    assert nv.parse_period("") is None
    assert nv.parse_period("2026q3") == (2026, 3)
    assert nv.period_text("2026Q3", "nl") == "3e kwartaal 2026"
    assert nv.period_text("2026Q3", "en") == "Q3 2026"
    assert nv.period_text("", "nl") == "alle perioden"
    with pytest.raises(ConfigError, match="2026-3"):
        nv.parse_period("2026-3")
    assert nv.format_date(dt.date(2026, 11, 23), "nl") == "23 november 2026"
    assert nv.join_list(["a", "b", "c"], "nl") == "a, b en c"
    assert nv.join_list(["a", "b"], "en") == "a and b"
    with pytest.raises(ConfigError, match="language"):
        nv.text("contents", "de")


def test_kpi_labels_and_goal_sentences():
    import pandas as pd

    from meethuis.intake.codebook import load_codebook

    cb = load_codebook()
    assert nv.kpi_kind("tevredenheid_mean") == "mean"
    assert nv.kpi_kind("menselijkheid_top2") == "share"
    assert nv.kpi_kind("nps") == "nps"
    assert nv.kpi_label("tevredenheid_mean", cb, "nl") == "het gemiddelde rapportcijfer"
    assert nv.kpi_label("menselijkheid_top2", cb, "en") == "the share positive about perceived humanity (score 4 or 5)"
    comparison = pd.DataFrame({"kpi": ["tevredenheid_mean", "menselijkheid_top2"], "op": [">=", ">="],
                               "target": [7.0, 0.6], "estimate": [7.42, 0.55], "ci_low": [7.31, 0.51],
                               "ci_high": [7.53, 0.59], "n": [812, 798]})
    assert nv.goal_sentences(comparison, cb, "nl") == [
        "Het gemiddelde rapportcijfer is 7,4 (marge 7,3\u20137,5), boven het doel van 7,0 (doel gehaald).",
        "Het aandeel positief over ervaren menselijkheid (score 4 of 5) is 55% (marge 51%\u201359%), "
        "onder het doel van 60% (doel niet gehaald).",
    ]
    with pytest.raises(ConfigError):
        nv.kpi_kind("tevredenheid_median")


def test_goal_overview_counts_statuses():
    assert nv.goal_overview(["met", "not_met", "undecided", "not_met"], "nl") == (
        "Van de 4 doelen zijn er 1 gehaald, 2 niet gehaald en 1 nog onbeslist.")
    assert nv.goal_overview(["met"], "en") == "Of the 1 goals, 1 met."
    assert "geen doelen" in nv.goal_overview([], "nl")

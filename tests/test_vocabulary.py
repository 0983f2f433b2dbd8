"""One vocabulary: goal status, alpha and change labels decided on the numbers as they are shown.

References are hand-worked: each case states the displayed numbers a reader sees and the label that
must follow from them (the cases of issue #14: 6,9–7,0 against 7,0; 77–80 % against 80 %; alpha 0,89).
"""
from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from meethuis.common import narrative as nv
from meethuis.common import vocabulary as voc
from meethuis.common.errors import ConfigError
from meethuis.intake.config import Goal
from meethuis.stats.kpi import compare_goals, status_label


def test_shown_rounds_as_displayed_half_away_from_zero():
    assert voc.shown(6.95, "mean") == 7.0 and voc.shown(6.949, "mean") == 6.9
    assert voc.shown(0.795, "share") == 0.80 and voc.shown(0.7949, "share") == 0.79
    assert voc.shown(-2.5, "nps") == -3.0 and voc.shown(2.5, "nps") == 3.0
    assert math.isnan(voc.shown(float("nan")))
    # agrees with what narrative displays
    for v, kind in [(6.95, "mean"), (0.795, "share"), (12.5, "nps")]:
        shown = nv.format_value(voc.shown(v, kind), kind, "en")
        assert shown == nv.format_value(voc.shown(v, kind) + 1e-12, kind, "en")


def test_goal_status_uses_the_displayed_interval():
    # 6,92 (6,86-6,96) is shown as 6,9 (6,9-7,0): the interval touches 7,0, so undecided, not "not met"
    assert voc.goal_status(6.92, 6.86, 6.96, 7.0, ">=", "mean") == "undecided"
    # 77-80 % against 80 %: undecided too (the same rule)
    assert voc.goal_status(0.785, 0.77, 0.80, 0.80, ">=", "share") == "undecided"
    assert voc.goal_status(0.785, 0.77, 0.7949, 0.80, ">=", "share") == "not_met"
    assert voc.goal_status(7.4, 7.3, 7.5, 7.0, ">=", "mean") == "met"
    assert voc.goal_status(3.0, 2.5, 3.5, 5.0, "<=", "mean") == "met"
    assert voc.goal_status(float("nan"), None, None, 7.0) == "unknown"
    assert voc.goal_status(7.2, float("nan"), float("nan"), 7.0) == "met"  # no interval: the estimate decides
    with pytest.raises(ConfigError):
        voc.goal_status(7, 6, 8, 7, "=>")


def test_compare_goals_and_sentence_and_table_say_the_same():
    kpis = pd.DataFrame({"kpi": ["tevredenheid_mean", "menselijkheid_top2"], "estimate": [6.92, 0.785],
                         "ci_low": [6.86, 0.77], "ci_high": [6.96, 0.80], "n": [300, 300],
                         "suppressed": [False, False]})
    goals = [Goal("tevredenheid_mean", ">=", 7.0), Goal("menselijkheid_top2", ">=", 0.8)]
    g = compare_goals(kpis, goals)
    assert list(g["status"]) == ["undecided", "undecided"]
    clause = nv.goal_clause(6.92, 6.86, 6.96, 7.0, ">=", "mean", "nl")
    assert "onbeslist" in clause and "niet gehaald" not in clause
    assert status_label("undecided") == voc.goal_label("undecided") == "onbeslist"
    assert status_label("not_met", "en") == "not met"


def test_alpha_label_is_one_word_everywhere_on_the_shown_value():
    assert voc.alpha_label(0.89) == "goed" and voc.alpha_label(0.89, "en") == "good"
    assert voc.alpha_label(0.795) == "goed"  # shown as 0,80
    assert voc.alpha_label(0.794) == "voldoende" and voc.alpha_label(0.70) == "voldoende"
    assert voc.alpha_label(0.6949) == "te laag" and voc.alpha_label(float("nan")) == nv.MISSING


def test_reliability_table_and_sentence_use_the_same_word():
    from meethuis.report.chapters.meetkwaliteit import quality_sentences, reliability_view
    from meethuis.intake.codebook import load_codebook

    cb = load_codebook()
    rel = pd.DataFrame({"construct": ["menselijke_maat"], "k": [5], "alpha": [0.89], "ci_low": [0.87],
                        "ci_high": [0.91], "omega": [0.9], "n": [300], "suppressed": [False]})
    straight = pd.DataFrame(columns=["share", "k", "suppressed"])
    view = reliability_view(rel, cb, "nl")
    assert view["Oordeel"].iloc[0] == "goed"
    assert "(goed)" in quality_sentences(rel, straight, cb, "nl")[0]


def test_change_words_say_clearly_or_no_clear_difference():
    assert voc.change_direction(0.3, 0.1, 0.5) == "up" and voc.change_direction(-0.3, -0.5, -0.1) == "down"
    assert voc.change_direction(0.3, -0.1, 0.7) == "none" and voc.change_direction(0.3, np.nan, 1) == "none"
    assert voc.change_label("none") == "geen duidelijk verschil"
    assert "significant" not in " ".join(w["nl"] for w in voc.CHANGE_WORDS.values())

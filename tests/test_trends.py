"""Trends: estimates and tests checked against statsmodels and hand-worked numbers."""
from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from statsmodels.stats.proportion import proportion_confint, proportions_ztest
from statsmodels.stats.weightstats import CompareMeans, DescrStatsW

from meethuis.stats import trends
from meethuis.common.errors import ConfigError, DataError
from meethuis.common.plots import alt_text


def _frame(groups: dict[str, list[float]], item: str = "tevredenheid") -> pd.DataFrame:
    rows = [(p, v) for p, vals in groups.items() for v in vals]
    return pd.DataFrame(rows, columns=["periode", item])


def test_weighted_estimate_hand_worked():
    # y = 1, 2, 3 with weights 1, 1, 2: mean 9/4; n_eff = 4^2/6; var0 = 2.75/4, var = var0 * n_eff/(n_eff-1) = 1.1
    est = trends.weighted_estimate(np.array([1.0, 2.0, 3.0]), np.array([1.0, 1.0, 2.0]))
    assert est.estimate == pytest.approx(2.25)
    assert est.n_eff == pytest.approx(16 / 6)
    assert est.se == pytest.approx(math.sqrt(1.1 / (16 / 6)))
    assert est.n == 3


def test_unweighted_mean_se_is_classic():
    rng = np.random.default_rng(1)
    y = rng.normal(7, 1.3, 50)
    est = trends.weighted_estimate(y)
    assert est.se == pytest.approx(y.std(ddof=1) / math.sqrt(50))


def test_share_interval_is_wilson_like_statsmodels():
    y = np.array([1.0] * 37 + [0.0] * 13)
    est = trends.weighted_estimate(y, kind="share")
    lo, hi = proportion_confint(37, 50, method="wilson")
    assert (est.ci_low, est.ci_high) == pytest.approx((lo, hi))


def test_welch_z_equals_statsmodels_unweighted():
    rng = np.random.default_rng(2)
    a, b = rng.normal(7.0, 1.0, 40), rng.normal(7.5, 1.6, 60)
    _, z, p = trends.two_sample_test(trends.weighted_estimate(a), trends.weighted_estimate(b))
    z_ref, p_ref = CompareMeans(DescrStatsW(b), DescrStatsW(a)).ztest_ind(usevar="unequal")
    assert z == pytest.approx(z_ref)
    assert p == pytest.approx(p_ref)


def test_two_proportion_z_equals_statsmodels():
    a = np.array([1.0] * 30 + [0.0] * 20)
    b = np.array([1.0] * 52 + [0.0] * 18)
    ea, eb = trends.weighted_estimate(a, kind="share"), trends.weighted_estimate(b, kind="share")
    diff, z, p = trends.two_sample_test(ea, eb, "share")
    z_ref, p_ref = proportions_ztest([52, 30], [70, 50])
    assert diff == pytest.approx(52 / 70 - 30 / 50)
    assert z == pytest.approx(z_ref)
    assert p == pytest.approx(p_ref)


def test_weighted_test_uses_effective_n_closed_form():
    # Two quarters, share; weights (1, 3) repeated: n_eff = n * (mean w)^2 / mean(w^2) = n * 4/5.
    w = np.tile([1.0, 3.0], 25)
    ya = np.tile([1.0, 0.0], 25)  # weighted share = 1/4
    yb = np.tile([0.0, 1.0], 25)  # weighted share = 3/4
    ea, eb = trends.weighted_estimate(ya, w, "share"), trends.weighted_estimate(yb, w, "share")
    assert ea.n_eff == pytest.approx(40.0)
    pooled = 0.5
    z_ref = 0.5 / math.sqrt(pooled * (1 - pooled) * (2 / 40))
    assert trends.two_sample_test(ea, eb, "share")[1] == pytest.approx(z_ref)


def test_kpi_scores_nps_and_shares():
    df = pd.DataFrame({"aanbeveling": [10, 9, 8, 7, 6, 0, np.nan], "tevredenheid": [10, 8, 7, 6, 5, 1, np.nan]})
    nps = trends.kpi_scores(df, "nps")
    assert list(nps[:6]) == [100, 100, 0, 0, -100, -100] and np.isnan(nps.iloc[6])
    assert trends.weighted_estimate(nps, kind="nps").estimate == pytest.approx(0.0)
    # the trend's NPS (kpi.nps_ci) is the mean of these scores: 2 promoters, 2 detractors of 6 -> 0
    t = trends.trend_table(df.assign(periode="2026Q1").iloc[[0, 1, 2, 3, 4, 5] * 2], "nps")
    assert t["estimate"].iloc[0] == pytest.approx(0.0)
    assert list(trends.kpi_scores(df, "tevredenheid_voldoende")[:6]) == [1, 1, 1, 1, 0, 0]
    assert list(trends.kpi_scores(df, "tevredenheid_share8")[:6]) == [1, 1, 0, 0, 0, 0]
    m = pd.DataFrame({"menselijkheid": [5, 4, 3, 1]})
    assert list(trends.kpi_scores(m, "menselijkheid_top2")) == [1, 1, 0, 0]


def test_trend_table_suppresses_small_quarters_and_their_changes():
    df = _frame({"2025Q1": [7, 8] * 20, "2025Q2": [7] * 5, "2025Q3": [8, 9] * 10, "2025Q4": [8, 9] * 15,
                 "2026Q1": [8, 9] * 15})
    table = trends.trend_table(df, "tevredenheid_mean", min_cell=10)
    assert list(table["periode"]) == ["2025Q1", "2025Q2", "2025Q3", "2025Q4", "2026Q1"]
    by = table.set_index("periode")
    assert bool(by.loc["2025Q2", "suppressed"]) and pd.isna(by.loc["2025Q2", "estimate"])
    assert pd.isna(by.loc["2025Q2", "n"])
    # disclosure.protect_table also hides the next-smallest quarter (secondary suppression)
    assert bool(by.loc["2025Q3", "suppressed"]) and by.loc["2025Q3", "reason"] == "secondary"
    changes = trends.trend_changes(table)
    pairs = set(zip(changes["periode"], changes["compared_with"]))
    assert pairs == {("2026Q1", "2025Q4"), ("2026Q1", "2025Q1")}


def test_trend_changes_words_and_known_rise():
    rng = np.random.default_rng(3)
    df = _frame({"2025Q3": list(rng.normal(6.8, 1.2, 200)), "2025Q4": list(rng.normal(7.5, 1.2, 200)),
                 "2026Q1": list(rng.normal(7.5, 1.2, 200))})
    table = trends.trend_table(df, "tevredenheid_mean")
    changes = trends.trend_changes(table).set_index("periode")
    assert changes.loc["2025Q4", "direction"] == "up"
    assert changes.loc["2025Q4", "conclusion"].startswith("duidelijk gestegen")
    assert changes.loc["2026Q1", "conclusion"].startswith("geen duidelijk verschil")
    en = trends.trend_changes(table, lang="en").set_index("periode")
    assert en.loc["2025Q4", "conclusion"] == "clearly up vs. previous quarter"
    assert trends.change_word("down") == "duidelijk gedaald"


def test_weights_enter_the_trend():
    df = _frame({"2026Q1": [6, 8] * 10})
    w = pd.Series(np.tile([1.0, 3.0], 10))
    table = trends.trend_table(df, "tevredenheid_mean", weights=w)
    assert table["estimate"].iloc[0] == pytest.approx(7.5)
    assert table["n_eff"].iloc[0] == pytest.approx(16.0)


def test_bad_input_errors():
    with pytest.raises(DataError, match="periode"):
        trends.trend_table(pd.DataFrame({"tevredenheid": [7]}), "tevredenheid_mean")
    with pytest.raises(ConfigError, match="unknown KPI"):
        trends.trend_table(_frame({"2026Q1": [7]}), "tevredenheid_median")
    with pytest.raises(DataError, match="quarter"):
        trends.trend_table(_frame({"juli": [7] * 12}), "tevredenheid_mean")


def test_plot_and_text():
    df = _frame({"2025Q4": [6, 7] * 10, "2026Q1": [8, 9] * 10})
    table = trends.trend_table(df, "tevredenheid_mean")
    changes = trends.trend_changes(table)
    fig = trends.plot_trend(table, "tevredenheid", goal=7.5, changes=changes)
    assert "7,5" in alt_text(fig) and "2026Q1" in alt_text(fig)
    text = trends.describe_trend(table, changes, "de tevredenheid", goal=7.5)
    assert "8,5" in text and "duidelijk gestegen" in text
    assert "8.5" in trends.describe_trend(table, changes, "satisfaction", lang="en")


def test_trend_slope_equals_polyfit_and_detects_known_rise():
    rng = np.random.default_rng(11)
    quarters = ["2025Q1", "2025Q2", "2025Q3", "2025Q4", "2026Q1"]
    df = _frame({q: list(6.5 + 0.15 * k + rng.normal(0, 1.0, 150)) for k, q in enumerate(quarters)})
    slope = trends.trend_slope(df, "tevredenheid_mean")
    x = df["periode"].map({q: k for k, q in enumerate(quarters)}).to_numpy(float)
    assert slope.slope == pytest.approx(np.polyfit(x, df["tevredenheid"].to_numpy(), 1)[0])
    assert slope.direction == "up" and slope.ci_low < 0.15 < slope.ci_high and slope.quarters == 5
    assert "duidelijk gestegen" in trends.describe_slope(slope, "de tevredenheid")
    flat = trends.trend_slope(_frame({q: list(rng.normal(7, 1, 100)) for q in quarters[:3]}), "tevredenheid_mean")
    assert flat.direction == "none"  # no planted trend (seeded)
    from meethuis.common.errors import AnalysisError
    with pytest.raises(AnalysisError, match="at least 3 quarters"):
        trends.trend_slope(_frame({"2026Q1": [7.0] * 20, "2026Q2": [8.0] * 20}), "tevredenheid_mean")


def test_molensloot_rising_trend_is_detected(sample_dir):
    from meethuis.intake.config import load_config
    from meethuis.intake.validate import load_survey
    from meethuis.stats.weights import survey_weights

    config = load_config(sample_dir / "molensloot.yml")
    responses = load_survey(config).responses
    weights = pd.concat([survey_weights(g, config) for _, g in responses.groupby("periode", observed=True)])
    weights = weights.reindex(responses.index)
    table = trends.trend_table(responses, "tevredenheid_mean", weights)
    assert len(table) == 8 and not table["suppressed"].any()
    slope = trends.trend_slope(responses, "tevredenheid_mean", weights)
    assert slope.direction == "up" and slope.ci_low > 0
    changes = trends.trend_changes(table)
    year = changes[changes["comparison"] == "vorig_jaar"]
    assert (year["difference"] > 0).all() and year["direction"].eq("up").any()


def test_weighted_welch_z_hand_worked():
    # a: answers 6, 8 with weights 1, 3 (x10): mean 7.5, n_eff 16, s^2 = 0.75 * 16/15 = 0.8, se^2 = 0.05
    # b: answers 7, 9 unweighted (x10): mean 8, s^2 = 20/19, se^2 = 1/19
    a = trends.weighted_estimate(np.tile([6.0, 8.0], 10), np.tile([1.0, 3.0], 10))
    b = trends.weighted_estimate(np.tile([7.0, 9.0], 10))
    assert (a.estimate, a.n_eff, a.se ** 2) == pytest.approx((7.5, 16.0, 0.05))
    diff, z, p = trends.two_sample_test(a, b, "mean")
    assert diff == pytest.approx(0.5)
    assert z == pytest.approx(0.5 / math.sqrt(0.05 + 1 / 19))
    assert p == pytest.approx(2 * (1 - 0.5 * (1 + math.erf(z / math.sqrt(2)))))

"""KPIs: closed forms, statsmodels references, R survey point estimates, bootstrap and coverage simulations."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats
from statsmodels.stats.proportion import proportion_confint
from statsmodels.stats.weightstats import DescrStatsW

from meethuis.intake.config import Goal
from meethuis.stats.disclosure import TOTAL, assert_protected
from meethuis.common.errors import AnalysisError, DataError
from meethuis.stats.kpi import compare_goals, kpi_table, mean_ci, nps_ci, proportion_ci, status_label, wilson_interval
from meethuis.stats.weights import rake

FIXTURES = Path(__file__).parent / "fixtures"


# ---- mean ------------------------------------------------------------------------------------------
def test_mean_ci_hand_worked():
    # 6..10: mean 8, s^2 = 10/4 = 2.5, se = sqrt(2.5/5) = sqrt(.5), t(.975, 4) = 2.7764451
    e = mean_ci([6, 7, 8, 9, 10, np.nan])
    assert e.estimate == 8 and e.n == 5 and e.n_eff == 5
    assert e.se == pytest.approx(np.sqrt(0.5))
    assert e.ci_low == pytest.approx(8 - 2.7764451052 * np.sqrt(0.5), abs=1e-8)
    assert e.ci_high == pytest.approx(8 + 2.7764451052 * np.sqrt(0.5), abs=1e-8)


def test_mean_ci_unweighted_matches_statsmodels():
    x = np.random.default_rng(1).integers(1, 11, 87).astype(float)
    e = mean_ci(x, level=0.9)
    lo, hi = DescrStatsW(x).tconfint_mean(alpha=0.1)
    assert (e.ci_low, e.ci_high) == pytest.approx((lo, hi), abs=1e-12)


def test_weighted_mean_linearised_se_closed_form():
    # without raking margins: se^2 = n/(n-1) * sum(w^2 (x - m)^2) / (sum w)^2 (svymean on svydesign(~1, weights))
    rng = np.random.default_rng(2)
    x = rng.integers(1, 11, 120).astype(float)
    w = rng.uniform(0.3, 3, 120)
    d = DescrStatsW(x, weights=w, ddof=0)
    e = mean_ci(x, w)
    ne = w.sum() ** 2 / (w**2).sum()
    assert e.estimate == pytest.approx(d.mean, rel=1e-12)
    assert e.n_eff == pytest.approx(ne)  # Kish n_eff: a description only
    n = x.size
    se = np.sqrt(n / (n - 1) * np.sum(w**2 * (x - d.mean) ** 2)) / w.sum()
    assert e.se == pytest.approx(se, rel=1e-12)
    assert e.df == n - 1
    assert e.ci_high - e.estimate == pytest.approx(stats.t.ppf(0.975, n - 1) * e.se)


def test_weighted_point_estimates_match_r_survey():
    ref = json.loads((FIXTURES / "r_survey_reference.json").read_text())
    d = pd.DataFrame(ref["data"])
    w = rake(d, ref["margins"], base_weights=d["base"], tol=1e-13)
    assert mean_ci(d["tevredenheid"], w).estimate == pytest.approx(ref["svymean_tevredenheid"], rel=1e-10)
    ind = (d["tevredenheid"] >= 6).astype(float)
    assert proportion_ci(ind, w).estimate == pytest.approx(ref["svymean_voldoende"], rel=1e-10)


# ---- proportions -----------------------------------------------------------------------------------
def test_logit_interval_unweighted_closed_form():
    # p = .37, se = sqrt(p (1 - p) / (n - 1)); CI expit(logit p +- t(n - 1) se / (p (1 - p)))
    y = np.r_[np.ones(37), np.zeros(63)]
    e = proportion_ci(y)
    se = np.sqrt(0.37 * 0.63 / 99)
    half = stats.t.ppf(0.975, 99) * se / (0.37 * 0.63)
    lo, hi = [1 / (1 + np.exp(-(np.log(0.37 / 0.63) + s * half))) for s in (-1, 1)]
    assert e.estimate == 0.37 and e.se == pytest.approx(se) and (e.ci_low, e.ci_high) == pytest.approx((lo, hi))
    assert wilson_interval(0.0, 20) == pytest.approx(proportion_confint(0, 20, method="wilson"), abs=1e-12)


def test_share_zero_or_one_gets_exact_bound():
    e = proportion_ci(np.zeros(20))
    assert (e.ci_low, e.ci_high) == pytest.approx(proportion_confint(0, 20, method="beta"), abs=1e-12)
    e = proportion_ci(np.ones(20))
    assert (e.ci_low, e.ci_high) == pytest.approx(proportion_confint(20, 20, method="beta"), abs=1e-12)


# ---- NPS -------------------------------------------------------------------------------------------
def test_nps_hand_worked():
    # promoters 9-10: 5 of 10, detractors 0-6: 3 of 10 -> NPS 20; linearised Var = (.5 + .3 - .2^2) / 9
    # adjusted Wald (Rocks 2016): n* = .76 / Var = 9, P' = (9 * .5 + .75) / 12, D' = (9 * .3 + .75) / 12
    x = [10, 10, 9, 8, 7, 0, 3, 6, 9, 10]
    e = nps_ci(x)
    assert e.estimate == pytest.approx(20)
    assert e.se == pytest.approx(100 * np.sqrt(0.76 / 9))
    p2, d2 = (4.5 + 0.75) / 12, (2.7 + 0.75) / 12
    half = stats.t.ppf(0.975, 9) * np.sqrt((p2 + d2 - (p2 - d2) ** 2) / 12)
    assert (e.ci_low, e.ci_high) == pytest.approx((100 * (p2 - d2 - half), 100 * (p2 - d2 + half)))


def test_nps_se_agrees_with_bootstrap():
    rng = np.random.default_rng(5)
    x = rng.choice(np.arange(11), 400, p=np.r_[np.full(7, 0.04), [0.12, 0.2, 0.22, 0.18]])
    e = nps_ci(x)
    idx = rng.integers(0, x.size, (3000, x.size))
    boot = 100 * ((x[idx] >= 9).mean(axis=1) - (x[idx] <= 6).mean(axis=1))
    assert e.se == pytest.approx(boot.std(ddof=1), rel=0.06)
    lo, hi = np.percentile(boot, [2.5, 97.5])
    assert e.ci_low == pytest.approx(lo, abs=1.5) and e.ci_high == pytest.approx(hi, abs=1.5)


@pytest.mark.parametrize("n", [10, 15, 20])
def test_nps_interval_covers_at_small_n(n):
    # the normal interval covered 74-92 % here; the adjusted Wald interval must stay near 95 % (exact
    # trinomial enumeration would be slow, so a seeded simulation over three true mixes)
    rng = np.random.default_rng(100 + n)
    covs = []
    for pp, pd_ in [(0.5, 0.2), (0.7, 0.1), (0.3, 0.4)]:
        probs = np.r_[np.full(7, pd_ / 7), [(1 - pp - pd_) / 2] * 2, [pp / 2] * 2]
        truth = 100 * (pp - pd_)
        hits = 0
        for _ in range(2000):
            e = nps_ci(rng.choice(np.arange(11), n, p=probs).astype(float))
            hits += e.ci_low <= truth <= e.ci_high
        covs.append(hits / 2000)
    assert min(covs) >= 0.92 and np.mean(covs) >= 0.935, covs


# ---- coverage simulations (fixed seed) -------------------------------------------------------------
GRADE_P = np.array([0.02, 0.02, 0.03, 0.05, 0.08, 0.15, 0.25, 0.22, 0.12, 0.06])


def _coverage(make_sample, fn, truth, reps=1500):
    hits = 0
    for _ in range(reps):
        x, w = make_sample()
        e = fn(x, w)
        hits += e.ci_low <= truth <= e.ci_high
    return hits / reps


@pytest.mark.parametrize("weighted", [False, True])
def test_coverage_mean_proportion_nps(weighted):
    rng = np.random.default_rng(11 + weighted)
    n = 150

    def weights():
        return rng.lognormal(0, 0.6, n) if weighted else None

    grades = np.arange(1, 11)
    true_mean = float(grades @ GRADE_P)
    cov = _coverage(lambda: (rng.choice(grades, n, p=GRADE_P).astype(float), weights()), mean_ci, true_mean)
    assert 0.93 <= cov <= 0.97, cov
    cov = _coverage(lambda: ((rng.uniform(size=n) < 0.3).astype(float), weights()), proportion_ci, 0.3)
    assert 0.93 <= cov <= 0.97, cov
    nps_p = np.r_[np.full(7, 0.05), [0.1, 0.15, 0.2, 0.2]]
    true_nps = 100 * (0.4 - 0.35)
    cov = _coverage(lambda: (rng.choice(np.arange(11), n, p=nps_p).astype(float), weights()), nps_ci, true_nps)
    assert 0.93 <= cov <= 0.97, cov


# ---- kpi_table -------------------------------------------------------------------------------------
def survey(n=400, seed=0):
    rng = np.random.default_rng(seed)
    return pd.DataFrame({
        "tevredenheid": rng.choice(np.arange(1, 11), n, p=GRADE_P).astype(float),
        "menselijkheid": rng.integers(1, 6, n).astype(float),
        "gemak": rng.integers(1, 6, n).astype(float),
        "aanbeveling": rng.integers(0, 11, n).astype(float),
        "kanaal": pd.Categorical(rng.choice(["telefoon", "balie", "website", "post"], n, p=[.4, .3, .28, .02])),
        "leeftijdsgroep": pd.Categorical(rng.choice(["18-34", "35-49", "50-64", "65+"], n)),
    })


def test_kpi_table_names_and_values():
    df = survey()
    t = kpi_table(df, ["tevredenheid", "menselijkheid", "gemak", "aanbeveling"])
    assert list(t["kpi"]) == ["tevredenheid_mean", "tevredenheid_voldoende", "tevredenheid_share8",
                              "menselijkheid_mean", "menselijkheid_top2", "gemak_mean", "gemak_top2", "nps"]
    row = t.set_index("kpi")
    assert row.loc["tevredenheid_mean", "estimate"] == pytest.approx(df["tevredenheid"].mean())
    assert row.loc["tevredenheid_voldoende", "estimate"] == pytest.approx((df["tevredenheid"] >= 6).mean())
    assert row.loc["tevredenheid_share8", "estimate"] == pytest.approx((df["tevredenheid"] >= 8).mean())
    assert row.loc["menselijkheid_top2", "estimate"] == pytest.approx((df["menselijkheid"] >= 4).mean())
    a = df["aanbeveling"]
    assert row.loc["nps", "estimate"] == pytest.approx(100 * ((a >= 9).mean() - (a <= 6).mean()))
    assert set(t.columns) >= {"estimate", "ci_low", "ci_high", "n", "n_eff", "suppressed", "kpi", "item", "reason"}


def test_breakdown_equals_subset_and_is_protected():
    df = survey()
    t = kpi_table(df, ["tevredenheid"], by="kanaal", total=True, statistics=["mean"])
    tel = t[t["kanaal"] == "telefoon"].iloc[0]
    assert tel["estimate"] == pytest.approx(df.loc[df["kanaal"] == "telefoon", "tevredenheid"].mean())
    assert t[t["kanaal"] == TOTAL]["estimate"].iloc[0] == pytest.approx(df["tevredenheid"].mean())
    post = t[t["kanaal"] == "post"].iloc[0]
    assert post["suppressed"] and np.isnan(post["estimate"]) and np.isnan(post["n"])
    # one lone small cell: the next-smallest is suppressed too, so the total cannot reveal post
    sizes = df["kanaal"].value_counts().drop("post")
    assert t.loc[t["kanaal"] == sizes.idxmin(), "reason"].iloc[0] == "secondary"
    assert t["suppressed"].sum() == 2
    assert_protected(t, 10)


def test_two_way_table():
    df = survey(800)
    t = kpi_table(df, ["menselijkheid"], by=["kanaal", "leeftijdsgroep"], statistics=["top2"], total=True)
    cell = t[(t["kanaal"] == "telefoon") & (t["leeftijdsgroep"] == "65+")].iloc[0]
    sub = df[(df["kanaal"] == "telefoon") & (df["leeftijdsgroep"] == "65+")]
    assert cell["estimate"] == pytest.approx((sub["menselijkheid"] >= 4).mean())
    assert cell["n"] == len(sub)
    margin = t[(t["kanaal"] == TOTAL) & (t["leeftijdsgroep"] == "65+")].iloc[0]
    assert margin["estimate"] == pytest.approx((df.loc[df["leeftijdsgroep"] == "65+", "menselijkheid"] >= 4).mean())
    assert_protected(t, 10)


def test_weights_by_column_name_and_series():
    df = survey()
    w = pd.Series(np.random.default_rng(3).uniform(0.5, 2, len(df)), index=df.index)
    df["gewicht"] = w
    a = kpi_table(df, ["tevredenheid"], weights="gewicht", statistics=["mean"])
    b = kpi_table(df, ["tevredenheid"], weights=w, statistics=["mean"])
    assert a["estimate"].iloc[0] == pytest.approx(np.average(df["tevredenheid"], weights=w))
    assert a["estimate"].iloc[0] == b["estimate"].iloc[0] and a["weighted"].all()


# ---- bad input -------------------------------------------------------------------------------------
def test_all_missing_item_gives_nan_with_reason():
    df = survey(50)
    df["menselijkheid"] = np.nan
    t = kpi_table(df, ["menselijkheid"], min_cell=1)
    assert t["estimate"].isna().all() and t["suppressed"].all()
    assert all("no_data" in r for r in t["reason"])


def test_n_below_two_gives_nan_ci():
    e = mean_ci([7.0])
    assert e.estimate == 7 and np.isnan(e.ci_low) and e.reason == "too_few"
    df = survey(30).iloc[:1]
    t = kpi_table(df, ["tevredenheid"], min_cell=1, statistics=["mean"])
    assert np.isnan(t["ci_low"].iloc[0]) and t["reason"].iloc[0] == "too_few"


@pytest.mark.parametrize("bad", [0.0, -1.0, np.nan])
def test_bad_weights_raise(bad):
    df = survey(30)
    w = np.ones(len(df))
    w[4] = bad
    with pytest.raises(DataError, match="positive and finite") as err:
        kpi_table(df, ["tevredenheid"], weights=w)
    assert err.value.row == 5


def test_single_level_segment_is_flagged():
    df = survey(60)
    df["kanaal"] = pd.Categorical(["balie"] * len(df))
    t = kpi_table(df, ["tevredenheid"], by="kanaal", statistics=["mean"])
    assert t["reason"].iloc[0] == "single_level"
    assert t["estimate"].iloc[0] == pytest.approx(df["tevredenheid"].mean())


def test_unknown_columns_raise():
    df = survey(30)
    with pytest.raises(DataError, match="'opleiding'"):
        kpi_table(df, ["tevredenheid"], by="opleiding")
    with pytest.raises(DataError, match="'snelheid'"):
        kpi_table(df, ["snelheid"])
    with pytest.raises(AnalysisError, match="at most two"):
        kpi_table(df, ["tevredenheid"], by=["kanaal", "leeftijdsgroep", "gemak"])
    with pytest.raises(DataError, match="between 0 and 10"):
        nps_ci([11, 3])


# ---- goals -----------------------------------------------------------------------------------------
def test_compare_goals_met_not_met_undecided():
    kpis = pd.DataFrame({"kpi": ["tevredenheid_mean", "menselijkheid_top2", "nps", "gemak_mean"],
                         "estimate": [7.8, 0.62, 10.0, np.nan], "ci_low": [7.6, 0.58, -5.0, np.nan],
                         "ci_high": [8.0, 0.66, 25.0, np.nan], "n": [300, 300, 300, np.nan],
                         "suppressed": [False, False, False, True]})
    goals = [Goal("tevredenheid_mean", ">=", 7.5), Goal("menselijkheid_top2", ">=", 0.7), Goal("nps", ">=", 0),
             Goal("gemak_mean", ">=", 4), Goal("vertrouwen_mean", "<=", 3)]
    g = compare_goals(kpis, goals).set_index("kpi")
    assert g.loc["tevredenheid_mean", "status"] == "met"
    assert g.loc["tevredenheid_mean", "margin"] == pytest.approx(0.3)
    assert g.loc["menselijkheid_top2", "status"] == "not_met"
    assert g.loc["menselijkheid_top2", "margin"] == pytest.approx(-0.08)
    assert g.loc["nps", "status"] == "undecided"
    assert g.loc["gemak_mean", "status"] == "unknown" and g.loc["vertrouwen_mean", "status"] == "unknown"
    assert status_label("met") == "gehaald" and status_label("not_met", "en") == "not met"


def test_compare_goals_less_than():
    kpis = pd.DataFrame({"kpi": ["gemak_mean"], "estimate": [2.0], "ci_low": [1.8], "ci_high": [2.2],
                         "n": [50], "suppressed": [False]})
    assert compare_goals(kpis, [Goal("gemak_mean", "<=", 2.5)])["status"].iloc[0] == "met"
    assert compare_goals(kpis, [Goal("gemak_mean", "<", 1.5)])["status"].iloc[0] == "not_met"


@settings(max_examples=25, deadline=None)
@given(st.integers(0, 2**31 - 1), st.integers(1, 15), st.booleans())
def test_property_kpi_table_publishes_no_small_cell(seed, min_cell, two_way):
    rng = np.random.default_rng(seed)
    n = int(rng.integers(5, 120))
    df = pd.DataFrame({"tevredenheid": np.where(rng.uniform(size=n) < 0.1, np.nan, rng.integers(1, 11, n)),
                       "kanaal": rng.choice(["a", "b", "c", "d"], n, p=[0.6, 0.25, 0.1, 0.05]),
                       "leeftijdsgroep": rng.choice(["x", "y", "z"], n)})
    by = ["kanaal", "leeftijdsgroep"] if two_way else "kanaal"
    t = kpi_table(df, ["tevredenheid"], by=by, min_cell=min_cell, total=True)
    assert_protected(t, min_cell)
    assert not (t["n"] < min_cell).any()


def test_goal_table_through_protect_table_keeps_targets():
    from meethuis.stats.disclosure import protect_table
    kpis = pd.DataFrame({"kpi": ["nps"], "estimate": [5.0], "ci_low": [1.0], "ci_high": [9.0], "n": [4],
                         "suppressed": [False]})
    g = protect_table(compare_goals(kpis, [Goal("nps", ">=", 0)]), 10)
    assert g["suppressed"].iloc[0] and np.isnan(g["estimate"].iloc[0]) and np.isnan(g["margin"].iloc[0])
    assert g["target"].iloc[0] == 0


def test_domains_in_blocks_give_the_one_block_estimates_bit_for_bit(monkeypatch):
    """The domains' influence columns residualised a few at a time give exactly the estimates of one block
    (raked design with a margin that leaves rows unraked, within strata; means, shares and NPS)."""
    from meethuis.stats import kpi as kpi_module
    from meethuis.stats.weights import Calibration

    rng = np.random.default_rng(12)
    n = 4000
    codes = np.column_stack([rng.integers(0, 3, n), rng.integers(0, 4, n)])
    codes[rng.random(n) < 0.03, 1] = -1
    strata = rng.integers(0, 2, n)
    calibration = Calibration(np.where(codes < 0, -1, strata[:, None] * 4 + codes), strata)
    w = rng.uniform(0.5, 2.5, n)
    group = rng.integers(0, 7, n)
    domains = [group == g for g in range(7)] + [np.zeros(n, bool), group == 0]
    values = {"mean": np.where(rng.random(n) < 0.1, np.nan, rng.integers(1, 11, n).astype(float)),
              "share": np.where(rng.random(n) < 0.1, np.nan, (rng.random(n) < 0.4).astype(float)),
              "nps": np.where(rng.random(n) < 0.1, np.nan, rng.integers(0, 11, n).astype(float))}
    for kind, x in values.items():
        one = kpi_module.domain_estimates(x, kind, w, domains, calibration)
        for per_block in (1, 3):
            monkeypatch.setattr(kpi_module, "_DOMAIN_BLOCK", per_block * n)
            blocks = kpi_module.domain_estimates(x, kind, w, domains, calibration)
            for a, b in zip(one, blocks):
                np.testing.assert_array_equal(np.array([a.estimate, a.ci_low, a.ci_high, a.se, a.n, a.n_eff], float),
                                              np.array([b.estimate, b.ci_low, b.ci_high, b.se, b.n, b.n_eff], float))
                assert a.reason == b.reason
        monkeypatch.setattr(kpi_module, "_DOMAIN_BLOCK", 4 * 2**20)

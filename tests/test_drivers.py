"""Driver analysis: every number checked against an independent route.

References used here:
- Shapley by its definition: the average marginal gain in R² over all p! orders (itertools), with
  R² of each subset from statsmodels OLS/WLS fitted on the data (not from correlations);
- closed forms: uncorrelated drivers (importance = squared correlation), two drivers by hand;
- Owen values by their definition: all orders in which the groups stay together;
- relative weights by Johnson's (2000) original procedure on the data (SVD, regressions on Z);
- standardized betas from statsmodels WLS on standardized columns;
- bootstrap replicates recomputed from explicitly resampled rows.
"""
from __future__ import annotations

import itertools
from math import factorial

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from hypothesis import given, settings
from hypothesis import strategies as st

from meethuis.stats import drivers as dr
from meethuis.common.errors import AnalysisError


def simulate(n=400, p=5, seed=0, coef=None, noise=2.0):
    """Correlated drivers with known coefficients; outcome = X @ coef + noise."""
    rng = np.random.default_rng(seed)
    mix = rng.normal(size=(p, p)) * 0.5 + np.eye(p)
    x = rng.normal(size=(n, p)) @ mix
    coef = rng.normal(size=p) if coef is None else np.asarray(coef, float)
    y = x @ coef + rng.normal(size=n) * noise
    frame = pd.DataFrame(x, columns=[f"d{i}" for i in range(p)])
    frame["y"] = y
    return frame, [f"d{i}" for i in range(p)]


def wls_r2(frame, outcome, cols, w):
    if not cols:
        return 0.0
    return sm.WLS(frame[outcome], sm.add_constant(frame[list(cols)]), weights=w).fit().rsquared


def shapley_by_orders(players, value):
    """Shapley values by definition: average marginal contribution over all orders of the players."""
    phi = dict.fromkeys(players, 0.0)
    orders = list(itertools.permutations(players))
    cache = {}

    def v(coalition):
        key = frozenset(coalition)
        if key not in cache:
            cache[key] = value(key)
        return cache[key]

    for order in orders:
        before = []
        for pl in order:
            phi[pl] += v(before + [pl]) - v(before)
            before = before + [pl]
    return {k: val / len(orders) for k, val in phi.items()}


# ------------------------------------------------------------------------------------------------
# exactness
# ------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("weighted", [False, True])
def test_shapley_equals_definition_over_all_orders(weighted):
    frame, names = simulate(n=300, p=5, seed=1)
    w = np.random.default_rng(9).uniform(0.3, 3.0, len(frame)) if weighted else np.ones(len(frame))
    got = dr.shapley_importance(frame, "y", names, weights=w if weighted else None)
    ref = shapley_by_orders(names, lambda s: wls_r2(frame, "y", sorted(s), w))
    np.testing.assert_allclose(got["importance"], [ref[n] for n in names], atol=1e-8, rtol=0)
    full = wls_r2(frame, "y", names, w)
    assert got.attrs["r2"] == pytest.approx(full, abs=1e-12)
    assert got["importance"].sum() == pytest.approx(full, abs=1e-12)
    np.testing.assert_allclose(got["share"], got["importance"] / full, rtol=1e-12)
    assert list(got.columns) == ["driver", "importance", "share", "rank", "n_used"]
    assert (got["n_used"] == len(frame)).all()


def test_subset_r2_equals_wls_for_every_subset():
    frame, names = simulate(n=200, p=6, seed=2)
    w = np.random.default_rng(3).uniform(0.2, 4.0, len(frame))
    prep = dr._prepare(frame, "y", names, w, "listwise")
    r2 = dr.subset_r2(prep.corr)
    for mask in range(1 << len(names)):
        cols = [names[j] for j in range(len(names)) if mask >> j & 1]
        assert r2[mask] == pytest.approx(wls_r2(frame, "y", cols, w), abs=1e-10), cols


def test_two_drivers_by_hand():
    # r(y,x1)=.5, r(y,x2)=.4, r(x1,x2)=.3: R²12 = (.25+.16-2*.5*.4*.3)/(1-.09) = .29/.91
    corr = np.array([[1.0, 0.3, 0.5], [0.3, 1.0, 0.4], [0.5, 0.4, 1.0]])
    r2 = dr.subset_r2(corr)
    np.testing.assert_allclose(r2, [0.0, 0.25, 0.16, 0.29 / 0.91], atol=1e-15)
    phi = dr.shapley_from_r2(r2)
    np.testing.assert_allclose(phi, [(0.25 + 0.29 / 0.91 - 0.16) / 2, (0.16 + 0.29 / 0.91 - 0.25) / 2],
                               atol=1e-15)


def test_uncorrelated_drivers_get_their_squared_correlation():
    rng = np.random.default_rng(4)
    n, p = 120, 6
    # exactly orthogonal columns, orthogonal to the constant too (so centred and uncorrelated)
    q, _ = np.linalg.qr(np.column_stack([np.ones(n), rng.normal(size=(n, p))]))
    x = q[:, 1:] * np.sqrt(n)
    y = x @ np.arange(1, p + 1) + rng.normal(size=n)
    frame = pd.DataFrame(x, columns=[f"d{i}" for i in range(p)]).assign(y=y)
    got = dr.shapley_importance(frame, "y", [f"d{i}" for i in range(p)])
    r = np.array([np.corrcoef(x[:, j], y)[0, 1] for j in range(p)])
    np.testing.assert_allclose(got["importance"], r**2, atol=1e-12)
    assert list(got["rank"]) == [6, 5, 4, 3, 2, 1]


@settings(max_examples=25, deadline=None)
@given(p=st.integers(1, 9), seed=st.integers(0, 10_000))
def test_importances_add_up_to_full_r2(p, seed):
    rng = np.random.default_rng(seed)
    a = rng.normal(size=(p + 1, p + 1))
    cov = a @ a.T + 0.05 * np.eye(p + 1)
    r2 = dr.subset_r2(cov)
    full = cov[:p, p] @ np.linalg.solve(cov[:p, :p], cov[:p, p]) / cov[p, p]
    assert r2[-1] == pytest.approx(full, abs=1e-12)
    phi = dr.shapley_from_r2(r2)
    assert phi.sum() == pytest.approx(full, abs=1e-12)
    # monotone game: adding drivers never lowers R², so every importance is >= 0
    assert (phi >= -1e-12).all()


def test_batched_equals_single_and_large_p_block_path():
    rng = np.random.default_rng(5)
    p = 13  # large enough that the sweep tree splits its batches (bounded memory path)
    mats = []
    for _ in range(3):
        a = rng.normal(size=(p + 1, p + 1))
        c = a @ a.T + np.eye(p + 1)
        d = np.sqrt(np.diag(c))
        mats.append(c / d[:, None] / d[None, :])
    batch = dr.subset_r2(np.stack(mats))
    old = dr._STATE_LIMIT
    try:
        dr._STATE_LIMIT = 64  # force many splits
        split = dr.subset_r2(np.stack(mats))
    finally:
        dr._STATE_LIMIT = old
    for b, c in enumerate(mats):
        single = dr.subset_r2(c)
        np.testing.assert_allclose(batch[:, b], single, atol=1e-13)
        np.testing.assert_allclose(split[:, b], single, atol=1e-13)
        # spot-check subsets against a direct solve
        for mask in rng.integers(1, 1 << p, size=20):
            idx = [j for j in range(p) if mask >> j & 1]
            r = c[idx, p]
            assert single[mask] == pytest.approx(r @ np.linalg.solve(c[np.ix_(idx, idx)], r), abs=1e-12)
    np.testing.assert_allclose(dr.shapley_from_r2(batch)[:, 1], dr.shapley_from_r2(batch[:, 1]), atol=1e-14)


def test_shapley_from_r2_blocked_path_for_many_players():
    # 20 players uses blocks of 2^18 masks; compare with a small random game computed directly
    rng = np.random.default_rng(6)
    k = 20
    r2 = rng.uniform(size=1 << k)
    r2[0] = 0.0
    phi = dr.shapley_from_r2(r2)
    assert phi.sum() == pytest.approx(r2[-1], abs=1e-9)
    pc = np.bitwise_count(np.arange(1 << k, dtype=np.uint64)).astype(int)
    w = dr._shapley_weights(k)
    for j in (0, 17, 18, 19):
        masks = np.arange(1 << k)
        without = masks[(masks >> j & 1) == 0]
        ref = np.sum(w[pc[without]] * (r2[without | (1 << j)] - r2[without]))
        assert phi[j] == pytest.approx(ref, abs=1e-10)


# ------------------------------------------------------------------------------------------------
# missing data
# ------------------------------------------------------------------------------------------------
def test_listwise_drops_incomplete_rows():
    frame, names = simulate(n=300, p=4, seed=7)
    holes = frame.copy()
    holes.loc[[3, 10, 50], "d1"] = np.nan
    holes.loc[[7], "y"] = np.nan
    got = dr.shapley_importance(holes, "y", names)
    ref = dr.shapley_importance(holes.dropna(), "y", names)
    np.testing.assert_allclose(got["importance"], ref["importance"], atol=1e-14)
    assert got.attrs["n"] == 296 and (got["n_used"] == 296).all()


def test_pairwise_uses_pairwise_complete_correlations():
    frame, names = simulate(n=500, p=4, seed=30)
    rng = np.random.default_rng(8)
    holes = frame.mask(rng.uniform(size=frame.shape) < 0.1)
    got = dr.shapley_importance(holes, "y", names, missing="pairwise")
    corr = holes[[*names, "y"]].corr().to_numpy()  # pandas: pairwise-complete Pearson
    p = len(names)

    def r2(s):
        idx = sorted(names.index(c) for c in s)
        if not idx:
            return 0.0
        r = corr[idx, p]
        return r @ np.linalg.solve(corr[np.ix_(idx, idx)], r)

    ref = shapley_by_orders(names, r2)
    np.testing.assert_allclose(got["importance"], [ref[n] for n in names], atol=1e-10)
    expect_n = [int((holes[c].notna() & holes["y"].notna()).sum()) for c in names]
    assert list(got["n_used"]) == expect_n


def test_pairwise_not_positive_definite_is_a_clear_error():
    rng = np.random.default_rng(9)
    m = 60
    z = rng.normal(size=m)
    block = np.full((3 * m, 4), np.nan)
    # a,b observed together (r ~ +1), b,c together (r ~ +1), a,c together (r ~ -1): impossible jointly
    block[:m, 0], block[:m, 1] = z, z + 0.01 * rng.normal(size=m)
    block[m:2 * m, 1], block[m:2 * m, 2] = z, z + 0.01 * rng.normal(size=m)
    block[2 * m:, 0], block[2 * m:, 2] = z, -z + 0.01 * rng.normal(size=m)
    block[:, 3] = rng.normal(size=3 * m)
    frame = pd.DataFrame(block, columns=["a", "b", "c", "y"])
    with pytest.raises(AnalysisError, match="not positive definite") as err:
        dr.shapley_importance(frame, "y", ["a", "b", "c"], missing="pairwise")
    assert "listwise" in str(err.value)


# ------------------------------------------------------------------------------------------------
# groups
# ------------------------------------------------------------------------------------------------
def test_group_shapley_and_owen_split_equal_their_definitions():
    frame, names = simulate(n=300, p=5, seed=10)
    w = np.random.default_rng(11).uniform(0.5, 2.0, len(frame))
    groups = {"g1": ["d0", "d3"], "g2": ["d1", "d2"], "g3": ["d4"]}
    got = dr.group_importance(frame, "y", groups, weights=w)
    gref = shapley_by_orders(list(groups), lambda s: wls_r2(
        frame, "y", [c for g in sorted(s) for c in groups[g]], w))
    top = got[got["level"] == "group"].set_index("group")
    for g in groups:
        assert top.loc[g, "importance"] == pytest.approx(gref[g], abs=1e-8)
    # Owen value by definition: orders in which each group's items stay together
    owen = dict.fromkeys(names, 0.0)
    count = 0
    cache = {}
    for gorder in itertools.permutations(groups):
        for inner in itertools.product(*[itertools.permutations(groups[g]) for g in gorder]):
            order = [c for part in inner for c in part]
            before = []
            for c in order:
                key0, key1 = frozenset(before), frozenset(before + [c])
                for key in (key0, key1):
                    if key not in cache:
                        cache[key] = wls_r2(frame, "y", sorted(key), w)
                owen[c] += cache[key1] - cache[key0]
                before.append(c)
            count += 1
    items = got[got["level"] == "driver"].set_index("driver")
    for c in names:
        assert items.loc[c, "importance"] == pytest.approx(owen[c] / count, abs=1e-8)
    # items add up to their group, groups to R²
    sums = items.groupby("group")["importance"].sum()
    for g in groups:
        assert sums[g] == pytest.approx(top.loc[g, "importance"], abs=1e-12)
    assert top["importance"].sum() == pytest.approx(got.attrs["r2"], abs=1e-12)


def test_singleton_groups_equal_plain_shapley():
    frame, names = simulate(n=200, p=4, seed=12)
    got = dr.group_importance(frame, "y", {n: [n] for n in names})
    plain = dr.shapley_importance(frame, "y", names)
    top = got[got["level"] == "group"]
    np.testing.assert_allclose(top["importance"], plain["importance"], atol=1e-13)


def test_forty_items_in_groups_stay_feasible():
    frame, names = simulate(n=2000, p=40, seed=13, noise=4.0)
    groups = {f"g{k}": names[k * 5:(k + 1) * 5] for k in range(8)}
    got = dr.group_importance(frame, "y", groups)
    full = wls_r2(frame, "y", names, np.ones(len(frame)))
    top = got[got["level"] == "group"]
    assert top["importance"].sum() == pytest.approx(full, abs=1e-10)
    items = got[got["level"] == "driver"]
    assert items["importance"].sum() == pytest.approx(full, abs=1e-10)
    assert len(items) == 40


# ------------------------------------------------------------------------------------------------
# relative weights and betas
# ------------------------------------------------------------------------------------------------
def test_relative_weights_equal_johnsons_procedure():
    frame, names = simulate(n=250, p=5, seed=14)
    got = dr.relative_weights(frame, "y", names)
    # Johnson (2000): X standardized = P D Q'; Z = P Q' (orthogonal, closest to X);
    # beta = regression of y on Z, Lambda = regression of X on Z; eps_j = sum_k Lambda_jk^2 beta_k^2
    x = frame[names].to_numpy()
    x = (x - x.mean(0)) / x.std(0, ddof=1)
    y = frame["y"].to_numpy()
    y = (y - y.mean()) / y.std(ddof=1)
    pm, _, qt = np.linalg.svd(x, full_matrices=False)
    z = pm @ qt * np.sqrt(len(y) - 1)
    beta = sm.OLS(y, z).fit().params
    lam = np.column_stack([sm.OLS(x[:, j], z).fit().params for j in range(len(names))]).T
    eps = (lam**2) @ (beta**2)
    np.testing.assert_allclose(got["relative_weight"], eps, atol=1e-10)
    assert got["relative_weight"].sum() == pytest.approx(got.attrs["r2"], abs=1e-12)
    assert got.attrs["r2"] == pytest.approx(sm.OLS(y, z).fit().rsquared, abs=1e-12)


def test_standardized_betas_equal_wls_on_standardized_columns():
    frame, names = simulate(n=250, p=4, seed=15)
    w = np.random.default_rng(16).uniform(0.5, 2.0, len(frame))
    got = dr.importance_overview(frame, "y", names, weights=w)

    def wz(col):
        v = frame[col].to_numpy()
        m = np.average(v, weights=w)
        return (v - m) / np.sqrt(np.average((v - m) ** 2, weights=w))

    zx = np.column_stack([wz(c) for c in names])
    fit = sm.WLS(wz("y"), sm.add_constant(zx), weights=w).fit()
    np.testing.assert_allclose(got["beta"], fit.params[1:], atol=1e-10)
    assert got["relative_weight"].sum() == pytest.approx(got["importance"].sum(), abs=1e-12)
    assert {"driver", "importance", "share", "rank", "n_used", "beta", "relative_weight"} <= set(got)


def test_relative_weights_uncorrelated_closed_form():
    corr = np.eye(4)
    corr[:3, 3] = corr[3, :3] = [0.5, 0.3, 0.1]
    np.testing.assert_allclose(dr._relative_weights(corr), [0.25, 0.09, 0.01], atol=1e-14)


# ------------------------------------------------------------------------------------------------
# bootstrap
# ------------------------------------------------------------------------------------------------
def test_bootstrap_replicates_equal_analysis_of_resampled_rows():
    frame, names = simulate(n=150, p=4, seed=17)
    w = np.random.default_rng(18).uniform(0.5, 2.0, len(frame))
    table, reps = dr.bootstrap_importance(frame, "y", names, weights=w, n_boot=20, seed=5,
                                          return_replicates=True)
    draws = np.random.default_rng(5).integers(0, len(frame), size=(20, len(frame)))  # one chunk
    for b in (0, 7, 19):
        rows = draws[b]
        ref = dr.shapley_importance(frame.iloc[rows].reset_index(drop=True), "y", names, weights=w[rows])
        np.testing.assert_allclose(reps[b], ref["importance"], atol=1e-12)
    point = dr.shapley_importance(frame, "y", names, weights=w)
    np.testing.assert_allclose(table["importance"], point["importance"], atol=1e-15)
    np.testing.assert_allclose(table["ci_low"], np.quantile(reps, 0.025, axis=0), atol=1e-15)
    # exactly `top` drivers are in the top in every replicate (no ties in continuous data)
    assert table["p_top"].sum() == pytest.approx(3.0)
    again = dr.bootstrap_importance(frame, "y", names, weights=w, n_boot=20, seed=5)
    pd.testing.assert_frame_equal(table, again)


def test_bootstrap_ci_covers_known_truth():
    # population: drivers with covariance S, y = X b + e; true Shapley from the population matrix
    p, n = 4, 3000
    rng = np.random.default_rng(19)
    s = np.array([[1, .5, .3, .2], [.5, 1, .4, .1], [.3, .4, 1, .3], [.2, .1, .3, 1]])
    b = np.array([0.6, 0.1, 0.4, 0.0])
    x = rng.multivariate_normal(np.zeros(p), s, size=n)
    y = x @ b + rng.normal(size=n)
    pop = np.zeros((p + 1, p + 1))
    pop[:p, :p] = s
    pop[:p, p] = pop[p, :p] = s @ b
    pop[p, p] = b @ s @ b + 1.0
    truth = dr.shapley_from_r2(dr.subset_r2(pop))
    frame = pd.DataFrame(x, columns=list("abcd")).assign(y=y)
    got = dr.bootstrap_importance(frame, "y", list("abcd"), n_boot=400, seed=1)
    assert ((got["ci_low"] <= truth) & (truth <= got["ci_high"])).all()
    assert list(got["rank"]) == [1, 3, 2, 4]
    assert got.loc[0, "rank_ci_low"] == 1 and got.loc[0, "rank_ci_high"] == 1


# ------------------------------------------------------------------------------------------------
# segments
# ------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("lang,word", [("nl", "Niet getoond"), ("en", "Not shown")])
def test_segments_below_minimum_are_not_shown_and_say_why(lang, word):
    frame, names = simulate(n=400, p=3, seed=20)
    frame["kanaal"] = pd.Categorical(["telefoon"] * 300 + ["balie"] * 75 + ["post"] * 25,
                                     categories=["telefoon", "balie", "post", "chat"])
    got = dr.importance_by_segment(frame, "y", names, by="kanaal", lang=lang)
    shown = got.groupby("kanaal", observed=True)["shown"].first()
    assert shown.to_dict() == {"telefoon": True, "balie": True, "post": False, "chat": False}
    post = got[got["kanaal"] == "post"].iloc[0]
    assert word in post["reason"] and "25" in post["reason"] and "30" in post["reason"]
    assert np.isnan(post["importance"])
    ref = dr.shapley_importance(frame[frame["kanaal"] == "balie"], "y", names)
    np.testing.assert_allclose(got[got["kanaal"] == "balie"]["importance"], ref["importance"], atol=1e-14)


def test_segment_with_constant_driver_is_not_shown():
    frame, names = simulate(n=200, p=2, seed=21)
    frame["kanaal"] = ["chat"] * 100 + ["balie"] * 100
    frame.loc[frame["kanaal"] == "chat", "d0"] = 3.0
    got = dr.importance_by_segment(frame, "y", names, by="kanaal", lang="en")
    chat = got[got["kanaal"] == "chat"]
    assert not chat["shown"].any() and "no variance" in chat["reason"].iloc[0]
    assert got[got["kanaal"] == "balie"]["shown"].all()


# ------------------------------------------------------------------------------------------------
# bad input
# ------------------------------------------------------------------------------------------------
def test_constant_driver_is_named():
    frame, names = simulate(n=100, p=3, seed=22)
    frame["d1"] = 4.0
    with pytest.raises(AnalysisError, match="'d1' has no variance") as err:
        dr.shapley_importance(frame, "y", names)
    assert err.value.column == "d1"


def test_outcome_without_variance_is_named():
    frame, names = simulate(n=100, p=3, seed=23)
    frame["y"] = 7.0
    with pytest.raises(AnalysisError, match="outcome 'y' has no variance") as err:
        dr.shapley_importance(frame, "y", names)
    assert err.value.column == "y"


def test_perfectly_collinear_drivers_are_named():
    frame, names = simulate(n=100, p=4, seed=24)
    frame["d3"] = 2 * frame["d0"] - frame["d2"]
    with pytest.raises(AnalysisError, match="collinear") as err:
        dr.shapley_importance(frame, "y", names)
    msg = str(err.value)
    assert "d0" in msg and "d2" in msg and "d3" in msg and "d1," not in msg


def test_too_few_respondents():
    frame, names = simulate(n=5, p=4, seed=25)
    with pytest.raises(AnalysisError, match="too few respondents"):
        dr.shapley_importance(frame, "y", names)


def test_too_many_drivers_suggests_grouping():
    frame, names = simulate(n=60, p=26, seed=26)
    with pytest.raises(AnalysisError, match="exact limit") as err:
        dr.shapley_importance(frame, "y", names)
    assert "group" in err.value.hint


def test_unknown_and_non_numeric_columns_and_bad_weights():
    frame, names = simulate(n=50, p=2, seed=27)
    with pytest.raises(AnalysisError, match="'nope' not found"):
        dr.shapley_importance(frame, "y", ["d0", "nope"])
    frame["tekst"] = "a"
    with pytest.raises(AnalysisError, match="not numeric"):
        dr.shapley_importance(frame, "y", ["d0", "tekst"])
    with pytest.raises(AnalysisError, match="non-negative") as err:
        dr.shapley_importance(frame, "y", names, weights=np.r_[-1.0, np.ones(49)])
    assert err.value.row == 1
    with pytest.raises(AnalysisError, match="missing-data method"):
        dr.shapley_importance(frame, "y", names, missing="mean")
    with pytest.raises(AnalysisError, match="also listed as a driver"):
        dr.shapley_importance(frame, "y", ["d0", "y"])


# ------------------------------------------------------------------------------------------------
# known truth
# ------------------------------------------------------------------------------------------------
def test_known_coefficients_recovered_in_simulation():
    # independent drivers on a 1-5 scale with coefficients 0.8, 0.5, 0.2: ranks 1, 2, 3
    rng = np.random.default_rng(28)
    n = 3000
    x = rng.integers(1, 6, size=(n, 3)).astype(float)
    y = x @ [0.8, 0.5, 0.2] + rng.normal(size=n)
    frame = pd.DataFrame(x, columns=["empathie", "snelheid", "bereikbaarheid"]).assign(cijfer=y)
    got = dr.shapley_importance(frame, "cijfer", ["empathie", "snelheid", "bereikbaarheid"])
    assert list(got["rank"]) == [1, 2, 3]
    var_x = 2.0  # variance of a uniform 1..5 integer
    total = var_x * (0.64 + 0.25 + 0.04) + 1.0
    np.testing.assert_allclose(got["importance"], np.array([0.64, 0.25, 0.04]) * var_x / total, atol=0.02)


SOFT = ["empathie", "meedenken", "serieus_genomen"]
BASICS = ["snelheid", "juiste_informatie"]


@pytest.mark.parametrize("weighted", [False, True])
def test_sample_data_soft_drivers_rank_above_basics(sample_dir, weighted):
    cfg_path = sample_dir / "molensloot.yml"
    from meethuis.intake.config import load_config
    from meethuis.intake.validate import load_survey
    from meethuis.stats.weights import survey_weights

    cfg = load_config(cfg_path)
    frame = load_survey(cfg).responses
    w = survey_weights(frame, cfg) if weighted else None
    drivers = [d for d in cfg.drivers() if d in frame.columns]
    got = dr.shapley_importance(frame, "tevredenheid", drivers, weights=w).set_index("driver")
    assert got.loc[SOFT, "rank"].max() < got.loc[BASICS, "rank"].min(), got.sort_values("rank")
    families = {c: [d for d in cfg.codebook.drivers(c) if d in frame.columns] for c in ("menselijke_maat", "basis")}
    groups = dr.group_importance(frame, "tevredenheid", families, weights=w, within=False).set_index("group")
    assert groups.loc["menselijke_maat", "importance"] > groups.loc["basis", "importance"]


def test_bootstrap_leaves_out_degenerate_resamples_and_says_so():
    # a rare binary driver: some resamples contain none of its 1s, so it is constant there
    frame, names = simulate(n=60, p=2, seed=29)
    frame["zeldzaam"] = 0.0
    frame.loc[[5, 40, 50], "zeldzaam"] = 1.0  # about 5% of resamples miss all three
    table, reps = dr.bootstrap_importance(frame, "y", [*names, "zeldzaam"], n_boot=200, seed=2,
                                          return_replicates=True)
    failed = np.isnan(reps).any(axis=1)
    draws = np.random.default_rng(2).integers(0, 60, size=(200, 60))
    constant = ~np.isin(draws, [5, 40, 50]).any(axis=1)  # resamples without any 1
    assert (failed == constant).all() and constant.any()
    assert table.attrs["n_valid"] == 200 - constant.sum()
    assert np.isfinite(table[["ci_low", "ci_high", "p_top"]].to_numpy()).all()
    frame.loc[[40, 50], "zeldzaam"] = 0.0
    frame.loc[[5], "zeldzaam"] = 1.0  # a single 1: about 37% of resamples miss it
    with pytest.raises(AnalysisError, match="bootstrap resamples"):
        dr.bootstrap_importance(frame, "y", [*names, "zeldzaam"], n_boot=200, seed=2)


@pytest.mark.parametrize("lang", ["nl", "en"])
def test_plot_importance_bars_match_the_table(lang):
    # the figure chapter 05 shows (report/chapters/drijfveren.py): one bar per driver, its share in %
    from meethuis.common.plots import alt_text
    from meethuis.intake.codebook import load_codebook
    from meethuis.report.chapters.drijfveren import plot_importance

    frame, _ = simulate(n=300, p=3, seed=31)
    frame = frame.rename(columns={"d0": "empathie", "d1": "snelheid", "d2": "luisteren", "y": "tevredenheid"})
    names = ["empathie", "snelheid", "luisteren"]
    table = dr.bootstrap_importance(frame, "tevredenheid", names, n_boot=50, seed=1)
    codebook = load_codebook()
    fig, n_min = plot_importance(table.assign(n=table["n_used"]), codebook, "de tevredenheid", lang)
    ax = fig.axes[0]
    widths = sorted(p.get_width() for p in ax.patches)
    np.testing.assert_allclose(widths, sorted(100 * table["share"]), rtol=1e-12)
    assert n_min == int(table["n_used"].min())
    top = table.sort_values("share")["driver"].iloc[-1]
    label = codebook.label(top, lang)
    assert label in alt_text(fig) and ("aandeel" if lang == "nl" else "share") in ax.get_xlabel()
    assert [t.get_text() for t in ax.get_yticklabels()][-1] == label  # largest on top


# -- bounded memory: the bootstrap in blocks gives the numbers of the one-block version ----------------------
def _scale_frame(n: int = 3001, seed: int = 7) -> tuple[pd.DataFrame, list[str]]:
    """Seeded survey-like frame: 6 drivers on 1-5, an outcome, weights, 8% of the answers missing."""
    rng = np.random.default_rng(seed)
    drivers = [f"d{k}" for k in range(6)]
    latent = rng.normal(size=(n, 1))
    x = np.clip(np.round(3 + latent + rng.normal(size=(n, 6))), 1, 5)
    y = x @ np.array([0.5, 0.3, 0.2, 0.1, 0.05, 0.0]) + rng.normal(size=n)
    frame = pd.DataFrame(x, columns=drivers).assign(y=y, w=rng.uniform(0.5, 2.0, n))
    for c in [*drivers, "y"]:
        frame.loc[rng.random(n) < 0.08, c] = np.nan
    return frame, drivers


@pytest.mark.parametrize("missing", ["listwise", "pairwise"])
def test_bootstrap_in_small_blocks_equals_the_former_one_block_result(missing, monkeypatch):
    import json
    from pathlib import Path

    reference = json.loads((Path(__file__).parent / "fixtures" / "bootstrap_reference.json").read_text())[missing]
    frame, drivers = _scale_frame()
    monkeypatch.setattr(dr, "BOOTSTRAP_BLOCK_BYTES", 50_000)  # a few resamples and ~100 rows per block
    table = dr.bootstrap_importance(frame, "y", drivers, weights="w", n_boot=120, missing=missing)
    assert list(table["driver"]) == reference["driver"]
    for column, values in reference.items():
        if column != "driver":
            np.testing.assert_allclose(table[column].to_numpy(float), np.asarray(values, float), rtol=0, atol=1e-12)


def test_bootstrap_memory_is_bounded_by_the_block_not_by_n_times_resamples(monkeypatch):
    import tracemalloc

    frame, drivers = _scale_frame(n=40_000)
    frame = frame.dropna()  # every case complete: the case that needed most memory before
    monkeypatch.setattr(dr, "BOOTSTRAP_BLOCK_BYTES", 4 * 2**20)
    tracemalloc.start()
    dr.bootstrap_importance(frame, "y", drivers, weights="w", n_boot=200)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    before = 2 * 200 * len(frame) * 8  # the former version held 200 x n draws and counts at once
    assert peak < 32 * 2**20 < before / 2, (peak, before)


@pytest.mark.parametrize("missing", ["listwise", "pairwise"])
def test_bootstrap_per_distinct_row_equals_the_row_by_row_sums(missing, monkeypatch):
    """Cross products summed per distinct answer row (weights added first) give the replicates of the plain
    row-by-row sums to 1e-12: discrete answers (1-5 drivers, a 1-10 grade), missing answers, unequal weights."""
    rng = np.random.default_rng(11)
    n, drivers = 12_000, [f"v{k}" for k in range(3)]
    latent = rng.normal(size=(n, 1))
    x = np.clip(np.round(3 + latent + rng.normal(size=(n, 3))), 1, 5)
    y = np.clip(np.round(x @ np.array([0.9, 0.6, 0.4]) - 1 + rng.normal(size=n)), 1, 10)
    frame = pd.DataFrame(x, columns=drivers).assign(cijfer=y, gewicht=rng.choice([0.5, 1.0, 1.7], n))
    for c in [*drivers, "cijfer"]:
        frame.loc[rng.random(n) < 0.05, c] = np.nan
    values = frame[[*drivers, "cijfer"]].to_numpy(float)
    if missing == "listwise":
        values = values[~np.isnan(values).any(axis=1)]
    grouped = dr._CorrBatch(values)
    assert grouped.inverse is not None and grouped.n < len(values) // 4  # the fast path is the one tested
    fast, reps_fast = dr.bootstrap_importance(frame, "cijfer", drivers, weights="gewicht", n_boot=60,
                                              missing=missing, return_replicates=True)
    monkeypatch.setattr(dr, "_DISTINCT_MIN", 10**9)  # the plain sums over every row
    assert dr._CorrBatch(values).inverse is None
    plain, reps_plain = dr.bootstrap_importance(frame, "cijfer", drivers, weights="gewicht", n_boot=60,
                                                missing=missing, return_replicates=True)
    np.testing.assert_allclose(reps_fast, reps_plain, rtol=0, atol=1e-12)
    assert list(fast["driver"]) == list(plain["driver"])
    assert fast.attrs.keys() == plain.attrs.keys()
    for key, value in plain.attrs.items():
        if isinstance(value, str):
            assert fast.attrs[key] == value
            continue
        assert fast.attrs[key] == pytest.approx(value, rel=1e-12, abs=0, nan_ok=True), key
    for column in plain.columns.drop("driver"):
        np.testing.assert_allclose(fast[column].to_numpy(float), plain[column].to_numpy(float), rtol=0, atol=1e-12)


def test_kept_row_products_give_the_blockwise_sums_bit_for_bit():
    """The row products kept for every batch of resamples give exactly the sums made block by block."""
    frame, drivers = _scale_frame(n=900)
    values = frame[[*drivers, "y"]].to_numpy(float)
    batch = dr._CorrBatch(values)
    v = np.random.default_rng(1).uniform(0, 3, (7, batch.n))
    x, mf = batch.x, batch.mf
    for key, left, right in (("xx", x, x), ("mm", mf, mf), ("xm", x, mf), ("x2m", x * x, mf)):
        kept = batch.wsum(v, left, right, key)
        assert key in batch._products
        np.testing.assert_array_equal(batch.wsum(v, left, right, key), kept)
        np.testing.assert_array_equal(batch.wsum(v, left, right), kept)  # no key: the block loop
    present = ~np.isnan(values)
    pair = np.rint(present.T.astype(float) @ present.astype(float)).astype(np.int64)
    np.testing.assert_array_equal(pair, present.T.astype(np.int64) @ present.astype(np.int64))

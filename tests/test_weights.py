"""Raking, post-stratification, trimming and Kish: checked against hand-worked cases, R `survey`, closed forms."""
from __future__ import annotations

import json
import warnings
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from meethuis.common.errors import AnalysisError, DataError
from meethuis.stats.weights import kish, poststratify, rake, survey_weights, weighted_shares

FIXTURES = Path(__file__).parent / "fixtures"


def shares(frame: pd.DataFrame, col: str, w: np.ndarray) -> dict[str, float]:
    s = pd.Series(w).groupby(frame[col].astype(str).to_numpy()).sum()
    return (s / s.sum()).to_dict()


def test_two_variable_raking_solved_by_hand():
    # cells: (a1,b1) x2, (a1,b2) x1, (a2,b1) x1, no (a2,b2). Margins A .6/.4, B .7/.3.
    # a2 lives only in b1, so W(a2,b1) = .4; b2 only in a1, so W(a1,b2) = .3; W(a1,b1) = .6 - .3 = .3.
    # On the n = 4 scale: the two (a1,b1) rows get 4*.3/2 = .6, (a1,b2) 1.2, (a2,b1) 1.6.
    frame = pd.DataFrame({"a": ["a1", "a1", "a1", "a2"], "b": ["b1", "b1", "b2", "b1"]})
    w = rake(frame, {"a": {"a1": 0.6, "a2": 0.4}, "b": {"b1": 0.7, "b2": 0.3}})
    np.testing.assert_allclose(w, [0.6, 0.6, 1.2, 1.6], atol=1e-9)


def test_independent_margins_give_product_weights():
    # one row per cell: the raked weights are n * A_i * B_j (closed form of IPF on a full table)
    frame = pd.DataFrame({"a": ["x", "x", "y", "y"], "b": ["p", "q", "p", "q"]})
    w = rake(frame, {"a": {"x": 0.6, "y": 0.4}, "b": {"p": 0.7, "q": 0.3}})
    np.testing.assert_allclose(w, 4 * np.array([0.42, 0.18, 0.28, 0.12]), atol=1e-12)


def test_matches_r_survey_rake_and_poststratify():
    ref = json.loads((FIXTURES / "r_survey_reference.json").read_text())
    d = pd.DataFrame(ref["data"])
    totals = {v: {c: s * ref["population_total"] for c, s in m.items()} for v, m in ref["margins"].items()}
    w = rake(d, totals, base_weights=d["base"], tol=1e-13)
    np.testing.assert_allclose(w, ref["rake_weights"], rtol=1e-9)
    assert w.sum() == pytest.approx(ref["population_total"])
    ws = rake(d, ref["margins"], base_weights=d["base"], tol=1e-13)  # shares: same weights on the n scale
    np.testing.assert_allclose(ws / ws.sum(), w / w.sum(), rtol=1e-12)
    ps = poststratify(d, "kanaal", totals["kanaal"], base_weights=d["base"])
    np.testing.assert_allclose(ps, ref["poststratify_weights"], rtol=1e-12)
    mean = np.sum(w * d["tevredenheid"]) / w.sum()
    assert mean == pytest.approx(ref["svymean_tevredenheid"], rel=1e-10)


def test_poststratification_closed_form():
    frame = pd.DataFrame({"g": ["a", "a", "a", "b"]})
    base = np.array([1.0, 2.0, 1.0, 3.0])
    w = poststratify(frame, "g", {"a": 0.5, "b": 0.5}, base_weights=base)
    # w = base * N_h / sum(base in h) with N on the n = 4 scale: a: 2/4, b: 2/3
    np.testing.assert_allclose(w, [0.5, 1.0, 0.5, 2.0])


@st.composite
def raking_cases(draw):
    k1, k2, k3 = draw(st.integers(2, 4)), draw(st.integers(2, 3)), draw(st.integers(2, 3))
    extra = draw(st.integers(0, 60))
    seed = draw(st.integers(0, 2**31 - 1))
    rng = np.random.default_rng(seed)
    grid = np.array(np.meshgrid(range(k1), range(k2), range(k3))).reshape(3, -1).T  # every cell present
    rows = np.vstack([grid, np.column_stack([rng.integers(0, k, extra) for k in (k1, k2, k3)])])
    frame = pd.DataFrame({"a": [f"a{i}" for i in rows[:, 0]], "b": [f"b{i}" for i in rows[:, 1]],
                          "c": [f"c{i}" for i in rows[:, 2]]})
    margins = {}
    for col, k in (("a", k1), ("b", k2), ("c", k3)):
        p = rng.uniform(0.1, 1.0, k)
        margins[col] = {f"{col}{i}": float(v) for i, v in enumerate(p / p.sum())}
    base = rng.uniform(0.5, 2.0, len(frame))
    return frame, margins, base


@settings(max_examples=40, deadline=None)
@given(raking_cases())
def test_property_raked_weights_reproduce_every_margin(case):
    frame, margins, base = case
    margins = {v: {c: s / sum(m.values()) for c, s in m.items()} for v, m in margins.items()}
    w = rake(frame, margins, base_weights=base, tol=1e-10)
    assert np.all(w > 0)
    assert w.sum() == pytest.approx(len(frame))
    for var, target in margins.items():
        got = shares(frame, var, w)
        for cat, share in target.items():
            assert abs(got[cat] - share) <= 1e-9


def test_row_level_path_matches_cell_path(monkeypatch):
    import meethuis.stats.weights as W
    rng = np.random.default_rng(3)
    frame = pd.DataFrame({"a": rng.choice(list("xyz"), 500), "b": rng.choice(list("pq"), 500)})
    margins = {"a": {"x": 0.2, "y": 0.3, "z": 0.5}, "b": {"p": 0.45, "q": 0.55}}
    w_cells = rake(frame, margins)
    monkeypatch.setattr(W, "MAX_CELLS", 1)
    np.testing.assert_allclose(rake(frame, margins), w_cells, rtol=1e-9)


def test_trimming_respects_bounds_and_margins():
    rng = np.random.default_rng(7)
    frame = pd.DataFrame({"a": rng.choice(["x", "y", "z"], 400, p=[0.8, 0.15, 0.05]),
                          "b": rng.choice(["p", "q"], 400, p=[0.9, 0.1])})
    margins = {"a": {"x": 0.3, "y": 0.3, "z": 0.4}, "b": {"p": 0.5, "q": 0.5}}
    raw = rake(frame, margins)
    assert raw.max() / raw.mean() > 3  # trimming has work to do
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        w = rake(frame, margins, trim=(0.3, 3.0))
    for var, target in margins.items():
        got = shares(frame, var, w)
        assert all(abs(got[c] - s) < 1e-9 for c, s in target.items())
    # a feasible case: mild imbalance, bounds reached exactly and margins exact
    frame2 = pd.DataFrame({"a": rng.choice(["x", "y"], 300, p=[0.6, 0.4]), "b": rng.choice(["p", "q"], 300)})
    m2 = {"a": {"x": 0.5, "y": 0.5}, "b": {"p": 0.5, "q": 0.5}}
    w2 = rake(frame2, m2, base_weights=rng.uniform(0.2, 5, 300), trim=(0.5, 2.0))
    assert w2.max() / w2.mean() <= 2.0 + 1e-6 and w2.min() / w2.mean() >= 0.5 - 1e-6
    for var, target in m2.items():
        got = shares(frame2, var, w2)
        assert all(abs(got[c] - s) < 1e-9 for c, s in target.items())


def test_kish_closed_form():
    n_eff, deff = kish([1, 1, 2, 2])
    assert n_eff == pytest.approx(36 / 10)
    assert deff == pytest.approx(4 / 3.6)
    assert kish(np.ones(50)) == (50.0, 1.0)


# ---- bad input -----------------------------------------------------------------------------------
FRAME = pd.DataFrame({"kanaal": ["telefoon", "balie", "telefoon", "post"], "leeftijdsgroep": ["65+", "18-34"] * 2})
GOOD = {"kanaal": {"telefoon": 0.5, "balie": 0.3, "post": 0.2}}


def test_error_margins_not_summing_to_one():
    with pytest.raises(DataError, match="sum to 0.9") as err:
        rake(FRAME, {"kanaal": {"telefoon": 0.5, "balie": 0.2, "post": 0.2}})
    assert err.value.key == "weighting.margins.kanaal"


def test_error_shares_far_from_one_and_mixed_kinds():
    with pytest.raises(DataError, match="sum to 1.6"):
        rake(FRAME, {"kanaal": {"telefoon": 0.8, "balie": 0.4, "post": 0.4}})
    with pytest.raises(DataError, match="as shares .* as totals"):
        rake(FRAME, {"kanaal": GOOD["kanaal"], "leeftijdsgroep": {"65+": 600, "18-34": 400}})


def test_error_totals_disagree():
    with pytest.raises(DataError, match="totals differ"):
        rake(FRAME, {"kanaal": {"telefoon": 500, "balie": 300, "post": 200},
                     "leeftijdsgroep": {"65+": 600, "18-34": 600}})


def test_error_margin_column_missing():
    with pytest.raises(DataError, match="not a column") as err:
        rake(FRAME, {"opleiding": {"laag": 1.0}})
    assert err.value.column == "opleiding"


def test_error_respondent_category_missing_from_margins():
    with pytest.raises(DataError, match="'post'") as err:
        rake(FRAME, {"kanaal": {"telefoon": 0.6, "balie": 0.4}})
    assert err.value.row == 4 and err.value.column == "kanaal"


def test_error_margin_category_without_respondents():
    with pytest.raises(AnalysisError, match="'chat'.*no respondents"):
        rake(FRAME, {"kanaal": {"telefoon": 0.4, "balie": 0.3, "post": 0.2, "chat": 0.1}})


def test_zero_share_category_without_respondents_is_fine():
    w = rake(FRAME, {"kanaal": {"telefoon": 0.5, "balie": 0.3, "post": 0.2, "chat": 0.0}})
    assert shares(FRAME, "kanaal", w)["post"] == pytest.approx(0.2)


@pytest.mark.parametrize("bad", [[1, 0, 1, 1], [1, -1, 1, 1], [1, np.nan, 1, 1]])
def test_error_bad_base_weights(bad):
    with pytest.raises(DataError, match="positive and finite") as err:
        rake(FRAME, GOOD, base_weights=bad)
    assert err.value.row == 2


def test_error_non_convergence_says_which_margin():
    # structural zeros make the margins impossible: a=x only with b=p, a=y only with b=q
    frame = pd.DataFrame({"a": ["x", "x", "y", "y"], "b": ["p", "p", "q", "q"]})
    with pytest.raises(AnalysisError, match=r"did not converge.*margin '[ab]'.*off by"):
        rake(frame, {"a": {"x": 0.5, "y": 0.5}, "b": {"p": 0.3, "q": 0.7}}, max_iter=50)


def test_error_missing_margin_value_in_rake():
    frame = pd.DataFrame({"kanaal": ["telefoon", None, "balie", "post"]})
    with pytest.raises(DataError, match="missing") as err:
        rake(frame, GOOD)
    assert err.value.row == 2


# ---- survey_weights ------------------------------------------------------------------------------
def test_survey_weights_without_margins_is_one():
    w = survey_weights(FRAME, SimpleNamespace(margins={}, trim=None))
    assert (w == 1.0).all() and w.name == "gewicht"


def test_survey_weights_missing_margin_rows_keep_weight_one():
    frame = pd.DataFrame({"kanaal": pd.Categorical(["telefoon", "balie", None, "post", "telefoon", "balie"])})
    cfg = SimpleNamespace(margins={"kanaal": {"telefoon": 0.4, "balie": 0.4, "post": 0.2}}, trim=None)
    with pytest.warns(UserWarning, match="1 respondent"):
        w = survey_weights(frame, cfg)
    assert w.iloc[2] == 1.0
    complete = w.drop(index=2)
    assert complete.mean() == pytest.approx(1.0)
    # complete rows: telefoon 2 rows -> .4*5/2 = 1.0; balie 2 rows -> 1.0; post 1 row -> .2*5 = 1.0
    np.testing.assert_allclose(complete.to_numpy(), [1.0, 1.0, 1.0, 1.0, 1.0])
    with pytest.raises(DataError, match="no value for a margin") as err:
        survey_weights(frame, cfg, missing="error")
    assert err.value.row == 3


def test_survey_weights_unknown_margin_column():
    cfg = SimpleNamespace(margins={"opleiding": {"laag": 1.0}}, trim=None, path="org.yml")
    with pytest.raises(DataError, match="opleiding"):
        survey_weights(FRAME, cfg)


def test_weighted_shares():
    s = weighted_shares(FRAME, "kanaal", [1, 1, 2, 4])
    assert s["post"] == pytest.approx(0.5) and s["telefoon"] == pytest.approx(3 / 8)


def test_calibration_residuals_on_category_sums_equal_the_row_sweeps():
    """The sweeps run on category sums (cross-counts); reference: R survey's row-wise alternating projection."""
    from meethuis.stats.weights import Calibration, calibration_residuals

    rng = np.random.default_rng(7)
    n = 500
    codes = np.column_stack([rng.integers(0, 4, n), rng.integers(0, 3, n)])
    codes[rng.random(n) < 0.1, 1] = -1  # rows not raked on the second margin
    w = rng.uniform(0.5, 2.0, n)
    x = rng.normal(size=(n, 3))
    z = x / w[:, None]
    for _ in range(10):
        for j in range(codes.shape[1]):
            for c in np.unique(codes[codes[:, j] >= 0, j]):
                rows = codes[:, j] == c
                z[rows] -= z[rows].mean(axis=0)
    expected = z * w[:, None]
    calibration = Calibration(codes)
    np.testing.assert_allclose(calibration_residuals(x, w, calibration), expected, rtol=0, atol=1e-12)
    np.testing.assert_allclose(calibration_residuals(x[:, 0], w, calibration), expected[:, 0], rtol=0, atol=1e-12)


def test_design_variance_per_stratum_sums_equal_the_former_add_at_bit_for_bit():
    """Stratum sums by bincount (row order) give the former ``np.add.at`` result exactly; by hand on a tiny case."""
    from meethuis.stats.weights import design_variance

    def former(x, strata=None):
        z = np.asarray(x, dtype=float)
        one_d = z.ndim == 1
        z = z[:, None] if one_d else z
        strata = np.zeros(z.shape[0], dtype=np.int64) if strata is None else strata
        _, inv, counts = np.unique(strata, return_inverse=True, return_counts=True)
        sums = np.zeros((counts.size, z.shape[1]))
        np.add.at(sums, inv, z)
        centred = z - (sums / counts[:, None])[inv]
        ss = np.zeros_like(sums)
        np.add.at(ss, inv, centred ** 2)
        with np.errstate(divide="ignore", invalid="ignore"):
            factor = np.where(counts > 1, counts / (counts - 1.0), np.nan)
        var = np.nansum(ss * factor[:, None], axis=0)
        if np.any(counts == 1):
            var = np.where(np.any(ss[counts == 1] != 0, axis=0), np.nan, var)
        return var[0] if one_d else var

    rng = np.random.default_rng(3)
    x = rng.normal(size=(5000, 4)) * rng.uniform(0.1, 100, 4)
    strata = rng.choice(np.array([7, 3, 11, 3]), 5000)
    for args in ((x, strata), (x,), (x[:, 1],), (x[:, 1], strata), (x[:0, :2],), (x[:6], np.arange(6))):
        np.testing.assert_array_equal(design_variance(*args), former(*args))
    # by hand: strata {1, 2, 3} and {10, 14}: 3/2 * 2 + 2/1 * 8 = 19
    assert design_variance(np.array([1.0, 2, 3, 10, 14]), np.array([0, 0, 0, 1, 1])) == pytest.approx(19.0)


def test_calibration_residuals_without_gather_equal_the_former_row_selection():
    """Margins that cover every row subtract in place; margins with unraked rows (code -1) select them: both
    equal the former ``z[ok] -= a[inv]`` on a copy, bit for bit."""
    from meethuis.stats.weights import Calibration, calibration_residuals

    def former(x, weights, calibration, sweeps=10):
        z = x[:, None] / weights[:, None]
        margins, to_sums, counts, cross = calibration.sweep_plan
        sums = [t @ z for t in to_sums]
        adjust = [np.zeros_like(t) for t in sums]
        for _ in range(sweeps):
            for j in range(len(margins)):
                current = sums[j] - sum(cross[j, l] @ adjust[l] for l in range(len(margins)))
                adjust[j] = adjust[j] + current / counts[j][:, None]
        z = z.copy()
        for (ok, inv, _), a in zip(margins, adjust):
            z[ok] -= a[inv]
        return (z * weights[:, None])[:, 0]

    rng = np.random.default_rng(5)
    n = 3000
    codes = np.column_stack([rng.integers(0, 4, n), rng.integers(0, 3, n)])
    codes[rng.random(n) < 0.05, 1] = -1  # the second margin leaves some rows unraked
    w = rng.uniform(0.3, 3.0, n)
    x = w * (rng.normal(size=n) - 0.2) / w.sum()
    for c in (codes, codes[:, :1]):
        cal = Calibration(c.astype(np.int64))
        np.testing.assert_array_equal(calibration_residuals(x, w, cal), former(x, w, cal))


def test_calibration_codes_made_per_distinct_value_equal_the_former_text_codes():
    """calibration_of writes each distinct value's text once and reuses an equal calibration (and its sweep
    plan): codes and strata equal the former factorize of every row's text; foreign shapes (categorical with
    unused categories, mixed 1 / '1', integers, missing values, raking within quarters)."""
    from meethuis.stats.weights import calibration_of

    def former(responses, margins, within=None):
        strata = None
        if within is not None:
            strata = pd.factorize(responses[within].astype("string"), use_na_sentinel=True)[0]
            strata = np.where(strata < 0, strata.max() + 1, strata)
        codes = np.column_stack([pd.factorize(responses[m].astype("string"), use_na_sentinel=True)[0]
                                 for m in margins]).astype(np.int64)
        if strata is not None:
            width = codes.max(initial=0) + 1
            codes = np.where(codes < 0, -1, strata[:, None] * width + codes)
        return codes, strata

    rng = np.random.default_rng(8)
    n = 500
    responses = pd.DataFrame({
        "leeftijd": pd.Categorical(rng.choice(["65+", "18-34", None], n), categories=["18-34", "35-49", "65+"]),
        "mixed": rng.choice(np.array([1, "1", "2", None], dtype=object), n),
        "code": rng.integers(1, 4, n),
        "periode": rng.choice(["2026Q2", "2026Q1", None], n, p=[0.5, 0.45, 0.05]),
    })
    margins = ["leeftijd", "mixed", "code"]
    for within in (None, "periode"):
        weights = pd.Series(1.0, index=responses.index)
        weights.attrs["calibration"] = {"margins": margins, "within": within}
        cal = calibration_of(responses, weights)
        codes, strata = former(responses, margins, within)
        np.testing.assert_array_equal(cal.codes, codes)
        if within is None:
            assert cal.strata is None
        else:
            np.testing.assert_array_equal(cal.strata, strata)
        plan = cal.sweep_plan
        again = calibration_of(responses.copy(), weights.copy())
        assert again is cal and again.sweep_plan is plan  # equal content: made once

"""Random-effects meta-analysis against a hand-worked example, statsmodels and a brute-force REML fit."""
from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import optimize, stats
from statsmodels.stats.meta_analysis import combine_effects

from meethuis.common.errors import AnalysisError
from meethuis.stats import meta


def test_dersimonian_laird_by_hand():
    # y = (0.1, 0.3, 0.5), v = (0.01, 0.02, 0.04): w = (100, 50, 25), sum w = 175,
    # fixed mean 37.5 / 175 = 0.2142857; Q = 1.306122 + 0.367347 + 2.040816 = 3.714286;
    # C = 175 - 13125 / 175 = 100; tau2 = (3.714286 - 2) / 100 = 0.01714286;
    # w* = 1 / (v + tau2) = (36.842105, 26.923077, 17.5); mu = (3.6842105 + 8.0769231 + 8.75) / 81.265182
    pooled = meta.random_effects([0.1, 0.3, 0.5], np.sqrt([0.01, 0.02, 0.04]), method="dl")
    assert pooled.q == pytest.approx(26 / 7, abs=1e-12)
    assert pooled.tau2 == pytest.approx(0.12 / 7, abs=1e-12)
    w = 1 / (np.array([0.01, 0.02, 0.04]) + 0.12 / 7)
    assert pooled.estimate == pytest.approx((0.1 * w[0] + 0.3 * w[1] + 0.5 * w[2]) / w.sum(), abs=1e-12)
    assert pooled.estimate == pytest.approx(0.252398, abs=1e-6)
    assert pooled.se == pytest.approx(math.sqrt(1 / w.sum()), abs=1e-12)
    assert pooled.i2 == pytest.approx((26 / 7 - 2) / (26 / 7), abs=1e-12)
    assert pooled.k == 3


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_dersimonian_laird_matches_statsmodels_combine_effects(seed):
    rng = np.random.default_rng(seed)
    k = 25
    se = rng.uniform(0.01, 0.05, k)
    y = 0.2 + rng.normal(0, 0.03, k) + rng.normal(0, se)
    ours = meta.random_effects(y, se, method="dl")
    ref = combine_effects(y, se ** 2, method_re="dl")
    frame = ref.summary_frame()
    assert ours.tau2 == pytest.approx(ref.tau2, rel=1e-10, abs=1e-14)
    assert ours.q == pytest.approx(ref.q, rel=1e-10)
    assert ours.i2 == pytest.approx(ref.i2, rel=1e-10)
    assert ours.estimate == pytest.approx(frame.loc["random effect", "eff"], rel=1e-10)
    assert ours.se == pytest.approx(frame.loc["random effect", "sd_eff"], rel=1e-10)
    assert ours.ci_low == pytest.approx(frame.loc["random effect", "ci_low"], rel=1e-10)
    assert ours.ci_high == pytest.approx(frame.loc["random effect", "ci_upp"], rel=1e-10)


def _neg_restricted_loglik(tau2, y, v):
    w = 1 / (v + tau2)
    mu = np.sum(w * y) / w.sum()
    return 0.5 * (np.sum(np.log(v + tau2)) + math.log(w.sum()) + np.sum(w * (y - mu) ** 2))


@pytest.mark.parametrize("seed", [4, 5, 6])
def test_reml_maximises_the_restricted_likelihood(seed):
    rng = np.random.default_rng(seed)
    k = 30
    se = rng.uniform(0.01, 0.06, k)
    y = 0.15 + rng.normal(0, 0.04, k) + rng.normal(0, se)
    ours = meta.random_effects(y, se, method="reml")
    v = se ** 2
    best = optimize.minimize_scalar(_neg_restricted_loglik, bounds=(0, 1), args=(y, v), method="bounded",
                                    options={"xatol": 1e-14})
    assert ours.tau2 == pytest.approx(best.x, rel=1e-5)
    w = 1 / (v + ours.tau2)
    assert ours.estimate == pytest.approx(np.sum(w * y) / w.sum(), rel=1e-12)


def test_reml_is_zero_without_heterogeneity_and_prediction_interval_uses_t():
    y = np.array([0.2, 0.2001, 0.1999, 0.2])
    pooled = meta.random_effects(y, [0.05] * 4, method="reml")
    assert pooled.tau2 == 0.0
    half = stats.t.ppf(0.975, 2) * math.sqrt(pooled.tau2 + pooled.se ** 2)
    assert pooled.pi_high - pooled.estimate == pytest.approx(half)


def test_known_truth_coverage_of_the_pooled_interval():
    # 400 simulated meta-analyses of 40 organisations: the 95% interval covers the true mean 93-97% of the time
    rng = np.random.default_rng(7)
    hits = 0
    for _ in range(400):
        se = rng.uniform(0.01, 0.04, 40)
        y = 0.25 + rng.normal(0, 0.03, 40) + rng.normal(0, se)
        p = meta.random_effects(y, se)
        hits += p.ci_low <= 0.25 <= p.ci_high
    assert 0.93 <= hits / 400 <= 0.97


@pytest.mark.parametrize("y, se, method", [([0.1], [0.1], "dl"), ([0.1, 0.2], [0.1, 0.0], "dl"),
                                           ([0.1, float("nan")], [0.1, 0.1], "dl"), ([0.1, 0.2], [0.1, 0.1], "x")])
def test_bad_input_is_an_analysis_error(y, se, method):
    with pytest.raises(AnalysisError):
        meta.random_effects(y, se, method=method)

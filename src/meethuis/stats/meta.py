"""Random-effects meta-analysis: one pooled estimate from many organisations' estimates and their errors.

Used by the community report to pool each driver's importance across organisations ("which knobs matter
everywhere and which are local"). Model: ``y_i = mu + u_i + e_i`` with ``u_i ~ N(0, tau2)`` (the real
between-organisation spread) and ``e_i ~ N(0, v_i)`` (sampling error, ``v_i = se_i**2``, taken as known).

* ``tau2`` by DerSimonian–Laird (moments, the classic default; DerSimonian & Laird 1986) or by REML
  (Fisher scoring of the restricted likelihood; Viechtbauer 2005);
* ``mu`` as the inverse-variance weighted mean with weights ``1 / (v_i + tau2)``, its standard error
  ``sqrt(1 / sum w_i)`` and a normal 95% interval (as ``statsmodels.stats.meta_analysis.combine_effects``);
* Cochran's ``Q``, ``I2 = max(0, (Q - (k - 1)) / Q)`` and the 95% prediction interval of a new
  organisation's true value ``mu +- t_{k-2} sqrt(tau2 + se**2)`` (Higgins, Thompson & Spiegelhalter 2009).
"""
from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import Sequence

import numpy as np
from scipy import stats

from meethuis.common.errors import AnalysisError

METHODS = ("dl", "reml")


@dataclass(frozen=True)
class Pooled:
    """A random-effects pooled estimate (see the module docstring for the formulas)."""

    estimate: float
    se: float
    ci_low: float
    ci_high: float
    tau2: float
    i2: float
    q: float
    k: int
    pi_low: float
    pi_high: float
    method: str

    def to_dict(self) -> dict:
        return asdict(self)


def _pooled_mean(y: np.ndarray, v: np.ndarray, tau2: float) -> tuple[float, float]:
    w = 1.0 / (v + tau2)
    return float(np.sum(w * y) / w.sum()), float(math.sqrt(1.0 / w.sum()))


def tau2_dl(y: np.ndarray, v: np.ndarray) -> float:
    """DerSimonian–Laird moment estimate of the between-study variance (0 when ``Q <= k - 1``)."""
    w = 1.0 / v
    mu = np.sum(w * y) / w.sum()
    q = float(np.sum(w * (y - mu) ** 2))
    c = float(w.sum() - np.sum(w ** 2) / w.sum())
    return max(0.0, (q - (len(y) - 1)) / c) if c > 0 else 0.0


def tau2_reml(y: np.ndarray, v: np.ndarray, tol: float = 1e-12, max_iter: int = 200) -> float:
    """REML estimate of the between-study variance by Fisher scoring, started at the DL value, kept >= 0.

    Raises
    ------
    AnalysisError
        When the iteration does not converge.
    """
    tau2 = tau2_dl(y, v)
    for _ in range(max_iter):
        w = 1.0 / (v + tau2)
        mu = np.sum(w * y) / w.sum()
        # score and expected information of the restricted log-likelihood (Viechtbauer 2005, eq. 12)
        p_trace = w.sum() - np.sum(w ** 2) / w.sum()
        score = 0.5 * (np.sum(w ** 2 * (y - mu) ** 2) - p_trace)
        w2 = w ** 2
        info = 0.5 * (np.sum(w2) - 2 * np.sum(w ** 3) / w.sum() + (np.sum(w2) / w.sum()) ** 2)
        step = score / info
        new = max(0.0, tau2 + step)
        if abs(new - tau2) < tol * max(1.0, tau2):
            return new
        tau2 = new
    raise AnalysisError("the REML estimate of the between-organisation variance did not converge",
                        hint="use method='dl'")


def random_effects(estimates: Sequence[float], se: Sequence[float], method: str = "dl",
                   level: float = 0.95) -> Pooled:
    """Pool estimates with known standard errors under a random-effects model.

    Parameters
    ----------
    estimates, se:
        One estimate and its standard error per organisation (finite, ``se > 0``).
    method:
        ``"dl"`` (DerSimonian–Laird) or ``"reml"``.
    level:
        Level of the confidence and prediction intervals.

    Returns
    -------
    Pooled
        ``estimate, se, ci_low, ci_high, tau2, i2, q, k, pi_low, pi_high, method``; the prediction
        interval needs ``k >= 3`` (else NaN).

    Raises
    ------
    AnalysisError
        Fewer than two estimates, a non-positive or missing standard error, or an unknown method.
    """
    y = np.asarray(estimates, dtype=float)
    s = np.asarray(se, dtype=float)
    if method not in METHODS:
        raise AnalysisError(f"unknown meta-analysis method '{method}'", key="method", hint="use dl or reml")
    if y.shape != s.shape or y.ndim != 1:
        raise AnalysisError("estimates and standard errors must be two lists of the same length")
    if len(y) < 2:
        raise AnalysisError(f"a meta-analysis needs at least 2 estimates, got {len(y)}")
    if not (np.all(np.isfinite(y)) and np.all(np.isfinite(s)) and np.all(s > 0)):
        raise AnalysisError("every estimate needs a finite value and a standard error above 0",
                            hint="leave out organisations without an interval")
    v = s ** 2
    tau2 = tau2_dl(y, v) if method == "dl" else tau2_reml(y, v)
    mu, se_mu = _pooled_mean(y, v, tau2)
    w = 1.0 / v
    mu_fe = np.sum(w * y) / w.sum()
    q = float(np.sum(w * (y - mu_fe) ** 2))
    k = len(y)
    i2 = max(0.0, (q - (k - 1)) / q) if q > 0 else 0.0
    z = stats.norm.ppf(0.5 + level / 2)
    if k >= 3:
        half = stats.t.ppf(0.5 + level / 2, k - 2) * math.sqrt(tau2 + se_mu ** 2)
        pi_low, pi_high = mu - half, mu + half
    else:
        pi_low = pi_high = math.nan
    return Pooled(estimate=mu, se=se_mu, ci_low=mu - z * se_mu, ci_high=mu + z * se_mu, tau2=tau2, i2=i2, q=q,
                  k=k, pi_low=pi_low, pi_high=pi_high, method=method)

"""KPIs with confidence intervals, weighted or not, overall and by segment, and goal comparison.

Standard errors are design-based: the estimator is linearised (Taylor), its influence values are
residualised on the raking margins when the weights were raked, and the variance is the with-replacement
variance of those values over all respondents (R ``survey``: ``svymean``/``svyby`` on
``rake(svydesign(ids = ~1, weights = ~w), ...)``; ``tests/fixtures/r_survey_reference.R``). A segment or
quarter is a *domain*: its influence values are zero outside it, so the variance keeps the whole design.
Intervals use the t distribution with the design's degrees of freedom (respondents in the domain minus
the number of strata). Shares get a logit interval (``svyciprop(method = "logit")``), the NPS an adjusted
Wald interval (Rocks 2016) on the design-effective sample size. Kish's effective sample size ``n_eff``
is reported as a description of the weights only.

KPI names (as used by goals): ``<item>_mean``, ``<item>_top2`` (1-5 items: share answering 4 or 5),
``<item>_voldoende`` (grade >= 6), ``<item>_share8`` (grade >= 8), ``nps`` (item ``aanbeveling``).
Shares are fractions 0-1; the NPS is in points from -100 to +100.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterable, Sequence

import numpy as np
import pandas as pd
from scipy import special

from meethuis.stats.disclosure import TOTAL, protect_table
from meethuis.stats.weights import Calibration, calibration_of, calibration_residuals, design_variance
from meethuis.common import vocabulary as _vocabulary
from meethuis.common.errors import AnalysisError, DataError

COLUMNS = ["kpi", "item", "statistic", "estimate", "ci_low", "ci_high", "se", "df", "n", "n_eff", "suppressed",
           "reason"]
STATISTICS = ("mean", "top2", "voldoende", "share8", "nps", "share")
NPS_PSEUDO = (0.75, 0.75, 3.0)  # adjusted Wald (Rocks 2016): add 3/4 promoter, 3/4 detractor, 3 respondents
GOAL_STATUS = _vocabulary.GOAL_STATUS  # reader words live in meethuis.common.vocabulary


@dataclass(frozen=True)
class Estimate:
    """One estimate with its confidence interval; ``reason`` explains a NaN.

    ``se`` is the linearised (design-based) standard error, ``df`` the design degrees of freedom of the
    interval, ``n_eff`` Kish's effective sample size (a description of the weights).
    """

    estimate: float
    ci_low: float
    ci_high: float
    se: float
    n: int
    n_eff: float
    reason: str | None = None
    df: float = np.nan


def _check_weights(w: np.ndarray, size: int, what: str = "values", hint: str = "give one weight per respondent"
                   ) -> np.ndarray:
    """``w`` when it holds one positive, finite weight per value; else a DataError naming the first bad row."""
    if w.shape != (size,):
        raise DataError(f"{w.size} weights for {size} {what}", hint=hint)
    bad = ~np.isfinite(w) | (w <= 0)
    if bad.any():
        raise DataError(f"weights must be positive and finite; {int(bad.sum())} are not",
                        row=int(np.flatnonzero(bad)[0]) + 1, column="gewicht",
                        hint="check weighting.margins in the config: a category with share 0 gives its "
                             "respondents weight 0; remove it from the margins")
    return w


def _n_eff(w: np.ndarray) -> float:
    return float(w.sum() ** 2 / np.square(w).sum()) if w.size else 0.0


def _empty(n: int = 0, n_eff: float = 0.0, reason: str = "no_data", estimate: float = np.nan) -> Estimate:
    return Estimate(estimate, np.nan, np.nan, np.nan, n, n_eff, reason)


def t_quantile(df: float, level: float = 0.95) -> float:
    """Two-sided t quantile for ``level`` on ``df`` degrees of freedom (normal when ``df`` is infinite)."""
    if not np.isfinite(df):
        return float(special.ndtri(0.5 + level / 2))
    return float(special.stdtrit(df, 0.5 + level / 2))


_DOMAIN_BLOCK = 4 * 2**20  # values per block of domains' influence columns (32 MB: 4 domains at 1M rows)


def domain_estimates(values: Any, kind: str, weights: Any = None, domains: Sequence[np.ndarray] | None = None,
                     calibration: Calibration | None = None, level: float = 0.95) -> list[Estimate]:
    """Estimates with linearised standard errors for several domains of one design at once.

    Parameters
    ----------
    values:
        One value per respondent of the whole design (NaN = not answered): the answer for ``mean``,
        0/1 for ``share``, 0-10 for ``nps``.
    kind:
        ``"mean"``, ``"share"`` or ``"nps"``.
    weights:
        Positive weights, one per respondent; ``None`` for 1.
    domains:
        Boolean masks over the respondents (segments, quarters); default the whole sample.
    calibration:
        The raking margins behind ``weights`` (:func:`meethuis.stats.weights.calibration_of`).
    level:
        Confidence level.

    Returns
    -------
    list of Estimate
        One per domain. ``reason="no_data"`` without answers, ``"too_few"`` (NaN interval) below 2.

    Raises
    ------
    DataError
        Bad weights, non-0/1 shares, NPS answers outside 0-10.
    """
    x = np.asarray(values, dtype=float).reshape(-1)
    w = np.ones_like(x) if weights is None else _check_weights(np.asarray(weights, dtype=float).reshape(-1), x.size)
    answered = ~np.isnan(x)
    if kind == "share" and not np.isin(x[answered], (0.0, 1.0)).all():
        raise DataError("a proportion needs 0/1 answers", hint="pass e.g. (values >= 4) with NaN kept")
    if kind == "nps":
        if ((x[answered] < 0) | (x[answered] > 10)).any():
            raise DataError("NPS answers must lie between 0 and 10", hint="check the recode of 'aanbeveling'")
        score = np.where(x >= 9, 1.0, np.where(x <= 6, -1.0, 0.0))
    elif kind in ("mean", "share"):
        score = x
    else:
        raise AnalysisError(f"unknown estimator kind '{kind}'", hint="use mean, share or nps")
    domains = [np.ones(x.size, dtype=bool)] if domains is None else [np.asarray(d, dtype=bool) for d in domains]
    masks = [d & answered for d in domains]
    sizes = [int(m.sum()) for m in masks]
    means = np.full(len(masks), np.nan)
    sums = np.full(len(masks), np.nan)
    rows = [(w[m], score[m]) if sizes[j] else (None, None) for j, m in enumerate(masks)]  # selected once
    for j, m in enumerate(masks):
        if sizes[j] == 0:
            continue
        wm, sm = rows[j]
        sums[j] = wm.sum()
        means[j] = float(np.dot(wm, sm) / sums[j])

    def influence(columns: list[int]) -> np.ndarray:  # the domains' influence values over the whole design
        block = np.zeros((x.size, len(columns)))
        for k, j in enumerate(columns):
            wm, sm = rows[j]
            block[masks[j], k] = wm * (sm - means[j]) / sums[j]
        return block

    live = [j for j, k in enumerate(sizes) if k >= 2]
    var = np.full(len(masks), np.nan)
    if live and calibration is not None:  # raked: a domain keeps the whole design (R: weight 0 outside)
        # a few domains at a time: the (rows x domains) arrays stay small at a million rows
        step = max(1, _DOMAIN_BLOCK // max(x.size, 1))
        for lo in range(0, len(live), step):
            part = live[lo:lo + step]
            var[part] = design_variance(calibration_residuals(influence(part), w, calibration), calibration.strata)
    elif live:  # not raked: a domain is a design of its own rows (R: subset drops the other rows)
        for j in live:
            var[j] = design_variance(influence([j])[masks[j], 0])
    strata = None if calibration is None else calibration.strata
    out = []
    for j, m in enumerate(masks):
        n = sizes[j]
        wm, sm = rows[j] if n else (w[m], score[m])
        ne = _n_eff(wm)
        point = 100 * means[j] if kind == "nps" else means[j]
        if n == 0:
            out.append(_empty())
            continue
        if n < 2 or not np.isfinite(var[j]):
            out.append(_empty(n, ne, "too_few", estimate=point))
            continue
        df = float(n - (np.unique(strata[m]).size if strata is not None else 1))
        se = float(np.sqrt(max(var[j], 0.0)))
        if kind == "mean":
            t = t_quantile(df, level)
            out.append(Estimate(point, point - t * se, point + t * se, se, n, ne, None, df))
        elif kind == "share":
            lo, hi = logit_interval(means[j], se, df, level, n_eff=ne)
            out.append(Estimate(point, lo, hi, se, n, ne, None, df))
        else:
            p = float(np.dot(wm, sm > 0) / wm.sum())
            d = float(np.dot(wm, sm < 0) / wm.sum())
            lo, hi = nps_interval(p, d, se, df, level, n_eff=ne)
            out.append(Estimate(point, lo, hi, 100 * se, n, ne, None, df))
    return out


@dataclass(frozen=True)
class Difference:
    """A difference between two groups with its design-based t test."""

    difference: float
    se: float
    t: float
    df: float
    p: float


def domain_difference(values: Any, first: np.ndarray, second: np.ndarray, weights: Any = None,
                      calibration: Calibration | None = None, kind: str = "mean") -> Difference:
    """Design-based t test of ``mean(second) - mean(first)`` for two groups of one design (R ``svyttest``).

    The influence values of the two domain means are subtracted, residualised on the raking margins and
    their variance taken over the design; ``df`` is the design df of the answered rows minus 1.

    Parameters
    ----------
    values:
        One value per respondent (NaN = not answered); 0/1 for shares, 0-10 for the NPS.
    first, second:
        Boolean masks of the two groups (disjoint).
    weights, calibration:
        As :func:`domain_estimates`.
    kind:
        ``"mean"``, ``"share"`` or ``"nps"`` (the NPS difference is in points).

    Returns
    -------
    Difference
        NaN fields when a group has no answers.
    """
    x = np.asarray(values, dtype=float).reshape(-1)
    w = np.ones_like(x) if weights is None else _check_weights(np.asarray(weights, dtype=float).reshape(-1), x.size)
    score = np.where(x >= 9, 1.0, np.where(x <= 6, -1.0, 0.0)) if kind == "nps" else x
    answered = ~np.isnan(x)
    a, b = np.asarray(first, bool) & answered, np.asarray(second, bool) & answered
    if a.sum() == 0 or b.sum() == 0 or a.sum() + b.sum() < 3:
        return Difference(np.nan, np.nan, np.nan, np.nan, np.nan)
    infl = np.zeros(x.size)
    means = []
    for m, sign in ((a, -1.0), (b, 1.0)):
        sw = w[m].sum()
        mean = float(np.dot(w[m], score[m]) / sw)
        infl[m] += sign * w[m] * (score[m] - mean) / sw
        means.append(mean)
    if calibration is not None:
        var = float(design_variance(calibration_residuals(infl, w, calibration), calibration.strata))
        strata = calibration.strata
    else:
        var = float(design_variance(infl[a | b]))
        strata = None
    used = answered if calibration is not None else (a | b)
    df = float(used.sum() - (np.unique(strata[used]).size if strata is not None else 1) - 1)
    scale = 100.0 if kind == "nps" else 1.0
    diff, se = scale * (means[1] - means[0]), scale * np.sqrt(max(var, 0.0))
    from scipy import stats

    t = diff / se if se > 0 else np.nan
    return Difference(diff, se, t, df, float(2 * stats.t.sf(abs(t), df)) if np.isfinite(t) else np.nan)


def mean_ci(values: Any, weights: Any = None, level: float = 0.95, calibration: Calibration | None = None
            ) -> Estimate:
    """Mean with a t-interval on the linearised standard error and the design degrees of freedom.

    ``m = sum(w x) / sum(w)``; influence values ``u = w (x - m) / sum(w)`` (residualised on the raking
    margins when ``calibration`` is given); ``se^2 = n / (n - 1) sum (u - mean u)^2``; CI
    ``m +- t(1 - a/2, n - 1) se``. Unweighted this is the textbook ``s / sqrt(n)`` t-interval.

    Parameters
    ----------
    values:
        Answers (NaN = not answered, ignored).
    weights:
        Optional positive weights, one per value.
    level:
        Confidence level.
    calibration:
        The raking margins behind ``weights`` (:func:`meethuis.stats.weights.calibration_of`).

    Returns
    -------
    Estimate
        NaN with ``reason="no_data"`` when nothing is answered, NaN CI with ``reason="too_few"`` when
        fewer than 2 answers.

    Raises
    ------
    DataError
        Weights that are missing, zero or negative.
    """
    return _single(values, "mean", weights, level, calibration)


def _single(values: Any, kind: str, weights: Any, level: float, calibration: Calibration | None) -> Estimate:
    x = np.asarray(values, dtype=float).reshape(-1)
    if calibration is None:  # without a design, unanswered rows carry nothing: drop them
        keep = ~np.isnan(x)
        if weights is not None:
            w = np.asarray(weights, dtype=float).reshape(-1)
            _check_weights(w, x.size)
            weights = w[keep]
        x = x[keep]
    return domain_estimates(x, kind, weights, None, calibration, level)[0]


def logit_interval(p: float, se: float, df: float, level: float = 0.95, n_eff: float | None = None
                   ) -> tuple[float, float]:
    """Logit interval of a share: ``expit(logit p +- t(df) se / (p (1 - p)))`` (R ``svyciprop``, "logit").

    At ``p = 0`` or ``1`` (no spread to linearise) the exact Clopper-Pearson bound on the Kish effective
    size ``n_eff`` is used (Korn & Graubard 1998).
    """
    if np.isnan(p) or np.isnan(se):
        return np.nan, np.nan
    if p <= 0 or p >= 1 or se <= 0:
        from scipy import stats

        n = max(float(n_eff or 1.0), 1.0)
        a = 1 - level
        if p <= 0:
            return 0.0, float(stats.beta.ppf(1 - a / 2, 1, n))
        if p >= 1:
            return float(stats.beta.ppf(a / 2, n, 1)), 1.0
        return p, p
    t = t_quantile(df, level)
    centre = float(special.logit(p))
    half = t * se / (p * (1 - p))
    return float(special.expit(centre - half)), float(special.expit(centre + half))


def nps_interval(promoters: float, detractors: float, se: float, df: float, level: float = 0.95,
                 n_eff: float | None = None) -> tuple[float, float]:
    """Adjusted Wald interval of the NPS in points (Rocks 2016), on the design-effective sample size.

    The design-effective size is ``n* = (P + D - (P - D)^2) / se^2`` (the multinomial variance over the
    linearised one; Kish ``n_eff`` when that is undefined). Then 3/4 promoter, 3/4 detractor and 3
    respondents are added: ``P' = (n* P + 3/4) / (n* + 3)``, likewise ``D'``; the interval is
    ``100 (P' - D' +- t(df) sqrt((P' + D' - (P' - D')^2) / (n* + 3)))``, clipped to [-100, 100]. This
    keeps 95 % coverage at 10-20 respondents, where the plain normal interval does not.
    """
    if np.isnan(promoters) or np.isnan(se):
        return np.nan, np.nan
    spread = promoters + detractors - (promoters - detractors) ** 2
    n_star = spread / se ** 2 if se > 0 and spread > 0 else float(n_eff or 1.0)
    add_p, add_d, add_n = NPS_PSEUDO
    p2 = (n_star * promoters + add_p) / (n_star + add_n)
    d2 = (n_star * detractors + add_d) / (n_star + add_n)
    centre = p2 - d2
    half = t_quantile(df, level) * np.sqrt(max(p2 + d2 - centre ** 2, 0.0) / (n_star + add_n))
    return float(max(-100.0, 100 * (centre - half))), float(min(100.0, 100 * (centre + half)))


def proportion_ci(indicator: Any, weights: Any = None, level: float = 0.95,
                  calibration: Calibration | None = None) -> Estimate:
    """Share of answers that meet a criterion, with a logit interval on the linearised standard error.

    ``p = sum(w * y) / sum(w)`` for ``y`` in {0, 1}; ``se`` linearised as in :func:`mean_ci`; the CI is
    :func:`logit_interval` with the design degrees of freedom.

    Parameters
    ----------
    indicator:
        1/0 (or True/False) per answer; NaN = not answered.
    weights, level, calibration:
        As :func:`mean_ci`.

    Returns
    -------
    Estimate
        The share (0-1) and its logit interval; ``reason`` as :func:`mean_ci`.

    Raises
    ------
    DataError
        Answers other than 0/1; bad weights.
    """
    return _single(indicator, "share", weights, level, calibration)


def wilson_interval(p: float, n_eff: float, level: float = 0.95) -> tuple[float, float]:
    """Wilson score interval for a share ``p`` on ``n_eff`` (effective) observations.

    ``(p + z^2/2n +- z sqrt(p(1-p)/n + z^2/4n^2)) / (1 + z^2/n)`` with ``z`` the normal quantile.
    """
    if n_eff <= 0 or np.isnan(p):
        return np.nan, np.nan
    z = float(special.ndtri(0.5 + level / 2))
    z2n = z * z / n_eff
    centre = (p + z2n / 2) / (1 + z2n)
    half = z * np.sqrt(p * (1 - p) / n_eff + z2n / (4 * n_eff)) / (1 + z2n)
    return float(max(0.0, centre - half)), float(min(1.0, centre + half))


def nps_ci(values: Any, weights: Any = None, level: float = 0.95, calibration: Calibration | None = None
           ) -> Estimate:
    """Net Promoter Score (promoters 9-10 minus detractors 0-6, in points -100..100) with its interval.

    The NPS is the mean of the score +1 (promoter), 0, -1 (detractor); its ``se`` is linearised as in
    :func:`mean_ci`, its interval the small-sample-safe :func:`nps_interval`.

    Parameters
    ----------
    values:
        Answers 0-10 (NaN = not answered).
    weights, level, calibration:
        As :func:`mean_ci`.

    Returns
    -------
    Estimate
        The NPS in points (-100 to 100) and its :func:`nps_interval`; ``reason`` as :func:`mean_ci`.

    Raises
    ------
    DataError
        Answers outside 0-10; bad weights.
    """
    return _single(values, "nps", weights, level, calibration)


def statistics_for(item: str, codebook: Any = None) -> list[str]:
    """The KPI statistics of an item from its scale: grade -> mean, voldoende, share8; 1-5 -> mean, top2; NPS."""
    scale = _scale(item, codebook)
    if scale is None:
        return ["mean"]
    if scale.kind == "nps":
        return ["nps"]
    if scale.kind == "grade":
        return ["mean", "voldoende", "share8"]
    if scale.kind == "binary":
        return ["share"]  # a 0/1 outcome: the share of 1 (its mean), never a mean "grade"
    if scale.kind == "range" and (scale.min, scale.max) != (1, 5):
        return ["mean"]
    return ["mean", "top2"]


def _scale(item: str, codebook: Any = None) -> Any:
    if codebook is None:
        from meethuis.intake.codebook import load_codebook
        codebook = load_codebook()
    it = codebook.items.get(item)
    return it.scale if it is not None else None


def kpi_name(item: str, statistic: str) -> str:
    """Goal-style KPI name: ``nps`` or ``<item>_<statistic>``."""
    return "nps" if statistic == "nps" else f"{item}_{statistic}"


def statistic_scores(values: Any, statistic: str, scale: Any = None) -> tuple[np.ndarray, str]:
    """The per-respondent score of a KPI statistic and its estimator kind (``mean``, ``share``, ``nps``)."""
    x = np.asarray(values, dtype=float)
    if statistic == "mean":
        return x, "mean"
    if statistic == "nps":
        return x, "nps"
    if statistic == "top2":
        threshold = scale.top2_threshold() if scale is not None else 4
    elif statistic == "share":
        threshold = scale.max if scale is not None else 1
    elif statistic == "voldoende":
        threshold = 6
    elif statistic == "share8":
        threshold = 8
    else:
        raise AnalysisError(f"unknown statistic '{statistic}'", hint=f"use one of {', '.join(STATISTICS)}")
    return np.where(np.isnan(x), np.nan, (x >= threshold).astype(float)), "share"


def estimate(values: Any, statistic: str, weights: Any = None, level: float = 0.95, scale: Any = None,
             calibration: Calibration | None = None) -> Estimate:
    """One KPI statistic of a vector of answers (see module docstring for the statistics)."""
    score, kind = statistic_scores(values, statistic, scale)
    return _single(score, kind, weights, level, calibration)


def _weights_array(responses: pd.DataFrame, weights: Any) -> np.ndarray | None:
    if weights is None:
        return None
    if isinstance(weights, str):
        if weights not in responses.columns:
            raise DataError(f"weight column '{weights}' not found", column=weights)
        weights = responses[weights]
    if isinstance(weights, pd.Series):
        if not weights.index.equals(responses.index):
            weights = weights.reindex(responses.index)
        w = weights.to_numpy(dtype=float)
    else:
        w = np.asarray(weights, dtype=float).reshape(-1)
    return _check_weights(w, len(responses), "respondents", "give one weight per row")


def _as_list(by: str | Sequence[str] | None) -> list[str]:
    if by is None:
        return []
    return [by] if isinstance(by, str) else list(by)


def kpi_table(responses: pd.DataFrame, items: Iterable[str] | None = None, by: str | Sequence[str] | None = None,
              weights: Any = None, min_cell: int = 10, level: float = 0.95, codebook: Any = None,
              statistics: Sequence[str] | None = None, total: bool = False, protect: bool = True,
              calibration: Calibration | None = None, hidden: Any = None) -> pd.DataFrame:
    """The core KPIs per item, overall or broken down by one or two context columns, disclosure-protected.

    Parameters
    ----------
    responses:
        ``Survey.responses`` (items as float with NaN for missing answers).
    items:
        Item ids; default every codebook outcome present in ``responses``.
    by:
        None, a context column (``"kanaal"``) or two for a two-way table. Rows with a missing
        value in a ``by`` column are left out of the breakdown.
    weights:
        None, a weight column name, or one weight per row (e.g. ``weights.survey_weights``).
    min_cell:
        Cells with fewer answers are suppressed (see :func:`disclosure.protect_table`).
    level:
        Confidence level of the intervals.
    codebook:
        For the items' scales (default the packaged codebook).
    statistics:
        Restrict to these statistics (default: all that fit each item's scale).
    total:
        With ``by``: add margin rows (value ``disclosure.TOTAL``) and, for two-way tables, the grand total.
    protect:
        Pass the result through ``protect_table`` (leave True for anything published).
    calibration:
        The raking margins behind the weights, for the linearised variance; default read from a
        weights Series made by :func:`meethuis.stats.weights.survey_weights`.
    hidden:
        The report's groups hidden everywhere (:func:`meethuis.stats.disclosure.hidden_groups`).

    Returns
    -------
    pandas.DataFrame
        Columns ``kpi, item, statistic, <by...>, estimate, ci_low, ci_high, se, df, n, n_eff, suppressed,
        reason`` (plus ``weighted``); ``se`` linearised, ``df`` the design degrees of freedom. ``attrs`` hold ``dims`` (= by) and ``keys`` for disclosure.

    Raises
    ------
    DataError
        An item or ``by`` column that does not exist; bad weights.
    AnalysisError
        More than two ``by`` columns.
    """
    by = _as_list(by)
    if len(by) > 2:
        raise AnalysisError(f"at most two breakdown columns, got {len(by)}: {', '.join(by)}",
                            hint="make a two-way table at most; filter the data for a third dimension")
    for col in by:
        if col not in responses.columns:
            raise DataError(f"breakdown column '{col}' is not in the survey data", column=col,
                            hint=f"columns: {', '.join(map(str, responses.columns[:25]))}")
    if items is None:
        if codebook is None:
            from meethuis.intake.codebook import load_codebook
            codebook = load_codebook()
        items = [i for i in codebook.outcomes() if i in responses.columns]
    items = list(items)
    for item in items:
        if item not in responses.columns:
            raise DataError(f"item '{item}' is not in the survey data", column=item,
                            hint="map it under data.columns in the organisation config")
    w = _weights_array(responses, weights)

    group_frames: list[tuple[dict[str, str], np.ndarray]] = []
    if not by:
        group_frames.append(({}, np.ones(len(responses), dtype=bool)))
    else:
        keys = pd.DataFrame({c: responses[c].astype("string") for c in by})
        complete = keys.notna().all(axis=1).to_numpy()
        for vals, idx in keys[complete].groupby(by, sort=True).indices.items():
            vals = vals if isinstance(vals, tuple) else (vals,)
            mask = np.zeros(len(responses), dtype=bool)
            mask[np.flatnonzero(complete)[idx]] = True
            group_frames.append((dict(zip(by, map(str, vals))), mask))
        if total:
            for d in by:
                others = [o for o in by if o != d]
                if not others:
                    group_frames.append(({d: TOTAL}, complete.copy()))
                    continue
                o = others[0]
                for val in sorted(keys.loc[complete, o].unique()):
                    mask = complete & (keys[o] == val).fillna(False).to_numpy()
                    group_frames.append(({d: TOTAL, o: str(val)}, mask))
            if len(by) == 2:
                group_frames.append(({by[0]: TOTAL, by[1]: TOTAL}, complete.copy()))
    single = {c for c in by if responses[c].dropna().nunique() == 1}
    if calibration is None and isinstance(weights, pd.Series):
        calibration = calibration_of(responses, weights)

    rows = []
    for item in items:
        scale = _scale(item, codebook)
        stats_for = [s for s in statistics_for(item, codebook) if statistics is None or s in statistics]
        x_all = responses[item].to_numpy(dtype=float)
        for statistic in stats_for:
            score, kind = statistic_scores(x_all, statistic, scale)
            ests = domain_estimates(score, kind, w, [mask for _, mask in group_frames], calibration, level)
            for (labels, mask), est in zip(group_frames, ests):
                reason = est.reason
                if single and reason is None:
                    reason = "single_level"
                rows.append({"kpi": kpi_name(item, statistic), "item": item, "statistic": statistic, **labels,
                             "estimate": est.estimate, "ci_low": est.ci_low, "ci_high": est.ci_high,
                             "se": est.se, "df": est.df, "n": est.n, "n_eff": est.n_eff, "suppressed": False,
                             "reason": reason})
    table = pd.DataFrame(rows, columns=COLUMNS[:3] + by + COLUMNS[3:])
    table["weighted"] = w is not None
    table.attrs.update({"dims": by, "keys": ["kpi", "item", "statistic"], "level": level})
    if protect:
        table = protect_table(table, min_cell, dims=by, keys=["kpi", "item", "statistic"], hidden=hidden)
    return table


def breakdown(responses: pd.DataFrame, item: str, by: str | Sequence[str], statistic: str | None = None,
              **kwargs: Any) -> pd.DataFrame:
    """One item's KPI(s) by one or two context columns (a thin wrapper around :func:`kpi_table`)."""
    return kpi_table(responses, [item], by=by, statistics=None if statistic is None else [statistic], **kwargs)


def compare_goals(kpis: pd.DataFrame, goals: Iterable[Any]) -> pd.DataFrame:
    """Compare KPI estimates with the organisation's goals: met, not met, or undecided.

    A goal is *undecided* when its target lies inside the KPI's confidence interval; otherwise it is
    *met* or *not met* according to the goal's comparison applied to the estimate. A KPI that is
    missing or suppressed gives status *unknown*. The decision is made on the numbers as the report
    shows them (:func:`meethuis.common.vocabulary.goal_status`): 6,9–7,0 against 7,0 is undecided.

    Parameters
    ----------
    kpis:
        Output of :func:`kpi_table` (all rows for each KPI are compared, so a breakdown gives a status
        per segment).
    goals:
        ``config.goals`` (``Goal(kpi, op, target)``).

    Returns
    -------
    pandas.DataFrame
        ``kpi, label, op, target, <by...>, estimate, ci_low, ci_high, margin, status, n, suppressed``;
        ``margin = estimate - target`` (positive is better for ``>=``/``>`` goals).
    """
    dims = [d for d in kpis.attrs.get("dims", []) if d in kpis.columns]
    rows = []
    for goal in goals:
        sub = kpis[kpis["kpi"] == goal.kpi]
        if sub.empty:
            rows.append({"kpi": goal.kpi, "label": goal.label, "op": goal.op, "target": goal.target,
                         "estimate": np.nan, "ci_low": np.nan, "ci_high": np.nan, "margin": np.nan,
                         "status": "unknown", "n": np.nan, "suppressed": True})
            continue
        for _, r in sub.iterrows():
            est, lo, hi = r["estimate"], r["ci_low"], r["ci_high"]
            if pd.isna(est) or bool(r.get("suppressed", False)):
                status = "unknown"
            else:
                status = _vocabulary.goal_status(float(est), float(lo), float(hi), float(goal.target), goal.op,
                                                 _kpi_kind(goal.kpi))
            rows.append({"kpi": goal.kpi, "label": goal.label, "op": goal.op, "target": goal.target,
                         **{d: r[d] for d in dims}, "estimate": est, "ci_low": lo, "ci_high": hi,
                         "margin": est - goal.target if pd.notna(est) else np.nan, "status": status,
                         "n": r["n"], "suppressed": bool(r.get("suppressed", False))})
    cols = ["kpi", "label", "op", "target", *dims, "estimate", "ci_low", "ci_high", "margin", "status", "n",
            "suppressed"]
    out = pd.DataFrame(rows, columns=cols)
    out.attrs.update({"dims": dims, "keys": ["kpi"]})
    return out


def status_label(status: str, lang: str = "nl") -> str:
    """Reader text of a goal status code (``met``, ``not_met``, ``undecided``, ``unknown``)."""
    return _vocabulary.goal_label(status, lang)


def _kpi_kind(kpi: str) -> str:
    """``nps``, ``share`` (top2, voldoende, share8) or ``mean``: how the KPI is shown (and rounded)."""
    return "nps" if kpi == "nps" else "mean" if kpi.endswith("_mean") else "share"

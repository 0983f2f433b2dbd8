"""KPIs with confidence intervals, weighted or not, overall and by segment, and goal comparison.

Weighted estimates use the Kish effective sample size ``n_eff = (sum w)^2 / sum w^2`` in place of ``n``
in the variance (unweighted: ``n_eff = n``, and every formula reduces to the textbook one).

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
from meethuis.common import vocabulary as _vocabulary
from meethuis.common.errors import AnalysisError, DataError

COLUMNS = ["kpi", "item", "statistic", "estimate", "ci_low", "ci_high", "se", "n", "n_eff", "suppressed", "reason"]
STATISTICS = ("mean", "top2", "voldoende", "share8", "nps", "share")
GOAL_STATUS = _vocabulary.GOAL_STATUS  # reader words live in meethuis.common.vocabulary


@dataclass(frozen=True)
class Estimate:
    """One estimate with its confidence interval; ``reason`` explains a NaN."""

    estimate: float
    ci_low: float
    ci_high: float
    se: float
    n: int
    n_eff: float
    reason: str | None = None


def _prepare(values: Any, weights: Any) -> tuple[np.ndarray, np.ndarray]:
    """Answered values and their weights (NaN answers dropped); weights must be positive and finite."""
    x = np.asarray(values, dtype=float).reshape(-1)
    if weights is None:
        w = np.ones_like(x)
    else:
        w = np.asarray(weights, dtype=float).reshape(-1)
        if w.shape != x.shape:
            raise DataError(f"{w.size} weights for {x.size} values", hint="give one weight per respondent")
        bad = ~np.isfinite(w) | (w <= 0)
        if bad.any():
            raise DataError(f"weights must be positive and finite; {int(bad.sum())} are not",
                            row=int(np.flatnonzero(bad)[0]) + 1, column="gewicht",
                            hint="use weights.survey_weights(), or drop respondents with weight 0")
    ok = ~np.isnan(x)
    return x[ok], w[ok]


def _n_eff(w: np.ndarray) -> float:
    return float(w.sum() ** 2 / np.square(w).sum()) if w.size else 0.0


def _empty(n: int = 0, n_eff: float = 0.0, reason: str = "no_data", estimate: float = np.nan) -> Estimate:
    return Estimate(estimate, np.nan, np.nan, np.nan, n, n_eff, reason)


def mean_ci(values: Any, weights: Any = None, level: float = 0.95) -> Estimate:
    """Mean with a t-interval on the effective sample size.

    ``m = sum(w x) / sum(w)``; ``s^2 = [sum w (x - m)^2 / sum w] * n_eff / (n_eff - 1)`` (the unbiased
    sample variance when all ``w = 1``); ``se = s / sqrt(n_eff)``; CI ``m +- t(1 - a/2, n_eff - 1) se``.

    Parameters
    ----------
    values:
        Answers (NaN = not answered, ignored).
    weights:
        Optional positive weights, one per value.
    level:
        Confidence level.

    Returns
    -------
    Estimate
        NaN with ``reason="no_data"`` when nothing is answered, NaN CI with ``reason="too_few"`` when
        ``n_eff < 2``.

    Raises
    ------
    DataError
        Weights that are missing, zero or negative.
    """
    x, w = _prepare(values, weights)
    if x.size == 0:
        return _empty()
    m = float(np.sum(w * x) / w.sum())
    ne = _n_eff(w)
    if x.size < 2 or ne < 2 - 1e-12:
        return _empty(x.size, ne, "too_few", estimate=m)
    var = float(np.sum(w * (x - m) ** 2) / w.sum()) * ne / (ne - 1)
    se = np.sqrt(var / ne)
    t = float(special.stdtrit(ne - 1, 0.5 + level / 2))  # the t quantile (scipy.stats.t.ppf, faster)
    return Estimate(m, m - t * se, m + t * se, float(se), int(x.size), ne)


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


def proportion_ci(indicator: Any, weights: Any = None, level: float = 0.95) -> Estimate:
    """Share of answers that meet a criterion, with a Wilson interval on the effective sample size.

    ``p = sum(w * y) / sum(w)`` for ``y`` in {0, 1}; ``se = sqrt(p (1 - p) / n_eff)``; the CI is
    :func:`wilson_interval` ``(p, n_eff)`` (the ordinary Wilson interval when unweighted).

    Parameters
    ----------
    indicator:
        1/0 (or True/False) per answer; NaN = not answered.
    weights, level:
        As :func:`mean_ci`.

    Returns
    -------
    Estimate
    """
    y, w = _prepare(indicator, weights)
    if y.size == 0:
        return _empty()
    if not np.isin(y, (0.0, 1.0)).all():
        raise DataError("a proportion needs 0/1 answers", hint="pass e.g. (values >= 4) with NaN kept")
    p = float(np.sum(w * y) / w.sum())
    ne = _n_eff(w)
    lo, hi = wilson_interval(p, ne, level)
    return Estimate(p, lo, hi, float(np.sqrt(p * (1 - p) / ne)), int(y.size), ne)


def nps_ci(values: Any, weights: Any = None, level: float = 0.95) -> Estimate:
    """Net Promoter Score (promoters 9-10 minus detractors 0-6, in points -100..100) with a normal CI.

    With shares ``P`` (promoters) and ``D`` (detractors) from a multinomial sample,
    ``Var(P - D) = (P + D - (P - D)^2) / n_eff``; the CI is ``100 (P - D) +- z 100 se``, clipped to
    [-100, 100].

    Parameters
    ----------
    values:
        Answers 0-10 (NaN = not answered).
    weights, level:
        As :func:`mean_ci`.

    Returns
    -------
    Estimate
    """
    x, w = _prepare(values, weights)
    if x.size == 0:
        return _empty()
    if (x < 0).any() or (x > 10).any():
        raise DataError("NPS answers must lie between 0 and 10", hint="check the recode of 'aanbeveling'")
    ne = _n_eff(w)
    promoters = float(np.sum(w * (x >= 9)) / w.sum())
    detractors = float(np.sum(w * (x <= 6)) / w.sum())
    d = promoters - detractors
    if x.size < 2:
        return _empty(x.size, ne, "too_few", estimate=100 * d)
    se = np.sqrt(max(promoters + detractors - d * d, 0.0) / ne)
    z = float(special.ndtri(0.5 + level / 2))
    return Estimate(100 * d, max(-100.0, 100 * (d - z * se)), min(100.0, 100 * (d + z * se)), float(100 * se),
                    int(x.size), ne)


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


def estimate(values: Any, statistic: str, weights: Any = None, level: float = 0.95, scale: Any = None) -> Estimate:
    """One KPI statistic of a vector of answers (see module docstring for the statistics)."""
    x = np.asarray(values, dtype=float)
    if statistic == "mean":
        return mean_ci(x, weights, level)
    if statistic == "nps":
        return nps_ci(x, weights, level)
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
    return proportion_ci(np.where(np.isnan(x), np.nan, (x >= threshold).astype(float)), weights, level)


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
    if w.size != len(responses):
        raise DataError(f"{w.size} weights for {len(responses)} respondents", hint="give one weight per row")
    bad = ~np.isfinite(w) | (w <= 0)
    if bad.any():
        raise DataError(f"weights must be positive and finite; {int(bad.sum())} are not",
                        row=int(np.flatnonzero(bad)[0]) + 1, column="gewicht",
                        hint="use weights.survey_weights(); respondents with weight 0 should be dropped")
    return w


def _as_list(by: str | Sequence[str] | None) -> list[str]:
    if by is None:
        return []
    return [by] if isinstance(by, str) else list(by)


def kpi_table(responses: pd.DataFrame, items: Iterable[str] | None = None, by: str | Sequence[str] | None = None,
              weights: Any = None, min_cell: int = 10, level: float = 0.95, codebook: Any = None,
              statistics: Sequence[str] | None = None, total: bool = False, protect: bool = True) -> pd.DataFrame:
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

    Returns
    -------
    pandas.DataFrame
        Columns ``kpi, item, statistic, <by...>, estimate, ci_low, ci_high, se, n, n_eff, suppressed,
        reason`` (plus ``weighted``). ``attrs`` hold ``dims`` (= by) and ``keys`` for disclosure.

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

    rows = []
    for item in items:
        scale = _scale(item, codebook)
        stats_for = [s for s in statistics_for(item, codebook) if statistics is None or s in statistics]
        x_all = responses[item].to_numpy(dtype=float)
        for statistic in stats_for:
            for labels, mask in group_frames:
                est = estimate(x_all[mask], statistic, None if w is None else w[mask], level, scale)
                reason = est.reason
                if single and reason is None:
                    reason = "single_level"
                rows.append({"kpi": kpi_name(item, statistic), "item": item, "statistic": statistic, **labels,
                             "estimate": est.estimate, "ci_low": est.ci_low, "ci_high": est.ci_high,
                             "se": est.se, "n": est.n, "n_eff": est.n_eff, "suppressed": False,
                             "reason": reason})
    table = pd.DataFrame(rows, columns=COLUMNS[:3] + by + COLUMNS[3:])
    table["weighted"] = w is not None
    table.attrs.update({"dims": by, "keys": ["kpi", "item", "statistic"], "level": level})
    if protect:
        table = protect_table(table, min_cell, dims=by, keys=["kpi", "item", "statistic"])
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

"""Trends: a KPI per quarter with its confidence band, and whether it changed significantly.

The per-quarter estimates and intervals come from :func:`meethuis.stats.kpi.kpi_table` (so they match the
KPI chapter, and pass through :func:`meethuis.stats.disclosure.protect_table`).
Changes are tested with a Welch t test on the design-based (linearised) standard errors of the two
quarters, which are raked separately and so independent:
``t = (m2 - m1) / sqrt(se1**2 + se2**2)`` with Welch-Satterthwaite degrees of freedom
``df = (se1**2 + se2**2)**2 / (se1**4 / df1 + se2**4 / df2)`` from each quarter's design df
(respondents minus 1). Small quarters so get the wider t tails instead of the normal ones; unweighted
this is ``scipy.stats.ttest_ind(equal_var=False)`` for means (see ``tests/test_trends.py``).

Many comparisons at once find "significant" changes by chance. :func:`trend_changes` and
:func:`summary_changes` therefore control the false discovery rate with Benjamini-Hochberg
(:func:`benjamini_hochberg`): a change is called significant when its adjusted p-value (``q``) is below
``alpha``. Quarters with fewer than ``min_cell`` respondents are suppressed, and so is every change that
involves them.
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Mapping, Sequence

import numpy as np
import pandas as pd
from scipy import stats

from meethuis.intake.codebook import Codebook, load_codebook
from meethuis.common.errors import AnalysisError, ConfigError, DataError
from meethuis.common.vocabulary import CHANGE_WORDS
from meethuis.stats.kpi import Estimate, kpi_table, mean_ci, proportion_ci
from meethuis.stats.weights import calibration_of

KPI_RE = re.compile(r"^(?P<item>[a-z_0-9]+?)_(?P<stat>mean|top2|voldoende|share8|share)$|^(?P<nps>nps)$")
Z95 = stats.norm.ppf(0.975)

_WORDS = CHANGE_WORDS  # reader words live in meethuis.common.vocabulary
_COMPARISON = {
    "vorig_kwartaal": {"nl": "t.o.v. vorig kwartaal", "en": "vs. previous quarter"},
    "vorig_jaar": {"nl": "t.o.v. hetzelfde kwartaal vorig jaar", "en": "vs. same quarter last year"},
}


def parse_kpi(kpi: str, codebook: Codebook | None = None) -> tuple[str, str]:
    """Split a KPI name such as ``tevredenheid_mean`` into ``(item, statistic)``.

    Raises
    ------
    ConfigError
        When the name is not ``<item>_mean|top2|voldoende|share8`` or ``nps``, or the item is unknown.
    """
    m = KPI_RE.match(str(kpi))
    if not m:
        raise ConfigError(f"unknown KPI '{kpi}'", key="kpi",
                          hint="use <item>_mean, <item>_top2, tevredenheid_voldoende, tevredenheid_share8 or nps")
    item, stat = ("aanbeveling", "nps") if m.group("nps") else (m.group("item"), m.group("stat"))
    cb = codebook or load_codebook()
    if item not in cb.items:
        raise ConfigError(f"KPI '{kpi}' refers to unknown item '{item}'", key="kpi",
                          hint=f"known items: {', '.join(cb.items)}")
    return item, stat


def kpi_kind(kpi: str) -> str:
    """``mean``, ``share`` or ``nps``: how the KPI is estimated, tested and written."""
    stat = parse_kpi(kpi)[1]
    return "mean" if stat == "mean" else "nps" if stat == "nps" else "share"


def goal_target(config, kpi: str) -> float | None:
    """The target of the organisation's goal on ``kpi`` (``None`` when it has none)."""
    return next((g.target for g in getattr(config, "goals", ()) if g.kpi == kpi), None)


def kpi_scores(responses: pd.DataFrame, kpi: str, codebook: Codebook | None = None) -> pd.Series:
    """Per-respondent score whose (weighted) mean is the KPI; NaN where the item is not answered.

    Parameters
    ----------
    responses:
        Survey responses with the item column.
    kpi:
        E.g. ``tevredenheid_mean``, ``menselijkheid_top2``, ``tevredenheid_voldoende``, ``nps``.

    Returns
    -------
    pd.Series
        The answer (mean), 0/1 (share) or -100/0/+100 (NPS).

    Raises
    ------
    DataError
        When the item is not a column of ``responses``.
    """
    cb = codebook or load_codebook()
    item, stat = parse_kpi(kpi, cb)
    if item not in responses.columns:
        raise DataError(f"KPI '{kpi}' needs column '{item}', which the survey does not have", column=item,
                        hint="map the item under data.columns in the organisation config")
    y = pd.to_numeric(responses[item], errors="coerce").astype(float)
    if stat == "mean":
        return y
    if stat == "nps":
        return pd.Series(np.where(y >= 9, 100.0, np.where(y <= 6, -100.0, 0.0)), index=y.index).where(y.notna())
    threshold = {"top2": cb.items[item].scale.top2_threshold(), "voldoende": 6, "share8": 8,
                 "share": cb.items[item].scale.max}[stat]
    return (y >= threshold).astype(float).where(y.notna())


def weighted_estimate(scores: pd.Series | np.ndarray, weights: pd.Series | np.ndarray | None = None,
                      kind: str = "mean", level: float = 0.95) -> Estimate:
    """Weighted KPI estimate of per-respondent ``scores`` via :mod:`meethuis.stats.kpi` (effective-n based).

    ``mean``/``nps`` scores go through ``kpi.mean_ci``, 0/1 ``share`` scores through ``kpi.proportion_ci``
    (Wilson interval on ``n_eff``). NPS scores are -100/0/+100, so their mean is the NPS.
    """
    y = np.asarray(scores, dtype=float)
    return proportion_ci(y, weights, level) if kind == "share" else mean_ci(y, weights, level)


def welch_df(first: Estimate, second: Estimate) -> float:
    """Welch-Satterthwaite degrees of freedom from two estimates' standard errors and design df."""
    v1, v2 = first.se ** 2, second.se ** 2
    d1, d2 = first.df, second.df
    if not (np.isfinite(d1) and np.isfinite(d2)) or d1 <= 0 or d2 <= 0:
        return math.inf
    denom = v1 ** 2 / d1 + v2 ** 2 / d2
    return float((v1 + v2) ** 2 / denom) if denom > 0 else float(min(d1, d2))


def two_sample_test(first: Estimate, second: Estimate, kind: str = "mean") -> tuple[float, float, float]:
    """Difference ``second - first``, its Welch t statistic and two-sided p-value (see module docstring).

    ``kind`` is kept for callers; means, shares and NPS are all tested on their linearised standard
    errors. Estimates without design df (``df`` NaN) are tested against the normal distribution.

    Returns
    -------
    tuple
        ``(difference, t, p)``; NaN when either estimate is missing.
    """
    diff = second.estimate - first.estimate
    se = math.sqrt(first.se ** 2 + second.se ** 2)
    if not np.isfinite(diff) or not np.isfinite(se):
        return diff, math.nan, math.nan
    if se == 0:
        return diff, (0.0 if diff == 0 else math.copysign(math.inf, diff)), (1.0 if diff == 0 else 0.0)
    t = diff / se
    df = welch_df(first, second)
    p = stats.norm.sf(abs(t)) if not np.isfinite(df) else stats.t.sf(abs(t), df)
    return diff, t, float(2 * p)


def benjamini_hochberg(p: Sequence[float] | np.ndarray) -> np.ndarray:
    """Benjamini-Hochberg adjusted p-values (``q``); NaN stays NaN and does not count as a test.

    ``q_(i) = min_{j >= i} m p_(j) / j`` over the ``m`` finite p-values sorted ascending, capped at 1
    (equals ``statsmodels.stats.multitest.multipletests(method="fdr_bh")``).
    """
    p = np.asarray(p, dtype=float)
    q = np.full(p.shape, np.nan)
    ok = np.flatnonzero(np.isfinite(p))
    if ok.size == 0:
        return q
    order = ok[np.argsort(p[ok], kind="stable")]
    m = order.size
    ranked = p[order] * m / np.arange(1, m + 1)
    q[order] = np.minimum(np.minimum.accumulate(ranked[::-1])[::-1], 1.0)
    return q


def _quarter(period: str) -> pd.Period:
    try:
        return pd.Period(str(period).strip().upper(), freq="Q")
    except (ValueError, TypeError):
        raise DataError(f"cannot read quarter '{period}'", column="periode",
                        hint="periods are quarters written as 2026Q3") from None


def trend_table(responses: pd.DataFrame, kpi: str, weights: pd.Series | None = None, min_cell: int = 10,
                codebook: Codebook | None = None, level: float = 0.95, hidden: Mapping | None = None) -> pd.DataFrame:
    """The KPI per quarter with its confidence interval; quarters below ``min_cell`` are suppressed.

    Parameters
    ----------
    responses:
        Survey responses with ``periode`` (``"2026Q3"``) and the KPI's item.
    kpi:
        KPI name, e.g. ``tevredenheid_mean``.
    weights:
        Survey weights aligned with ``responses`` (``None`` = unweighted).
    min_cell:
        Minimum number of respondents for a published point.
    hidden:
        The report's groups hidden everywhere (``disclosure.run_hidden_groups``; its ``periode`` quarters).

    Returns
    -------
    pd.DataFrame
        ``periode, kpi, kind, estimate, se, ci_low, ci_high, n, n_eff, suppressed`` sorted by quarter;
        suppressed rows keep ``n`` = NaN as well, so nothing below ``min_cell`` leaks.

    Raises
    ------
    DataError
        When ``periode`` is missing or not a quarter.
    """
    if "periode" not in responses.columns:
        raise DataError("the survey has no 'periode' column, so no trend can be drawn", column="periode",
                        hint="set data.period in the organisation config")
    cb = codebook or load_codebook()
    item, stat = parse_kpi(kpi, cb)
    kind = "mean" if stat == "mean" else "nps" if stat == "nps" else "share"
    if item not in responses.columns:
        raise DataError(f"KPI '{kpi}' needs column '{item}', which the survey does not have", column=item,
                        hint="map the item under data.columns in the organisation config")
    periods = responses["periode"].astype("string")
    order = {p: str(_quarter(p)) for p in periods.dropna().unique()}
    frame = pd.DataFrame({"periode": periods.map(order), item: responses[item]}, index=responses.index)
    table = kpi_table(frame, items=[item], by="periode", weights=weights, min_cell=min_cell, level=level,
                      codebook=cb, statistics=[stat], calibration=calibration_of(responses, weights), hidden=hidden)
    table["kind"] = kind
    table["sort"] = table["periode"].map(lambda p: _quarter(p))
    table = table.sort_values("sort").reset_index(drop=True)
    cols = ["periode", "kpi", "kind", "estimate", "se", "df", "ci_low", "ci_high", "n", "n_eff", "suppressed", "reason"]
    out = table[cols].copy()
    out.attrs = dict(table.attrs)
    return out


def _estimate_of(row: pd.Series) -> Estimate:
    return Estimate(row["estimate"], row["ci_low"], row["ci_high"], row["se"],
                    0 if pd.isna(row["n"]) else int(row["n"]), row["n_eff"], df=row.get("df", np.nan))


def trend_changes(trend: pd.DataFrame, alpha: float = 0.05, lang: str = "nl", fdr: bool = True) -> pd.DataFrame:
    """Changes against the previous quarter and the same quarter a year earlier, tested and in words.

    Parameters
    ----------
    trend:
        Output of :func:`trend_table`.
    alpha:
        Significance level of the two-sided test (the false discovery rate with ``fdr``).
    lang:
        ``nl`` or ``en`` for the ``conclusion`` column.
    fdr:
        Call a change significant when its Benjamini-Hochberg ``q`` (over all changes in the table)
        is below ``alpha``; ``False`` uses the raw ``p``.

    Returns
    -------
    pd.DataFrame
        ``periode, compared_with, comparison, before, after, difference, t, df, p, q, significant,
        direction, conclusion``. Comparisons that involve a suppressed or absent quarter are left out.
    """
    if lang not in ("nl", "en"):
        raise ConfigError(f"unknown language '{lang}'", key="lang", hint="use nl or en")
    published = {p: r for p, r in zip(trend["periode"], trend.to_dict("records")) if not r["suppressed"]}
    rows = []
    for period, row in published.items():
        q = _quarter(period)
        for comparison, lag in (("vorig_kwartaal", 1), ("vorig_jaar", 4)):
            earlier = str(q - lag)
            if earlier not in published:
                continue
            before, after = _estimate_of(pd.Series(published[earlier])), _estimate_of(pd.Series(row))
            diff, t, p = two_sample_test(before, after, row["kind"])
            rows.append({"periode": period, "compared_with": earlier, "comparison": comparison,
                         "before": before.estimate, "after": after.estimate, "difference": diff, "t": t,
                         "df": welch_df(before, after), "p": p})
    cols = ["periode", "compared_with", "comparison", "before", "after", "difference", "t", "df", "p", "q",
            "significant", "direction", "conclusion"]
    out = pd.DataFrame(rows, columns=cols[:9])
    out["q"] = benjamini_hochberg(out["p"].to_numpy(float)) if len(out) else pd.Series(dtype=float)
    test = out["q"] if fdr else out["p"]
    out["significant"] = [bool(v < alpha) if np.isfinite(v) else False for v in test]
    out["direction"] = [("up" if d > 0 else "down") if sig else "none"
                        for d, sig in zip(out["difference"], out["significant"])]
    out["conclusion"] = [f"{_WORDS[d][lang]} {_COMPARISON[c][lang]}" for d, c in zip(out["direction"], out["comparison"])]
    return out[cols]


def summary_changes(trend_responses: pd.DataFrame, kpis: Sequence[str], weights: pd.Series | None = None,
                    min_cell: int = 10, codebook: Codebook | None = None, alpha: float = 0.05,
                    lang: str = "nl", hidden: Mapping | None = None) -> pd.DataFrame:
    """The changes a summary reports, tested together with Benjamini-Hochberg (quarters in ``hidden`` are
    hidden as in :func:`trend_table`).

    Per KPI three comparisons of the latest published quarter: with the previous quarter, with the same
    quarter a year earlier, and with the first published quarter (when there are 3 or more). All of
    them, over all KPIs, form one family: ``q`` is the Benjamini-Hochberg adjusted p-value, and a change
    is ``significant`` when ``q < alpha``. With the quarters shuffled (no real change) at most ``alpha``
    of reports announce any change (``tests/test_trends.py``).

    Parameters
    ----------
    trend_responses:
        Every quarter up to the report's period (``periode`` and the KPIs' items).
    kpis:
        KPI names; those whose item is missing are skipped.
    weights:
        Weights raked within each quarter (``Chapter.trend_weights``), or ``None``.
    min_cell, codebook, alpha, lang:
        As :func:`trend_table` and :func:`trend_changes`.

    Returns
    -------
    pandas.DataFrame
        ``kpi, kind, comparison, periode, compared_with, before, after, difference, t, df, p, q,
        significant, conclusion`` (``comparison`` is ``vorig_kwartaal``, ``vorig_jaar`` or ``sinds_begin``).
    """
    cb = codebook or load_codebook()
    rows = []
    for kpi in kpis:
        item = parse_kpi(kpi, cb)[0]
        if item not in trend_responses.columns:
            continue
        trend = trend_table(trend_responses, kpi, weights=weights, min_cell=min_cell, codebook=cb, hidden=hidden)
        published = trend[~trend["suppressed"]].reset_index(drop=True)
        if published.empty:
            continue
        last = published.iloc[-1]
        q_last = _quarter(last["periode"])
        pairs = []
        for comparison, lag in (("vorig_kwartaal", 1), ("vorig_jaar", 4)):
            earlier = published[published["periode"] == str(q_last - lag)]
            if len(earlier):
                pairs.append((comparison, earlier.iloc[0]))
        if len(published) >= 3:
            pairs.append(("sinds_begin", published.iloc[0]))
        for comparison, first in pairs:
            before, after = _estimate_of(first), _estimate_of(last)
            diff, t, p = two_sample_test(before, after, last["kind"])
            rows.append({"kpi": kpi, "kind": last["kind"], "comparison": comparison, "periode": last["periode"],
                         "compared_with": first["periode"], "before": before.estimate, "after": after.estimate,
                         "difference": diff, "t": t, "df": welch_df(before, after), "p": p})
    cols = ["kpi", "kind", "comparison", "periode", "compared_with", "before", "after", "difference", "t", "df", "p"]
    out = pd.DataFrame(rows, columns=cols)
    out["q"] = benjamini_hochberg(out["p"].to_numpy(float)) if len(out) else pd.Series(dtype=float)
    out["significant"] = [bool(v < alpha) if np.isfinite(v) else False for v in out["q"]]
    out["conclusion"] = [f"{_WORDS[('up' if d > 0 else 'down') if sig else 'none'][lang]} "
                         f"{_COMPARISON.get(c, {}).get(lang, '')}".strip()
                         for d, sig, c in zip(out["difference"], out["significant"], out["comparison"])]
    return out


@dataclass(frozen=True)
class TrendSlope:
    """Linear trend of a KPI over quarters: change per quarter with a 95% interval (HC1 robust)."""

    slope: float
    ci_low: float
    ci_high: float
    p: float
    quarters: int
    n: int
    direction: str  # "up", "down" or "none"


def trend_slope(responses: pd.DataFrame, kpi: str, weights: pd.Series | None = None, min_cell: int = 10,
                alpha: float = 0.05, codebook: Codebook | None = None, hidden: Mapping | None = None) -> TrendSlope:
    """Average change per quarter: (weighted) least squares of the respondent score on the quarter number.

    Quarters with fewer than ``min_cell`` answers, and those the report hides (``hidden["periode"]``), are
    left out (a slope with a hidden quarter's answers would give its mean back). The slope equals the ordinary least-squares
    slope (``numpy.polyfit``) when unweighted; its standard error is heteroscedasticity-robust (HC1), so
    unequal spread between quarters does not inflate the evidence.

    Raises
    ------
    AnalysisError
        Fewer than three publishable quarters.
    """
    from statsmodels.regression.linear_model import WLS  # not statsmodels.api: that imports all of statsmodels
    from statsmodels.tools.tools import add_constant

    cb = codebook or load_codebook()
    scores = kpi_scores(responses, kpi, cb)
    if "periode" not in responses.columns:
        raise DataError("the survey has no 'periode' column, so no trend can be drawn", column="periode")
    codes, quarters_seen = pd.factorize(responses["periode"].astype("string"), use_na_sentinel=True)
    ordinals = np.array([float(_quarter(v).ordinal) for v in quarters_seen] + [np.nan])  # once per quarter
    t = pd.Series(ordinals[codes], index=responses.index, dtype=float)  # code -1 (no quarter) -> NaN
    w = pd.Series(1.0, index=responses.index) if weights is None else pd.Series(np.asarray(weights, float),
                                                                               index=responses.index)
    ok = scores.notna() & t.notna()
    counts = t[ok].value_counts()
    keep = ok & t.isin(counts[counts >= min_cell].index)
    keep &= ~responses["periode"].astype("string").isin([str(q) for q in (hidden or {}).get("periode", ())]).fillna(False)
    quarters = int(t[keep].nunique())
    if quarters < 3:
        raise AnalysisError(f"a trend line needs at least 3 quarters with {min_cell} or more answers; "
                            f"there are {quarters}", hint="use the quarter-to-quarter comparisons instead")
    x = t[keep] - t[keep].min()
    fit = WLS(scores[keep].to_numpy(), add_constant(x.to_numpy()), weights=w[keep].to_numpy()).fit(cov_type="HC1")
    slope, (lo, hi), p = float(fit.params[1]), fit.conf_int(alpha)[1], float(fit.pvalues[1])
    direction = ("up" if slope > 0 else "down") if p < alpha else "none"
    return TrendSlope(slope, float(lo), float(hi), p, quarters, int(keep.sum()), direction)


def change_word(direction: str, lang: str = "nl") -> str:
    """``duidelijk gestegen`` / ``duidelijk gedaald`` / ``geen duidelijk verschil`` (or English)."""
    return _WORDS[direction][lang]


def latest_quarters(trend: pd.DataFrame, n: int = 8) -> pd.DataFrame:
    """The last ``n`` quarters of a trend table (for a compact figure)."""
    return trend.iloc[-n:].reset_index(drop=True)


__all__: Sequence[str] = ("Estimate", "parse_kpi", "kpi_kind", "kpi_scores", "weighted_estimate", "two_sample_test", "welch_df", "benjamini_hochberg", "summary_changes",
                          "trend_table", "trend_changes", "trend_slope", "TrendSlope", "change_word")

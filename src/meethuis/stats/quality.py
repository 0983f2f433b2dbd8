"""Measurement quality: item non-response, straight-lining, reliability (alpha, omega), item-rest
correlations and representativeness of the sample against the population margins.
"""
from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import Any, Iterable, Mapping, Sequence

import numpy as np
import pandas as pd
from scipy import stats

from meethuis.common.errors import AnalysisError, DataError

MISSING_KINDS = ("nvt", "weet_niet", "missing")
RELIABILITY_CONSTRUCTS = ("menselijke_maat", "basis")


def item_nonresponse(missing_reasons: pd.DataFrame, items: Iterable[str] | None = None) -> pd.DataFrame:
    """Per item the share answered, n.v.t., weet niet and item non-response, from ``Survey.missing_reasons``.

    Parameters
    ----------
    missing_reasons:
        One column per item with ``"nvt"``, ``"weet_niet"``, ``"missing"`` or NA (answered).
    items:
        Items to report (default every column).

    Returns
    -------
    pandas.DataFrame
        ``item, n, answered, nvt, weet_niet, missing`` (counts) and ``share_answered, share_nvt,
        share_weet_niet, share_missing`` (fractions of ``n``, the number of respondents).

    Raises
    ------
    DataError
        An unknown item or an unknown missing-value code.
    """
    items = list(missing_reasons.columns if items is None else items)
    rows = []
    for item in items:
        if item not in missing_reasons.columns:
            raise DataError(f"item '{item}' has no missing-value column", column=item)
        col = missing_reasons[item]
        codes = col.dropna().astype(str)
        unknown = set(codes.unique()) - set(MISSING_KINDS)
        if unknown:
            raise DataError(f"unknown missing-value code(s) {sorted(unknown)} for '{item}'", column=item,
                            hint=f"use {', '.join(MISSING_KINDS)} or NA for answered")
        n = len(col)
        counts = {k: int((codes == k).sum()) for k in MISSING_KINDS}
        answered = n - sum(counts.values())
        row = {"item": item, "n": n, "answered": answered, **counts}
        for k in ("answered", *MISSING_KINDS):
            row[f"share_{k}"] = row[k] / n if n else np.nan
        rows.append(row)
    return pd.DataFrame(rows)


def straightlining(responses: pd.DataFrame, items: Sequence[str], min_items: int = 5) -> pd.Series:
    """Flag respondents who gave the same answer to every item of a block (at least ``min_items`` answered).

    Parameters
    ----------
    responses:
        Survey responses.
    items:
        The block, e.g. all driver items (at least ``min_items`` of them).
    min_items:
        Fewest answered items for the pattern to count (default 5).

    Returns
    -------
    pandas.Series
        Boolean per respondent, named ``straightlining``.

    Raises
    ------
    AnalysisError
        A block shorter than ``min_items``. DataError: an item not in the data.
    """
    items = list(items)
    if len(items) < min_items:
        raise AnalysisError(f"a straight-lining block needs at least {min_items} items, got {len(items)}",
                            hint="use all driver items of a page as the block")
    missing = [i for i in items if i not in responses.columns]
    if missing:
        raise DataError(f"item(s) {', '.join(missing)} not in the survey data", column=missing[0])
    x = responses[items].to_numpy(dtype=float)
    answered = (~np.isnan(x)).sum(axis=1)
    lo, hi = np.nanmin(np.where(np.isnan(x), np.inf, x), axis=1), np.nanmax(np.where(np.isnan(x), -np.inf, x), axis=1)
    flag = (answered >= min_items) & (lo == hi)
    return pd.Series(flag, index=responses.index, name="straightlining")


def straightlining_summary(responses: pd.DataFrame, blocks: Mapping[str, Sequence[str]],
                           min_items: int = 5) -> pd.DataFrame:
    """Per block: respondents who answered enough items (``n``), how many straight-lined, and the share.

    A block with fewer than ``min_items`` questions has no row: the same answer to a handful of questions
    says nothing about careless answering (the reader's text says the check was not possible).
    """
    rows = []
    for name, items in blocks.items():
        if len(items) < min_items:
            continue
        flag = straightlining(responses, items, min_items)
        eligible = int((responses[list(items)].notna().sum(axis=1) >= min_items).sum())
        rows.append({"block": name, "k": len(items), "n": eligible, "straightliners": int(flag.sum()),
                     "share": flag.sum() / eligible if eligible else np.nan})
    return pd.DataFrame(rows, columns=["block", "k", "n", "straightliners", "share"])


@dataclass(frozen=True)
class Alpha:
    """Cronbach's alpha with its Feldt confidence interval (listwise complete respondents)."""

    alpha: float
    ci_low: float
    ci_high: float
    n: int
    k: int


def _complete(frame: pd.DataFrame, items: Sequence[str], min_n: int = 3) -> np.ndarray:
    items = list(items)
    missing = [i for i in items if i not in frame.columns]
    if missing:
        raise DataError(f"item(s) {', '.join(missing)} not in the survey data", column=missing[0])
    if len(items) < 2:
        raise AnalysisError(f"reliability needs at least 2 items, got {len(items)}")
    x = frame[items].to_numpy(dtype=float)
    x = x[~np.isnan(x).any(axis=1)]
    if x.shape[0] < min_n:
        raise AnalysisError(f"only {x.shape[0]} respondent(s) answered all of {', '.join(items)}",
                            hint="reliability needs complete answers from several respondents")
    zero = [i for i, v in zip(items, x.var(axis=0, ddof=1)) if v == 0]
    if zero:
        raise AnalysisError(f"item(s) {', '.join(zero)} have no variance", column=zero[0],
                            hint="every respondent gave the same answer; leave the item out")
    return x


def cronbach_alpha(frame: pd.DataFrame, items: Sequence[str], level: float = 0.95) -> Alpha:
    """Cronbach's alpha ``k/(k-1) (1 - sum var_i / var_total)`` with Feldt's F-based interval.

    Feldt (1965): with ``df1 = n - 1`` and ``df2 = (n - 1)(k - 1)``,
    ``[1 - (1 - alpha) F(1 - g/2; df1, df2), 1 - (1 - alpha) F(g/2; df1, df2)]`` with ``g = 1 - level``.
    Respondents with any missing item are left out (listwise).

    Parameters
    ----------
    frame:
        Responses.
    items:
        The items of one construct (at least 2).
    level:
        Confidence level.

    Returns
    -------
    Alpha

    Raises
    ------
    AnalysisError
        Fewer than 3 complete respondents or an item without variance. DataError: unknown item.
    """
    x = _complete(frame, items)
    n, k = x.shape
    item_var = x.var(axis=0, ddof=1).sum()
    total_var = x.sum(axis=1).var(ddof=1)
    alpha = k / (k - 1) * (1 - item_var / total_var)
    g = 1 - level
    df1, df2 = n - 1, (n - 1) * (k - 1)
    lo = 1 - (1 - alpha) * stats.f.ppf(1 - g / 2, df1, df2)
    hi = 1 - (1 - alpha) * stats.f.ppf(g / 2, df1, df2)
    return Alpha(float(alpha), float(lo), float(hi), int(n), int(k))


def mcdonald_omega(frame: pd.DataFrame, items: Sequence[str]) -> float:
    """McDonald's omega (total) from a one-factor maximum-likelihood model on the item correlations.

    ``omega = (sum lambda)^2 / ((sum lambda)^2 + sum psi)`` with standardised loadings ``lambda`` and
    uniquenesses ``psi = 1 - lambda^2`` (statsmodels ``Factor(method="ml")``; listwise complete rows). The
    EM start values come from a seeded generator, so the same data give the same omega on every run.

    Raises
    ------
    AnalysisError
        Fewer than 3 items, too few complete respondents, or no convergence of the factor model.
    """
    from statsmodels.multivariate.factor import Factor

    if len(items) < 3:
        raise AnalysisError(f"omega needs at least 3 items (a one-factor model), got {len(items)}")
    x = _complete(frame, items, min_n=len(items) + 2)
    corr = np.corrcoef(x, rowvar=False)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = Factor(corr=corr, nobs=x.shape[0], n_factor=1, method="ml").fit(rng=0)  # fixed EM start: reproducible
    lam = np.abs(np.asarray(res.loadings).reshape(-1))
    psi = np.clip(1 - lam**2, 0, None)
    if not np.all(np.isfinite(lam)):
        raise AnalysisError(f"the one-factor model for {', '.join(items)} did not converge")
    return float(lam.sum() ** 2 / (lam.sum() ** 2 + psi.sum()))


def item_rest(frame: pd.DataFrame, items: Sequence[str]) -> pd.DataFrame:
    """Per item: correlation with the sum of the other items (item-rest) and alpha if the item is dropped.

    Returns
    -------
    pandas.DataFrame
        ``item, item_rest, alpha_if_deleted`` (listwise complete respondents).
    """
    items = list(items)
    x = _complete(frame, items)
    total = x.sum(axis=1)
    rows = []
    for j, item in enumerate(items):
        rest = total - x[:, j]
        r = float(np.corrcoef(x[:, j], rest)[0, 1])
        others = [i for i in items if i != item]
        a = cronbach_alpha(pd.DataFrame(x, columns=items), others).alpha if len(others) >= 2 else np.nan
        rows.append({"item": item, "item_rest": r, "alpha_if_deleted": a})
    return pd.DataFrame(rows)


def reliability_table(responses: pd.DataFrame, codebook: Any = None, constructs: Iterable[str] | None = None,
                      min_items: int = 3, level: float = 0.95) -> pd.DataFrame:
    """Alpha (Feldt CI) and omega for ``menselijke_maat``, ``basis`` and any construct with >= ``min_items``
    items in the data.

    Returns
    -------
    pandas.DataFrame
        ``construct, items, k, n, alpha, ci_low, ci_high, omega, reason`` (NaN plus a reason when a
        construct cannot be assessed, e.g. too few complete answers).
    """
    if codebook is None:
        from meethuis.intake.codebook import load_codebook
        codebook = load_codebook()
    if constructs is None:
        constructs = [c for c in codebook.constructs
                      if c in RELIABILITY_CONSTRUCTS
                      or sum(i in responses.columns for i in codebook.items_of(c)) >= min_items]
    rows = []
    for c in constructs:
        items = [i for i in codebook.items_of(c) if i in responses.columns]
        row = {"construct": c, "items": ", ".join(items), "k": len(items), "n": 0, "alpha": np.nan,
               "ci_low": np.nan, "ci_high": np.nan, "omega": np.nan, "reason": None}
        if len(items) < 2:
            row["reason"] = "too_few_items"
            rows.append(row)
            continue
        try:
            a = cronbach_alpha(responses, items, level)
            row.update(n=a.n, alpha=a.alpha, ci_low=a.ci_low, ci_high=a.ci_high)
            if len(items) >= 3:
                row["omega"] = mcdonald_omega(responses, items)
        except AnalysisError as exc:
            row["reason"] = exc.message
        rows.append(row)
    return pd.DataFrame(rows)


def representativeness(responses: pd.DataFrame, margins: Mapping[str, Mapping[Any, float]],
                       weights: Any = None, threshold: float = 0.8) -> pd.DataFrame:
    """Sample vs population per margin category, before and after weighting, flagging under-represented groups.

    Parameters
    ----------
    responses:
        Survey responses (rows with a missing margin value are left out of that variable).
    margins:
        ``config.margins`` (shares or totals per category).
    weights:
        Survey weights (e.g. ``survey_weights``), optional.
    threshold:
        A group is *under-represented* when its sample share is below ``threshold`` times its
        population share, *over-represented* above ``1 / threshold`` times.

    Returns
    -------
    pandas.DataFrame
        ``variable, category, n, population, sample, weighted, ratio, representation`` where ratio =
        sample / population and representation is ``under``, ``over`` or ``ok``. Sorted with the most
        under-represented first within each variable.

    Raises
    ------
    DataError
        A margin variable that is not in the data.
    """
    w = None if weights is None else np.asarray(weights, dtype=float).reshape(-1)
    rows = []
    for var, spec in margins.items():
        if var not in responses.columns:
            raise DataError(f"margin variable '{var}' is not in the survey data", column=var,
                            key=f"weighting.margins.{var}")
        total = float(sum(float(v) for v in spec.values()))
        col = responses[var]
        ok = col.notna().to_numpy()
        values = col[ok].astype(str).to_numpy()
        n_ok = int(ok.sum())
        ww = None if w is None else w[ok]
        for cat, pop in spec.items():
            hit = values == str(cat)
            n = int(hit.sum())
            sample = n / n_ok if n_ok else np.nan
            weighted = float(ww[hit].sum() / ww.sum()) if ww is not None and n_ok else np.nan
            pop_share = float(pop) / total
            ratio = sample / pop_share if pop_share > 0 else np.nan
            rep = "ok"
            if pop_share > 0 and ratio < threshold:
                rep = "under"
            elif pop_share > 0 and ratio > 1 / threshold:
                rep = "over"
            rows.append({"variable": var, "category": str(cat), "n": n, "population": pop_share,
                         "sample": sample, "weighted": weighted, "ratio": ratio, "representation": rep})
    out = pd.DataFrame(rows)
    if not out.empty:
        out = out.sort_values(["variable", "ratio"], kind="stable").reset_index(drop=True)
    return out

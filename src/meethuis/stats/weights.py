"""Survey weights: raking (iterative proportional fitting) to population margins, trimming, Kish deff.

Raking multiplies every respondent in the same cross-classification cell (e.g. kanaal x leeftijdsgroep)
by the same factor, so the fitting runs on the small table of cell totals and the row weights follow
with one gather: ``w_row = base_row * factor[cell_row]``. That keeps 1,000,000 rows fast.

Scale of the weights: with margins given as *shares* the weights sum to the number of rows (mean 1);
with *population totals* they sum to the population total.
"""
from __future__ import annotations

import functools
import warnings
from dataclasses import dataclass
from typing import Any, Mapping, Sequence

import numpy as np
import pandas as pd

from meethuis.common.errors import AnalysisError, DataError

DEFAULT_MAX_ITER = 1000
SHARE_TOL = 1e-6  # how far a margin given as shares may be from 1 (rounding in a config file)
TOTAL_RTOL = 1e-3  # population totals of different margins may differ this much (register rounding)
MAX_CELLS = 5_000_000  # above this many cross-classified cells, rake row by row instead


def _margin_codes(frame: pd.DataFrame, margins: Mapping[str, Mapping[Any, float]]
                  ) -> tuple[list[np.ndarray], list[np.ndarray], list[list[str]]]:
    """Validate the margins against the data; return per variable the row codes, target shares, categories."""
    codes: list[np.ndarray] = []
    shares: list[np.ndarray] = []
    cats_all: list[list[str]] = []
    totals = {}
    for var, spec in margins.items():
        key = f"weighting.margins.{var}"
        if var not in frame.columns:
            raise DataError(f"margin variable '{var}' is not a column of the responses", column=var, key=key,
                            hint=f"columns present: {', '.join(map(str, frame.columns[:20]))}")
        if not isinstance(spec, Mapping) or len(spec) == 0:
            raise DataError(f"margin '{var}' has no categories", key=key,
                            hint="give each category with its population share or total")
        cats = [str(c) for c in spec]
        target = np.array([float(v) for v in spec.values()], dtype=float)
        if not np.all(np.isfinite(target)) or np.any(target < 0):
            raise DataError(f"margin '{var}' has a negative or non-numeric value", key=key)
        total = float(target.sum())
        if total <= 0:
            raise DataError(f"margin '{var}' sums to 0", key=key, hint="give shares or population counts")
        totals[var] = total
        col = frame[var]
        if col.isna().any():
            row = int(np.flatnonzero(col.isna().to_numpy())[0]) + 1
            raise DataError(f"margin variable '{var}' is missing for {int(col.isna().sum())} row(s)",
                            row=row, column=var,
                            hint="survey_weights() handles missing values explicitly; for rake() drop or "
                                 "impute these rows first")
        code = _codes_in_order(col, cats)
        if (code < 0).any():
            bad_rows = np.flatnonzero(code < 0)
            unknown = sorted({str(v) for v in col.iloc[bad_rows[:1000]]})
            raise DataError(
                f"respondent category {', '.join(repr(u) for u in unknown[:5])} of '{var}' is missing from the "
                f"margins ({len(bad_rows)} row(s))", row=int(bad_rows[0]) + 1, column=var, key=key,
                hint=f"add it to weighting.margins.{var} or recode it; margin categories: {', '.join(cats)}")
        counts = np.bincount(code, minlength=len(cats))
        empty = [c for c, k, t in zip(cats, counts, target) if k == 0 and t > 0]
        if empty:
            raise AnalysisError(
                f"margin category {', '.join(repr(e) for e in empty)} of '{var}' has no respondents, so its "
                f"population share cannot be reached", key=key, column=var,
                hint="merge it with a neighbouring category in the margins and in the data")
        codes.append(code)
        shares.append(target / total)
        cats_all.append(cats)
    # shares (sum 1) or totals (all margins the same total)
    is_share = {v: abs(t - 1.0) <= SHARE_TOL for v, t in totals.items()}
    for var, t in totals.items():
        spec_vals = np.array(list(margins[var].values()), dtype=float)
        if not is_share[var] and np.all(spec_vals <= 1.0):
            raise DataError(f"the shares of margin '{var}' sum to {t:.6g}, not to 1",
                            key=f"weighting.margins.{var}",
                            hint="make the shares add up to 1 (or give population counts for every category)")
    count_totals = {v: t for v, t in totals.items() if not is_share[v]}
    if count_totals and len(count_totals) < len(totals):
        share_var = next(v for v in totals if is_share[v])
        count_var = next(iter(count_totals))
        raise DataError(f"margin '{share_var}' is given as shares (sum 1) but '{count_var}' as totals "
                        f"(sum {count_totals[count_var]:g})", key=f"weighting.margins.{count_var}",
                        hint="give every margin as shares, or every margin as population counts")
    if count_totals:
        ref_var, ref = next(iter(count_totals.items()))
        for var, t in count_totals.items():
            if abs(t - ref) > TOTAL_RTOL * max(ref, t):
                raise DataError(f"population totals differ between margins: '{ref_var}' sums to {ref:g}, "
                                f"'{var}' to {t:g}", key=f"weighting.margins.{var}",
                                hint="every margin must describe the same population; give shares or equal totals")
    return codes, shares, cats_all


def _codes_in_order(col: pd.Series, cats: list[str]) -> np.ndarray:
    """Position of each row's category (as text) in ``cats``; -1 when it is not there. Factorises first
    so the text comparison runs on the few distinct values, not on every row."""
    if isinstance(col.dtype, pd.CategoricalDtype):
        codes, uniques = col.cat.codes.to_numpy(), col.cat.categories
    else:
        codes, uniques = pd.factorize(col, use_na_sentinel=True)
    lookup = {c: k for k, c in enumerate(cats)}
    mapping = np.array([lookup.get(str(u), -1) for u in uniques] + [-1], dtype=np.int64)
    return mapping[codes]  # code -1 (NA) picks the trailing -1


def _check_base(base_weights: Any, n: int) -> np.ndarray:
    if base_weights is None:
        return np.ones(n)
    base = np.asarray(base_weights, dtype=float).reshape(-1)
    if base.shape[0] != n:
        raise DataError(f"base_weights has {base.shape[0]} values for {n} rows",
                        hint="give one base weight per respondent")
    bad = ~np.isfinite(base) | (base <= 0)
    if bad.any():
        row = int(np.flatnonzero(bad)[0])
        raise DataError(f"base weights must be positive and finite; {int(bad.sum())} are not "
                        f"(first: {base[row]!r})", row=row + 1, column="base_weights",
                        hint="drop respondents with weight 0 before weighting, or fix the design weights")
    return base


def _ipf(cell_codes: list[np.ndarray], cell_w: np.ndarray, shares: list[np.ndarray], names: Sequence[str],
         cats: list[list[str]], tol: float, max_iter: int) -> np.ndarray:
    """Raking on cells: return the multiplicative factor per cell so every margin's shares match."""
    factor = np.ones_like(cell_w)
    w = cell_w.copy()
    total = w.sum()
    for _ in range(max_iter):
        worst = 0.0
        for code, target in zip(cell_codes, shares):
            sums = np.bincount(code, weights=w, minlength=target.size)
            worst = max(worst, float(np.max(np.abs(sums / total - target))))
            with np.errstate(divide="ignore", invalid="ignore"):
                adj = np.where(sums > 0, target * total / sums, 1.0)
            step = adj[code]
            w *= step
            factor *= step
        if worst <= tol:
            return factor
    # report the margin that is off the most
    off = []
    for name, code, target, cat in zip(names, cell_codes, shares, cats):
        sums = np.bincount(code, weights=w, minlength=target.size) / total
        j = int(np.argmax(np.abs(sums - target)))
        off.append((abs(sums[j] - target[j]), name, cat[j], sums[j], target[j]))
    gap, name, cat, got, want = max(off)
    raise AnalysisError(
        f"raking did not converge after {max_iter} iterations: margin '{name}' category '{cat}' is off by "
        f"{gap:.3g} (weighted share {got:.4f}, target {want:.4f})", key=f"weighting.margins.{name}",
        hint="the margins may be inconsistent with the sample (e.g. empty combinations); merge small "
             "categories, drop a margin variable, or raise max_iter")


def _rake_rows(codes: list[np.ndarray], base: np.ndarray, shares: list[np.ndarray], names: Sequence[str],
               cats: list[list[str]], tol: float, max_iter: int) -> np.ndarray:
    sizes = [s.size for s in shares]
    if float(np.prod(sizes, dtype=float)) <= MAX_CELLS:
        cell = np.ravel_multi_index(codes, sizes) if len(codes) > 1 else codes[0]
        uniq, inverse = np.unique(cell, return_inverse=True)
        cell_w = np.bincount(inverse, weights=base, minlength=uniq.size)
        cell_codes = list(np.unravel_index(uniq, sizes)) if len(codes) > 1 else [uniq]
        factor = _ipf([np.asarray(c) for c in cell_codes], cell_w, shares, names, cats, tol, max_iter)
        return base * factor[inverse]
    factor = _ipf(codes, base.copy(), shares, names, cats, tol, max_iter)
    return base * factor


def rake(frame: pd.DataFrame, margins: Mapping[str, Mapping[Any, float]], base_weights: Any = None,
         tol: float = 1e-10, max_iter: int = DEFAULT_MAX_ITER,
         trim: tuple[float, float] | None = None, max_trim_iter: int = 100) -> np.ndarray:
    """Rake weights so the weighted sample reproduces every population margin (IPF).

    Parameters
    ----------
    frame:
        One row per respondent with a column for every margin variable (no missing values).
    margins:
        ``{column: {category: share or total}}``; any number of variables. Shares must sum to 1 per
        variable; totals must sum to the same population total for every variable (within 0.1 %;
        each margin is then fitted as shares of its own total, the weights sum to the first total).
    base_weights:
        Design weights to start from (positive, finite); default 1 for every row.
    tol:
        Convergence: the largest absolute difference between a weighted share and its target.
    max_iter:
        Maximum number of full raking cycles.
    trim:
        ``(lower, upper)`` bounds relative to the mean weight, e.g. ``(0.3, 3.0)``. Weights are
        clipped and re-raked until both the bounds and the margins hold (or ``max_trim_iter``
        rounds, then a warning says how far the bounds are exceeded; the margins always hold).

    Returns
    -------
    numpy.ndarray
        One weight per row; sums to ``len(frame)`` (shares) or to the population total (totals).

    Raises
    ------
    DataError
        Margins that do not sum to 1 or disagree in total, a margin column that does not exist or
        has missing values, a respondent category missing from the margins, bad base weights.
    AnalysisError
        A margin category without respondents, or no convergence (says which margin is off by how much).
    """
    if not margins:
        raise DataError("no margins given to rake on", key="weighting.margins",
                        hint="give at least one {column: {category: share}} margin")
    codes, shares, cats = _margin_codes(frame, margins)
    base = _check_base(base_weights, len(frame))
    names = list(margins)
    w = _rake_rows(codes, base, shares, names, cats, tol, max_iter)
    if trim is not None:
        lo, hi = float(trim[0]), float(trim[1])
        if not 0 <= lo < 1 < hi:
            raise DataError(f"trim bounds must satisfy 0 <= lower < 1 < upper, got {trim!r}", key="weighting.trim",
                            hint="e.g. trim: [0.3, 3.0]")
        for _ in range(max_trim_iter):
            mean = w.mean()
            if np.all(w >= lo * mean * (1 - 1e-9)) and np.all(w <= hi * mean * (1 + 1e-9)):
                break
            w = _rake_rows(codes, np.clip(w, lo * mean, hi * mean), shares, names, cats, tol, max_iter)
        else:
            mean = w.mean()
            warnings.warn(f"trimmed weights still range {w.min() / mean:.3g}-{w.max() / mean:.3g} times the mean "
                          f"after {max_trim_iter} rounds (bounds {lo:g}-{hi:g}); margins are exact",
                          stacklevel=2)
    total = _population_total(margins, len(frame))
    return w * (total / w.sum())


def _population_total(margins: Mapping[str, Mapping[Any, float]], n: int) -> float:
    for spec in margins.values():
        t = float(sum(float(v) for v in spec.values()))
        if abs(t - 1.0) > SHARE_TOL:
            return t
    return float(n)


def poststratify(frame: pd.DataFrame, column: str, margin: Mapping[Any, float], base_weights: Any = None
                 ) -> np.ndarray:
    """Post-stratification: raking on one variable, ``w = base * N_h / sum(base in h)`` in closed form.

    Parameters and errors as :func:`rake` with ``margins={column: margin}``.
    """
    return rake(frame, {column: margin}, base_weights=base_weights)


def kish(weights: Any) -> tuple[float, float]:
    """Kish effective sample size ``n_eff = (sum w)^2 / sum w^2`` and design effect ``deff = n / n_eff``.

    Parameters
    ----------
    weights:
        Positive weights (NaN rows are ignored).

    Returns
    -------
    (n_eff, deff)
    """
    w = np.asarray(weights, dtype=float).reshape(-1)
    w = w[np.isfinite(w)]
    if w.size == 0 or w.sum() <= 0:
        return 0.0, float("nan")
    n_eff = float(w.sum() ** 2 / np.square(w).sum())
    return n_eff, float(w.size / n_eff)


def survey_weights(responses: pd.DataFrame, config: Any, missing: str = "mean") -> pd.Series:
    """The report's weight per respondent: raked to ``config.margins`` and trimmed to ``config.trim``.

    Rows with a missing value in any margin variable cannot be placed in a weighting cell. With
    ``missing="mean"`` (default) the complete rows are raked to the margins with mean weight 1 and the
    incomplete rows keep weight 1 (they count as an average respondent); a warning says how many.
    ``missing="error"`` raises instead. Without margins every weight is 1.

    Parameters
    ----------
    responses:
        ``Survey.responses``.
    config:
        An ``OrgConfig`` (uses ``margins`` and ``trim``).
    missing:
        ``"mean"`` or ``"error"``, see above.

    Returns
    -------
    pandas.Series
        Named ``gewicht``, same index as ``responses``, mean 1. ``attrs["calibration"]`` names the
        margin columns, so the KPI functions can compute the linearised variance of the raked design.

    Raises
    ------
    DataError, AnalysisError
        As :func:`rake`; DataError for missing margin values when ``missing="error"``.
    """
    margins = dict(getattr(config, "margins", None) or {})
    out = pd.Series(1.0, index=responses.index, name="gewicht")
    if not margins:
        return out
    if missing not in ("mean", "error"):
        raise DataError(f"unknown missing-value policy '{missing}'", hint="use 'mean' or 'error'")
    for var in margins:
        if var not in responses.columns:
            raise DataError(f"margin variable '{var}' is not in the survey data", column=var,
                            key=f"weighting.margins.{var}", file=str(getattr(config, "path", "")) or None,
                            hint="map the column under data.columns or remove the margin")
    complete = responses[list(margins)].notna().all(axis=1).to_numpy()
    if not complete.all():
        if missing == "error":
            row = int(np.flatnonzero(~complete)[0]) + 1
            raise DataError(f"{int((~complete).sum())} respondent(s) have no value for a margin variable",
                            row=row, hint="use missing='mean' to give them weight 1, or fix the data")
        warnings.warn(f"{int((~complete).sum())} respondent(s) miss a margin variable and keep weight 1",
                      stacklevel=2)
    if complete.sum() == 0:
        raise AnalysisError("no respondent has values for all margin variables", key="weighting.margins")
    sub = responses.loc[complete, list(margins)]
    w = rake(sub, margins, trim=getattr(config, "trim", None))
    out.loc[complete] = w / w.mean()
    out.attrs[CALIBRATION_ATTR] = {"margins": list(margins), "within": None}  # for the linearised variance
    return out


def weighted_shares(frame: pd.DataFrame, column: str, weights: Any = None) -> pd.Series:
    """Share of each category of ``column`` (weighted when ``weights`` is given; NaN rows ignored)."""
    w = np.ones(len(frame)) if weights is None else np.asarray(weights, dtype=float)
    col = frame[column]
    ok = col.notna().to_numpy()
    s = pd.Series(w[ok]).groupby(col[ok].astype(str).to_numpy()).sum()
    return s / s.sum()


# -- design-based (linearised) variance of estimators on raked weights --------------------------------
CALIBRATION_ATTR = "calibration"  # key in ``weights.attrs``: {"margins": [...], "within": column or None}
RAKING_SWEEPS = 10  # R survey's svyrecvar projects the influence values on the raking margins 10 times


@dataclass(frozen=True)
class Calibration:
    """How the weights were made, as far as the variance needs it.

    ``codes`` holds per margin (column) the category code of every row (-1: the row was not raked on it);
    ``strata`` the group (e.g. quarter) within which raking was done, or ``None``.
    """

    codes: np.ndarray
    strata: np.ndarray | None = None

    @functools.cached_property
    def sweep_plan(self) -> tuple:
        """What :func:`calibration_residuals` needs of the margins, made once per calibration: per margin
        the raked rows and their category (0..k-1), the category-by-row sum matrix, the category counts,
        and the cross-counts of every pair of margins."""
        from scipy import sparse

        n = self.codes.shape[0]
        margins = []
        for j in range(self.codes.shape[1]):
            code = self.codes[:, j]
            ok = np.flatnonzero(code >= 0)
            uniq, inv = np.unique(code[ok], return_inverse=True)
            margins.append((ok, inv.ravel(), uniq.size))
        to_sums, counts, cross = [], [], {}
        for j, (ok, inv, k) in enumerate(margins):
            to_sums.append(sparse.csr_matrix((np.ones(ok.size), (inv, ok)), shape=(k, n)))
            counts.append(np.bincount(inv, minlength=k).astype(float))
            for l, (ok_l, inv_l, k_l) in enumerate(margins):
                code_l = np.full(n, -1, dtype=np.int64)
                code_l[ok_l] = inv_l
                both = code_l[ok] >= 0
                cross[j, l] = sparse.csr_matrix((np.ones(int(both.sum())), (inv[both], code_l[ok][both])),
                                                shape=(k, k_l)).toarray()
        return margins, to_sums, counts, cross


def calibration_of(responses: pd.DataFrame, weights: Any) -> Calibration | None:
    """The :class:`Calibration` behind ``weights`` (a Series from :func:`survey_weights`), or ``None``.

    ``survey_weights`` records the margin columns in ``weights.attrs["calibration"]``; the category codes
    are read back from ``responses`` (missing values get code -1, as those rows were not raked).
    """
    spec = getattr(weights, "attrs", {}).get(CALIBRATION_ATTR) if weights is not None else None
    if not spec:
        return None
    margins = [m for m in spec.get("margins", []) if m in responses.columns]
    within = spec.get("within")
    strata = None
    if within is not None and within in responses.columns:
        strata = text_codes(responses[within])[0]
        strata = np.where(strata < 0, strata.max() + 1, strata)
    if not margins:
        return Calibration(np.zeros((len(responses), 0), dtype=np.int64), strata)
    codes = np.column_stack([text_codes(responses[m])[0] for m in margins]).astype(np.int64)
    if strata is not None:  # raked within each stratum: a margin category is a (stratum, category) pair
        width = codes.max(initial=0) + 1
        codes = np.where(codes < 0, -1, strata[:, None] * width + codes)
    return _known_calibration(Calibration(codes, strata))


_CALIBRATIONS: dict[bytes, Calibration] = {}  # the last few calibrations by content, with their sweep plans


def _known_calibration(calibration: Calibration) -> Calibration:
    """The same calibration made before (equal codes and strata, by digest), so its sweep plan is reused:
    a report asks for the calibration of the same rows and weights in many tables."""
    import hashlib

    digest = hashlib.sha1(np.ascontiguousarray(calibration.codes).view(np.uint8))
    digest.update(repr(calibration.codes.shape).encode())
    if calibration.strata is not None:
        digest.update(np.ascontiguousarray(calibration.strata, dtype=np.int64).view(np.uint8))
    key = digest.digest()
    known = _CALIBRATIONS.get(key)
    if known is not None:
        return known
    if len(_CALIBRATIONS) >= 8:
        _CALIBRATIONS.pop(next(iter(_CALIBRATIONS)))
    _CALIBRATIONS[key] = calibration
    return calibration


def text_codes(column: pd.Series) -> tuple[np.ndarray, list[str]]:
    """``pd.factorize(column.astype("string"))``: a code per row (-1 missing) and the distinct texts, the text
    made once per distinct value (a million rows of a few groups: a few conversions, not a million)."""
    codes, uniques = pd.factorize(column, use_na_sentinel=True)
    text = pd.Series(np.asarray(uniques, dtype=object), dtype=object).astype("string")
    merged, texts = pd.factorize(text, use_na_sentinel=True)  # values with the same text share a code
    return np.append(merged, -1)[codes].astype(np.int64), list(texts)



def calibration_residuals(x: np.ndarray, weights: np.ndarray, calibration: Calibration | None,
                          sweeps: int = RAKING_SWEEPS) -> np.ndarray:
    """Residualise weighted influence values on the raking margins, as R ``survey`` does for ``rake()``.

    Each sweep replaces ``x`` by ``x - w * ave(x / w, margin)`` for every margin in turn (``ave`` the
    unweighted mean within a category); ``sweeps`` rounds of this alternating projection (R uses 10).
    Rows with code -1 on a margin are left alone for that margin.

    Parameters
    ----------
    x:
        ``(n,)`` or ``(n, m)`` weighted influence values (e.g. ``w (y - mean) / sum w`` for a mean).
    weights:
        ``(n,)`` the final (raked) weights.
    calibration:
        From :func:`calibration_of`; ``None`` returns ``x`` unchanged.

    Returns
    -------
    numpy.ndarray
        The residualised values, same shape as ``x``.
    """
    if calibration is None or calibration.codes.shape[1] == 0:
        return x
    z = np.asarray(x, dtype=float)
    one_d = z.ndim == 1
    z = (z[:, None] if one_d else z) / weights[:, None]
    # Every sweep subtracts a value per category, so the sweeps run on category sums only: the sums of
    # ``z`` within margin j's categories after adjustments ``a_l`` are ``S_j - sum_l C_jl a_l`` (``C_jl``
    # the cross-count of the categories of margins j and l); the rows are touched once at the end.
    margins, to_sums, counts, cross = calibration.sweep_plan
    sums = [t @ z for t in to_sums]
    adjust = [np.zeros_like(t) for t in sums]
    for _ in range(sweeps):
        for j in range(len(margins)):
            current = sums[j] - sum(cross[j, l] @ adjust[l] for l in range(len(margins)))
            adjust[j] = adjust[j] + current / counts[j][:, None]
    for (ok, inv, _), a in zip(margins, adjust):  # z is a new array (the division above)
        if ok.size == z.shape[0]:  # every row raked on this margin: no gather and scatter
            z -= a[inv]
        else:
            z[ok] -= a[inv]
    out = z * weights[:, None]
    return out[:, 0] if one_d else out


def design_variance(x: np.ndarray, strata: np.ndarray | None = None) -> np.ndarray:
    """With-replacement variance of a total from (residualised) influence values, one row per respondent.

    ``sum_h n_h / (n_h - 1) * sum_i (x_i - mean_h x)^2`` over strata ``h`` (one stratum when ``None``):
    R ``survey``'s ``svyrecvar`` for ``svydesign(ids = ~1, strata = ..., weights = ...)``.

    Parameters
    ----------
    x:
        ``(n,)`` or ``(n, m)`` influence values.
    strata:
        ``(n,)`` integer stratum per row, or ``None``.

    Returns
    -------
    numpy.ndarray
        The variance (``(m,)``; a 0-d array for 1-D input). NaN where a stratum has one row.
    """
    z = np.asarray(x, dtype=float)
    one_d = z.ndim == 1
    z = z[:, None] if one_d else z
    if strata is None:
        strata = np.zeros(z.shape[0], dtype=np.int64)
    _, inv, counts = np.unique(strata, return_inverse=True, return_counts=True)
    inv = inv.reshape(-1)
    # per column, sums in row order within each stratum (as np.add.at, bit for bit, many times faster)
    sums = np.column_stack([np.bincount(inv, weights=z[:, k], minlength=counts.size) for k in range(z.shape[1])]) \
        if z.shape[1] else np.zeros((counts.size, 0))
    centred = z - (sums / counts[:, None])[inv]
    ss = np.column_stack([np.bincount(inv, weights=centred[:, k] ** 2, minlength=counts.size)
                          for k in range(z.shape[1])]) if z.shape[1] else np.zeros_like(sums)
    with np.errstate(divide="ignore", invalid="ignore"):
        factor = np.where(counts > 1, counts / (counts - 1.0), np.nan)
    var = np.nansum(ss * factor[:, None], axis=0)
    if np.any(counts == 1):
        var = np.where(np.any(ss[counts == 1] != 0, axis=0), np.nan, var)
    return var[0] if one_d else var

"""Driver analysis: which drivers explain the outcome, exactly and fast (issue #5).

The main measure is the Shapley decomposition of R² (identical to LMG, Lindeman–Merenda–Gold):
each driver gets its average gain in R² over all orders in which drivers can enter the regression.
Peers (R ``relaimpo``, Python ``dominance-analysis``) fit all 2^p subset regressions one by one.
Here the R² of every subset comes from the (weighted) correlation matrix in one vectorised pass:
the subsets form a binary tree (driver k in or out); a level of the tree takes the Schur complement
of all nodes at once (a batched sweep), so a subset costs O(p) instead of a regression of O(n·p²).
Shapley values then follow from the R² array with weights ``|S|!(p-|S|-1)!/p!``.

Also here: groups of drivers as one player (and the Owen split inside a group), standardized betas,
Johnson's relative weights, a seeded weighted bootstrap for CIs of importances and ranks, and a per
segment analysis that refuses segments with too few respondents and says why.
"""
from __future__ import annotations

from dataclasses import dataclass
from math import factorial
from typing import Any, Mapping, Sequence

import numpy as np
import pandas as pd

from meethuis.common.errors import AnalysisError

MAX_EXACT_PLAYERS = 25
"""Largest number of players (drivers or groups) for the exact decomposition (2^25 subsets)."""

_STATE_LIMIT = 1 << 20  # elements per batch of sweep states (8 MB of float64): bounds memory
_COLLINEAR_TOL = 1e-10  # smallest eigenvalue of the driver correlation matrix still accepted

_REASONS = {
    "nl": {
        "too_few": "Niet getoond: {n} respondenten met bruikbare antwoorden, minimaal {min_n} nodig "
        "({per} per drijfveer).",
        "failed": "Niet getoond: de analyse is voor deze groep niet mogelijk ({error}).",
    },
    "en": {
        "too_few": "Not shown: {n} respondents with usable answers, at least {min_n} needed "
        "({per} per driver).",
        "failed": "Not shown: the analysis is not possible for this group ({error}).",
    },
}


# ------------------------------------------------------------------------------------------------
# input checks and (weighted) correlation matrices
# ------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class _Prepared:
    """Validated numbers for one analysis: correlation matrix with the outcome last."""

    corr: np.ndarray  # (p+1, p+1), outcome last
    names: list[str]
    outcome: str
    n: int  # respondents used (listwise) or smallest pairwise n
    n_used: np.ndarray  # per driver: respondents with both driver and outcome
    n_eff: float
    values: np.ndarray  # (n_rows, p+1) data with NaN, outcome last (rows with weight > 0)
    weights: np.ndarray  # (n_rows,)
    missing: str
    batch: Any = None  # the _CorrBatch of ``values`` (distinct rows found once), reused by the bootstrap


def _resolve_weights(frame: pd.DataFrame, weights) -> np.ndarray:
    if weights is None:
        return np.ones(len(frame))
    if isinstance(weights, str):
        if weights not in frame.columns:
            raise AnalysisError(
                f"weight column '{weights}' not found",
                column=weights,
                hint="pass the name of a column with survey weights, an array, or None",
            )
        w = frame[weights]
    else:
        w = weights
    w = np.asarray(pd.Series(w).to_numpy(dtype=float) if isinstance(w, pd.Series) else w, dtype=float)
    if w.ndim != 1 or len(w) != len(frame):
        raise AnalysisError(
            f"weights have length {len(w)} but the data has {len(frame)} rows",
            column=weights if isinstance(weights, str) else None,
            hint="give one weight per respondent, in the same order as the rows",
        )
    bad = ~np.isfinite(w) | (w < 0)
    if bad.any():
        row = int(np.flatnonzero(bad)[0]) + 1
        raise AnalysisError(
            f"weights must be finite and non-negative; {int(bad.sum())} are not",
            row=row,
            column=weights if isinstance(weights, str) else None,
            hint="compute weights with meethuis.stats.weights.survey_weights",
        )
    return w


def _check_columns(frame: pd.DataFrame, outcome: str, drivers: Sequence[str]) -> list[str]:
    if not isinstance(frame, pd.DataFrame):
        raise AnalysisError("the data must be a pandas DataFrame", hint="use meethuis.intake.validate.load_survey")
    names = list(drivers)
    if not names:
        raise AnalysisError("no drivers given", hint="pass at least one driver column")
    dup = sorted({d for d in names if names.count(d) > 1})
    if dup:
        raise AnalysisError(f"driver(s) listed twice: {', '.join(dup)}", column=dup[0],
                            hint="list every driver once")
    if outcome in names:
        raise AnalysisError(f"the outcome '{outcome}' is also listed as a driver", column=outcome,
                            hint="remove the outcome from the drivers")
    for col in [outcome, *names]:
        if col not in frame.columns:
            raise AnalysisError(
                f"column '{col}' not found in the data",
                column=col,
                hint=f"available columns: {', '.join(map(str, frame.columns[:30]))}",
            )
        if not (pd.api.types.is_numeric_dtype(frame[col]) or frame[col].isna().all()):
            raise AnalysisError(f"column '{col}' is not numeric", column=col,
                                hint="drivers and outcome must be answer codes (numbers)")
    return names


def _check_player_count(k: int, what: str = "drivers") -> None:
    if k > MAX_EXACT_PLAYERS:
        raise AnalysisError(
            f"{k} {what} is above the exact limit of {MAX_EXACT_PLAYERS} (2^{k} subsets)",
            hint="group the items by construct or service principle, e.g. "
            "groups=codebook.drivers_by_principle(), and use group_importance",
        )


# Bytes a batch of bootstrap replicates may hold at once (resample counts and weights, n per replicate,
# and the row block of cross products): bounds the bootstrap's memory by n × resamples, not by data size.
BOOTSTRAP_BLOCK_BYTES = 256 * 2**20
_DISTINCT_MIN = 2000  # from twice this many rows on, cross products are summed per distinct row


def _batched_corr(values: np.ndarray, v: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Pairwise-complete weighted correlations for a batch of weight vectors.

    ``values`` (n, m) may contain NaN; ``v`` (B, n) are weights (survey weight x bootstrap count).
    Returns (corr (B, m, m), weighted count per pair (B, m, m)). With no NaN this is the ordinary
    weighted Pearson correlation; columns are centred first to avoid cancellation.
    """
    return _CorrBatch(values)(v)


def _row_codes(values: np.ndarray) -> tuple[np.ndarray, int]:
    """A code per row of ``values`` (no NaN), equal for equal rows, and the number of distinct rows.

    Column codes (hash-based ``pd.factorize``) are combined one column at a time and renumbered, so the
    combined code never overflows; no sort of whole rows.
    """
    codes = np.zeros(len(values), dtype=np.int64)
    count = 1
    for column in values.T:
        c, uniques = pd.factorize(column)
        codes, seen = pd.factorize(codes * len(uniques) + c)
        count = len(seen)
    return codes.astype(np.int64, copy=False), count


class _CorrBatch:
    """:func:`_batched_corr` with the per-column work done once, for many batches of weights.

    The cross products are summed over blocks of rows, so no (n, m²) array is ever held whole.
    """

    def __init__(self, values: np.ndarray) -> None:
        present = ~np.isnan(values)
        x = np.where(present, values, 0.0)
        n, m = values.shape
        centre = np.array([x[present[:, j], j].mean() if present[:, j].any() else 0.0 for j in range(m)])
        self.x = np.where(present, x - centre, 0.0)
        self.mf = present.astype(float)
        self.complete = bool(present.all())
        # a variance below this (relative to the column's overall variance) is zero up to rounding
        self.tiny = 1e-12 * np.array([np.mean(self.x[present[:, j], j] ** 2) if present[:, j].any() else 0.0
                                      for j in range(m)]) + 1e-300
        # Rows with the same answers add the same cross products: sum their weights first and multiply
        # once per distinct row (answers on 1-5 and 1-10 scales repeat: 1M rows hold a few thousand).
        self.inverse = None
        if n > 2 * _DISTINCT_MIN:
            inverse, count = _row_codes(np.column_stack([self.x, present]))
            if count <= n // 2:
                first = np.empty(count, dtype=np.int64)
                first[inverse[::-1]] = np.arange(n - 1, -1, -1)  # each distinct row's first occurrence
                self.inverse, n = inverse, count
                self.x, self.mf = self.x[first], self.mf[first]
        self.n, self.m = n, m
        self.rows = max(1, int(BOOTSTRAP_BLOCK_BYTES // 4 // (8 * m * m)))
        self._products: dict[str, np.ndarray] = {}

    def collapse(self, v: np.ndarray) -> np.ndarray:
        """Weights per row (B, n) summed per distinct row (B, distinct rows); unchanged without grouping."""
        if self.inverse is None:
            return v
        out = np.empty((v.shape[0], self.n))
        for b in range(v.shape[0]):
            out[b] = np.bincount(self.inverse, weights=v[b], minlength=self.n)
        return out

    def wsum(self, v: np.ndarray, left: np.ndarray, right: np.ndarray, key: str | None = None) -> np.ndarray:
        """sum_n v[b, n] * left[n, i] * right[n, j], as matrix products over blocks of rows.

        With a ``key`` and few (distinct) rows the row products are made once and kept for every batch of
        resamples (the same single block, so the same sums).
        """
        m = self.m
        out = np.zeros((v.shape[0], m * m))
        if key is not None and self.n <= (self.rows if self.complete else self.rows // 4):  # 1 or 4 kept
            products = self._products.get(key)
            if products is None:
                products = self._products[key] = (left[:, :, None] * right[:, None, :]).reshape(self.n, m * m)
            out += v[:, 0:self.n] @ products
            return out.reshape(-1, m, m)
        for lo in range(0, self.n, self.rows):
            hi = min(self.n, lo + self.rows)
            out += v[:, lo:hi] @ (left[lo:hi, :, None] * right[lo:hi, None, :]).reshape(hi - lo, m * m)
        return out.reshape(-1, m, m)

    def __call__(self, v: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        v = self.collapse(v)
        x, mf, tiny = self.x, self.mf, self.tiny
        if self.complete:
            s0 = v.sum(axis=1)[:, None, None]
            mean = (v @ x) / s0[:, :, 0]
            cov = self.wsum(v, x, x, "xx") / s0 - mean[:, :, None] * mean[:, None, :]
            var = np.diagonal(cov, axis1=1, axis2=2)
            sd = np.where(var > tiny, np.sqrt(np.clip(var, 0, None)), np.nan)
            with np.errstate(divide="ignore", invalid="ignore"):
                corr = cov / (sd[:, :, None] * sd[:, None, :])
            return corr, np.broadcast_to(s0, corr.shape)
        s0 = self.wsum(v, mf, mf, "mm")
        s1 = self.wsum(v, x, mf, "xm")  # sum of x_i over rows where i and j are both present
        s2 = self.wsum(v, x * x, mf, "x2m")
        s11 = self.wsum(v, x, x, "xx")
        with np.errstate(divide="ignore", invalid="ignore"):
            mi = s1 / s0
            mj = np.swapaxes(s1, 1, 2) / s0
            cov = s11 / s0 - mi * mj
            vi = s2 / s0 - mi**2
            vj = np.swapaxes(s2, 1, 2) / s0 - mj**2
            vi = np.where(vi > tiny[None, :, None], vi, np.nan)
            vj = np.where(vj > tiny[None, None, :], vj, np.nan)
            corr = cov / np.sqrt(vi * vj)
        return corr, s0


def _prepare(frame, outcome, drivers, weights, missing, *, check_limit: bool = True) -> _Prepared:
    names = _check_columns(frame, outcome, drivers)
    if missing not in ("listwise", "pairwise"):
        raise AnalysisError(f"unknown missing-data method '{missing}'", key="missing",
                            hint="use 'listwise' (complete answers only) or 'pairwise'")
    if check_limit:
        _check_player_count(len(names))
    w = _resolve_weights(frame, weights)
    values = frame[[*names, outcome]].to_numpy(dtype=float)
    keep = w > 0
    if missing == "listwise":
        keep &= ~np.isnan(values).any(axis=1)
    values, w = values[keep], w[keep]
    p = len(names)
    present = ~np.isnan(values)
    pair_n = np.rint(present.T.astype(float) @ present.astype(float)).astype(np.int64)  # exact counts, by BLAS
    n_used = pair_n[:p, p]
    n_min = int(pair_n.min()) if values.size else 0
    if n_min <= p + 1:
        where = names[int(np.argmin(n_used))] if missing == "pairwise" else None
        raise AnalysisError(
            f"too few respondents for {p} drivers: {n_min} usable ({missing}), more than {p + 1} needed",
            column=where,
            hint="use fewer drivers, group them by construct, or combine periods or segments",
        )
    # constant columns (no variance) among the rows used
    for j, col in enumerate([*names, outcome]):
        col_vals = values[present[:, j], j]
        if col_vals.size and np.ptp(col_vals) == 0:
            role = "outcome" if j == p else "driver"
            raise AnalysisError(
                f"the {role} '{col}' has no variance (every answer is {col_vals[0]:g})",
                column=col,
                hint="leave this column out of the driver analysis" if role == "driver"
                else "the outcome must vary between respondents to explain it",
            )
    batch = _CorrBatch(values)
    corr, _ = batch(w[None, :])
    corr = corr[0]
    if not np.isfinite(corr).all():
        i, j = np.argwhere(~np.isfinite(corr))[0]
        cols = [*names, outcome]
        raise AnalysisError(
            f"no correlation between '{cols[i]}' and '{cols[j]}' can be computed "
            "(no overlap or no variance where both are answered)",
            column=cols[i], hint="use missing='listwise' or drop one of these columns",
        )
    np.fill_diagonal(corr, 1.0)
    if missing == "pairwise":
        eig_min = np.linalg.eigvalsh(corr).min()
        if eig_min < -_COLLINEAR_TOL:
            raise AnalysisError(
                f"the pairwise-complete correlation matrix is not positive definite "
                f"(smallest eigenvalue {eig_min:.3g})",
                column=outcome,
                hint="pairs were answered by different respondents; use missing='listwise'",
            )
    _check_collinear(corr[:p, :p], names)
    n_eff = float(w.sum() ** 2 / (w**2).sum()) if missing == "listwise" else float("nan")
    return _Prepared(corr, names, outcome, n_min if missing == "pairwise" else len(values),
                     n_used.astype(int), n_eff, values, w, missing, batch)


def _check_collinear(rxx: np.ndarray, names: list[str]) -> None:
    evals, evecs = np.linalg.eigh(rxx)
    if evals[0] > _COLLINEAR_TOL:
        return
    vec = np.abs(evecs[:, 0])
    involved = [names[i] for i in np.flatnonzero(vec > 1e-3 * vec.max())]
    raise AnalysisError(
        f"drivers {', '.join(involved)} are perfectly collinear (one is an exact linear combination "
        "of the others)",
        column=involved[0],
        hint="drop one of them, or treat them as one group with group_importance",
    )


# ------------------------------------------------------------------------------------------------
# the engine: R² of every subset, and Shapley / Owen values from those
# ------------------------------------------------------------------------------------------------
def subset_r2(corr: np.ndarray, sizes: Sequence[int] | None = None) -> np.ndarray:
    """R² of the regression of the last variable on every subset of players, from a correlation matrix.

    Parameters
    ----------
    corr:
        (m, m) or (B, m, m) covariance or correlation matrices; the outcome is the last variable and
        the predictors are ordered player by player.
    sizes:
        Number of predictors per player (a player is a group of columns); default one per column.

    Returns
    -------
    numpy.ndarray
        Shape (2^K,) or (2^K, B): entry ``mask`` is the R² with the players whose bit is set in
        ``mask`` (player j is bit j).
    """
    c = np.asarray(corr, dtype=float)
    single = c.ndim == 2
    if single:
        c = c[None]
    m = c.shape[-1]
    sizes = [1] * (m - 1) if sizes is None else [int(s) for s in sizes]
    if sum(sizes) != m - 1 or any(s < 1 for s in sizes):
        raise AnalysisError(f"player sizes {sizes} must be positive and add up to {m - 1} predictors",
                            key="sizes", hint="give one size per player (group of columns)")
    k = len(sizes)
    out = np.empty((1 << k, c.shape[0]))
    _sweep_tree(c.copy(), sizes, 0, out)
    r2 = out
    r2 /= c[:, -1, -1][None, :]
    np.subtract(1.0, r2, out=r2)
    r2[0] = 0.0
    return r2[:, 0] if single else r2


def _sweep_tree(a: np.ndarray, sizes: list[int], k: int, out: np.ndarray) -> None:
    """Fill ``out`` (2^(K-k), *states) with residual variances of the outcome below tree level k.

    ``a`` has shape (*states, m, m): the Schur complements (outcome and not-yet-decided players) of
    every node at this level. Each level doubles the nodes: player k left out (drop its rows) or put
    in (Schur complement on its block). Nodes are processed in batches to bound memory.
    """
    if k == len(sizes):
        out[...] = a[..., 0, 0]
        return
    states = a.shape[:-2]
    m = a.shape[-1]
    g = sizes[k]
    if 2 * int(np.prod(states)) * (m - g) ** 2 > _STATE_LIMIT:
        axis = next((i for i, s in enumerate(states) if s > 1), None)
        if axis is not None:
            half = states[axis] // 2
            idx_a = (slice(None),) * axis + (slice(None, half),)
            idx_b = (slice(None),) * axis + (slice(half, None),)
            _sweep_tree(a[idx_a], sizes, k, out[(slice(None),) + idx_a])
            _sweep_tree(a[idx_b], sizes, k, out[(slice(None),) + idx_b])
            return
    if k == len(sizes) - 1:  # last player: only the outcome is left, write both children directly
        if g == 1:
            out[0] = a[..., 1, 1]
            out[1] = a[..., 1, 1] - a[..., 1, 0] ** 2 / a[..., 0, 0]
        else:
            u = a[..., g:, :g]
            out[0] = a[..., g, g]
            out[1] = a[..., g, g] - (u @ np.linalg.solve(a[..., :g, :g], np.swapaxes(u, -1, -2)))[..., 0, 0]
        return
    if k == len(sizes) - 2 and g == 1 and sizes[-1] == 1:
        # last two single players (a 3x3 matrix: x0, x1, outcome): the four children in closed form
        a00, a01, a0y = a[..., 0, 0], a[..., 0, 1], a[..., 0, 2]
        a11, a1y, ayy = a[..., 1, 1], a[..., 1, 2], a[..., 2, 2]
        o = out.reshape((out.shape[0] // 4, 2, 2) + states)[0]  # [bit of x1, bit of x0]
        o[0, 0] = ayy
        o[0, 1] = ayy - a0y**2 / a00
        o[1, 0] = ayy - a1y**2 / a11
        det = a00 * a11 - a01**2
        o[1, 1] = ayy - (a11 * a0y**2 - 2 * a01 * a0y * a1y + a00 * a1y**2) / det
        return
    nxt = np.empty((2,) + states + (m - g, m - g))
    rest = a[..., g:, g:]
    nxt[0] = rest
    if g == 1:
        u = a[..., g:, 0]
        np.multiply(u[..., :, None], (u / a[..., 0, 0][..., None])[..., None, :], out=nxt[1])
    else:
        u = a[..., g:, :g]
        np.matmul(u, np.linalg.solve(a[..., :g, :g], np.swapaxes(u, -1, -2)), out=nxt[1])
    np.subtract(rest, nxt[1], out=nxt[1])
    _sweep_tree(nxt, sizes, k + 1, out.reshape((out.shape[0] // 2, 2) + states))


def _shapley_weights(k: int) -> np.ndarray:
    """w[s] = s!(k-s-1)!/k!: the chance that a given coalition of size s precedes a player."""
    return np.array([factorial(s) * factorial(k - s - 1) / factorial(k) for s in range(k)])


def shapley_from_r2(r2: np.ndarray) -> np.ndarray:
    """Shapley values of every player from the R² of all 2^K subsets (output of :func:`subset_r2`).

    Parameters
    ----------
    r2:
        Shape (2^K,) or (2^K, B).

    Returns
    -------
    numpy.ndarray
        Shape (K,) or (K, B); the values add up to ``r2[-1]`` (the full model).
    """
    r2 = np.asarray(r2, dtype=float)
    k = int(r2.shape[0]).bit_length() - 1
    if 1 << k != r2.shape[0]:
        raise AnalysisError(f"r2 has {r2.shape[0]} rows, not a power of 2", key="r2",
                            hint="pass the output of subset_r2")
    extra = r2.shape[1:]
    w = _shapley_weights(k)
    w_with = np.concatenate([[0.0], w])  # by |S|: weight of S as "coalition + player"
    w_without = np.concatenate([w, [0.0]])  # by |S|: weight of S as "coalition before the player"
    c = min(k, 18)  # masks are processed in blocks of 2^c (bounded memory)
    pc_low = np.bitwise_count(np.arange(1 << c, dtype=np.uint32)).astype(np.intp)
    shape = (-1,) + (1,) * len(extra)
    phi = np.zeros((k,) + extra)
    for h in range(1 << (k - c)):
        pc = pc_low + int(h).bit_count()
        block = r2[h << c:(h + 1) << c]
        a = block * w_with[pc].reshape(shape)
        b = block * w_without[pc].reshape(shape)
        for j in range(c):
            phi[j] += a.reshape((1 << (c - j - 1), 2, 1 << j) + extra)[:, 1].sum(axis=(0, 1))
            phi[j] -= b.reshape((1 << (c - j - 1), 2, 1 << j) + extra)[:, 0].sum(axis=(0, 1))
        if k > c:
            a_sum, b_sum = a.sum(axis=0), b.sum(axis=0)
            for j in range(c, k):
                if (h >> (j - c)) & 1:
                    phi[j] += a_sum
                else:
                    phi[j] -= b_sum
    return phi


def _owen_inner(r2: np.ndarray, n_outer: int, n_inner: int) -> np.ndarray:
    """Owen values of the inner players (highest bits) when the outer players are whole groups.

    The game has ``n_outer`` other groups (bits 0..n_outer-1) and the items of one group (the next
    ``n_inner`` bits). An item's value averages its gain over coalitions of other groups (Shapley
    weights over n_outer+1 groups) and of its own group's items (Shapley weights over n_inner).
    """
    k = n_outer + n_inner
    masks = np.arange(1 << k, dtype=np.uint64)
    pc_out = np.bitwise_count(masks & np.uint64((1 << n_outer) - 1)).astype(np.intp)
    pc_in = np.bitwise_count(masks >> np.uint64(n_outer)).astype(np.intp)
    w_out = _shapley_weights(n_outer + 1)[pc_out]
    w_in = _shapley_weights(n_inner)
    w_with = w_out * np.concatenate([[0.0], w_in])[pc_in]
    w_without = w_out * np.concatenate([w_in, [0.0]])[pc_in]
    a, b = r2 * w_with, r2 * w_without
    vals = np.empty(n_inner)
    for i in range(n_inner):
        j = n_outer + i
        vals[i] = a.reshape(1 << (k - j - 1), 2, 1 << j)[:, 1].sum() - \
            b.reshape(1 << (k - j - 1), 2, 1 << j)[:, 0].sum()
    return vals


def _rank(values: np.ndarray) -> np.ndarray:
    """Rank 1 = largest; ties share the best rank."""
    return pd.Series(values).rank(ascending=False, method="min").to_numpy(dtype=int)


def _table(prep: _Prepared, names: list[str], importance: np.ndarray, n_used, r2: float) -> pd.DataFrame:
    out = pd.DataFrame({
        "driver": names,
        "importance": importance,
        "share": importance / r2 if r2 > 0 else np.nan,
        "rank": _rank(importance),
        "n_used": np.asarray(n_used, dtype=int),
    })
    out.attrs.update({"r2": float(r2), "n": int(prep.n), "n_eff": prep.n_eff, "outcome": prep.outcome,
                      "missing": prep.missing})
    return out


# ------------------------------------------------------------------------------------------------
# public analyses
# ------------------------------------------------------------------------------------------------
def shapley_importance(
    frame: pd.DataFrame,
    outcome: str,
    drivers: Sequence[str],
    weights: str | np.ndarray | pd.Series | None = None,
    missing: str = "listwise",
) -> pd.DataFrame:
    """Exact Shapley (= LMG) decomposition of R² over all 2^p driver subsets, survey-weighted.

    Parameters
    ----------
    frame:
        One row per respondent.
    outcome, drivers:
        Column names of the outcome (e.g. ``tevredenheid``) and the drivers (at most 25).
    weights:
        Survey weights (column name, array or Series), or None for equal weights.
    missing:
        ``"listwise"`` (respondents who answered all) or ``"pairwise"`` (each correlation from the
        respondents who answered both; the matrix must be positive definite).

    Returns
    -------
    pandas.DataFrame
        ``driver, importance, share, rank, n_used``: importance is the driver's part of R² (they add
        up to the full-model R²), share its fraction of R², rank 1 the most important; ``n_used``
        the respondents with this driver and the outcome. ``attrs`` holds ``r2``, ``n``, ``n_eff``.

    Raises
    ------
    AnalysisError
        Unknown or non-numeric columns, a driver or outcome without variance, perfectly collinear
        drivers, too few respondents (n ≤ p+1), more than 25 drivers (group them instead).
    """
    prep = _prepare(frame, outcome, drivers, weights, missing)
    r2 = subset_r2(prep.corr)
    phi = shapley_from_r2(r2)
    return _table(prep, prep.names, phi, prep.n_used, float(r2[-1]))


def _standardized_betas(corr: np.ndarray) -> np.ndarray:
    p = corr.shape[0] - 1
    return np.linalg.solve(corr[:p, :p], corr[:p, p])


def _relative_weights(corr: np.ndarray) -> np.ndarray:
    p = corr.shape[0] - 1
    evals, evecs = np.linalg.eigh(corr[:p, :p])
    lam = evecs @ np.diag(np.sqrt(evals)) @ evecs.T  # correlations of X with orthogonal Z
    beta_z = evecs @ np.diag(1.0 / np.sqrt(evals)) @ evecs.T @ corr[:p, p]  # y on Z
    return (lam**2) @ (beta_z**2)


def relative_weights(
    frame: pd.DataFrame,
    outcome: str,
    drivers: Sequence[str],
    weights: str | np.ndarray | pd.Series | None = None,
    missing: str = "listwise",
) -> pd.DataFrame:
    """Johnson's (2000) relative weights and standardized betas, as a quick cross-check of Shapley.

    Relative weights replace the drivers by their closest orthogonal counterparts Z, regress the
    outcome on Z and map the squared weights back; they add up to R² and need no subsets (so they
    also work beyond 25 drivers). They usually agree closely with Shapley/LMG. They disagree when
    drivers are strongly correlated in an uneven way: Shapley credits each driver with its average
    unique gain over all orders, relative weights with its share of the orthogonal components, so
    with a tight cluster of near-duplicates the two can order the cluster members differently.
    Standardized betas disagree more often: they give each driver's *unique* effect with the others
    held fixed, so a driver that overlaps with others gets a small (even negative) beta while its
    Shapley importance stays large; betas are not shares of R² and should not be ranked as such.

    Returns
    -------
    pandas.DataFrame
        ``driver, relative_weight, share, rank, beta, n_used``; ``attrs['r2']`` is the full R².

    Raises
    ------
    AnalysisError
        As :func:`shapley_importance` (no limit on the number of drivers).
    """
    prep = _prepare(frame, outcome, drivers, weights, missing, check_limit=False)
    rw = _relative_weights(prep.corr)
    betas = _standardized_betas(prep.corr)
    r2 = float(prep.corr[:-1, -1] @ betas)
    out = _table(prep, prep.names, rw, prep.n_used, r2).rename(columns={"importance": "relative_weight"})
    out.insert(4, "beta", betas)
    return out


def importance_overview(
    frame: pd.DataFrame,
    outcome: str,
    drivers: Sequence[str],
    weights: str | np.ndarray | pd.Series | None = None,
    missing: str = "listwise",
) -> pd.DataFrame:
    """Shapley importance with standardized betas and relative weights alongside, one row per driver.

    Returns
    -------
    pandas.DataFrame
        ``driver, importance, share, rank, n_used, beta, relative_weight, relative_weight_rank``.
    """
    prep = _prepare(frame, outcome, drivers, weights, missing)
    r2 = subset_r2(prep.corr)
    out = _table(prep, prep.names, shapley_from_r2(r2), prep.n_used, float(r2[-1]))
    out["beta"] = _standardized_betas(prep.corr)
    out["relative_weight"] = _relative_weights(prep.corr)
    out["relative_weight_rank"] = _rank(out["relative_weight"].to_numpy())
    return out


def _group_blocks(groups: Mapping[str, Sequence[str]]) -> tuple[list[str], list[str], list[int]]:
    if not groups:
        raise AnalysisError("no groups given", key="groups", hint="e.g. codebook.drivers_by_principle()")
    names: list[str] = []
    labels: list[str] = []
    sizes: list[int] = []
    for g, items in groups.items():
        items = list(items)
        if not items:
            raise AnalysisError(f"group '{g}' has no items", key=f"groups.{g}",
                                hint="drop empty groups")
        for it in items:
            if it in names:
                raise AnalysisError(f"item '{it}' is in more than one group", column=it, key=f"groups.{g}",
                                    hint="every item belongs to exactly one group")
        labels.append(str(g))
        names.extend(items)
        sizes.append(len(items))
    return labels, names, sizes


def group_importance(
    frame: pd.DataFrame,
    outcome: str,
    groups: Mapping[str, Sequence[str]],
    weights: str | np.ndarray | pd.Series | None = None,
    missing: str = "listwise",
    within: bool = True,
) -> pd.DataFrame:
    """Shapley importance of groups of drivers (each group one player), and the split within groups.

    With groups such as service principles or constructs, 40+ items stay exact: the cost depends on
    the number of groups. The within-group split is the Owen value: an item's average gain over
    coalitions of other whole groups and of items of its own group; the items of a group add up to
    the group's importance exactly.

    Parameters
    ----------
    groups:
        ``{group: [item, ...]}``, e.g. ``codebook.drivers_by_principle()``; at most 25 groups, and
        (for ``within``) other groups + items of a group at most 25.
    within:
        Also compute the split of each group's importance over its items.

    Returns
    -------
    pandas.DataFrame
        ``level`` ("group" or "driver"), ``group``, ``driver`` (None on group rows), ``importance``,
        ``share`` (of R²), ``share_in_group``, ``rank`` (groups among groups, items within their
        group), ``n_used``.
    """
    labels, names, sizes = _group_blocks(groups)
    _check_player_count(len(labels), "groups")
    prep = _prepare(frame, outcome, names, weights, missing, check_limit=False)
    r2_all = subset_r2(prep.corr, sizes)
    r2 = float(r2_all[-1])
    gphi = shapley_from_r2(r2_all)
    starts = np.cumsum([0, *sizes])
    rows = []
    grank = _rank(gphi)
    for gi, g in enumerate(labels):
        idx = list(range(starts[gi], starts[gi + 1]))
        rows.append({"level": "group", "group": g, "driver": None, "importance": gphi[gi],
                     "share": gphi[gi] / r2, "share_in_group": 1.0, "rank": grank[gi],
                     "n_used": int(prep.n_used[idx].min())})
    if within:
        for gi, g in enumerate(labels):
            idx = list(range(starts[gi], starts[gi + 1]))
            if len(idx) == 1:
                vals = np.array([gphi[gi]])
            else:
                others = [j for j in range(len(labels)) if j != gi]
                _check_player_count(len(others) + len(idx), "other groups plus items of a group")
                order = [c for j in others for c in range(starts[j], starts[j + 1])] + idx
                perm = order + [len(names)]
                corr = prep.corr[np.ix_(perm, perm)]
                r2g = subset_r2(corr, [sizes[j] for j in others] + [1] * len(idx))
                vals = _owen_inner(r2g, len(others), len(idx))
            irank = _rank(vals)
            for t, j in enumerate(idx):
                rows.append({"level": "driver", "group": g, "driver": names[j], "importance": vals[t],
                             "share": vals[t] / r2,
                             "share_in_group": vals[t] / gphi[gi] if gphi[gi] != 0 else np.nan,
                             "rank": irank[t], "n_used": int(prep.n_used[j])})
    out = pd.DataFrame(rows)
    out["rank"] = out["rank"].astype(int)
    out.attrs.update({"r2": r2, "n": int(prep.n), "n_eff": prep.n_eff, "outcome": outcome,
                      "missing": missing})
    return out


# ------------------------------------------------------------------------------------------------
# bootstrap
# ------------------------------------------------------------------------------------------------
def bootstrap_importance(
    frame: pd.DataFrame,
    outcome: str,
    drivers: Sequence[str],
    weights: str | np.ndarray | pd.Series | None = None,
    missing: str = "listwise",
    n_boot: int = 1000,
    seed: int = 20261123,
    level: float = 0.95,
    top: int = 3,
    return_replicates: bool = False,
):
    """Bootstrap confidence intervals of Shapley importances and ranks, and P(driver in the top).

    Respondents are resampled with replacement and keep their survey weight (the weight of a
    replicate row is weight × times drawn). All replicates are computed at once: their weighted
    correlation matrices by one matrix product and their subset R² in one batched sweep.

    Parameters
    ----------
    n_boot, seed, level:
        Number of resamples, random seed (same seed, same numbers), CI level (percentile intervals).
    top:
        ``p_top`` is the share of resamples in which the driver ranks among the ``top`` most important.
    return_replicates:
        Also return the (n_boot, p) array of replicate importances (NaN rows: degenerate resamples,
        e.g. a driver that is constant in the resample; these are left out and counted in
        ``attrs['n_valid']``; more than 10% of them is an error).

    Returns
    -------
    pandas.DataFrame
        ``driver, importance, ci_low, ci_high, share, share_ci_low, share_ci_high, rank, rank_ci_low,
        rank_ci_high, p_top, n_used`` (point estimates from the full sample); with
        ``return_replicates`` a tuple (table, replicates).
    """
    if not (isinstance(n_boot, (int, np.integer)) and n_boot >= 2):
        raise AnalysisError(f"n_boot must be an integer of at least 2, got {n_boot!r}", key="n_boot",
                            hint="use e.g. n_boot=1000")
    if not 0 < level < 1:
        raise AnalysisError(f"level must be between 0 and 1, got {level!r}", key="level", hint="e.g. 0.95")
    prep = _prepare(frame, outcome, drivers, weights, missing)
    p = len(prep.names)
    if not 1 <= top <= p:
        raise AnalysisError(f"top must be between 1 and {p}, got {top}", key="top", hint="e.g. top=3")
    r2_full = subset_r2(prep.corr)
    point = shapley_from_r2(r2_full)
    rng = np.random.default_rng(seed)
    n = len(prep.values)
    reps = np.empty((n_boot, p))
    chunk = max(1, min(n_boot, int(2e8 // max(1, (1 << p) * 8 * 4))))
    batch = prep.batch if prep.batch is not None else _CorrBatch(prep.values)
    # resamples drawn and correlated a few at a time: counts, weights and draws take 24 bytes per row each
    per_draw = max(1, int(BOOTSTRAP_BLOCK_BYTES // (24 * max(n, 1))))
    for start in range(0, n_boot, chunk):
        b = min(chunk, n_boot - start)
        corr = np.empty((b, p + 1, p + 1))
        for lo in range(0, b, per_draw):  # the same random stream as drawing all b at once
            hi = min(b, lo + per_draw)
            draws = rng.integers(0, n, size=(hi - lo, n))
            v = np.empty((hi - lo, n))
            for r in range(hi - lo):
                v[r] = np.bincount(draws[r], minlength=n)
            del draws
            v *= prep.weights[None, :]
            corr[lo:hi], _ = batch(v)
            del v
        idx = np.arange(p + 1)
        corr[:, idx, idx] = 1.0
        # a degenerate resample (a constant or collinear column) has no decomposition: left out
        bad = ~np.isfinite(corr).all(axis=(1, 2))
        corr[bad] = prep.corr
        bad |= np.linalg.eigvalsh(corr[:, :p, :p])[:, 0] <= _COLLINEAR_TOL
        if missing == "pairwise":
            bad |= np.linalg.eigvalsh(corr)[:, 0] < -_COLLINEAR_TOL
        corr[bad] = prep.corr
        block = shapley_from_r2(subset_r2(corr)).T
        block[bad] = np.nan
        reps[start:start + b] = block
    valid = ~np.isnan(reps).any(axis=1)
    if valid.sum() < 0.9 * n_boot:
        raise AnalysisError(
            f"{n_boot - int(valid.sum())} of {n_boot} bootstrap resamples have a constant or collinear "
            "driver, too many for reliable intervals",
            hint="use fewer drivers or more respondents, or leave out rarely varying drivers",
        )
    all_reps = reps
    reps = reps[valid]
    alpha = (1 - level) / 2
    ranks = np.argsort(np.argsort(-reps, axis=1, kind="stable"), axis=1, kind="stable") + 1
    r2_reps = reps.sum(axis=1, keepdims=True)
    shares = reps / r2_reps
    r2 = float(r2_full[-1])
    out = pd.DataFrame({
        "driver": prep.names,
        "importance": point,
        "ci_low": np.quantile(reps, alpha, axis=0),
        "ci_high": np.quantile(reps, 1 - alpha, axis=0),
        "share": point / r2,
        "share_ci_low": np.quantile(shares, alpha, axis=0),
        "share_ci_high": np.quantile(shares, 1 - alpha, axis=0),
        "rank": _rank(point),
        "rank_ci_low": np.quantile(ranks, alpha, axis=0, method="inverted_cdf").astype(int),
        "rank_ci_high": np.quantile(ranks, 1 - alpha, axis=0, method="inverted_cdf").astype(int),
        "p_top": (ranks <= top).mean(axis=0),
        "n_used": prep.n_used,
    })
    out.attrs.update({"r2": r2, "n": int(prep.n), "n_eff": prep.n_eff, "outcome": outcome,
                      "missing": missing, "n_boot": int(n_boot), "n_valid": int(valid.sum()), "seed": seed,
                      "level": level, "top": top})
    return (out, all_reps) if return_replicates else out


# ------------------------------------------------------------------------------------------------
# per segment
# ------------------------------------------------------------------------------------------------
def importance_by_segment(
    frame: pd.DataFrame,
    outcome: str,
    drivers: Sequence[str],
    by: str,
    weights: str | np.ndarray | pd.Series | None = None,
    missing: str = "listwise",
    min_per_driver: int = 10,
    min_cell: int = 10,
    lang: str = "nl",
) -> pd.DataFrame:
    """Shapley importance per segment (e.g. per ``kanaal``), only where the segment is large enough.

    A segment is analysed only with at least ``max(min_per_driver · p, min_cell)`` usable respondents;
    otherwise its rows have NaN numbers, ``shown=False`` and a ``reason`` in ``lang`` saying why.

    Returns
    -------
    pandas.DataFrame
        ``<by>, driver, importance, share, rank, n_used, n, shown, reason``.
    """
    if lang not in _REASONS:
        raise AnalysisError(f"unknown language '{lang}'", key="lang", hint="use 'nl' or 'en'")
    names = _check_columns(frame, outcome, drivers)
    if by not in frame.columns:
        raise AnalysisError(f"segment column '{by}' not found", column=by,
                            hint="use a context field such as 'kanaal'")
    w = _resolve_weights(frame, weights)
    p = len(names)
    min_n = max(min_per_driver * p, min_cell)
    cols = [*names, outcome]
    parts = []
    seg = frame[by]
    levels = seg.cat.categories if isinstance(seg.dtype, pd.CategoricalDtype) else pd.unique(seg.dropna())
    for value in levels:
        mask = (seg == value).to_numpy()
        sub = frame.loc[mask]
        sw = w[mask]
        vals = sub[cols].to_numpy(dtype=float)
        usable = (sw > 0) & (~np.isnan(vals).any(axis=1) if missing == "listwise" else True)
        if missing == "pairwise":
            present = ~np.isnan(vals) & (sw > 0)[:, None]
            n_seg = int(min((present[:, j] & present[:, -1]).sum() for j in range(p)))
        else:
            n_seg = int(np.sum(usable))
        base = pd.DataFrame({by: value, "driver": names})
        if n_seg < min_n:
            reason = _REASONS[lang]["too_few"].format(n=n_seg, min_n=min_n, per=min_per_driver)
            part = base.assign(importance=np.nan, share=np.nan, rank=pd.NA, n_used=pd.NA, n=n_seg,
                               shown=False, reason=reason)
        else:
            try:
                res = shapley_importance(sub, outcome, names, weights=sw, missing=missing)
                part = base.assign(importance=res["importance"].to_numpy(),
                                   share=res["share"].to_numpy(), rank=res["rank"].to_numpy(),
                                   n_used=res["n_used"].to_numpy(), n=n_seg, shown=True, reason="")
            except AnalysisError as err:
                reason = _REASONS[lang]["failed"].format(error=err.message)
                part = base.assign(importance=np.nan, share=np.nan, rank=pd.NA, n_used=pd.NA,
                                   n=n_seg, shown=False, reason=reason)
        parts.append(part)
    out = pd.concat(parts, ignore_index=True)
    out["rank"] = out["rank"].astype("Int64")
    out["n_used"] = out["n_used"].astype("Int64")
    out.attrs.update({"min_n": min_n, "outcome": outcome, "by": by})
    return out

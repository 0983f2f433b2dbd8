"""Disclosure control: no published number may rest on fewer than ``min_cell`` respondents.

Every table that leaves the library (report tables, the data behind figures, aggregates) passes through
:func:`protect_table`. It applies

1. *primary suppression*: a row with ``n < min_cell`` loses its values (set to NaN, ``n`` too) and gets
   ``suppressed = True`` with reason ``small_cell``;
2. *secondary suppression*: within a breakdown (the ``dims`` columns, e.g. ``kanaal``), a total that is
   published elsewhere plus the other cells would reveal a lone suppressed cell. So when exactly one
   cell of a group is suppressed, the next-smallest cell is suppressed too (reason ``secondary``). For
   two-way tables this runs along rows and columns until nothing changes.

The function is idempotent: protecting a protected table changes nothing.
"""
from __future__ import annotations

from typing import Sequence

import numpy as np
import pandas as pd

from meethuis.common.errors import AnalysisError

TOTAL = "totaal"  # value of a breakdown column in a total (margin) row
REASONS = {
    "small_cell": {"nl": "te weinig respondenten", "en": "too few respondents"},
    "secondary": {"nl": "afgeschermd om een kleine groep te beschermen", "en": "hidden to protect a small group"},
    "no_data": {"nl": "geen antwoorden", "en": "no answers"},
    "too_few": {"nl": "te weinig antwoorden voor een betrouwbaarheidsinterval",
                "en": "too few answers for a confidence interval"},
    "single_level": {"nl": "indeling heeft maar één groep", "en": "breakdown has only one group"},
}
# columns that are never numbers about respondents (kept in suppressed rows)
_ID_COLUMNS = {"kpi", "item", "statistic", "suppressed", "reason", "level", "construct", "variable", "category",
               "target", "op", "label", "weighted"}


def reason_label(code: str, lang: str = "nl") -> str:
    """Reader text for a ``reason`` code (codes may be joined with ``;``)."""
    if not isinstance(code, str) or not code:
        return ""
    return "; ".join(REASONS.get(c, {}).get(lang, c) for c in code.split(";"))


def _add_reason(old: Sequence, mask: np.ndarray, code: str) -> list:
    """Append ``code`` to the ``;``-joined reason of the rows in ``mask`` (once)."""
    out = [r if isinstance(r, str) else "" for r in old]
    for i in np.flatnonzero(mask):
        parts = [p for p in out[i].split(";") if p]
        if code not in parts:
            out[i] = ";".join([*parts, code])
    return out


def protect_table(table: pd.DataFrame, min_cell: int = 10, *, n_col: str = "n",
                  value_cols: Sequence[str] | None = None, dims: Sequence[str] | None = None,
                  keys: Sequence[str] | None = None, secondary: bool = True, hide_n: bool = True) -> pd.DataFrame:
    """Suppress every cell resting on fewer than ``min_cell`` respondents, plus secondary suppression.

    Parameters
    ----------
    table:
        One row per published cell, with the unweighted respondent count in ``n_col``.
    min_cell:
        The threshold (``OrgConfig.min_cell``, default 10).
    n_col:
        Column with the number of respondents behind each row.
    value_cols:
        Columns blanked in suppressed rows. Default: every numeric column except ``n_col``, ``dims``
        and ``keys`` (so estimates, CIs, se, n_eff, shares ...).
    dims:
        Breakdown columns along which cells add up to a published total (e.g. ``["kanaal"]`` or
        ``["kanaal", "leeftijdsgroep"]``). Rows with the value :data:`TOTAL` are margins. Default:
        ``table.attrs["dims"]`` if set, else none (no secondary suppression).
    keys:
        Columns that separate independent sub-tables (e.g. ``["kpi"]``). Default:
        ``table.attrs["keys"]`` if set, else the non-numeric columns that are not ``dims``.
    secondary:
        Apply secondary suppression (only with ``dims``).
    hide_n:
        Also blank ``n_col`` in suppressed rows (the count of a small group is itself disclosive).

    Returns
    -------
    pandas.DataFrame
        A copy with ``suppressed`` (bool) and ``reason`` columns; ``attrs`` record ``min_cell``.

    Raises
    ------
    AnalysisError
        When ``n_col`` is missing or ``min_cell`` is not a positive whole number.
    """
    if isinstance(min_cell, bool) or not isinstance(min_cell, (int, np.integer)) or min_cell < 1:
        raise AnalysisError(f"min_cell must be a whole number of at least 1, got {min_cell!r}", key="min_cell")
    if n_col not in table.columns:
        raise AnalysisError(f"table has no '{n_col}' column with respondent counts", column=n_col,
                            hint="every published table needs the number of respondents per cell")
    out = table.copy()
    out.attrs = dict(table.attrs)
    dims = list(dims if dims is not None else out.attrs.get("dims", []) or [])
    for d in dims:
        if d not in out.columns:
            raise AnalysisError(f"breakdown column '{d}' is not in the table", column=d)
    if keys is None:
        keys = out.attrs.get("keys")
    if keys is None:
        keys = [c for c in out.columns if c not in dims and c not in (n_col, "suppressed", "reason")
                and not pd.api.types.is_numeric_dtype(out[c]) and not pd.api.types.is_bool_dtype(out[c])]
    keys = [k for k in keys if k in out.columns and k not in dims]
    if value_cols is None:
        value_cols = [c for c in out.columns if c not in dims and c not in keys and c != n_col
                      and c not in _ID_COLUMNS and pd.api.types.is_numeric_dtype(out[c])
                      and not pd.api.types.is_bool_dtype(out[c])]
    n = pd.to_numeric(out[n_col], errors="coerce").to_numpy(dtype=float)
    prev = out["suppressed"].fillna(False).astype(bool).to_numpy() if "suppressed" in out else np.zeros(len(out), bool)
    reason = list(out["reason"]) if "reason" in out else [""] * len(out)
    primary = (~np.isnan(n) & (n < min_cell)) | (np.isnan(n) & ~prev)  # unknown n: not publishable
    primary &= ~prev
    sup = prev | primary
    reason = _add_reason(reason, primary, "small_cell")
    if secondary and dims and len(out) > 1:
        second = _secondary(out, n, sup, dims, keys)
        reason = _add_reason(reason, second & ~sup, "secondary")
        sup = sup | second
    out["suppressed"] = sup
    out["reason"] = [r if isinstance(r, str) and r else None for r in reason]
    for c in value_cols:
        if pd.api.types.is_integer_dtype(out[c]):
            out[c] = out[c].astype(float)
        out.loc[sup, c] = np.nan
    if hide_n:
        out[n_col] = out[n_col].astype(float)
        out.loc[sup, n_col] = np.nan
    out.attrs.update({"min_cell": int(min_cell), "dims": dims, "keys": list(keys), "protected": True})
    return out


def _secondary(table: pd.DataFrame, n: np.ndarray, sup: np.ndarray, dims: list[str], keys: list[str]) -> np.ndarray:
    """Complementary suppression: in every group with exactly one suppressed cell, also hide the next-smallest."""
    sup = sup.copy()
    text = {c: table[c].astype(str).to_numpy() for c in {*dims, *keys}}
    groups = []  # per dimension: the row positions of each group of cells (total rows left out)
    for d in dims:
        others = [*keys, *[o for o in dims if o != d]]
        cells = np.flatnonzero(text[d] != TOTAL)
        if others:
            label = pd.MultiIndex.from_arrays([text[c][cells] for c in others])
            codes = pd.factorize(label)[0]
        else:
            codes = np.zeros(cells.size, dtype=np.int64)
        order = np.argsort(codes, kind="stable")
        bounds = np.flatnonzero(np.diff(codes[order])) + 1
        groups.extend(g for g in np.split(cells[order], bounds) if g.size >= 2)
    size = np.where(np.isnan(n), np.inf, n)
    changed = True
    while changed:
        changed = False
        for idx in groups:
            if sup[idx].sum() != 1:
                continue
            free = idx[~sup[idx]]
            sup[free[int(np.argmin(size[free]))]] = True
            changed = True
    return sup


def assert_protected(table: pd.DataFrame, min_cell: int = 10, n_col: str = "n",
                     value_cols: Sequence[str] | None = None) -> None:
    """Fail (AssertionError) if any published value rests on fewer than ``min_cell`` respondents.

    For tests of other modules: checks that no unsuppressed row has ``n < min_cell`` or a missing ``n``,
    that suppressed rows carry no values, and (when the table records ``dims``) that no breakdown group
    has exactly one suppressed cell.
    """
    assert n_col in table.columns, f"table has no '{n_col}' column"
    assert "suppressed" in table.columns, "table was not passed through disclosure.protect_table"
    sup = table["suppressed"].astype(bool).to_numpy()
    n = pd.to_numeric(table[n_col], errors="coerce").to_numpy(dtype=float)
    bad = ~sup & (np.isnan(n) | (n < min_cell))
    assert not bad.any(), f"{int(bad.sum())} published row(s) have n < {min_cell}:\n{table[bad].head()}"
    if value_cols is None:
        dims = table.attrs.get("dims", [])
        keys = table.attrs.get("keys", [])
        value_cols = [c for c in table.columns if c not in dims and c not in keys and c != n_col
                      and c not in _ID_COLUMNS and pd.api.types.is_numeric_dtype(table[c])
                      and not pd.api.types.is_bool_dtype(table[c])]
    for c in value_cols:
        leaked = sup & table[c].notna().to_numpy()
        assert not leaked.any(), f"suppressed rows still show '{c}':\n{table[leaked].head()}"
    dims = table.attrs.get("dims") or []
    if dims:
        keys = [k for k in table.attrs.get("keys", []) if k in table.columns and k not in dims]
        for d in dims:
            others = keys + [o for o in dims if o != d]
            cells = table[table[d].astype(str) != TOTAL]
            groups = cells.groupby([cells[c].astype(str) for c in others], sort=False) if others else [(None, cells)]
            for name, g in groups:
                if len(g) >= 2:
                    assert g["suppressed"].sum() != 1, f"group {name} along '{d}' has one lone suppressed cell"

"""Disclosure control: no published number may rest on fewer than ``min_cell`` respondents.

Every table that leaves the library (report tables, the data behind figures, aggregates) passes through
:func:`protect_table`. One rule holds for every published number: any cell, and any *union* of hidden
cells that a reader can recover from published totals and margins, rests on 0 or at least ``min_cell``
respondents. It applies

1. *primary suppression*: a row with ``n < min_cell`` loses its values (set to NaN, ``n`` too) and gets
   ``suppressed = True`` with reason ``small_cell``;
2. *secondary suppression*: within a breakdown (the ``dims`` columns, e.g. ``kanaal``) the cells add up
   to a total that is published (in the table or elsewhere). A reader who subtracts the published cells
   from the total learns the hidden cells together; in a two-way table row and column totals combine.
   So every union of hidden cells that lies in the span of those sums is computed
   (:func:`recoverable_unions`), and while one rests on 1 to ``min_cell - 1`` respondents the smallest
   published cell of a sum that touches it is hidden too (reason ``secondary``);
3. *small counts*: other respondent counts in a row (``nvt``, ``weet_niet``, ``missing`` ...; see
   :data:`COUNT_COLUMNS`) of 1 to ``min_cell - 1`` are blanked (reason ``small_count``); when those counts
   and ``n`` add up to a published total (all respondents), the same union rule applies along the row.

The function is idempotent: protecting a protected table changes nothing.

Tables of one report describe the same respondents, so a group hidden in one table could be worked out from
another (a channel's mean from the overall mean, the other channels and a regression coefficient per
channel). One run-level rule prevents that: :func:`hidden_groups` chooses, once per report, the groups of
each breakdown column to hide (small groups and, where needed, the smallest other group so that the hidden
ones together hold 0 or at least ``min_cell``); every table (``protect_table(hidden=...)``), coefficient,
figure, text and ``aggregates.json`` of that report hides exactly those (reason ``linked``).
:func:`scan_report` checks a rendered report across its tables.
"""
from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Collection, Mapping, Sequence

import numpy as np
import pandas as pd

from meethuis.common.errors import AnalysisError
from meethuis.intake.codebook import load_codebook

TOTAL = "totaal"  # value of a breakdown column in a total (margin) row
HiddenGroups = Mapping[str, Collection[str]]  # breakdown column -> groups hidden in every table of a run
REASONS = {
    "small_cell": {"nl": "te weinig respondenten", "en": "too few respondents"},
    "secondary": {"nl": "afgeschermd om een kleine groep te beschermen", "en": "hidden to protect a small group"},
    "no_data": {"nl": "geen antwoorden", "en": "no answers"},
    "too_few": {"nl": "te weinig antwoorden voor een betrouwbaarheidsinterval",
                "en": "too few answers for a confidence interval"},
    "single_level": {"nl": "indeling heeft maar één groep", "en": "breakdown has only one group"},
    "small_count": {"nl": "een aantal kleiner dan de drempel is weggelaten",
                    "en": "a count below the threshold is left out"},
    "linked": {"nl": "in het hele rapport verborgen, zodat een kleine groep niet terug te rekenen is",
               "en": "hidden throughout the report, so that a small group cannot be worked out"},
}
# respondent counts besides ``n``: blanked when 1 .. min_cell - 1
COUNT_COLUMNS = ("nvt", "weet_niet", "missing", "out_of_range", "answered", "n_answers", "n_used", "n_linked",
                 "n_respondents", "aantal")
# counts that with ``n`` add up to all respondents of a row (the completeness table)
PARTITION_COLUMNS = ("nvt", "weet_niet", "missing", "out_of_range")
MAX_ENUMERATE = 14  # hidden cells per linked block up to which every union is checked (2^14 subsets)
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
                  keys: Sequence[str] | None = None, secondary: bool = True, hide_n: bool = True,
                  hidden: HiddenGroups | None = None) -> pd.DataFrame:
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
    hidden:
        The run's groups hidden everywhere (:func:`hidden_groups`): a row whose value in a column of that
        name (e.g. ``kanaal``) is one of them is suppressed with reason ``linked``, whatever its own ``n``.

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
    linked = linked_rows(out, hidden) & ~prev
    reason = _add_reason(reason, linked, "linked")
    prev = prev | linked
    primary = (~np.isnan(n) & (n < min_cell)) | (np.isnan(n) & ~prev)  # unknown n: not publishable
    primary &= ~prev
    sup = prev | primary
    reason = _add_reason(reason, primary, "small_cell")
    if secondary and dims and len(out) > 1:
        second = _secondary(out, n, sup, dims, keys, min_cell)
        reason = _add_reason(reason, second & ~sup, "secondary")
        sup = sup | second
    sup, reason = _small_counts(out, n_col, n, sup, reason, min_cell, value_cols)
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


def hidden_groups(frame: pd.DataFrame, columns: Sequence[str], min_cell: int = 10,
                  items: Sequence[str] = (), keep: Collection[str] = ()) -> dict[str, frozenset[str]]:
    """The run-level rule: per breakdown column, the groups that every table, coefficient, figure and text
    of one report hides, so that a group hidden anywhere is hidden everywhere.

    A group is hidden when it has 1 .. ``min_cell - 1`` respondents, or answers to one of ``items``
    (answered counts differ per question). Since a reader can subtract the published groups from a
    published total, the hidden groups together with the respondents without a value in the column must
    rest on 0 or at least ``min_cell`` respondents (and answers to each item); while they do not, the
    smallest published group is hidden too (complementary suppression, one choice for the whole report).

    Parameters
    ----------
    frame:
        The respondents behind the report's tables (the period's rows; every quarter for ``periode``).
    columns:
        Breakdown columns (``kanaal``, ``leeftijdsgroep``, segments ...); absent columns are skipped.
    min_cell:
        The threshold.
    items:
        Questions whose answers are broken down by these columns (the outcomes).
    keep:
        Groups published elsewhere in full (the report's own quarter): chosen as a complement only when no
        other group is left.

    Returns
    -------
    dict
        Column -> frozenset of hidden group values (as text); empty sets where nothing is hidden.
    """
    out: dict[str, frozenset[str]] = {}
    items = [i for i in items if i in frame.columns]
    answered = [np.ones(len(frame), bool)] + [frame[i].notna().to_numpy() for i in items]
    for col in columns:
        if col not in frame.columns:
            continue
        levels, level = _text_levels(frame[col])
        known = level >= 0
        counts = np.array([np.bincount(level[a & known], minlength=len(levels)) for a in answered],
                          dtype=np.int64).reshape(len(answered), len(levels))
        outside = np.array([int((a & ~known).sum()) for a in answered])  # no value: recoverable as a rest
        hide = ((counts > 0) & (counts < min_cell)).any(axis=0)
        while True:
            union = counts[:, hide].sum(axis=1) + outside
            if not ((union > 0) & (union < min_cell)).any() or hide.all():
                break
            free = np.flatnonzero(~hide)
            kept = np.array([str(levels[j]) in keep for j in free])
            hide[free[np.lexsort((counts[0, free], counts[0, free] <= 0, kept))[0]]] = True
        out[col] = frozenset(str(lv) for lv, h in zip(levels, hide) if h)
    return out


def _text_levels(column: pd.Series) -> tuple[list[str], np.ndarray]:
    """The sorted distinct values of ``column`` as text (as ``astype("string")`` writes them) and each row's
    position among them (-1: missing); the text is made once per distinct value, not per row."""
    from meethuis.stats.weights import text_codes

    codes, texts = text_codes(column)
    levels = sorted(texts)
    position = {lv: k for k, lv in enumerate(levels)}
    of_code = np.array([position[t] for t in texts] + [-1], dtype=np.int64)
    return levels, of_code[codes]  # code -1 (missing) takes the appended -1


def run_hidden_groups(responses: pd.DataFrame, config: Any, min_cell: int = 10,
                      trend_responses: pd.DataFrame | None = None) -> dict[str, frozenset[str]]:
    """:func:`hidden_groups` for one report: its breakdown columns and outcomes, quarters over the trend rows.

    Columns: the codebook's breakdown fields (:meth:`Codebook.breakdown_fields`), the config's ``segments`` and raking
    ``margins``, and ``periode`` (over ``trend_responses``, every quarter the report shows); items: every
    outcome of the codebook and the config present in the data. The report and its ``aggregates.json`` use
    this one choice.
    """
    cb = config.codebook
    own = config.outcomes() if hasattr(config, "outcomes") else []
    items = list(dict.fromkeys([*cb.outcomes(), *own]))
    items = [i for i in items if i in responses.columns]
    columns = list(dict.fromkeys([*cb.breakdown_fields(), *getattr(config, "segments", {}),
                                  *(getattr(config, "margins", None) or {})]))
    out = hidden_groups(responses, [c for c in columns if c != "periode"], min_cell, items)
    quarters = responses if trend_responses is None else trend_responses
    own = set(responses["periode"].dropna().astype(str)) if "periode" in responses.columns else set()
    out.update(hidden_groups(quarters, ["periode"], min_cell, items, keep=own))
    return out


_TERM = re.compile(r"C\((\w+)\)\[T\.(.*)\]$")  # a regression term of one group (patsy: C(kanaal)[T.post])


def linked_rows(table: pd.DataFrame, hidden: HiddenGroups | None) -> np.ndarray:
    """Rows of ``table`` that show a group of ``hidden``: by column name (:data:`TOTAL` rows never), in a long
    table's ``variable``/``category`` pair, or as a regression coefficient in a ``term`` column
    (``C(kanaal)[T.post]``)."""
    mask = np.zeros(len(table), bool)
    for col, groups in (hidden or {}).items():
        if col in table.columns and groups:
            text = table[col].astype("string")
            mask |= text.isin([str(g) for g in groups]).fillna(False).to_numpy() & (text != TOTAL).fillna(True).to_numpy()
    if {"variable", "category"} <= set(table.columns) and hidden:  # long format: one row per (variable, group)
        for i, (var, cat) in enumerate(zip(table["variable"].astype(str), table["category"].astype(str))):
            if cat in {str(g) for g in hidden.get(var, ())}:
                mask[i] = True
    if "term" in table.columns and hidden:
        for i, term in enumerate(table["term"].astype(str)):
            m = _TERM.match(term)
            if m and m.group(2) in {str(g) for g in hidden.get(m.group(1), ())}:
                mask[i] = True
    return mask


def _small_counts(out: pd.DataFrame, n_col: str, n: np.ndarray, sup: np.ndarray, reason: list, min_cell: int,
                  value_cols: Sequence[str]) -> tuple[np.ndarray, list]:
    """Blank respondent counts of 1 .. min_cell - 1 in :data:`COUNT_COLUMNS`; keep row partitions safe."""
    counts = [c for c in COUNT_COLUMNS if c in out.columns and c != n_col and pd.api.types.is_numeric_dtype(out[c])
              and not pd.api.types.is_bool_dtype(out[c])]
    if not counts:
        return sup, reason
    sup = sup.copy()
    part = [c for c in PARTITION_COLUMNS if c in counts]
    blank = {c: np.zeros(len(out), bool) for c in counts}
    for c in counts:
        v = pd.to_numeric(out[c], errors="coerce").to_numpy(dtype=float)
        blank[c] = ~sup & np.isfinite(v) & (v > 0) & (v < min_cell)
    if part:  # n + nvt + weet_niet + missing (+ out_of_range) = all respondents, which are published
        vals = np.column_stack([pd.to_numeric(out[c], errors="coerce").to_numpy(dtype=float) for c in part])
        for i in np.flatnonzero(~sup):
            hidden = [j for j, c in enumerate(part) if blank[c][i]]
            total = float(np.nansum(vals[i, hidden]))
            while 0 < total < min_cell:
                free = [j for j in range(len(part)) if j not in hidden and np.isfinite(vals[i, j]) and vals[i, j] > 0]
                if not free:  # only n is left to hide the small union: the row goes
                    sup[i] = True
                    reason = _add_reason(reason, np.arange(len(out)) == i, "secondary")
                    break
                j = min(free, key=lambda k: vals[i, k])
                blank[part[j]][i] = True
                hidden.append(j)
                total += vals[i, j]
    for c in counts:
        mask = blank[c] & ~sup
        if mask.any():
            if pd.api.types.is_integer_dtype(out[c]):
                out[c] = out[c].astype(float)
            out.loc[mask, c] = np.nan
            reason = _add_reason(reason, mask, "small_count")
    shares = [c for c in value_cols if c.startswith("share_") and c[6:] in counts]
    for c in shares:  # share_nvt etc. reveal their count
        mask = blank[c[6:]] & ~sup
        out.loc[mask, c] = np.nan
    return sup, reason


def _summed_groups(table: pd.DataFrame, dims: list[str], keys: list[str]) -> list[tuple[str, np.ndarray]]:
    """Every set of cells that adds up to a (published) total, with the dimension it sums over: per
    dimension, the row positions that share the keys and the other dimensions' values (total rows left out)."""
    text = {c: table[c].astype(str).to_numpy() for c in {*dims, *keys}}
    groups = []
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
        groups.extend((d, g) for g in np.split(cells[order], bounds) if g.size >= 1)
    return groups


def _groups(table: pd.DataFrame, dims: list[str], keys: list[str]) -> list[np.ndarray]:
    """Row positions of every set of cells that adds up to a (published) total (see :func:`_summed_groups`)."""
    return [g for _, g in _summed_groups(table, dims, keys)]


def recoverable_unions(groups: Sequence[np.ndarray], hidden: np.ndarray) -> list[tuple[np.ndarray, np.ndarray]]:
    """Every set of hidden cells whose combined value a reader can recover from the published sums.

    Each group sums to a published total, so (total - published cells) gives the sum of its hidden cells:
    one linear equation. A union ``T`` is recoverable when its indicator lies in the span of those
    equations. Hidden cells are split into linked blocks (sharing an equation); in a block of up to
    :data:`MAX_ENUMERATE` cells every subset is tested, above that the single cells and each equation's
    hidden set.

    Parameters
    ----------
    groups:
        Row positions of the cells of each sum (see ``_groups``).
    hidden:
        Boolean per row: the cell is hidden.

    Returns
    -------
    list of (cells, coefficients)
        ``cells`` the row positions of a recoverable union; ``coefficients`` one weight per group such
        that the union's value is ``sum_g coef_g (total_g - published part of g)``.
    """
    hidden = np.asarray(hidden, bool)
    rows = [(k, g[hidden[g]]) for k, g in enumerate(groups)]
    rows = [(k, h) for k, h in rows if h.size]
    if not rows:
        return []
    # linked blocks of hidden cells (union-find over the equations)
    parent: dict[int, int] = {}

    def find(x: int) -> int:
        while parent.setdefault(x, x) != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for _, h in rows:
        for c in h[1:]:
            parent[find(int(c))] = find(int(h[0]))
        find(int(h[0]))
    blocks: dict[int, list[int]] = {}
    for c in parent:
        blocks.setdefault(find(c), []).append(c)
    out = []
    for cells in blocks.values():
        cells = sorted(cells)
        pos = {c: j for j, c in enumerate(cells)}
        eq = [(k, h) for k, h in rows if int(h[0]) in pos]
        m = np.zeros((len(eq), len(cells)))
        for r, (_, h) in enumerate(eq):
            m[r, [pos[int(c)] for c in h]] = 1.0
        size = len(cells)
        if size <= MAX_ENUMERATE:
            cand = ((np.arange(1, 2 ** size)[:, None] >> np.arange(size)) & 1).astype(float)
        else:
            cand = np.vstack([np.eye(size), m])
        coef, *_ = np.linalg.lstsq(m.T, cand.T, rcond=None)
        ok = np.abs(m.T @ coef - cand.T).max(axis=0) < 1e-8
        for t in np.flatnonzero(ok):
            full = np.zeros(len(groups))
            full[[k for k, _ in eq]] = coef[:, t]
            out.append((np.array(cells)[cand[t] > 0.5], full))
    return out


def _violations(groups: Sequence[np.ndarray], n: np.ndarray, hidden: np.ndarray, min_cell: int
                ) -> list[np.ndarray]:
    """Recoverable unions of hidden cells that rest on 1 .. ``min_cell - 1`` respondents."""
    size = np.where(np.isnan(n), np.inf, n)
    return [cells for cells, _ in recoverable_unions(groups, hidden)
            if 0 < size[cells].sum() < min_cell]


def _secondary(table: pd.DataFrame, n: np.ndarray, sup: np.ndarray, dims: list[str], keys: list[str],
               min_cell: int = 10) -> np.ndarray:
    """Complementary suppression until no recoverable union of hidden cells rests on 1 .. min_cell - 1."""
    sup = sup.copy()
    groups = _groups(table, dims, keys)
    size = np.where(np.isnan(n), np.inf, n)
    member: dict[int, list[int]] = {}
    for k, g in enumerate(groups):
        for c in g:
            member.setdefault(int(c), []).append(k)
    while True:
        # fast rules per sum first: no lone hidden cell, and the hidden cells of a sum hold 0 or >= min_cell
        changed = True
        while changed:
            changed = False
            for g in groups:
                h = sup[g]
                hidden_n = size[g][h].sum()
                if h.sum() == 0 or h.all() or (h.sum() >= 2 and not 0 < hidden_n < min_cell):
                    continue
                free = g[~h]
                order = np.lexsort((size[free], size[free] <= 0))
                sup[free[order[0]]] = True
                changed = True
        bad = _violations(groups, n, sup, min_cell)
        if not bad:
            return sup
        cells = bad[0]
        touching = {k for c in cells for k in member.get(int(c), [])}
        free = np.array(sorted({int(c) for k in touching for c in groups[k] if not sup[c]}), dtype=np.int64)
        if free.size == 0:  # nothing left to hide next to it: widen to every published cell of the table
            free = np.flatnonzero(~sup & np.isin(np.arange(len(sup)), np.concatenate(groups)))
            if free.size == 0:
                return sup
        # prefer a cell with respondents (an empty cell adds nothing to the union)
        order = np.lexsort((size[free], size[free] <= 0))
        sup[free[order[0]]] = True


def assert_protected(table: pd.DataFrame, min_cell: int = 10, n_col: str = "n",
                     value_cols: Sequence[str] | None = None) -> None:
    """Fail (AssertionError) if any published number, or recoverable union of hidden cells, rests on
    1 .. ``min_cell - 1`` respondents.

    Checks that no unsuppressed row has ``n < min_cell`` or a missing ``n``, that suppressed rows carry
    no values, that no count of :data:`COUNT_COLUMNS` is 1 .. ``min_cell - 1``, and (when the table
    records ``dims``) every union of hidden cells recoverable from the sums (:func:`recoverable_unions`):
    with the total rows in the table its respondent count is computed as a reader would
    (total minus published cells) and must be 0 or at least ``min_cell``. (Totals published only in
    another table cannot be seen here; ``protect_table`` guards those unions with the true counts, which
    ``tests/test_disclosure.py`` checks by brute force.)
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
    for c in COUNT_COLUMNS:
        if c in table.columns and c != n_col and pd.api.types.is_numeric_dtype(table[c]):
            v = pd.to_numeric(table[c], errors="coerce").to_numpy(dtype=float)
            small = np.isfinite(v) & (v > 0) & (v < min_cell)
            assert not small.any(), f"count '{c}' of 1-{min_cell - 1} published:\n{table[small].head()}"
    dims = [d for d in (table.attrs.get("dims") or []) if d in table.columns]
    if not dims:
        return
    keys = [k for k in table.attrs.get("keys", []) if k in table.columns and k not in dims]
    check_unions(table, n_col, dims, keys, min_cell)


def check_unions(table: pd.DataFrame, n_col: str, dims: Sequence[str], keys: Sequence[str], min_cell: int) -> None:
    """Assert that every recoverable union of hidden cells of ``table`` rests on 0 or >= ``min_cell``.

    A reader's view: ``n`` of hidden rows is unknown; each sum's total is the table's margin row (value
    :data:`TOTAL` in the summed dimension) when it is there and published; unions that need a total
    that is not in the table are skipped.
    """
    dims, keys = list(dims), list(keys)
    sup = table["suppressed"].astype(bool).to_numpy()
    n = pd.to_numeric(table[n_col], errors="coerce").to_numpy(dtype=float)
    summed = _summed_groups(table, dims, keys)
    groups = [g for _, g in summed]
    text = {c: table[c].astype(str).to_numpy() for c in {*dims, *keys}}
    # the published total of each group: the row with TOTAL in the summed dimension and the same others
    index = {tuple(text[c][i] for c in [*keys, *dims]): i for i in range(len(table))}
    totals = np.full(len(groups), np.nan)
    for k, (d, g) in enumerate(summed):
        key = tuple(TOTAL if c == d else text[c][g[0]] for c in [*keys, *dims])
        i = index.get(key)
        if i is not None and not sup[i] and np.isfinite(n[i]):
            totals[k] = n[i] - np.nansum(np.where(sup[g], 0.0, n[g]))
    for cells, coef in recoverable_unions(groups, sup):
        used = np.flatnonzero(np.abs(coef) > 1e-12)
        if np.all(np.isfinite(totals[used])):
            value = float(coef[used] @ totals[used])
            assert abs(value) < 0.5 or value >= min_cell - 0.5, (
                f"hidden cells {list(table.index[cells])} together hold {value:.0f} respondent(s), "
                f"recoverable from the published totals")


_TEXT_COUNT = re.compile(r"(?<![\d,.])(\d{1,3}(?:\.\d{3})*)\s+(?:respondent(?:en|s)?|answers|antwoorden)\b"
                         r"|\bn\s*=\s*(\d+)\b", re.IGNORECASE)


def _count_columns(frame: pd.DataFrame) -> list[str]:
    return [c for c in frame.columns if (c == "n" or c in COUNT_COLUMNS or (str(c).startswith("n_") and c != "n_eff"))
            and pd.api.types.is_numeric_dtype(frame[c])]


# tables about cases in the contact log and appointments, not about respondents (``survey_groups=False``)
CASE_TABLES = ("klantreis_digitaal", "klantreis_herhaalcontact", "klantreis_herhaalcontact_kanaal",
               "klantreis_kanaalmix", "klantreis_kanaalpaden_figuur", "klantreis_top_paden", "klantreis_van_naar",
               "klantreis_no_show", "klantreis_herinnering", "klantreis_stappen")


def scan_report(folder: str | Path, min_cell: int = 10, case_tables: Sequence[str] = CASE_TABLES) -> list[str]:
    """Look through a rendered report for numbers that rest on 1 .. ``min_cell - 1`` respondents.

    Checks every ``tables/*.csv`` (respondent counts such as ``n``, ``nvt``, ``missing``, ``n_*``; and, where
    a table holds a :data:`TOTAL` row, the hidden cells beside it as a reader recovers them: total minus
    the published cells), every count field (``n``, ``n_*``, :data:`COUNT_COLUMNS`) in ``aggregates.json``,
    and the report text ("7 respondenten", "n = 7"); then the tables side by side
    (:func:`cross_table_findings`), leaving out ``case_tables`` (about cases, not respondents).

    Returns
    -------
    list of str
        One line per finding (file, where, value); empty when nothing leaks.
    """
    import json

    folder = Path(folder)
    found: list[str] = []
    tables: dict[str, pd.DataFrame] = {}
    for path in sorted((folder / "tables").glob("*.csv")) if (folder / "tables").is_dir() else []:
        table = pd.read_csv(path)
        rel = path.relative_to(folder)
        tables[str(rel)] = table
        for c in _count_columns(table):
            v = pd.to_numeric(table[c], errors="coerce")
            for i in np.flatnonzero(((v > 0) & (v < min_cell)).to_numpy()):
                found.append(f"{rel}: row {i + 2} column '{c}' = {v.iloc[i]:g}")
        if "n" not in table.columns or "suppressed" not in table.columns:
            continue
        sup = table["suppressed"].astype(str).str.lower().eq("true").to_numpy()
        n = pd.to_numeric(table["n"], errors="coerce").to_numpy(dtype=float)
        text_cols = [c for c in table.columns if table[c].dtype == object and c not in ("reason", "suppressed")]
        for d in text_cols:
            is_total = table[d].astype(str).eq(TOTAL).to_numpy()
            if not is_total.any():
                continue
            others = [c for c in text_cols if c != d]
            keys = table[others].astype(str).agg("|".join, axis=1) if others else pd.Series("", index=table.index)
            for key in keys[is_total].unique():
                rows = (keys == key).to_numpy()
                tot = np.flatnonzero(rows & is_total)
                cells = rows & ~is_total
                if not tot.size or sup[tot[0]] or not np.isfinite(n[tot[0]]) or not (cells & sup).any():
                    continue
                hidden = n[tot[0]] - np.nansum(np.where(sup | ~cells, 0.0, n))
                if 0 < hidden < min_cell:
                    found.append(f"{rel}: hidden cells of '{d}' at {key or 'the table'} hold {hidden:g} "
                                 f"respondent(s) (total minus published)")
    agg = folder / "aggregates.json"
    aggregates = json.loads(agg.read_text(encoding="utf-8")) if agg.exists() else None
    if agg.exists():
        def walk(node: Any, where: str) -> None:
            if isinstance(node, dict):
                for k, v in node.items():
                    if (k == "n" or k in COUNT_COLUMNS or (k.startswith("n_") and k != "n_eff")) \
                            and isinstance(v, (int, float)) and not isinstance(v, bool) and 0 < v < min_cell:
                        found.append(f"aggregates.json: {where}.{k} = {v:g}")
                    else:
                        walk(v, f"{where}.{k}")
            elif isinstance(node, list):
                for i, v in enumerate(node):
                    walk(v, f"{where}[{i}]")
        walk(aggregates, "")
    html_path = folder / "report.html"
    text = ""
    if html_path.exists():
        text = re.sub(r"<!--.*?-->", " ", html_path.read_text(encoding="utf-8"), flags=re.S)
        text = re.sub(r"<[^>]+>", " ", text)
        for m in _TEXT_COUNT.finditer(text):
            value = int((m.group(1) or m.group(2)).replace(".", ""))
            if 0 < value < min_cell:
                found.append(f"report.html: '{m.group(0)}'")
    if isinstance(aggregates, dict) and isinstance(aggregates.get("kpis"), list):
        rows = pd.DataFrame([r for r in aggregates["kpis"] if isinstance(r, dict)])
        if {"level", "group", "n", "suppressed", "kpi"} <= set(rows.columns):
            for level, part in rows[rows["level"] != TOTAL].groupby("level"):  # as a table per breakdown
                tables[f"aggregates.json ({level})"] = part.rename(columns={"group": level}).drop(columns="level")
            tables["aggregates.json (totaal)"] = rows[rows["level"] == TOTAL].drop(columns=["level", "group"])
    survey = {k: t for k, t in tables.items() if Path(k).stem not in set(case_tables)}
    found.extend(cross_table_findings(survey, text, min_cell))
    return found


_KPI_TEXT = {"kpi", "item", "statistic", "reason", "suppressed", "label", "op", "status", "kind", "weighted"}
_RESPONDENT_TOTAL = re.compile(r"(?:Gebaseerd op|Based on|bevat|contains)\s+(\d{1,3}(?:[.,]\d{3})*)\s+respondent",
                               re.IGNORECASE)
_REFERENCE = re.compile(r"\((?:tegenover|against) (.+)\)\s*$")


def _suppressed(table: pd.DataFrame) -> np.ndarray:
    return table["suppressed"].astype(str).str.lower().isin(["true", "1", "1.0"]).to_numpy()


def cross_table_findings(tables: Mapping[str, pd.DataFrame], text: str = "", min_cell: int = 10) -> list[str]:
    """What a reader learns by putting the tables of one report side by side.

    1. A group hidden in one table (reason ``linked``, or every row of it hidden in a KPI table's breakdown)
       must not be shown in another table, nor as a regression coefficient (``term``
       ``C(kanaal)[T.post]``) or a coefficient's reference group (label "... (tegenover post)").
    2. A breakdown without its own total row, with hidden cells: the total published elsewhere (the same
       ``kpi`` in a table without that breakdown; the respondents of the report text, "Gebaseerd op 44
       respondenten", for counts of respondents) minus the published cells must be 0 or >= ``min_cell``.

    Parameters
    ----------
    tables:
        Name -> table as read from ``tables/*.csv`` (and ``aggregates.json``'s KPI rows per level).
    text:
        The report's text (``report.html`` without tags).

    Returns
    -------
    list of str
        One line per finding.
    """
    found: list[str] = []
    fields = set(load_codebook().breakdown_fields()) | {"periode"}
    for t in tables.values():  # a KPI table's text columns besides its keys are breakdowns (segments too)
        if "kpi" in t.columns and "estimate" in t.columns:
            fields |= {c for c in t.columns if t[c].dtype == object and c not in _KPI_TEXT}
    hidden: dict[str, set[str]] = {}
    where: dict[tuple[str, str], str] = {}
    for name, t in tables.items():
        if "suppressed" not in t.columns:
            continue
        sup = _suppressed(t)
        linked = t["reason"].astype(str).str.contains("linked").to_numpy() if "reason" in t.columns else sup & False
        kpi_like = "kpi" in t.columns and "estimate" in t.columns  # a KPI table: a breakdown of the respondents
        for col in [c for c in t.columns if c in fields]:
            values = t[col].astype(str).to_numpy()
            for v in set(values) - {TOTAL, "nan"}:
                rows = values == v
                if (rows & linked).any() or (kpi_like and sup[rows].all()):
                    hidden.setdefault(col, set()).add(v)
                    where.setdefault((col, v), name)
    for name, t in tables.items():
        sup = _suppressed(t) if "suppressed" in t.columns else np.zeros(len(t), bool)
        for col, groups in hidden.items():
            if col in t.columns:
                values = t[col].astype(str).to_numpy()
                for i in np.flatnonzero(~sup & np.isin(values, list(groups))):
                    found.append(f"{name}: row {i + 2} shows {col} '{values[i]}', which "
                                 f"{where[(col, values[i])]} hides")
        if "term" in t.columns:
            labels = t["label"].astype(str).to_numpy() if "label" in t.columns else [""] * len(t)
            for i, term in enumerate(t["term"].astype(str)):
                m = _TERM.match(term)
                if not m:
                    continue
                col, level = m.group(1), m.group(2)
                ref = _REFERENCE.search(labels[i])
                for g in [level] + ([ref.group(1)] if ref else []):
                    if g in hidden.get(col, ()):
                        found.append(f"{name}: coefficient '{labels[i] or term}' involves {col} '{g}', which "
                                     f"{where[(col, g)]} hides (its mean could be worked out)")
    # hidden cells against a total published in another table or in the text
    respondents = {int(m.group(1).replace(".", "").replace(",", "")) for m in _RESPONDENT_TOTAL.finditer(text)}
    for name, t in tables.items():
        if "suppressed" not in t.columns or "n" not in t.columns:
            continue
        sup = _suppressed(t)
        n = pd.to_numeric(t["n"], errors="coerce").to_numpy(dtype=float)
        dims = [c for c in t.columns if c in fields or c in hidden]
        if {"variable", "category"} <= set(t.columns):
            dims = ["category"]
        for d in dims:
            values = t[d].astype(str).to_numpy()
            if (values == TOTAL).any():
                continue  # a total row of its own: checked per table
            keys = ["variable"] if d == "category" else [c for c in ("kpi",) if c in t.columns]
            label = t[keys].astype(str).agg("|".join, axis=1).to_numpy() if keys else np.full(len(t), "")
            for key in np.unique(label):
                rows = label == key
                if not (rows & sup).any():
                    continue
                shown = float(np.nansum(np.where(sup, 0.0, n)[rows]))
                totals = set(respondents) if "kpi" not in t.columns else set()
                if "kpi" in t.columns:
                    for other_name, o in tables.items():
                        if other_name == name or "kpi" not in o.columns or "n" not in o.columns:
                            continue
                        osup = _suppressed(o) if "suppressed" in o.columns else np.zeros(len(o), bool)
                        hit = (o["kpi"].astype(str).to_numpy() == key) & ~osup
                        for c in [c for c in o.columns if c in fields]:  # the overall rows only
                            hit &= o[c].astype(str).isin([TOTAL, "nan"]).to_numpy()
                        totals |= set(pd.to_numeric(o.loc[hit, "n"], errors="coerce").dropna().astype(float))
                for total in totals:
                    rest = total - shown
                    if 0 < rest < min_cell:
                        found.append(f"{name}: hidden {d} cells{' of ' + key if key else ''} hold {rest:g} "
                                     f"respondent(s): {total:g} published elsewhere minus the cells shown")
    return found

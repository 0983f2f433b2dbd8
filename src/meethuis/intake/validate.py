"""Intake validation: map a raw survey file onto the codebook, type it, and summarise its data quality.

What is fatal (raises :class:`~meethuis.common.errors.DataError` with file, row, column and a hint) and what is
a warning (listed in :class:`IntakeSummary`, the value set to missing):

Fatal — the numbers would otherwise be silently wrong:
  a mapped column absent from the file (close matches listed), a mapped column repeated in the header,
  an answer label that no recode covers (value, row and existing recodes shown), a recode that points
  outside the scale, an unparseable or blank period, a row with answers but no respondent id, a
  respondent id repeated with *different* answers, a process key repeated, an empty file or sheet,
  and out-of-range values in more than 5 % of a column's answers (a wrong scale or mapping; with
  ``strict=True`` any out-of-range value is fatal).
Warning — the data stay usable and the summary says what was done:
  a few out-of-range values (set to missing, rows listed), completely empty rows (dropped), exact
  duplicate rows (dropped), file columns that no mapping uses, survey rows without a process record and
  process records without a survey row, process rows without a key (dropped).
"""
from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping

import numpy as np
import pandas as pd

from meethuis.common.errors import ConfigError, DataError, Problem
from meethuis.intake.codebook import Codebook, Field, Item
from meethuis.intake.config import OrgConfig, load_config
from meethuis.intake.io import read_table

OUT_OF_RANGE_FATAL_SHARE = 0.05
MISSING_TOKENS = ("nvt", "weet_niet", "missing")
_NUMBER = re.compile(r"^[+-]?(\d+([.,]\d*)?|[.,]\d+)$")
# The codebook's own vocabulary for missing answers, understood without a recode.
DEFAULT_MISSING_LABELS = {
    "nvt": "nvt", "n.v.t.": "nvt", "n.v.t": "nvt", "niet van toepassing": "nvt", "not applicable": "nvt",
    "n/a": "nvt", "weet niet": "weet_niet", "weet ik niet": "weet_niet", "weet_niet": "weet_niet",
    "don't know": "weet_niet", "dont know": "weet_niet", "geen antwoord": "missing", "missing": "missing",
}
DEFAULT_BOOLEANS = {"ja": True, "j": True, "yes": True, "y": True, "true": True, "waar": True, 1: True,
                    "nee": False, "n": False, "no": False, "false": False, "onwaar": False, 0: False}
PERIOD_FORMATS = "2026Q3, 2026-Q3, 2026 K3, Q3 2026, K3-2026 or a date"


# --------------------------------------------------------------------------------------------------
# Result types
# --------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class IntakeWarning(Problem):
    """A non-fatal intake finding, with its Dutch wording for the summary (``message`` is English)."""

    message_nl: str = ""
    hint_nl: str | None = None

@dataclass(frozen=True)
class ItemQuality:
    """Counts for one mapped item: valid answers and each kind of missing."""

    item: str
    column: str
    valid_n: int
    nvt: int
    weet_niet: int
    missing: int
    out_of_range: int


@dataclass(frozen=True)
class OutOfRange:
    """Values outside an item's scale that were set to missing (first rows and values kept)."""

    item: str
    column: str
    count: int
    rows: tuple[int, ...]
    values: tuple[Any, ...]


@dataclass(frozen=True)
class ProcessLink:
    """How the survey and the process file link on the case key."""

    file: str
    rows: int
    matched: int
    survey_without_process: int
    process_without_survey: int
    rows_without_key: int = 0


@dataclass(frozen=True)
class IntakeSummary:
    """The data-quality summary of one intake; ``to_frame()`` per item, ``to_text(lang)`` for people."""

    organisation: str
    file: str
    rows_read: int
    rows: int
    empty_rows: int
    duplicate_ids: tuple[str, ...]
    items: tuple[ItemQuality, ...]
    out_of_range: tuple[OutOfRange, ...]
    unknown_columns: tuple[str, ...]
    periods: Mapping[str, int]
    process: ProcessLink | None
    problems: tuple[Problem, ...]
    encoding: str | None = None
    delimiter: str | None = None

    @property
    def valid_n(self) -> dict[str, int]:
        """Valid answers per item id."""
        return {q.item: q.valid_n for q in self.items}

    def to_frame(self) -> pd.DataFrame:
        """One row per item: column, valid n, n.v.t., weet niet, missing, out of range, valid share."""
        frame = pd.DataFrame([q.__dict__ for q in self.items],
                             columns=["item", "column", "valid_n", "nvt", "weet_niet", "missing", "out_of_range"])
        frame["valid_share"] = frame["valid_n"] / self.rows if self.rows else np.nan
        return frame

    def to_text(self, lang: str = "nl") -> str:
        """The summary as plain text in Dutch (default) or English."""
        nl = lang != "en"
        t = (lambda a, b: a) if nl else (lambda a, b: b)
        lines = [t(f"Gegevenskwaliteit {self.organisation}", f"Data quality {self.organisation}"),
                 t(f"Bestand: {self.file}", f"File: {self.file}")]
        if self.encoding:
            sep = {";": "puntkomma", ",": "komma", "\t": "tab", "|": "pipe"}.get(self.delimiter or "", "?")
            if not nl:
                sep = {";": "semicolon", ",": "comma", "\t": "tab", "|": "pipe"}.get(self.delimiter or "", "?")
            lines.append(t(f"Codering: {self.encoding}, scheidingsteken: {sep}",
                           f"Encoding: {self.encoding}, delimiter: {sep}"))
        lines.append(t(f"Rijen gelezen: {self.rows_read}; respondenten: {self.rows}; lege rijen verwijderd: "
                       f"{self.empty_rows}; dubbele rijen verwijderd: {len(self.duplicate_ids)}",
                       f"Rows read: {self.rows_read}; respondents: {self.rows}; empty rows dropped: "
                       f"{self.empty_rows}; duplicate rows dropped: {len(self.duplicate_ids)}"))
        if self.periods:
            lines.append(t("Respondenten per kwartaal: ", "Respondents per quarter: ")
                         + ", ".join(f"{p} {n}" for p, n in self.periods.items()))
        lines.append("")
        w = max([22] + [len(q.item) + 2 for q in self.items])  # long own item ids keep their column
        head = t(f"{'vraag':<{w}}{'kolom':<28}{'geldig':>8}{'nvt':>6}{'weet niet':>10}{'leeg':>6}{'buiten schaal':>14}",
                 f"{'item':<{w}}{'column':<28}{'valid':>8}{'n/a':>6}{'dont know':>10}{'blank':>6}{'out of range':>14}")
        lines.append(head)
        for q in self.items:
            lines.append(f"{q.item:<{w}}{q.column[:27]:<28}{q.valid_n:>8}{q.nvt:>6}{q.weet_niet:>10}"
                         f"{q.missing:>6}{q.out_of_range:>14}")
        if self.process is not None:
            p = self.process
            lines += ["", t(f"Procesgegevens: {p.rows} zaken; gekoppeld: {p.matched}; respondenten zonder zaak: "
                            f"{p.survey_without_process}; zaken zonder respondent: {p.process_without_survey}",
                            f"Process data: {p.rows} cases; linked: {p.matched}; respondents without a case: "
                            f"{p.survey_without_process}; cases without a respondent: {p.process_without_survey}")]
        if self.problems:
            lines += ["", t(f"Waarschuwingen ({len(self.problems)}):", f"Warnings ({len(self.problems)}):")]
            for pr in self.problems:
                lines.append(f"- {_problem_text(pr, 'nl' if nl else 'en')}")
        else:
            lines += ["", t("Geen waarschuwingen.", "No warnings.")]
        return "\n".join(lines) + "\n"


def _problem_text(problem: Problem, lang: str = "nl") -> str:
    nl = lang != "en" and bool(getattr(problem, "message_nl", ""))
    row, col = ("rij", "kolom") if nl else ("row", "column")
    where = ", ".join(x for x in (f"{row} {problem.row}" if problem.row is not None else None,
                                   f"{col} '{problem.column}'" if problem.column else None) if x)
    message = problem.message_nl if nl else problem.message
    hint = getattr(problem, "hint_nl", None) if nl else problem.hint
    text = f"{where}: {message}" if where else message
    return text + (f" ({hint})" if hint else "")


@dataclass(frozen=True)
class Survey:
    """A mapped survey: tidy typed ``responses``, ``missing_reasons``, ``process`` records and ``summary``."""

    responses: pd.DataFrame
    missing_reasons: pd.DataFrame
    process: pd.DataFrame | None
    summary: IntakeSummary
    config: Any = field(default=None, repr=False)


# --------------------------------------------------------------------------------------------------
# Value helpers
# --------------------------------------------------------------------------------------------------
def norm_value(value: Any) -> Any:
    """Comparable form of a cell: numbers (also '7,5' text) as int/float, text lower-case, spaces collapsed."""
    if value is None or value is pd.NA or value is pd.NaT or (isinstance(value, float) and np.isnan(value)):
        return None
    if isinstance(value, (bool, np.bool_)):
        return int(value)
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        return int(value) if float(value).is_integer() else float(value)
    if isinstance(value, str):
        text = " ".join(value.strip().split())
        if not text:
            return None
        if _NUMBER.match(text):
            number = float(text.replace(",", "."))
            return int(number) if number.is_integer() else number
        return text.lower()
    return value


def parse_period(value: Any) -> str | None:
    """A quarter as ``"2026Q3"`` from '2026Q3', '2026-Q3', '2026 K3', 'Q3 2026', 'K3-2026' or a date; else None."""
    if isinstance(value, (pd.Timestamp, np.datetime64)) or hasattr(value, "year") and hasattr(value, "month"):
        ts = pd.Timestamp(value)
        return f"{ts.year}Q{(ts.month - 1) // 3 + 1}"
    if not isinstance(value, str):
        return None
    text = value.strip()
    m = re.fullmatch(r"(\d{4})\s*[-/_ ]?\s*[QqKk]([1-4])", text)
    if m:
        return f"{m.group(1)}Q{m.group(2)}"
    m = re.fullmatch(r"[QqKk]([1-4])\s*[-/_ ]?\s*(\d{4})", text)
    if m:
        return f"{m.group(2)}Q{m.group(1)}"
    m = re.fullmatch(r"(\d{4})-(\d{2})-(\d{2})", text)
    if m and 1 <= int(m.group(2)) <= 12:
        return f"{m.group(1)}Q{(int(m.group(2)) - 1) // 3 + 1}"
    return None


def _first_row(raw: pd.Series, predicate) -> int:
    for idx, v in raw.items():
        if predicate(v):
            return int(idx)
    return int(raw.index[0])


def _show(value: Any) -> str:
    """A cell value for a message; long text is cut (it may be an open answer with personal data)."""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, str) and len(value) > 30:
        value = value[:27] + "..."
    return repr(value) if isinstance(value, str) else str(value)


# --------------------------------------------------------------------------------------------------
# Mapping
# --------------------------------------------------------------------------------------------------
class _Context:
    """Everything a column mapping needs to raise a precise error."""

    def __init__(self, raw, config, strict: bool) -> None:
        self.raw = raw
        self.config = config
        self.file = str(raw.file)
        self.strict = strict
        self.problems: list[Problem] = []
        self.missing_values = {norm_value(k): v for k, v in (config.missing_values or {}).items()}

    def column(self, name: str, target: str, key: str) -> pd.Series:
        cols = list(dict.fromkeys(getattr(self.raw, "columns", None) or self.raw.frame.columns))
        if name in self.raw.duplicate_columns:
            raise DataError(f"column '{name}' (mapped to '{target}') appears more than once in the header",
                            file=self.file, column=name, hint="rename or remove the repeated column")
        if name not in cols or name not in self.raw.frame.columns:
            lower = {c.lower(): c for c in cols}
            close = difflib.get_close_matches(name, cols, n=3, cutoff=0.6)
            if name.lower() in lower and lower[name.lower()] not in close:
                close.insert(0, lower[name.lower()])
            hint = (f"did you mean {', '.join(repr(c) for c in close)}? " if close else "") + \
                f"fix {key} in {self.config.path.name}; the file has {len(cols)} columns"
            raise DataError(f"column '{name}' (mapped to '{target}') is not in the file", file=self.file,
                            column=name, hint=hint)
        return self.raw.frame[name]


def _recode_table(recode: Mapping[Any, Any]) -> dict[Any, Any]:
    return {norm_value(k): v for k, v in (recode or {}).items()}


def _scale_vocabulary(item: Item) -> dict[Any, Any]:
    vocab: dict[Any, Any] = dict(DEFAULT_MISSING_LABELS)
    for labels in item.scale.labels.values():
        for code, label in labels.items():
            vocab.setdefault(norm_value(label), code)
    return vocab


def map_item(series: pd.Series, item: Item, column: str, recode: Mapping[Any, Any], ctx: _Context,
             value_labels: Mapping[Any, str] | None = None,
             declared_missing: tuple[tuple[float, float], ...] = ()) -> tuple[pd.Series, pd.Series, OutOfRange | None]:
    """Map one answer column to codes (float, NaN when missing) and missing reasons.

    Raises
    ------
    DataError
        For a text label no recode covers, or out-of-range values beyond the tolerated share.
    """
    table = _recode_table(recode)
    declared = declared_missing
    vocab = _scale_vocabulary(item)
    labels = {norm_value(k): v for k, v in (value_labels or {}).items()}
    lo, hi = item.scale.min, item.scale.max
    cache: dict[Any, tuple[float, Any]] = {}  # key -> (code or nan, reason or None or "oor")

    def resolve(raw_value: Any) -> tuple[float, Any]:
        k = norm_value(raw_value)
        if k is None:
            return np.nan, "missing"
        if k in cache:
            return cache[k]
        target: Any = None
        found = False
        for candidate in ([k] + ([norm_value(labels[k])] if k in labels else [])):
            for source in (table, ctx.missing_values):
                if candidate in source:
                    target, found = source[candidate], True
                    break
            if found:
                break
            if candidate is not k and candidate in DEFAULT_MISSING_LABELS:
                target, found = DEFAULT_MISSING_LABELS[candidate], True
                break
        from_recode = found
        if not found and isinstance(k, (int, float)) and any(lo_ <= k <= hi_ for lo_, hi_ in declared):
            target, found = "missing", True  # declared missing in the file itself (SPSS user-missing)
        if not found and item.scale.positive is not None:  # a text outcome: the positive answer is 1
            positive = norm_value(item.scale.positive)
            if k in DEFAULT_MISSING_LABELS:
                target = DEFAULT_MISSING_LABELS[k]
            else:
                target = 1 if k == positive or (k in labels and norm_value(labels[k]) == positive) else 0
            found = True
        if not found:
            if isinstance(k, (int, float)):
                target, found = k, True
            elif k in vocab:
                target, found = vocab[k], True
        if not found:
            row = _first_row(series, lambda v: norm_value(v) == k)
            known = list(dict.fromkeys([str(x) for x in table] + [str(x) for x in ctx.missing_values]))
            raise DataError(
                f"answer {_show(raw_value)} of '{item.id}' is not a number and no recode covers it",
                file=ctx.file, row=row, column=column,
                hint=(f"recodes for this column: {', '.join(known)}; " if known else "no recodes defined; ")
                + f"add {_show(raw_value)} under data.columns.{item.id}.recode (or data.recodes) "
                  f"as a code {lo}-{hi} or nvt / weet_niet / missing")
        if isinstance(target, str):
            if target not in MISSING_TOKENS:
                raise ConfigError(f"recode of '{item.id}' maps {_show(raw_value)} to {target!r}, "
                                  f"which is not a code {lo}-{hi}", file=str(ctx.config.path),
                                  key=f"data.columns.{item.id}.recode",
                                  hint="map answers to numbers on the item's scale or to nvt/weet_niet/missing")
            result = (np.nan, target)
        else:
            number = float(target)
            if from_recode and not (number.is_integer() and lo <= number <= hi):
                raise ConfigError(
                    f"recode of '{item.id}' maps {_show(raw_value)} to {target!r}; a recode must give a whole "
                    f"code from {lo} to {hi} (the scale of '{item.id}')", file=str(ctx.config.path),
                    key=f"data.columns.{item.id}.recode",
                    hint="keep the answers as they are and declare the item under extra_items with its own "
                         "scale (e.g. scale: {min: 1, max: 10}) instead of squeezing it onto this one")
            result = (number, None) if number.is_integer() and lo <= number <= hi else (np.nan, "oor")
        cache[k] = result
        return result

    codes_idx, uniques = pd.factorize(series.astype(object), use_na_sentinel=True)
    resolved = [resolve(u) for u in uniques] + [(np.nan, "missing")]  # index -1 = blank
    code_arr = np.array([r[0] for r in resolved], dtype="float64")
    why_arr = np.array([r[1] for r in resolved], dtype=object)
    codes = pd.Series(code_arr[codes_idx], index=series.index)
    reasons = pd.Series(why_arr[codes_idx], index=series.index, dtype=object)
    oor_mask = reasons == "oor"
    out = None
    if oor_mask.any():
        bad = series[oor_mask]
        n_answered = int((reasons != "missing").sum())
        share = len(bad) / max(n_answered, 1)
        first = int(bad.index[0])
        if ctx.strict or share > OUT_OF_RANGE_FATAL_SHARE:
            raise DataError(
                f"{len(bad)} value(s) of '{item.id}' lie outside its scale {lo}-{hi} (whole codes from {lo} to {hi}) "
                f"(first: {_show(bad.iloc[0])}){'' if ctx.strict else f', {share:.0%} of the answers'}",
                file=ctx.file, row=first, column=column,
                hint="check that the column is mapped to the right item and that its codes are recoded "
                     "(e.g. 99 -> missing under data.missing_values)")
        out = OutOfRange(item.id, column, len(bad), tuple(int(i) for i in bad.index[:5]),
                         tuple(bad.iloc[:5].tolist()))
        ctx.problems.append(IntakeWarning(
            f"{len(bad)} value(s) of '{item.id}' outside the scale {lo}-{hi} set to missing "
            f"(e.g. {_show(bad.iloc[0])})", file=ctx.file, row=first, column=column,
            hint="add a recode if they mean something",
            message_nl=f"{len(bad)} waarde(n) van '{item.id}' buiten de schaal {lo}-{hi} als ontbrekend "
                       f"behandeld (bijv. {_show(bad.iloc[0])})",
            hint_nl="voeg een hercodering toe als ze iets betekenen"))
        reasons = reasons.where(~oor_mask, "missing")
    reasons = reasons.astype(object).where(reasons.notna(), None)
    return codes, reasons, out


def map_category(series: pd.Series, fld: Field, column: str, recode: Mapping[Any, Any], ctx: _Context,
                 value_labels: Mapping[Any, str] | None = None) -> pd.Series:
    """Map a context column to its codebook categories (pandas ``category``); unknown labels are fatal."""
    table = _recode_table(recode)
    labels = {norm_value(k): v for k, v in (value_labels or {}).items()}
    allowed = {norm_value(v): v for v in fld.values} if fld.values else None
    cache: dict[Any, Any] = {}

    def check_target(target: Any, raw_value: Any) -> Any:
        if isinstance(target, str) and target in MISSING_TOKENS:
            return None
        text = _category_text(target)
        if allowed is not None and norm_value(text) not in allowed:
            raise ConfigError(f"recode of '{fld.id}' maps {_show(raw_value)} to {text!r}, which is not allowed",
                              file=str(ctx.config.path), key=f"data.columns.{fld.id}.recode",
                              hint=f"allowed: {', '.join(fld.values)}")
        return allowed[norm_value(text)] if allowed is not None else text

    def resolve(raw_value: Any) -> Any:
        k = norm_value(raw_value)
        if k is None:
            return None
        if k in cache:
            return cache[k]
        candidates = [k] + ([norm_value(labels[k])] if k in labels else [])
        result: Any = _UNSET
        for c in candidates:
            if c in table:
                result = check_target(table[c], raw_value)
                break
            if c in ctx.missing_values or c in DEFAULT_MISSING_LABELS:
                result = None
                break
            if allowed is not None and c in allowed:
                result = allowed[c]
                break
        if result is _UNSET:
            if allowed is None:
                result = labels[k] if k in labels else _category_text(raw_value)
            else:
                row = _first_row(series, lambda v: norm_value(v) == k)
                known = ", ".join(str(x) for x in table) or "none"
                shown = _show(raw_value) + (f" ({labels[k]!r})" if k in labels else "")
                raise DataError(
                    f"value {shown} of '{fld.id}' is not one of its categories and no recode covers it",
                    file=ctx.file, row=row, column=column,
                    hint=f"allowed: {', '.join(fld.values)}; recodes defined: {known}; add it under "
                         f"data.columns.{fld.id}.recode")
        cache[k] = result
        return result

    idx, uniques = pd.factorize(series.astype(object), use_na_sentinel=True)
    resolved = np.array([resolve(u) for u in uniques] + [None], dtype=object)
    values = resolved[idx]
    cats = list(fld.values) if fld.values else sorted({v for v in resolved if v is not None})
    return pd.Categorical(values, categories=cats)


_UNSET = object()


def _category_text(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def map_unique(series: pd.Series, func, blank: Any = None) -> pd.Series:
    """Apply ``func`` once per distinct value (blanks get ``blank``); fast on long, repetitive columns."""
    idx, uniques = pd.factorize(series.astype(object), use_na_sentinel=True)
    values = np.empty(len(uniques) + 1, dtype=object)
    for k, u in enumerate(uniques):
        values[k] = func(u)
    values[-1] = blank
    return pd.Series(values[idx], index=series.index, dtype=object)


def _id_text(ids: pd.Series) -> pd.Series:
    """Respondent ids as stripped text (``12.0`` → ``"12"``): whole numbers at once, text once per distinct value.

    ``ids`` has no blanks (checked before); the result equals ``ids.map(_category_text)``.
    """
    if pd.api.types.is_integer_dtype(ids.dtype) and not pd.api.types.is_bool_dtype(ids.dtype):
        return pd.Series(ids.to_numpy("int64").astype(str), index=ids.index, dtype=object)
    if pd.api.types.is_float_dtype(ids.dtype):
        values = ids.to_numpy(float)
        if np.all(np.mod(values, 1) == 0) and np.all(np.abs(values) < 2**53):
            return pd.Series(values.astype(np.int64).astype(str), index=ids.index, dtype=object)
    if ids.dtype == object and len(ids) and pd.api.types.infer_dtype(ids, skipna=False) == "string":
        return ids.str.strip().astype(object)  # text ids (usually all distinct): stripped at once
    return map_unique(ids, _category_text)


def _text_column(series: pd.Series) -> pd.Series:
    """Cells as stripped text, blanks as ``None``; a column of text (e.g. a million case keys, all
    distinct) is stripped at once, other columns once per distinct value."""
    if series.dtype == object and len(series) and pd.api.types.infer_dtype(series, skipna=True) == "string":
        stripped = series.str.strip()  # a text cell is blank exactly when only white space remains
        return stripped.where(stripped.notna() & (stripped != ""), None).astype(object)
    return map_unique(series, lambda v: None if norm_value(v) is None else _category_text(v))


def map_period(ctx: _Context, rows: pd.Index) -> tuple[pd.Series, pd.Series | None]:
    """The ``periode`` column (``"2026Q3"``) and, for a date column, ``datum``; bad values are fatal."""
    spec = ctx.config.period
    if spec.date_column:
        col = ctx.column(spec.date_column, "periode", "data.period.date_column")
        dates = parse_dates(col, spec.date_format, ctx, spec.date_column)
        codes, days = pd.factorize(dates)  # a quarter's text once per distinct date (no NaT: checked)
        quarters = np.asarray(days.year.astype(str) + "Q" + days.quarter.astype(str), dtype=object)
        periods = pd.Series(quarters[codes], index=dates.index, dtype=object)
        plausibility_warning(periods, spec, ctx, spec.date_column)
        return periods, dates
    if spec.value:
        return pd.Series(spec.value, index=rows, dtype=object), None
    col = ctx.column(spec.column, "periode", "data.period")
    if col.isna().any():
        raise DataError("period is empty", file=ctx.file, row=int(col.index[col.isna().to_numpy()][0]),
                        column=spec.column, hint=f"every row needs a quarter ({PERIOD_FORMATS})")
    parsed = map_unique(col, parse_period)
    if parsed.isna().any():
        row = parsed.isna().idxmax()  # the first row that is not a quarter
        raise DataError(f"period value {_show(col[row])} is not a quarter", file=ctx.file, row=int(row),
                        column=spec.column,
                        hint=f"write quarters as {PERIOD_FORMATS}, or use data.period.date_column")
    plausibility_warning(parsed, spec, ctx, spec.column)
    return parsed, None


# Date formats tried when the config names none, by family (a family = one way of writing day and month).
DATE_FORMATS = {"%Y-%m-%d": "iso", "%Y-%m-%d %H:%M:%S": "iso", "%Y-%m-%d %H:%M": "iso",
                "%d-%m-%Y": "dag-maand", "%d-%m-%Y %H:%M": "dag-maand", "%d-%m-%Y %H:%M:%S": "dag-maand",
                "%d/%m/%Y": "slash", "%d/%m/%Y %H:%M": "slash"}
_SLASH = re.compile(r"^\s*(\d{1,2})/(\d{1,2})/\d{4}")


def parse_dates(col: pd.Series, fmt: str | None, ctx: _Context, column: str) -> pd.Series:
    """Parse a date column (``fmt``, else ISO or day-first Dutch dates); what cannot be read surely is fatal.

    Without ``fmt``: dates written in more than one way in one column, and slash dates that could be read
    as day/month and as month/day (no day above 12 anywhere), are refused: the config must name the format
    (``data.period.date_format``), so that no month is silently read as a day.
    """
    families: dict[str, Any] = {}

    def one(v: Any) -> pd.Timestamp | None:
        if norm_value(v) is None:
            return None
        if hasattr(v, "year") and hasattr(v, "month"):
            return pd.Timestamp(v)
        text = str(v).strip()
        for f in ([fmt] if fmt else list(DATE_FORMATS)):
            try:
                ts = pd.to_datetime(text, format=f)
            except (ValueError, TypeError):
                continue
            if not fmt:
                families.setdefault(DATE_FORMATS[f], text)
            return ts
        return None

    if col.isna().any():
        raise DataError("date is empty", file=ctx.file, row=int(col.index[col.isna().to_numpy()][0]),
                        column=column, hint="every row needs a date of contact")
    codes, uniques = pd.factorize(col.astype(object), use_na_sentinel=True)  # no blanks: checked above
    distinct = [one(u) for u in uniques]  # each distinct date parsed once
    parsed = pd.Series(np.asarray(distinct + [None], dtype=object)[codes], index=col.index, dtype=object)
    if parsed.isna().any():
        row = parsed.isna().idxmax()  # the first row whose date cannot be read
        m = _SLASH.match(str(col[row]))
        if not fmt and m and int(m.group(2)) > 12 >= int(m.group(1)):
            raise DataError(f"date {_show(col[row])} has month {m.group(2)} when read day first: the column holds "
                            "month/day dates", file=ctx.file, row=int(row), column=column,
                            hint="set data.period.date_format: '%m/%d/%Y' when every date is month first, or "
                                 "export the dates in one order")
        raise DataError(f"date {_show(col[row])} cannot be read", file=ctx.file, row=int(row), column=column,
                        hint=f"expected format {fmt!r}" if fmt else
                        "use 2026-07-01 or 01-07-2026, or set data.period.date_format (e.g. '%m/%d/%Y')")
    if not fmt and len(families) > 1:
        examples = ", ".join(repr(v) for v in families.values())
        raise DataError(f"dates in this column are written in {len(families)} ways ({examples}), so day and month "
                        "cannot be told apart safely", file=ctx.file, column=column,
                        hint="export the dates in one format, or set data.period.date_format, e.g. '%d-%m-%Y'")
    if not fmt and "slash" in families:
        firsts = col.dropna().astype(str).str.extract(_SLASH).dropna().astype(int)
        if len(firsts) and not (firsts[0] > 12).any():
            raise DataError(f"every slash date (e.g. {families['slash']!r}) can be read as day/month and as "
                            "month/day", file=ctx.file, column=column,
                            hint="set data.period.date_format: '%d/%m/%Y' (day first) or '%m/%d/%Y' (month first)")
    return pd.Series(pd.DatetimeIndex(distinct)[codes], index=col.index)


def plausibility_warning(periods: pd.Series, spec, ctx: _Context, column: str | None) -> None:
    """Warn (with counts) about quarters outside the plausible years: default 2000 to next year."""
    import datetime as _dt

    first, last = spec.plausible_years or (2000, _dt.date.today().year + 1)
    codes, uniques = pd.factorize(periods, use_na_sentinel=False)  # the year once per distinct period
    years = pd.Series(np.asarray(pd.Index(uniques).astype(str).str.slice(0, 4).astype(int))[codes],
                      index=periods.index)
    early, late = int((years < first).sum()), int((years > last).sum())
    if not early and not late:
        return
    parts = ([f"{early} before {first}"] if early else []) + ([f"{late} after {last}"] if late else [])
    parts_nl = ([f"{early} vóór {first}"] if early else []) + ([f"{late} na {last}"] if late else [])
    odd = periods[(years < first) | (years > last)]
    ctx.problems.append(IntakeWarning(
        f"{' and '.join(parts)}: implausible dates or quarters (e.g. {odd.iloc[0]} on row {int(odd.index[0])})",
        file=ctx.file, row=int(odd.index[0]), column=column,
        hint="check the export; set data.period.plausible_years when these are right",
        message_nl=f"{' en '.join(parts_nl)}: onwaarschijnlijke datums of kwartalen (bijv. {odd.iloc[0]} in rij "
                   f"{int(odd.index[0])})",
        hint_nl="controleer de export; zet data.period.plausible_years als ze kloppen"))


# --------------------------------------------------------------------------------------------------
# The whole survey
# --------------------------------------------------------------------------------------------------
def build_survey(raw, config, process_raw=None, *, strict: bool = False) -> Survey:
    """Map a :class:`~meethuis.intake.io.RawTable` onto the codebook as described in the module docstring.

    Parameters
    ----------
    raw:
        The survey file as read by :func:`meethuis.intake.io.read_table`.
    config:
        The organisation's :class:`~meethuis.intake.config.OrgConfig`.
    process_raw:
        The process file as read, or ``None``.
    strict:
        Make every out-of-range value fatal.

    Returns
    -------
    Survey

    Raises
    ------
    DataError, ConfigError
        See the module docstring.
    """
    ctx = _Context(raw, config, strict)
    frame = raw.frame
    cb: Codebook = config.codebook
    if frame.shape[0] == 0:
        raise DataError("the file has a header but no data rows", file=ctx.file,
                        hint="export the survey again including the answers")
    rows_read = len(frame)
    empty = frame.isna().all(axis=1)
    frame = frame[~empty]
    if frame.empty:
        raise DataError("every data row is empty", file=ctx.file, hint="export the survey again including the answers")
    if config.respondent_id is None:  # no id in the file: the row number is the respondent's id
        ids_raw = pd.Series([str(i) for i in frame.index], index=frame.index, dtype=object)
    else:
        ids_raw = ctx.column(config.respondent_id, "respondent_id", "data.respondent_id").loc[frame.index]
    no_id = ids_raw.isna()
    if no_id.any():
        row = int(ids_raw.index[no_id.to_numpy()][0])
        raise DataError("row has answers but no respondent id", file=ctx.file, row=row,
                        column=config.respondent_id, hint="give every respondent a unique id, or remove the row")
    ids = _id_text(ids_raw)
    duplicate_ids: list[str] = []
    dup = ids.duplicated(keep=False)
    if dup.any() and config.respondent_id is not None:
        keep = pd.Series(True, index=frame.index)
        for rid, rows in ids[dup].groupby(ids[dup]).groups.items():
            block = frame.loc[rows].astype(str)
            if (block.nunique() > 1).any():
                rlist = [int(r) for r in rows]
                raise DataError(f"respondent id '{rid}' occurs in rows {', '.join(map(str, rlist[:5]))} "
                                "with different answers", file=ctx.file, row=rlist[1],
                                column=config.respondent_id,
                                hint="respondent ids must be unique; fix the export or renumber")
            keep.loc[list(rows)[1:]] = False
            duplicate_ids.append(str(rid))
        ids_text = ", ".join(duplicate_ids[:5])
        ctx.problems.append(IntakeWarning(
            f"{(~keep).sum()} exact duplicate row(s) dropped (ids {ids_text})", file=ctx.file,
            column=config.respondent_id,
            message_nl=f"{(~keep).sum()} dubbele rij(en) verwijderd (nummers {ids_text})"))
        frame = frame[keep]
        ids = ids[keep]

    sub = _SubTable(raw, frame)
    sctx = _Context(sub, config, strict)
    sctx.problems = ctx.problems
    periods, dates = map_period(sctx, frame.index)
    out = {"respondent_id": ids.astype(object), "periode": periods}
    if dates is not None:
        out["datum"] = dates
    used = {config.respondent_id, config.period.column, config.period.date_column}
    for seg in config.segments.values():
        col = sctx.column(seg.column, seg.id, f"segments.{seg.id}")
        used.add(seg.column)
        out[seg.id] = segment_column(col, seg, sctx, raw.value_labels.get(seg.column))
    for m in getattr(config, "process_measures", {}).values():
        if m.source == "survey":
            col = sctx.column(m.column, m.id, f"process_measures.{m.id}.column")
            used.add(m.column)
            out[m.id] = measure_column(col, m, cb.fields[m.id], sctx, problems=ctx.problems,
                                       value_labels=raw.value_labels.get(m.column))
    reasons: dict[str, pd.Series] = {}
    quality: list[ItemQuality] = []
    ranges: list[OutOfRange] = []
    for target, cmap in config.columns.items():
        col = sctx.column(cmap.column, target, f"data.columns.{target}")
        used.add(cmap.column)
        labels = raw.value_labels.get(cmap.column)
        if target in cb.items:
            continue
        fld = cb.fields[target]
        if fld.kind == "category":
            out[target] = map_category(col, fld, cmap.column, cmap.recode, sctx, labels)
        elif fld.kind == "date":
            out[target] = parse_dates(col, None, sctx, cmap.column)
        elif fld.kind == "period":
            continue
        else:
            out[target] = _text_column(col)
    for target in [i for i in cb.items if i in config.columns]:
        cmap = config.columns[target]
        col = sctx.column(cmap.column, target, f"data.columns.{target}")
        codes, why, oor = map_item(col, cb.items[target], cmap.column, cmap.recode, sctx,
                                   raw.value_labels.get(cmap.column),
                                   tuple(getattr(raw, "missing_ranges", {}).get(cmap.column, ())))
        if codes.notna().sum() == 0:
            ctx.problems.append(IntakeWarning(
                f"'{target}' has no valid answers at all", file=ctx.file, column=cmap.column,
                hint="check the mapping and the export",
                message_nl=f"'{target}' heeft geen enkel geldig antwoord",
                hint_nl="controleer de koppeling en de export"))
        out[target] = codes
        reasons[target] = why
        counts = why.value_counts()
        quality.append(ItemQuality(target, cmap.column, int(codes.notna().sum()), int(counts.get("nvt", 0)),
                                   int(counts.get("weet_niet", 0)), int(counts.get("missing", 0)),
                                   oor.count if oor else 0))
        if oor:
            ranges.append(oor)
    if "zaak_sleutel" not in out and config.process is not None:
        col = sctx.column(config.process.survey_key, "zaak_sleutel", "process.survey_key")
        used.add(config.process.survey_key)
        out["zaak_sleutel"] = _text_column(col)

    responses = pd.DataFrame(out).reset_index(drop=True)
    order = ["respondent_id", "periode", "datum"] + \
        [f for f in cb.context_fields() if f in responses and f not in ("open_antwoord", "zaak_sleutel")] + \
        [i for i in cb.items if i in responses] + ["open_antwoord", "zaak_sleutel"]
    order = list(dict.fromkeys(c for c in order if c in responses))
    responses = responses[order + [c for c in responses if c not in order]]
    missing_reasons = pd.DataFrame({k: v.reset_index(drop=True) for k, v in reasons.items()}, dtype=object)
    missing_reasons.index = responses.index

    unknown = tuple(c for c in dict.fromkeys(getattr(raw, "columns", None) or raw.frame.columns) if c not in used)
    if unknown:
        names = f"{', '.join(unknown[:8])}{' ...' if len(unknown) > 8 else ''}"
        ctx.problems.append(IntakeWarning(
            f"{len(unknown)} column(s) not used by the mapping: {names}", file=ctx.file,
            hint="map them under data.columns if they matter",
            message_nl=f"{len(unknown)} kolom(men) niet gebruikt in de koppeling: {names}",
            hint_nl="koppel ze onder data.columns als ze ertoe doen"))
    if empty.any():
        ctx.problems.append(IntakeWarning(
            f"{int(empty.sum())} empty row(s) dropped", file=ctx.file, row=int(empty[empty].index[0]),
            message_nl=f"{int(empty.sum())} lege rij(en) verwijderd"))

    process, link = None, None
    if process_raw is not None:
        process, link = map_process(process_raw, config, ctx.problems)
        keys = responses["zaak_sleutel"] if "zaak_sleutel" in responses else pd.Series([], dtype=object)
        in_process = keys.isin(process["zaak_sleutel"].to_numpy())  # hash look-ups, no Python set of keys
        link = ProcessLink(file=str(process_raw.file), rows=len(process), matched=int(in_process.sum()),
                           survey_without_process=int((~in_process).sum()),
                           process_without_survey=int((~process["zaak_sleutel"].isin(keys.dropna().to_numpy())).sum()),
                           rows_without_key=link)
    periods_n = {str(k): int(v) for k, v in responses["periode"].value_counts().sort_index().items()}
    summary = IntakeSummary(
        organisation=config.name, file=str(raw.file), rows_read=rows_read, rows=len(responses),
        empty_rows=int(empty.sum()), duplicate_ids=tuple(duplicate_ids), items=tuple(quality),
        out_of_range=tuple(ranges), unknown_columns=unknown, periods=periods_n, process=link,
        problems=tuple(ctx.problems), encoding=raw.encoding, delimiter=raw.delimiter)
    return Survey(responses, missing_reasons, process, summary, config)


def segment_column(col: pd.Series, seg, ctx: _Context, value_labels: Mapping[Any, str] | None = None) -> pd.Categorical:
    """A free breakdown as ``category``: the column's own values (labels applied), numbers binned by ``bins``.

    Raises
    ------
    DataError
        A value that is not a number in a binned segment.
    """
    labels = {norm_value(k): v for k, v in (value_labels or {}).items()}
    if seg.bins is None:
        def one(v: Any) -> Any:
            k = norm_value(v)
            if k is None or k in DEFAULT_MISSING_LABELS or k in ctx.missing_values:
                return None
            return str(labels.get(k, _category_text(v)))
        values = map_unique(col, one)
        return pd.Categorical(values, categories=sorted({v for v in values if v is not None}))
    edges = list(seg.bins)
    names = [(f"{_num_text(a)}-{_num_text(b - 1)}" if float(a).is_integer() and float(b).is_integer()
              else f"{_num_text(a)}-{_num_text(b)}") for a, b in zip(edges, edges[1:])]

    def number(v: Any) -> Any:
        k = norm_value(v)
        if k is None or k in ctx.missing_values or k in DEFAULT_MISSING_LABELS:
            return None
        if not isinstance(k, (int, float)):
            row = _first_row(col, lambda x: norm_value(x) == k)
            raise DataError(f"value {_show(v)} of segment '{seg.id}' is not a number, so it cannot be binned",
                            file=ctx.file, row=row, column=seg.column,
                            hint=f"remove bins: under segments.{seg.id}, or recode the value as missing")
        for name, a, b in zip(names, edges, edges[1:]):
            if a <= k < b:
                return name
        return None  # outside the bins: not in any group
    values = map_unique(col, number)
    return pd.Categorical(values, categories=names)


def _num_text(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else str(x)


class _SubTable:
    """A RawTable view on the kept rows (same file, labels and header facts)."""

    def __init__(self, raw, frame: pd.DataFrame) -> None:
        self.file = raw.file
        self.frame = frame
        self.value_labels = raw.value_labels
        self.duplicate_columns = raw.duplicate_columns
        self.columns = getattr(raw, "columns", tuple(frame.columns))


def map_process(raw, config, problems: list[Problem] | None = None) -> tuple[pd.DataFrame, int]:
    """Type the process file: ``zaak_sleutel`` plus process fields; returns the frame and rows without a key.

    Raises
    ------
    DataError
        Key or mapped column absent, key repeated, a value that is not a number / yes-no / category.
    """
    spec = config.process
    problems = problems if problems is not None else []
    ctx = _Context(raw, config, False)
    ctx.missing_values = {}
    cb: Codebook = config.codebook
    frame = raw.frame[~raw.frame.isna().all(axis=1)]
    if frame.empty:
        raise DataError("the process file has no data rows", file=ctx.file, hint="export the process data again")
    ctx.raw = _SubTable(raw, frame)
    key = ctx.column(spec.key, "zaak_sleutel", "process.key")
    no_key = key.isna()
    if no_key.any():
        problems.append(IntakeWarning(
            f"{int(no_key.sum())} process row(s) without a key dropped", file=ctx.file,
            row=int(key.index[no_key.to_numpy()][0]), column=spec.key,
            message_nl=f"{int(no_key.sum())} procesrij(en) zonder zaaksleutel verwijderd"))
        frame = frame[~no_key]
        ctx.raw = _SubTable(raw, frame)
        key = key[~no_key]
    keys = _text_column(key)
    dup = keys.duplicated(keep=False)
    if dup.any():
        first = keys[dup].iloc[0]
        rows = [int(r) for r in keys.index[(keys == first).to_numpy()]]
        raise DataError(f"case key '{first}' occurs more than once (rows {', '.join(map(str, rows[:5]))})",
                        file=ctx.file, row=rows[1], column=spec.key,
                        hint="the process file needs one row per case; aggregate repeated rows first")
    out = {"zaak_sleutel": keys}
    for fid, column in spec.columns.items():
        col = ctx.column(column, fid, f"process.columns.{fid}")
        fld = cb.fields[fid]
        recode = _recode_table(spec.recodes.get(fid, {}))
        if fld.kind in ("number", "count"):
            out[fid] = _process_number(col, fld, column, recode, ctx, problems)
        elif fld.kind == "boolean":
            out[fid] = _process_boolean(col, fld, column, recode, ctx)
        else:
            out[fid] = map_category(col, fld, column, spec.recodes.get(fid, {}), ctx)
    for m in getattr(config, "process_measures", {}).values():
        if m.source == "process":
            col = ctx.column(m.column, m.id, f"process_measures.{m.id}.column")
            out[m.id] = measure_column(col, m, cb.fields[m.id], ctx, problems=problems,
                                       value_labels=raw.value_labels.get(m.column))
    frame_out = pd.DataFrame(out).reset_index(drop=True)
    return frame_out, int(no_key.sum())


def measure_column(col: pd.Series, measure, fld: Field, ctx: _Context, problems: list[Problem],
                   value_labels: Mapping[Any, str] | None = None) -> pd.Series | pd.Categorical:
    """An own process measure: numbers (``number``/``count``; missing codes and negatives set to missing) or
    a category (its own values, labels applied); ``ctx.missing_values`` count as missing.

    Raises
    ------
    DataError
        A value that is not a number in a numeric measure (file, row, column and the key that fixes it).
    """
    missing = {k: "missing" for k in ctx.missing_values} | {k: "missing" for k in DEFAULT_MISSING_LABELS}
    if fld.kind == "category":
        from meethuis.intake.config import Segment

        return segment_column(col, Segment(measure.id, measure.column), ctx, value_labels)
    try:
        return _process_number(col, fld, measure.column, missing, ctx, problems)
    except DataError as err:
        raise DataError(err.message, file=err.file, row=err.row, column=measure.column,
                        hint=f"declare the code under data.missing_values, or set process_measures.{measure.id}."
                             "kind: category") from None


def _process_number(col: pd.Series, fld: Field, column: str, recode: dict, ctx: _Context,
                    problems: list[Problem]) -> pd.Series:
    def one(v: Any) -> float:
        k = norm_value(v)
        if k in recode:
            k = recode[k]
            if isinstance(k, str):
                return np.nan
        if k is None:
            return np.nan
        if not isinstance(k, (int, float)):
            row = _first_row(col, lambda x: norm_value(x) == norm_value(v))
            raise DataError(f"{fld.id} value {_show(v)} is not a number", file=ctx.file, row=row, column=column,
                            hint=f"add a recode under process.recodes.{fld.id} or fix the value")
        return float(k)

    values = map_unique(col, one, blank=np.nan).astype("float64")
    bad = (values < 0) | ((fld.kind == "count") & values.notna() & (values % 1 != 0))
    if bad.any():
        problems.append(IntakeWarning(
            f"{int(bad.sum())} impossible {fld.id} value(s) (negative or not whole) set to missing",
            file=ctx.file, row=int(values.index[bad.to_numpy()][0]), column=column,
            message_nl=f"{int(bad.sum())} onmogelijke waarde(n) van {fld.id} (negatief of geen geheel getal) "
                       "als ontbrekend behandeld"))
        values = values.where(~bad)
    return values


def _process_boolean(col: pd.Series, fld: Field, column: str, recode: dict, ctx: _Context) -> pd.Series:
    def one(v: Any) -> Any:
        k = norm_value(v)
        if k is None:
            return pd.NA
        if k in recode:
            t = recode[k]
            return pd.NA if isinstance(t, str) and t in MISSING_TOKENS else bool(t)
        if k in DEFAULT_BOOLEANS:
            return DEFAULT_BOOLEANS[k]
        row = _first_row(col, lambda x: norm_value(x) == k)
        raise DataError(f"{fld.id} value {_show(v)} is not yes/no", file=ctx.file, row=row, column=column,
                        hint=f"add it under process.recodes.{fld.id} as true or false "
                             f"(understood without recode: ja/nee, j/n, 1/0, yes/no, true/false)")

    return pd.array(map_unique(col, one, blank=pd.NA).tolist(), dtype="boolean")

def load_survey(config_or_path: OrgConfig | str | Path, *, strict: bool = False) -> Survey:
    """Read an organisation's survey (and process file) and map it onto the codebook.

    Parameters
    ----------
    config_or_path:
        An :class:`~meethuis.intake.config.OrgConfig` or the path of its YAML file.
    strict:
        Make every out-of-range value fatal (by default a few are set to missing with a warning).

    Returns
    -------
    Survey
        ``responses``, ``missing_reasons``, ``process`` and the data-quality ``summary``.

    Raises
    ------
    ConfigError, DataError
        With file, row, column and a hint (see :mod:`meethuis.intake.validate` for what is fatal).
    """
    config = config_or_path if isinstance(config_or_path, OrgConfig) else load_config(config_or_path)
    raw = read_table(config.data_file, sheet=config.sheet, encoding=config.encoding, columns=survey_columns(config))
    process_raw = None
    if config.process is not None:
        process_raw = read_table(config.process.file)
    return build_survey(raw, config, process_raw, strict=strict)


def survey_columns(config: OrgConfig) -> set[str]:
    """The columns of the survey file that the config maps: only these are read (memory of large files)."""
    wanted = {config.respondent_id, config.period.column, config.period.date_column}
    wanted |= {cmap.column for cmap in config.columns.values()}
    wanted |= {seg.column for seg in getattr(config, "segments", {}).values()}
    wanted |= {m.column for m in getattr(config, "process_measures", {}).values() if m.source == "survey"}
    if config.process is not None:
        wanted.add(config.process.survey_key)
    return {str(c) for c in wanted if c}


def validate_config(path) -> IntakeSummary:
    """Load an organisation's config and data and return the data-quality summary (raises on fatal problems)."""
    return load_survey(path).summary

"""Journey event files: the contact log and the appointments file, mapped onto the codebook's journey fields.

Both are optional and declared under ``journeys:`` in the organisation config. They are linked to the
survey by the same case number as the process data (the raw key stays in ``zaak_sleutel`` here and is
pseudonymised by :mod:`meethuis.improve.journeys` before any analysis). Checks follow the survey intake:

Fatal (``DataError`` with file, row, column and a hint): a mapped column absent from the file, a channel,
direction or outcome that is not a codebook value and no recode covers, a yes/no field with another
value, a blank or unreadable timestamp, an empty file.
Warning (in :class:`EventSummary`): rows without a case key (dropped), exact duplicate rows (dropped),
columns no mapping uses.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping

import pandas as pd

from meethuis.common.errors import DataError, Problem
from meethuis.intake.codebook import Field
from meethuis.intake.config import EventFileSpec, OrgConfig, load_config
from meethuis.intake.io import read_table
from meethuis.intake.validate import (
    DEFAULT_BOOLEANS, DEFAULT_MISSING_LABELS, MISSING_TOKENS, IntakeWarning, _Context, _SubTable, _first_row,
    _show, map_unique, norm_value,
)

KINDS = ("contacts", "appointments")
_NAMES = {"contacts": ("contactlog", "contact log"), "appointments": ("afsprakenbestand", "appointments file")}
TIMESTAMP_FORMATS = ("%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S", "%d-%m-%Y %H:%M:%S",
                     "%d-%m-%Y %H:%M", "%Y-%m-%d", "%d-%m-%Y", "%d/%m/%Y %H:%M", "%d/%m/%Y")


@dataclass(frozen=True)
class EventSummary:
    """Counts of one event file (never keys): rows read, rows kept, cases, warnings."""

    kind: str
    file: str
    rows_read: int
    rows: int
    cases: int
    problems: tuple[Problem, ...] = ()

    def to_text(self, lang: str = "nl") -> str:
        """One line for the data-quality summary, plus the warnings."""
        nl_name, en_name = _NAMES[self.kind]
        if lang == "nl":
            line = f"{nl_name.capitalize()}: {self.rows} rijen over {self.cases} zaken ({self.rows_read} gelezen)."
        else:
            line = f"{en_name.capitalize()}: {self.rows} rows for {self.cases} cases ({self.rows_read} read)."
        msgs = [getattr(p, "message_nl", "") or p.message if lang == "nl" else p.message for p in self.problems]
        return "\n".join([line] + [f"- {m}" for m in msgs])


@dataclass(frozen=True)
class EventData:
    """A typed event file: ``frame`` (``zaak_sleutel`` raw + journey fields) and its ``summary``."""

    frame: pd.DataFrame
    summary: EventSummary


def load_events(config: OrgConfig, kind: str) -> EventData | None:
    """Read and type the contact log (``kind="contacts"``) or appointments file of ``config``.

    Parameters
    ----------
    config:
        The organisation config; ``None`` is returned when it maps no such file.
    kind:
        ``"contacts"`` or ``"appointments"``.

    Returns
    -------
    EventData or None
        ``frame`` with ``zaak_sleutel`` (str, raw: pseudonymise before use), timestamps as ``datetime64``,
        categories as pandas ``category`` with codebook values, yes/no fields as ``boolean``; rows sorted
        by key and time.

    Raises
    ------
    DataError
        See the module docstring.
    """
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {KINDS}")
    spec = getattr(config.journeys, kind, None) if config.journeys is not None else None
    if spec is None:
        return None
    raw = read_table(spec.file, encoding=spec.encoding)
    return map_events(raw, spec, kind, config)


def load_journeys(config: OrgConfig | str) -> dict[str, EventData | None]:
    """Both journey files of an organisation (``{"contacts": ..., "appointments": ...}``, ``None`` when absent)."""
    config = config if isinstance(config, OrgConfig) else load_config(config)
    return {kind: load_events(config, kind) for kind in KINDS}


def map_events(raw, spec: EventFileSpec, kind: str, config: OrgConfig) -> EventData:
    """Map a read event file (:class:`~meethuis.intake.io.RawTable`) onto the journey fields."""
    ctx = _Context(raw, config, False)
    ctx.missing_values = {}
    problems: list[Problem] = []
    rows_read = len(raw.frame)
    frame = raw.frame[~raw.frame.isna().all(axis=1)]
    name = _NAMES[kind][1]
    if frame.empty:
        raise DataError(f"the {name} has no data rows", file=ctx.file, hint=f"export the {name} again")
    ctx.raw = _SubTable(raw, frame)
    where = f"journeys.{kind}"
    key = ctx.column(spec.key, "zaak_sleutel", f"{where}.key")
    no_key = key.isna()
    if no_key.any():
        problems.append(IntakeWarning(
            f"{int(no_key.sum())} row(s) of the {name} without a case key dropped", file=ctx.file,
            row=int(key.index[no_key.to_numpy()][0]), column=spec.key,
            message_nl=f"{int(no_key.sum())} rij(en) van het {_NAMES[kind][0]} zonder zaaksleutel verwijderd"))
        frame = frame[~no_key.to_numpy()]
        ctx.raw = _SubTable(raw, frame)
        key = key[~no_key]
    cb = config.codebook
    out: dict[str, Any] = {"zaak_sleutel": map_unique(key, lambda v: str(v).strip()).astype(str)}
    for fid, column in spec.columns.items():
        col = ctx.column(column, fid, f"{where}.columns.{fid}")
        fld = cb.fields[fid]
        recode = {norm_value(k): v for k, v in (spec.recodes.get(fid) or {}).items()}
        if fld.kind == "datetime":
            out[fid] = parse_timestamps(col, spec.timestamp_format, ctx.file, column, fid)
        elif fld.kind == "boolean":
            out[fid] = _boolean(col, fld, column, recode, ctx.file, where)
        else:
            out[fid] = _category(col, fld, column, recode, ctx.file, where)
    typed = pd.DataFrame(out)
    dup = typed.duplicated(keep="first")
    if dup.any():
        problems.append(IntakeWarning(
            f"{int(dup.sum())} exact duplicate row(s) of the {name} dropped", file=ctx.file,
            row=int(typed.index[dup.to_numpy()][0]),
            message_nl=f"{int(dup.sum())} dubbele rij(en) van het {_NAMES[kind][0]} verwijderd"))
        typed = typed[~dup.to_numpy()]
    used = {spec.key, *spec.columns.values()}
    unknown = [c for c in raw.frame.columns if c not in used]
    if unknown:
        problems.append(IntakeWarning(
            f"{len(unknown)} column(s) of the {name} not used: {', '.join(unknown[:8])}", file=ctx.file,
            message_nl=f"{len(unknown)} kolom(men) van het {_NAMES[kind][0]} niet gebruikt: {', '.join(unknown[:8])}"))
    time_col = "contact_tijdstip" if kind == "contacts" else "afspraak_tijdstip"
    typed = typed.sort_values(["zaak_sleutel", time_col], kind="stable").reset_index(drop=True)
    summary = EventSummary(kind, str(raw.file), rows_read, len(typed), int(typed["zaak_sleutel"].nunique()),
                           tuple(problems))
    return EventData(typed, summary)


def parse_timestamps(col: pd.Series, fmt: str | None, file: str, column: str, fid: str) -> pd.Series:
    """Parse a timestamp column, vectorised (``fmt`` or the first of :data:`TIMESTAMP_FORMATS` that fits all)."""
    if col.isna().any():
        row = int(col.index[col.isna().to_numpy()][0])
        raise DataError(f"{fid} is empty", file=file, row=row, column=column,
                        hint="every row needs a date and time, e.g. 2026-03-02 14:05")
    text = col.astype(str).str.strip()
    formats = [fmt] if fmt else list(TIMESTAMP_FORMATS)
    best = None
    for f in formats:
        parsed = pd.to_datetime(text, format=f, errors="coerce")
        if parsed.notna().all():
            return pd.Series(parsed.to_numpy(), index=col.index)
        if best is None or parsed.notna().sum() > best.notna().sum():
            best = parsed
    row = int(best.index[best.isna().to_numpy()][0])
    raise DataError(f"{fid} {_show(col[row])} cannot be read as a date and time", file=file, row=row, column=column,
                    hint=f"expected format {fmt!r}" if fmt else
                    "use 2026-03-02 14:05 or 02-03-2026 14:05, or set timestamp_format in the config")


def _category(col: pd.Series, fld: Field, column: str, recode: Mapping[Any, Any], file: str,
              where: str) -> pd.Categorical:
    allowed = {norm_value(v): v for v in fld.values} if fld.values else None

    def one(v: Any) -> Any:
        k = norm_value(v)
        target = recode.get(k, v)
        if isinstance(target, str) and target in MISSING_TOKENS or norm_value(target) in DEFAULT_MISSING_LABELS:
            return None
        text = str(int(target) if isinstance(target, float) and target.is_integer() else target).strip()
        if allowed is None:
            return text
        if norm_value(text) in allowed:
            return allowed[norm_value(text)]
        row = _first_row(col, lambda x: norm_value(x) == k)
        raise DataError(f"value {_show(v)} of '{fld.id}' is not one of its categories and no recode covers it",
                        file=file, row=row, column=column,
                        hint=f"allowed: {', '.join(fld.values)}; add it under {where}.recodes.{fld.id}")

    values = map_unique(col, one)
    cats = list(fld.values) if fld.values else sorted({v for v in values.dropna().unique()})
    return pd.Categorical(values.to_numpy(), categories=cats)


def _boolean(col: pd.Series, fld: Field, column: str, recode: Mapping[Any, Any], file: str, where: str):
    def one(v: Any) -> Any:
        k = norm_value(v)
        if k in recode:
            t = recode[k]
            return pd.NA if isinstance(t, str) and t in MISSING_TOKENS else bool(t)
        if k in DEFAULT_BOOLEANS:
            return DEFAULT_BOOLEANS[k]
        row = _first_row(col, lambda x: norm_value(x) == k)
        raise DataError(f"{fld.id} value {_show(v)} is not yes/no", file=file, row=row, column=column,
                        hint=f"add it under {where}.recodes.{fld.id} as true or false "
                             "(understood without recode: ja/nee, j/n, 1/0, yes/no, true/false)")

    return pd.array(map_unique(col, one, blank=pd.NA).tolist(), dtype="boolean")


__all__ = ("EventData", "EventSummary", "load_events", "load_journeys", "map_events", "parse_timestamps")

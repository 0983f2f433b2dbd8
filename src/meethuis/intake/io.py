"""Reading survey and process files robustly, and writing outputs atomically (temp file, then rename)."""
from __future__ import annotations

import contextlib
import difflib
import hashlib
import os
import re
import shutil
import tempfile
from dataclasses import dataclass, field
from io import StringIO as _StringIO
from pathlib import Path
from typing import Any, Collection, Iterator, Mapping

import numpy as np
import pandas as pd

from meethuis.common.errors import DataError



def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def file_digest(path: str | os.PathLike | None) -> str:
    """SHA-256 of a file's bytes (hex), or ``"-"`` when there is no such file; for provenance and caches."""
    if path is None or not Path(path).exists():
        return "-"
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def write_text_atomic(path: Path, text: str, encoding: str = "utf-8") -> Path:
    """Write ``text`` to ``path`` via a temp file in the same folder, so readers never see half a file."""
    return write_bytes_atomic(path, text.encode(encoding))


def write_bytes_atomic(path: Path, data: bytes) -> Path:
    """Write ``data`` to ``path`` via a temp file in the same folder, then rename (normal permissions)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.chmod(tmp, 0o666 & ~_umask())  # mkstemp would leave 0600
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise
    return path


# Cells that a spreadsheet would run as a formula (OWASP "CSV injection"): = + - @ tab CR at the start.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def neutralise_cell(value: Any) -> Any:
    """A text value that a spreadsheet cannot run as a formula: a leading ``'`` when it starts with one of
    :data:`FORMULA_START` (OWASP's advice); numbers and other values unchanged."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def neutralise(data: Any) -> Any:
    """:func:`neutralise_cell` on every text value and key of nested dicts/lists (for JSON outputs)."""
    if isinstance(data, Mapping):
        return {neutralise_cell(k): neutralise(v) for k, v in data.items()}
    if isinstance(data, (list, tuple)):
        return [neutralise(v) for v in data]
    return neutralise_cell(data)


def csv_text(frame: pd.DataFrame) -> str:
    """``frame`` as CSV text (no index) with every text cell and header neutralised against formulas."""
    safe = frame.copy()
    safe.columns = [neutralise_cell(str(c)) for c in safe.columns]
    for col in safe.columns:
        if not (pd.api.types.is_numeric_dtype(safe[col]) or pd.api.types.is_bool_dtype(safe[col])):
            safe[col] = safe[col].astype(object).map(neutralise_cell)
    return safe.to_csv(index=False)


@contextlib.contextmanager
def atomic_directory(target: Path) -> Iterator[Path]:
    """Yield a temp folder next to ``target``; on success it replaces ``target`` whole, on error it vanishes."""
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent))
    os.chmod(tmp, 0o777 & ~_umask())  # mkdtemp makes 0700; the finished folder gets normal permissions
    try:
        yield tmp
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    if target.exists():
        old = target.with_name(f".{target.name}.old")
        shutil.rmtree(old, ignore_errors=True)
        os.replace(target, old)
        os.replace(tmp, target)
        shutil.rmtree(old, ignore_errors=True)
    else:
        os.replace(tmp, target)


# --------------------------------------------------------------------------------------------------
# Reading: CSV (; or , / decimal comma / UTF-8 with or without BOM / cp1252), Excel (.xlsx), SPSS (.sav)
# --------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class RawTable:
    """A data file as read: ``frame`` holds text (CSV) or native values (Excel, SPSS) with NA for blanks.

    ``frame.index`` is the 1-based data row (the header is row 0); ``value_labels`` holds SPSS value
    labels per column; ``encoding`` and ``delimiter`` say what was detected for CSV files.
    """

    file: Path
    frame: pd.DataFrame
    kind: str  # "csv", "xlsx" or "sav"
    value_labels: Mapping[str, Mapping[Any, str]] = field(default_factory=dict)
    encoding: str | None = None
    delimiter: str | None = None
    duplicate_columns: tuple[str, ...] = ()
    missing_ranges: Mapping[str, tuple[tuple[float, float], ...]] = field(default_factory=dict)
    header: tuple[str, ...] = ()  # every column name in the file (``frame`` may hold only the wanted ones)

    @property
    def columns(self) -> tuple[str, ...]:
        """Every column of the file, also those not read into ``frame``."""
        return self.header or tuple(self.frame.columns)


READERS = {".csv": "csv", ".txt": "csv", ".tsv": "csv", ".xlsx": "xlsx", ".xlsm": "xlsx", ".sav": "sav",
           ".zsav": "sav"}


def read_table(path: str | Path, *, sheet: str | int | None = None, encoding: str | None = None,
               columns: Collection[str] | None = None) -> RawTable:
    """Read a survey or process file into a :class:`RawTable` (no recoding yet).

    Parameters
    ----------
    path:
        ``.csv`` (delimiter ``;``, ``,`` or tab detected), ``.xlsx`` or ``.sav``.
    sheet:
        Excel sheet name or 0-based index (first sheet by default).
    encoding:
        Force a text encoding for CSV (detected otherwise: UTF-8 with or without BOM, UTF-16 with BOM,
        else Windows-1252).
    columns:
        Only these columns are read into ``frame`` (CSV; large files need far less memory); the header
        is still read whole (``RawTable.header``).

    Raises
    ------
    DataError
        File absent, empty, of an unknown type, in an unreadable encoding, or an absent sheet.
    """
    path = Path(path)
    if path.is_dir():
        raise DataError("the data file is a folder, not a file", file=str(path),
                        hint="data.file must name the survey file itself, e.g. enquete.csv (relative to the config)")
    if not path.is_file():
        raise DataError("data file not found", file=str(path),
                        hint="paths in the config resolve from the config file's folder; check data.file")
    if not os.access(path, os.R_OK):
        raise DataError("the data file cannot be read: permission denied", file=str(path),
                        hint="give yourself read permission on the file (e.g. chmod u+r), or copy it")
    kind = READERS.get(path.suffix.lower())
    if kind is None:
        raise DataError(f"unknown file type '{path.suffix}'", file=str(path),
                        hint="use .csv, .xlsx or .sav (export other formats to one of these)")
    if path.stat().st_size == 0:
        raise DataError("the file is empty", file=str(path), hint="export the survey again, with a header row")
    try:
        if kind == "csv":
            return _read_csv(path, encoding, columns)
        if kind == "xlsx":
            return _read_xlsx(path, sheet)
        return _read_sav(path)
    except PermissionError:
        raise DataError("the data file cannot be read: permission denied", file=str(path),
                        hint="give yourself read permission on the file (e.g. chmod u+r), or copy it") from None


def decode_text(data: bytes, file: Path, encoding: str | None = None) -> tuple[str, str]:
    """Decode file bytes: the forced ``encoding``, else UTF-8 (BOM or not), UTF-16 with BOM, else cp1252."""
    if encoding:
        try:
            return data.decode(encoding), encoding
        except LookupError:
            raise DataError(f"unknown encoding '{encoding}'", file=str(file), column=None,
                            hint="use utf-8, utf-8-sig or cp1252 in data.encoding") from None
        except UnicodeDecodeError as exc:
            raise DataError(f"cannot read the file as {encoding}: byte {data[exc.start]:#04x} at position "
                            f"{exc.start} is invalid", file=str(file),
                            hint="remove data.encoding to let Meethuis detect it, or export as UTF-8") from None
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", errors="strict"), "utf-8-sig"
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16"), "utf-16"
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252"), "cp1252"
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n")
        raise DataError(f"unreadable encoding: byte {data[exc.start]:#04x} is neither UTF-8 nor Windows-1252",
                        file=str(file), row=line or None,
                        hint="export the file as 'CSV UTF-8', or set data.encoding to the right encoding") from None


def detect_delimiter(header: str) -> str:
    """The field delimiter of a CSV header line: the most frequent of ``;``, ``,``, tab and ``|``."""
    counts = {d: header.count(d) for d in (";", ",", "\t", "|")}
    best = max(counts, key=lambda d: (counts[d], d == ";"))
    return best if counts[best] else ","


_HEAD_BYTES = 1 << 20


def sniff_encoding(path: Path, encoding: str | None = None) -> tuple[str, str]:
    """The encoding of a text file and its first megabyte as text, without holding the whole file in memory.

    The whole file is decoded in blocks (and thrown away) to prove the encoding; see :func:`decode_text`
    for the rules and errors.
    """
    import codecs

    with open(path, "rb") as fh:
        head = fh.read(_HEAD_BYTES)
        if encoding:
            used = encoding
        elif head.startswith(b"\xef\xbb\xbf"):
            used = "utf-8-sig"
        elif head.startswith((b"\xff\xfe", b"\xfe\xff")):
            used = "utf-16"
        else:
            used = "utf-8"
        for candidate in ([used] if encoding or used != "utf-8" else ["utf-8", "cp1252"]):
            try:
                decoder = codecs.getincrementaldecoder(candidate)("strict")
            except LookupError:
                raise DataError(f"unknown encoding '{encoding}'", file=str(path),
                                hint="use utf-8, utf-8-sig or cp1252 in data.encoding") from None
            fh.seek(0)
            offset = 0
            try:
                while block := fh.read(16 << 20):
                    decoder.decode(block)
                    offset += len(block)
                decoder.decode(b"", final=True)
            except UnicodeDecodeError as exc:
                if candidate == "utf-8" and not encoding:
                    continue  # not UTF-8: Windows-1252 next
                fh.seek(0)
                data = fh.read(offset + exc.end)
                decode_text(data, path, None if candidate == "cp1252" and not encoding else encoding)
                raise  # pragma: no cover - decode_text raises the clear error
            used = candidate
            break
    text = head.decode(used, errors="ignore") if used != "utf-8-sig" else head[3:].decode("utf-8", errors="ignore")
    return used, text


def _read_csv(path: Path, encoding: str | None, columns: Collection[str] | None = None) -> RawTable:
    used, head = sniff_encoding(path, encoding)
    if "\x00" in head:
        raise DataError("the file contains NUL bytes; it is probably not a text (CSV) file", file=str(path),
                        hint="check the file type, or set data.encoding (e.g. utf-16)")
    first = next((ln for ln in head.splitlines() if ln.strip()), "")
    if not first:
        raise DataError("the file is empty (no header row)", file=str(path),
                        hint="export the survey again, with a header row")
    sep = detect_delimiter(first)
    _check_rows_use(sep, head, path)
    usecols = None
    if columns is not None:
        wanted = {str(c).strip() for c in columns}

        def usecols(name: str) -> bool:  # keep repeated (x.1) and unnamed columns: they are checked below
            clean = str(name).strip().lstrip("\ufeff")
            return re.sub(r"\.\d+$", "", clean) in wanted or clean.startswith("Unnamed:") or not clean
    try:
        header = pd.read_csv(path, sep=sep, encoding=used, nrows=0, dtype=str).columns
        frame = pd.read_csv(path, sep=sep, encoding=used, dtype="category" if columns is not None else str,
                            keep_default_na=False, na_values=[""], skip_blank_lines=False,
                            skipinitialspace=False, usecols=usecols)
    except pd.errors.ParserError as exc:
        m = re.search(r"line (\d+)", str(exc))
        raise DataError(f"the CSV file is malformed: {exc}", file=str(path),
                        row=int(m.group(1)) - 1 if m else None,
                        hint=f"detected delimiter {sep!r}; check quotes and the number of fields per row") from None
    except pd.errors.EmptyDataError:
        raise DataError("the file is empty (no header row)", file=str(path),
                        hint="export the survey again, with a header row") from None
    frame, dups = _clean_header(frame, path)
    frame.index = pd.RangeIndex(1, len(frame) + 1)
    frame = frame.apply(_strip_column)
    names = tuple(n for n in (str(c).strip().lstrip("\ufeff") for c in header)
                  if n and not n.startswith("Unnamed:"))
    return RawTable(path, frame, "csv", encoding=used, delimiter=sep, duplicate_columns=dups,
                    header=tuple(re.sub(r"\.\d+$", "", n) for n in names))


def _check_rows_use(sep: str, text: str, path: Path) -> None:
    """Refuse a file whose header uses one delimiter and whose rows another (e.g. header ';', rows ',')."""
    lines = [ln for ln in text.splitlines()[1:51] if ln.strip()]
    if not lines or any(sep in ln for ln in lines):
        return
    other = detect_delimiter(lines[0])
    if other != sep and all(other in ln for ln in lines):
        names = {";": "semicolons", ",": "commas", "\t": "tabs", "|": "bars"}
        raise DataError(f"the header row is separated by {names[sep]} but the data rows by {names[other]}",
                        file=str(path), row=1,
                        hint="export the file again with one delimiter, or fix the header row")


def _strip_column(column: pd.Series) -> pd.Series:
    """Strip surrounding spaces (once per distinct value); text that is only spaces becomes NA."""
    idx, uniques = pd.factorize(column, use_na_sentinel=True)
    values = np.array([(u.strip() or np.nan) if isinstance(u, str) else u for u in uniques] + [np.nan],
                      dtype=object)
    return pd.Series(values[idx], index=column.index, dtype=object)


def _clean_header(frame: pd.DataFrame, path: Path) -> tuple[pd.DataFrame, tuple[str, ...]]:
    names = [str(c).strip().lstrip("\ufeff") for c in frame.columns]
    # pandas renames repeated headers to 'x.1'; recover the repeated names so they can be reported
    seen: dict[str, int] = {}
    dups = []
    for n in names:
        base = re.sub(r"\.\d+$", "", n)
        if base in seen and n != base:
            dups.append(base)
        seen[n] = 1
    unnamed = [k for k, n in enumerate(names) if n.startswith("Unnamed:") or not n]
    for k in unnamed:
        if frame.iloc[:, k].notna().any():
            raise DataError(f"column {k + 1} has data but no name in the header row", file=str(path),
                            column=f"#{k + 1}", hint="give every column a name in the first row")
    frame.columns = names
    frame = frame.drop(columns=[names[k] for k in unnamed])
    return frame, tuple(dict.fromkeys(dups))


def _read_xlsx(path: Path, sheet: str | int | None) -> RawTable:
    from openpyxl import load_workbook

    try:
        wb = load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises several types for a broken or non-Excel file
        raise DataError(f"cannot open the Excel file: {exc}", file=str(path),
                        hint="save it as .xlsx (Excel 2007 or later); old .xls is not supported") from None
    try:
        names = wb.sheetnames
        if sheet is None:
            ws = wb[names[0]]
        elif isinstance(sheet, int):
            if not 0 <= sheet < len(names):
                raise DataError(f"sheet number {sheet} does not exist (the workbook has {len(names)})",
                                file=str(path), key="data.sheet",
                                hint=f"sheets: {', '.join(names)} (numbered from 0)")
            ws = wb[names[sheet]]
        else:
            if sheet not in names:
                close = difflib.get_close_matches(sheet, names, n=3, cutoff=0.5)
                raise DataError(f"sheet '{sheet}' not found", file=str(path), key="data.sheet",
                                hint=(f"did you mean {', '.join(repr(c) for c in close)}? " if close else "")
                                + f"sheets in the workbook: {', '.join(names)}")
            ws = wb[sheet]
        rows = list(ws.iter_rows(values_only=True))
    finally:
        wb.close()
    while rows and all(v is None or (isinstance(v, str) and not v.strip()) for v in rows[-1]):
        rows.pop()
    if not rows:
        raise DataError("the sheet is empty (no header row)", file=str(path), key="data.sheet",
                        hint="put the column names in the first row of the sheet")
    header = ["" if v is None else str(v).strip() for v in rows[0]]
    width = len(header)
    body = [list(r) + [None] * (width - len(r)) for r in rows[1:]]
    frame = pd.DataFrame(body, columns=range(width), dtype=object)
    for k, name in enumerate(header):
        if not name and frame[k].notna().any():
            raise DataError(f"column {k + 1} has data but no name in the header row", file=str(path),
                            column=f"#{k + 1}", hint="give every column a name in the first row")
    keep = [k for k, name in enumerate(header) if name]
    frame = frame[keep]
    frame.columns = [header[k] for k in keep]
    counts = pd.Series(frame.columns).value_counts()
    dups = tuple(counts[counts > 1].index)
    if dups:
        frame = frame.loc[:, ~frame.columns.duplicated()]
    frame.index = pd.RangeIndex(1, len(frame) + 1)
    frame = frame.map(lambda v: (v.strip() or None) if isinstance(v, str) else v)
    frame = frame.where(frame.notna(), np.nan)
    return RawTable(path, frame, "xlsx", duplicate_columns=dups)


def _read_sav(path: Path) -> RawTable:
    import pyreadstat

    try:
        frame, meta = pyreadstat.read_sav(str(path), apply_value_formats=False, user_missing=True)
    except Exception as exc:  # pyreadstat.ReadstatError and friends
        raise DataError(f"cannot read the SPSS file: {exc}", file=str(path),
                        hint="save it from SPSS as .sav; check that the file is complete") from None
    frame.index = pd.RangeIndex(1, len(frame) + 1)
    frame = frame.astype(object).map(lambda v: (v.strip() or None) if isinstance(v, str) else v)
    frame = frame.where(frame.notna(), np.nan)
    labels = {col: {_label_key(k): str(v) for k, v in lab.items()}
              for col, lab in (meta.variable_value_labels or {}).items()}
    ranges = {}
    for col, specs in (getattr(meta, "missing_ranges", None) or {}).items():
        pairs = []
        for spec in specs:
            try:
                pairs.append((float(spec["lo"]), float(spec["hi"])))
            except (KeyError, TypeError, ValueError):
                continue  # string user-missing values: not used for answer codes
        if pairs:
            ranges[col] = tuple(pairs)
    return RawTable(path, frame, "sav", value_labels=labels, missing_ranges=ranges)


def _label_key(value: Any) -> Any:
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value



"""``meethuis init``: a first organisation config written from a survey file, so a newcomer starts from data.

Every column gets a role from its values: id, period or date, an answer on an integer scale, a 0/1 answer,
a category (a breakdown), open text, or a numeric measure. Headers that match a codebook item by its nl/en
label are mapped onto the shared model (comparable); every other answer becomes an own item whose id is the
header in lower-case ASCII with every run of other characters replaced by ``_``, keeping the header as label.
The YAML is commented, validates without editing and renders a full report.
"""
from __future__ import annotations

import datetime as _dt
import json
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Sequence

import numpy as np
import pandas as pd

from meethuis.common.errors import ConfigError
from meethuis.intake.codebook import Codebook, load_codebook
from meethuis.intake.io import read_table, write_text_atomic
from meethuis.intake.validate import DEFAULT_MISSING_LABELS, norm_value, parse_period

MAX_SCALE_CODES = 11  # an integer column with at most this many codes (0-10) is read as a scale
MAX_CATEGORIES = 12
# A text column is open text (never a breakdown, whose group names are published) when its header asks for a
# remark or any answer holds what looks like an e-mail address or a phone number.
OPEN_HEADER = re.compile(r"opmerking|toelichting|suggestie|open antwoord|waarom|comment|remark|feedback|why", re.I)
PERSONAL_TEXT = re.compile(r"[\w.+-]+@[\w-]+\.[\w.]+|(?:\+31|\b0)[\s-]?[1-9](?:[\s-]?\d){8}\b")
# Codes that surveys use for "not applicable", "don't know" and "no answer" (SPSS habits, Dutch KTO exports).
# They count as missing only when the other values form a scale (or, for measures, lie far from them).
MISSING_NUMBERS = {97: "nvt", 997: "nvt", 98: "weet_niet", 998: "weet_niet", 88: "weet_niet", 888: "weet_niet",
                   -8: "weet_niet", 99: "missing", 999: "missing", 9999: "missing", 96: "missing", 996: "missing",
                   77: "missing", 777: "missing", -1: "missing", -2: "missing", -3: "missing", -7: "missing",
                   -9: "missing", -99: "missing", -999: "missing"}
MISSING_TEXTS = {**DEFAULT_MISSING_LABELS, "geen mening": "weet_niet", "weet niet / geen mening": "weet_niet",
                 "onbekend": "missing", "unknown": "missing", "weigert": "missing", "wil ik niet zeggen": "missing",
                 "zeg ik liever niet": "missing", "refused": "missing", "prefer not to say": "missing",
                 "no answer": "missing", "na": "missing", "n.a.": "nvt", "-": "missing", ".": "missing",
                 "#null!": "missing", "nvt.": "nvt", "geen antwoord.": "missing"}
# Headers that name a breakdown, so a column of small numeric codes is a category, not an answer scale.
CATEGORY_WORDS = {"age", "sex", "class", "type", "soort", "groep", "group", "segment", "team", "digi", "geslacht",
                  "gender", "kanaal", "channel", "regio", "region", "opleiding", "education", "regeling", "afdeling",
                  "department", "provincie", "gemeente", "vestiging", "vaardigheid", "leeftijd", "herhaald"}
CATEGORY_PREFIXES = ("lft", "leeftijd", "herhaal", "kanaal", "geslacht", "opleiding")


def _names_category(header: str) -> bool:
    """Whether a header names a breakdown (``KANAAL``, ``LFTKLASSE``, ``Gender``) rather than a question."""
    words = _norm(header).split()
    return any(w in CATEGORY_WORDS or w.startswith(CATEGORY_PREFIXES) for w in words)


# Headers that name an overall judgement: the default outcome when no column matches a shared outcome.
OUTCOME_HEADER = re.compile(r"cijfer|rapport|tevreden|satisf|overall|algeheel|grade|score", re.I)


def item_id(header: str) -> str:
    """``Inflight wifi service`` → ``inflight_wifi_service``: lower-case ASCII, other runs become ``_``."""
    text = unicodedata.normalize("NFKD", str(header)).encode("ascii", "ignore").decode("ascii").lower()
    slug = re.sub(r"[^a-z0-9]+", "_", text).strip("_") or "kolom"
    return f"q_{slug}" if slug[0].isdigit() else slug


@dataclass
class Column:
    """What ``init`` concluded about one column of the file."""

    header: str
    role: str  # id, period, date, item, binary, category, open, number, empty
    lo: int | None = None
    hi: int | None = None
    zero_is_nvt: bool = False
    values: tuple[str, ...] = ()
    target: str | None = None  # codebook id (shared model) or own item id
    missing: dict = field(default_factory=dict)  # code found in the column -> nvt / weet_niet / missing
    real: frozenset = frozenset()  # the other (answer) values, to see whether a file-wide code would clash


def _norm(text: str) -> str:
    return " ".join(re.sub(r"[^a-z0-9]+", " ", unicodedata.normalize("NFKD", str(text)).encode(
        "ascii", "ignore").decode("ascii").lower()).split())


def _codebook_names(cb: Codebook) -> dict[str, str]:
    """Normalised nl/en labels, wordings and ids of the shared items → item id."""
    names: dict[str, str] = {}
    for it in cb.items.values():
        for lang in ("nl", "en"):
            for text in (cb.label(it.id, lang), it.wording.get(lang, "")):
                if text:
                    names.setdefault(_norm(text), it.id)
        names.setdefault(_norm(it.id), it.id)
    return names


def _split_missing(present: list) -> tuple[list, dict]:
    """The answers without missing-value codes, and the codes found (code -> nvt / weet_niet / missing).

    Text codes ("weet niet", "n.v.t.", "onbekend") are always codes; numeric ones (97/98/99, 999, -1) only
    when the other values are whole numbers on a scale up to 10, or, for a measure, when the code is negative
    while every value is not, or at least twice the largest value.
    """
    found: dict = {}
    rest = []
    for v in present:
        if isinstance(v, str) and v in MISSING_TEXTS:
            found[v] = MISSING_TEXTS[v]
        else:
            rest.append(v)
    numbers = [v for v in rest if isinstance(v, (int, float))]
    if not numbers or len(numbers) != len(rest):
        return rest, found
    codes = {v for v in set(numbers) if v in MISSING_NUMBERS}
    others = set(numbers) - codes
    if not codes or not others:
        return rest, found
    lo, hi = min(others), max(others)
    scale = all(float(v).is_integer() for v in others) and lo >= 0 and hi <= 10 and len(others) <= MAX_SCALE_CODES
    keep = {c for c in codes if scale or (c < 0 <= lo) or (c > 0 and c >= 2 * max(hi, 1) and c >= 100)}
    if not keep:
        return rest, found
    found.update({c: MISSING_NUMBERS[c] for c in sorted(keep)})
    return [v for v in rest if v not in keep], found


def infer_column(header: str, series: pd.Series, *, outcome: bool = False) -> Column:
    """The role (and scale) of one column from its values; missing-value codes are set aside first."""
    values = [norm_value(v) for v in series.tolist()]
    present, missing = _split_missing([v for v in values if v is not None])
    col = _infer(header, present, outcome)
    if col.role in ("category", "id") and len(present) == len(values):  # no empty cell: may be the contact date
        fmt = _date_format(present)
        if fmt:
            col = Column(header, "date", values=(fmt,))
    col.missing = missing
    col.real = frozenset(present)
    return col


DATE_FORMATS = ("%d-%m-%Y", "%Y-%m-%d", "%d/%m/%Y", "%m/%d/%Y", "%Y/%m/%d", "%d.%m.%Y", "%Y-%m-%d %H:%M:%S",
                "%d-%m-%Y %H:%M")


def _date_format(present: list) -> str | None:
    """The one format in which every value is a date (day first before month first), or None."""
    texts = sorted({str(v) for v in present})
    if not texts or not re.fullmatch(r"[0-9][0-9:./ -]{5,}", texts[0]):
        return None
    for fmt in DATE_FORMATS:
        try:
            pd.to_datetime(pd.Series(texts), format=fmt)
        except (ValueError, TypeError):
            continue
        return fmt
    return None


def _header_scale(header: str) -> tuple[int, int] | None:
    """The scale a header states, e.g. ``(0-10)`` or ``1–7``: (low, high) with low 0 or 1 and high 4..10, else None."""
    found = re.search(r"(?<!\d)([01])\s*(?:-|–|—|t/m|tot|to)\s*(10|[4-9])(?!\d)", header)
    return (int(found.group(1)), int(found.group(2))) if found else None


def _infer(header: str, present: list, outcome: bool) -> Column:
    if not present:
        return Column(header, "empty")
    numbers = [v for v in present if isinstance(v, (int, float))]
    if len(numbers) == len(present):
        whole = all(float(v).is_integer() for v in numbers)
        distinct = sorted(set(numbers))
        if whole and set(distinct) <= {0, 1}:
            return Column(header, "binary", 0, 1)
        if whole and len(distinct) <= MAX_SCALE_CODES and min(distinct) >= 0 and max(distinct) <= 10:
            lo, hi = int(min(distinct)), int(max(distinct))
            if not outcome and _names_category(header) and hi <= MAX_CATEGORIES:
                return Column(header, "category", values=tuple(str(int(v)) for v in distinct))
            if lo == 0 and hi in (4, 5, 7) and not outcome:  # 0 beside 1-5 / 1-7 usually means n.v.t.
                return Column(header, "item", 1, hi, zero_is_nvt=True)
            if lo >= 1 and hi < 5:
                hi = 5
            lo = 0 if lo == 0 else 1
            declared = _header_scale(header)  # "(0-10)" in the header: the scale asked, even if 0 was never given
            if declared and declared[0] <= lo and hi <= declared[1]:
                lo, hi = declared
            return Column(header, "item", lo, hi)
        if whole and len(distinct) == len(numbers) and re.search(r"(^|[^a-z])(id|nr|nummer|respon)", header.lower()):
            return Column(header, "id")
        return Column(header, "number")
    texts = [str(v) for v in present]
    if all(parse_period(t) for t in set(texts)):
        return Column(header, "period")
    distinct = sorted(set(texts))
    if OPEN_HEADER.search(header) or any(PERSONAL_TEXT.search(t) for t in distinct):
        return Column(header, "open")
    if len(distinct) <= MAX_CATEGORIES:
        return Column(header, "category", values=tuple(distinct))
    if np.mean([len(t) for t in texts]) >= 15:
        return Column(header, "open")
    if len(distinct) == len(texts):
        return Column(header, "id")
    return Column(header, "category", values=tuple(distinct[:MAX_CATEGORIES]))


def init_config(data: str | Path, out: str | Path, *, outcomes: Sequence[str] = (), drivers: Sequence[str] | None = None,
                id_column: str | None = None, period: str | None = None, name: str | None = None,
                lang: str = "nl", codebook: Codebook | None = None) -> str:
    """Write a first config for the survey ``data`` to ``out`` and return its text.

    Parameters
    ----------
    data:
        The survey file (CSV, Excel or SPSS).
    out:
        The YAML to write (its folder holds the config; the data path is written relative to it).
    outcomes:
        Column headers (or their ids) of the outcome(s); default: the shared outcomes found in the file.
    drivers:
        Column headers (or ids) of the drivers; default: every other answer column.
    id_column, period, name, lang:
        The respondent id column (default: none, rows are numbered), one measurement's period (a year or
        quarter; default: a period column when the file has one, else the current year), the organisation's
        name and the report language.

    Returns
    -------
    str
        The YAML written.

    Raises
    ------
    ConfigError
        An outcome, driver or id column that is not in the file, or no outcome at all.
    """
    data, out = Path(data).resolve(), Path(out).resolve()
    cb = codebook or load_codebook()
    raw = read_table(data)
    frame = raw.frame
    headers = [str(c) for c in frame.columns]
    by_key = {h: h for h in headers} | {item_id(h): h for h in headers}

    def header_of(name: str, flag: str) -> str:
        if name in by_key:
            return by_key[name]
        raise ConfigError(f"column '{name}' given with {flag} is not in the file", file=str(data),
                          hint=f"columns: {', '.join(headers[:20])}")

    outcome_headers = [header_of(o, "--outcome") for o in outcomes]
    driver_headers = [header_of(d, "--drivers") for d in drivers] if drivers else None
    if id_column:
        header_of(id_column, "--id")
    names = _codebook_names(cb)
    columns: list[Column] = []
    for h in headers:
        if h == id_column:
            columns.append(Column(h, "id"))
            continue
        col = infer_column(h, frame[h], outcome=h in outcome_headers)
        if h in outcome_headers and col.role not in ("item", "binary"):
            raise ConfigError(f"outcome column '{h}' holds no answers on a scale or 0/1", file=str(data), column=h,
                              hint="choose a column with numeric answers (e.g. a grade 1-10 or 0/1)")
        if col.role == "id" and id_column:
            col.role = "skip"  # unique texts, but the id is the column given with --id
        columns.append(col)
    ids = [c for c in columns if c.role == "id"]
    for c in ids[1:]:
        c.role = "skip"
    period_cols = [c for c in columns if c.role == "period"]
    date_cols = [c for c in columns if c.role == "date"]
    for c in date_cols[1:]:
        c.role = "skip"
    for c in period_cols[1:]:
        c.role = "category"

    shared_taken: set[str] = set()
    for c in columns:
        if c.role not in ("item", "binary"):
            continue
        match = names.get(_norm(c.header))
        if match and match not in shared_taken:
            sc = cb.items[match].scale
            if (sc.min, sc.max) == (c.lo, c.hi) or (c.lo, c.hi) in ((sc.min, sc.max),):
                c.target = match
                shared_taken.add(match)
                continue
        c.target = item_id(c.header)
    answer_cols = [c for c in columns if c.role in ("item", "binary")]
    out_cols = [c for c in answer_cols if c.header in outcome_headers] if outcome_headers else \
        [c for c in answer_cols if c.target in cb.items and cb.items[c.target].role == "outcome"]
    if not out_cols:  # no shared outcome by name: an overall judgement ("cijfer", "satisfaction"), 1-10 first
        named = [c for c in answer_cols if c.role == "item" and OUTCOME_HEADER.search(c.header)]
        out_cols = sorted(named, key=lambda c: c.hi != 10)[:1]
    if not out_cols:
        raise ConfigError("no outcome found", file=str(data),
                          hint="name the outcome column with --outcome COLUMN (e.g. --outcome 'Overall satisfaction')")
    if driver_headers is not None:
        drv_cols = [c for c in answer_cols if c.header in driver_headers]
    else:
        drv_cols = [c for c in answer_cols if c not in out_cols and c.role == "item"]

    rel = Path(_relative(data, out.parent))
    lines = [
        f"# First config written by `meethuis init` from {data.name} on {_dt.date.today().isoformat()}.",
        "# Check the roles below; every key is explained in the handbook appendix 'Je eigen organisatie aansluiten'.",
        "# Own items keep your headers as labels; items that match the shared model are mapped onto it (comparable).",
        "organisation:",
        f"  id: {json.dumps(item_id(name or data.stem).replace('_', '-'))}",
        f"  name: {json.dumps(name or data.stem)}",
        "",
        "data:",
        f"  file: {json.dumps(str(rel))}",
    ]
    file_wide, per_column = _missing_codes(columns)
    if ids:
        lines.append(f"  respondent_id: {json.dumps(ids[0].header)}")
    else:
        lines.append("  # no respondent id in the file: respondents are numbered by their row")
    if period:
        value = period
        lines.append(f"  period: {{value: {json.dumps(str(value))}}}  # one measurement")
    elif period_cols:
        lines.append(f"  period: {json.dumps(period_cols[0].header)}  # column with quarters")
    elif date_cols:
        lines.append(f"  period: {{date_column: {json.dumps(date_cols[0].header)}, "
                     f"date_format: {json.dumps(date_cols[0].values[0])}}}  # quarters from the date")
    else:
        lines.append(f"  period: {{value: \"{_dt.date.today().year}\"}}  # one measurement; set its year or quarter")
    if file_wide:
        lines.append("  # codes for n.v.t. / weet niet / geen antwoord found in the answers (check their meaning):")
        lines.append("  missing_values: {" + ", ".join(f"{_yaml_key(k)}: {v}" for k, v in file_wide.items()) + "}")
    shared = [c for c in answer_cols if c.target in cb.items]
    open_cols = [c for c in columns if c.role == "open"]
    lines.append("  columns:")
    for c in shared:
        recode = _recode_text(c, per_column)
        lines.append(f"    {c.target}: {{column: {json.dumps(c.header)}{recode}}}  # shared model item")
    if open_cols:
        lines.append(f"    open_antwoord: {json.dumps(open_cols[0].header)}  # open answers (scrubbed before shown)")
    if not shared and not open_cols:
        lines[-1] = "  columns: {}  # no column matches the shared model; your own items follow"
    own = [c for c in answer_cols if c.target not in cb.items and (c in out_cols or c in drv_cols)]
    if own:
        lines += ["", "# Your own questions: their scale as found in the file, the header as label."]
        lines.append("extra_items:")
        for c in own:
            role = "outcome" if c in out_cols else "driver"
            if c.role == "binary":
                scale = "{type: binary, labels: {0: \"nee\", 1: \"ja\"}}" if lang == "nl" else \
                    "{type: binary, labels: {0: \"no\", 1: \"yes\"}}"
            else:
                scale = f"{{min: {c.lo}, max: {c.hi}}}"
            recode = _recode_text(c, per_column)
            label = json.dumps(c.header)
            lines.append(f"  - {{id: {c.target}, column: {json.dumps(c.header)}, role: {role}, scale: {scale}"
                         f"{recode}, label: {{nl: {label}, en: {label}}}, wording: {{nl: {label}, en: {label}}}}}")
            if c.zero_is_nvt:
                lines[-1] += "  # 0 read as n.v.t."
    lines += ["", "# What the driver chapter analyses (core ids, own items or both)."]
    lines.append("analysis:")
    lines.append(f"  outcomes: [{', '.join(c.target for c in out_cols)}]")
    if drv_cols:
        lines.append(f"  drivers: [{', '.join(c.target for c in drv_cols if c not in out_cols)}]")
    segs = [c for c in columns if c.role in ("category", "binary") and c not in out_cols and c not in drv_cols]
    numbers = [c for c in columns if c.role == "number"]
    nums = [c for c in numbers if _names_category(c.header)]  # age and the like: a binned breakdown
    measures = [c for c in numbers if c not in nums]  # delay minutes, days, contacts: process measures
    taken_ids = {c.target for c in answer_cols} | {_segment_id(c.header, cb) for c in segs + nums}
    if segs or nums:
        lines += ["", "# Breakdowns: any category column; numbers are binned (edges: from, up to but not including)."]
        lines.append("segments:")
        taken: set[str] = set()
        for c in segs:
            sid = _segment_id(c.header, cb)
            if sid in taken:
                continue
            taken.add(sid)
            lines.append(f"  {sid}: {json.dumps(c.header)}")
        for c in nums:
            sid = _segment_id(c.header, cb)
            if sid in taken:
                continue
            taken.add(sid)
            edges = _bins(frame[c.header], c.missing)
            if edges:
                lines.append(f"  {sid}: {{column: {json.dumps(c.header)}, bins: [{', '.join(map(str, edges))}]}}")
    if measures:
        lines += ["", "# Process measures in the survey file (chapter 09 shows the outcome per group of each one).",
                  "process_measures:"]
        taken_m: set[str] = set()
        for c in measures:
            mid = _segment_id(c.header, cb)
            if mid in taken_m or mid in taken_ids:
                mid = f"{mid}_maat"
            taken_m.add(mid)
            unit = unit_of(c.header)
            unit_text = f", unit: {{nl: {unit[0]}, en: {unit[1]}}}" if unit else ""
            label = json.dumps(c.header)
            lines.append(f"  {mid}: {{column: {label}, label: {{nl: {label}, en: {label}}}{unit_text}}}")
    lines += ["", f"lang: {lang}", "min_cell: 10", ""]
    text = "\n".join(lines)
    write_text_atomic(out, text)
    return text


def _missing_codes(columns: list[Column]) -> tuple[dict, bool]:
    """The missing-value codes for ``data.missing_values``, or ``({}, True)`` when they go per answer column.

    One file-wide list when no column holds one of the codes as a real value (age 99, 97 minutes' delay);
    otherwise each answer column gets its own codes as a recode.
    """
    found: dict = {}
    for c in columns:
        if c.role in ("item", "binary", "category", "number"):
            for k, v in c.missing.items():
                if k not in DEFAULT_MISSING_LABELS:  # "weet niet", "n.v.t." are understood without a key
                    found.setdefault(k, v)
    if not found:
        return {}, False
    clash = any(k in c.real for c in columns if c.role in ("item", "binary", "category", "number") for k in found)
    if clash:
        return {}, True
    return dict(sorted(found.items(), key=lambda kv: (isinstance(kv[0], str), str(kv[0])))), False


def _recode_text(c: Column, per_column: bool) -> str:
    """``, recode: {...}`` for one answer column: 0 as n.v.t., and its own missing codes when not file-wide."""
    codes = {0: "nvt"} if c.zero_is_nvt else {}
    if per_column:
        codes.update({k: v for k, v in c.missing.items() if k not in DEFAULT_MISSING_LABELS})
    if not codes:
        return ""
    return ", recode: {" + ", ".join(f"{_yaml_key(k)}: {v}" for k, v in codes.items()) + "}"


def _yaml_key(key) -> str:
    return str(key) if isinstance(key, (int, float)) else json.dumps(str(key))


def _segment_id(header: str, cb: Codebook) -> str:
    """The header's id, kept apart from the shared model's ids (a ``KANAAL`` of own codes is not ``kanaal``)."""
    sid = item_id(header)
    return f"{sid}_eigen" if sid in cb.items or sid in cb.fields else sid


_UNITS = ((r"minu|(^|[^a-z])min($|[^a-z])", ("minuten", "minutes")), (r"(^|[^a-z])(dag|dagen|days?|dgn)($|[^a-z])",
          ("dagen", "days")), (r"(^|[^a-z])(uur|uren|hours?)($|[^a-z])", ("uren", "hours")),
          (r"second|(^|[^a-z])sec($|[^a-z])", ("seconden", "seconds")), (r"euro|eur($|[^a-z])|€", ("euro", "euro")))


def unit_of(header: str) -> tuple[str, str] | None:
    """The unit a header names (``Departure Delay in Minutes`` → minuten/minutes), or None."""
    text = str(header).lower()
    for pattern, unit in _UNITS:
        if re.search(pattern, text):
            return unit
    return None


def _bins(series: pd.Series, missing: dict | None = None) -> list[int] | None:
    """Four groups of about equal size from the quartiles (whole-number edges), or None when impossible."""
    x = pd.to_numeric(series.map(norm_value), errors="coerce").dropna()
    x = x[~x.isin([k for k in (missing or {}) if isinstance(k, (int, float))])]
    if len(x) < 40:
        return None
    qs = sorted({int(np.floor(x.min())), *[int(round(q)) for q in x.quantile([0.25, 0.5, 0.75])],
                 int(np.floor(x.max())) + 1})
    return qs if len(qs) >= 3 else None


def _relative(path: Path, start: Path) -> str:
    import os

    try:
        return os.path.relpath(path, start)
    except ValueError:  # another drive on Windows
        return str(path)

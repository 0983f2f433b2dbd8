"""Organisation config: one YAML file per organisation that maps its own data onto the shared model.

Paths in the config resolve from the config file's folder, never from the current directory. Every
problem raises :class:`ConfigError` naming the file, the line, the dotted key and what is allowed.
See the handbook appendix "Je eigen organisatie aansluiten" for a walk-through of every key.
"""
from __future__ import annotations

import operator
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping

import yaml

from meethuis.intake.codebook import Codebook, Item, load_codebook
from meethuis.common.errors import ConfigError

TOP_LEVEL_KEYS = {
    "organisation", "data", "building_blocks", "extra_items", "weighting", "process", "goals",
    "min_cell", "lang", "improvements", "maturity", "themes", "benchmark", "analysis", "segments", "journeys",
    "process_measures",
    "invited", "handbook_url",
}
ANALYSIS_KEYS = {"outcomes", "drivers"}
DATA_KEYS = {"file", "sheet", "encoding", "respondent_id", "period", "columns", "recodes", "missing_values"}
GOAL_OPS = {">=": operator.ge, ">": operator.gt, "<=": operator.le, "<": operator.lt}
KPI_PATTERN = re.compile(r"^(?P<item>[a-z_0-9]+?)_(?P<stat>mean|top2|voldoende|share8|share)$|^(?P<nps>nps)$")
MISSING_TOKENS = ("nvt", "weet_niet", "missing")


@dataclass(frozen=True)
class ColumnMap:
    """How one codebook id is read from the organisation's file."""

    target: str
    column: str
    recode: Mapping[Any, Any] = field(default_factory=dict)  # source value -> code or missing token


@dataclass(frozen=True)
class PeriodSpec:
    """Where the quarter comes from: a column with quarters, a date column, or one fixed ``value`` (one wave)."""

    column: str | None = None
    date_column: str | None = None
    date_format: str | None = None
    plausible_years: tuple[int, int] | None = None  # dates or quarters outside: a warning with counts
    value: str | None = None  # the whole file is one measurement, e.g. "2024" or "2024Q2"


@dataclass(frozen=True)
class Goal:
    """An organisational goal such as ``tevredenheid_mean >= 7.5``."""

    kpi: str
    op: str
    target: float
    label: str | None = None

    @property
    def item(self) -> str:
        m = KPI_PATTERN.match(self.kpi)
        return "aanbeveling" if m and m.group("nps") else (m.group("item") if m else self.kpi)

    @property
    def statistic(self) -> str:
        m = KPI_PATTERN.match(self.kpi)
        return "nps" if m and m.group("nps") else (m.group("stat") if m else "")

    def is_met(self, value: float) -> bool:
        return bool(GOAL_OPS[self.op](value, self.target))

    def __str__(self) -> str:
        return f"{self.kpi} {self.op} {self.target:g}"


@dataclass(frozen=True)
class ProcessSpec:
    """Process-data file and how it links to the survey."""

    file: Path
    key: str  # key column in the process file
    survey_key: str  # source column in the survey file holding the same key
    columns: Mapping[str, str]  # process field id -> column in the process file
    recodes: Mapping[str, Mapping[Any, Any]] = field(default_factory=dict)


@dataclass(frozen=True)
class ProcessMeasure:
    """A process measure under the organisation's own name (config ``process_measures:``).

    ``source`` is ``survey`` (a column of the survey file, such as delay minutes) or ``process`` (a column
    of the linked process file); ``kind`` is ``number``, ``count`` or ``category``; ``bins`` are edges
    (from, up to but not including) for the grade by group, else the chapter makes four groups.
    """

    id: str
    column: str
    source: str = "survey"
    kind: str = "number"
    label: Mapping[str, str] = field(default_factory=dict)
    unit: Mapping[str, str] | None = None
    bins: tuple[float, ...] | None = None


@dataclass(frozen=True)
class EventFileSpec:
    """A journey event file (contact log or appointments): where it is and how its columns map."""

    file: Path
    key: str  # case-key column, the same case number as the process file's
    columns: Mapping[str, str]  # journey field id -> column in the file
    recodes: Mapping[str, Mapping[Any, Any]] = field(default_factory=dict)
    timestamp_format: str | None = None
    encoding: str | None = None


@dataclass(frozen=True)
class JourneySpec:
    """The optional ``journeys:`` section: contact log, appointments, repeat window and journey steps."""

    contacts: EventFileSpec | None = None
    appointments: EventFileSpec | None = None
    repeat_days: int = 7
    steps: Mapping[str, tuple[str, ...]] = field(default_factory=dict)  # service -> ordered steps


@dataclass(frozen=True)
class OrgConfig:
    """A validated organisation config. ``raw`` keeps the parsed YAML for optional sections."""

    path: Path
    id: str
    name: str
    kind: str
    data_file: Path
    sheet: str | int | None
    encoding: str | None
    respondent_id: str | None  # None: respondents are numbered by their row in the file
    period: PeriodSpec
    columns: Mapping[str, ColumnMap]
    missing_values: Mapping[Any, str]
    building_blocks: tuple[str, ...]
    extra_items: tuple[Item, ...]
    margins: Mapping[str, Mapping[str, float]]
    trim: tuple[float, float] | None
    process: ProcessSpec | None
    goals: tuple[Goal, ...]
    min_cell: int
    lang: str
    codebook: Codebook
    raw: Mapping[str, Any]
    lines: Mapping[str, int] = field(default_factory=dict, repr=False)
    analysis_outcomes: tuple[str, ...] = ()
    analysis_drivers: Mapping[str, tuple[str, ...]] = field(default_factory=dict)  # family -> driver ids
    segments: Mapping[str, "Segment"] = field(default_factory=dict)
    handbook_url: str | None = None  # published handbook; the report links its chapters to their reading guides
    synthetic: bool = False
    journeys: JourneySpec | None = None
    process_measures: Mapping[str, ProcessMeasure] = field(default_factory=dict)

    @property
    def folder(self) -> Path:
        return self.path.parent

    def items_in_use(self) -> list[str]:
        """Outcome and driver ids this organisation measures (core + its blocks + its own items)."""
        return [i for i in self.codebook.items if i in self.columns]

    def drivers(self) -> list[str]:
        """The drivers of the driver analysis: ``analysis.drivers`` when given, else every mapped driver."""
        if self.analysis_drivers:
            return list(dict.fromkeys(d for ds in self.analysis_drivers.values() for d in ds))
        return [i for i in self.items_in_use() if self.codebook.items[i].role == "driver"]

    def outcomes(self) -> list[str]:
        """The outcomes analysed: ``analysis.outcomes`` when given, else every mapped outcome."""
        if self.analysis_outcomes:
            return list(self.analysis_outcomes)
        return [i for i in self.items_in_use() if self.codebook.items[i].role == "outcome"]

    def driver_families(self) -> dict[str, list[str]]:
        """Drivers by family: the families named under ``analysis.drivers``, else the codebook construct."""
        if self.analysis_drivers:
            return {f: list(ds) for f, ds in self.analysis_drivers.items() if ds}
        families: dict[str, list[str]] = {}
        for d in self.drivers():
            families.setdefault(self.codebook.items[d].construct, []).append(d)
        return families

    def missing_core(self) -> list[str]:
        """Core items of the shared model this organisation does not map (their KPIs are not comparable)."""
        return [i for i in self.codebook.core_items() if i not in self.columns]

    def comparable(self, item: str) -> bool:
        """True when ``item`` is a shared-model item with the codebook's wording and scale (benchmarkable)."""
        it = self.codebook.items.get(item)
        return bool(it is not None and not it.own and item in self.columns)

    def error(self, message: str, key: str, hint: str | None = None) -> ConfigError:
        """A ConfigError pointing at ``key`` (dotted path) with its line number when known."""
        return ConfigError(message, file=str(self.path), key=key, row=None, hint=hint)


def _key_lines(node: yaml.Node, prefix: str = "") -> dict[str, int]:
    """Map dotted key paths to 1-based line numbers from a composed YAML node tree."""
    lines: dict[str, int] = {}
    if isinstance(node, yaml.MappingNode):
        for k, v in node.value:
            path = f"{prefix}.{k.value}" if prefix else str(k.value)
            lines[path] = k.start_mark.line + 1
            lines.update(_key_lines(v, path))
    elif isinstance(node, yaml.SequenceNode):
        for n, v in enumerate(node.value):
            path = f"{prefix}[{n}]"
            lines[path] = v.start_mark.line + 1
            lines.update(_key_lines(v, path))
    return lines


_KIND_NAMES = {Mapping: "a mapping (key: value lines)", dict: "a mapping (key: value lines)", str: "a text",
               int: "a whole number", float: "a number", list: "a list", bool: "true or false",
               type(None): "nothing"}


class _Checker:
    """Small helper that raises ConfigError with file, line and key."""

    def __init__(self, path: Path, lines: Mapping[str, int]) -> None:
        self.path = path
        self.lines = lines

    def fail(self, key: str, message: str, hint: str | None = None) -> ConfigError:
        line = self.lines.get(key)
        where = f"{self.path}:{line}" if line else str(self.path)
        return ConfigError(message, file=where, key=key, hint=hint)

    def need(self, mapping: Mapping, key: str, prefix: str, kind: type | tuple = object) -> Any:
        path = f"{prefix}.{key}" if prefix else key
        if not isinstance(mapping, Mapping) or key not in mapping or mapping[key] is None:
            raise self.fail(prefix or key, f"required key '{path}' is missing",
                            hint=f"add '{key}:' under '{prefix}'" if prefix else f"add '{key}:' at the top level")
        value = mapping[key]
        if not isinstance(value, kind):
            kinds = kind if isinstance(kind, tuple) else (kind,)
            names = " or ".join(_KIND_NAMES.get(k, getattr(k, "__name__", str(k))) for k in kinds)
            shown = repr(value) if len(repr(value)) <= 60 else repr(value)[:57] + "..."
            raise self.fail(path, f"'{path}' must be {names}, got {_KIND_NAMES.get(type(value), type(value).__name__)} "
                                  f"{shown}")
        return value

    def mapping(self, value: Any, key: str) -> Mapping:
        if value is None:
            return {}
        if not isinstance(value, Mapping):
            raise self.fail(key, f"'{key}' must be a mapping of key: value lines, got {type(value).__name__}")
        return value


def parse_goal(spec: Any, key: str, check: _Checker, codebook: Codebook) -> Goal:
    """Parse ``"tevredenheid_mean >= 7.5"`` or ``{kpi:, op:, target:, label:}`` into a Goal."""
    label = None
    if isinstance(spec, str):
        m = re.match(r"^\s*([a-z_0-9]+)\s*(>=|<=|>|<)\s*([-+]?[0-9]+(?:[.,][0-9]+)?)\s*(%?)\s*$", spec)
        if not m:
            raise check.fail(key, f"cannot read goal '{spec}'",
                             hint="write it as 'tevredenheid_mean >= 7.5' or 'menselijkheid_top2 >= 70%'")
        kpi, op, number, pct = m.groups()
        target = float(number.replace(",", ".")) / (100 if pct else 1)
    elif isinstance(spec, Mapping):
        kpi = check.need(spec, "kpi", key, str)
        op = spec.get("op", ">=")
        target = check.need(spec, "target", key, (int, float))
        label = spec.get("label")
        if op not in GOAL_OPS:
            raise check.fail(f"{key}.op", f"unknown comparison '{op}'", hint="use one of >=, >, <=, <")
    else:
        raise check.fail(key, "a goal must be a text like 'tevredenheid_mean >= 7.5' or a mapping")
    m = KPI_PATTERN.match(kpi)
    if not m:
        raise check.fail(key, f"unknown KPI '{kpi}'",
                         hint="use <item>_mean, <item>_top2, tevredenheid_voldoende, tevredenheid_share8 or nps")
    item = "aanbeveling" if m.group("nps") else m.group("item")
    if item not in codebook.items:
        raise check.fail(key, f"goal refers to unknown item '{item}'",
                         hint=f"known items: {', '.join(codebook.items)}")
    stat = m.group("stat")
    if stat in ("top2", "voldoende", "share8") and not 0 <= float(target) <= 1:
        raise check.fail(key, f"target {target} of a share must lie between 0 and 1",
                         hint="write 70% as 0.70 or as '70%'")
    if m.group("nps") and not -100 <= float(target) <= 100:
        raise check.fail(key, f"NPS target {target} must lie between -100 and 100",
                         hint="the NPS is % promoters minus % detractors, e.g. 'nps >= -20'")
    return Goal(kpi=kpi, op=op, target=float(target), label=label)


# Safe limits for YAML written by hand: aliases are allowed (shared recodes), but no alias that refers to
# itself, no "alias bomb" that expands to a huge document, and no absurd nesting.
YAML_MAX_ALIASES = 200
YAML_MAX_NODES = 100_000  # after expanding every alias
YAML_MAX_DEPTH = 64
YAML_MAX_BYTES = 5_000_000


def read_text_file(path: Path, *, what: str, hint: str) -> str:
    """The text of a UTF-8 file the user named, with a clear error for every way reading it can fail.

    Raises
    ------
    ConfigError
        Not found, a folder, a symlink loop or broken link, not readable (permission), too large, or not
        UTF-8 (names the line of the first bad byte).
    """
    path = Path(path)
    if path.is_symlink():
        try:
            path.resolve(strict=True)
        except (OSError, RuntimeError):
            raise ConfigError(f"{what} is a symbolic link that leads nowhere (broken or a loop)", file=str(path),
                              hint="point the link at the real file, or pass the file itself") from None
    if path.is_dir():
        raise ConfigError(f"{what} is a folder, not a file", file=str(path), hint=hint)
    if not path.exists():
        raise ConfigError(f"{what} not found", file=str(path), hint=hint)
    try:
        if path.stat().st_size > YAML_MAX_BYTES:
            raise ConfigError(f"{what} is larger than {YAML_MAX_BYTES // 1_000_000} MB; that is not a config",
                              file=str(path), hint=hint)
        data = path.read_bytes()
    except PermissionError:
        raise ConfigError(f"{what} cannot be read: permission denied", file=str(path),
                          hint="give yourself read permission on the file (e.g. chmod u+r), or copy it") from None
    except OSError as exc:
        raise ConfigError(f"{what} cannot be read: {exc.strerror}", file=str(path), hint=hint) from None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[:exc.start].count(b"\n") + 1
        raise ConfigError(f"{what} is not UTF-8: byte {data[exc.start]:#04x} on line {line} (probably saved as "
                          "Windows-1252)", file=f"{path}:{line}",
                          hint="save the file as UTF-8 (in Notepad: Save as, Encoding UTF-8)") from None


def _check_yaml_size(node: yaml.Node, path: Path) -> None:
    """Refuse recursive aliases, alias bombs and deep nesting (counts every node as if aliases were copied)."""
    sizes: dict[int, int] = {}
    active: set[int] = set()

    def size(n: yaml.Node, depth: int) -> int:
        if depth > YAML_MAX_DEPTH:
            raise ConfigError(f"the YAML is nested more than {YAML_MAX_DEPTH} levels deep", file=str(path),
                              hint="a config needs only a few levels; check the indentation")
        key = id(n)
        if key in sizes:
            return sizes[key]
        if key in active:
            raise ConfigError("the YAML has an alias that refers to itself", file=f"{path}:{n.start_mark.line + 1}",
                              hint="an alias (*name) may only repeat an anchor (&name) defined before it, outside it")
        active.add(key)
        total = 1
        if isinstance(n, yaml.MappingNode):
            total += sum(size(k, depth + 1) + size(v, depth + 1) for k, v in n.value)
        elif isinstance(n, yaml.SequenceNode):
            total += sum(size(v, depth + 1) for v in n.value)
        active.discard(key)
        sizes[key] = total
        if total > YAML_MAX_NODES:
            raise ConfigError(f"the YAML expands to more than {YAML_MAX_NODES:,} values (aliases repeating aliases)",
                              file=str(path), hint="write the values out, or use fewer nested aliases (*name)")
        return total

    size(node, 0)


def read_yaml(path: Path, *, what: str, hint: str) -> tuple[Any, dict[str, int]]:
    """Parse a YAML file into its data and the 1-based line of every dotted key (for error messages).

    Safe loading only (no Python objects), UTF-8, and limits on aliases, expansion and depth.

    Raises
    ------
    ConfigError
        ``"<what> not found"`` with ``hint``, unreadable (see :func:`read_text_file`), not valid YAML with
        file:line of the problem, or over a safety limit.
    """
    text = read_text_file(path, what=what, hint=hint)
    loader = yaml.SafeLoader(text)
    try:
        try:
            node = loader.get_single_node()
            if node is not None:
                aliases = text.count("*")  # a cheap upper bound first; the exact check follows
                if aliases > YAML_MAX_ALIASES and sum(1 for _ in re.finditer(r"(?<![\w\"'])\*[\w-]+", text)) \
                        > YAML_MAX_ALIASES:
                    raise ConfigError(f"the YAML uses more than {YAML_MAX_ALIASES} aliases (*name)", file=str(path),
                                      hint="write the values out; a config needs only a few aliases")
                _check_yaml_size(node, path)
            data = loader.construct_document(node) if node is not None else None
        finally:
            loader.dispose()
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{path}:{mark.line + 1}" if mark else str(path)
        raise ConfigError(f"not valid YAML: {getattr(exc, 'problem', exc)}", file=where,
                          hint="check indentation and quotes around values with ':' or '#'") from None
    except RecursionError:
        raise ConfigError("the YAML is nested too deeply", file=str(path),
                          hint="a config needs only a few levels; check the indentation") from None
    return data, (_key_lines(node) if node is not None else {})


def load_config(path: str | Path, codebook: Codebook | None = None) -> OrgConfig:
    """Read and validate an organisation config.

    Parameters
    ----------
    path:
        The YAML file. Relative paths inside it resolve from its folder.
    codebook:
        The shared model (packaged one by default).

    Raises
    ------
    ConfigError
        With file:line, the dotted key, what is wrong and what is allowed.
    """
    try:
        path = Path(path).resolve()
    except (OSError, RuntimeError):  # a symlink loop: read_yaml names it
        path = Path(os.path.abspath(path))
    raw, lines = read_yaml(path, what="config file",
                           hint="pass the path of an organisation YAML, e.g. data/sample/molensloot.yml")
    if not isinstance(raw, Mapping):
        raise ConfigError("the config must be a YAML mapping (key: value lines)", file=str(path))
    check = _Checker(path, lines)
    codebook = codebook or load_codebook()

    unknown = set(raw) - TOP_LEVEL_KEYS
    if unknown:
        key = sorted(unknown)[0]
        raise check.fail(key, f"unknown top-level key '{key}'", hint=f"allowed: {', '.join(sorted(TOP_LEVEL_KEYS))}")

    org = check.need(raw, "organisation", "", Mapping)
    org_id = check.need(org, "id", "organisation", str)
    if not re.fullmatch(r"[a-z0-9][a-z0-9_-]*", org_id):
        raise check.fail("organisation.id", f"organisation id '{org_id}' must be lower-case letters, digits, - or _",
                         hint="it is used in file names, e.g. 'molensloot'")
    name = check.need(org, "name", "organisation", str)

    data = check.need(raw, "data", "", Mapping)
    for k in data:
        if k not in DATA_KEYS:
            raise check.fail(f"data.{k}", f"unknown key 'data.{k}'", hint=f"allowed: {', '.join(sorted(DATA_KEYS))}")
    data_file = (path.parent / check.need(data, "file", "data", str)).resolve()
    respondent_id = data.get("respondent_id")
    if respondent_id is not None and not isinstance(respondent_id, str):
        raise check.fail("data.respondent_id", f"'data.respondent_id' must be a column name, got {respondent_id!r}",
                         hint="leave it out when the file has no respondent id: rows are then numbered")

    period_raw = check.need(data, "period", "data", (str, int, Mapping))
    if isinstance(period_raw, (str, int)) and not isinstance(period_raw, bool):
        period = PeriodSpec(column=str(period_raw))
    else:
        for k in period_raw:
            if k not in ("column", "date_column", "date_format", "value", "plausible_years"):
                raise check.fail(f"data.period.{k}", f"unknown key 'data.period.{k}'",
                                 hint="allowed: column, date_column, date_format, value, plausible_years")
        value = period_raw.get("value")
        if value is not None:
            value = _period_value(value, check)
        years = period_raw.get("plausible_years")
        if years is not None and not (isinstance(years, list) and len(years) == 2
                                      and all(isinstance(y, int) and not isinstance(y, bool) for y in years)
                                      and 1800 <= years[0] <= years[1] <= 2200):
            raise check.fail("data.period.plausible_years", f"plausible_years must be [first, last] years, got {years!r}",
                             hint="e.g. plausible_years: [2015, 2027]; dates outside are counted in a warning")
        period = PeriodSpec(column=period_raw.get("column"), date_column=period_raw.get("date_column"),
                            date_format=period_raw.get("date_format"), value=value,
                            plausible_years=tuple(years) if years else None)
        if sum(bool(x) for x in (period.column, period.date_column, period.value)) != 1:
            raise check.fail("data.period", "give the period as 'column:' (quarters), 'date_column:' (dates) "
                             "or 'value:' (one measurement, e.g. 2024 or 2024Q2)")

    encoding = data.get("encoding")
    if encoding is not None:
        import codecs

        try:
            codecs.lookup(str(encoding))
        except LookupError:
            raise check.fail("data.encoding", f"unknown encoding '{encoding}'",
                             hint="use utf-8, utf-8-sig or cp1252, or leave it out to detect it") from None
    sheet = data.get("sheet")
    if sheet is not None and (isinstance(sheet, bool) or not isinstance(sheet, (str, int))):
        raise check.fail("data.sheet", f"sheet must be a sheet name or a number from 0, got {sheet!r}")

    recodes_raw = check.mapping(data.get("recodes"), "data.recodes")
    recodes: dict[str, dict] = {}
    for rname, rmap in recodes_raw.items():
        rmap = check.mapping(rmap, f"data.recodes.{rname}")
        recodes[rname] = {_norm_key(k): _recode_value(v, f"data.recodes.{rname}.{k}", check) for k, v in rmap.items()}

    missing_raw = data.get("missing_values") or {}
    if isinstance(missing_raw, list):
        missing_values = {_norm_key(v): "missing" for v in missing_raw}
    else:
        missing_values = {_norm_key(k): _missing_token(v, f"data.missing_values.{k}", check)
                          for k, v in check.mapping(missing_raw, "data.missing_values").items()}

    families = _family_constructs(raw.get("analysis"), raw.get("extra_items"), codebook)
    codebook = codebook.with_constructs(families) if families else codebook
    extra_items = _parse_extra_items(raw.get("extra_items") or [], check, codebook)
    seen_extra: set[str] = set()
    for n, it in enumerate(extra_items):
        if it.id in codebook.items or it.id in codebook.fields or it.id in seen_extra:
            raise check.fail(f"extra_items[{n}]", f"extra item id '{it.id}' is already taken",
                             hint="give your own item a distinct id, e.g. prefix it with your organisation")
        seen_extra.add(it.id)
    full_codebook = codebook.with_extra_items(extra_items) if extra_items else codebook
    extra_columns = {it.id: spec for it, spec in zip(extra_items, raw.get("extra_items") or [])}

    blocks = tuple(raw.get("building_blocks") or ())
    for b in blocks:
        if b not in codebook.building_blocks:
            raise check.fail("building_blocks", f"unknown building block '{b}'",
                             hint=f"known blocks: {', '.join(codebook.building_blocks)}")

    columns: dict[str, ColumnMap] = {}
    columns_raw = check.need(data, "columns", "data", Mapping)
    allowed = set(full_codebook.items) | set(codebook.context_fields())
    block_items = {i for b in blocks for i in codebook.building_blocks[b]["items"]}
    for target, spec in columns_raw.items():
        key = f"data.columns.{target}"
        if target not in allowed:
            raise check.fail(key, f"'{target}' is not an item or context field of the codebook",
                             hint="map your column to a codebook id (see `meethuis codebook`), "
                                  "or declare it under extra_items")
        item = full_codebook.items.get(target)
        if item is not None and not item.core and not item.own and target not in block_items:
            raise check.fail(key, f"'{target}' belongs to a building block that is not switched on",
                             hint="add the block to 'building_blocks:' (see `meethuis codebook`)")
        columns[target] = _column_map(target, spec, key, recodes, check)
    for it in extra_items:
        spec = extra_columns[it.id]
        columns[it.id] = _column_map(it.id, spec, f"extra_items.{it.id}", recodes, check)
    if not any(full_codebook.items[i].role == "outcome" for i in columns if i in full_codebook.items):
        raise check.fail("data.columns", "no outcome is mapped",
                         hint="map at least one outcome (e.g. tevredenheid) or declare one under extra_items "
                              "with role: outcome")
    for b in blocks:
        for i in codebook.building_blocks[b]["items"]:
            if i not in columns:
                raise check.fail("data.columns", f"building block '{b}' is switched on but '{i}' is not mapped")

    weighting = check.mapping(raw.get("weighting"), "weighting")
    margins: dict[str, dict[str, float]] = {}
    for var, cats in check.mapping(weighting.get("margins"), "weighting.margins").items():
        key = f"weighting.margins.{var}"
        if var not in columns or var not in codebook.fields or codebook.fields[var].kind != "category":
            raise check.fail(key, f"margin variable '{var}' is not a mapped context field",
                             hint="weight on category fields you map under data.columns, e.g. leeftijdsgroep")
        cats = check.mapping(cats, key)
        try:
            margins[var] = {str(c): float(v) for c, v in cats.items()}
        except (TypeError, ValueError):
            raise check.fail(key, "margin values must be numbers (shares or population totals)") from None
        if any(v < 0 for v in margins[var].values()):
            raise check.fail(key, "margin values cannot be negative")
        zero = [c for c, v in margins[var].items() if v == 0]
        if zero:
            raise check.fail(f"{key}.{zero[0]}", f"margin of '{zero[0]}' is 0: its respondents would get weight 0",
                             hint=f"leave '{zero[0]}' out of the margins (shares of the others still add up to 1)")
        allowed_values = codebook.fields[var].values
        if allowed_values:
            odd = [c for c in margins[var] if c not in allowed_values]
            if odd:
                raise check.fail(f"{key}.{odd[0]}", f"'{odd[0]}' is not a category of '{var}'",
                                 hint=f"categories: {', '.join(allowed_values)}")
        total = sum(margins[var].values())
        if total <= 0:
            raise check.fail(key, "margin values add up to zero")
        if all(v <= 1 for v in margins[var].values()) and abs(total - 1) > 0.02:
            raise check.fail(key, f"shares of '{var}' add up to {total:g}, not 1",
                             hint="give shares that sum to 1 or population totals (numbers above 1)")
    trim = weighting.get("trim")
    if trim is not None:
        if not (isinstance(trim, list) and len(trim) == 2
                and all(isinstance(t, (int, float)) and not isinstance(t, bool) for t in trim)
                and 0 < float(trim[0]) < 1 < float(trim[1])):
            raise check.fail("weighting.trim", f"trim must be [lower, upper] around 1, got {trim!r}",
                             hint="e.g. trim: [0.3, 3.0] keeps weights between 0.3 and 3 times the mean")
        trim = (float(trim[0]), float(trim[1]))

    process = None
    if raw.get("process") is not None:
        p = check.mapping(raw["process"], "process")
        pcols = check.mapping(p.get("columns"), "process.columns")
        for fid in pcols:
            if fid not in codebook.process_fields():
                raise check.fail(f"process.columns.{fid}", f"'{fid}' is not a process field",
                                 hint=f"known: {', '.join(codebook.process_fields())}")
        process = ProcessSpec(
            file=(path.parent / check.need(p, "file", "process", str)).resolve(),
            key=check.need(p, "key", "process", str),
            survey_key=check.need(p, "survey_key", "process", str),
            columns={k: str(v) for k, v in pcols.items()},
            recodes={k: dict(check.mapping(v, f"process.recodes.{k}"))
                     for k, v in check.mapping(p.get("recodes"), "process.recodes").items()},
        )

    goals_raw = raw.get("goals") or []
    if not isinstance(goals_raw, list):
        raise check.fail("goals", f"'goals' must be a list (one '- ' line per goal), got {goals_raw!r}",
                         hint="write each goal on its own line: '  - tevredenheid_mean >= 7.5'")
    goals = tuple(parse_goal(g, f"goals[{n}]", check, full_codebook) for n, g in enumerate(goals_raw))
    journeys = _parse_journeys(raw.get("journeys"), path, check, codebook)

    min_cell = raw.get("min_cell", 10)
    if not isinstance(min_cell, int) or isinstance(min_cell, bool) or min_cell < 1:
        raise check.fail("min_cell", f"min_cell must be a whole number of at least 1, got {min_cell!r}",
                         hint="the default, 10, is the usual disclosure threshold")
    lang = raw.get("lang", "nl")
    if lang not in ("nl", "en"):
        raise check.fail("lang", f"unknown language '{lang}'", hint="use nl or en")

    handbook_url = raw.get("handbook_url")
    if handbook_url is not None and not (isinstance(handbook_url, str)
                                         and re.match(r"^https?://[^\s/]+", handbook_url)):
        raise check.fail("handbook_url", f"handbook_url must be a web address, got {handbook_url!r}",
                         hint="the published handbook, e.g. handbook_url: https://meethuis.example.nl; "
                              "leave it out to name the pages without links")

    analysis_outcomes, analysis_drivers = _parse_analysis(raw.get("analysis"), columns, full_codebook, check)
    segments = _parse_segments(raw.get("segments"), check)
    process_measures = _parse_process_measures(raw.get("process_measures"), process, segments, full_codebook, check)
    if process_measures:
        full_codebook = full_codebook.with_fields(measure_field(m) for m in process_measures.values())
    synthetic = org.get("synthetic", False)
    if not isinstance(synthetic, bool):
        raise check.fail("organisation.synthetic", "'organisation.synthetic' must be true or false")
    bench = raw.get("benchmark")
    if bench == "samples":
        bench = {"samples": True}
    if bench is not None:
        if not isinstance(bench, Mapping) or not set(bench) <= {"folder", "pool", "samples", "a11"}:
            raise check.fail("benchmark", f"benchmark must be a mapping with folder, pool, samples or a11, got {bench!r}",
                             hint="e.g. benchmark: {folder: benchmark} (a folder of aggregates.json files)")
        if bench.get("folder") is not None and not isinstance(bench["folder"], str):
            raise check.fail("benchmark.folder", "benchmark.folder must be a folder path")
        if bench.get("pool") is not None and not isinstance(bench["pool"], str):
            raise check.fail("benchmark.pool", "benchmark.pool must be the path of a pool file (.duckdb)")
        if bench.get("samples") and not synthetic:
            raise check.fail("benchmark.samples", "a real organisation is never compared with the fictional samples",
                             hint="give 'benchmark: {folder: path}' with aggregates.json files of real "
                                  "organisations, or leave 'benchmark:' out")

    return OrgConfig(
        analysis_outcomes=analysis_outcomes, analysis_drivers=analysis_drivers, segments=segments,
        synthetic=synthetic,
        path=path, id=org_id, name=name, kind=str(org.get("kind", "")), data_file=data_file,
        sheet=data.get("sheet"), encoding=data.get("encoding"), respondent_id=respondent_id, period=period,
        columns=columns, missing_values=missing_values, building_blocks=blocks, extra_items=tuple(extra_items),
        margins=margins, trim=trim, process=process, goals=goals, min_cell=min_cell, lang=lang,
        codebook=full_codebook, raw=raw, lines=lines, journeys=journeys, handbook_url=handbook_url,
        process_measures=process_measures,
    )


def _norm_key(value: Any) -> Any:
    """Recode keys compare case- and space-insensitively for text, numerically for numbers."""
    if isinstance(value, str):
        return " ".join(value.strip().lower().split())
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def _missing_token(value: Any, key: str, check: _Checker) -> str:
    token = str(value).strip().lower().replace(".", "").replace(" ", "_")
    token = {"nv_t": "nvt", "nvt": "nvt", "weet_niet": "weet_niet", "missing": "missing",
             "ontbreekt": "missing"}.get(token)
    if token is None:
        raise check.fail(key, f"unknown missing-value kind {value!r}", hint="use nvt, weet_niet or missing")
    return token


def _recode_value(value: Any, key: str, check: _Checker) -> Any:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return value
    if isinstance(value, str):
        try:
            return _missing_token(value, key, check)
        except ConfigError:
            return value  # a category label recode, e.g. "Telefonisch" -> "telefoon"
    if value is None:
        return "missing"
    raise check.fail(key, f"recode target {value!r} must be a number, a category or nvt/weet_niet/missing")


def _column_map(target: str, spec: Any, key: str, recodes: Mapping[str, Mapping], check: _Checker) -> ColumnMap:
    if isinstance(spec, str):
        return ColumnMap(target, spec)
    if not isinstance(spec, Mapping):
        raise check.fail(key, f"mapping for '{target}' must be a column name or {{column:, recode:}}")
    column = check.need(spec, "column", key, str)
    recode = spec.get("recode")
    if recode is None:
        return ColumnMap(target, column)
    if isinstance(recode, str):
        if recode not in recodes:
            raise check.fail(f"{key}.recode", f"unknown recode '{recode}'",
                             hint=f"define it under data.recodes; defined: {', '.join(recodes) or 'none'}")
        return ColumnMap(target, column, dict(recodes[recode]))
    if isinstance(recode, Mapping):
        return ColumnMap(target, column, {_norm_key(k): _recode_value(v, f"{key}.recode.{k}", check)
                                          for k, v in recode.items()})
    raise check.fail(f"{key}.recode", "recode must be the name of a recode under data.recodes or a mapping")


@dataclass(frozen=True)
class Segment:
    """A free breakdown: any column of the survey, numbers binned by ``bins`` (edges, left-closed)."""

    id: str
    column: str
    bins: tuple[float, ...] | None = None
    label: Mapping[str, str] = field(default_factory=dict)


def _period_value(value: Any, check: _Checker) -> str:
    """A one-wave period: a year (``2024``) or a quarter (``2024Q2``, ``2024-Q2``, ``Q2 2024``)."""
    text = str(value).strip()
    if re.fullmatch(r"(19|20)\d\d", text):
        return text
    m = re.fullmatch(r"(\d{4})\s*[-/_ ]?\s*[QqKk]([1-4])", text) or None
    if m:
        return f"{m.group(1)}Q{m.group(2)}"
    m = re.fullmatch(r"[QqKk]([1-4])\s*[-/_ ]?\s*(\d{4})", text)
    if m:
        return f"{m.group(2)}Q{m.group(1)}"
    raise check.fail("data.period.value", f"cannot read period value {value!r}",
                     hint="give a year such as 2024 or a quarter such as 2024Q2")


def _family_constructs(analysis: Any, extra: Any, codebook: Codebook) -> dict[str, dict]:
    """Driver families named in the config that the shared model does not know (own constructs)."""
    names: list[str] = []
    if isinstance(analysis, Mapping) and isinstance(analysis.get("drivers"), Mapping):
        names += [str(k) for k in analysis["drivers"]]
    for spec in extra if isinstance(extra, list) else []:
        if isinstance(spec, Mapping) and spec.get("family") is not None:
            names.append(str(spec["family"]))
    if isinstance(extra, list) and any(isinstance(sp, Mapping) and sp.get("role") == "outcome"
                                       and not sp.get("construct") for sp in extra):
        names.append("eigen_uitkomst")
    if isinstance(extra, list) and any(isinstance(sp, Mapping) and sp.get("role") == "driver"
                                       and not sp.get("construct") and not sp.get("family") for sp in extra):
        names.append("eigen_drijfveren")
    out: dict[str, dict] = {}
    for name in dict.fromkeys(names):
        if name in codebook.constructs:
            continue
        role = "outcome" if name == "eigen_uitkomst" else "driver"
        label = {"eigen_uitkomst": {"nl": "Eigen uitkomst", "en": "Own outcome"},
                 "eigen_drijfveren": {"nl": "Eigen drijfveren", "en": "Own drivers"}}.get(
            name, {"nl": name.replace("_", " ").capitalize(), "en": name.replace("_", " ").capitalize()})
        out[name] = {"role": role, "label": label, "own": True}
    return out


def _parse_analysis(spec: Any, columns: Mapping[str, ColumnMap], codebook: Codebook,
                    check: _Checker) -> tuple[tuple[str, ...], dict[str, tuple[str, ...]]]:
    """``analysis: {outcomes: [..], drivers: [..] or {family: [..]}}``: what the driver chapter analyses."""
    spec = check.mapping(spec, "analysis")
    for k in spec:
        if k not in ANALYSIS_KEYS:
            raise check.fail(f"analysis.{k}", f"unknown key 'analysis.{k}'", hint="allowed: outcomes, drivers")

    def known(iid: Any, key: str, role: str) -> str:
        iid = str(iid)
        if iid not in codebook.items or iid not in columns:
            raise check.fail(key, f"'{iid}' under {key.split('[')[0]} is not a mapped item",
                             hint="map it under data.columns (shared model) or declare it under extra_items")
        return iid

    outcomes_raw = spec.get("outcomes") or []
    if isinstance(outcomes_raw, str):
        outcomes_raw = [outcomes_raw]
    if not isinstance(outcomes_raw, list):
        raise check.fail("analysis.outcomes", "'analysis.outcomes' must be a list of item ids")
    outcomes = tuple(known(o, f"analysis.outcomes[{n}]", "outcome") for n, o in enumerate(outcomes_raw))
    drivers_raw = spec.get("drivers")
    families: dict[str, tuple[str, ...]] = {}
    if drivers_raw is None:
        return outcomes, families
    if isinstance(drivers_raw, list):
        ids = [known(d, f"analysis.drivers[{n}]", "driver") for n, d in enumerate(drivers_raw)]
        for d in ids:
            families.setdefault(codebook.items[d].construct, ())
            families[codebook.items[d].construct] += (d,)
    elif isinstance(drivers_raw, Mapping):
        for fam, ids in drivers_raw.items():
            if not isinstance(ids, list) or not ids:
                raise check.fail(f"analysis.drivers.{fam}", f"family '{fam}' must list its driver ids",
                                 hint="e.g. drivers: {service: [wifi, boarding]}")
            families[str(fam)] = tuple(known(d, f"analysis.drivers.{fam}[{n}]", "driver") for n, d in enumerate(ids))
    else:
        raise check.fail("analysis.drivers", "'analysis.drivers' must be a list of ids or a mapping family: [ids]")
    clash = set(outcomes) & {d for ds in families.values() for d in ds}
    if clash:
        raise check.fail("analysis", f"'{sorted(clash)[0]}' is both an outcome and a driver",
                         hint="an item explains the outcome or is the outcome, not both")
    return outcomes, families


def _parse_segments(spec: Any, check: _Checker) -> dict[str, Segment]:
    """``segments: {geslacht: Gender, leeftijd: {column: Age, bins: [0, 35, 50, 65, 120]}}``."""
    out: dict[str, Segment] = {}
    for sid, sp in check.mapping(spec, "segments").items():
        key = f"segments.{sid}"
        if not re.fullmatch(r"[a-z][a-z0-9_]*", str(sid)):
            raise check.fail(key, f"segment id '{sid}' must be lower-case letters, digits and _",
                             hint="e.g. geslacht or type_of_travel")
        if isinstance(sp, str):
            out[sid] = Segment(sid, sp)
            continue
        sp = check.mapping(sp, key)
        column = check.need(sp, "column", key, str)
        bins = sp.get("bins")
        if bins is not None:
            if not (isinstance(bins, list) and len(bins) >= 3 and all(isinstance(b, (int, float)) for b in bins)
                    and all(a < b for a, b in zip(bins, bins[1:]))):
                raise check.fail(f"{key}.bins", "bins must be at least three increasing numbers (edges)",
                                 hint="e.g. bins: [0, 35, 50, 65, 120] makes 0-34, 35-49, 50-64, 65+")
            bins = tuple(float(b) for b in bins)
        label = sp.get("label") or {}
        if isinstance(label, str):
            label = {"nl": label, "en": label}
        out[sid] = Segment(sid, column, bins, dict(label))
    return out


MEASURE_KINDS = ("number", "count", "category")


def _parse_process_measures(spec: Any, process: ProcessSpec | None, segments: Mapping[str, Segment],
                            codebook: Codebook, check: _Checker) -> dict[str, ProcessMeasure]:
    """``process_measures: {vertraging: {column: Delay, unit: {nl: minuten, en: minutes}, bins: [0, 5, 15, 60]},
    behandelduur: {column: behandelduur, source: process}}``: own measures, from the survey or the process file."""
    out: dict[str, ProcessMeasure] = {}
    taken_process = set(process.columns.values()) if process is not None else set()
    for mid, sp in check.mapping(spec, "process_measures").items():
        key = f"process_measures.{mid}"
        if not re.fullmatch(r"[a-z][a-z0-9_]*", str(mid)):
            raise check.fail(key, f"measure id '{mid}' must be lower-case letters, digits and _",
                             hint="e.g. vertraging or behandelduur")
        if mid in codebook.items or mid in codebook.fields or mid in segments:
            raise check.fail(key, f"measure id '{mid}' is already taken (a codebook id, own item or segment)",
                             hint=f"give it another id, e.g. {mid}_eigen; a fixed process field such as "
                                  "doorlooptijd_dagen is mapped under process.columns")
        if isinstance(sp, str):
            sp = {"column": sp}
        sp = check.mapping(sp, key)
        unknown = set(sp) - {"column", "source", "kind", "label", "unit", "bins"}
        if unknown:
            raise check.fail(f"{key}.{sorted(unknown)[0]}", f"unknown key '{sorted(unknown)[0]}'",
                             hint="allowed: column, source, kind, label, unit, bins")
        column = check.need(sp, "column", key, str)
        source = sp.get("source", "survey")
        if source not in ("survey", "process"):
            raise check.fail(f"{key}.source", f"source must be survey or process, got {source!r}",
                             hint="survey: a column of the survey file; process: a column of the process file")
        if source == "process" and process is None:
            raise check.fail(f"{key}.source", "source: process needs a 'process:' section (file, key, survey_key)",
                             hint="link the process file under process:, or use source: survey")
        if source == "process" and column in taken_process:
            raise check.fail(f"{key}.column", f"column '{column}' is already mapped under process.columns")
        kind = sp.get("kind", "number")
        if kind not in MEASURE_KINDS:
            raise check.fail(f"{key}.kind", f"kind must be one of {', '.join(MEASURE_KINDS)}, got {kind!r}",
                             hint="number (minutes, days), count (contacts) or category (an outcome such as granted)")
        texts = {}
        for part in ("label", "unit"):
            value = sp.get(part)
            if isinstance(value, str):
                value = {"nl": value, "en": value}
            if value is not None and not (isinstance(value, Mapping) and all(isinstance(v, str) for v in value.values())):
                raise check.fail(f"{key}.{part}", f"{part} must be a text or {{nl: ..., en: ...}}")
            texts[part] = dict(value) if value else None
        bins = sp.get("bins")
        if bins is not None:
            if kind == "category":
                raise check.fail(f"{key}.bins", "a category measure has no bins", hint="remove bins: or use kind: number")
            if not (isinstance(bins, list) and len(bins) >= 3 and all(isinstance(b, (int, float)) and not isinstance(b, bool)
                                                                     for b in bins)
                    and all(a < b for a, b in zip(bins, bins[1:]))):
                raise check.fail(f"{key}.bins", "bins must be at least three increasing numbers (edges)",
                                 hint="e.g. bins: [0, 5, 15, 60, 1000] makes 0-4, 5-14, 15-59 and 60-999")
            bins = tuple(float(b) for b in bins)
        label = texts["label"] or {"nl": column, "en": column}
        out[str(mid)] = ProcessMeasure(str(mid), column, source, kind, label, texts["unit"], bins)
    return out


def measure_field(m: ProcessMeasure):
    """The codebook field of an own process measure (its label and unit in tables and figures)."""
    from meethuis.intake.codebook import Field

    return Field(id=m.id, role="process", kind=m.kind, label={"nl": m.label.get("nl") or m.label.get("en") or m.id,
                                                               "en": m.label.get("en") or m.label.get("nl") or m.id},
                 unit=m.unit)


def _own_scale(spec: Any, key: str, check: _Checker, codebook: Codebook):
    """The scale of an own item: a codebook scale id, ``{min:, max:}``, ``binary`` or ``{positive: text}``."""
    from meethuis.intake.codebook import Scale

    if spec is None:
        return codebook.scales["agree5"]
    if isinstance(spec, str):
        if spec == "binary":
            return Scale("binary", 0, 1, "binary", {"nl": {0: "nee", 1: "ja"}, "en": {0: "no", 1: "yes"}})
        if spec not in codebook.scales:
            raise check.fail(key, f"unknown scale '{spec}'",
                             hint=f"known: {', '.join(codebook.scales)}, binary, or {{min: 1, max: 7}}")
        return codebook.scales[spec]
    if not isinstance(spec, Mapping):
        raise check.fail(key, "scale must be a scale id, binary, {min:, max:} or {positive: category}")
    labels_raw = spec.get("labels") or {}
    if not isinstance(labels_raw, Mapping):
        raise check.fail(f"{key}.labels", "labels must map codes to texts, e.g. {0: unhappy, 1: happy}")
    if "positive" in spec:
        positive = str(spec["positive"])
        return Scale("binary", 0, 1, "binary",
                     {"nl": {0: "anders", 1: positive}, "en": {0: "other", 1: positive}}, positive=positive)
    kind = spec.get("type", "binary" if spec.get("min") == 0 and spec.get("max") == 1 else "range")
    if kind == "binary":
        lo, hi = 0, 1
    else:
        lo, hi = spec.get("min"), spec.get("max")
        if not (isinstance(lo, int) and isinstance(hi, int) and not isinstance(lo, bool) and lo < hi):
            raise check.fail(key, f"scale needs whole numbers min < max, got min {lo!r}, max {hi!r}",
                             hint="e.g. scale: {min: 1, max: 7}")
    try:
        labels = {int(k): str(v) for k, v in labels_raw.items()}
    except (TypeError, ValueError):
        raise check.fail(f"{key}.labels", "label codes must be whole numbers") from None
    odd = [k for k in labels if not lo <= k <= hi]
    if odd:
        raise check.fail(f"{key}.labels", f"label code {odd[0]} lies outside {lo}-{hi}")
    if kind == "binary" and not labels:
        labels = {0: "nee", 1: "ja"}
    return Scale(f"{kind}{lo}_{hi}" if kind != "binary" else "binary", lo, hi,
                 "binary" if kind == "binary" else "range", {"nl": labels, "en": labels})


def _parse_extra_items(specs: Any, check: _Checker, codebook: Codebook) -> list[Item]:
    if not isinstance(specs, list):
        raise check.fail("extra_items", "extra_items must be a list of items")
    items = []
    for n, spec in enumerate(specs):
        key = f"extra_items[{n}]"
        iid = check.need(spec, "id", key, str)
        if not re.fullmatch(r"[a-z_][a-z0-9_]*", iid):
            raise check.fail(f"{key}.id", f"item id '{iid}' must be lower-case ASCII letters, digits and _",
                             hint="e.g. 'Inflight wifi service' becomes inflight_wifi_service")
        construct = spec.get("construct") or spec.get("family")
        role = spec.get("role")
        if role is not None and role not in ("outcome", "driver"):
            raise check.fail(f"{key}.role", f"role of '{iid}' must be outcome or driver, got {role!r}")
        if construct is None:
            if role is None:
                raise check.fail(key, f"extra item '{iid}' needs role: outcome or driver (or a construct)",
                                 hint="e.g. role: driver, family: service")
            construct = "eigen_uitkomst" if role == "outcome" else "eigen_drijfveren"
        construct = str(construct)
        if construct not in codebook.constructs or codebook.constructs[construct]["role"] not in ("driver", "outcome"):
            drivers = [c for c, v in codebook.constructs.items() if v["role"] in ("driver", "outcome")]
            raise check.fail(f"{key}.construct", f"unknown construct '{construct}' for extra item '{iid}'",
                             hint=f"assign it to one of: {', '.join(drivers)}, or give role: and family:")
        if role is not None and codebook.constructs[construct]["role"] != role and not spec.get("family"):
            raise check.fail(f"{key}.role", f"'{iid}' has role {role} but construct '{construct}' is a "
                             f"{codebook.constructs[construct]['role']}")
        scale = _own_scale(spec.get("scale"), f"{key}.scale", check, codebook)
        principle = spec.get("principle")
        if principle is not None and principle not in codebook.principles:
            raise check.fail(f"{key}.principle", f"unknown principle '{principle}'",
                             hint=f"known: {', '.join(codebook.principles)}")
        wording = spec.get("wording") or {}
        if isinstance(wording, str):
            wording = {"nl": wording}
        label = spec.get("label")
        if isinstance(label, str):
            label = {"nl": label}
        if label is not None and not (isinstance(label, Mapping) and all(isinstance(v, str) for v in label.values())):
            raise check.fail(f"{key}.label", f"label of extra item '{iid}' must be a text or {{nl:, en:}}",
                             hint='e.g. label: {nl: "Terugbellen", en: "Call back"}')
        items.append(Item(id=iid, construct=construct, role=role or codebook.constructs[construct]["role"],
                          scale=scale, core=False, wording=dict(wording),
                          principle=principle, own=True, short_label=dict(label) if label else None))
    return items


JOURNEY_KEYS = {"contacts", "appointments", "repeat_days", "steps"}
EVENT_FILE_KEYS = {"file", "key", "columns", "recodes", "timestamp_format", "encoding"}


def _parse_journeys(value: Any, path: Path, check: _Checker, codebook: Codebook) -> JourneySpec | None:
    """Parse the optional ``journeys:`` section (contact log, appointments, repeat window, steps)."""
    if value is None:
        return None
    spec = check.mapping(value, "journeys")
    for k in spec:
        if k not in JOURNEY_KEYS:
            raise check.fail(f"journeys.{k}", f"unknown key 'journeys.{k}'", hint=f"allowed: {', '.join(sorted(JOURNEY_KEYS))}")
    files = {}
    for kind in ("contacts", "appointments"):
        if spec.get(kind) is None:
            files[kind] = None
            continue
        key = f"journeys.{kind}"
        f = check.mapping(spec[kind], key)
        for k in f:
            if k not in EVENT_FILE_KEYS:
                raise check.fail(f"{key}.{k}", f"unknown key '{key}.{k}'", hint=f"allowed: {', '.join(sorted(EVENT_FILE_KEYS))}")
        cols = check.mapping(check.need(f, "columns", key, Mapping), f"{key}.columns")
        known = codebook.journey_fields(kind)
        for fid, col in cols.items():
            if fid not in known:
                raise check.fail(f"{key}.columns.{fid}", f"'{fid}' is not a field of the {kind} file",
                                 hint=f"known: {', '.join(known)}")
            if not isinstance(col, str):
                raise check.fail(f"{key}.columns.{fid}", f"the column of '{fid}' must be a column name, got {col!r}")
        absent = [fid for fid in known if codebook.fields[fid].required and fid not in cols]
        if absent:
            raise check.fail(f"{key}.columns", f"required field(s) not mapped: {', '.join(absent)}",
                             hint=f"map each to a column of the {kind} file (see `meethuis codebook`)")
        recodes = check.mapping(f.get("recodes"), f"{key}.recodes")
        for fid in recodes:
            if fid not in cols:
                raise check.fail(f"{key}.recodes.{fid}", f"recode for '{fid}', which is not mapped under {key}.columns")
        files[kind] = EventFileSpec(
            file=(path.parent / check.need(f, "file", key, str)).resolve(), key=check.need(f, "key", key, str),
            columns={k: str(v) for k, v in cols.items()},
            recodes={k: dict(check.mapping(v, f"{key}.recodes.{k}")) for k, v in recodes.items()},
            timestamp_format=f.get("timestamp_format"), encoding=f.get("encoding"))
    days = spec.get("repeat_days", 7)
    if not isinstance(days, int) or isinstance(days, bool) or not 1 <= days <= 365:
        raise check.fail("journeys.repeat_days", f"repeat_days must be a whole number of days from 1 to 365, got {days!r}",
                         hint="7 (a week) is the usual window for repeat contact")
    steps: dict[str, tuple[str, ...]] = {}
    for service, lst in check.mapping(spec.get("steps"), "journeys.steps").items():
        key = f"journeys.steps.{service}"
        if not isinstance(lst, list) or len(lst) < 2 or not all(isinstance(x, str) for x in lst):
            raise check.fail(key, f"the steps of '{service}' must be a list of at least two step names",
                             hint="e.g. omgevingsvergunning: [aanvraag, aanvulling, besluit]")
        if len(set(lst)) != len(lst):
            raise check.fail(key, f"the steps of '{service}' repeat a step name")
        steps[str(service)] = tuple(lst)
    if steps and (files["contacts"] is None or "stap" not in files["contacts"].columns):
        raise check.fail("journeys.steps", "journey steps are declared but the contact log has no 'stap' column",
                         hint="map the step column under journeys.contacts.columns.stap")
    return JourneySpec(contacts=files["contacts"], appointments=files["appointments"], repeat_days=days, steps=steps)

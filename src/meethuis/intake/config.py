"""Organisation config: one YAML file per organisation that maps its own data onto the shared model.

Paths in the config resolve from the config file's folder, never from the current directory. Every
problem raises :class:`ConfigError` naming the file, the line, the dotted key and what is allowed.
See the handbook appendix "Je eigen organisatie aansluiten" for a walk-through of every key.
"""
from __future__ import annotations

import operator
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping

import yaml

from meethuis.intake.codebook import Codebook, Item, load_codebook
from meethuis.common.errors import ConfigError

TOP_LEVEL_KEYS = {
    "organisation", "data", "building_blocks", "extra_items", "weighting", "process", "goals",
    "min_cell", "lang", "improvements", "maturity", "themes", "benchmark",
}
DATA_KEYS = {"file", "sheet", "encoding", "respondent_id", "period", "columns", "recodes", "missing_values"}
GOAL_OPS = {">=": operator.ge, ">": operator.gt, "<=": operator.le, "<": operator.lt}
KPI_PATTERN = re.compile(r"^(?P<item>[a-z_0-9]+?)_(?P<stat>mean|top2|voldoende|share8)$|^(?P<nps>nps)$")
MISSING_TOKENS = ("nvt", "weet_niet", "missing")


@dataclass(frozen=True)
class ColumnMap:
    """How one codebook id is read from the organisation's file."""

    target: str
    column: str
    recode: Mapping[Any, Any] = field(default_factory=dict)  # source value -> code or missing token


@dataclass(frozen=True)
class PeriodSpec:
    """Where the quarter comes from: a column with quarters, or a date column."""

    column: str | None = None
    date_column: str | None = None
    date_format: str | None = None


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
class OrgConfig:
    """A validated organisation config. ``raw`` keeps the parsed YAML for optional sections."""

    path: Path
    id: str
    name: str
    kind: str
    data_file: Path
    sheet: str | int | None
    encoding: str | None
    respondent_id: str
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

    @property
    def folder(self) -> Path:
        return self.path.parent

    def items_in_use(self) -> list[str]:
        """Outcome and driver ids this organisation measures (core + its blocks + its own items)."""
        return [i for i in self.codebook.items if i in self.columns]

    def drivers(self) -> list[str]:
        return [i for i in self.items_in_use() if self.codebook.items[i].role == "driver"]

    def outcomes(self) -> list[str]:
        return [i for i in self.items_in_use() if self.codebook.items[i].role == "outcome"]

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
            names = kind.__name__ if isinstance(kind, type) else " or ".join(k.__name__ for k in kind)
            raise self.fail(path, f"'{path}' must be a {names}, got {type(value).__name__} {value!r}")
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


def read_yaml(path: Path, *, what: str, hint: str) -> tuple[Any, dict[str, int]]:
    """Parse a YAML file into its data and the 1-based line of every dotted key (for error messages).

    Raises
    ------
    ConfigError
        ``"<what> not found"`` with ``hint``, or not valid YAML with file:line of the problem.
    """
    if not path.exists():
        raise ConfigError(f"{what} not found", file=str(path), hint=hint)
    text = path.read_text(encoding="utf-8")
    try:
        node = yaml.compose(text)
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{path}:{mark.line + 1}" if mark else str(path)
        raise ConfigError(f"not valid YAML: {getattr(exc, 'problem', exc)}", file=where,
                          hint="check indentation and quotes around values with ':' or '#'") from None
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
    path = Path(path).resolve()
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
    respondent_id = check.need(data, "respondent_id", "data", str)

    period_raw = check.need(data, "period", "data", (str, Mapping))
    if isinstance(period_raw, str):
        period = PeriodSpec(column=period_raw)
    else:
        for k in period_raw:
            if k not in ("column", "date_column", "date_format"):
                raise check.fail(f"data.period.{k}", f"unknown key 'data.period.{k}'",
                                 hint="allowed: column, date_column, date_format")
        period = PeriodSpec(column=period_raw.get("column"), date_column=period_raw.get("date_column"),
                            date_format=period_raw.get("date_format"))
        if not (period.column or period.date_column):
            raise check.fail("data.period", "give the period as 'column:' (quarters) or 'date_column:' (dates)")

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
    missing_core = [i for i in codebook.core_items() if i not in columns]
    if missing_core:
        raise check.fail("data.columns", f"mandatory core item(s) not mapped: {', '.join(missing_core)}",
                         hint="every organisation measures the core; map each to a column of your file")
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
        if not (isinstance(trim, list) and len(trim) == 2 and 0 < float(trim[0]) < 1 < float(trim[1])):
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
            recodes={k: dict(v) for k, v in check.mapping(p.get("recodes"), "process.recodes").items()},
        )

    goals = tuple(parse_goal(g, f"goals[{n}]", check, full_codebook) for n, g in enumerate(raw.get("goals") or []))

    min_cell = raw.get("min_cell", 10)
    if not isinstance(min_cell, int) or isinstance(min_cell, bool) or min_cell < 1:
        raise check.fail("min_cell", f"min_cell must be a whole number of at least 1, got {min_cell!r}",
                         hint="the default, 10, is the usual disclosure threshold")
    lang = raw.get("lang", "nl")
    if lang not in ("nl", "en"):
        raise check.fail("lang", f"unknown language '{lang}'", hint="use nl or en")

    return OrgConfig(
        path=path, id=org_id, name=name, kind=str(org.get("kind", "")), data_file=data_file,
        sheet=data.get("sheet"), encoding=data.get("encoding"), respondent_id=respondent_id, period=period,
        columns=columns, missing_values=missing_values, building_blocks=blocks, extra_items=tuple(extra_items),
        margins=margins, trim=trim, process=process, goals=goals, min_cell=min_cell, lang=lang,
        codebook=full_codebook, raw=raw, lines=lines,
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


def _parse_extra_items(specs: Any, check: _Checker, codebook: Codebook) -> list[Item]:
    if not isinstance(specs, list):
        raise check.fail("extra_items", "extra_items must be a list of items")
    items = []
    for n, spec in enumerate(specs):
        key = f"extra_items[{n}]"
        iid = check.need(spec, "id", key, str)
        construct = check.need(spec, "construct", key, str)
        if construct not in codebook.constructs or codebook.constructs[construct]["role"] not in ("driver", "outcome"):
            drivers = [c for c, v in codebook.constructs.items() if v["role"] in ("driver", "outcome")]
            raise check.fail(f"{key}.construct", f"unknown construct '{construct}' for extra item '{iid}'",
                             hint=f"assign it to one of: {', '.join(drivers)}")
        scale = spec.get("scale", "agree5")
        if scale not in codebook.scales:
            raise check.fail(f"{key}.scale", f"unknown scale '{scale}'", hint=f"known: {', '.join(codebook.scales)}")
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
        items.append(Item(id=iid, construct=construct, role=codebook.constructs[construct]["role"],
                          scale=codebook.scales[scale], core=False, wording=dict(wording),
                          principle=principle, own=True, short_label=dict(label) if label else None))
    return items

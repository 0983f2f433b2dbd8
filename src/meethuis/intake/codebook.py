"""The measurement model: constructs, items, scales and labels, read from the packaged ``codebook.yml``.

Everything that names a question (reports, the handbook appendix, validation) goes through this module,
so the model is defined once. ``load_codebook()`` is cached; the returned objects are immutable.
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Iterable, Mapping

import yaml

from meethuis.common.errors import CodebookError

LANGUAGES = ("nl", "en")
ROLES = ("outcome", "driver", "context", "process", "journey")
STRENGTHS = ("same", "close", "partial")


@dataclass(frozen=True)
class Scale:
    """A response scale: integer codes from ``min`` to ``max`` with (partial) labels per language."""

    id: str
    min: int
    max: int
    kind: str  # grade, likert, nps; for own items also range (any integer span) and binary (0/1)
    labels: Mapping[str, Mapping[int, str]]
    positive: str | None = None  # text outcome: the answer that counts as 1 (every other answer is 0)

    @property
    def codes(self) -> range:
        return range(self.min, self.max + 1)

    def top2_threshold(self) -> int:
        """Lowest code counted in the top-2-box (4 on a 1-5 scale; 1 on a binary 0/1 scale)."""
        return self.max if self.kind == "binary" else self.max - 1

    def pomp(self, values):
        """Values as percentage of maximum possible (0-100): ``100 (x - min) / (max - min)``."""
        return (values - self.min) * (100.0 / (self.max - self.min))

    def span_text(self, lang: str = "nl") -> str:
        """``1–5``, ``0–10`` or, for a binary scale, ``0/1``."""
        return "0/1" if self.kind == "binary" else f"{self.min}\u2013{self.max}"


@dataclass(frozen=True)
class Item:
    """One question of the model (outcome or driver), or an organisation's own extra item."""

    id: str
    construct: str
    role: str
    scale: Scale
    core: bool
    wording: Mapping[str, str]
    principle: str | None = None
    own: bool = False  # an organisation's own extra item, not part of the shared model
    short_label: Mapping[str, str] | None = None  # label in tables and figures (own items)

    def label(self, lang: str = "nl") -> str:
        return self.wording.get(lang) or self.wording.get("nl") or self.id


@dataclass(frozen=True)
class Field:
    """A context or process field (not a scale question)."""

    id: str
    role: str
    kind: str
    label: Mapping[str, str]
    core: bool = False
    values: tuple[str, ...] | None = None
    value_labels: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    unit: Mapping[str, str] | None = None
    file: str | None = None  # journey fields: contacts, appointments or both
    required: bool = False  # journey fields that every mapped journey file must have
    question: Mapping[str, str] | None = None  # how a questionnaire asks it (context fields)
    answers: Mapping[str, Mapping[str, str]] = field(default_factory=dict)  # answer texts per value
    prefilled: bool = False  # filled in by the organisation (invitation link), not asked


@dataclass(frozen=True)
class Counterpart:
    """One row of the international crosswalk: a codebook id and its counterpart in one frame."""

    id: str  # codebook item or construct id
    framework: str  # a11, oecd_trust or cmt
    counterpart: str  # the frame's own key, e.g. "ease"
    strength: str  # same, close or partial


@dataclass(frozen=True)
class Codebook:
    """The whole measurement model; use the methods rather than the raw dictionaries."""

    version: str
    scales: Mapping[str, Scale]
    items: Mapping[str, Item]
    fields: Mapping[str, Field]
    constructs: Mapping[str, Mapping]
    principles: Mapping[str, Mapping]
    building_blocks: Mapping[str, Mapping]
    missing_codes: Mapping[str, Mapping]
    journey_measures: Mapping[str, Mapping] = field(default_factory=dict)
    digital_channels: tuple[str, ...] = ()
    crosswalk: Mapping[str, Mapping] = field(default_factory=dict)

    # -- lookups -------------------------------------------------------------------------------
    def item(self, item_id: str) -> Item:
        try:
            return self.items[item_id]
        except KeyError:
            raise CodebookError(
                f"unknown item '{item_id}'",
                hint=f"known items: {', '.join(self.items)}",
            ) from None

    def core_items(self) -> list[str]:
        """Ids of the mandatory core questions (outcomes and drivers)."""
        return [i.id for i in self.items.values() if i.core]

    def outcomes(self, core_only: bool = False) -> list[str]:
        return [i.id for i in self.items.values() if i.role == "outcome" and (i.core or not core_only)]

    def drivers(self, construct: str | None = None, core_only: bool = False) -> list[str]:
        """Driver ids, optionally of one family (``menselijke_maat`` or ``basis``)."""
        return [
            i.id
            for i in self.items.values()
            if i.role == "driver"
            and (construct is None or i.construct == construct)
            and (i.core or not core_only)
        ]

    def items_of(self, construct: str) -> list[str]:
        return [i.id for i in self.items.values() if i.construct == construct]

    def drivers_by_principle(self) -> dict[str, list[str]]:
        out: dict[str, list[str]] = {p: [] for p in self.principles}
        for i in self.items.values():
            if i.role == "driver" and i.principle:
                out[i.principle].append(i.id)
        return out

    def context_fields(self) -> list[str]:
        return [f.id for f in self.fields.values() if f.role == "context"]

    def breakdown_fields(self) -> list[str]:
        """Context fields whose categories are breakdowns in the report (kanaal, dienst, leeftijdsgroep, ...)."""
        return [f.id for f in self.fields.values() if f.role == "context" and f.kind == "category"]

    def process_fields(self) -> list[str]:
        return [f.id for f in self.fields.values() if f.role == "process"]

    def journey_fields(self, file: str | None = None) -> list[str]:
        """Fields of the contact log (``file="contacts"``) or appointments file (``"appointments"``), or all."""
        return [f.id for f in self.fields.values()
                if f.role == "journey" and (file is None or f.file in (file, "both"))]

    def measure_definition(self, measure: str, lang: str = "nl") -> str:
        """The definition of a journey measure (``kanaalmix``, ``herhaalcontact``, ...) in ``lang``."""
        _check_lang(lang)
        try:
            return self.journey_measures[measure]["definition"][lang]
        except KeyError:
            raise CodebookError(f"unknown journey measure '{measure}'",
                                hint=f"known: {', '.join(self.journey_measures)}") from None

    # -- labels --------------------------------------------------------------------------------
    def label(self, name: str, lang: str = "nl") -> str:
        """Short human label of an item, field, construct or principle in ``lang``."""
        _check_lang(lang)
        if name in self.fields:
            return self.fields[name].label.get(lang, name)
        for table in (self.constructs, self.principles, self.building_blocks):
            if name in table:
                return table[name]["label"].get(lang, name)
        if name in self.items:
            item = self.items[name]
            # own items keep their own label; shared outcomes use their construct label
            if item.short_label:
                return item.short_label.get(lang) or item.short_label.get("nl") or name
            if item.own:  # never a construct's (core) label; the id made readable
                return name.replace("_", " ").capitalize()
            if item.role == "outcome":
                return self.constructs[item.construct]["label"][lang]
            return _SHORT_LABELS.get(lang, {}).get(name, name.replace("_", " ").capitalize())
        return name.replace("_", " ")

    def wording(self, item_id: str, lang: str = "nl") -> str:
        _check_lang(lang)
        return self.item(item_id).label(lang)

    def value_label(self, field_id: str, value: str, lang: str = "nl") -> str:
        """Display label of a category value (e.g. ``kanaal`` ``balie`` -> ``Balie`` / ``Desk``)."""
        _check_lang(lang)
        f = self.fields.get(field_id)
        if f is None:
            return str(value)
        return f.value_labels.get(lang, {}).get(str(value), str(value))

    def with_constructs(self, constructs: Mapping[str, Mapping]) -> "Codebook":
        """A copy with an organisation's own constructs (driver families, own outcomes) added."""
        merged = dict(self.constructs)
        for cid, spec in constructs.items():
            if cid in merged:
                raise CodebookError(f"construct '{cid}' already exists in the shared model")
            merged[cid] = dict(spec)
        return replace(self, constructs=merged)  # keeps every other part (journeys, crosswalk)

    def with_fields(self, extra: Iterable[Field]) -> "Codebook":
        """A copy with an organisation's own fields (process measures under its own names) added."""
        fields = dict(self.fields)
        for f in extra:
            if f.id in fields or f.id in self.items:
                raise CodebookError(f"field '{f.id}' clashes with an id of the model",
                                    hint="give your own measure a distinct id")
            fields[f.id] = f
        return replace(self, fields=fields)

    def with_extra_items(self, extra: Iterable[Item]) -> "Codebook":
        """A copy of the model with an organisation's own items added (ids must be new)."""
        items = dict(self.items)
        for it in extra:
            if it.id in items or it.id in self.fields:
                raise CodebookError(
                    f"extra item '{it.id}' clashes with an id of the shared model",
                    hint="give your own item a distinct id, e.g. prefix it with your organisation",
                )
            items[it.id] = it
        return Codebook(
            self.version, self.scales, items, self.fields, self.constructs, self.principles,
            self.building_blocks, self.missing_codes, self.journey_measures, self.digital_channels,
            self.crosswalk,
        )

    # -- international crosswalk ---------------------------------------------------------------
    def counterparts(self, framework: str | None = None, strengths: Iterable[str] = STRENGTHS) -> list[Counterpart]:
        """Crosswalk rows in codebook order, optionally of one frame and only the given match strengths.

        Parameters
        ----------
        framework:
            ``"a11"``, ``"oecd_trust"`` or ``"cmt"``; ``None`` for all three.
        strengths:
            Which match strengths to keep (``same``, ``close``, ``partial``).

        Raises
        ------
        CodebookError
            For an unknown framework.
        """
        frames = self.crosswalk.get("frameworks", {})
        if framework is not None and framework not in frames:
            raise CodebookError(f"unknown crosswalk framework '{framework}'", hint=f"known: {', '.join(frames)}")
        keep = set(strengths)
        order = list(self.items) + [c for c in self.constructs if c not in self.items]
        matches = self.crosswalk.get("matches", {})
        rows = []
        for cid in sorted(matches, key=order.index):
            for fw, spec in matches[cid].items():
                if (framework is None or fw == framework) and spec["strength"] in keep:
                    rows.append(Counterpart(cid, fw, spec["counterpart"], spec["strength"]))
        return rows

    def counterpart_label(self, framework: str, counterpart: str, lang: str = "nl") -> str:
        """Reader label of a frame's counterpart (e.g. ``a11`` ``ease``) or of the frame itself (``counterpart=""``)."""
        _check_lang(lang)
        spec = self.crosswalk["frameworks"][framework]
        if not counterpart:
            return spec["label"][lang]
        return spec["counterparts"][counterpart][lang]

    def crosswalk_markdown(self, lang: str = "nl") -> str:
        """The crosswalk appendix (Markdown): one table row per outcome or driver, one column per frame."""
        _check_lang(lang)
        nl = lang == "nl"
        frames = list(self.crosswalk.get("frameworks", {}))
        strength = {k: v[lang] for k, v in self.crosswalk.get("strengths", {}).items()}
        lines = [
            "Gegenereerd uit de sectie `crosswalk` van `src/meethuis/intake/codebook.yml`. Per vraag staat de "
            "tegenhanger in elk kader met de sterkte van de overeenkomst: *gelijk* (zelfde idee en soort schaal), "
            "*dichtbij* (zelfde idee, andere formulering of schaal) of *gedeeltelijk* (overlappend idee)."
            if nl else
            "Generated from the `crosswalk` section of `src/meethuis/intake/codebook.yml`. For each question, its "
            "counterpart in each frame with the strength of the match: *same* (same idea and kind of scale), "
            "*close* (same idea, other wording or scale) or *partial* (overlapping idea).",
            "",
            "| " + ("vraag" if nl else "question") + " | "
            + " | ".join(self.counterpart_label(f, "", lang) for f in frames) + " |",
            "|---|" + "---|" * len(frames),
        ]
        by_id: dict[str, dict[str, Counterpart]] = {}
        for row in self.counterparts():
            by_id.setdefault(row.id, {})[row.framework] = row
        for cid, rows in by_id.items():
            cells = []
            for f in frames:
                r = rows.get(f)
                cells.append(f"{self.counterpart_label(f, r.counterpart, lang)} ({strength[r.strength]})" if r else "–")
            lines.append(f"| {self.label(cid, lang)} (`{cid}`) | " + " | ".join(cells) + " |")
        unmatched = [(f, k) for f in frames for k in self.crosswalk["frameworks"][f]["counterparts"]
                     if not any(r.framework == f and r.counterpart == k for r in self.counterparts())]
        if unmatched:
            lines += ["", ("Zonder tegenhanger in het meethuis: " if nl else "No counterpart in Meethuis: ")
                      + "; ".join(f"{self.counterpart_label(f, k, lang)} ({self.counterpart_label(f, '', lang)})"
                                  for f, k in unmatched) + "."]
        return "\n".join(lines) + "\n"

    # -- documentation -------------------------------------------------------------------------
    def to_markdown(self, lang: str = "nl") -> str:
        """The codebook reference page (Markdown) for the handbook appendix."""
        _check_lang(lang)
        nl = lang == "nl"
        lines = [
            f"# {'Codeboek' if nl else 'Codebook'} (versie {self.version})" if nl
            else f"# Codebook (version {self.version})",
            "",
            "Dit overzicht is gegenereerd uit `src/meethuis/intake/codebook.yml` met `meethuis codebook --format md`."
            if nl else
            "Generated from `src/meethuis/intake/codebook.yml` with `meethuis codebook --format md`.",
            "",
        ]
        role_titles = {
            "outcome": ("Uitkomsten (het dak)", "Outcomes (the roof)"),
            "driver": ("Drijfveren (de verdiepingen)", "Drivers (the floors)"),
        }
        head = ("| id | construct | principe | schaal | kern | vraag |" if nl
                else "| id | construct | principle | scale | core | question |")
        for role in ("outcome", "driver"):
            lines += [f"## {role_titles[role][0 if nl else 1]}", "", head, "|---|---|---|---|---|---|"]
            for it in self.items.values():
                if it.role != role or it.own:
                    continue
                principle = self.label(it.principle, lang) if it.principle else ""
                core = ("ja" if nl else "yes") if it.core else ("bouwsteen" if nl else "building block")
                lines.append(
                    f"| `{it.id}` | {self.label(it.construct, lang)} | {principle} | "
                    f"{it.scale.id} ({it.scale.min}–{it.scale.max}) | {core} | {it.label(lang)} |"
                )
            lines.append("")
        lines += [f"## {'Schalen' if nl else 'Scales'}", ""]
        for sc in self.scales.values():
            labels = "; ".join(f"{k} = {v}" for k, v in sc.labels.get(lang, {}).items())
            lines.append(f"- **{sc.id}** ({sc.min}–{sc.max}): {labels}")
        lines += ["", f"## {'Ontbrekende codes' if nl else 'Missing codes'}", ""]
        for code, spec in self.missing_codes.items():
            lines.append(f"- `{code}`: {spec['label'][lang]}")
        lines += ["", f"## {'Bouwstenen' if nl else 'Building blocks'}", ""]
        for bid, spec in self.building_blocks.items():
            lines.append(f"- `{bid}` ({spec['label'][lang]}): " + ", ".join(f"`{i}`" for i in spec["items"]))
        for role, title in (("context", ("Context", "Context")),
                            ("process", ("Procesgegevens (het fundament)", "Process data (the foundation)")),
                            ("journey", ("Klantreis: contactlog en afspraken", "Journeys: contact log and appointments"))):
            lines += ["", f"## {title[0 if nl else 1]}", "",
                      "| id | soort | waarden |" if nl else "| id | kind | values |", "|---|---|---|"]
            for f in self.fields.values():
                if f.role == role:
                    vals = ", ".join(f.values) if f.values else ""
                    lines.append(f"| `{f.id}` | {f.kind} | {vals} |")
        if self.journey_measures:
            lines += ["", f"## {'Klantreismaten' if nl else 'Journey measures'}", ""]
            for mid, spec in self.journey_measures.items():
                lines.append(f"- **{spec['label'][lang]}** (`{mid}`): {spec['definition'][lang]}")
        return "\n".join(lines) + "\n"


_SHORT_LABELS = {
    "nl": {
        "empathie": "Empathie", "meedenken": "Meedenken", "serieus_genomen": "Serieus genomen",
        "luisteren": "Luisteren", "vriendelijkheid": "Vriendelijkheid", "snelheid": "Snelheid",
        "juiste_informatie": "Juiste informatie", "duidelijkheid": "Duidelijkheid",
        "bereikbaarheid": "Bereikbaarheid", "deskundigheid": "Deskundigheid",
        "afspraken_nakomen": "Afspraken nakomen", "eenvoud_proces": "Eenvoudig proces",
        "transparantie": "Transparantie",
    },
    "en": {
        "empathie": "Empathy", "meedenken": "Thinking along", "serieus_genomen": "Taken seriously",
        "luisteren": "Listening", "vriendelijkheid": "Friendliness", "snelheid": "Speed",
        "juiste_informatie": "Correct information", "duidelijkheid": "Clarity",
        "bereikbaarheid": "Reachability", "deskundigheid": "Expertise",
        "afspraken_nakomen": "Keeping agreements", "eenvoud_proces": "Simple process",
        "transparantie": "Transparency",
    },
}


def _check_lang(lang: str) -> None:
    if lang not in LANGUAGES:
        raise CodebookError(f"unknown language '{lang}'", hint="use 'nl' or 'en'")


def _parse(raw: dict, source: str) -> Codebook:
    def need(mapping: dict, key: str, where: str):
        if key not in mapping:
            raise CodebookError(f"missing key '{key}'", file=source, key=where)
        return mapping[key]

    if not isinstance(raw, dict):
        raise CodebookError("the codebook must be a YAML mapping", file=source)
    scales = {}
    for sid, spec in need(raw, "scales", "scales").items():
        where = f"scales.{sid}"
        try:
            lo, hi = int(need(spec, "min", where)), int(need(spec, "max", where))
            labels = {lang: {int(k): str(v) for k, v in (spec.get("labels") or {}).get(lang, {}).items()}
                      for lang in LANGUAGES}
        except (TypeError, ValueError):
            raise CodebookError(f"scale '{sid}' needs whole-number min, max and label codes", file=source,
                                key=where) from None
        if lo >= hi:
            raise CodebookError(f"scale '{sid}' has min {lo} not below max {hi}", file=source, key=where)
        for lang, lab in labels.items():
            outside = [k for k in lab if not lo <= k <= hi]
            if outside:
                raise CodebookError(f"scale '{sid}' labels code {outside[0]} outside {lo}-{hi}", file=source,
                                    key=f"{where}.labels.{lang}")
        scales[sid] = Scale(sid, lo, hi, spec.get("kind", "likert"), labels)
    constructs = need(raw, "constructs", "constructs")
    principles = need(raw, "principles", "principles")
    items: dict[str, Item] = {}
    for n, spec in enumerate(need(raw, "items", "items")):
        where = f"items[{n}]"
        iid = need(spec, "id", where)
        if iid in items:
            raise CodebookError(f"duplicate item id '{iid}'", file=source, key=where)
        construct = need(spec, "construct", where)
        if construct not in constructs:
            raise CodebookError(f"item '{iid}' refers to unknown construct '{construct}'", file=source, key=where)
        scale = need(spec, "scale", where)
        if scale not in scales:
            raise CodebookError(f"item '{iid}' refers to unknown scale '{scale}'", file=source, key=where)
        principle = spec.get("principle")
        if principle is not None and principle not in principles:
            raise CodebookError(f"item '{iid}' refers to unknown principle '{principle}'", file=source, key=where)
        wording = dict(need(spec, "wording", where))
        absent = [lang for lang in LANGUAGES if not str(wording.get(lang) or "").strip()]
        if absent:
            raise CodebookError(f"item '{iid}' has no wording in {', '.join(absent)}", file=source,
                                key=f"{where}.wording", hint="every item needs its question in nl and en")
        role = constructs[construct].get("role") if isinstance(constructs[construct], dict) else None
        if role not in ROLES:
            raise CodebookError(f"construct '{construct}' has unknown role {role!r}", file=source,
                                key=f"constructs.{construct}", hint=f"use one of {', '.join(ROLES)}")
        if role == "driver" and principle is None:
            raise CodebookError(f"driver '{iid}' has no service principle", file=source, key=where,
                                hint=f"add principle: one of {', '.join(principles)}")
        items[iid] = Item(
            id=iid, construct=construct, role=role, scale=scales[scale],
            core=bool(spec.get("core", False)), wording=wording, principle=principle,
        )
    fields: dict[str, Field] = {}
    for role in ("context", "process", "journey"):
        for n, spec in enumerate(raw.get(role, [])):
            fid = need(spec, "id", f"{role}[{n}]")
            if fid in fields or fid in items:
                raise CodebookError(f"duplicate id '{fid}'", file=source, key=f"{role}[{n}]")
            fields[fid] = Field(
                id=fid, role=role, kind=spec.get("kind", "category"), label=dict(spec.get("label", {})),
                core=bool(spec.get("core", False)),
                values=tuple(str(v) for v in spec["values"]) if spec.get("values") else None,
                value_labels={k: dict(v) for k, v in spec.get("value_labels", {}).items()},
                unit=spec.get("unit"), file=spec.get("file"), required=bool(spec.get("required", False)),
                question=dict(spec["question"]) if spec.get("question") else None,
                answers={k: {str(a): str(b) for a, b in v.items()} for k, v in (spec.get("answers") or {}).items()},
                prefilled=bool(spec.get("prefilled", False)),
            )
    blocks = raw.get("building_blocks", {})
    for bid, spec in blocks.items():
        for iid in spec.get("items", []):
            if iid not in items:
                raise CodebookError(f"building block '{bid}' lists unknown item '{iid}'", file=source,
                                    key=f"building_blocks.{bid}")
    crosswalk = raw.get("crosswalk") or {}
    _check_crosswalk(crosswalk, items, constructs, source)
    return Codebook(
        version=str(raw.get("version", "0")), scales=scales, items=items, fields=fields,
        constructs=constructs, principles=principles, building_blocks=blocks,
        missing_codes=raw.get("missing_codes", {}), crosswalk=crosswalk,
        journey_measures=raw.get("journey_measures", {}),
        digital_channels=tuple(str(c) for c in raw.get("digital_channels", ())),
    )


def _check_crosswalk(crosswalk: Mapping, items: Mapping, constructs: Mapping, source: str) -> None:
    """Every match names a known item or construct, a known frame, one of its counterparts and a strength."""
    frames = crosswalk.get("frameworks", {})
    for cid, per_frame in (crosswalk.get("matches") or {}).items():
        where = f"crosswalk.matches.{cid}"
        if cid not in items and cid not in constructs:
            raise CodebookError(f"crosswalk names unknown item or construct '{cid}'", file=source, key=where)
        for fw, spec in per_frame.items():
            if fw not in frames:
                raise CodebookError(f"crosswalk frame '{fw}' is not listed under crosswalk.frameworks",
                                    file=source, key=f"{where}.{fw}")
            if spec.get("counterpart") not in frames[fw].get("counterparts", {}):
                raise CodebookError(f"'{spec.get('counterpart')}' is not a counterpart of frame '{fw}'",
                                    file=source, key=f"{where}.{fw}",
                                    hint=f"known: {', '.join(frames[fw].get('counterparts', {}))}")
            if spec.get("strength") not in STRENGTHS:
                raise CodebookError(f"match strength {spec.get('strength')!r} unknown", file=source,
                                    key=f"{where}.{fw}", hint="use same, close or partial")


def load_codebook(path: str | Path | None = None) -> Codebook:
    """Load the measurement model (the packaged one unless ``path`` is given)."""
    if path is None:
        return _packaged()
    path = Path(path)
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise CodebookError(f"cannot read codebook: {exc.strerror}", file=str(path)) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise CodebookError(f"not valid YAML: {getattr(exc, 'problem', exc)}", file=str(path),
                            row=mark.line + 1 if mark else None) from None
    return _parse(raw, str(path))


@lru_cache(maxsize=1)
def _packaged() -> Codebook:
    text = resources.files("meethuis.intake").joinpath("codebook.yml").read_text(encoding="utf-8")
    return _parse(yaml.safe_load(text), "codebook.yml")

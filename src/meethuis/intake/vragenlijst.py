"""The organisation's questionnaire, built from the codebook and its config, for LimeSurvey, XLSForm and paper.

``build_questionnaire(config)`` turns the mandatory core, the switched-on building blocks, the organisation's own
items and the context questions into a :class:`Questionnaire` (groups of questions with stable codes derived from
codebook ids). Writers render it as a LimeSurvey tab-separated survey structure (``.txt``, the documented import
format with S/SL/G/Q/SQ/A rows), an XLSForm (``survey``/``choices``/``settings`` sheets, for KoboToolbox or ODK) and
an accessible HTML/print version. ``roundtrip_config`` writes the organisation config that maps the tool's response
export back onto the codebook, and ``design_checks`` lists what to reconsider before fielding.
"""
from __future__ import annotations

import csv
import html
import io
import os
import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, Iterable, Mapping

import numpy as np
import pandas as pd
import yaml

from meethuis.common.errors import ConfigError
from meethuis.intake.codebook import Codebook, Item
from meethuis.intake.config import OrgConfig

FORMATS = ("limesurvey", "xlsform", "html")
SUFFIX = {"limesurvey": ".txt", "xlsform": ".xlsx", "html": ".html"}
OTHER_LANG = {"nl": "en", "en": "nl"}
LANG_NAMES = {"nl": "Nederlands", "en": "English"}
MISSING_ANSWERS = (("nvt", "nvt"), ("wn", "weet_niet"))  # answer code in the tool -> missing token
# Rough seconds per question for the completion-time estimate (rule of thumb for self-completion on screen:
# a statement in a grid takes less than a separate question; an open answer takes most).
SECONDS = {"list": 8, "array": 6, "text": 45, "hidden": 0}
INTRO_SECONDS = 20
MAX_SENTENCE_WORDS = 15  # B1: short sentences
LONG_WORD = 18  # letters; long compounds are hard to read
JARGON = (
    "aanvraagprocedure", "adequaat", "conform", "derhalve", "dienaangaande", "doch", "faciliteren", "indien",
    "inzake", "middels", "mits", "omtrent", "respectievelijk", "teneinde", "ten behoeve van", "terzake", "thans",
    "verstrekken", "vigerend", "woonachtig", "zulks", "alsmede", "desalniettemin", "onderhavig", "voornoemd",
)
LS_COLUMNS = ("id", "related_id", "class", "type/scale", "name", "relevance", "text", "help", "language",
              "validation", "mandatory", "other", "default", "same_default", "hidden")


# --------------------------------------------------------------------------------------------------
# Model of a questionnaire
# --------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Answer:
    """One answer option: the code the tool stores, the codebook value it means, its text per language."""

    code: str
    value: Any
    label: Mapping[str, str]


@dataclass(frozen=True)
class Question:
    """One question (or one statement of a grid) with its stable tool code and the codebook id it maps to."""

    id: str  # codebook id (column name downstream)
    code: str  # LimeSurvey-safe code, derived from the id (letters and digits, at most 20)
    kind: str  # list, array (a statement in a grid), text (open answer) or hidden (filled in by the organisation)
    text: Mapping[str, str]
    answers: tuple[Answer, ...] = ()
    construct: str = "context"
    core: bool = False
    own: bool = False
    scale: str | None = None
    array: str | None = None  # code of the grid this statement belongs to


@dataclass(frozen=True)
class Group:
    """A page of the questionnaire; ``stems`` holds the instruction above each grid (by grid code)."""

    code: str
    title: Mapping[str, str]
    questions: tuple[Question, ...]
    stems: Mapping[str, Mapping[str, str]] = field(default_factory=dict)


@dataclass(frozen=True)
class Questionnaire:
    """The organisation's questionnaire: groups in order, plus what is needed to map the export back."""

    org_id: str
    name: str
    lang: str
    groups: tuple[Group, ...]
    config: Any = field(default=None, repr=False)

    def questions(self, visible: bool = False) -> list[Question]:
        """All questions in order (``visible=True``: without the prefilled hidden fields)."""
        return [q for g in self.groups for q in g.questions if not (visible and q.kind == "hidden")]

    def estimated_minutes(self) -> int:
        """Estimated completion time in whole minutes (rounded up), from :data:`SECONDS` per question."""
        seconds = INTRO_SECONDS + sum(SECONDS[q.kind] for q in self.questions())
        return int(-(-seconds // 60))


@dataclass(frozen=True)
class DesignCheck:
    """A finding about the questionnaire's design: ``info`` or ``warning``, with text and hint in nl and en."""

    kind: str  # length, mixed_scales, core_missing, open_questions, wording
    severity: str
    message: Mapping[str, str]
    hint: Mapping[str, str] = field(default_factory=dict)
    item: str | None = None

    def text(self, lang: str = "nl") -> str:
        hint = self.hint.get(lang)
        return self.message[lang] + (f" ({hint})" if hint else "")


# --------------------------------------------------------------------------------------------------
# Building
# --------------------------------------------------------------------------------------------------
def tool_code(identifier: str) -> str:
    """The LimeSurvey code of a codebook id: camelCase letters and digits, at most 20 (``serieus_genomen`` ->
    ``serieusGenomen``)."""
    parts = [p for p in re.split(r"[^A-Za-z0-9]+", identifier) if p]
    code = (parts[0].lower() + "".join(p[:1].upper() + p[1:].lower() for p in parts[1:])) if parts else "q"
    if not code[0].isalpha():
        code = "q" + code
    return code[:20]


def _both(spec: Mapping[str, str] | None, fallback: str = "") -> dict[str, str]:
    spec = dict(spec or {})
    nl = str(spec.get("nl") or spec.get("en") or fallback)
    return {"nl": nl, "en": str(spec.get("en") or nl)}


def _scale_answers(item: Item, cb: Codebook) -> tuple[Answer, ...]:
    sc = item.scale
    out = []
    for code in sc.codes:
        label = {}
        for lang in ("nl", "en"):
            text = sc.labels.get(lang, {}).get(code)
            label[lang] = (f"{code} {text}" if sc.kind in ("grade", "nps") else text) if text else str(code)
        out.append(Answer(str(code), code, label))
    if sc.kind == "likert":
        for code, token in MISSING_ANSWERS:
            out.append(Answer(code, token, _both(cb.missing_codes[token]["label"])))
    return tuple(out)


def _item_question(item: Item, cb: Codebook, array: str | None) -> Question:
    kind = "array" if array else "list"
    return Question(id=item.id, code=tool_code(item.id), kind=kind, text=_both(item.wording, item.id),
                    answers=_scale_answers(item, cb), construct=item.construct, core=item.core, own=item.own,
                    scale=item.scale.id, array=array)


def _field_question(fid: str, cb: Codebook, kind: str | None = None, code: str | None = None) -> Question:
    f = cb.fields[fid]
    text = _both(f.question, f.label.get("nl", fid))
    answers: tuple[Answer, ...] = ()
    if kind is None:
        kind = "hidden" if f.prefilled else ("text" if f.kind == "text" else "list")
    if kind == "list" and f.values:
        answers = tuple(Answer(str(n), v, {lang: f.answers.get(lang, {}).get(v)
                                           or f.value_labels.get(lang, {}).get(v) or v for lang in ("nl", "en")})
                        for n, v in enumerate(f.values, start=1))
    elif kind == "list":
        kind = "hidden"  # no fixed categories (e.g. dienst): the organisation fills it in
    return Question(id=fid, code=code or tool_code(fid), kind=kind, text=text, answers=answers,
                    construct="context", core=f.core)


def _items_block(items: list[Item], cb: Codebook, grid_code: str) -> tuple[list[Question], dict]:
    """Statements on the same 1-5 scale form one grid (the most common scale first); others are single questions."""
    likert = [i for i in items if i.scale.kind == "likert"]
    scales = [s for s in dict.fromkeys(i.scale.id for i in likert)]
    scales.sort(key=lambda s: -sum(i.scale.id == s for i in likert))
    grids = {}
    for n, s in enumerate(scales):
        members = [i for i in likert if i.scale.id == s]
        if len(members) >= 2:
            grids[s] = grid_code if n == 0 else f"{grid_code}{n + 1}"
    questions = [_item_question(i, cb, grids.get(i.scale.id) if i.scale.kind == "likert" else None) for i in items]
    stems = {}
    for s, code in grids.items():
        stems[code] = ({"nl": "Geef aan hoeveel moeite het u kostte.", "en": "Please indicate how much effort it took."}
                       if cb.scales[s].labels.get("nl", {}).get(1, "").endswith("moeite") else
                       {"nl": "In hoeverre bent u het eens met deze uitspraken?",
                        "en": "To what extent do you agree with these statements?"})
    return questions, stems


def build_questionnaire(config: OrgConfig, lang: str | None = None) -> Questionnaire:
    """The organisation's questionnaire: core, its building blocks, its own items and the context questions.

    Parameters
    ----------
    config:
        The organisation's :class:`~meethuis.intake.config.OrgConfig`.
    lang:
        Main language (``"nl"`` or ``"en"``; default the config's). Every format carries both languages.

    Returns
    -------
    Questionnaire

    Raises
    ------
    ConfigError
        When two questions would get the same tool code (rename an own item).
    """
    cb: Codebook = config.codebook
    lang = lang or config.lang
    in_use = [cb.items[i] for i in config.items_in_use()]
    outcomes = [i for i in in_use if i.role == "outcome"]
    groups = []
    # 1. the overall judgement: grade (and NPS) first, then the outcome statements
    single = [i for i in outcomes if i.scale.kind in ("grade", "nps")]
    qs, stems = _items_block([i for i in outcomes if i not in single], cb, "uitkomsten")
    groups.append(Group("oordeel", {"nl": "Uw oordeel", "en": "Your judgement"},
                        tuple(_item_question(i, cb, None) for i in single) + tuple(qs), stems))
    # 2. one page per driver family (the floors of the house)
    for construct in [c for c, spec in cb.constructs.items() if spec.get("role") == "driver"]:
        items = [i for i in in_use if i.construct == construct]
        if items:
            qs, stems = _items_block(items, cb, tool_code(construct))
            groups.append(Group(tool_code(construct), _both(cb.constructs[construct]["label"]), tuple(qs), stems))
    # 3. about the contact and the respondent; the open question last
    context = []
    for fid in ("kanaal", "contact_type", "leeftijdsgroep", "digitale_vaardigheid"):
        if fid in cb.fields and (cb.fields[fid].core or fid in config.columns):
            context.append(_field_question(fid, cb))
    if "open_antwoord" in config.columns or "open_antwoord" not in cb.fields:
        context.append(_field_question("open_antwoord", cb))
    context.append(_field_question("dienst", cb, kind="hidden"))
    if config.process is not None:
        context.append(Question(id="zaak_sleutel", code="zaak", kind="hidden",
                                text=_both(cb.fields["zaak_sleutel"].label), construct="context"))
    groups.append(Group("overU", {"nl": "Over uw contact en over u", "en": "About your contact and about you"},
                        tuple(context)))
    q = Questionnaire(config.id, config.name, lang, tuple(groups), config)
    _check_codes(q, config)
    return q


def _check_codes(q: Questionnaire, config: OrgConfig) -> None:
    seen: dict[str, str] = {}
    codes = [(x.code, x.id) for x in q.questions()] + [(g, f"grid {g}") for grp in q.groups for g in grp.stems]
    for code, ident in codes:
        if code.lower() in seen and seen[code.lower()] != ident:
            raise ConfigError(f"questions '{seen[code.lower()]}' and '{ident}' get the same survey code '{code}'",
                              file=str(config.path), key="extra_items",
                              hint="give your own item an id that differs in more than underscores or case")
        seen[code.lower()] = ident


# --------------------------------------------------------------------------------------------------
# Design checks
# --------------------------------------------------------------------------------------------------
def wording_problems(text: str) -> list[tuple[str, str]]:
    """Simple B1 heuristics for one statement: ``(nl, en)`` descriptions of long sentences, long or bureaucratic
    words, a statement that asks two things at once, or a negation (hard to disagree with)."""
    found = []
    for sentence in [s for s in re.split(r"(?<=[.?!;])\s+", text.strip()) if s]:
        words = re.findall(r"[\w'-]+", sentence)
        if len(words) > MAX_SENTENCE_WORDS:
            found.append((f"zin van {len(words)} woorden (B1: hooguit {MAX_SENTENCE_WORDS})",
                          f"sentence of {len(words)} words (plain language: at most {MAX_SENTENCE_WORDS})"))
    lower = f" {text.lower()} "
    long_words = [w for w in re.findall(r"\w+", text) if len(w) >= LONG_WORD]
    if long_words:
        found.append((f"lang woord '{long_words[0]}'", f"long word '{long_words[0]}'"))
    jargon = [j for j in JARGON if re.search(rf"\b{re.escape(j)}\b", lower)]
    if jargon:
        found.append((f"ambtelijk woord '{jargon[0]}'", f"bureaucratic word '{jargon[0]}'"))
    if re.search(r"\b(en|of|en/of)\b", lower) or text.count("?") > 1:
        found.append(("vraagt mogelijk naar twee dingen tegelijk ('en'/'of')",
                      "may ask about two things at once ('and'/'or')"))
    if re.search(r"\b(niet|geen|nooit)\b", lower):
        found.append(("ontkenning in de stelling (oneens wordt een dubbele ontkenning)",
                      "negation in the statement (disagreeing becomes a double negative)"))
    return found


def design_checks(questionnaire: Questionnaire) -> list[DesignCheck]:
    """Checks of a questionnaire before fielding: length and time, mixed scales within a page, missing core items,
    more than one open question, and the wording of the organisation's own items (B1 heuristics).

    Returns
    -------
    list[DesignCheck]
        First the ``info`` line with the number of questions and minutes, then the warnings.
    """
    q = questionnaire
    cb: Codebook = q.config.codebook
    visible = q.questions(visible=True)
    minutes = q.estimated_minutes()
    out = [DesignCheck("length", "info",
                       {"nl": f"{len(visible)} vragen, invullen duurt ongeveer {minutes} minuten",
                        "en": f"{len(visible)} questions, about {minutes} minutes to complete"})]
    if minutes > 7:
        out.append(DesignCheck("length", "warning",
                               {"nl": f"de vragenlijst duurt ongeveer {minutes} minuten",
                                "en": f"the questionnaire takes about {minutes} minutes"},
                               {"nl": "houd hem onder 7 minuten; elke extra vraag kost respons",
                                "en": "keep it under 7 minutes; every extra question costs responses"}))
    for g in q.groups:
        core_scales = {x.scale for x in g.questions if x.core and x.scale}
        for x in g.questions:
            if x.own and x.scale and core_scales and x.scale not in core_scales:
                out.append(DesignCheck(
                    "mixed_scales", "warning",
                    {"nl": f"eigen vraag '{x.id}' gebruikt schaal {x.scale} op de pagina '{g.title['nl']}', "
                           f"waar de kern {', '.join(sorted(core_scales))} gebruikt",
                     "en": f"own item '{x.id}' uses scale {x.scale} on the page '{g.title['en']}', where the core "
                           f"uses {', '.join(sorted(core_scales))}"},
                    {"nl": "gebruik binnen één blok één schaal, anders leest men de antwoorden verkeerd",
                     "en": "use one scale within a block, or people misread the answer options"}, x.id))
    present = {x.id for x in q.questions()}
    missing = [i for i in cb.core_items() if i not in present]
    if missing:
        out.append(DesignCheck("core_missing", "warning",
                               {"nl": f"kernvragen ontbreken: {', '.join(missing)}",
                                "en": f"core questions missing: {', '.join(missing)}"},
                               {"nl": "zonder de hele kern kunt u zich niet vergelijken met andere organisaties",
                                "en": "without the whole core you cannot benchmark against other organisations"}))
    open_questions = [x.id for x in visible if x.kind == "text"]
    if len(open_questions) > 1:
        out.append(DesignCheck("open_questions", "warning",
                               {"nl": f"{len(open_questions)} open vragen ({', '.join(open_questions)})",
                                "en": f"{len(open_questions)} open questions ({', '.join(open_questions)})"},
                               {"nl": "één open vraag is genoeg; open vragen kosten de meeste tijd",
                                "en": "one open question is enough; open questions take the most time"}))
    for x in visible:
        if not x.own:
            continue
        for lang_text in {x.text["nl"]}:
            for nl, en in wording_problems(lang_text):
                out.append(DesignCheck("wording", "warning",
                                       {"nl": f"eigen vraag '{x.id}': {nl}", "en": f"own item '{x.id}': {en}"},
                                       {"nl": "maak de zin korter en eenvoudiger; vraag één ding per stelling",
                                        "en": "make it shorter and simpler; ask one thing per statement"}, x.id))
    return out


def checks_text(checks: Iterable[DesignCheck], lang: str = "nl") -> str:
    """The design checks as plain text lines for the command line."""
    checks = list(checks)
    warnings = [c for c in checks if c.severity == "warning"]
    head = "Ontwerpcontrole vragenlijst" if lang == "nl" else "Questionnaire design check"
    lines = [f"{head}: " + "; ".join(c.text(lang) for c in checks if c.severity == "info")]
    if warnings:
        label = "waarschuwing" if lang == "nl" else "warning"
        lines += [f"- {label}: {c.text(lang)}" for c in warnings]
    else:
        lines.append("- " + ("geen waarschuwingen" if lang == "nl" else "no warnings"))
    return "\n".join(lines) + "\n"


# --------------------------------------------------------------------------------------------------
# LimeSurvey (tab-separated survey structure)
# --------------------------------------------------------------------------------------------------
def _intro(q: Questionnaire, lang: str) -> str:
    m = q.estimated_minutes()
    if lang == "nl":
        return (f"Wij willen graag weten hoe u het contact met {q.name} hebt ervaren. Invullen duurt ongeveer {m} "
                "minuten. Er zijn geen goede of foute antwoorden. Past een vraag niet bij u? Kies dan "
                "'niet van toepassing' of 'weet niet'.")
    return (f"We would like to know how you experienced your contact with {q.name}. Filling in takes about {m} "
            "minutes. There are no right or wrong answers. If a question does not fit, choose 'not applicable' or "
            "'don't know'.")


def _end(lang: str) -> str:
    return ("Hartelijk dank voor uw antwoorden. Wij gebruiken ze om onze dienstverlening te verbeteren."
            if lang == "nl" else "Thank you for your answers. We use them to improve our services.")


def _help(x: Question, lang: str) -> str:
    if x.kind == "hidden":
        return ("Wordt ingevuld via de uitnodigingslink (parameter '" + x.code + "'); niet zichtbaar."
                if lang == "nl" else "Filled in through the invitation link (parameter '" + x.code + "'); hidden.")
    return ""


def limesurvey_rows(q: Questionnaire) -> list[dict[str, str]]:
    """The rows of the LimeSurvey tab-separated survey structure (base language first, then the other one)."""
    base, other = q.lang, OTHER_LANG[q.lang]
    rows: list[dict[str, str]] = []

    def row(**kw: Any) -> None:
        rows.append({k: "" if v is None else str(v) for k, v in kw.items()})

    for name, value in (("language", base), ("additional_languages", other), ("format", "G"),
                        ("datestamp", "Y"), ("anonymized", "Y"), ("ipaddr", "N"), ("refurl", "N"),
                        ("showprogress", "Y"), ("allowprev", "Y"), ("shownoanswer", "N"), ("showwelcome", "Y"),
                        ("questionindex", "0"), ("showqnumcode", "N")):
        row(**{"class": "S", "name": name, "text": value})
    for lang in (base, other):
        title = (f"Uw ervaring met {q.name}" if lang == "nl" else f"Your experience with {q.name}")
        for name, value in (("surveyls_title", title), ("surveyls_description", ""),
                            ("surveyls_welcometext", _intro(q, lang)), ("surveyls_endtext", _end(lang))):
            row(**{"class": "SL", "name": name, "text": value, "language": lang})
    for lang in (base, other):
        qid = 0
        for gid, g in enumerate(q.groups, start=1):
            row(**{"id": gid, "class": "G", "type/scale": 0, "name": g.title[lang], "relevance": 1, "language": lang})
            done: set[str] = set()
            for x in g.questions:
                if x.array:
                    if x.array in done:
                        continue
                    done.add(x.array)
                    members = [y for y in g.questions if y.array == x.array]
                    qid += 1
                    parent = qid
                    row(**{"id": parent, "class": "Q", "type/scale": "F", "name": x.array, "relevance": 1,
                           "text": g.stems[x.array][lang], "language": lang, "mandatory": "N", "other": "N",
                           "same_default": 0})
                    for y in members:
                        qid += 1
                        row(**{"id": qid, "class": "SQ", "type/scale": 0, "name": y.code, "text": y.text[lang],
                               "language": lang})
                    for a in x.answers:
                        row(**{"id": parent, "class": "A", "type/scale": 0, "name": a.code, "text": a.label[lang],
                               "language": lang})
                    continue
                qid += 1
                kind = {"list": "L", "text": "T", "hidden": "S"}[x.kind]
                row(**{"id": qid, "class": "Q", "type/scale": kind, "name": x.code, "relevance": 1,
                       "text": x.text[lang], "help": _help(x, lang), "language": lang, "mandatory": "N",
                       "other": "N", "same_default": 0, "hidden": 1 if x.kind == "hidden" else ""})
                for a in x.answers:
                    row(**{"id": qid, "class": "A", "type/scale": 0, "name": a.code, "text": a.label[lang],
                           "language": lang})
    return rows


def limesurvey_text(q: Questionnaire) -> str:
    """The LimeSurvey import file (tab-separated, quoted where needed, UTF-8 with BOM like LimeSurvey's export)."""
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=LS_COLUMNS, delimiter="\t", lineterminator="\n",
                            quoting=csv.QUOTE_MINIMAL, extrasaction="raise")
    writer.writeheader()
    for r in limesurvey_rows(q):
        writer.writerow({c: r.get(c, "") for c in LS_COLUMNS})
    return "\ufeff" + buf.getvalue()


def limesurvey_column(x: Question) -> str:
    """Column of a question in LimeSurvey's response export with question codes (``grid[statement]``)."""
    return f"{x.array}[{x.code}]" if x.array else x.code


# --------------------------------------------------------------------------------------------------
# XLSForm (KoboToolbox / ODK)
# --------------------------------------------------------------------------------------------------
def _label_columns(kind: str) -> list[str]:
    return [f"{kind}::{LANG_NAMES[lang]} ({lang})" for lang in ("nl", "en")]


def _list_name(x: Question) -> str:
    return x.scale if x.scale else x.id


def xlsform_sheets(q: Questionnaire) -> dict[str, list[list[Any]]]:
    """The three XLSForm sheets as lists of rows (first row the header)."""
    labels, hints = _label_columns("label"), _label_columns("hint")
    survey = [["type", "name", *labels, *hints, "appearance", "required"],
              ["start", "start", "", "", "", "", "", ""], ["end", "end", "", "", "", "", "", ""],
              ["today", "today", "", "", "", "", "", ""]]
    choices: list[list[Any]] = [["list_name", "name", *labels]]
    lists_done: set[str] = set()

    def add_list(x: Question) -> str:
        name = _list_name(x)
        if name not in lists_done:
            lists_done.add(name)
            for a in x.answers:
                choices.append([name, a.code, a.label["nl"], a.label["en"]])
        return name

    def text(mapping: Mapping[str, str]) -> list[str]:
        return [mapping["nl"], mapping["en"]]

    for g in q.groups:
        done: set[str] = set()
        loose = [x for x in g.questions if not x.array]
        chunks: list[tuple[str, Any]] = []
        for x in g.questions:
            if x.array and x.array not in done:
                done.add(x.array)
                chunks.append(("grid", x.array))
        first_grid_at = next((n for n, x in enumerate(g.questions) if x.array), len(g.questions))
        before = [x for x in loose if g.questions.index(x) < first_grid_at]
        after = [x for x in loose if g.questions.index(x) >= first_grid_at]
        for part, members in (("a", before), ("grids", None), ("b", after)):
            if part == "grids":
                for _, grid in chunks:
                    rows = [x for x in g.questions if x.array == grid]
                    list_name = add_list(rows[0])
                    survey.append(["begin_group", f"{_snake(grid)}_tabel", *text(g.stems[grid]), "", "",
                                   "table-list", ""])
                    for x in rows:
                        survey.append([f"select_one {list_name}", x.id, *text(x.text), "", "", "", ""])
                    survey.append(["end_group", "", "", "", "", "", "", ""])
                continue
            shown = [x for x in members if x.kind != "hidden"]
            if shown:
                survey.append(["begin_group", f"{_snake(g.code)}_{part}", *text(g.title), "", "", "field-list", ""])
                for x in shown:
                    if x.kind == "text":
                        survey.append(["text", x.id, *text(x.text), "", "", "multiline", ""])
                    else:
                        survey.append([f"select_one {add_list(x)}", x.id, *text(x.text), "", "", "", ""])
                survey.append(["end_group", "", "", "", "", "", "", ""])
            for x in members:
                if x.kind == "hidden":
                    survey.append(["hidden", x.id, *text(x.text), "", "", "", ""])
    settings = [["form_title", "form_id", "version", "default_language"],
                [f"{'Uw ervaring met' if q.lang == 'nl' else 'Your experience with'} {q.name}",
                 f"meethuis_{q.org_id}".replace("-", "_"), q.config.codebook.version.replace(".", ""),
                 f"{LANG_NAMES[q.lang]} ({q.lang})"]]
    return {"survey": survey, "choices": choices, "settings": settings}


def _snake(code: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", code).lower()


def xlsform_bytes(q: Questionnaire) -> bytes:
    """The XLSForm as an ``.xlsx`` file (openpyxl; fixed document dates so the bytes do not depend on the day)."""
    from openpyxl import Workbook

    wb = Workbook()
    wb.remove(wb.active)
    for name, rows in xlsform_sheets(q).items():
        ws = wb.create_sheet(name)
        for r in rows:
            ws.append(r)
    stamp = datetime(2026, 1, 1)
    wb.properties.created = wb.properties.modified = stamp
    wb.properties.creator = "meethuis"
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def xlsform_column(x: Question) -> str:
    """Column of a question in a KoboToolbox export (XML values and headers, without group names)."""
    return x.id


# --------------------------------------------------------------------------------------------------
# HTML / print
# --------------------------------------------------------------------------------------------------
_CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI",Arial,sans-serif;font-size:1.05rem;line-height:1.5;color:#1a1a1a;
background:#fff;max-width:52rem;margin:0 auto;padding:1.5rem}
h1{font-size:1.6rem;margin:.2rem 0 .6rem}h2{font-size:1.25rem;border-bottom:2px solid #1a1a1a;margin-top:2rem}
fieldset{border:1px solid #767676;border-radius:6px;margin:1rem 0;padding:.6rem 1rem;break-inside:avoid}
legend{font-weight:600;padding:0 .3rem}.meta{font-size:.85rem;color:#444;margin:.2rem 0 .4rem}
.kern{background:#e6f0ff;color:#0b3d91;border-radius:4px;padding:0 .35rem;font-weight:600}
.eigen{background:#fff4d6;color:#6b4700;border-radius:4px;padding:0 .35rem;font-weight:600}
ul.opties{list-style:none;padding:0;margin:.2rem 0;display:flex;flex-wrap:wrap;gap:.3rem 1.2rem}
.vak{display:inline-block;width:1.05em;height:1.05em;border:1.5px solid #1a1a1a;border-radius:50%;
vertical-align:-.15em;margin-right:.35rem}
.tabel{overflow-x:auto;margin:.5rem 0}.tabel:focus{outline:2px solid #0b3d91}
caption{text-align:left;font-weight:600;padding:.3rem 0}
table{border-collapse:collapse;width:100%;min-width:34rem;break-inside:avoid}
th,td{border:1px solid #767676;padding:.35rem;text-align:center;font-size:.95rem}
th[scope=row]{text-align:left;font-weight:400;width:40%}td.apart{border-left:3px double #1a1a1a}
thead th{font-size:.85rem;vertical-align:bottom}
.schrijf{border:1px solid #767676;min-height:6rem;border-radius:6px}
.intro{background:#f3f3f3;padding:.8rem 1rem;border-radius:6px}
.controle li{margin:.2rem 0}
@media print{body{font-size:11pt;max-width:none;padding:0}h2{break-after:avoid}.scherm{display:none}}
"""


def _apart(a: Answer) -> str:
    return ' class="apart"' if a.code == MISSING_ANSWERS[0][0] else ""


def _e(text: Any) -> str:
    return html.escape(str(text), quote=True)


def questionnaire_html(q: Questionnaire, lang: str | None = None, checks: Iterable[DesignCheck] | None = None) -> str:
    """The print and review version: one numbered question per box, the construct it measures and whether it is
    core; grids as tables; a last section for colleagues with the codes and the design checks."""
    lang = lang or q.lang
    nl = lang == "nl"
    cb: Codebook = q.config.codebook
    t = (lambda a, b: a) if nl else (lambda a, b: b)
    title = t(f"Uw ervaring met {q.name}", f"Your experience with {q.name}")
    out = [f'<!DOCTYPE html>\n<html lang="{lang}">\n<head>\n<meta charset="utf-8">\n'
           f'<meta name="viewport" content="width=device-width, initial-scale=1">\n<title>{_e(title)}</title>\n'
           f"<style>{_CSS}</style>\n</head>\n<body>\n<main>\n<h1>{_e(title)}</h1>\n"
           f'<p class="intro">{_e(_intro(q, lang))} '
           f'{_e(t("Kruis per vraag één rondje aan.", "Tick one circle per question."))}</p>']

    def meta(x: Question) -> str:
        construct = cb.label(x.construct, lang) if x.construct != "context" else t("achtergrond", "background")
        badge = (f'<span class="kern">{t("kernvraag", "core question")}</span>' if x.core else
                 f'<span class="eigen">{t("eigen vraag", "own question")}</span>' if x.own else
                 f'<span>{t("bouwsteen", "building block")}</span>' if x.construct != "context" else
                 f'<span>{t("aanvulling", "addition")}</span>')
        return (f'<p class="meta">{t("Meet", "Measures")}: {_e(construct)} · {badge} · '
                f'{t("code", "code")} <code>{_e(x.id)}</code></p>')

    number = 0
    for g in q.groups:
        out.append(f"<section>\n<h2>{_e(g.title[lang])}</h2>")
        done: set[str] = set()
        for x in g.questions:
            if x.kind == "hidden":
                continue
            if x.array:
                if x.array in done:
                    continue
                done.add(x.array)
                rows = [y for y in g.questions if y.array == x.array]
                heads = "".join(f'<th scope="col">{_e(a.label[lang])}</th>' for a in x.answers)
                body = []
                for y in rows:
                    number += 1
                    cells = "".join(f'<td{_apart(a)}><span class="vak" role="img" aria-label="{_e(a.label[lang])}">'
                                    "</span></td>" for a in x.answers)
                    body.append(f'<tr><th scope="row"><strong>{number}.</strong> {_e(y.text[lang])}{meta(y)}</th>'
                                f"{cells}</tr>")
                out.append(f'<div class="tabel" role="region" tabindex="0" aria-labelledby="cap-{x.array}">'
                           f'<table>\n<caption id="cap-{x.array}">{_e(g.stems[x.array][lang])}</caption>\n<thead><tr>'
                           f'<th scope="col">{t("Uitspraak", "Statement")}</th>{heads}</tr></thead>\n<tbody>\n'
                           + "\n".join(body) + "\n</tbody>\n</table></div>")
                continue
            number += 1
            out.append(f"<fieldset>\n<legend>{number}. {_e(x.text[lang])}</legend>\n{meta(x)}")
            if x.kind == "text":
                space = t("Ruimte voor uw antwoord", "Space for your answer")
                out.append(f'<div class="schrijf" role="img" aria-label="{_e(space)}"></div>')
            else:
                out.append('<ul class="opties">' + "".join(
                    f'<li><span class="vak" aria-hidden="true"></span>{_e(a.label[lang])}</li>' for a in x.answers)
                    + "</ul>")
            out.append("</fieldset>")
        out.append("</section>")
    out.append(f'<section class="scherm">\n<h2>{t("Voor de onderzoeker", "For the researcher")}</h2>\n<p>'
               + _e(t("Deze pagina is gemaakt met meethuis vragenlijst uit het codeboek (versie "
                      f"{cb.version}). Verander de formulering van kernvragen niet: dan kunt u niet meer vergelijken.",
                      f"Made with meethuis vragenlijst from the codebook (version {cb.version}). Do not change the "
                      "wording of core questions, or comparison is lost.")) + "</p>")
    hidden = [x for x in q.questions() if x.kind == "hidden"]
    if hidden:
        out.append("<p>" + _e(t("Door de organisatie ingevuld (niet gevraagd): ", "Filled in by the organisation "
                                "(not asked): ")) + ", ".join(f"<code>{_e(x.id)}</code>" for x in hidden) + "</p>")
    if checks is not None:
        items = "".join(f"<li>{_e(c.text(lang))}</li>" for c in checks)
        out.append(f'<h3>{t("Ontwerpcontrole", "Design check")}</h3>\n<ul class="controle">{items}</ul>')
    out.append(f'</section>\n<p>{_e(_end(lang))}</p>\n</main>\n</body>\n</html>\n')
    return "\n".join(out)


# --------------------------------------------------------------------------------------------------
# Round trip: the config that maps the tool's export back onto the codebook
# --------------------------------------------------------------------------------------------------
EXPORTS = {
    "limesurvey": {"respondent_id": "id",
                   "period": {"date_column": "startdate", "date_format": "%Y-%m-%d %H:%M:%S"}},
    "xlsform": {"respondent_id": "_uuid", "period": {"date_column": "today", "date_format": "%Y-%m-%d"}},
}


def export_column(x: Question, fmt: str) -> str:
    """Column of a question in the response export of ``fmt`` (``limesurvey`` or ``xlsform``)."""
    return limesurvey_column(x) if fmt == "limesurvey" else xlsform_column(x)


def roundtrip_config(q: Questionnaire, fmt: str, data_file: str, target_folder: Path) -> dict:
    """The organisation config for the tool's response export: the original config with ``data`` (and
    ``extra_items``) replaced so that every export column and answer code maps to its codebook id.

    Parameters
    ----------
    q:
        The questionnaire that was fielded.
    fmt:
        ``"limesurvey"`` (response CSV with question codes and answer codes) or ``"xlsform"`` (KoboToolbox export
        with XML values and headers, without group names).
    data_file:
        File name of the export, relative to ``target_folder``.
    target_folder:
        Where the config will be written; paths of the original config are rewritten relative to it.
    """
    if fmt not in EXPORTS:
        raise ConfigError(f"no round-trip mapping for format '{fmt}'", hint="use limesurvey or xlsform")
    config: OrgConfig = q.config
    raw = {k: v for k, v in dict(config.raw).items()}
    columns: dict[str, Any] = {}
    own = {it.id for it in config.extra_items}
    for x in q.questions():
        if x.id in own or x.id == "zaak_sleutel":
            continue
        col = export_column(x, fmt)
        recode = {int(a.code): a.value for a in x.answers if x.construct == "context" and a.code.isdigit()}
        columns[x.id] = {"column": col, "recode": recode} if recode else col
    data = {"file": data_file, "respondent_id": EXPORTS[fmt]["respondent_id"], "period": EXPORTS[fmt]["period"],
            "missing_values": {code: token for code, token in MISSING_ANSWERS}, "columns": columns}
    raw["data"] = data
    if config.extra_items:
        by_id = {x.id: x for x in q.questions()}
        extra = []
        for spec in raw.get("extra_items") or []:
            spec = {k: v for k, v in dict(spec).items() if k != "recode"}
            spec["column"] = export_column(by_id[spec["id"]], fmt)
            extra.append(spec)
        raw["extra_items"] = extra
    folder = Path(target_folder).resolve()
    if config.process is not None and isinstance(raw.get("process"), Mapping):
        process = dict(raw["process"])
        process["file"] = os.path.relpath(config.process.file, folder)
        process["survey_key"] = export_column(next(x for x in q.questions() if x.id == "zaak_sleutel"), fmt)
        raw["process"] = process
    if isinstance(raw.get("maturity"), str):
        raw["maturity"] = os.path.relpath((config.folder / raw["maturity"]).resolve(), folder)
    for key in [k for k in raw if k not in ("data", "process", "maturity")]:
        raw[key] = _rebase_files(raw[key], config.folder, folder)
    return raw


def _rebase_files(node: Any, source: Path, target: Path) -> Any:
    """Rewrite every relative ``file:`` path in an optional section (e.g. ``journeys``) from the original config's
    folder to the folder of the new config."""
    if isinstance(node, Mapping):
        out = {}
        for k, v in node.items():
            if k == "file" and isinstance(v, str) and not os.path.isabs(v):
                out[k] = os.path.relpath((Path(source) / v).resolve(), target)
            else:
                out[k] = _rebase_files(v, source, target)
        return out
    if isinstance(node, list):
        return [_rebase_files(v, source, target) for v in node]
    return node


def roundtrip_yaml(q: Questionnaire, fmt: str, data_file: str, target_folder: Path) -> str:
    """:func:`roundtrip_config` as YAML with a header that says how to export from the tool."""
    how = ("LimeSurvey: Responses > Export > CSV, headings 'Question code', responses 'Answer codes'"
           if fmt == "limesurvey" else
           "KoboToolbox: Downloads > CSV, value and header format 'XML values and headers', "
           "'Include groups in headers' off")
    head = (f"# Organisation config for the {fmt} export of the Meethuis questionnaire of {q.name}.\n"
            f"# Written by `meethuis vragenlijst --format {fmt}`; the data section maps every export column and\n"
            "# answer code back onto the codebook, the rest is copied from the organisation's config.\n"
            f"# Export the responses as: {how}; save them as '{data_file}' next to this file\n"
            "# (or change data.file), then run `meethuis validate --config` and `meethuis report --config` on it.\n")
    body = yaml.safe_dump(roundtrip_config(q, fmt, data_file, target_folder), allow_unicode=True,
                          sort_keys=False, width=110)
    return head + body


# --------------------------------------------------------------------------------------------------
# A simulated response export (for trying the round trip before fielding)
# --------------------------------------------------------------------------------------------------
OPEN_ANSWERS = ("Sneller terugbellen graag.", "Duidelijke uitleg, dank u.", "Ik moest lang wachten aan de telefoon.",
                "Vriendelijk geholpen.", "")


def simulate_export(q: Questionnaire, fmt: str, n: int, *, seed: int = 0, start: str = "2026-04-01",
                    days: int = 180, keys: Iterable[str] | None = None, services: Iterable[str] = ("algemeen",),
                    blank: float = 0.05) -> pd.DataFrame:
    """A response export of ``fmt`` with ``n`` random answers, shaped like the tool's CSV download.

    Parameters
    ----------
    q:
        The questionnaire.
    fmt:
        ``"limesurvey"`` or ``"xlsform"``.
    n:
        Number of responses.
    seed:
        Random seed (same seed, same export).
    start, days:
        Responses are spread over ``days`` days from ``start`` (ISO date).
    keys:
        Case keys for the hidden link field (drawn without replacement); default none.
    services:
        Values of the prefilled ``dienst`` field.
    blank:
        Share of questions left unanswered.
    """
    rng = np.random.default_rng(seed)
    t0 = datetime.fromisoformat(start)
    stamps = [t0 + timedelta(seconds=int(s)) for s in np.sort(rng.integers(0, days * 86400, n))]
    keys = list(keys) if keys is not None else []
    if keys:
        keys = list(rng.choice(keys, size=min(n, len(keys)), replace=False)) + [""] * max(0, n - len(keys))
    services = list(services)
    cols: dict[str, list] = {}
    for x in q.questions():
        col = export_column(x, fmt)
        if x.kind == "hidden":
            cols[col] = keys if x.id == "zaak_sleutel" and keys else (
                [services[i] for i in rng.integers(0, len(services), n)] if x.id == "dienst" else [""] * n)
        elif x.kind == "text":
            cols[col] = [OPEN_ANSWERS[i] for i in rng.integers(0, len(OPEN_ANSWERS), n)]
        else:
            codes = [a.code for a in x.answers]
            picked = [codes[i] for i in rng.integers(0, len(codes), n)]
            cols[col] = [("" if rng.random() < blank else c) for c in picked]
    if fmt == "limesurvey":
        meta = {"id": list(range(1, n + 1)), "submitdate": [s.strftime("%Y-%m-%d %H:%M:%S") for s in stamps],
                "lastpage": [len(q.groups)] * n, "startlanguage": [q.lang] * n, "seed": rng.integers(1, 10**9, n),
                "startdate": [s.strftime("%Y-%m-%d %H:%M:%S") for s in stamps],
                "datestamp": [s.strftime("%Y-%m-%d %H:%M:%S") for s in stamps]}
        return pd.DataFrame({**meta, **cols})
    meta = {"start": [s.strftime("%Y-%m-%dT%H:%M:%S.000+02:00") for s in stamps],
            "end": [(s + timedelta(minutes=4)).strftime("%Y-%m-%dT%H:%M:%S.000+02:00") for s in stamps],
            "today": [s.strftime("%Y-%m-%d") for s in stamps]}
    tail = {"_id": list(range(100001, 100001 + n)),
            "_uuid": [f"{rng.integers(0, 2**32):08x}-{i:04x}-4{rng.integers(0, 4096):03x}-a000-{i:012x}"
                      for i in range(n)],
            "_submission_time": [s.strftime("%Y-%m-%dT%H:%M:%S") for s in stamps], "_index": list(range(1, n + 1))}
    return pd.DataFrame({**meta, **cols, **tail})


# --------------------------------------------------------------------------------------------------
# Writing
# --------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Written:
    """What ``write_questionnaire`` wrote: the questionnaire file, the round-trip config (or None) and the checks."""

    path: Path
    config_path: Path | None
    checks: tuple[DesignCheck, ...]


def write_questionnaire(config: OrgConfig, fmt: str, out: str | Path, lang: str | None = None) -> Written:
    """Write the questionnaire in ``fmt`` to ``out`` and, for a survey tool, the round-trip config beside it
    (``<out stem>.meethuis.yml``, mapping the export ``<out stem>_export.csv``). Both are written atomically.

    Raises
    ------
    ConfigError
        For an unknown format or clashing codes.
    """
    from meethuis.intake.io import write_text_atomic, write_bytes_atomic

    if fmt not in FORMATS:
        raise ConfigError(f"unknown questionnaire format '{fmt}'", hint=f"use one of {', '.join(FORMATS)}")
    out = Path(out)
    if out.suffix == "":
        out = out.with_suffix(SUFFIX[fmt])
    elif out.suffix.lower() not in (SUFFIX[fmt], ".htm" if fmt == "html" else SUFFIX[fmt]):
        raise ConfigError(f"--out ends in '{out.suffix}', but format {fmt} writes a {SUFFIX[fmt]} file",
                          file=str(out), hint=f"use {out.with_suffix(SUFFIX[fmt]).name} or leave the suffix out")
    q = build_questionnaire(config, lang)
    checks = tuple(design_checks(q))
    config_path = None
    if fmt == "limesurvey":
        write_text_atomic(out, limesurvey_text(q))
    elif fmt == "xlsform":
        write_bytes_atomic(out, xlsform_bytes(q))
    else:
        write_text_atomic(out, questionnaire_html(q, lang, checks))
    if fmt in EXPORTS:
        config_path = out.with_name(out.stem + ".meethuis.yml")
        write_text_atomic(config_path, roundtrip_yaml(q, fmt, out.stem + "_export.csv", config_path.parent))
    return Written(out, config_path, checks)

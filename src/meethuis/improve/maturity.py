"""CX maturity scan: a short self-assessment on six dimensions, a radar chart, advice and the six steps.

An organisation scores itself 1–5 on *visie, meten, analyseren, verbeteren, terugkoppeling* and *sturing*
in a small YAML file (referred to by ``maturity:`` in its config, path relative to the config's folder)::

    datum: 2026-10-01
    scores: {visie: 3, meten: 4, analyseren: 2, verbeteren: 2, terugkoppeling: 1, sturing: 2}
    toelichting: {meten: "Kwartaalmeting sinds 2024."}

English keys (``vision, measuring, analysing, improving, feedback_loop, governance``; ``date``,
``notes``) are accepted too. The scan links to the six-step improvement approach, whose checklist points
at the chapter of the report that holds the evidence for each step.
"""
from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping

import pandas as pd

from meethuis.intake.config import read_yaml
from meethuis.common.errors import ConfigError

LEVEL_NAMES = {
    "nl": {1: "beginnend", 2: "ontwikkelend", 3: "gestructureerd", 4: "geïntegreerd", 5: "leidend"},
    "en": {1: "initial", 2: "developing", 3: "structured", 4: "integrated", 5: "leading"},
}

# dimension id -> labels and a description per level (what that level looks like in practice).
DIMENSIONS: dict[str, dict[str, Any]] = {
    "visie": {
        "en_id": "vision",
        "label": {"nl": "Visie", "en": "Vision"},
        "levels": {
            "nl": {1: "Er is geen gedeelde visie op klantbeleving; contact wordt vooral gezien als productie.",
                   2: "Klantbeleving wordt genoemd in plannen, maar zonder concrete doelen.",
                   3: "Er is een vastgestelde visie met meetbare doelen (zoals tevredenheid en menselijkheid).",
                   4: "De visie stuurt keuzes in dienstverlening en is bekend bij medewerkers.",
                   5: "De visie is samen met inwoners gemaakt en wordt jaarlijks aangescherpt op basis van metingen."},
            "en": {1: "There is no shared view on customer experience; contact is mainly seen as production.",
                   2: "Customer experience is mentioned in plans, but without concrete goals.",
                   3: "An adopted vision with measurable goals (such as satisfaction and humanity) exists.",
                   4: "The vision steers service choices and is known to staff.",
                   5: "The vision was made with citizens and is sharpened yearly on the basis of measurements."},
        },
    },
    "meten": {
        "en_id": "measuring",
        "label": {"nl": "Meten", "en": "Measuring"},
        "levels": {
            "nl": {1: "Er wordt niet of incidenteel gemeten, met eigen vragen per afdeling.",
                   2: "Er is een periodieke meting, maar niet op de gedeelde kernvragen.",
                   3: "Elk kwartaal wordt gemeten met de kernvragen, over alle kanalen.",
                   4: "De meting is gewogen, betrouwbaar en gekoppeld aan procesgegevens.",
                   5: "Meten is continu (direct na contact) en vergelijkbaar met andere organisaties."},
            "en": {1: "Measurement is absent or occasional, with each department's own questions.",
                   2: "There is a periodic survey, but not on the shared core questions.",
                   3: "Every quarter the core questions are measured across all channels.",
                   4: "The survey is weighted, reliable and linked to process data.",
                   5: "Measurement is continuous (right after contact) and comparable with other organisations."},
        },
    },
    "analyseren": {
        "en_id": "analysing",
        "label": {"nl": "Analyseren", "en": "Analysing"},
        "levels": {
            "nl": {1: "Uitkomsten worden niet geanalyseerd; alleen een rapportcijfer wordt genoemd.",
                   2: "Er zijn tabellen per kanaal, zonder onzekerheid of verklaring.",
                   3: "Drijfveren worden geanalyseerd: we weten welke factoren de beleving bepalen.",
                   4: "Analyse combineert beleving, procesdata en open antwoorden.",
                   5: "Analyse is voorspellend en toetst het effect van verbeteringen."},
            "en": {1: "Results are not analysed; only an overall grade is mentioned.",
                   2: "There are tables per channel, without uncertainty or explanation.",
                   3: "Drivers are analysed: we know which factors shape the experience.",
                   4: "Analysis combines experience, process data and open answers.",
                   5: "Analysis is predictive and tests the effect of improvements."},
        },
    },
    "verbeteren": {
        "en_id": "improving",
        "label": {"nl": "Verbeteren", "en": "Improving"},
        "levels": {
            "nl": {1: "Verbeteringen zijn incidenteel en volgen op klachten.",
                   2: "Er zijn verbeterideeën, maar zonder prioriteit of eigenaar.",
                   3: "Verbeterkansen worden geprioriteerd op belang en prestatie, met een eigenaar.",
                   4: "Verbeteringen staan in een roadmap en hun effect wordt gemeten.",
                   5: "Verbeteren is een doorlopende cyclus in alle teams, samen met inwoners."},
            "en": {1: "Improvements are occasional and follow complaints.",
                   2: "There are improvement ideas, but without priority or owner.",
                   3: "Improvement opportunities are prioritised on importance and performance, with an owner.",
                   4: "Improvements are in a roadmap and their effect is measured.",
                   5: "Improving is a continuous cycle in every team, together with citizens."},
        },
    },
    "terugkoppeling": {
        "en_id": "feedback_loop",
        "label": {"nl": "Terugkoppeling", "en": "Feedback loop"},
        "levels": {
            "nl": {1: "Resultaten blijven bij de onderzoekers.",
                   2: "Resultaten worden intern gedeeld, maar niet met inwoners.",
                   3: "Teams bespreken hun resultaten en open antwoorden elk kwartaal.",
                   4: "Inwoners horen wat er met hun feedback is gedaan ('jullie zeiden, wij deden').",
                   5: "Terugkoppeling is persoonlijk waar het kan (terugbellen bij een laag cijfer) en structureel."},
            "en": {1: "Results stay with the researchers.",
                   2: "Results are shared internally, but not with citizens.",
                   3: "Teams discuss their results and open answers every quarter.",
                   4: "Citizens hear what was done with their feedback ('you said, we did').",
                   5: "Feedback is personal where possible (call-back after a low grade) and structural."},
        },
    },
    "sturing": {
        "en_id": "governance",
        "label": {"nl": "Sturing", "en": "Governance"},
        "levels": {
            "nl": {1: "Niemand is verantwoordelijk voor klantbeleving.",
                   2: "Een enthousiaste medewerker trekt het, zonder mandaat of budget.",
                   3: "Er is een eigenaar met mandaat; klantbeleving staat in de planning-en-controlcyclus.",
                   4: "Het management stuurt op beleving naast productie en doorlooptijd.",
                   5: "Bestuur en directie leggen verantwoording af over beleving, ook aan de raad en inwoners."},
            "en": {1: "Nobody is responsible for customer experience.",
                   2: "An enthusiastic employee drives it, without mandate or budget.",
                   3: "There is an owner with a mandate; experience is part of the planning-and-control cycle.",
                   4: "Management steers on experience alongside production and throughput time.",
                   5: "The board reports on experience, also to the council and to citizens."},
        },
    },
}
EN_TO_NL = {v["en_id"]: k for k, v in DIMENSIONS.items()}

# The six-step improvement approach; each step names the dimension it strengthens and the chapters
# (notebook names) whose results are its evidence.
STEPS: tuple[dict[str, Any], ...] = (
    {"step": 1, "dimension": "visie", "chapters": ("03_kpis", "11_volwassenheid"),
     "title": {"nl": "Visie aanscherpen", "en": "Sharpen the vision"},
     "what": {"nl": "Leg vast wat goede dienstverlening is en maak het meetbaar met doelen.",
              "en": "Agree what good service is and make it measurable with goals."}},
    {"step": 2, "dimension": "meten", "chapters": ("01_intake", "02_representativiteit", "04_meetkwaliteit"),
     "title": {"nl": "De basis op orde", "en": "The basics"},
     "what": {"nl": "Meet de kernvragen betrouwbaar en representatief, en zorg dat de basis (snelheid, juiste "
                    "informatie, bereikbaarheid) op orde is.",
              "en": "Measure the core questions reliably and representatively, and get the basics (speed, "
                    "correct information, accessibility) right."}},
    {"step": 3, "dimension": "analyseren", "chapters": ("05_drijfveren", "09_procesdata"),
     "title": {"nl": "Inzicht verdiepen", "en": "Deepen insight"},
     "what": {"nl": "Zoek uit welke drijfveren de beleving bepalen en koppel beleving aan procesgegevens.",
              "en": "Find which drivers shape the experience and link experience to process data."}},
    {"step": 4, "dimension": "verbeteren", "chapters": ("06_prioriteiten",),
     "title": {"nl": "Verbeterkansen benoemen", "en": "Name improvement opportunities"},
     "what": {"nl": "Kies de knoppen met veel belang en lage prestatie; benoem per kans een eigenaar.",
              "en": "Pick the levers with high importance and low performance; name an owner for each."}},
    {"step": 5, "dimension": "sturing", "chapters": ("10_feedback", "08_benchmark"),
     "title": {"nl": "Roadmap en werkafspraken", "en": "Roadmap and working agreements"},
     "what": {"nl": "Zet de verbeteringen in een roadmap met werkafspraken, eigenaren en momenten van meten.",
              "en": "Put the improvements in a roadmap with working agreements, owners and measurement moments."}},
    {"step": 6, "dimension": "terugkoppeling", "chapters": ("07_trends", "10_feedback"),
     "title": {"nl": "Continu verbeteren", "en": "Continuous improvement"},
     "what": {"nl": "Volg de trend per kwartaal, meld inwoners wat er met hun feedback gebeurde en begin opnieuw.",
              "en": "Follow the trend each quarter, tell citizens what was done with their feedback and start again."}},
)

CHAPTER_TITLES = {
    "01_intake": {"nl": "Intake en datakwaliteit", "en": "Intake and data quality"},
    "02_representativiteit": {"nl": "Representativiteit", "en": "Representativeness"},
    "03_kpis": {"nl": "Kengetallen en doelen", "en": "Key figures and goals"},
    "04_meetkwaliteit": {"nl": "Meetkwaliteit", "en": "Measurement quality"},
    "05_drijfveren": {"nl": "Drijfveren", "en": "Drivers"},
    "06_prioriteiten": {"nl": "Prioriteiten", "en": "Priorities"},
    "07_trends": {"nl": "Trends", "en": "Trends"},
    "08_benchmark": {"nl": "Benchmark", "en": "Benchmark"},
    "09_procesdata": {"nl": "Procesdata", "en": "Process data"},
    "10_feedback": {"nl": "Feedback en verbeterlog", "en": "Feedback and improvement log"},
    "11_volwassenheid": {"nl": "Volwassenheid", "en": "Maturity"},
}


@dataclass(frozen=True)
class MaturityAssessment:
    """A validated self-assessment: level 1–5 per dimension (Dutch ids), with optional notes."""

    scores: Mapping[str, int]
    notes: Mapping[str, str] = field(default_factory=dict)
    date: str | None = None
    path: Path | None = None


def parse_maturity(data: Any, path: str | Path = "<volwassenheid>", lines: Mapping[str, int] | None = None
                   ) -> MaturityAssessment:
    """Validate parsed YAML of a self-assessment.

    Raises
    ------
    ConfigError
        Naming the file (with line) and the key: not a mapping, unknown dimension, level not a whole
        number 1–5, a dimension left out, or an unknown top-level key.
    """
    lines = lines or {}

    def fail(key: str, message: str, hint: str | None = None) -> ConfigError:
        line = lines.get(key)
        return ConfigError(message, file=f"{path}:{line}" if line else str(path), key=key, hint=hint)

    known = ", ".join(DIMENSIONS)
    if not isinstance(data, Mapping):
        raise fail("scores", "the self-assessment must be a YAML mapping with 'scores:'",
                   hint=f"write scores: {{visie: 3, meten: 2, ...}} with the dimensions {known}")
    aliases = {"scores": "scores", "datum": "date", "date": "date", "toelichting": "notes", "notes": "notes",
               "organisatie": None, "organisation": None, "ingevuld_door": None, "assessed_by": None}
    for key in data:
        if key not in aliases:
            raise fail(str(key), f"unknown key '{key}' in the self-assessment",
                       hint="allowed: scores, datum, toelichting, organisatie, ingevuld_door")
    scores_key = "scores"
    raw = data.get("scores")
    if raw is None:
        raise fail("scores", "the self-assessment has no 'scores:'", hint=f"score each of {known} from 1 to 5")
    if not isinstance(raw, Mapping):
        raise fail("scores", "'scores' must be a mapping of dimension: level")
    scores: dict[str, int] = {}
    for dim, level in raw.items():
        key = f"{scores_key}.{dim}"
        nl = EN_TO_NL.get(str(dim), str(dim))
        if nl not in DIMENSIONS:
            raise fail(key, f"unknown dimension '{dim}'", hint=f"use one of {known}")
        if isinstance(level, bool) or not isinstance(level, int) or not 1 <= level <= 5:
            raise fail(key, f"level of '{dim}' must be a whole number from 1 to 5, got {level!r}",
                       hint="1 = beginnend ... 5 = leidend")
        if nl in scores:
            raise fail(key, f"dimension '{nl}' is scored twice")
        scores[nl] = level
    missing = [d for d in DIMENSIONS if d not in scores]
    if missing:
        raise fail(scores_key, f"no level for {', '.join(missing)}", hint="score every dimension from 1 to 5")
    notes_raw = data.get("toelichting", data.get("notes")) or {}
    notes_key = "toelichting" if "toelichting" in data else "notes"
    if not isinstance(notes_raw, Mapping):
        raise fail(notes_key, "notes must be a mapping of dimension: text")
    notes: dict[str, str] = {}
    for dim, text in notes_raw.items():
        nl = EN_TO_NL.get(str(dim), str(dim))
        if nl not in DIMENSIONS:
            raise fail(f"{notes_key}.{dim}", f"unknown dimension '{dim}'", hint=f"use one of {known}")
        notes[nl] = str(text)
    date = data.get("datum", data.get("date"))
    return MaturityAssessment(scores={d: scores[d] for d in DIMENSIONS}, notes=notes,
                              date=None if date is None else str(date), path=Path(path) if path else None)


def load_maturity(path: str | Path) -> MaturityAssessment:
    """Read and validate a self-assessment YAML file (see the module docstring for the format).

    Raises
    ------
    ConfigError
        File missing or not valid YAML, or any validation problem (file:line and key named).
    """
    path = Path(path)
    data, lines = read_yaml(path, what="self-assessment file",
                            hint="point 'maturity:' in the organisation config at an existing YAML file")
    return parse_maturity(data, path, lines)


def maturity_for_config(config: Any) -> MaturityAssessment | None:
    """The self-assessment named by ``maturity:`` in the config (relative to its folder), or ``None``."""
    ref = (getattr(config, "raw", None) or {}).get("maturity")
    if ref is None:
        return None
    if not isinstance(ref, str):
        raise ConfigError("'maturity' must be the path of a self-assessment YAML file", file=str(config.path),
                          key="maturity", hint="e.g. maturity: molensloot_volwassenheid.yml")
    return load_maturity(Path(config.path).parent / ref)


def advice(dimension: str, level: int, lang: str = "nl") -> str:
    """What to do next on ``dimension`` at ``level``: the description of the next level as a goal."""
    desc = DIMENSIONS[dimension]["levels"][lang]
    if level >= 5:
        return ("Vasthouden en delen: laat andere organisaties van uw aanpak leren." if lang == "nl"
                else "Sustain and share: let other organisations learn from your approach.")
    return ("Volgende stap: " if lang == "nl" else "Next step: ") + desc[level + 1][:1].lower() + desc[level + 1][1:]


def maturity_table(assessment: MaturityAssessment, lang: str = "nl") -> pd.DataFrame:
    """One row per dimension: level, level name, what that level means, and advice for the next step.

    Returns
    -------
    pd.DataFrame
        ``dimension, label, level, level_name, description, advice, note``.
    """
    rows = []
    for dim, spec in DIMENSIONS.items():
        level = assessment.scores[dim]
        rows.append({"dimension": dim, "label": spec["label"][lang], "level": level,
                     "level_name": LEVEL_NAMES[lang][level], "description": spec["levels"][lang][level],
                     "advice": advice(dim, level, lang), "note": assessment.notes.get(dim, "")})
    return pd.DataFrame(rows)


def improvement_checklist(assessment: MaturityAssessment | None = None, config: Any = None,
                          chapters: list[str] | None = None, lang: str = "nl") -> pd.DataFrame:
    """The six-step improvement approach as a checklist pointing at the report's evidence.

    Parameters
    ----------
    assessment:
        Optional self-assessment: a step counts as ``op orde`` when its dimension is at level 3 or higher.
    config:
        Optional ``OrgConfig``: step 1 checks that goals are set, step 3 that process data is linked,
        step 5 that an improvement log (``improvements:``) exists.
    chapters:
        Chapters present in this report (default: all); evidence in absent chapters is marked as such.

    Returns
    -------
    pd.DataFrame
        ``step, title, what, evidence, level, status``.
    """
    raw = (getattr(config, "raw", None) or {}) if config is not None else {}
    checks = {1: bool(getattr(config, "goals", ())), 3: getattr(config, "process", None) is not None,
              5: bool(raw.get("improvements"))} if config is not None else {}
    missing_item = {1: {"nl": "nog geen doelen in de config", "en": "no goals in the config yet"},
                    3: {"nl": "nog geen procesdata gekoppeld", "en": "no process data linked yet"},
                    5: {"nl": "nog geen verbeterlog (improvements)", "en": "no improvement log yet"}}
    rows = []
    for step in STEPS:
        evidence = []
        for c in step["chapters"]:
            title = CHAPTER_TITLES.get(c, {}).get(lang, c)
            present = chapters is None or c in chapters
            evidence.append(title + ("" if present else (" – niet in dit rapport" if lang == "nl"
                                                                     else " – not in this report")))
        level = assessment.scores[step["dimension"]] if assessment is not None else None
        if level is None:
            status = "—"
        elif level >= 3:
            status = "op orde" if lang == "nl" else "in place"
        else:
            status = "aandacht nodig" if lang == "nl" else "needs attention"
        if checks.get(step["step"]) is False:
            status = (status + "; " if status != "—" else "") + missing_item[step["step"]][lang]
        rows.append({"step": step["step"], "title": step["title"][lang], "what": step["what"][lang],
                     "evidence": "; ".join(evidence), "level": level, "status": status})
    return pd.DataFrame(rows)


def checklist_markdown(checklist: pd.DataFrame, lang: str = "nl") -> str:
    """The checklist as a numbered list with the status in words ("op orde" / "aandacht nodig")."""
    word = "Zie" if lang == "nl" else "See"
    lines = []
    for row in checklist.itertuples():
        status = "" if str(row.status) == "\u2014" else f" **{str(row.status)[:1].upper() + str(row.status)[1:]}.**"
        lines.append(f"{row.step}. **{row.title}**{status} {row.what} *{word}: {row.evidence}.*")
    return "\n".join(lines)


def assessment_date(assessment: MaturityAssessment) -> _dt.date | None:
    """The assessment date as a ``date`` (``None`` when absent or unreadable)."""
    try:
        return _dt.date.fromisoformat(str(assessment.date)) if assessment.date else None
    except ValueError:
        return None

"""The chapter plan: which chapters a report can run on this organisation's config and data, and why not.

Every chapter declares what it needs (:func:`declare`, a list of :class:`Need`); :func:`chapter_plan`
checks those needs against the config and the survey before any kernel starts. ``meethuis validate``
prints the plan (:func:`plan_text`), and the report runner replaces a chapter that cannot run by one
short paragraph that says why and which config key would enable it (:func:`skipped_notebook`).
A new chapter declares its needs next to its registration, e.g.::

    declare("12_klantreis", Need("contact_log", "een contactlog", "a contact log", "journeys.contacts",
                                 lambda config, responses: "journeys" in config.raw))
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Mapping, Sequence

import pandas as pd

from meethuis.common import narrative as nv

MIN_DRIVERS = 2


@dataclass(frozen=True)
class Need:
    """One thing a chapter needs: a check on (config, responses), what is missing in nl/en, the config key."""

    id: str
    nl: str  # what is missing, as the end of "... omdat <nl> ontbreekt" ("er geen procesdata zijn")
    en: str
    key: str  # the config key that would enable it
    check: Callable[[object, pd.DataFrame], bool]


@dataclass(frozen=True)
class ChapterPlan:
    """Whether ``chapter`` runs; when not, the unmet needs (their reasons and config keys)."""

    chapter: str
    runs: bool
    unmet: tuple[Need, ...] = ()

    def reason(self, lang: str = "nl") -> str:
        """One sentence: why the chapter steps aside and which key would enable it (empty when it runs)."""
        if self.runs:
            return ""
        what = nv.join_list([getattr(n, lang) for n in self.unmet], lang)
        keys = ", ".join(f"`{n.key}`" for n in self.unmet)
        if lang == "nl":
            return f"Dit hoofdstuk is overgeslagen: {what}. Aanzetten kan met {keys} in de config."
        return f"This chapter was skipped: {what}. Switch it on with {keys} in the config."


_NEEDS: dict[str, tuple[Need, ...]] = {}


def declare(chapter: str, *needs: Need) -> None:
    """Register what ``chapter`` (its notebook name) needs; a chapter without needs always runs."""
    _NEEDS[chapter] = tuple(needs)


def needs_of(chapter: str) -> tuple[Need, ...]:
    """The declared needs of ``chapter`` (empty when it declared none)."""
    return _NEEDS.get(chapter, ())


# -- checks ---------------------------------------------------------------------------------------------
def _outcomes(config, responses) -> list[str]:
    return [o for o in config.outcomes() if o in responses.columns and responses[o].notna().any()]


def _drivers(config, responses) -> list[str]:
    return [d for d in config.drivers() if d in responses.columns and responses[d].notna().any()]


def _enough_complete(config, responses) -> bool:
    """At least one outcome has ``max(min_cell, 10 per driver)`` respondents who answered every driver."""
    drivers = _drivers(config, responses)
    if len(drivers) < MIN_DRIVERS:
        return False
    needed = max(int(config.min_cell), 10 * len(drivers))
    return any(int(responses[[o, *drivers]].notna().all(axis=1).sum()) >= needed
               for o in _outcomes(config, responses))


def _families_with_two(config, responses) -> bool:
    groups: dict[str, list[str]] = {}
    for i in config.items_in_use():
        if i in responses.columns and responses[i].notna().any():
            groups.setdefault(config.codebook.items[i].construct, []).append(i)
    for fam, ids in config.driver_families().items():
        groups[f"fam:{fam}"] = [d for d in ids if d in responses.columns]
    return any(len(ids) >= 2 for ids in groups.values())


def _has_benchmark_source(config, responses) -> bool:
    from meethuis.improve.benchmark import benchmark_source

    return benchmark_source(config) is not None


def _periods(responses) -> int:
    return int(responses["periode"].nunique()) if "periode" in responses.columns else 0


PROCESS_FIELDS = ("doorlooptijd_dagen", "aantal_contacten", "doorverwezen")

declare("02_representativiteit",
        Need("margins", "er zijn geen bevolkingscijfers om mee te vergelijken",
             "there are no population figures to compare with", "weighting.margins",
             lambda c, r: bool(c.margins)))
declare("04_meetkwaliteit",
        Need("families", "geen onderdeel wordt met minstens twee vragen gemeten",
             "no construct is measured by at least two questions", "analysis.drivers",
             _families_with_two))
_DRIVER_NEEDS = (
    Need("drivers", f"er zijn minder dan {MIN_DRIVERS} drijfveren met antwoorden",
         f"fewer than {MIN_DRIVERS} drivers have answers", "analysis.drivers",
         lambda c, r: len(_drivers(c, r)) >= MIN_DRIVERS),
    Need("complete", "te weinig respondenten beantwoordden de uitkomst en alle drijfveren (10 per drijfveer nodig)",
         "too few respondents answered the outcome and every driver (10 per driver needed)", "analysis.drivers",
         _enough_complete),
)
declare("05_drijfveren", *_DRIVER_NEEDS)
declare("06_prioriteiten", *_DRIVER_NEEDS)
declare("07_trends",
        Need("waves", "er is maar één meting, dus er zijn geen veranderingen te tonen",
             "there is only one measurement, so there are no changes to show", "data.period",
             lambda c, r: _periods(r) >= 2))
declare("08_benchmark",
        Need("benchmark", "er is geen vergelijkingsbron opgegeven",
             "no benchmark source is given", "benchmark.folder",
             _has_benchmark_source))
declare("09_procesdata",
        Need("process", "er zijn geen procesdata: geen procesbestand gekoppeld en geen procesmaten opgegeven",
             "there are no process data: no process file linked and no process measures declared",
             "process, process_measures",
             lambda c, r: c.process is not None or bool(getattr(c, "process_measures", None))),
        Need("process_fields", "de procesdata hebben geen doorlooptijd, aantal contacten of doorverwijzing en geen "
             "eigen procesmaten", "the process data hold no throughput time, number of contacts or referral and no "
             "own process measures", "process.columns, process_measures",
             lambda c, r: bool(getattr(c, "process_measures", None))
             or c.process is None or any(f in c.process.columns for f in PROCESS_FIELDS)),
        Need("outcome", "er is geen uitkomst met antwoorden om met het proces te vergelijken",
             "there is no outcome with answers to relate to the process", "analysis.outcomes",
             lambda c, r: bool(_outcomes(c, r)) or "tevredenheid" in r.columns))
declare("10_feedback",
        Need("open", "er zijn geen open antwoorden", "there are no open answers", "data.columns.open_antwoord",
             lambda c, r: "open_antwoord" in r.columns and r["open_antwoord"].notna().any()))
# 11_volwassenheid always runs: without a self-assessment it still gives the six-step checklist.
declare("12_klantreis",
        Need("journeys", "er is geen contactlog of afsprakenbestand gekoppeld",
             "no contact log or appointments file is linked", "journeys",
             lambda c, r: getattr(c, "journeys", None) is not None
             and (c.journeys.contacts is not None or c.journeys.appointments is not None)))


# -- the plan ---------------------------------------------------------------------------------------------
def chapter_plan(config, responses: pd.DataFrame, chapters: Sequence[str]) -> list[ChapterPlan]:
    """For each chapter (in order) whether it runs on ``config`` and ``responses``, and its unmet needs.

    Parameters
    ----------
    config:
        The organisation's ``OrgConfig``.
    responses:
        Every respondent of the survey (``Survey.responses``).
    chapters:
        Notebook names, e.g. ``report.runner.CHAPTERS``.

    Returns
    -------
    list of ChapterPlan
    """
    out = []
    for chapter in chapters:
        unmet = tuple(n for n in needs_of(chapter) if not n.check(config, responses))
        out.append(ChapterPlan(chapter, not unmet, unmet))
    return out


def plan_text(plan: Sequence[ChapterPlan], lang: str = "nl") -> str:
    """The plan for people: one line per chapter, ``runs`` or ``skipped: why (config key)``."""
    nl = lang != "en"
    lines = ["Hoofdstukken in het rapport:" if nl else "Chapters in the report:"]
    for p in plan:
        if p.runs:
            lines.append(f"  {p.chapter:<24} {'komt in het rapport' if nl else 'runs'}")
        else:
            what = "; ".join(getattr(n, "nl" if nl else "en") for n in p.unmet)
            keys = ", ".join(n.key for n in p.unmet)
            lines.append(f"  {p.chapter:<24} {'overgeslagen' if nl else 'skipped'}: {what} "
                         f"({'aan te zetten met' if nl else 'enable with'} {keys})")
    return "\n".join(lines) + "\n"


def comparability_text(config, lang: str = "nl") -> str:
    """Which core items are not mapped, so that their KPIs are not comparable with other organisations."""
    missing = config.missing_core()
    if not missing:
        return ("Alle kernvragen zijn gekoppeld: de kengetallen zijn vergelijkbaar met andere organisaties.\n"
                if lang != "en" else "Every core question is mapped: the key figures are comparable.\n")
    names = ", ".join(missing)
    if lang != "en":
        return (f"Niet gekoppelde kernvragen ({len(missing)}): {names}. Hun kengetallen zijn niet vergelijkbaar "
                "met andere organisaties; alle andere analyses lopen gewoon.\n")
    return (f"Core questions not mapped ({len(missing)}): {names}. Their key figures are not comparable with "
            "other organisations; every other analysis runs.\n")


def skipped_notebook(chapter: str, title: str, plan: ChapterPlan, lang: str = "nl"):
    """A notebook with only the chapter's title and the one paragraph that says why it was skipped."""
    import nbformat

    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_markdown_cell(f"# {title}"), nbformat.v4.new_markdown_cell(plan.reason(lang))]
    nb.metadata["meethuis"] = {"skipped": True, "chapter": chapter}
    return nb


def chapter_title(notebook_path, lang: str = "nl") -> str:
    """The ``# Title`` of a chapter notebook in ``lang`` (first markdown cell)."""
    import nbformat

    from meethuis.report.html import markdown_for

    nb = nbformat.read(str(notebook_path), as_version=4)
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            for line in markdown_for(cell.source, lang).splitlines():
                if line.startswith("# "):
                    return line[2:].strip()
    return str(notebook_path)

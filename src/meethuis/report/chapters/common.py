"""What every chapter notebook opens: :func:`open_chapter` and its :class:`Chapter`, plus shared sentences.

A chapter notebook does ``ch = open_chapter(config_path, period, lang, min_cell)`` and then calls the
library, showing results with ``ch.show_table(df, name, caption)``, ``ch.show_figure(fig, n_min=...)``
and ``ch.show_text(markdown)`` (``report.display``). Inside a report run the chapter opens the run
context the runner wrote once (``report.context``); a chapter opened on its own (JupyterLab, nbval)
builds its context from ``config_path``. After resolution ``ch.period`` is the quarter, or ``""`` when
every quarter is pooled (``report.context.resolve_period``).

Privacy: ``min_cell`` is never lower than the organisation's own ``min_cell`` in its config; every
table passes ``disclosure.protect_table``; a figure must state the smallest group behind it (``n_min``)
and is replaced by a note when that is below ``min_cell``.
"""
from __future__ import annotations

import html
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Mapping

import pandas as pd

from meethuis.common import narrative as nv  # noqa: F401  (notebooks format numbers with nv)
from meethuis.common.errors import ConfigError
from meethuis.intake.config import OrgConfig, load_config
from meethuis.report.context import (
    REPORT_DIR_ENV, current_run_dir, build_run_context, driver_analysis, driver_outcomes, load_aggregates,
    load_driver_analysis, own_aggregates, read_run_context, resolve_config_path, store_driver_analysis,
)
from meethuis.report.display import ci_text, show_answer, show_figure, show_table, show_text


@dataclass
class Chapter:
    """What one chapter notebook works with: config, survey, the period's rows and their weights."""

    config: OrgConfig
    survey: Any
    period: str
    lang: str
    min_cell: int
    responses: pd.DataFrame
    weights: pd.Series
    trend_responses: pd.DataFrame
    report_dir: Path | None = None
    cache_dir: Path | None = None  # the run's private folder when this chapter opened the run's context
    _cache: dict = field(default_factory=dict, repr=False)
    shared: dict = field(default_factory=dict, repr=False)  # the run's: filled once by the runner (share_run_results)

    @property
    def period_shown(self) -> str:
        """The period as readers see it: the quarter, a one-wave survey's own ``period:`` value (``2024``) when
        the data hold that one measurement, else ``""`` (every quarter pooled, "alle perioden")."""
        if self.period:
            return self.period
        values = self.responses["periode"].dropna().astype(str).unique() if "periode" in self.responses else []
        return str(values[0]) if len(values) == 1 else ""

    @property
    def codebook(self):
        return self.config.codebook

    def label(self, item_id: str) -> str:
        """Short label of an item or field in the chapter's language."""
        return self.codebook.label(item_id, self.lang)

    def text(self, nl: str, en: str) -> str:
        """Pick the Dutch or English version of a text."""
        return nl if self.lang == "nl" else en

    def trend_weights(self) -> pd.Series:
        """Weights for ``trend_responses``, raked within each quarter (margins hold per quarter)."""
        if "trend_weights" not in self.shared:
            from meethuis.stats.weights import survey_weights

            parts = [survey_weights(g, self.config) for _, g in
                     self.trend_responses.groupby("periode", observed=True, sort=True)]
            weights = pd.concat(parts).reindex(self.trend_responses.index) if parts else pd.Series(dtype=float)
            if self.config.margins:  # raked within each quarter: the linearised variance needs to know
                weights.attrs["calibration"] = {"margins": list(self.config.margins), "within": "periode"}
            self.shared["trend_weights"] = weights
        return self.shared["trend_weights"]

    # -- results used by several chapters ------------------------------------------------------------
    def kpis(self, items=None, by=None, statistics=None) -> pd.DataFrame:
        """``kpi.kpi_table`` on the period's rows with the chapter's weights, ``min_cell`` and codebook."""
        from meethuis.stats.kpi import kpi_table

        return kpi_table(self.responses, items=items, by=by, weights=self.weights, min_cell=self.min_cell,
                         codebook=self.codebook, statistics=statistics, hidden=self.hidden_groups())

    def hidden_groups(self) -> dict:
        """The groups every table, coefficient, figure and text of this report hides
        (``disclosure.run_hidden_groups``: the same choice in every chapter of a run)."""
        key = ("hidden_groups", self.min_cell)
        if key not in self.shared:
            from meethuis.stats.disclosure import run_hidden_groups

            self.shared[key] = run_hidden_groups(self.responses, self.config, self.min_cell, self.trend_responses)
        return self.shared[key]

    def share_run_results(self) -> None:
        """Compute what nearly every chapter uses (the hidden groups, the trend weights) into the run's shared
        results: the runner does this once before it forks the chapters, which then find them."""
        self.hidden_groups()
        self.trend_weights()

    def goal_comparison(self) -> pd.DataFrame:
        """``kpi.compare_goals`` of the organisation's goals against the period's overall KPIs."""
        from meethuis.stats.kpi import compare_goals

        items = sorted({g.item for g in self.config.goals if g.item in self.responses.columns})
        kpis = self.kpis(items=items) if items else self.kpis()
        return compare_goals(kpis, self.config.goals)

    def importance(self, outcome: str, n_boot: int = 500):
        """The one source of driver ranks: bootstrap Shapley importance of the drivers for ``outcome``.

        Every chapter (drivers, priorities, summary, feedback) takes ranks from here, with the same
        rows, weights, drivers and seed. Returns ``(importance, groups)``, or a sentence saying why there
        is none (too few complete answers, or the analysis is impossible). In a report run the runner has
        computed it once for every chapter (:func:`precompute_analyses`); else once per chapter.
        """
        key = ("importance", outcome, n_boot)
        if key in self._cache:
            return self._cache[key]
        result = load_driver_analysis(self.cache_dir, outcome, n_boot, self.min_cell)
        if result is None:  # opened on its own, or an analysis the runner did not run beforehand
            result = driver_analysis(self.responses, self.weights, self.config, outcome, n_boot, self.min_cell)
            if self.cache_dir is not None:
                store_driver_analysis(self.cache_dir, outcome, n_boot, self.min_cell, result)
        if isinstance(result[0], str):  # no analysis: say why
            label = self.label(outcome).lower() if outcome in self.codebook.items else outcome
            if result[0] == "missing":
                result = self.text(f"Voor {label} is geen drijfverenanalyse gemaakt: de vragen ontbreken.",
                                   f"No driver analysis for {label}: the questions are missing.")
            elif result[0] == "too_few":
                complete, needed = result[1], result[2]
                result = self.text(
                    f"Voor {label} is geen drijfverenanalyse gemaakt: {nv.format_int(complete, 'nl')} respondenten "
                    f"beantwoordden alle vragen, en er zijn er minstens {needed} nodig (10 per drijfveer).",
                    f"No driver analysis for {label}: {nv.format_int(complete, 'en')} respondents answered every "
                    f"question, and at least {needed} are needed (10 per driver).")
            else:
                result = self.text(f"Voor {label} is geen drijfverenanalyse mogelijk: {result[1]}",
                                   f"No driver analysis possible for {label}: {result[1]}")
        self._cache[key] = result
        return result

    def aggregates(self) -> dict:
        """The organisation's own aggregates for the benchmark (as in ``aggregates.json``), once per run."""
        stored = load_aggregates(self.cache_dir, self.min_cell)
        if stored is not None:
            return stored
        return own_aggregates(self.responses, self.weights, self.config, self.period, self.min_cell,
                              self.trend_responses)

    @property
    def outcome(self) -> str:
        """The main outcome: the first of ``analysis.outcomes``, else the first mapped outcome (tevredenheid)."""
        return self.config.outcomes()[0]

    def driver_outcomes(self) -> list[str]:
        """Outcomes of the driver chapter: ``analysis.outcomes``, else tevredenheid and menselijkheid if mapped."""
        return driver_outcomes(self.config)

    def family_of(self) -> dict[str, str]:
        """Each analysed driver's family (the config's ``analysis.drivers`` families, else its construct)."""
        return {d: f for f, ds in self.config.driver_families().items() for d in ds}

    def driver_importance(self, outcome: str, n_boot: int = 500):
        """:meth:`importance`, showing the reason when there is none (then ``None``)."""
        result = self.importance(outcome, n_boot)
        if isinstance(result, str):
            self.show_text(result)
            return None
        return result

    def driver_shares(self, outcome: str | None = None) -> pd.Series:
        """Each driver's share of the explained variance (from :meth:`importance`), empty when there is none."""
        result = self.importance(outcome or self.outcome)
        if isinstance(result, str):
            return pd.Series(dtype=float)
        return result[0].set_index("driver")["share"]

    def priority(self, outcome: str | None = None, n_boot: int = 500, quiet: bool = False) -> pd.DataFrame | None:
        """``priority.priority_matrix`` (clear rule) for ``outcome`` on the period (``None`` if impossible).

        Without ``quiet`` the reason is shown when there is no matrix.
        """
        from meethuis.stats.priority import priority_matrix

        outcome = outcome or self.outcome
        result = self.importance(outcome, n_boot) if quiet else self.driver_importance(outcome, n_boot)
        if result is None or isinstance(result, str):
            return None
        importance, _ = result
        key = ("priority", outcome, n_boot)
        if key not in self._cache:  # several cells of one chapter ask for it: computed once (a copy each)
            self._cache[key] = priority_matrix(self.responses, outcome, list(importance["driver"]),
                                               weights=self.weights, importance=importance.drop(columns=["n"]),
                                               min_cell=self.min_cell, codebook=self.codebook, lang=self.lang)
        return self._cache[key].copy()

    def top_knobs(self, top: int = 3, outcome: str | None = None) -> pd.DataFrame | None:
        """Show the knobs to turn for ``outcome`` (:func:`priority.clear_knobs`), or why there are none."""
        from meethuis.stats.priority import clear_knobs

        outcome = outcome or self.outcome
        matrix = self.priority(outcome)
        if matrix is None:
            return None
        knobs = clear_knobs(matrix, self.lang, top=top)
        self.show_text(knob_sentences(knobs, self.label(outcome).lower(), self.lang))
        return knobs

    def basis_sentence(self) -> str:
        """"Gebaseerd op 812 respondenten (3e kwartaal 2026), gewogen naar ..." for under a heading."""
        n = len(self.responses)
        when = nv.period_text(self.period_shown, self.lang)
        margins = [self.label(m) if m in self.codebook.fields or m in self.codebook.items else m
                   for m in self.config.margins]
        if self.lang == "nl":
            s = f"Gebaseerd op {nv.format_int(n, 'nl')} respondenten ({when})"
            s += f", gewogen naar {nv.join_list([m.lower() for m in margins], 'nl')}." if margins else ", ongewogen."
        else:
            s = f"Based on {nv.format_int(n, 'en')} respondents ({when})"
            s += f", weighted by {nv.join_list([m.lower() for m in margins], 'en')}." if margins else ", unweighted."
        return s

    def show_method(self, text: str) -> None:
        """Display plain method text (e.g. :meth:`basis_sentence`); the report folds it under "Hoe is dit berekend?"."""
        from IPython.display import HTML, display

        paragraphs = "".join(f"<p>{html.escape(p.strip())}</p>" for p in str(text).split("\n\n") if p.strip())
        display(HTML(f'<div class="mh-method">{paragraphs}</div>'))

    def show_answer(self, markdown: str) -> None:
        """Display the chapter's answer (one or two plain sentences from the numbers); the report puts it
        right under the title, before the method fold and any table or figure."""
        show_answer(markdown)

    def show_text(self, markdown: str) -> None:
        """Display Markdown text (built from numbers by ``narrative``) in the notebook and the report.

        Labels and names from the config or data may hold ``<``: it is escaped (``\\<``), so no raw HTML
        passes; the report renders these outputs with HTML escaping as well.
        """
        show_text(markdown)

    def show_table(self, table: pd.DataFrame, name: str, caption: str, *,
                   formats: Mapping[str, str | Callable[[Any], str]] | None = None,
                   labels: Mapping[str, str] | None = None, protect: bool = True,
                   view: Callable[[pd.DataFrame], pd.DataFrame] | None = None, survey_groups: bool = True) -> None:
        """Protect, save and display a table (nothing is returned, so nothing is echoed twice).

        See :func:`show_table`; uses the chapter's ``min_cell``, ``lang`` and codebook labels, and hides the
        groups the whole report hides (:meth:`hidden_groups`). ``survey_groups=False`` only for tables about
        another population than the survey's respondents (cases in the contact log).
        """
        return show_table(table, name, caption, min_cell=self.min_cell, lang=self.lang, formats=formats,
                          labels=labels, protect=protect, codebook=self.codebook, report_dir=self.report_dir,
                          view=view, hidden=self.hidden_groups() if survey_groups else None)

    def show_figure(self, fig, *, n_min: int | None) -> None:
        """Display ``fig`` with its alt text, or a note when ``n_min`` is below ``min_cell``."""
        show_figure(fig, n_min=n_min, min_cell=self.min_cell, lang=self.lang)


def open_chapter(config_path: str | os.PathLike = "molensloot", period: str = "", lang: str = "nl",
                 min_cell: int = 10) -> Chapter:
    """Load the organisation, its survey and weights for one chapter.

    Parameters
    ----------
    config_path:
        Sample name or path of the organisation YAML (see :func:`resolve_config_path`).
    period:
        ``""`` for the latest quarter, ``"all"`` for every quarter pooled, or a quarter such as
        ``"2026Q3"`` (see :func:`resolve_period`).
    lang:
        ``"nl"`` or ``"en"``.
    min_cell:
        Smallest group shown; the config's ``min_cell`` wins when it is higher.

    Returns
    -------
    Chapter

    Raises
    ------
    ConfigError, DataError
        For a bad config, period or data file.
    """
    nv.check_lang(lang)
    if int(min_cell) < 1:
        raise ConfigError(f"min_cell must be at least 1, got {min_cell}", key="min_cell",
                          hint="10 is the default; never publish results of fewer respondents")
    period = (period or "").strip().upper()
    nv.parse_period(period)
    env = os.environ.get(REPORT_DIR_ENV)
    report_dir = Path(env) if env else None
    context = read_run_context()
    cache_dir = current_run_dir()
    wanted = "" if period == nv.ALL else period  # "" = the latest quarter, resolved by the runner's context
    if context is None or (period and context.period != wanted) or \
            Path(context.config.path) != resolve_config_path(config_path):
        context = build_run_context(load_config(resolve_config_path(config_path)), period)
        cache_dir = None  # not the run's data: the run's stored analyses do not apply
    config = context.config
    return Chapter(config=config, survey=context.survey, period=context.period, lang=lang,
                   min_cell=max(int(min_cell), int(config.min_cell)), responses=context.responses,
                   weights=context.weights, trend_responses=context.trend_responses, report_dir=report_dir,
                   cache_dir=cache_dir, shared=context.shared)


def goal_view(comparison: pd.DataFrame, codebook, lang: str = "nl") -> pd.DataFrame:
    """Goals for readers: the goal in words, result, 95% CI, status (``kpi.status_label``), n."""
    from meethuis.stats.kpi import status_label

    rows = []
    for _, r in comparison.iterrows():
        kind = nv.kpi_kind(r["kpi"])
        label = nv.kpi_label(r["kpi"], codebook, lang)
        op = {">=": "\u2265", ">": ">", "<=": "\u2264", "<": "<"}[r["op"]]
        rows.append({
            ("Doel" if lang == "nl" else "Goal"): f"{label[:1].upper() + label[1:]} {op} "
                                                  f"{nv.format_value(r['target'], kind, lang)}",
            ("Uitkomst" if lang == "nl" else "Estimate"): nv.format_value(r["estimate"], kind, lang),
            nv.text("margin_header", lang): ci_text(r, kind, lang),
            "Status": status_label(r["status"], lang),
            "n": r["n"],
            "suppressed": bool(r.get("suppressed", False)),
        })
    return pd.DataFrame(rows)


# -- priorities (chapters 00 and 06) ------------------------------------------------------------------------
def knob_sentences(knobs: pd.DataFrame, outcome_label: str, lang: str = "nl") -> str:
    """The knobs (``priority.clear_knobs``) as a numbered list in plain words, or why there are none.

    Each line: the driver, its score on 0–100 with margin, its weight in the outcome, and how often it
    is among the three most important in the recalculations (bootstrap).
    """
    if knobs.empty:
        return ("Geen drijfveer springt er duidelijk uit: bij geen enkele drijfveer liggen zowel het belang als "
                "de score buiten de marge van de andere. Werk aan wat het meeste belang heeft (zie het hoofdstuk "
                "Prioriteiten) en meet opnieuw." if lang == "nl" else
                "No driver clearly stands out: for no driver do both its weight and its score lie outside the "
                "margin of the others. Work on what weighs most (see the chapter on priorities) and measure again.")
    lines = []
    for _, k in knobs.iterrows():
        imp = nv.format_number(k["importance_pct"], 0, lang) + "%"
        score = nv.format_number(k["score"], 0, lang)
        margin = nv.range_text(nv.format_number(k["score_ci_low"], 0, lang),
                               nv.format_number(k["score_ci_high"], 0, lang), lang)
        often = nv.format_percent(k["p_top3"], 0, lang) if pd.notna(k.get("p_top3")) else None
        if lang == "nl":
            line = (f"**{k['label']}**: score {score} van 100 (marge {margin}); weegt {imp} mee in de "
                    f"{outcome_label}")
            line += f"; in {often} van de herberekeningen bij de belangrijkste drie." if often else "."
        else:
            line = (f"**{k['label']}**: score {score} out of 100 (margin {margin}); weighs {imp} in "
                    f"{outcome_label}")
            line += f"; among the three most important in {often} of the recalculations." if often else "."
        lines.append(line)
    return nv.ranked_list(lines, lang)



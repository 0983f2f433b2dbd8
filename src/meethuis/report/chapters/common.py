"""Helpers for the chapter notebooks: load the survey once, select the period, show tables and figures.

A chapter notebook does ``ch = open_chapter(config_path, period, lang, min_cell)`` and then calls the
library, showing results with ``ch.show_table(df, name, caption)``, ``ch.show_figure(fig, n_min=...)``
and ``ch.show_text(markdown)``. Inside a report run (``report.run_report`` sets ``MEETHUIS_REPORT_DIR``)
every table is also written to ``tables/NAME.csv``, and the chapters open the run context that the
runner wrote (:func:`write_run_context`): the config is parsed and the survey read, validated and weighted
once for the whole run. A chapter opened on its own (JupyterLab, nbval) builds its context from
``config_path``.

Period semantics (one rule everywhere, :func:`resolve_period`): ``period=""`` (the default) means the
latest quarter in the data; ``period="all"`` pools every quarter; ``period="2026Q3"`` means that quarter.
A quarter is used for the current-state chapters (``ch.responses``, ``ch.weights``), and every quarter up
to and including it for trends (``ch.trend_responses``, ``ch.trend_weights()``). After resolution
``ch.period`` is the quarter, or ``""`` when every quarter is pooled.

Privacy: ``min_cell`` is never lower than the organisation's own ``min_cell`` in its config; every
table passes ``disclosure.protect_table``; a figure must state the smallest group behind it (``n_min``)
and is replaced by a note when that is below ``min_cell``.
"""
from __future__ import annotations

import base64
import html
import io as _io
import os
import pickle
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Mapping, Sequence

import numpy as np
import pandas as pd

from meethuis.common import narrative as nv
from meethuis.intake.config import OrgConfig, load_config
from meethuis.common.errors import AnalysisError, ConfigError, DataError

REPORT_DIR_ENV = "MEETHUIS_REPORT_DIR"
REPO_ROOT = Path(__file__).resolve().parents[4]
_TABLE_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]*$")

# Column headers of the tidy KPI tables, for readers.
COLUMN_LABELS: dict[str, dict[str, str]] = {
    "estimate": {"nl": "Uitkomst", "en": "Estimate"},
    "ci_low": {"nl": "Marge van", "en": "Margin from"},
    "ci_high": {"nl": "Marge tot", "en": "Margin to"},
    "n": {"nl": "Aantal (n)", "en": "Number (n)"},
    "n_eff": {"nl": "Effectief aantal", "en": "Effective n"},
    "item": {"nl": "Vraag", "en": "Question"},
    "kpi": {"nl": "Kengetal", "en": "Indicator"},
    "target": {"nl": "Doel", "en": "Goal"},
    "periode": {"nl": "Kwartaal", "en": "Quarter"},
}
HIDDEN_COLUMNS = ("suppressed", "reason")


def resolve_config_path(config_path: str | os.PathLike) -> Path:
    """Where an organisation config lives: a sample name (``"molensloot"``) or a path.

    A bare name without folder or ``.yml`` is a sample organisation (``meethuis.sample.sample_config``);
    a path resolves from the current directory, as on every command line (the report runner passes
    absolute paths to its chapters).

    Raises
    ------
    ConfigError
        When the file does not exist.
    """
    text = str(config_path).strip()
    if not text:
        raise ConfigError("no organisation config given", key="config_path",
                          hint="pass a sample name such as 'molensloot' or the path of an organisation YAML")
    if "/" not in text and os.sep not in text and not text.endswith((".yml", ".yaml")):
        from meethuis.sample import sample_config

        return Path(sample_config(text))
    path = Path(os.path.abspath(Path(text).expanduser()))
    if not os.path.lexists(path):
        raise ConfigError("config file not found", file=str(path),
                          hint="a relative path is read from the current folder; pass an absolute path or a "
                               "sample name such as 'molensloot'")
    try:
        return path.resolve(strict=True)
    except (OSError, RuntimeError):  # a symlink loop or an unreadable folder: load_config names it
        return path


def latest_period(responses: pd.DataFrame) -> str:
    """The latest quarter (``"2026Q3"``) with responses; ``""`` when the data have no quarters."""
    quarters = [q for q in responses["periode"].astype(str).unique() if nv._PERIOD.match(q)] \
        if "periode" in responses.columns else []
    return max(quarters) if quarters else ""  # YYYYQn sorts in time order


def resolve_period(responses: pd.DataFrame, period: str | None) -> str:
    """What a period parameter means for these data: a quarter, or ``""`` for every quarter pooled.

    ``""`` → the latest quarter (:func:`latest_period`); ``"all"`` → ``""``; ``"2026q3"`` → ``"2026Q3"``.

    Raises
    ------
    ConfigError
        For a malformed period.
    """
    text = (period or "").strip().upper()
    nv.parse_period(text)
    if text == nv.ALL:
        return ""
    if text == "":
        return latest_period(responses)
    return text


def period_parameter(period: str) -> str:
    """The notebook parameter for a resolved period: the quarter, or ``"all"`` for pooled data."""
    return period or nv.ALL.lower()


def select_period(responses: pd.DataFrame, period: str | None, scope: str = "current") -> pd.DataFrame:
    """Rows of ``period``: that quarter (``scope="current"``) or every quarter up to it (``"trend"``).

    Parameters
    ----------
    responses:
        Survey responses with a ``periode`` column (``"2026Q3"``).
    period:
        A quarter or ``""`` for all data.
    scope:
        ``"current"`` or ``"trend"``.

    Returns
    -------
    pandas.DataFrame
        The selected rows (index kept).

    Raises
    ------
    ConfigError
        For a malformed period; DataError when the period holds no responses.
    """
    if scope not in ("current", "trend"):
        raise ValueError(f"scope must be 'current' or 'trend', got {scope!r}")
    parsed = nv.parse_period(period)
    if parsed is None:
        return responses
    wanted = f"{parsed[0]}Q{parsed[1]}"
    quarters = responses["periode"].astype(str)
    mask = quarters == wanted if scope == "current" else quarters <= wanted  # YYYYQn sorts in time order
    if not mask.any():
        known = ", ".join(sorted(quarters.unique()))
        raise DataError(f"no responses in period {wanted}", column="periode",
                        hint=f"periods in the data: {known}; or leave the period empty for all data")
    return responses.loc[mask]


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
    _trend_weights: pd.Series | None = field(default=None, repr=False)
    _cache: dict = field(default_factory=dict, repr=False)

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
        if self._trend_weights is None:
            from meethuis.stats.weights import survey_weights

            parts = [survey_weights(g, self.config) for _, g in
                     self.trend_responses.groupby("periode", observed=True, sort=True)]
            self._trend_weights = (pd.concat(parts).reindex(self.trend_responses.index) if parts
                                   else pd.Series(dtype=float))
            if self.config.margins:  # raked within each quarter: the linearised variance needs to know
                self._trend_weights.attrs["calibration"] = {"margins": list(self.config.margins),
                                                            "within": "periode"}
        return self._trend_weights

    # -- results used by several chapters ------------------------------------------------------------
    def kpis(self, items=None, by=None, statistics=None) -> pd.DataFrame:
        """``kpi.kpi_table`` on the period's rows with the chapter's weights, ``min_cell`` and codebook."""
        from meethuis.stats.kpi import kpi_table

        return kpi_table(self.responses, items=items, by=by, weights=self.weights, min_cell=self.min_cell,
                         codebook=self.codebook, statistics=statistics)

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
        return own_aggregates(self.responses, self.weights, self.config, self.period, self.min_cell)

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
        return priority_matrix(self.responses, outcome, list(importance["driver"]), weights=self.weights,
                               importance=importance.drop(columns=["n"]), min_cell=self.min_cell,
                               codebook=self.codebook, lang=self.lang)

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

    def notable_changes(self, kpis: Sequence[str]) -> list[str]:
        """Significant changes of ``kpis`` in the latest quarter (vs. previous quarter, a year before, the start).

        All comparisons over all ``kpis`` are tested as one family with Benjamini-Hochberg
        (``trends.summary_changes``); one plain sentence says so in the chapter's method fold.
        """
        from meethuis.stats.trends import summary_changes

        changes = summary_changes(self.trend_responses, kpis, weights=self.trend_weights(), min_cell=self.min_cell,
                                  codebook=self.codebook, lang=self.lang)
        if changes.empty:
            return []
        self.show_method(self.text(  # method: folded under "Hoe is dit berekend?"
            f"We vergelijken hier {nv.format_int(len(changes), 'nl')} cijfers tegelijk. Dan lijkt er al snel iets "
            "veranderd door toeval. Daarom noemen we alleen veranderingen die ook na een correctie voor het aantal "
            "vergelijkingen overeind blijven (methode van Benjamini en Hochberg).",
            f"We compare {nv.format_int(len(changes), 'en')} figures at once, so some will seem to change by chance. "
            "We therefore only mention changes that hold after correcting for the number of comparisons "
            "(the Benjamini-Hochberg method)."))
        lines = []
        for _, c in changes[changes["significant"]].iterrows():
            kind = nv.kpi_kind(c["kpi"])
            label = nv.kpi_label(c["kpi"], self.codebook, self.lang)
            subject = label[:1].upper() + label[1:]
            if c["comparison"] == "sinds_begin":
                since = nv.period_text(c["compared_with"], self.lang)
                clause = nv.change_clause(c["before"], c["after"], kind=kind, lang=self.lang)
                lines.append(self.text(f"{subject} is sinds het {since} duidelijk {clause}.",
                                       f"{subject} has clearly {clause} since {since}."))
                continue
            lines.append(f"{subject}: {c['conclusion']} "
                         f"({nv.format_value(c['before'], kind, self.lang)} \u2192 "
                         f"{nv.format_value(c['after'], kind, self.lang)}, {nv.period_text(c['periode'], self.lang)}).")
        return lines

    def basis_sentence(self) -> str:
        """"Gebaseerd op 812 respondenten (3e kwartaal 2026), gewogen naar ..." for under a heading."""
        n = len(self.responses)
        when = nv.period_text(self.period, self.lang)
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

    def show_text(self, markdown: str) -> None:
        """Display Markdown text (built from numbers by ``narrative``) in the notebook and the report.

        Labels and names from the config or data may hold ``<``: it is escaped (``\\<``), so no raw HTML
        passes; the report renders these outputs with HTML escaping as well.
        """
        show_text(markdown)

    def show_table(self, table: pd.DataFrame, name: str, caption: str, *,
                   formats: Mapping[str, str | Callable[[Any], str]] | None = None,
                   labels: Mapping[str, str] | None = None, protect: bool = True,
                   view: Callable[[pd.DataFrame], pd.DataFrame] | None = None) -> None:
        """Protect, save and display a table (nothing is returned, so nothing is echoed twice).

        See :func:`show_table`; uses the chapter's ``min_cell``, ``lang`` and codebook labels.
        """
        return show_table(table, name, caption, min_cell=self.min_cell, lang=self.lang, formats=formats,
                          labels=labels, protect=protect, codebook=self.codebook, report_dir=self.report_dir,
                          view=view)

    def show_figure(self, fig, *, n_min: int | None) -> None:
        """Display ``fig`` with its alt text, or a note when ``n_min`` is below ``min_cell``."""
        show_figure(fig, n_min=n_min, min_cell=self.min_cell, lang=self.lang)


RUN_CONTEXT = "run-context.pkl"  # inside the run's private working folder ($MEETHUIS_RUN_DIR, mode 700)


@dataclass
class RunContext:
    """What a report run reads, validates and weights once, and every chapter of that run opens.

    ``responses``/``weights`` are the period's rows and their raked weights; ``trend_responses`` every
    quarter up to the period (see the module docstring).
    """

    config: OrgConfig
    period: str
    survey: Any
    responses: pd.DataFrame
    weights: pd.Series
    trend_responses: pd.DataFrame


def check_report_inputs(survey, config: OrgConfig) -> None:
    """What a report needs beyond a readable survey; ``meethuis validate`` runs the same checks.

    Raises
    ------
    DataError
        Fewer respondents than ``min_cell`` (nothing could be published), no answer in any question, or
        process data whose case keys match none of the survey's.
    """
    responses = survey.responses
    n, min_cell = len(responses), int(config.min_cell)
    file = str(config.data_file)
    if n < min_cell:
        raise DataError(f"the survey has {n} respondent(s); at least min_cell = {min_cell} are needed to publish "
                        "any number", file=file,
                        hint="collect more responses or combine periods; min_cell protects respondents' privacy")
    items = [i for i in config.items_in_use() if i in responses.columns]
    if items and not responses[items].notna().any().any():
        raise DataError(f"no respondent answered any of the {len(items)} questions: every answer is blank or "
                        "missing", file=file, hint="check data.columns (the right columns?) and data.recodes")
    if getattr(survey, "process", None) is not None and getattr(config, "process", None) is not None:
        from meethuis.improve.process import link_survey

        link_survey(survey, config)  # raises DataError when no case key matches


def build_run_context(config: OrgConfig, period: str = "", survey=None) -> RunContext:
    """Load and validate the survey of ``config``, select ``period`` and rake its weights.

    ``survey`` may be given when it was loaded already (``meethuis validate``); every check that the
    report relies on runs here (:func:`check_report_inputs`, the weights).

    Raises
    ------
    ConfigError, DataError, AnalysisError
        For a bad period, data file or weighting margins (what, where, and a hint).
    """
    from meethuis.intake.validate import load_survey
    from meethuis.stats.weights import survey_weights

    survey = survey if survey is not None else load_survey(config)
    check_report_inputs(survey, config)
    survey = _publishable_segments(survey, config)
    period = resolve_period(survey.responses, period)
    current = select_period(survey.responses, period, "current")
    trend = select_period(survey.responses, period, "trend")
    return RunContext(config=config, period=period, survey=survey, responses=current,
                      weights=survey_weights(current, config), trend_responses=trend)


def free_text_segments(config: OrgConfig) -> list[str]:
    """Category columns whose values respondents or staff typed freely (``dienst``, the config's segments
    without bins): their values become group labels, so they pass :func:`publishable_labels` first."""
    cb = config.codebook
    fields = [f.id for f in cb.fields.values() if f.kind == "category" and not f.values and f.role == "context"]
    segments = [sid for sid, seg in getattr(config, "segments", {}).items() if seg.bins is None]
    return list(dict.fromkeys(fields + segments))


def _publishable_segments(survey, config: OrgConfig):
    """The survey with free-text segment values scrubbed and those of fewer than ``min_cell`` merged."""
    import dataclasses

    from meethuis.improve.feedback import publishable_labels

    columns = [c for c in free_text_segments(config) if c in survey.responses.columns]
    if not columns:
        return survey
    return dataclasses.replace(survey, responses=publishable_labels(survey.responses, columns, config.min_cell))


def write_run_context(context: RunContext, run_dir: Path) -> Path:
    """Store ``context`` for the chapters of a report run in its private working folder (file mode 600).

    ``run_dir`` comes from :func:`meethuis.report.folders.private_run_dir`; it holds raw answers and link
    keys, so it is never the output folder.
    """
    from meethuis.report.folders import write_private

    return write_private(Path(run_dir) / RUN_CONTEXT, pickle.dumps(context, protocol=pickle.HIGHEST_PROTOCOL))


_OPENED: dict[str, tuple[tuple[int, int], RunContext]] = {}  # per kernel: the last run context read


def read_run_context(run_dir: Path | None = None) -> RunContext | None:
    """The run context written by the report runner (``$MEETHUIS_RUN_DIR``), or ``None`` outside a run.

    A warm kernel (``report.kernel``) runs several chapters of one report: the context is unpickled
    once per kernel and reused while the file is unchanged (chapters only read it).
    """
    run_dir = _run_dir() if run_dir is None else run_dir
    if run_dir is None:
        return None
    path = Path(run_dir) / RUN_CONTEXT
    try:
        stat = path.stat()
    except OSError:
        return None
    stamp = (stat.st_mtime_ns, stat.st_size)
    cached = _OPENED.get(str(path))
    if cached is not None and cached[0] == stamp:
        return cached[1]
    with open(path, "rb") as fh:
        context = pickle.load(fh)
    _OPENED.clear()  # one report at a time per kernel
    _OPENED[str(path)] = (stamp, context)
    return context


def _run_dir() -> Path | None:
    from meethuis.report.folders import RUN_DIR_ENV

    env = os.environ.get(RUN_DIR_ENV)
    return Path(env) if env else None


# -- analyse once, render many: results shared by several chapters of one run -------------------------------
ANALYSES = Path("analyses")  # inside the run's private working folder, next to the run context

SHARED_BOOT = 500  # bootstrap resamples of the driver analyses the chapters show (00, 05, 06, 10)


def driver_outcomes(config: OrgConfig) -> list[str]:
    """Outcomes of the driver chapter: ``analysis.outcomes``, else tevredenheid and menselijkheid if mapped."""
    if config.analysis_outcomes:
        return list(config.analysis_outcomes)
    shared = [o for o in ("tevredenheid", "menselijkheid") if o in config.outcomes()]
    return shared or config.outcomes()[:1]


def shared_driver_outcomes(config: OrgConfig) -> list[str]:
    """The outcomes whose driver analysis several chapters show: the main outcome and the driver chapter's."""
    return list(dict.fromkeys([*config.outcomes()[:1], *driver_outcomes(config)]))


def driver_analysis(responses: pd.DataFrame, weights: pd.Series, config: OrgConfig, outcome: str,
                    n_boot: int = 500, min_cell: int = 10):
    """Bootstrap Shapley importance and the families' shares for ``outcome``: what the chapters show.

    Returns ``(importance, groups)``, or why there is none: ``("missing",)`` (no outcome or drivers),
    ``("too_few", complete, needed)`` (fewer complete answers than ``max(min_cell, 10 per driver)``) or
    ``("error", message)``. Pure and seeded: a result stored by :func:`store_driver_analysis` equals a
    fresh one.
    """
    from meethuis.stats import drivers as drv

    names = [d for d in config.drivers() if d in responses.columns]
    if outcome not in responses.columns or not names:
        return ("missing",)
    complete = int(responses[[outcome, *names]].notna().all(axis=1).sum())
    needed = max(int(min_cell), 10 * len(names))
    if complete < needed:
        return ("too_few", complete, needed)
    try:
        boot = drv.bootstrap_importance(responses, outcome, names, weights=weights, n_boot=n_boot)
        families = {f: [d for d in ds if d in names] for f, ds in config.driver_families().items()}
        groups = drv.group_importance(responses, outcome, {f: ds for f, ds in families.items() if ds},
                                      weights=weights)
    except AnalysisError as exc:
        return ("error", exc.message)
    return boot.assign(n=boot["n_used"]), groups


def _analysis_path(run_dir: Path, outcome: str, n_boot: int, min_cell: int) -> Path:
    return Path(run_dir) / ANALYSES / f"drivers-{outcome}-{int(n_boot)}-{int(min_cell)}.pkl"


def store_driver_analysis(run_dir: Path, outcome: str, n_boot: int, min_cell: int, result) -> Path:
    """Write a :func:`driver_analysis` result into the run's private folder (atomic, mode 600)."""
    from meethuis.report.folders import write_private

    path = _analysis_path(run_dir, outcome, n_boot, min_cell)
    path.parent.mkdir(mode=0o700, exist_ok=True)
    return write_private(path, pickle.dumps(result, protocol=pickle.HIGHEST_PROTOCOL))


def load_driver_analysis(run_dir: Path | None, outcome: str, n_boot: int, min_cell: int):
    """A stored :func:`driver_analysis` result, or ``None`` when the run has none."""
    if run_dir is None:
        return None
    path = _analysis_path(run_dir, outcome, n_boot, min_cell)
    if not path.exists():
        return None
    with open(path, "rb") as fh:
        return pickle.load(fh)


def own_aggregates(responses: pd.DataFrame, weights: pd.Series, config: OrgConfig, period: str,
                   min_cell: int) -> dict:
    """The organisation's ``aggregates.json`` content (``benchmark.export_aggregates``) for the period."""
    from meethuis.improve.benchmark import export_aggregates

    return export_aggregates(responses, config, weights=weights, min_cell=min_cell, period=period)


def _aggregates_path(run_dir: Path, min_cell: int) -> Path:
    return Path(run_dir) / ANALYSES / f"aggregates-{int(min_cell)}.pkl"


def store_aggregates(run_dir: Path, min_cell: int, aggregates: dict) -> Path:
    """Keep :func:`own_aggregates` in the run's private folder (atomic, mode 600)."""
    from meethuis.report.folders import write_private

    path = _aggregates_path(run_dir, min_cell)
    path.parent.mkdir(mode=0o700, exist_ok=True)
    return write_private(path, pickle.dumps(aggregates, protocol=pickle.HIGHEST_PROTOCOL))


def load_aggregates(run_dir: Path | None, min_cell: int) -> dict | None:
    """Stored :func:`own_aggregates`, or ``None`` when the run has none."""
    if run_dir is None or not _aggregates_path(run_dir, min_cell).exists():
        return None
    with open(_aggregates_path(run_dir, min_cell), "rb") as fh:
        return pickle.load(fh)


def precompute_analyses(context: RunContext, run_dir: Path, min_cell: int) -> dict[str, float]:
    """Run the analyses that several chapters show, once, into the run's private folder; seconds each.

    The driver bootstrap per outcome (chapters 00, 05, 06, 10) and the organisation's own aggregates
    (chapter 08 and ``aggregates.json``).
    """
    import time

    seconds = {}
    n_boot = SHARED_BOOT
    for outcome in shared_driver_outcomes(context.config):
        start = time.perf_counter()
        result = driver_analysis(context.responses, context.weights, context.config, outcome, n_boot, min_cell)
        store_driver_analysis(run_dir, outcome, n_boot, min_cell, result)
        seconds[f"drivers-{outcome}"] = time.perf_counter() - start
    start = time.perf_counter()
    store_aggregates(run_dir, min_cell, own_aggregates(context.responses, context.weights, context.config,
                                                       context.period, min_cell))
    seconds["aggregates"] = time.perf_counter() - start
    return seconds


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
    cache_dir = _run_dir()
    wanted = "" if period == nv.ALL else period  # "" = the latest quarter, resolved by the runner's context
    if context is None or (period and context.period != wanted) or \
            Path(context.config.path) != resolve_config_path(config_path):
        context = build_run_context(load_config(resolve_config_path(config_path)), period)
        cache_dir = None  # not the run's data: the run's stored analyses do not apply
    config = context.config
    return Chapter(config=config, survey=context.survey, period=context.period, lang=lang,
                   min_cell=max(int(min_cell), int(config.min_cell)), responses=context.responses,
                   weights=context.weights, trend_responses=context.trend_responses, report_dir=report_dir,
                   cache_dir=cache_dir)


def escape_markdown_html(markdown: str) -> str:
    """Markdown in which ``<`` is a literal character (``\\<``), so no HTML tag or comment can start."""
    return re.sub(r"(?<!\\)<", r"\\<", markdown)


def show_text(markdown: str) -> None:
    """Display Markdown text with every ``<`` shown as a character (no raw HTML from labels or data)."""
    from IPython.display import Markdown, display

    display(Markdown(escape_markdown_html(markdown)))


# -- tables ------------------------------------------------------------------------------------------
def _column_kind(series: pd.Series) -> str:
    if pd.api.types.is_bool_dtype(series):
        return "bool"
    if pd.api.types.is_integer_dtype(series):
        return "int"
    if pd.api.types.is_float_dtype(series):
        vals = series.dropna()
        if len(vals) and np.all(np.isclose(vals, np.round(vals))) and vals.abs().max() >= 10:
            return "int"
        return "num2"
    return "text"


def _format_cell(value: Any, kind: str | Callable[[Any], str], lang: str) -> str:
    if value is pd.NA:  # nullable integer columns (e.g. hidden counts) hold pd.NA, not NaN
        value = np.nan
    if callable(kind):
        return kind(value)
    if kind == "text":
        return nv.MISSING if value is None or (isinstance(value, float) and np.isnan(value)) else str(value)
    if kind == "bool":
        if value is None or (isinstance(value, float) and np.isnan(value)):
            return nv.MISSING
        return ("ja" if value else "nee") if lang == "nl" else ("yes" if value else "no")
    if kind == "int":
        return nv.format_int(value, lang)
    if kind in ("share", "percent"):
        return nv.format_percent(value, 0, lang)
    if kind == "share1":
        return nv.format_percent(value, 1, lang)
    if kind == "nps":
        return nv.format_value(value, "nps", lang)
    m = re.fullmatch(r"num(\d)", kind)
    if m:
        return nv.format_number(value, int(m.group(1)), lang)
    raise ValueError(f"unknown column format {kind!r}")


def table_html(table: pd.DataFrame, caption: str, min_cell: int, lang: str = "nl",
               formats: Mapping[str, Any] | None = None, labels: Mapping[str, str] | None = None,
               name: str = "", csv_href: str = "") -> str:
    """An accessible HTML table: caption, column headers with ``scope``, Dutch number formatting.

    The table scrolls sideways inside a focusable region labelled by its caption (with a visible hint
    on narrow screens when it has more than three columns); ``csv_href`` adds a download link.

    Rows flagged ``suppressed`` show an em dash in every numeric cell (and no ``n``); every shown row
    carries ``data-n`` when the table has an ``n`` column, so checks can prove nothing below ``min_cell``
    is displayed.
    """
    formats = dict(formats or {})
    labels = dict(labels or {})
    shown = [c for c in table.columns if c not in HIDDEN_COLUMNS]
    kinds = {c: formats.get(c) or ("int" if c in ("n", "n_eff") else _column_kind(table[c])) for c in shown}
    suppressed = (table["suppressed"].fillna(False).astype(bool) if "suppressed" in table.columns
                  else pd.Series(False, index=table.index))
    head = "".join(
        f'<th scope="col">{html.escape(labels.get(c) or COLUMN_LABELS.get(c, {}).get(lang) or str(c))}</th>'
        for c in shown)
    rows = []
    any_suppressed = False
    collapse = int(suppressed.sum()) >= 2  # small organisations: hidden rows become one line
    hidden: list[str] = []
    for idx, row in table.iterrows():
        sup = bool(suppressed.loc[idx])
        if sup and collapse:
            names = [_format_cell(row[c], kinds[c], lang) for c in shown
                     if kinds[c] == "text" and not callable(kinds[c])]
            hidden.append(" \u00b7 ".join(n for n in names if n and n != nv.MISSING) or "?")
            continue
        attrs = ' data-suppressed="1"' if sup else ""
        if not sup and "n" in table.columns and pd.notna(row["n"]):
            attrs += f' data-n="{int(row["n"])}"'
        cells = []
        for k, c in enumerate(shown):
            kind = kinds[c]
            numeric = kind not in ("text",) and not callable(kind)
            if sup and numeric:
                value, any_suppressed = nv.MISSING, True
            else:
                value = _format_cell(row[c], kind, lang)
                any_suppressed |= value == nv.MISSING and numeric
            cls = ' class="num"' if numeric else ""
            tag = "th" if k == 0 and not numeric else "td"
            scope = ' scope="row"' if tag == "th" else ""
            cells.append(f"<{tag}{scope}{cls}>{html.escape(value)}</{tag}>")
        rows.append(f"<tr{attrs}>{''.join(cells)}</tr>")
    if hidden:
        listed = nv.join_list(hidden[:8], lang) + (
            (f" en nog {len(hidden) - 8}" if lang == "nl" else f" and {len(hidden) - 8} more") if len(hidden) > 8 else "")
        text = (f"{len(hidden)} regels niet getoond (minder dan {min_cell} respondenten): {listed}." if lang == "nl"
                else f"{len(hidden)} rows not shown (fewer than {min_cell} respondents): {listed}.")
        rows.append(f'<tr data-suppressed="1" class="collapsed"><td colspan="{max(len(shown), 1)}">'
                    f"{html.escape(text)}</td></tr>")
    if not rows:
        body = f'<tr><td colspan="{max(len(shown), 1)}">{html.escape(nv.text("empty_table", lang))}</td></tr>'
    else:
        body = "".join(rows)
    note = (f'<p class="table-note">{html.escape(nv.text("suppressed_note", lang, min_cell=min_cell))}</p>'
            if any_suppressed else "")
    cap_id = f"tabel-{html.escape(name)}" if name else ""
    label = f' aria-labelledby="{cap_id}"' if cap_id else f' aria-label="{html.escape(caption, quote=True)}"'
    wide = len(shown) > 3
    hint = (f'<p class="scroll-hint" aria-hidden="true">{html.escape(nv.text("scroll_hint", lang))}</p>'
            if wide else "")
    link = (f'<p class="table-download"><a href="{html.escape(csv_href, quote=True)}" download>'
            f'{html.escape(nv.text("download_csv", lang))}<span class="visually-hidden">: {html.escape(caption)}'
            f"</span></a></p>" if csv_href else "")
    cap_attr = f' id="{cap_id}"' if cap_id else ""
    return (f'<div class="mh-table-block">{hint}<div class="mh-table-wrap{" wide" if wide else ""}" role="region" '
            f'tabindex="0"{label}><table class="mh-table" data-table="{html.escape(name)}" '
            f'data-min-cell="{min_cell}"><caption{cap_attr}>{html.escape(caption)}</caption>'
            f"<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table></div>{note}{link}</div>")


def show_table(table: pd.DataFrame, name: str, caption: str, *, min_cell: int = 10, lang: str = "nl",
               formats: Mapping[str, Any] | None = None, labels: Mapping[str, str] | None = None,
               protect: bool = True, codebook=None, report_dir: Path | None = None,
               view: Callable[[pd.DataFrame], pd.DataFrame] | None = None) -> None:
    """Pass a table through ``disclosure.protect_table``, save it as ``tables/NAME.csv``, display it.

    Parameters
    ----------
    table:
        Tidy table; an ``n`` column (respondents per row) is what suppression works on.
    name:
        File name without ``.csv`` (lower case, digits, ``-``/``_``); unique within a report.
    caption:
        What the table shows, in the reader's language.
    min_cell, lang:
        Smallest group shown; ``nl`` or ``en``.
    formats:
        Per column ``"int"``, ``"num1"``, ``"num2"``, ``"share"``, ``"share1"``, ``"nps"``, ``"text"``
        or a function value → text (defaults from the dtype).
    labels:
        Column headers to show (defaults: :data:`COLUMN_LABELS`, else the column name).
    protect:
        ``False`` only for tables without respondent counts (e.g. a list of goals); then the table
        must not have an ``n`` column.
    codebook:
        When given, ids in an ``item`` column are shown as their labels.
    report_dir:
        Report folder (default: ``$MEETHUIS_REPORT_DIR``); ``None`` outside a report run.
    view:
        Turns the protected table into what readers see (e.g. :func:`kpi_view`: one text column per
        formatted value); it must keep ``n`` and ``suppressed``. The CSV holds the protected table.

    Returns
    -------
    None
        Nothing, so a notebook cell does not echo the raw table after the formatted one; call
        ``disclosure.protect_table`` yourself when you need the protected numbers.

    Raises
    ------
    AnalysisError
        When a bad table name is given or an unprotected table has an ``n`` column.
    """
    if not _TABLE_NAME.match(name):
        raise AnalysisError(f"table name '{name}' is not a simple file name",
                            hint="use lower-case letters, digits, - and _, e.g. 'kpi_kern'")
    if protect:
        from meethuis.stats.disclosure import protect_table

        published = protect_table(table, min_cell)
    else:
        if "n" in table.columns:
            raise AnalysisError(f"table '{name}' has respondent counts but protect=False",
                                hint="let show_table protect it; protect=False is for tables without n")
        published = table.copy()
    if report_dir is None and os.environ.get(REPORT_DIR_ENV):
        report_dir = Path(os.environ[REPORT_DIR_ENV])
    if report_dir is not None:
        from meethuis.intake.io import csv_text, write_text_atomic

        path = Path(report_dir) / "tables" / f"{name}.csv"
        if path.exists():
            raise AnalysisError(f"two tables are called '{name}' in one report", hint="give each table its own name")
        write_text_atomic(path, csv_text(published))  # text cells neutralised against spreadsheet formulas
    shown = view(published) if view is not None else published
    if "periode" in shown.columns:  # quarters read "3e kwartaal 2026", not "2026Q3"
        shown = shown.copy()
        shown["periode"] = [nv.period_text(p, lang) if isinstance(p, str) and nv._PERIOD.match(p) else p
                            for p in shown["periode"]]
    if codebook is not None and "item" in shown.columns:
        shown = shown.copy()
        shown["item"] = [codebook.label(i, lang) if i in codebook.items or i in codebook.fields else i
                         for i in shown["item"]]
    from IPython.display import HTML, display

    href = f"tables/{name}.csv" if report_dir is not None else ""
    display(HTML(table_html(shown, caption, min_cell, lang, formats, labels, name, csv_href=href)))


# -- figures -----------------------------------------------------------------------------------------
def figure_html(fig, *, n_min: int | None, min_cell: int = 10, lang: str = "nl") -> str:
    """``<figure>`` with the PNG embedded (base64) and the figure's text alternative as ``alt``.

    ``n_min`` is the smallest number of respondents behind any mark in the figure (``None`` when the
    figure shows no respondent data); below ``min_cell`` a note replaces the figure.
    """
    from meethuis.common.plots import alt_text, dutch_decimals, layout_problems

    alt = alt_text(fig)
    if n_min is not None and int(n_min) < min_cell:
        note = nv.text("suppressed_figure", lang, min_cell=min_cell)
        return f'<p class="figure-suppressed" data-suppressed="1">{html.escape(note)}</p>'
    if lang == "nl":
        dutch_decimals(fig)
    problems = layout_problems(fig)  # recorded on the figure; the report tests require none
    buf = _io.BytesIO()
    fig.savefig(buf, format="png", dpi=110, bbox_inches="tight")
    data = base64.b64encode(buf.getvalue()).decode("ascii")
    n_attr = f' data-n-min="{int(n_min)}"' if n_min is not None else ' data-n-min="none"'
    if problems:
        n_attr += f' data-layout-problems="{html.escape(" | ".join(problems), quote=True)}"'
    return (f'<figure class="mh-figure"{n_attr}><img src="data:image/png;base64,{data}" '
            f'alt="{html.escape(alt, quote=True)}"></figure>')


def show_figure(fig, *, n_min: int | None, min_cell: int = 10, lang: str = "nl") -> None:
    """Display a figure accessibly (see :func:`figure_html`); the figure is not shown twice."""
    from IPython.display import HTML, display

    display(HTML(figure_html(fig, n_min=n_min, min_cell=min_cell, lang=lang)))


# -- a generic figure: estimates with their 95% interval --------------------------------------------
def plot_estimates(table: pd.DataFrame, label_col: str, title: str, xlabel: str, alt: str, *,
                   kind: str = "mean", goal: float | None = None, lang: str = "nl"):
    """Horizontal dots with 95% intervals, one per published row of ``table`` (suppressed rows left out).

    Returns the figure and the smallest ``n`` behind a dot (for ``show_figure(n_min=...)``).
    """
    from meethuis.common.plots import PALETTE, new_figure

    shown = table[~table.get("suppressed", pd.Series(False, index=table.index)).fillna(False).astype(bool)]
    shown = shown[shown["estimate"].notna()]
    scale = 100.0 if kind == "share" else 1.0
    height = max(2.2, 0.45 * len(shown) + 1.3)
    fig, ax = new_figure(title, xlabel, "", alt, size=(7.5, height))
    y = np.arange(len(shown))[::-1]
    est = shown["estimate"].to_numpy(float) * scale
    lo = shown["ci_low"].to_numpy(float) * scale
    hi = shown["ci_high"].to_numpy(float) * scale
    ax.hlines(y, lo, hi, color=PALETTE["hemelsblauw"], linewidth=4,
              label="marge (95%)" if lang == "nl" else "margin (95%)")
    ax.plot(est, y, "o", color=PALETTE["blauw"], markersize=7, label="uitkomst" if lang == "nl" else "estimate")
    for yy, e in zip(y, est):
        ax.annotate(nv.format_value(e / scale, kind, lang), (e, yy), xytext=(0, 7), textcoords="offset points",
                    ha="center", fontsize=9)
    if goal is not None:
        ax.axvline(goal * scale, color=PALETTE["vermiljoen"], linestyle="--", label="doel" if lang == "nl" else "goal")
    ax.set_yticks(y, [str(v) for v in shown[label_col]])
    ax.set_ylim(-0.7, len(shown) - 0.3)
    if kind == "share":  # shares on their whole 0-100 range
        ax.set_xlim(0, 100)
    hidden = len(table) - len(shown)
    if hidden:  # the chart itself says that groups are left out
        ax.annotate((f"{hidden} groep(en) niet getoond: te weinig respondenten" if lang == "nl" else
                     f"{hidden} group(s) not shown: too few respondents"), xy=(0, 0), xycoords="axes fraction",
                    xytext=(0, -30), textcoords="offset points", fontsize=8, color="#595959", va="top")
    ax.grid(axis="y", visible=False)
    ax.set_axisbelow(True)
    decimal_axis(ax, "x", lang)
    fig.legend(*ax.get_legend_handles_labels(), loc="outside lower center", ncol=3, frameon=False, fontsize=8)
    n_min = int(shown["n"].min()) if len(shown) else None
    return fig, n_min


# -- reader views of tidy tables (what is shown; the CSV keeps the tidy numbers) -----------------------
def _ci_text(row: pd.Series, kind: str, lang: str) -> str:
    if pd.isna(row.get("ci_low")) or pd.isna(row.get("ci_high")):
        return nv.MISSING
    return nv.range_text(nv.format_value(row["ci_low"], kind, lang), nv.format_value(row["ci_high"], kind, lang), lang)


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
            nv.text("margin_header", lang): _ci_text(r, kind, lang),
            "Status": status_label(r["status"], lang),
            "n": r["n"],
            "suppressed": bool(r.get("suppressed", False)),
        })
    return pd.DataFrame(rows)


def decimal_axis(ax, which: str = "x", lang: str = "nl") -> None:
    """Tick labels with a decimal comma (nl) on axis ``which``; English keeps the point."""
    from matplotlib.ticker import FuncFormatter

    def fmt(value, _pos):
        decimals = 0 if float(value).is_integer() else (1 if round(value, 1) == round(value, 6) else 2)
        return nv.format_number(value, decimals, lang)

    getattr(ax, f"{which}axis").set_major_formatter(FuncFormatter(fmt))


def driver_groups(codebook, drivers: Sequence[str]) -> dict[str, list[str]]:
    """The organisation's drivers by family (``menselijke_maat``, ``basis``), empty families left out."""
    groups: dict[str, list[str]] = {}
    for d in drivers:
        groups.setdefault(codebook.items[d].construct, []).append(d)
    return groups


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



"""The run side of a report: one typed run context per run, the period rule, and analyses run once.

The runner validates the organisation's config and survey once (:func:`build_run_context`), writes the
:class:`RunContext` into the run's private working folder (:func:`write_run_context`) and computes the
analyses that several chapters show (:func:`precompute_analyses`); every chapter of that run opens them
(``chapters.common.open_chapter``). A chapter opened on its own builds its context from ``config_path``.

Period semantics (one rule everywhere, :func:`resolve_period`): ``period=""`` (the default) means the
latest quarter in the data; ``period="all"`` pools every quarter; ``period="2026Q3"`` means that quarter.
A quarter is used for the current-state chapters (``responses``, ``weights``), and every quarter up to
and including it for trends (``trend_responses``).
"""
from __future__ import annotations

import os
import pickle
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from meethuis.common import narrative as nv
from meethuis.common.errors import AnalysisError, ConfigError, DataError
from meethuis.intake.config import OrgConfig

REPORT_DIR_ENV = "MEETHUIS_REPORT_DIR"  # set by the runner: chapters write tables/NAME.csv there
REPO_ROOT = Path(__file__).resolve().parents[3]


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
    shared: dict = field(default_factory=dict)  # results every chapter uses, computed once (Chapter.shared)


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
        from meethuis.improve.process import check_link

        check_link(survey, config)  # raises DataError when no case key matches (nothing hashed yet)


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


_KEPT: dict[str, RunContext] = {}  # per process: the run context held in memory, by run folder
_OPENED: dict[str, tuple[tuple[int, int], RunContext]] = {}  # per kernel: the last run context read from file


def keep_run_context(context: RunContext | None, run_dir: Path) -> None:
    """Hold ``context`` in this process as the one of ``run_dir`` (``None``: let go of it).

    Chapters forked from this process (``report.inprocess``) then read it from memory: no file, no
    copy (the pages are shared until written).
    """
    _KEPT.clear()
    if context is not None:
        _KEPT[str(Path(run_dir))] = context


def read_run_context(run_dir: Path | None = None) -> RunContext | None:
    """The run context of the report run (``$MEETHUIS_RUN_DIR``), or ``None`` outside a run.

    Held in memory (:func:`keep_run_context`), or written by the runner; a warm kernel
    (``report.kernel``) runs several chapters of one report, so a written context is unpickled once per
    kernel and reused while the file is unchanged (chapters only read it).
    """
    run_dir = current_run_dir() if run_dir is None else run_dir
    if run_dir is None:
        return None
    if str(Path(run_dir)) in _KEPT:
        return _KEPT[str(Path(run_dir))]
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


def current_run_dir() -> Path | None:
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
                   min_cell: int, trend_responses: pd.DataFrame | None = None) -> dict:
    """The organisation's ``aggregates.json`` content (``benchmark.export_aggregates``) for the period, hiding
    the groups the report hides (``disclosure.run_hidden_groups``)."""
    from meethuis.improve.benchmark import export_aggregates
    from meethuis.stats.disclosure import run_hidden_groups

    min_cell = max(int(min_cell), int(getattr(config, "min_cell", 1)))
    hidden = run_hidden_groups(responses, config, min_cell, trend_responses)
    return export_aggregates(responses, config, weights=weights, min_cell=min_cell, period=period, hidden=hidden)


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


def analysis_jobs(context: RunContext, run_dir: Path, min_cell: int) -> list[tuple[str, Any]]:
    """The analyses several chapters show, as independent jobs: ``(name, function)``; each function stores
    its result in the run's private folder and returns its seconds.

    The driver bootstrap per outcome (chapters 00, 05, 06, 10) and the organisation's own aggregates
    (chapter 08 and ``aggregates.json``). The fork engine runs them side by side; they share nothing.
    """
    import time

    def drivers(outcome: str):
        def job() -> float:
            start = time.perf_counter()
            result = driver_analysis(context.responses, context.weights, context.config, outcome, SHARED_BOOT,
                                     min_cell)
            store_driver_analysis(run_dir, outcome, SHARED_BOOT, min_cell, result)
            return time.perf_counter() - start
        return job

    def aggregates() -> float:
        start = time.perf_counter()
        store_aggregates(run_dir, min_cell, own_aggregates(context.responses, context.weights, context.config,
                                                           context.period, min_cell, context.trend_responses))
        return time.perf_counter() - start

    jobs = [(f"drivers-{outcome}", drivers(outcome)) for outcome in shared_driver_outcomes(context.config)]
    return jobs + [("aggregates", aggregates)]


def precompute_analyses(context: RunContext, run_dir: Path, min_cell: int) -> dict[str, float]:
    """Run :func:`analysis_jobs` one after the other, into the run's private folder; seconds each."""
    return {name: job() for name, job in analysis_jobs(context, run_dir, min_cell)}

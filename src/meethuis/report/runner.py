"""The per-organisation report: run the chapter notebooks with papermill and assemble one HTML file.

``run_report(config, out)`` checks the config before any kernel starts (the kernels then start and import
while the data are read and validated; bad data close them before any chapter runs), runs the chapters
(:data:`CHAPTERS`, in order, at most ``jobs`` kernels at a time), and writes into ``out`` — atomically,
so the folder appears only when complete — ``report.html`` (self-contained, no code, table of contents,
provenance, print CSS), ``notebooks/`` (executed chapters), ``tables/*.csv`` and ``aggregates.json``.
``run_batch(folder, out)`` does this for every organisation config in a folder, in parallel processes.
"""
from __future__ import annotations

import contextlib
import os
import queue
import sys
import threading
import time
import traceback
from concurrent.futures import ThreadPoolExecutor

import nbformat
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Sequence

from meethuis.common import narrative as nv
from meethuis.intake.config import load_config
from meethuis.report.context import (
    REPO_ROOT, REPORT_DIR_ENV, RunContext, analysis_jobs, build_run_context, keep_run_context, period_parameter,
    precompute_analyses, resolve_config_path, write_run_context,
)
from meethuis.common.errors import ConfigError, MeethuisError
from meethuis.report.folders import RUN_DIR_ENV, check_output_folder, output_lock, private_run_dir, write_marker
from meethuis.report.html import assemble_html, cover_period, display_name, residents_page
from meethuis.report.plan import chapter_plan, chapter_title, skipped_notebook

NOTEBOOK_DIR = REPO_ROOT / "notebooks"

# The chapters of a report, in order: notebook names in notebooks/ (without .ipynb).
# Add a chapter by appending its name here; the notebook follows the pattern of 03_kpis.
CHAPTERS: tuple[str, ...] = (
    "00_samenvatting",
    "01_intake",
    "02_representativiteit",
    "03_kpis",
    "04_meetkwaliteit",
    "05_drijfveren",
    "06_prioriteiten",
    "07_trends",
    "08_benchmark",
    "09_procesdata",
    "10_feedback",
    "11_volwassenheid",
    "12_klantreis",
)

RESIDENTS_PAGE = "jullie-zeiden-wij-deden.html"
_OUR_ERRORS = {"MeethuisError", "ConfigError", "DataError", "AnalysisError", "CodebookError"}


class ChapterError(Exception):
    """A chapter notebook failed; names the chapter, the cell and the error.

    ``user_error`` is true when the notebook raised one of our own error types (bad data or config),
    which the CLI turns into exit code 2.
    """

    def __init__(self, chapter: str, cell: int | None, source: str, ename: str, evalue: str) -> None:
        self.chapter, self.cell, self.source, self.ename, self.evalue = chapter, cell, source, ename, evalue
        self.user_error = ename in _OUR_ERRORS
        first = (source.strip().splitlines() or [""])[0][:80]
        where = f"cell {cell} of notebooks/{chapter}.ipynb" if cell is not None else "kernel start-up"
        super().__init__(f"chapter {chapter} failed in {where} ({first!r}): {ename}: {evalue}")


@dataclass
class ReportResult:
    """What one report run produced."""

    path: Path
    chapters: list[str]
    seconds: dict[str, float] = field(default_factory=dict)
    total_seconds: float = 0.0
    analysis_seconds: dict[str, float] = field(default_factory=dict)  # shared analyses, run beside chapters


def chapters_available(chapters: Sequence[str] = CHAPTERS) -> list[str]:
    """The chapters whose notebook exists in ``notebooks/`` (in order)."""
    return [c for c in chapters if (NOTEBOOK_DIR / f"{c}.ipynb").exists()]


def validate_inputs(config_path: str | os.PathLike, period: str = "", lang: str = "nl", config=None) -> RunContext:
    """Check config, language, period, data and weights before any chapter runs: the run context.

    The config is parsed (unless given as ``config``) and the survey read, validated and weighted here,
    once per run; the chapters open the result (:func:`~meethuis.report.context.write_run_context`).

    Raises
    ------
    ConfigError, DataError
        What is wrong, where, and a hint.
    """
    nv.check_lang(lang)
    nv.parse_period(period)
    return build_run_context(config or load_config(resolve_config_path(config_path)), period)


# -- running -------------------------------------------------------------------------------------------
# Chapters that show the shared analyses (``report.context.precompute_analyses``: driver bootstrap per
# outcome, own aggregates): the runner computes those once, beside the first chapters, and starts these
# chapters when they are stored.
ANALYSES_SHOWN = {"00_samenvatting": "drivers", "05_drijfveren": "drivers", "06_prioriteiten": "drivers",
                  "10_feedback": "drivers", "08_benchmark": "aggregates"}  # chapter -> the shared analyses it shows
NEEDS_ANALYSES = frozenset(ANALYSES_SHOWN)
# The order in which the fork engine starts chapters: roughly by their measured cost (Molensloot, 100,000
# and 1,000,000 responses); a chapter that waits for its analyses lets the next one go first.
HEAVY_FIRST = ("07_trends", "12_klantreis", "09_procesdata", "00_samenvatting", "03_kpis", "06_prioriteiten",
               "08_benchmark", "05_drijfveren", "10_feedback", "02_representativiteit", "11_volwassenheid",
               "04_meetkwaliteit", "01_intake")
ENGINES = ("fork", "warm", "papermill")


def default_engine() -> str:
    """``"fork"`` where processes can fork (Linux, macOS), else ``"warm"`` kernels."""
    from meethuis.report.inprocess import fork_available

    return "fork" if fork_available() else "warm"


def _checked_engine(engine: str | None) -> str:
    """``engine``, or :func:`default_engine` for ``None``.

    Raises
    ------
    ConfigError
        For an engine not in :data:`ENGINES`.
    """
    engine = engine or default_engine()
    if engine not in ENGINES:
        raise ConfigError(f"unknown engine {engine!r}", key="engine", hint=f"one of {', '.join(ENGINES)}")
    return engine


def run_chapters_forked(chapters: Sequence[str], folder: Path, params: dict, jobs: int = 2, progress: bool = True,
                        analyses: Sequence[tuple[str, Callable[[], float]]] = (),
                        needs_analyses: frozenset = NEEDS_ANALYSES,
                        prepare: Callable[[dict], None] | None = None) -> tuple[dict, dict]:
    """Run ``chapters`` in forked children of this process, ``jobs`` at a time (:mod:`meethuis.report.inprocess`).

    ``analyses`` (``(name, function)`` pairs, :func:`~meethuis.report.context.analysis_jobs`) run in
    children of their own beside the chapters, side by side; a chapter in ``needs_analyses`` starts when
    the analyses it shows (:data:`ANALYSES_SHOWN`: the driver bootstraps, or the aggregates) have finished.
    ``prepare(params)`` runs here, beside the analyses, after the chapters' imports and before the first
    chapter forks (results every chapter then inherits).

    Returns
    -------
    tuple
        Seconds per chapter (in the order of ``chapters``) and seconds per shared analysis.

    Raises
    ------
    ChapterError
        The first chapter that failed (the others are stopped).
    """
    from meethuis.report.inprocess import ChildFailed, Task, run_forked, run_notebook
    from meethuis.report.kernel import import_chapter_modules

    extra = [Task(f"({name})", job) for name, job in analyses]
    wait = [t.name for t in extra]

    def after(chapter: str) -> list[str]:
        if chapter not in needs_analyses:
            return []
        kind = ANALYSES_SHOWN.get(chapter)
        return [w for w in wait if kind is None or w.startswith(f"({kind}")]

    rank = {c: k for k, c in enumerate(HEAVY_FIRST)}  # the longest first: no long chapter left alone at the end
    order = sorted(chapters, key=lambda c: rank.get(c, len(rank)))
    tasks = [Task(c, _notebook_work(run_notebook, c, Path(folder) / f"{Path(c).name}.ipynb", params),
                  after=after(c)) for c in order]
    analysis_seconds: dict[str, float] = {}

    def done(name: str, seconds: float, cpu: float, value) -> None:
        if name in wait:
            analysis_seconds[name.strip("()")] = seconds
        if progress:
            print(f"  {name:<26} {seconds:6.1f} s  ({cpu:.1f} CPU-s)", file=sys.stderr, flush=True)

    try:
        def before_chapters() -> None:  # beside the analyses
            import_chapter_modules()
            if prepare is not None:
                prepare(params)

        seconds = run_forked(tasks, jobs, done, extra, prepare=before_chapters)
    except ChildFailed as exc:
        if exc.failure is not None:
            f = exc.failure
            raise ChapterError(exc.task, _source_cell(exc.task, f.source, f.exec_count), f.source, f.ename,
                               f.evalue) from None
        raise ChapterError(exc.task, None, "", exc.ename, exc.evalue) from None
    return {c: seconds[c] for c in chapters}, analysis_seconds


def _share_run_results(params: dict) -> None:
    """Compute once, in the runner, what nearly every chapter would compute again (``Chapter.share_run_results``)."""
    from meethuis.report.chapters.common import open_chapter

    open_chapter(params["config_path"], params["period"], params["lang"], params["min_cell"]).share_run_results()


def _notebook_work(run_notebook, chapter: str, out_nb: Path, params: dict):
    """What a forked child does for ``chapter``: execute its notebook into ``out_nb``."""
    def work() -> None:
        run_notebook(NOTEBOOK_DIR / f"{chapter}.ipynb", out_nb, params, NOTEBOOK_DIR)
    return work


def _run_chapter(chapter: str, out_nb: Path, parameters: dict, kernel, progress: bool,
                 env: dict[str, str] | None = None) -> float:
    """Run one chapter in ``kernel`` (a :class:`~meethuis.report.kernel.WarmKernel`; ``None``: a fresh
    papermill kernel); with ``progress`` a line when done."""
    seconds = _execute(chapter, out_nb, parameters, kernel, env)
    if progress:
        print(f"  {chapter:<26} {seconds:6.1f} s", file=sys.stderr, flush=True)
    return seconds


def _execute(chapter: str, out_nb: Path, parameters: dict, kernel, env: dict[str, str] | None = None) -> float:
    from meethuis.report.kernel import ChapterFailure

    source = NOTEBOOK_DIR / f"{chapter}.ipynb"
    if kernel is not None:
        try:
            return kernel.run(source, out_nb, parameters, env)
        except ChapterFailure as exc:
            raise ChapterError(chapter, _source_cell(chapter, exc.source, exc.exec_count), exc.source,
                               exc.ename, exc.evalue) from None
        except Exception as exc:  # kernel died or did not start
            raise ChapterError(chapter, None, "", type(exc).__name__, str(exc)) from None
    import papermill as pm
    from papermill.exceptions import PapermillExecutionError

    start = time.perf_counter()
    try:
        pm.execute_notebook(str(source), str(out_nb), parameters=parameters,
                            kernel_name="python3", progress_bar=False, cwd=str(NOTEBOOK_DIR),
                            request_save_on_cell_execute=False, log_output=False, shutdown_kernel="immediate",
                            extra_arguments=["--IPKernelApp.log_level=ERROR"])
    except PapermillExecutionError as exc:
        raise ChapterError(chapter, _source_cell(chapter, exc.source, exc.exec_count), exc.source or "",
                           exc.ename, exc.evalue) from None
    except Exception as exc:  # kernel died or did not start
        raise ChapterError(chapter, None, "", type(exc).__name__, str(exc)) from None
    return time.perf_counter() - start


def _source_cell(chapter: str, source: str | None, fallback: int | None) -> int | None:
    """1-based position of the failing cell in the committed notebook (markdown cells counted)."""
    import nbformat

    try:
        nb = nbformat.read(str(NOTEBOOK_DIR / f"{chapter}.ipynb"), as_version=4)
    except Exception:
        return fallback
    for k, cell in enumerate(nb.cells, start=1):
        if cell.cell_type == "code" and source is not None and cell.source.strip() == source.strip():
            return k
    return fallback


def run_chapters(chapters: Sequence[str], folder: Path, params: dict, jobs: int = 2, progress: bool = True, *,
                 engine: str | None = None, analyses=None, needs_analyses: frozenset = NEEDS_ANALYSES,
                 kernels: Sequence | None = None, env: dict[str, str] | None = None) -> dict[str, float]:
    """Run ``chapters`` (notebook names under ``notebooks/``) with ``params`` on ``jobs`` workers.

    ``engine="fork"`` (the default where processes fork): each chapter runs in a child forked from this
    process (:func:`run_chapters_forked`). ``"warm"``: each worker starts one warm kernel
    (:class:`~meethuis.report.kernel.WarmKernel`) and runs its chapters one after the other, each in a
    clean namespace; ``"papermill"``: a fresh kernel per chapter, the former path. Each executed notebook goes to ``folder / <its file name>``. Chapters in
    ``needs_analyses`` go last and wait for ``analyses`` (a future of the shared analyses).
    ``kernels``: already started kernels, one per worker, as ``(kernel, future of its warm-up)`` pairs
    (closed here); ``env``: variables set in a warm kernel before each chapter.

    Returns
    -------
    dict
        Seconds per chapter, in the order of ``chapters``.

    Raises
    ------
    ChapterError
        The first chapter that failed (the workers take no new chapter after it).
    """
    from meethuis.report.kernel import WarmKernel

    engine = _checked_engine(engine)
    if engine == "fork":
        for kernel, _ in kernels or []:
            kernel.close()
        if analyses is not None:
            analyses.result()
        return run_chapters_forked(chapters, Path(folder), params, jobs, progress, needs_analyses=needs_analyses)[0]
    todo: queue.Queue[str] = queue.Queue()
    for c in [c for c in chapters if c not in needs_analyses] + [c for c in chapters if c in needs_analyses]:
        todo.put(c)
    seconds: dict[str, float] = {}
    failed = threading.Event()

    started = list(kernels or [])

    def worker() -> None:
        kernel, warming = started.pop() if started else (WarmKernel(NOTEBOOK_DIR) if engine == "warm" else None, None)
        try:
            if warming is not None:
                with contextlib.suppress(Exception):  # a kernel that did not start fails its first chapter
                    warming.result()
            while not failed.is_set():
                try:
                    chapter = todo.get_nowait()
                except queue.Empty:
                    return
                if chapter in needs_analyses and analyses is not None:
                    analyses.result()
                seconds[chapter] = _run_chapter(chapter, Path(folder) / f"{Path(chapter).name}.ipynb", params,
                                                kernel, progress, env)
        except BaseException:
            failed.set()
            raise
        finally:
            if kernel is not None:
                kernel.close()

    size = max(1, min(int(jobs), len(chapters) or 1))
    for kernel, _ in started[size:]:  # more kernels started than chapters to run
        kernel.close()
    del started[size:]
    pool = ThreadPoolExecutor(max_workers=size)
    interrupted = False
    try:
        workers = [pool.submit(worker) for _ in range(size)]
        errors = [w.exception() for w in workers if w.exception() is not None]
    except (KeyboardInterrupt, SystemExit):
        interrupted = True  # do not wait for running kernels; the CLI ends the process
        failed.set()
        raise
    finally:
        pool.shutdown(wait=not interrupted, cancel_futures=True)
    if errors:
        raise errors[0]
    return {c: seconds[c] for c in chapters}


def run_report(config_path: str | os.PathLike, out: str | os.PathLike, *, lang: str | None = None,
               period: str = "", min_cell: int | None = None, chapters: Sequence[str] | None = None,
               jobs: int = 2, progress: bool = True, engine: str | None = None) -> ReportResult:
    """Render the report of one organisation into the folder ``out``.

    Parameters
    ----------
    config_path:
        Organisation YAML (path, or sample name such as ``"molensloot"``).
    out:
        Output folder: new, empty, or a Meethuis report folder (marker file, only report files); replaced
        whole when the run succeeds, untouched when it fails. Anything else is refused.
    lang:
        ``"nl"`` or ``"en"``; ``None`` (default) takes the config's ``lang``.
    period:
        ``""`` (the latest quarter in the data, the default), ``"all"`` (every quarter pooled) or a
        quarter such as ``"2026Q3"``. Every chapter, the benchmark and ``aggregates.json`` use it.
    min_cell:
        Smallest group shown (default: the config's ``min_cell``; never lower than it).
    chapters:
        Notebook names to run (default: every available chapter of :data:`CHAPTERS`).
    jobs:
        Kernels running at the same time.
    progress:
        Print a line per finished chapter.
    engine:
        ``"fork"`` (the default where processes fork): each chapter runs in a child forked from the runner,
        which holds the run context in memory (:mod:`meethuis.report.inprocess`); ``"warm"``: one kernel per
        worker runs its chapters one after the other, each in a clean namespace
        (:mod:`meethuis.report.kernel`); ``"papermill"``: a fresh kernel per chapter (the former path).

    Returns
    -------
    ReportResult

    Raises
    ------
    ConfigError, DataError
        Bad input (a broken config before any kernel starts, bad data before any chapter runs); an
        output folder that is not ours; another run writing the same folder.
    ChapterError
        A chapter failed (names chapter and cell).
    """
    from meethuis.intake.io import atomic_directory

    t0 = time.perf_counter()
    period = (period or "").strip().upper()
    out = check_output_folder(out)  # before reading any data: refuse a folder that is not ours
    engine = _checked_engine(engine)
    chapters = list(chapters) if chapters is not None else chapters_available()
    nv.check_lang(lang or "nl")
    nv.parse_period(period)
    parsed = load_config(resolve_config_path(config_path))  # a broken config starts no kernel
    # the kernels start and import while the survey is read (bad data close them again)
    with _early_kernels(engine, min(int(jobs), len(chapters))) as kernels:
        context = validate_inputs(config_path, period, lang or "nl", config=parsed)
        if progress:
            print(f"  {'(gegevens gelezen)':<26} {time.perf_counter() - t0:6.1f} s", file=sys.stderr, flush=True)
        lang = lang or context.config.lang
        period = context.period  # resolved: the quarter, or "" for every quarter pooled
        config = context.config
        min_cell = max(int(min_cell or 0), int(config.min_cell))
        missing = [c for c in chapters if not (NOTEBOOK_DIR / f"{c}.ipynb").exists()]
        if missing:
            raise ConfigError(f"unknown chapter(s): {', '.join(missing)}", key="chapters",
                              hint=f"available: {', '.join(chapters_available())}")
        plan = {p.chapter: p for p in chapter_plan(config, context.survey.responses, chapters)}
        runnable = [c for c in chapters if plan[c].runs]
        params = {"config_path": str(config.path), "period": period_parameter(period), "lang": lang, "min_cell": min_cell}
        seconds: dict[str, float] = {}
        old_env = {k: os.environ.get(k) for k in (REPORT_DIR_ENV, RUN_DIR_ENV)}
        # The raw run context lives in a private temp folder; the staging folder beside ``out`` gets only
        # published parts. Both vanish however the run ends (SIGKILL: swept by the next run).
        with output_lock(out), private_run_dir() as run_dir, atomic_directory(out) as tmp:
            write_marker(tmp, config.path.name)
            (tmp / "notebooks").mkdir()
            (tmp / "tables").mkdir()
            if engine == "fork":
                keep_run_context(context, run_dir)  # the chapters, forked from here, read it from memory
            else:
                write_run_context(context, run_dir)
            for c in chapters:  # a chapter that lacks its inputs steps aside with one paragraph
                if not plan[c].runs:
                    nb = skipped_notebook(c, chapter_title(NOTEBOOK_DIR / f"{c}.ipynb", lang), plan[c], lang)
                    for k, cell in enumerate(nb.cells):  # fixed ids: the same data give the same bytes
                        cell["id"] = f"{c[:2]}-skip-{k}"
                    nbformat.write(nb, str(tmp / "notebooks" / f"{c}.ipynb"))
            os.environ[REPORT_DIR_ENV] = str(tmp)
            os.environ[RUN_DIR_ENV] = str(run_dir)
            try:
                if engine == "fork":
                    shared = analysis_jobs(context, run_dir, min_cell) if NEEDS_ANALYSES & set(runnable) else []
                    seconds, analysis_seconds = run_chapters_forked(runnable, tmp / "notebooks", params, jobs,
                                                                    progress, shared, prepare=_share_run_results)
                else:
                    seconds, analysis_seconds = _run_in_kernels(context, run_dir, tmp, runnable, params, jobs,
                                                                progress, engine, kernels, min_cell)
            finally:
                keep_run_context(None, run_dir)
                for key, value in old_env.items():
                    if value is None:
                        os.environ.pop(key, None)
                    else:
                        os.environ[key] = value
            for c in runnable if engine != "fork" else ():  # the fork engine writes them with fixed ids
                _stable_cell_ids(tmp / "notebooks" / f"{c}.ipynb")
            _write_aggregates(context, tmp / "aggregates.json", period, min_cell, run_dir)
            page = assemble_html([tmp / "notebooks" / f"{c}.ipynb" for c in chapters], config, period, lang)
            (tmp / "report.html").write_text(page, encoding="utf-8")
            residents = residents_page([tmp / "notebooks" / f"{c}.ipynb" for c in chapters],
                                       display_name(config, lang), cover_period(config, period), lang)
            if residents:  # "Jullie zeiden, wij deden" as a small page to publish for residents
                (tmp / RESIDENTS_PAGE).write_text(residents, encoding="utf-8")
            write_marker(tmp, config.path.name)  # lists what this run wrote: a later run may replace only that
        return ReportResult(path=out / "report.html", chapters=chapters, seconds=seconds,
                            total_seconds=time.perf_counter() - t0, analysis_seconds=analysis_seconds)


def _run_in_kernels(context: RunContext, run_dir: Path, tmp: Path, runnable: list[str], params: dict, jobs: int,
                    progress: bool, engine: str, kernels, min_cell: int) -> tuple[dict, dict]:
    """The kernel engines: shared analyses in a thread of the runner, chapters in kernels; seconds of both."""
    analysis_pool = ThreadPoolExecutor(max_workers=1)
    interrupted = False
    try:
        analyses = (analysis_pool.submit(precompute_analyses, context, run_dir, min_cell)
                    if NEEDS_ANALYSES & set(runnable) else None)
        seconds = run_chapters(runnable, tmp / "notebooks", params, jobs, progress, engine=engine,
                               analyses=analyses, kernels=kernels,
                               env={REPORT_DIR_ENV: str(tmp), RUN_DIR_ENV: str(run_dir)})
        return seconds, (analyses.result() if analyses is not None else {})
    except (KeyboardInterrupt, SystemExit):
        interrupted = True
        raise
    finally:
        analysis_pool.shutdown(wait=not interrupted, cancel_futures=True)


@contextlib.contextmanager
def _early_kernels(engine: str, count: int):
    """``count`` warm kernels starting in the background: ``(kernel, future of its warm-up)`` pairs.

    Whatever :func:`run_chapters` did not take is closed on exit (after its start-up finished).
    """
    if engine != "warm" or count < 1:
        yield []
        return
    from meethuis.report.kernel import WarmKernel

    kernels = [WarmKernel(NOTEBOOK_DIR) for _ in range(count)]
    starting = ThreadPoolExecutor(max_workers=count)
    pairs = [(k, starting.submit(k.warm_up)) for k in kernels]
    interrupted = False
    try:
        yield pairs
    except (KeyboardInterrupt, SystemExit):
        interrupted = True
        raise
    finally:
        starting.shutdown(wait=not interrupted, cancel_futures=True)
        for kernel in kernels:
            with contextlib.suppress(Exception):
                kernel.close()


def _stable_cell_ids(path: Path) -> None:
    """The fixed parameters cell id (:func:`~meethuis.report.inprocess.stable_parameter_ids`) in a notebook a
    kernel engine wrote."""
    from meethuis.report.inprocess import stable_parameter_ids

    if not path.exists():
        return
    nb = nbformat.read(str(path), as_version=4)
    if stable_parameter_ids(nb):
        nbformat.write(nb, str(path))


def _write_aggregates(context: RunContext, path: Path, period: str, min_cell: int, run_dir: Path | None = None) -> None:
    """aggregates.json: the organisation's suppressed aggregates on the shared core (benchmark module).

    Taken from the run's shared analyses when they ran (chapter 08 showed the same numbers).
    """
    from meethuis.improve import benchmark
    from meethuis.report.context import load_aggregates, own_aggregates

    aggregates = load_aggregates(run_dir, min_cell)
    if aggregates is None:
        aggregates = own_aggregates(context.responses, context.weights, context.config, period, min_cell,
                                    context.trend_responses)
    benchmark.write_aggregates(aggregates, path)


# -- batch ---------------------------------------------------------------------------------------------
@dataclass
class BatchResult:
    """Outcome of one organisation in a batch run."""

    organisation: str
    status: str  # "ok" or "fout"
    seconds: float
    path: str
    message: str = ""


def _batch_one(config_path: str, out: str, lang: str | None, period: str, engine: str | None = None) -> BatchResult:
    t0 = time.perf_counter()
    name = Path(config_path).stem
    try:
        result = run_report(config_path, Path(out) / name, lang=lang, period=period, jobs=1, progress=False,
                            engine=engine)
        return BatchResult(name, "ok", time.perf_counter() - t0, str(result.path))
    except (MeethuisError, ChapterError) as exc:
        return BatchResult(name, "fout", time.perf_counter() - t0, "", str(exc))
    except Exception as exc:  # a bug in one organisation must not stop the others
        return BatchResult(name, "fout", time.perf_counter() - t0, "",
                           f"{type(exc).__name__}: {exc}\n{traceback.format_exc(limit=3)}")


def run_batch(folder: str | os.PathLike, out: str | os.PathLike, *, jobs: int = 2, lang: str | None = None,
              period: str = "", echo=None, scheduler: str | None = None,
              engine: str | None = None) -> list[BatchResult]:
    """Reports for every organisation config (``*.yml``, ``*.yaml``) in ``folder``, fanned out with Dask.

    Each organisation is one task (:func:`_batch_one`): idempotent (its folder ``out/<config name>`` is
    replaced whole, atomically), independent (a failure, even a crashed worker, is that organisation's
    :class:`BatchResult` and the others go on).

    Parameters
    ----------
    folder:
        Folder with organisation configs; each report goes to ``out/<config name>``.
    out:
        Parent folder of the reports (on a cluster: a path every worker can write).
    jobs:
        Without ``scheduler``: workers of the local Dask cluster (one process, one thread and one kernel
        each), i.e. organisations rendered at the same time.
    lang, period, engine:
        As :func:`run_report`.
    echo:
        Optional callable that receives one line per finished organisation.
    scheduler:
        Address of a running Dask scheduler (``tcp://host:8786``) whose workers can import ``meethuis`` and
        read the configs and data at the same paths; ``None``: a local cluster of ``jobs`` workers.

    Returns
    -------
    list of BatchResult
        In config-name order.

    Raises
    ------
    ConfigError
        When the folder holds no configs, or the scheduler cannot be reached.
    """
    folder = Path(folder).resolve()
    configs = sorted(p for pattern in ("*.yml", "*.yaml") for p in folder.glob(pattern) if p.is_file()) \
        if folder.is_dir() else []
    if not configs:
        raise ConfigError("no organisation configs (*.yml, *.yaml) found", file=str(folder),
                          hint="pass the folder holding the YAML files, e.g. data/sample")
    out = Path(out).resolve()
    with _dask_client(jobs, scheduler) as client:
        return _fan_out(client, configs, out, lang, period, echo, engine)


@contextlib.contextmanager
def _dask_client(jobs: int, scheduler: str | None):
    """A Dask client: of the cluster at ``scheduler``, or of a local cluster of ``jobs`` worker processes."""
    import logging

    from dask.distributed import Client, LocalCluster

    logging.getLogger("distributed").setLevel(logging.ERROR)
    if scheduler:
        try:
            client = Client(scheduler, timeout="20s")
        except OSError as exc:
            raise ConfigError(f"cannot reach the Dask scheduler at {scheduler}: {exc}", key="--scheduler",
                              hint="start one with `dask scheduler` and workers with `dask worker ADDRESS`, "
                                   "or leave --scheduler out for a local cluster") from None
        try:
            yield client
        finally:
            client.close()
        return
    # one thread per worker: a report runs its own kernel; memory per worker left to the machine
    with LocalCluster(n_workers=max(1, int(jobs)), threads_per_worker=1, processes=True,
                      dashboard_address=None, memory_limit=0, silence_logs=logging.ERROR) as cluster, \
            Client(cluster) as client:
        yield client


def _fan_out(client, configs: Sequence[Path], out: Path, lang: str | None, period: str, echo,
             engine: str | None = None) -> list[BatchResult]:
    """Submit one task per organisation and collect the results as they finish."""
    from dask.distributed import as_completed

    futures = {}
    for c in configs:  # pure=False: a rerun renders again (the data may have changed)
        futures[client.submit(_batch_one, str(c), str(out), lang, period, engine, pure=False,
                              key=f"meethuis-report-{c.stem}-{time.time_ns()}")] = c.stem
    results: dict[str, BatchResult] = {}
    for future in as_completed(futures):
        name = futures[future]
        try:
            r = future.result()
        except Exception as exc:  # the worker died (e.g. out of memory): that organisation failed
            r = BatchResult(name, "fout", 0.0, "", f"{type(exc).__name__}: {exc}")
        results[name] = r
        if echo:
            echo(f"{r.organisation}: {r.status} ({nv.format_number(r.seconds, 1, 'en')} s)")
    return [results[c.stem] for c in configs]


def batch_exit_code(results: Sequence[BatchResult]) -> int:
    """The batch's exit code: the number of organisations that failed (0: all fine; at most 125)."""
    return min(125, sum(r.status != "ok" for r in results))


def batch_summary(results: Sequence[BatchResult]) -> str:
    """A plain-text table: organisation, status, time, path (or the error)."""
    rows = [("organisatie", "status", "tijd (s)", "pad / melding")]
    for r in results:
        rows.append((r.organisation, r.status, f"{r.seconds:.1f}", r.path or r.message.splitlines()[0]))
    widths = [max(len(row[k]) for row in rows) for k in range(3)]
    lines = ["  ".join(row[k].ljust(widths[k]) for k in range(3)) + "  " + row[3] for row in rows]
    lines.insert(1, "-" * (sum(widths) + 6 + 20))
    return "\n".join(lines)

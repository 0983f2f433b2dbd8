"""The per-organisation report: run the chapter notebooks with papermill and assemble one HTML file.

``run_report(config, out)`` validates the config and data before any kernel starts, runs the chapters
(:data:`CHAPTERS`, in order, at most ``jobs`` kernels at a time), and writes into ``out`` — atomically,
so the folder appears only when complete — ``report.html`` (self-contained, no code, table of contents,
provenance, print CSS), ``notebooks/`` (executed chapters), ``tables/*.csv`` and ``aggregates.json``.
``run_batch(folder, out)`` does this for every organisation config in a folder, in parallel processes.
"""
from __future__ import annotations

import datetime as _dt
import html
import json
import os
import queue
import re
import shutil
import sys
import time
import traceback
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Sequence

from . import __version__
from . import narrative as nv
from .chapter import REPO_ROOT, REPORT_DIR_ENV, resolve_config_path
from .errors import ConfigError, MeethuisError
from .io import file_digest

NOTEBOOK_DIR = REPO_ROOT / "notebooks"
TEMPLATE_DIR = Path(__file__).resolve().parent / "templates"

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
)

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


def chapters_available(chapters: Sequence[str] = CHAPTERS) -> list[str]:
    """The chapters whose notebook exists in ``notebooks/`` (in order)."""
    return [c for c in chapters if (NOTEBOOK_DIR / f"{c}.ipynb").exists()]


def validate_inputs(config_path: str | os.PathLike, period: str = "", lang: str = "nl"):
    """Check config, language, period and data before any kernel starts; returns the OrgConfig.

    Raises
    ------
    ConfigError, DataError
        What is wrong, where, and a hint.
    """
    from .chapter import select_period
    from .config import load_config
    from .io import load_survey

    nv.check_lang(lang)
    nv.parse_period(period)
    config = load_config(resolve_config_path(config_path))
    survey = load_survey(config)
    select_period(survey.responses, period, "current")
    return config


# -- running -------------------------------------------------------------------------------------------
def _run_chapter(chapter: str, out_nb: Path, parameters: dict, slots, progress: bool) -> float:
    """Run one chapter; with ``progress`` a cell bar on a free screen line, then a line when done."""
    position = slots.get()
    try:
        seconds = _execute(chapter, out_nb, parameters, position, progress)
    finally:
        slots.put(position)
    if progress:
        from tqdm.auto import tqdm

        tqdm.write(f"  {chapter:<26} {seconds:6.1f} s", file=sys.stderr)
    return seconds


def _execute(chapter: str, out_nb: Path, parameters: dict, position: int, progress: bool) -> float:
    import papermill as pm
    from papermill.exceptions import PapermillExecutionError

    start = time.perf_counter()
    bar = {"desc": f"  {chapter:<24}", "position": position, "leave": False} if progress else False
    try:
        pm.execute_notebook(str(NOTEBOOK_DIR / f"{chapter}.ipynb"), str(out_nb), parameters=parameters,
                            kernel_name="python3", progress_bar=bar, cwd=str(NOTEBOOK_DIR),
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


def run_report(config_path: str | os.PathLike, out: str | os.PathLike, *, lang: str = "nl",
               period: str = "", min_cell: int | None = None, chapters: Sequence[str] | None = None,
               jobs: int = 2, progress: bool = True) -> ReportResult:
    """Render the report of one organisation into the folder ``out``.

    Parameters
    ----------
    config_path:
        Organisation YAML (path, or sample name such as ``"molensloot"``).
    out:
        Output folder; replaced whole when the run succeeds, untouched when it fails.
    lang:
        ``"nl"`` or ``"en"``.
    period:
        ``""`` (all data) or a quarter such as ``"2026Q3"``.
    min_cell:
        Smallest group shown (default: the config's ``min_cell``; never lower than it).
    chapters:
        Notebook names to run (default: every available chapter of :data:`CHAPTERS`).
    jobs:
        Kernels running at the same time.
    progress:
        Show a progress bar per chapter.

    Returns
    -------
    ReportResult

    Raises
    ------
    ConfigError, DataError
        Bad input, found before any kernel starts.
    ChapterError
        A chapter failed (names chapter and cell).
    """
    from .io import atomic_directory

    t0 = time.perf_counter()
    period = (period or "").strip().upper()
    config = validate_inputs(config_path, period, lang)
    min_cell = max(int(min_cell or 0), int(config.min_cell))
    chapters = list(chapters) if chapters is not None else chapters_available()
    missing = [c for c in chapters if not (NOTEBOOK_DIR / f"{c}.ipynb").exists()]
    if missing:
        raise ConfigError(f"unknown chapter(s): {', '.join(missing)}", key="chapters",
                          hint=f"available: {', '.join(chapters_available())}")
    out = Path(out).resolve()
    params = {"config_path": str(config.path), "period": period, "lang": lang, "min_cell": min_cell}
    seconds: dict[str, float] = {}
    old_env = os.environ.get(REPORT_DIR_ENV)
    with atomic_directory(out) as tmp:
        (tmp / "notebooks").mkdir()
        (tmp / "tables").mkdir()
        os.environ[REPORT_DIR_ENV] = str(tmp)
        try:
            jobs = max(1, int(jobs))
            slots: queue.Queue[int] = queue.Queue()
            for k in range(jobs):
                slots.put(k)
            pool = ThreadPoolExecutor(max_workers=jobs)
            try:
                futures = {c: pool.submit(_run_chapter, c, tmp / "notebooks" / f"{c}.ipynb", params, slots, progress)
                           for c in chapters}
                for c in chapters:
                    seconds[c] = futures[c].result()
            finally:  # on a failure, chapters not yet started are cancelled
                pool.shutdown(wait=True, cancel_futures=True)
        finally:
            if old_env is None:
                os.environ.pop(REPORT_DIR_ENV, None)
            else:
                os.environ[REPORT_DIR_ENV] = old_env
        _write_aggregates(config, tmp / "aggregates.json", period, min_cell)
        page = assemble_html([tmp / "notebooks" / f"{c}.ipynb" for c in chapters], config, period, lang)
        (tmp / "report.html").write_text(page, encoding="utf-8")
        shutil.rmtree(tmp / ".cache", ignore_errors=True)  # raw respondent data: never published
    return ReportResult(path=out / "report.html", chapters=chapters, seconds=seconds,
                        total_seconds=time.perf_counter() - t0)


def _write_aggregates(config, path: Path, period: str, min_cell: int) -> None:
    """aggregates.json: the organisation's suppressed aggregates on the shared core (benchmark module)."""
    try:
        from . import benchmark
    except ModuleNotFoundError as exc:
        if exc.name != "meethuis.benchmark":
            raise
        return  # a source tree without the benchmark module: no aggregates.json
    from .chapter import open_chapter

    os.environ[REPORT_DIR_ENV] = str(path.parent)
    try:
        ch = open_chapter(str(config.path), period, "nl", min_cell)
    finally:
        os.environ.pop(REPORT_DIR_ENV, None)
    aggregates = benchmark.export_aggregates(ch.responses, config, weights=ch.weights, min_cell=min_cell,
                                             period=period)
    benchmark.write_aggregates(aggregates, path)


# -- HTML assembly -------------------------------------------------------------------------------------
_EN_BLOCK = re.compile(r"<!--\s*en\s*\n(.*?)-->", re.S)


def markdown_for(source: str, lang: str) -> str:
    """The text of a markdown cell in ``lang``: Dutch as written, English from a ``<!-- en ... -->`` block.

    A cell without an English block shows its Dutch text in both languages.
    """
    english = _EN_BLOCK.search(source)
    if lang == "en" and english:
        return english.group(1).strip()
    return _EN_BLOCK.sub("", source).strip()


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", re.sub(r"<[^>]+>", "", text).lower()).strip("-") or "sectie"


def chapter_html(nb_path: Path, lang: str) -> tuple[str, str]:
    """Reader-facing HTML of one executed chapter (markdown and rich outputs, no code); and its title."""
    import mistune
    import nbformat

    nb = nbformat.read(str(nb_path), as_version=4)
    parts: list[str] = []
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            parts.append(mistune.html(markdown_for(cell.source, lang)))
        elif cell.cell_type == "code":
            for output in cell.get("outputs", []):
                if output.get("output_type") != "display_data":
                    continue  # values echoed by a cell, streams (warnings) and errors are not for readers
                data = output.get("data", {})
                if "text/html" in data:
                    parts.append(_join(data["text/html"]))
                elif "text/markdown" in data:
                    parts.append(mistune.html(_join(data["text/markdown"])))
    body = "\n".join(parts)
    m = re.search(r"<h1[^>]*>(.*?)</h1>", body, re.S)
    title = re.sub(r"<[^>]+>", "", m.group(1)).strip() if m else nb_path.stem
    return body, title


def _join(value) -> str:
    return "".join(value) if isinstance(value, list) else str(value)


def assemble_html(notebooks: Sequence[Path], config, period: str, lang: str,
                  today: _dt.date | None = None) -> str:
    """One self-contained HTML page of the executed chapters, with contents, cover and provenance."""
    import jinja2

    sections, toc, used = [], [], set()
    for nb_path in notebooks:
        body, title = chapter_html(Path(nb_path), lang)
        entries = []

        def anchor(match: re.Match) -> str:
            level, inner = match.group(1), match.group(2)
            slug = base = f"{Path(nb_path).stem[:2]}-{_slug(inner)}"
            k = 2
            while slug in used:
                slug, k = f"{base}-{k}", k + 1
            used.add(slug)
            entries.append((int(level), re.sub(r"<[^>]+>", "", inner).strip(), slug))
            return f'<h{level} id="{slug}">{inner}</h{level}>'

        body = re.sub(r"<h([12])>(.*?)</h\1>", anchor, body, flags=re.S)
        sections.append({"id": Path(nb_path).stem, "title": title, "body": body})
        toc.append(entries)
    today = today or _dt.date.today()
    process_file = config.process.file if config.process else None
    provenance = {
        "version": __version__,
        "config": f"{config.path.name} sha256:{file_digest(config.path)[:12]}",
        "data": f"{config.data_file.name} sha256:{file_digest(config.data_file)[:12]}",
        "process": f"{Path(process_file).name} sha256:{file_digest(process_file)[:12]}" if process_file else "",
        "python": ".".join(map(str, sys.version_info[:3])),
    }
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(str(TEMPLATE_DIR)), autoescape=True)
    template = env.get_template("report.html.j2")
    return template.render(
        lang=lang, org=config.name, sections=sections, toc=toc,
        css=(TEMPLATE_DIR / "report.css").read_text(encoding="utf-8"),
        title=nv.text("report_title", lang), period=nv.period_text(period, lang),
        date=nv.format_date(today, lang), provenance=provenance, t=lambda key: nv.text(key, lang),
    )


# -- batch ---------------------------------------------------------------------------------------------
@dataclass
class BatchResult:
    """Outcome of one organisation in a batch run."""

    organisation: str
    status: str  # "ok" or "fout"
    seconds: float
    path: str
    message: str = ""


def _batch_one(config_path: str, out: str, lang: str, period: str) -> BatchResult:
    t0 = time.perf_counter()
    name = Path(config_path).stem
    try:
        result = run_report(config_path, Path(out) / name, lang=lang, period=period, jobs=1, progress=False)
        return BatchResult(name, "ok", time.perf_counter() - t0, str(result.path))
    except (MeethuisError, ChapterError) as exc:
        return BatchResult(name, "fout", time.perf_counter() - t0, "", str(exc))
    except Exception as exc:  # a bug in one organisation must not stop the others
        return BatchResult(name, "fout", time.perf_counter() - t0, "",
                           f"{type(exc).__name__}: {exc}\n{traceback.format_exc(limit=3)}")


def run_batch(folder: str | os.PathLike, out: str | os.PathLike, *, jobs: int = 2, lang: str = "nl",
              period: str = "", echo=None) -> list[BatchResult]:
    """Reports for every organisation config (``*.yml``) in ``folder``, ``jobs`` organisations at a time.

    One failing organisation does not stop the others; each gets a :class:`BatchResult`.

    Parameters
    ----------
    folder:
        Folder with organisation configs; each report goes to ``out/<config name>``.
    out:
        Parent folder of the reports.
    jobs:
        Organisations rendered at the same time (separate processes, one kernel each).
    lang, period:
        As :func:`run_report`.
    echo:
        Optional callable that receives one line per finished organisation.

    Returns
    -------
    list of BatchResult
        In config-name order.

    Raises
    ------
    ConfigError
        When the folder holds no configs.
    """
    folder = Path(folder).resolve()
    configs = sorted(p for p in folder.glob("*.yml") if p.is_file()) if folder.is_dir() else []
    if not configs:
        raise ConfigError("no organisation configs (*.yml) found", file=str(folder),
                          hint="pass the folder holding the YAML files, e.g. data/sample")
    out = Path(out).resolve()
    results: list[BatchResult] = []
    with ProcessPoolExecutor(max_workers=max(1, int(jobs))) as pool:
        futures = [pool.submit(_batch_one, str(c), str(out), lang, period) for c in configs]
        for f in futures:
            r = f.result()
            results.append(r)
            if echo:
                echo(f"{r.organisation}: {r.status} ({nv.format_number(r.seconds, 1, 'en')} s)")
    return results


def batch_summary(results: Sequence[BatchResult]) -> str:
    """A plain-text table: organisation, status, time, path (or the error)."""
    rows = [("organisatie", "status", "tijd (s)", "pad / melding")]
    for r in results:
        rows.append((r.organisation, r.status, f"{r.seconds:.1f}", r.path or r.message.splitlines()[0]))
    widths = [max(len(row[k]) for row in rows) for k in range(3)]
    lines = ["  ".join(row[k].ljust(widths[k]) for k in range(3)) + "  " + row[3] for row in rows]
    lines.insert(1, "-" * (sum(widths) + 6 + 20))
    return "\n".join(lines)

"""The community report: the chapters in ``notebooks/community/`` run on a benchmark pool, one HTML page.

``run_community_report(pool, out)`` checks the pool before any kernel starts, runs the chapters
(:data:`COMMUNITY_CHAPTERS`) with the organisation report's machinery (:func:`runner.run_chapters`,
:func:`html.render_page`) and writes ``out/report.html``, ``out/tables/*.csv`` and ``out/notebooks/`` atomically.
"""
from __future__ import annotations

import os
import time
from pathlib import Path

from meethuis.common import narrative as nv
from meethuis.improve.pool import open_pool
from meethuis.intake.io import file_digest
from meethuis.report.context import REPORT_DIR_ENV
from meethuis.report.chapters.community import POOL_ENV
from meethuis.report.folders import check_output_folder, output_lock, write_marker
from meethuis.report.html import render_page
from meethuis.report.runner import NOTEBOOK_DIR, ReportResult, run_chapters

COMMUNITY_CHAPTERS: tuple[str, ...] = (
    "community/00_overzicht",
    "community/01_kpis",
    "community/02_trend",
    "community/03_drijfveren",
)


def run_community_report(pool_path: str | os.PathLike, out: str | os.PathLike, *, lang: str = "nl",
                         period: str = "", min_cell: int | None = None, jobs: int = 2,
                         progress: bool = True) -> ReportResult:
    """Render the community report of the pool at ``pool_path`` into the folder ``out``.

    Parameters
    ----------
    pool_path:
        The pool file (``meethuis benchmark add``).
    out:
        Output folder (new, empty or an earlier report; replaced whole when the run succeeds).
    lang:
        ``"nl"`` or ``"en"``.
    period:
        ``""``: each organisation's latest submission; or one period label such as ``"2026Q3"``.
    min_cell:
        Smallest group shown (never below the pool's own ``min_cell``).
    jobs, progress:
        Kernels at a time; progress bars.

    Returns
    -------
    ReportResult

    Raises
    ------
    DataError, ConfigError
        A missing or unreadable pool, a period the pool does not hold, an output folder that is not ours.
    ChapterError
        A chapter failed (names chapter and cell).
    """
    from meethuis.common.errors import DataError
    from meethuis.intake.io import atomic_directory

    t0 = time.perf_counter()
    nv.check_lang(lang)
    period = (period or "").strip().upper()
    out = check_output_folder(out)
    pool_path = Path(pool_path).resolve()
    with open_pool(pool_path, read_only=True) as pool:
        summary = pool.summary()
        settings = pool.settings
        periods = set(pool.submissions()["period"])
    if summary["submissions"] == 0:
        raise DataError("the pool holds no submissions yet", file=str(pool_path),
                        hint="add aggregates.json files with `meethuis benchmark add`")
    if period and period not in periods:
        raise DataError(f"the pool holds no submissions for period {period}", file=str(pool_path),
                        hint=f"periods in the pool: {', '.join(sorted(periods))}; or leave --period empty")
    params = {"pool_path": str(pool_path), "period": period, "lang": lang,
              "min_cell": max(int(min_cell or 0), settings.min_cell)}
    chapters = [c for c in COMMUNITY_CHAPTERS if (NOTEBOOK_DIR / f"{c}.ipynb").exists()]
    old = {k: os.environ.get(k) for k in (POOL_ENV, REPORT_DIR_ENV)}
    with output_lock(out), atomic_directory(out) as tmp:
        write_marker(tmp, pool_path.name)
        (tmp / "notebooks").mkdir()
        (tmp / "tables").mkdir()
        os.environ[POOL_ENV] = str(pool_path)
        os.environ[REPORT_DIR_ENV] = str(tmp)
        try:
            seconds = run_chapters(chapters, tmp / "notebooks", params, jobs, progress)
        finally:
            for key, value in old.items():
                if value is None:
                    os.environ.pop(key, None)
                else:
                    os.environ[key] = value
        provenance = {"config": f"pool {pool_path.name} sha256:{file_digest(pool_path)[:12]}",
                      "data": (f"{summary['submissions']} inzendingen van {summary['organisations']} organisaties"
                               if lang == "nl" else
                               f"{summary['submissions']} submissions from {summary['organisations']} organisations")}
        when = (nv.period_text(period, lang) if period else
                ("laatste inzending per organisatie" if lang == "nl" else "latest submission per organisation"))
        page = render_page([tmp / "notebooks" / f"{Path(c).name}.ipynb" for c in chapters], settings.title,
                           "Gemeenschapsrapport" if lang == "nl" else "Community report", when, provenance, lang)
        (tmp / "report.html").write_text(page, encoding="utf-8")
        write_marker(tmp, pool_path.name)  # again, now listing everything the run wrote
    return ReportResult(path=out / "report.html", chapters=chapters, seconds=seconds,
                        total_seconds=time.perf_counter() - t0)

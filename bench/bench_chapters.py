"""Seconds and memory of a report's data path, in process: intake/context, shared analyses, each chapter.

The same shape as the report runner's fork engine: the parent builds the run context once (load,
validate, weight) and holds it; each shared analysis (``analysis_jobs``) and then each chapter runs in a
forked child, one at a time (the runner runs two side by side) executes the chapter notebook's code cells in a fresh namespace with the
parameters cell's values replaced, and finds the run context already in memory (copy-on-write). Prints
per step: wall and CPU seconds, the process's peak RSS (``VmHWM``) and, for a chapter, its private memory
at the end (``Private_*`` of ``smaps_rollup``: what the child copied or allocated beyond the shared context).

Run: ``python bench/bench_chapters.py --config /tmp/scale/1m/lut.yml [--chapters 03,07] [--profile DIR]``.
``--profile DIR`` writes one cProfile file per step (``pstats``) and prints its ten most expensive functions.
No peer: this bench finds hot spots and tracks them; ``bench_scale.py`` compares with today's report path.
"""
from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import resource
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if not os.environ.get("PYTHONPATH"):  # a PYTHONPATH names the package to measure (e.g. an older snapshot)
    sys.path.insert(0, str(ROOT / "src"))
os.environ.setdefault("MPLBACKEND", "Agg")


def _status_mb(key: str) -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(key + ":"):
            return int(line.split()[1]) / 1024
    return float("nan")


def _private_mb() -> float:
    total = 0
    for line in Path("/proc/self/smaps_rollup").read_text().splitlines():
        if line.startswith(("Private_Clean:", "Private_Dirty:")):
            total += int(line.split()[1])
    return total / 1024


def _profiled(profile_dir: Path | None, name: str, fn):
    """Run ``fn()``; with a profile folder, under cProfile into ``NAME.prof`` and print its top ten."""
    if profile_dir is None:
        return fn()
    import cProfile
    import pstats

    prof = cProfile.Profile()
    try:
        return prof.runcall(fn)
    finally:
        path = profile_dir / f"{name}.prof"
        prof.dump_stats(str(path))
        out = io.StringIO()
        pstats.Stats(str(path), stream=out).sort_stats("cumulative").print_stats(25)
        print(out.getvalue(), file=sys.stderr)


def _cells(notebook: Path, parameters: dict) -> list[str]:
    """The notebook's code cells, the parameters cell's values replaced (other parameters kept)."""
    import nbformat

    nb = nbformat.read(str(notebook), as_version=4)
    cells = []
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        source = cell.source
        if "parameters" in cell.metadata.get("tags", []):
            source += "\n" + "\n".join(f"{k} = {v!r}" for k, v in parameters.items())
        cells.append(source)
    return cells


def run_chapter(notebook: Path, parameters: dict, profile_dir: Path | None) -> dict:
    """Execute ``notebook``'s cells in this process; wall/CPU seconds, peak and private MB, slowest cell."""
    import matplotlib.pyplot as plt

    cells = _cells(notebook, parameters)
    namespace: dict = {"__name__": "__main__"}
    per_cell = []
    start_wall, start_cpu = time.perf_counter(), time.process_time()

    def execute():
        for k, source in enumerate(cells):
            cpu = time.process_time()
            with contextlib.redirect_stdout(io.StringIO()):
                exec(compile(source, f"{notebook.name}[{k}]", "exec"), namespace)
            per_cell.append(time.process_time() - cpu)
        plt.close("all")

    _profiled(profile_dir, notebook.stem, execute)
    slowest = max(range(len(per_cell)), key=per_cell.__getitem__) if per_cell else -1
    return {"wall": time.perf_counter() - start_wall, "cpu": time.process_time() - start_cpu,
            "peak_mb": _status_mb("VmHWM"), "private_mb": _private_mb(),
            "slowest_cell": slowest, "slowest_cpu": per_cell[slowest] if per_cell else 0.0}


def _in_child(fn) -> dict:
    """``fn()`` in a forked child (the run context shared copy-on-write); its result as a dict."""
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # child
        os.close(read)
        try:
            result = fn()
        except BaseException as exc:  # noqa: BLE001 - reported to the parent
            result = {"error": f"{type(exc).__name__}: {exc}"}
        with os.fdopen(write, "w") as fh:
            fh.write(json.dumps(result))
        os._exit(0)
    os.close(write)
    with os.fdopen(read) as fh:
        text = fh.read()
    os.waitpid(pid, 0)
    return json.loads(text) if text else {"error": "child died"}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--config", default=str(ROOT / "data" / "sample" / "lut.yml"))
    parser.add_argument("--period", default="all")
    parser.add_argument("--chapters", default="", help="numbers such as 03,07 (default: every chapter)")
    parser.add_argument("--profile", default="", help="folder for cProfile files (one per step)")
    parser.add_argument("--skip-chapters", action="store_true", help="intake, context and analyses only")
    parser.add_argument("--skip-analyses", action="store_true",
                        help="no shared analyses first (for chapters that do not show them, e.g. 07, 09)")
    args = parser.parse_args()

    from meethuis.intake.config import load_config
    from meethuis.report import context as rc

    profile_dir = Path(args.profile) if args.profile else None
    if profile_dir:
        profile_dir.mkdir(parents=True, exist_ok=True)
    config_path = str(Path(args.config).resolve()) if "/" in args.config else args.config
    work = Path(tempfile.mkdtemp(prefix="bench-chapters-"))
    run_dir, report_dir = work / "run", work / "report"
    run_dir.mkdir(mode=0o700)
    (report_dir / "tables").mkdir(parents=True)

    base_mb = _status_mb("VmRSS")
    wall, cpu = time.perf_counter(), time.process_time()
    config = load_config(rc.resolve_config_path(config_path))
    context = _profiled(profile_dir, "intake", lambda: rc.build_run_context(config, args.period))
    intake = {"wall": time.perf_counter() - wall, "cpu": time.process_time() - cpu,
              "peak_mb": _status_mb("VmHWM"), "rss_mb": _status_mb("VmRSS"), "base_mb": base_mb}
    print(f"{'step':<26}{'wall s':>8}{'CPU s':>8}{'peak MB':>9}{'own MB':>8}  notes")
    print(f"{'intake+context':<26}{intake['wall']:8.2f}{intake['cpu']:8.2f}{intake['peak_mb']:9.0f}"
          f"{intake['rss_mb'] - base_mb:8.0f}  {len(context.responses):,} rows, RSS after {intake['rss_mb']:.0f} MB")
    rc.keep_run_context(context, run_dir)  # as the fork engine: chapters find it in memory
    min_cell = 10
    for name, job in [] if args.skip_analyses else rc.analysis_jobs(context, run_dir, min_cell):  # side by side in the runner
        result = _in_child(lambda job=job, name=name: _timed(lambda: _profiled(profile_dir, name, job)))
        print(f"{name:<26}{result.get('wall', 0):8.2f}{result.get('cpu', 0):8.2f}"
              f"{result.get('peak_mb', 0):9.0f}{result.get('private_mb', 0):8.0f}  {result.get('error', '')}",
              flush=True)
    if args.skip_chapters:
        return
    os.environ[rc.REPORT_DIR_ENV] = str(report_dir)
    from meethuis.report.folders import RUN_DIR_ENV

    os.environ[RUN_DIR_ENV] = str(run_dir)
    wanted = {c.strip().zfill(2) for c in args.chapters.split(",") if c.strip()}
    parameters = {"config_path": config_path, "period": args.period, "lang": "nl", "min_cell": min_cell}
    from meethuis.report.plan import chapter_plan

    notebooks = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
    plan = {p.chapter: p for p in chapter_plan(config, context.survey.responses, [n.stem for n in notebooks])}
    total = 0.0
    for notebook in notebooks:
        if wanted and notebook.name[:2] not in wanted:
            continue
        if not plan[notebook.stem].runs:  # the runner writes a one-sentence page instead
            print(f"{notebook.stem:<26}  steps aside (chapter plan)")
            continue
        result = _in_child(lambda nb=notebook: run_chapter(nb, parameters, profile_dir))
        total += result.get("cpu", 0.0)
        note = result.get("error") or f"slowest cell {result['slowest_cell']} ({result['slowest_cpu']:.2f} CPU s)"
        print(f"{notebook.stem:<26}{result.get('wall', 0):8.2f}{result.get('cpu', 0):8.2f}"
              f"{result.get('peak_mb', 0):9.0f}{result.get('private_mb', 0):8.0f}  {note}", flush=True)
    print(f"{'chapters, sum':<26}{'':8}{total:8.2f}")


def _timed(fn) -> dict:
    wall, cpu = time.perf_counter(), time.process_time()
    fn()
    return {"wall": time.perf_counter() - wall, "cpu": time.process_time() - cpu,
            "peak_mb": _status_mb("VmHWM"), "private_mb": _private_mb()}


if __name__ == "__main__":
    main()

"""Speed of one full report: a 5,000-response organisation, every chapter through papermill.

Generates a Molensloot-like organisation with 5,000 responses with the seeded sample generator into a
temp folder, renders its report with ``report.run_report`` (a pool of ``--jobs`` kernels, default 2)
and prints the wall time per chapter, the total, and the kernel start-up overhead (a trivial notebook
through papermill: start, one cell, shut down), with the share of the total that overhead explains.
Target: under 60 s on 2 cores. Also prints the time to read + weight the data once (what the on-disk
cache in a report run saves every later chapter).

Run: ``.venv/bin/python bench/bench_report.py [--rows 5000] [--jobs 2]``.
"""
from __future__ import annotations

import argparse
import dataclasses
import os
import resource
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from meethuis.report import runner as report  # noqa: E402
from meethuis import sample  # noqa: E402


def make_org(folder: Path, rows: int) -> Path:
    """A Molensloot-like organisation with ``rows`` responses (same config, generated data)."""
    spec = dataclasses.replace(sample.SPECS["molensloot"], n=rows)
    df, proc = sample.simulate(spec)
    files = sample._WRITERS["molensloot"](df, proc)
    survey_name, process_name = sample._DATA_FILES["molensloot"]
    shutil.copytree(sample.sample_dir(), folder, dirs_exist_ok=True)  # the config's side files (maturity scan)
    (folder / survey_name).write_bytes(files["survey"])
    (folder / process_name).write_bytes(files["process"])
    return folder / "molensloot.yml"


def kernel_overhead(folder: Path, repeat: int = 3) -> float:
    """Median seconds for papermill to start a kernel, run one trivial cell and shut it down."""
    import nbformat
    import papermill as pm

    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.cells = [nbformat.v4.new_code_cell("x = 1")]
    path = folder / "trivial.ipynb"
    nbformat.write(nb, str(path))
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        pm.execute_notebook(str(path), str(folder / "trivial_out.ipynb"), kernel_name="python3", progress_bar=False)
        times.append(time.perf_counter() - t0)
    return sorted(times)[len(times) // 2]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=5000)
    parser.add_argument("--jobs", type=int, default=2)
    args = parser.parse_args()
    print(f"cores: {os.cpu_count()}  load average: {' '.join(f'{x:.1f}' for x in os.getloadavg())}")
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        t0 = time.perf_counter()
        config = make_org(tmp / "org", args.rows)
        print(f"generated {args.rows:,} responses in {time.perf_counter() - t0:.1f} s")

        from meethuis.report.chapters.common import open_chapter

        t0 = time.perf_counter()
        ch = open_chapter(str(config))
        load = time.perf_counter() - t0
        print(f"read + weight the survey once: {load:.2f} s ({len(ch.responses):,} rows)")

        overhead = kernel_overhead(tmp)
        print(f"kernel start-up overhead (papermill, trivial notebook): {overhead:.2f} s per chapter")

        cpu0 = resource.getrusage(resource.RUSAGE_CHILDREN)
        result = report.run_report(config, tmp / "out", jobs=args.jobs, progress=False)
        cpu1 = resource.getrusage(resource.RUSAGE_CHILDREN)
        print(f"\n{'chapter':<26}{'wall (s)':>10}")
        for chapter, seconds in result.seconds.items():
            print(f"{chapter:<26}{seconds:>10.1f}")
        serial = sum(result.seconds.values())
        n = len(result.seconds)
        print(f"{'sum of chapters':<26}{serial:>10.1f}")
        print(f"{'total (report.html done)':<26}{result.total_seconds:>10.1f}   target < 60 s on 2 cores: "
              f"{'met' if result.total_seconds < 60 else 'NOT met'}")
        print(f"\nparallel speed-up with {args.jobs} kernels: sum / total = {serial / result.total_seconds:.2f}x")
        print(f"kernel overhead: {n} x {overhead:.2f} s = {n * overhead:.1f} s = "
              f"{100 * n * overhead / serial:.0f}% of the chapters' wall time")
        kernel_cpu = (cpu1.ru_utime - cpu0.ru_utime) + (cpu1.ru_stime - cpu0.ru_stime)
        print(f"CPU time of the kernels: {kernel_cpu:.1f} s (load-independent work measure)")
        size = (tmp / "out" / "report.html").stat().st_size
        print(f"report.html: {size / 1e6:.1f} MB, {len(list((tmp / 'out' / 'tables').glob('*.csv')))} tables")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Organisations per minute of the quarterly batch (``meethuis report --all``) on Dask, 1 and 2 workers.

Writes ``--orgs`` (default 40) small organisations into a temp folder: copies of the inspectorate ISR
(~150 responses, process data) with their own id and name, sharing one data file. Renders all of them with
``report.runner.run_batch`` on a local Dask cluster of 1 and of 2 workers (each worker one organisation at
a time; each report forks its chapters from the worker, the default engine) and prints organisations per minute and the projection for 400
organisations. Every report pools all quarters (``period="all"``). The peers' aggregates are computed once
beforehand (the cache every report then reads).

Run: ``python bench/bench_batch.py [--orgs 40] [--workers 1,2]``.
"""
from __future__ import annotations

import argparse
import os
import resource
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from meethuis.report.runner import batch_exit_code, run_batch  # noqa: E402


def make_orgs(folder: Path, n: int) -> None:
    """``n`` copies of the ISR config (own id and name) beside one copy of its data files."""
    sample = ROOT / "data" / "sample"
    folder.mkdir(parents=True)
    for name in ("isr_enquete.sav", "isr_zaken.csv"):
        shutil.copy(sample / name, folder / name)
    if (sample / "volwassenheid").is_dir():
        shutil.copytree(sample / "volwassenheid", folder / "volwassenheid")
    text = (sample / "isr.yml").read_text(encoding="utf-8")
    for k in range(1, n + 1):
        own = text.replace("id: isr", f"id: isr{k:03d}", 1)
        (folder / f"org{k:03d}.yml").write_text(own, encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orgs", type=int, default=40)
    parser.add_argument("--workers", default="1,2")
    args = parser.parse_args(argv)
    load = os.getloadavg()
    print(f"Batch benchmark: {args.orgs} organisations (ISR-sized, ~150 responses each) on a local Dask cluster; "
          f"load average {load[0]:.1f} {load[1]:.1f} {load[2]:.1f} on {os.cpu_count()} cores")
    with tempfile.TemporaryDirectory(prefix="meethuis-bench-batch-") as tmp_name:
        tmp = Path(tmp_name)
        os.environ["MEETHUIS_CACHE_DIR"] = str(tmp / "cache")
        from meethuis.improve.benchmark import sample_aggregates

        sample_aggregates(period="", min_cell=10)  # the peers, once per quarter
        make_orgs(tmp / "orgs", args.orgs)
        rates = {}
        for workers in [int(w) for w in args.workers.split(",")]:
            t0 = time.perf_counter()
            c0 = resource.getrusage(resource.RUSAGE_CHILDREN)
            results = run_batch(tmp / "orgs", tmp / f"out{workers}", jobs=workers, period="all")
            wall = time.perf_counter() - t0
            c1 = resource.getrusage(resource.RUSAGE_CHILDREN)  # workers and kernels, reaped when the cluster closed
            cpu = (c1.ru_utime + c1.ru_stime) - (c0.ru_utime + c0.ru_stime)
            failed = batch_exit_code(results)
            rates[workers] = len(results) / (wall / 60)
            print(f"  {workers} worker(s): {len(results)} organisations in {wall:6.1f} s wall, {cpu:6.1f} CPU s "
                  f"({cpu / len(results):.1f} CPU s per organisation), {failed} failed: "
                  f"{rates[workers]:5.1f} organisations per minute; 400 organisations in about "
                  f"{400 / rates[workers]:5.0f} minutes ({400 / rates[workers] / 60:.1f} h)")
            if failed:
                print("    " + next(r.message for r in results if r.status != "ok").splitlines()[0])
        if len(rates) > 1:
            one, two = rates.get(1), rates.get(2)
            if one and two:
                print(f"  2 workers / 1 worker: {two / one:.2f}x the throughput")
    load = os.getloadavg()
    print(f"load average at the end: {load[0]:.1f} {load[1]:.1f} {load[2]:.1f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""Speed of the community pool: adding 400 organisations x 8 quarters and rendering the community report.

1. ``meethuis benchmark add`` of ``--orgs`` x 8 generated ``aggregates.json`` files (one per organisation
   and quarter, checked and written in one transaction) into a new DuckDB pool;
2. ``meethuis benchmark report`` on that pool (4 chapters, 2 kernels);
   target: 1 + 2 under 60 s on this machine.
3. The peer, side by side: what the benchmark does today without a pool, reading a folder of JSON files
   (``benchmark.load_aggregates``, one file per organisation: the latest quarter) against the pool's query
   for the same table (``Pool.kpi_table``: each organisation's latest submission), and reading every
   quarter's file with ``json`` + validation against the pool's per-quarter series.

Run: ``.venv/bin/python bench/bench_pool.py [--orgs 400] [--repeat 3]``.
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
os.environ.setdefault("PYTHONPATH", str(Path(__file__).resolve().parents[1] / "src"))
from meethuis.cli.main import main as cli  # noqa: E402
from meethuis.improve import benchmark, community_sample  # noqa: E402
from meethuis.improve.pool import open_pool  # noqa: E402


def best_of(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return min(times)


def cpu() -> float:
    """CPU seconds of this process and its finished children (the report's kernels): load-independent."""
    own, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--orgs", type=int, default=400)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        files = community_sample.write_community(tmp / "files", n_orgs=args.orgs)
        pool = tmp / "pool.duckdb"
        load = os.getloadavg()[0]
        t0, c0 = time.perf_counter(), cpu()
        assert cli(["benchmark", "add", *map(str, files), "--pool", str(pool), "--create"]) == 0
        t_add, c_add = time.perf_counter() - t0, cpu() - c0
        t0, c0 = time.perf_counter(), cpu()
        assert cli(["benchmark", "report", "--pool", str(pool), "--out", str(tmp / "rapport"), "--quiet"]) == 0
        t_report, c_report = time.perf_counter() - t0, cpu() - c0
        total = t_add + t_report
        print(f"community pool with {args.orgs} organisations x 8 quarters ({len(files):,} files), "
              f"load average {load:.1f} on {os.cpu_count()} cores:")
        print(f"  benchmark add (check + one transaction):   {t_add:8.2f} s wall, {c_add:6.2f} s cpu  "
              f"({len(files) / t_add:,.0f} files/s)")
        print(f"  benchmark report (4 chapters, 2 kernels):   {t_report:8.2f} s wall, {c_report:6.2f} s cpu")
        print(f"  add + report:                               {total:8.2f} s wall, {c_add + c_report:6.2f} s cpu "
              f"(target < 60 s wall: {'met' if total < 60 else 'NOT met'})")

        latest = tmp / "latest"
        latest.mkdir()
        for f in files:
            if f.name.endswith(f"_{community_sample.QUARTERS[-1]}.json"):
                (latest / f.name).write_bytes(f.read_bytes())

        def with_pool(fn):
            with open_pool(pool, read_only=True) as p:
                return fn(p)

        t_json = best_of(lambda: benchmark.load_aggregates(latest), args.repeat)
        t_pool = best_of(lambda: with_pool(lambda p: p.kpi_table()), args.repeat)

        def every_quarter_json():
            for f in files:
                benchmark.validate_aggregates(json.loads(f.read_text(encoding="utf-8")), f)

        t_all_json = best_of(every_quarter_json, args.repeat)
        t_all_pool = best_of(lambda: with_pool(lambda p: p.quarterly_kpis("tevredenheid_mean")), args.repeat)
        print(f"reading (best of {args.repeat}), pool against the peer (a folder of JSON files, as before the pool):")
        print(f"  latest KPIs of {args.orgs} organisations: pool {t_pool:7.3f} s, JSON folder "
              f"(load_aggregates) {t_json:7.3f} s  -> {t_json / t_pool:5.1f} x")
        print(f"  every quarter ({len(files):,} files):      pool {t_all_pool:7.3f} s, JSON read + validate "
              f"{t_all_json:7.3f} s  -> {t_all_json / t_all_pool:5.1f} x")


if __name__ == "__main__":
    main()

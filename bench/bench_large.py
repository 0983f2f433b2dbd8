"""Memory and time of `meethuis validate` (and with --report, `meethuis report`) on a large survey.

Builds a survey of ``--rows`` rows (default 2,000,000) by repeating the Molensloot sample rows with new
respondent ids and case keys, with its config (process data and journeys left out: their files do not
grow with it), then runs the commands in child processes and samples the summed resident memory of the
whole process tree (the chapter kernels included) every 0.2 s. The peer is a bare
``pandas.read_csv(file, dtype=str)`` of the same file, measured the same way.

Run: ``.venv/bin/python bench/bench_large.py [--rows N] [--report] [--keep DIR]``. Prints figures and
ratios; asserts nothing. The target of issue 15 is a peak under 8 GB for validate and for report.
"""
from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "data" / "sample"


def build(folder: Path, rows: int) -> Path:
    """Write ``big_enquete.csv`` (``rows`` rows) and ``big.yml`` into ``folder``; returns the config."""
    lines = (SAMPLE / "molensloot_enquete.csv").read_text(encoding="utf-8-sig").splitlines()
    header, body = lines[0], lines[1:]
    with open(folder / "big_enquete.csv", "w", encoding="utf-8") as out:
        out.write(header + "\n")
        for k in range(rows):
            parts = body[k % len(body)].split(";")
            parts[0], parts[-1] = f"R{k:08d}", f"Z{k:08d}"
            out.write(";".join(parts) + "\n")
    config = (SAMPLE / "molensloot.yml").read_text(encoding="utf-8")
    config = config.replace("file: molensloot_enquete.csv", "file: big_enquete.csv")
    config = re.sub(r"\nprocess:\n(?:  .*\n|\n)*", "\n", config)
    config = re.sub(r"\njourneys:\n(?:  .*\n|\n)*", "\n", config)
    config = re.sub(r"\nmaturity:.*\n", "\n", config)
    (folder / "big.yml").write_text(config, encoding="utf-8")
    return folder / "big.yml"


def _tree_rss(pid: int) -> int:
    """Summed resident memory (bytes) of ``pid`` and all its descendants, from /proc."""
    children: dict[int, list[int]] = {}
    rss: dict[int, int] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
            p = int(stat.parent.name)
            children.setdefault(int(fields[1]), []).append(p)
            rss[p] = int(fields[21]) * os.sysconf("SC_PAGE_SIZE")
        except (OSError, ValueError, IndexError):
            continue
    total, todo = 0, [pid]
    while todo:
        p = todo.pop()
        total += rss.get(p, 0)
        todo.extend(children.get(p, []))
    return total


def measure(argv: list[str], cwd: Path) -> tuple[float, float, int]:
    """Run ``argv``; returns seconds, peak summed RSS of its process tree in GB, and the exit code."""
    env = dict(os.environ, PYTHONHASHSEED="0", MPLBACKEND="Agg")
    start = time.perf_counter()
    proc = subprocess.Popen(argv, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    peak = 0
    while proc.poll() is None:
        peak = max(peak, _tree_rss(proc.pid))
        time.sleep(0.2)
    err = proc.stderr.read()
    if proc.returncode:
        print(err.strip().splitlines()[-1] if err.strip() else "", file=sys.stderr)
    return time.perf_counter() - start, peak / 1e9, proc.returncode


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=2_000_000)
    parser.add_argument("--report", action="store_true", help="also render the report (slow)")
    parser.add_argument("--keep", help="build the data in this folder and keep it")
    args = parser.parse_args()
    folder = Path(args.keep or tempfile.mkdtemp(prefix="meethuis-bench-"))
    folder.mkdir(parents=True, exist_ok=True)
    config = folder / "big.yml"
    if not config.exists() or not (folder / "big_enquete.csv").exists():
        build(folder, args.rows)
    size = (folder / "big_enquete.csv").stat().st_size / 1e6
    print(f"survey: {args.rows:,} rows, {size:,.0f} MB ({folder})")
    py = sys.executable
    peer = measure([py, "-c", f"import pandas as pd; pd.read_csv({str(folder / 'big_enquete.csv')!r}, sep=';', "
                              "dtype=str, encoding='utf-8')"], folder)
    ours = measure([py, "-m", "meethuis.cli.main", "validate", "--config", str(config)], folder)
    print(f"{'command':<34}{'seconds':>9}{'peak GB':>9}{'exit':>6}")
    print(f"{'pandas.read_csv(dtype=str) (peer)':<34}{peer[0]:>9.1f}{peer[1]:>9.2f}{peer[2]:>6}")
    print(f"{'meethuis validate':<34}{ours[0]:>9.1f}{ours[1]:>9.2f}{ours[2]:>6}")
    print(f"validate / peer: time {ours[0] / peer[0]:.2f}x, peak memory {ours[1] / peer[1]:.2f}x")
    if args.report:
        out = folder / "rapport"
        rep = measure([py, "-m", "meethuis.cli.main", "report", "--config", str(config), "--out", str(out),
                       "--quiet"], folder)
        print(f"{'meethuis report':<34}{rep[0]:>9.1f}{rep[1]:>9.2f}{rep[2]:>6}")
    print("target (issue 15): peak under 8 GB for validate and report")


if __name__ == "__main__":
    main()

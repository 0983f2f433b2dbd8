"""Speed and memory of a full report at scale, today's path and the new one side by side in one run.

Cases: the sample municipality Molensloot (~3,000 responses) and the national agency LUT resampled to
100,000 and 1,000,000 responses with its process data (rows drawn with replacement from the sample
file, new respondent ids and case keys, so every response links to its process record as in the
sample). Every report pools all quarters (``--period all``), the heaviest case.

Each report runs as ``meethuis report`` in a subprocess; the bench samples the memory of that process
and every child (kernels, forked chapters) ten times a second and prints wall time, CPU seconds, the peak
of the summed PSS (proportional set size: a page shared by forked processes counts once, split over
them; this is the memory the machine really gives the report) and the largest single process (RSS).
Paths compared in one run:

- "today": the package at ``--baseline-rev`` (default: the commit before the scale work), checked out in a
  temporary git worktree: its own runner (one fresh papermill kernel per chapter), notebooks and intake;
- "warm": this working copy with ``--engine warm`` (a Jupyter kernel per worker, reused by its chapters);
- "new": this working copy as it runs by default (``--engine fork``: chapters in processes forked from
  the runner, which holds the run context in memory).

Per-chapter seconds of Molensloot are printed side by side: their difference is the kernel start-up and
message traffic the fork engine does not have.

Targets (2-core machine): 1,000,000 responses under 90 s and 3 GB peak; 100,000 under 20 s;
Molensloot under 10 s. Run: ``python bench/bench_scale.py [--sizes molensloot,100000,1000000]``.
"""
from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
SRC = ROOT / "src"
sys.path.insert(0, str(SRC))
TARGETS = {"molensloot": 10.0, "100000": 20.0, "1000000": 90.0}
MEMORY_TARGET_MB = {"1000000": 3072.0}


def make_lut(folder: Path, rows: int, seed: int = 20) -> Path:
    """LUT with ``rows`` responses: sample rows drawn with replacement, new ids and keys; its config."""
    import yaml

    sample = ROOT / "data" / "sample"
    rng = np.random.default_rng(seed)
    survey = pd.read_csv(sample / "lut_klantonderzoek.csv", dtype=str, keep_default_na=False, encoding="cp1252")
    process = pd.read_csv(sample / "lut_procesdata.csv", dtype=str, keep_default_na=False)
    take = rng.integers(0, len(survey), rows)
    big = survey.iloc[take].reset_index(drop=True)
    big["RESP_ID"] = [f"R{k:08d}" for k in range(rows)]
    linked = big["DOSSIER"].isin(set(process["dossier_id"]))
    new_keys = pd.Series([f"Z-{k:09d}" for k in range(rows)])
    proc = process.set_index("dossier_id").loc[big.loc[linked, "DOSSIER"]].reset_index(drop=True)
    proc.insert(0, "dossier_id", new_keys[linked].to_numpy())
    big["DOSSIER"] = np.where(linked, new_keys, "")
    folder.mkdir(parents=True, exist_ok=True)
    big.to_csv(folder / "lut_klantonderzoek.csv", index=False, encoding="cp1252")
    proc.to_csv(folder / "lut_procesdata.csv", index=False)
    raw = yaml.safe_load((sample / "lut.yml").read_text(encoding="utf-8"))
    for key in ("journeys", "maturity", "improvements", "benchmark"):  # side files that do not scale with it
        raw.pop(key, None)
    raw.get("data", {}).pop("invited", None)
    raw.pop("invited", None)
    config = folder / "lut.yml"
    config.write_text(yaml.safe_dump(raw, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return config


def baseline_tree(rev: str, where: Path) -> Path:
    """A detached worktree of ``rev`` (today's path); returns its folder."""
    subprocess.run(["git", "-C", str(ROOT), "worktree", "add", "--detach", str(where), rev], check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return where


def _memory(p) -> tuple[float, float]:
    """PSS and RSS of process ``p`` in bytes (PSS: shared pages split over the processes sharing them)."""
    try:
        info = p.memory_full_info()
        return float(getattr(info, "pss", info.rss)), float(info.rss)
    except Exception:  # psutil.AccessDenied where smaps is not readable: RSS
        rss = float(p.memory_info().rss)
        return rss, rss


def run_report(src: Path, config: Path, out: Path, env_extra: dict, engine: str | None = None) -> dict:
    """``meethuis report`` of ``config`` with the package in ``src``: wall, CPU, peak memory, per chapter."""
    import psutil

    env = {**os.environ, "PYTHONPATH": str(src), "PYTHONHASHSEED": "0", "MPLBACKEND": "Agg", **env_extra}
    cmd = [sys.executable, "-m", "meethuis.cli.main", "report", "--config", str(config), "--out", str(out),
           "--period", "all", "--jobs", "2"]  # not --quiet: the per-chapter lines go to stderr
    if engine:
        cmd += ["--engine", engine]
    import resource

    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    peak = {"total": 0.0, "largest": 0.0, "cpu": 0.0}
    cpu_seen: dict[int, float] = {}

    def sample() -> None:
        parent = psutil.Process(proc.pid)
        while proc.poll() is None:
            try:
                procs = [parent, *parent.children(recursive=True)]
                pss, rss = [], []
                for p in procs:
                    try:
                        shared, resident = _memory(p)
                        pss.append(shared)
                        rss.append(resident)
                        t = p.cpu_times()
                        cpu_seen[p.pid] = t.user + t.system
                    except psutil.Error:
                        pass
                peak["total"] = max(peak["total"], sum(pss) / 2**20)
                peak["largest"] = max(peak["largest"], max(rss, default=0) / 2**20)
            except psutil.Error:
                pass
            time.sleep(0.1)

    watcher = threading.Thread(target=sample, daemon=True)
    watcher.start()
    stdout, stderr = proc.communicate()
    wall = time.perf_counter() - t0
    watcher.join()
    if proc.returncode != 0:
        raise RuntimeError(f"report failed ({proc.returncode}): {stderr[-2000:]}")
    chapters = {m.group(1): float(m.group(2)) for m in re.finditer(r"(?:^|\r)(?:\x1b\[A|\s)*(\d\d_\w+)\s+([\d.]+) s\b", stderr, re.M)}
    after = resource.getrusage(resource.RUSAGE_CHILDREN)  # every waited-for descendant, to the end
    cpu = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
    return {"wall": wall, "cpu": max(cpu, sum(cpu_seen.values())), "peak": peak["total"], "largest": peak["largest"],
            "chapters": chapters, "load": os.getloadavg()[0]}


def chapter_overhead(folder: Path, runs: int = 5) -> dict[str, float]:
    """Seconds per chapter that does nothing (one cell ``x = 1``), by engine: what a chapter costs beyond its work.

    ``papermill``: a fresh kernel per chapter (today's path); ``warm``: one kernel started once, then
    reused (start-up printed apart); ``fork``: a child forked from a process that imported everything.
    """
    import nbformat
    import papermill as pm

    from meethuis.report.inprocess import Task, run_forked, run_notebook
    from meethuis.report.kernel import WarmKernel, import_chapter_modules

    folder.mkdir(parents=True, exist_ok=True)
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    params = nbformat.v4.new_code_cell("x = 0")
    params.metadata["tags"] = ["parameters"]
    nb.cells = [params, nbformat.v4.new_code_cell("y = x + 1")]
    source = folder / "leeg.ipynb"
    nbformat.write(nb, str(source))
    out = {}
    t0 = time.perf_counter()
    for k in range(runs):
        pm.execute_notebook(str(source), str(folder / f"pm{k}.ipynb"), parameters={"x": k}, kernel_name="python3",
                            progress_bar=False, log_output=False, cwd=str(folder))
    out["papermill"] = (time.perf_counter() - t0) / runs
    kernel = WarmKernel(folder)
    try:
        t0 = time.perf_counter()
        kernel.warm_up()
        out["warm start-up"] = time.perf_counter() - t0
        t0 = time.perf_counter()
        for k in range(runs):
            kernel.run(source, folder / f"warm{k}.ipynb", {"x": k})
        out["warm"] = (time.perf_counter() - t0) / runs
    finally:
        kernel.close()
    import_chapter_modules()
    t0 = time.perf_counter()
    run_forked([Task(f"c{k}", (lambda k=k: run_notebook(source, folder / f"fork{k}.ipynb", {"x": k}, folder)))
                for k in range(runs)], jobs=1)
    out["fork"] = (time.perf_counter() - t0) / runs
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="molensloot,100000,1000000",
                        help="comma-separated: molensloot and/or numbers of LUT responses")
    parser.add_argument("--baseline-rev", default="c25eebf",
                        help="git revision of today's path (default: the commit before the scale work)")
    parser.add_argument("--no-baseline", action="store_true", help="only the new path")
    parser.add_argument("--warm", default="molensloot,100000",
                        help="sizes that also run the warm-kernel engine (comma-separated; '' for none)")
    args = parser.parse_args(argv)
    load = os.getloadavg()
    print(f"Scale benchmark: full report, --period all, --jobs 2; load average {load[0]:.1f} {load[1]:.1f} "
          f"{load[2]:.1f} on {os.cpu_count()} cores (wall times grow with other work; CPU seconds less so)")
    ok = True
    with tempfile.TemporaryDirectory(prefix="meethuis-bench-scale-") as tmp_name:
        tmp = Path(tmp_name)
        cache = tmp / "cache"
        env_new = {"MEETHUIS_CACHE_DIR": str(cache)}
        # the quarterly steady state: peers' aggregates were computed once (by their own runs or a first report)
        t0 = time.perf_counter()
        subprocess.run([sys.executable, "-c", "from meethuis.improve.benchmark import sample_aggregates as s; "
                        "s(period='', min_cell=10)"], check=True,
                       env={**os.environ, "PYTHONPATH": str(SRC), **env_new})
        print(f"(peer aggregates of the sample organisations computed once into the cache: "
              f"{time.perf_counter() - t0:.1f} s; every later report reads them)")
        over = chapter_overhead(tmp / "leeg")
        print(f"\nOverhead per chapter (an empty notebook, mean of 5): today (fresh papermill kernel) "
              f"{over['papermill']:.2f} s; warm kernel {over['warm']:.3f} s after a start-up of "
              f"{over['warm start-up']:.2f} s per worker; fork {over['fork']:.3f} s "
              f"({over['papermill'] / over['fork']:.0f}x less than today)")
        base_src = None
        if not args.no_baseline:
            base_src = baseline_tree(args.baseline_rev, tmp / "today") / "src"
        try:
            for size in [s.strip() for s in args.sizes.split(",") if s.strip()]:
                if size == "molensloot":
                    config = ROOT / "data" / "sample" / "molensloot.yml"
                    what = "Molensloot (~3,000 responses, 8 quarters)"
                else:
                    t0 = time.perf_counter()
                    config = make_lut(tmp / f"lut{size}", int(size))
                    what = f"LUT resampled to {int(size):,} responses with process data"
                    print(f"\n(data for {what} written in {time.perf_counter() - t0:.1f} s)")
                load = os.getloadavg()
                print(f"\n== {what} (load average {load[0]:.1f} at the start)")
                results = {}
                if base_src is not None:
                    results["today"] = run_report(base_src, config, tmp / f"out-today-{size}", {})
                if size in [w.strip() for w in args.warm.split(",")]:
                    results["warm"] = run_report(SRC, config, tmp / f"out-warm-{size}", env_new, "warm")
                results["new"] = run_report(SRC, config, tmp / f"out-new-{size}", env_new)
                for name, r in results.items():
                    print(f"  {name:<6} {r['wall']:7.1f} s wall, {r['cpu']:7.1f} CPU s, peak {r['peak']:7,.0f} MB "
                          f"PSS over all processes (largest process {r['largest']:,.0f} MB RSS); "
                          f"load average {r['load']:.1f}")
                new = results["new"]
                target = TARGETS.get(size)
                if "today" in results:
                    print(f"  new / today: {new['wall'] / results['today']['wall']:.2f}x the wall time, "
                          f"{new['peak'] / results['today']['peak']:.2f}x the peak memory "
                          f"(today is {results['today']['wall'] / new['wall']:.1f}x slower)")
                if target is not None:
                    met = new["wall"] < target and new["peak"] < MEMORY_TARGET_MB.get(size, float("inf"))
                    mem = f" and {MEMORY_TARGET_MB[size]:,.0f} MB" if size in MEMORY_TARGET_MB else ""
                    print(f"  target: under {target:g} s{mem}: {'MET' if met else 'MISSED'}")
                    ok &= met
                if size == "molensloot":
                    names = list(results)
                    print("  per chapter (s)           " + "".join(f"{n:>8}" for n in names))
                    every = sorted(set().union(*(r["chapters"] for r in results.values())))
                    for c in every:
                        print(f"    {c:<24}" + "".join(f"{results[n]['chapters'].get(c, float('nan')):8.1f}"
                                                    for n in names))
                    sums = {n: sum(results[n]["chapters"].values()) for n in names}
                    count = max(len(new["chapters"]), 1)
                    print(f"    {'sum of chapters':<24}" + "".join(f"{sums[n]:8.1f}" for n in names))
                    print(f"    {'per chapter':<24}" + "".join(f"{sums[n] / count:8.2f}" for n in names)
                          + "  (today: a kernel start-up and imports per chapter; warm: kernel messages; "
                            "new: none)")
        finally:
            if base_src is not None:
                subprocess.run(["git", "-C", str(ROOT), "worktree", "remove", "--force", str(base_src.parent)],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    load = os.getloadavg()
    print(f"\nload average at the end: {load[0]:.1f} {load[1]:.1f} {load[2]:.1f}")
    print("ALL TARGETS MET" if ok else "SOME TARGETS MISSED (see above; figures are what this machine did)")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())

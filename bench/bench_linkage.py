"""Speed of the process-data linkage and the benchmark's rank simulation.

1. ``process.link_process`` (HMAC-SHA256 pseudonyms for both files, duplicate check, join) on a
   synthetic survey of ``--rows`` respondents and 1.1 x as many process records, against a plain
   ``pandas.merge`` on the raw key (what linkage would cost without pseudonymisation). Prints seconds,
   rows per second and the ratio.
2. ``benchmark.rank_organisations`` with ``--orgs`` organisations and 10,000 simulations.

Run: ``.venv/bin/python bench/bench_linkage.py [--rows 200000] [--orgs 50] [--repeat 3]``.
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
from meethuis.improve import benchmark  # noqa: E402
from meethuis.improve import process  # noqa: E402


def best_of(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return min(times)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=200_000)
    ap.add_argument("--orgs", type=int, default=50)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    rng = np.random.default_rng(1)
    n = args.rows
    keys = np.array([f"Z-{i:09d}" for i in range(int(n * 1.1))])
    survey = pd.DataFrame({"zaak_sleutel": rng.choice(keys, n, replace=False),
                           "tevredenheid": rng.integers(1, 11, n).astype(float)})
    proc = pd.DataFrame({"zaak_sleutel": keys, "doorlooptijd_dagen": rng.gamma(2, 10, keys.size),
                         "aantal_contacten": rng.integers(1, 6, keys.size)})
    salt = b"bench-salt"
    t_link = best_of(lambda: process.link_process(survey, proc, salt), args.repeat)
    t_merge = best_of(lambda: survey.merge(proc, on="zaak_sleutel", how="left", validate="many_to_one"),
                      args.repeat)
    hashes = n + keys.size
    print(f"linkage of {n:,} responses to {keys.size:,} process records (best of {args.repeat}):")
    print(f"  process.link_process (HMAC-SHA256 + join): {t_link:8.3f} s  ({hashes / t_link:,.0f} keys hashed/s)")
    print(f"  pandas.merge on the raw key (no privacy):  {t_merge:8.3f} s")
    print(f"  ratio pseudonymised / raw merge:           {t_link / t_merge:8.1f} x")

    k = args.orgs
    est = rng.normal(7, 0.3, k)
    table = pd.DataFrame({"org_id": [f"org{i:03d}" for i in range(k)], "org_name": [f"Org {i}" for i in range(k)],
                          "kpi": "tevredenheid_mean", "level": "totaal", "estimate": est, "se": 0.05,
                          "ci_low": est - 0.1, "ci_high": est + 0.1, "n": 500, "n_eff": 450.0,
                          "suppressed": False})
    t_rank = best_of(lambda: benchmark.rank_organisations(table, "tevredenheid_mean", n_sim=10_000), args.repeat)
    print(f"rank intervals of {k} organisations, 10,000 simulations: {t_rank:8.3f} s")


if __name__ == "__main__":
    main()

"""Speed of the intake: ``load_survey`` (read + map + validate + process link) per sample organisation,
compared with a bare ``pandas.read_csv`` / ``read_excel`` / ``pyreadstat.read_sav`` of the same file (the
peer: reading without any mapping or checks), and the time to regenerate all sample data.

Run: ``.venv/bin/python bench/bench_intake.py``. Prints figures and ratios; asserts nothing.
"""
from __future__ import annotations

import time
from pathlib import Path

import pandas as pd

from meethuis import sample
from meethuis.intake.config import load_config
from meethuis.intake.validate import load_survey


def best_of(func, repeat: int = 3) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        func()
        times.append(time.perf_counter() - start)
    return min(times)


def bare_read(path: Path) -> None:
    if path.suffix == ".csv":
        head = path.read_bytes()[:4096]
        enc = "utf-8-sig" if head.startswith(b"\xef\xbb\xbf") else "cp1252"
        pd.read_csv(path, encoding=enc,
                    delimiter=";" if b";" in head.split(b"\n")[0] else ",")
    elif path.suffix == ".xlsx":
        pd.read_excel(path)
    else:
        import pyreadstat

        pyreadstat.read_sav(str(path))


def main() -> None:
    print(f"{'organisation':<12}{'rows':>8}{'load_survey s':>15}{'rows/s':>10}{'bare read s':>13}{'ratio':>7}")
    for org in sample.ORG_IDS:
        cfg = load_config(sample.sample_config(org))
        rows = load_survey(cfg).summary.rows
        ours = best_of(lambda: load_survey(cfg))
        peer = best_of(lambda: (bare_read(cfg.data_file), bare_read(cfg.process.file)))
        print(f"{org:<12}{rows:>8}{ours:>15.3f}{rows / ours:>10.0f}{peer:>13.3f}{ours / peer:>7.1f}")
    sample._generated.cache_clear()
    start = time.perf_counter()
    for org in sample.ORG_IDS:
        sample.generate(org)
    print(f"generate all {len(sample.ORG_IDS)} sample organisations: {time.perf_counter() - start:.2f} s")


if __name__ == "__main__":
    main()

"""Speed of the journey analysis on a large contact log, against a naive per-case Python loop.

A synthetic contact log of ``--events`` contacts for ``--cases`` cases (typed as after intake: channel,
direction, team and service as categories, resolved as boolean) is processed on one core by the library:
pseudonymise and sort (``prepare_contacts``), one row per case (``case_features``: paths, channels,
hand-offs, repeat contact, completion) and the published tables (channel mix per service with clustered
intervals, from→to moves, top paths, repeat contact per channel, digital take-up). The peer is what an
analyst would write first: a ``groupby`` loop that visits every case in Python and computes the same case
features; it is checked to give the same numbers and timed on the same data (``--naive-cases`` of them,
scaled to all cases when fewer). Prints seconds, events per second and the ratio.

Run: ``.venv/bin/python bench/bench_journeys.py [--events 1000000] [--cases 100000] [--naive-cases 3000]``.
"""
from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):  # one core, as the target says
    os.environ.setdefault(var, "1")

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
from meethuis.improve import journeys as jr  # noqa: E402

CHANNELS = ["telefoon", "balie", "website", "e-mail", "chat", "post"]


def synthetic_log(events: int, cases: int, seed: int = 1) -> pd.DataFrame:
    """A typed contact log: every case at least one contact, the rest spread at random."""
    rng = np.random.default_rng(seed)
    case = np.concatenate([np.arange(cases), rng.integers(0, cases, events - cases)])
    start = np.datetime64("2025-01-01T08:00") + rng.integers(0, 365 * 24 * 60, cases).astype("timedelta64[m]")
    offset = np.where(np.arange(events) < cases, 0, rng.integers(0, 40 * 24 * 60, events)).astype("timedelta64[m]")
    frame = pd.DataFrame({
        "zaak_sleutel": np.char.add("Z-", case.astype(str)),
        "contact_tijdstip": start[case] + offset,
        "contact_kanaal": pd.Categorical.from_codes(rng.choice(6, events, p=[.4, .1, .3, .1, .07, .03]), CHANNELS),
        "richting": pd.Categorical.from_codes((rng.random(events) < 0.1).astype(int), ["in", "uit"]),
        "onderwerp": pd.Categorical.from_codes(rng.integers(0, 6, events), [f"dienst {i}" for i in range(6)]),
        "team": pd.Categorical.from_codes(rng.integers(0, 4, events), ["KCC", "Backoffice", "Vergunningen", "Juridisch"]),
        "opgelost": pd.array(rng.random(events) < 0.3, dtype="boolean"),
    })
    return frame.sample(frac=1.0, random_state=seed).reset_index(drop=True)  # an export is not sorted by case


def library(log: pd.DataFrame) -> pd.DataFrame:
    prepared = jr.prepare_contacts(log, b"bench-salt")
    features = jr.case_features(prepared, 7)
    jr.channel_mix(prepared, by=["onderwerp"])
    jr.transitions(prepared)
    jr.top_paths(features)
    jr.repeat_contact(features, by=["first_inbound_channel"])
    jr.digital_takeup(features)
    return features


def naive(log: pd.DataFrame, days: int = 7) -> pd.DataFrame:
    """The same case features, one case at a time in Python (the peer)."""
    end = log["contact_tijdstip"].max()
    window = pd.Timedelta(days=days)
    rows = {}
    for key, g in log.groupby("zaak_sleutel", sort=False):
        g = g.sort_values("contact_tijdstip", kind="stable")
        chans = list(g["contact_kanaal"].astype(str))
        teams = list(g["team"].astype(str))
        resolved = list(g["opgelost"].fillna(False))
        path = [chans[0]] + [c for p, c in zip(chans, chans[1:]) if c != p]
        cut = resolved.index(True) if True in resolved else len(chans) - 1
        handoffs = sum(1 for i in range(1, cut + 1) if teams[i] != teams[i - 1])
        inbound = g[g["richting"].astype(str) == "in"]["contact_tijdstip"].tolist()
        repeat = np.nan
        if inbound:
            quick = len(inbound) > 1 and inbound[1] - inbound[0] <= window
            repeat = float(quick) if quick or inbound[0] + window <= end else np.nan
        rows[key] = {"n_contacts": len(chans), "n_channels": len(set(chans)),
                     "path": " → ".join(path[:jr.MAX_PATH]) + (" → …" if len(path) > jr.MAX_PATH else ""),
                     "handoffs": float(handoffs), "repeat": repeat}
    return pd.DataFrame.from_dict(rows, orient="index")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--events", type=int, default=1_000_000)
    ap.add_argument("--cases", type=int, default=100_000)
    ap.add_argument("--naive-cases", type=int, default=3_000, help="cases the naive loop visits (its time is scaled up)")
    args = ap.parse_args()
    log = synthetic_log(args.events, args.cases)
    t = time.perf_counter()
    features = library(log)
    t_lib = time.perf_counter() - t
    subset_keys = log["zaak_sleutel"].drop_duplicates().iloc[:args.naive_cases]
    subset = log[log["zaak_sleutel"].isin(set(subset_keys))]
    t = time.perf_counter()
    peer = naive(subset)
    t_naive = (time.perf_counter() - t) * (args.cases / len(peer))
    # same numbers: compare on the cases the loop visited
    keys = jr.pseudonymise(pd.Series(peer.index, dtype=object), b"bench-salt")
    mine = features.reset_index(drop=True).set_index(features["koppel_id"].astype(str).to_numpy())
    got = mine.loc[keys.to_numpy()]
    for col in ("n_contacts", "n_channels", "handoffs"):
        assert np.array_equal(got[col].to_numpy(float), peer[col].to_numpy(float)), col
    assert (got["path"].astype(str).to_numpy() == peer["path"].to_numpy()).all()
    assert np.array_equal(np.nan_to_num(got["repeat"].to_numpy(float), nan=-1), np.nan_to_num(peer["repeat"].to_numpy(float), nan=-1))
    scaled = "" if len(peer) == args.cases else f" (timed on {len(peer):,} cases, scaled to {args.cases:,})"
    print(f"journey analysis of {args.events:,} contacts for {args.cases:,} cases, one core:")
    print(f"  meethuis.improve.journeys (features + tables): {t_lib:8.2f} s  ({args.events / t_lib:,.0f} contacts/s)"
          f"  target < 30 s: {'met' if t_lib < 30 else 'NOT MET'}")
    print(f"  naive per-case loop (pandas groupby){scaled}: {t_naive:8.2f} s")
    print(f"  ratio naive / library: {t_naive / t_lib:8.1f} x  (same case features checked on {len(peer):,} cases)")


if __name__ == "__main__":
    main()

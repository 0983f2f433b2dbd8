"""The sample pool: the fictional sample organisations plus ~40 generated fictional organisations.

The generated organisations' aggregates follow a planted truth (:func:`truth_shares`), so the community report
can be checked against it: *empathie* is important everywhere (share of explained variance 0.20 in every
kind), *snelheid* only for agencies (0.20 for ``uitvoeringsorganisatie``, 0.03 elsewhere); the other core
drivers share the rest equally. Each organisation's true shares deviate from its kind's by a zero-sum
normal spread (sd :data:`SPREAD`); the published share adds sampling error with ``se = 0.3 / sqrt(n)``.
KPIs: a kind effect, an organisation effect (sd 0.25 on the grade) and a community trend of +0.04 grade
per quarter. Everything is seeded: the same seed gives the same files, byte for byte.
"""
from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Sequence

import numpy as np
import pandas as pd
from scipy import stats

from meethuis.improve import benchmark as bm
from meethuis.intake.codebook import load_codebook

SEED = 20261130
QUARTERS = ("2024Q4", "2025Q1", "2025Q2", "2025Q3", "2025Q4", "2026Q1", "2026Q2", "2026Q3")
KINDS = ("gemeente", "uitvoeringsorganisatie", "inspectie")
KIND_SHARES = (0.55, 0.30, 0.15)
TYPICAL_N = {"gemeente": 400, "uitvoeringsorganisatie": 1500, "inspectie": 150}
KIND_EFFECT = {"gemeente": 0.0, "uitvoeringsorganisatie": -0.2, "inspectie": -0.4}
SPREAD = 0.012
TREND = 0.04
R2 = 0.55
Z95 = float(stats.norm.ppf(0.975))
PLANTED = {"empathie": {"gemeente": 0.20, "uitvoeringsorganisatie": 0.20, "inspectie": 0.20},
           "snelheid": {"gemeente": 0.03, "uitvoeringsorganisatie": 0.20, "inspectie": 0.03}}
_SYLLABLES = ("Beek", "Hoven", "Dal", "Veld", "Rijn", "Zand", "Hei", "Wold", "Dijk", "Brug", "Meer", "Oord", "Lo",
              "Horst", "Vaart")
_PREFIX = {"gemeente": "Gemeente", "uitvoeringsorganisatie": "Uitvoeringsdienst", "inspectie": "Inspectie"}


def truth_shares(drivers: Sequence[str] | None = None) -> pd.DataFrame:
    """The planted mean share of explained variance per kind (rows) and core driver (columns); rows sum to 1."""
    drivers = list(drivers or load_codebook().drivers(core_only=True))
    rows = {}
    for kind in KINDS:
        fixed = {d: PLANTED[d][kind] for d in PLANTED if d in drivers}
        rest = (1 - sum(fixed.values())) / (len(drivers) - len(fixed))
        rows[kind] = [fixed.get(d, rest) for d in drivers]
    return pd.DataFrame.from_dict(rows, orient="index", columns=drivers)



def _kpi_rows(rng: np.random.Generator, grade: float, n: int, items: Sequence[str]) -> list[dict]:
    """Core KPI rows (level ``totaal``) for a latent grade; means and shares move with it."""
    rows = []
    shift = grade - 7.0
    specs = [("tevredenheid", "mean", grade, 1.6), ("tevredenheid", "voldoende", 0.80 + 0.15 * shift, None),
             ("tevredenheid", "share8", 0.35 + 0.25 * shift, None)]
    for item in items:
        if item == "tevredenheid":
            continue
        mean = 3.5 + 0.5 * shift + rng.normal(0, 0.05)
        specs += [(item, "mean", mean, 0.95), (item, "top2", 0.55 + 0.3 * (mean - 3.5), None)]
    deff = 1.1
    for item, statistic, value, sd in specs:
        n_eff = n / deff
        if sd is None:
            p = float(np.clip(value + rng.normal(0, np.sqrt(value * (1 - value) / n_eff) if 0 < value < 1 else 0),
                              0.02, 0.98))
            se = float(np.sqrt(p * (1 - p) / n_eff))
            est = p
        else:
            se = sd / np.sqrt(n_eff)
            est = float(value + rng.normal(0, se))
        z = Z95
        rows.append({"kpi": f"{item}_{statistic}", "item": item, "statistic": statistic, "level": "totaal",
                     "group": None, "estimate": round(est, 8), "ci_low": round(est - z * se, 8),
                     "ci_high": round(est + z * se, 8), "se": round(float(se), 8), "n": int(n),
                     "n_eff": round(n_eff, 8), "suppressed": False, "comparable": True})
    return rows


def _driver_rows(true_share: np.ndarray, drivers: Sequence[str], families: Sequence[str], n: int,
                 rng: np.random.Generator) -> list[dict]:
    se = 0.3 / np.sqrt(n)
    share = true_share + rng.normal(0, se, len(drivers))
    order = (-share).argsort().argsort() + 1
    z = Z95
    rows = []
    for k, d in enumerate(drivers):
        s = float(share[k])
        rows.append({"outcome": "tevredenheid", "driver": d, "family": families[k],
                     "importance": round(s * R2, 8), "ci_low": round((s - z * se) * R2, 8),
                     "ci_high": round((s + z * se) * R2, 8), "share": round(s, 8),
                     "share_ci_low": round(s - z * se, 8), "share_ci_high": round(s + z * se, 8),
                     "rank": int(order[k]), "n": int(n), "comparable": True})
    return rows


def generate_community(n_orgs: int = 40, quarters: Sequence[str] = QUARTERS, seed: int = SEED,
                       min_cell: int = 10) -> tuple[list[dict], pd.DataFrame]:
    """Aggregates of ``n_orgs`` fictional organisations, one file per organisation and quarter.

    Returns
    -------
    tuple
        ``(aggregates, truth)``: the aggregates dicts (schema version 2, each one quarter) and one row per
        organisation with ``org_id, kind, n`` and its true share per driver.
    """
    cb = load_codebook()
    drivers = cb.drivers(core_only=True)
    families = [cb.items[d].construct for d in drivers]
    items = bm.core_kpi_items(cb)
    means = truth_shares(drivers)
    rng = np.random.default_rng(seed)
    files, truth = [], []
    for k in range(1, n_orgs + 1):
        kind = str(rng.choice(KINDS, p=KIND_SHARES))
        n_typical = int(np.clip(rng.lognormal(np.log(TYPICAL_N[kind]), 0.4), 60, 20_000))
        spread = rng.normal(0, SPREAD, len(drivers))
        true_share = means.loc[kind].to_numpy() + spread - spread.mean()
        name = _SYLLABLES[rng.integers(len(_SYLLABLES))] + _SYLLABLES[rng.integers(len(_SYLLABLES))].lower()
        org_id = f"fictief-{k:03d}"
        org_effect = rng.normal(0, 0.25)
        truth.append({"org_id": org_id, "kind": kind, "n": n_typical, **dict(zip(drivers, true_share))})
        for q, quarter in enumerate(quarters):
            n = max(min_cell * 3, int(rng.poisson(n_typical)))
            grade = 7.0 + KIND_EFFECT[kind] + org_effect + TREND * q
            files.append({
                "schema": bm.SCHEMA, "schema_version": bm.SCHEMA_VERSION, "codebook_version": str(cb.version),
                "organisation": {"id": org_id, "name": f"{_PREFIX[kind]} {name} {k}", "kind": kind,
                                 "size_band": bm.size_band(n), "fictional": True},
                "period": {"label": quarter, "first": quarter, "last": quarter},
                "min_cell": min_cell, "weighted": True,
                "comparability": {"core_mapped": True, "missing_core": [], "drivers": list(drivers)},
                "kpis": _kpi_rows(rng, grade, n, items),
                "drivers": _driver_rows(true_share, drivers, families, n, rng),
            })
    return files, pd.DataFrame(truth)


def write_community(out: str | Path, n_orgs: int = 40, quarters: Sequence[str] = QUARTERS,
                    seed: int = SEED) -> list[Path]:
    """Write the generated organisations' aggregates as ``out/<org_id>_<quarter>.json``."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    files, _ = generate_community(n_orgs, quarters, seed)
    paths = []
    for data in files:
        path = out / f"{data['organisation']['id']}_{data['period']['label']}.json"
        path.write_text(json.dumps(data, ensure_ascii=False) + "\n", encoding="utf-8")
        paths.append(path)
    return paths


def sample_org_aggregates(out: str | Path, quarters: int = 4) -> list[Path]:
    """Each sample organisation's aggregates for its last ``quarters`` quarters (marked fictional)."""
    from meethuis.intake.config import load_config
    from meethuis.intake.validate import load_survey
    from meethuis.sample import ORG_IDS, sample_config
    from meethuis.stats.weights import survey_weights

    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    paths = []
    for org in ORG_IDS:
        config = load_config(sample_config(org))
        responses = load_survey(config).responses
        for quarter in sorted(responses["periode"].astype(str).unique())[-quarters:]:
            rows = responses[responses["periode"].astype(str) == quarter]
            data = bm.export_aggregates(rows, config, weights=survey_weights(rows, config), period=quarter)
            data["organisation"]["fictional"] = True
            paths.append(bm.write_aggregates(data, out / f"{org}_{quarter}.json"))
    return paths


def build_sample_pool(path: str | Path, n_orgs: int = 40, seed: int = SEED) -> Path:
    """The sample pool at ``path``: sample organisations + generated ones; names shown (all are fictional)."""
    from meethuis.improve.pool import PoolSettings, add_aggregates

    path = Path(path)
    with tempfile.TemporaryDirectory() as tmp:
        files = sample_org_aggregates(Path(tmp) / "samples") + write_community(Path(tmp) / "generated", n_orgs,
                                                                                seed=seed)
        part = path.with_name(f".{path.name}.{os.getpid()}.part")
        part.unlink(missing_ok=True)
        add_aggregates(part, files, create=PoolSettings(min_cell=10, show_names=True,
                                                       title="Voorbeeldgemeenschap (fictief)"))
        os.replace(part, path)
    return path


def sample_pool() -> Path:
    """The sample pool, built once in the temporary folder (for chapters opened on their own).

    Its file name carries a digest of what it is made from (this generator, the aggregates export, the
    codebook version and the sample data files' names, sizes and times), so a change rebuilds it.
    """
    import hashlib

    from meethuis.sample import sample_dir

    cb = load_codebook()
    digest = hashlib.sha256(f"{bm.SCHEMA_VERSION}|{cb.version}|{SEED}".encode())
    for source in (Path(__file__), Path(bm.__file__)):
        digest.update(source.read_bytes())
    for f in sorted(Path(sample_dir()).glob("*")):
        if f.is_file():
            st = f.stat()
            digest.update(f"{f.name}|{st.st_size}|{st.st_mtime_ns}".encode())
    path = Path(tempfile.gettempdir()) / f"meethuis-sample-pool-{digest.hexdigest()[:16]}.duckdb"
    if not path.exists():
        build_sample_pool(path)
    return path

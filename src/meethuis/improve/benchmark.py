"""Benchmark across organisations, using only each organisation's suppressed aggregates.

Each organisation exports ``aggregates.json`` (:func:`export_aggregates`, :func:`write_aggregates`): its
core KPIs overall, per ``kanaal``, per ``dienst`` and per quarter (``periode``) with CI, ``se``, ``n`` and
``n_eff``; the importance of each core driver for each core outcome with a bootstrap interval; its kind,
size band and comparability flags — after disclosure control, no respondent-level data and nothing
below ``min_cell``. Schema version 2; version 1 files (KPIs only) are upgraded when read. The benchmark reads those
files back (:func:`load_aggregates`) and compares organisations with

* a ranking with uncertainty: rank intervals by simulation from each estimate's normal sampling
  distribution (seeded), plus the chance of being best (:func:`rank_organisations`);
* a funnel plot: estimate against design-effective n with 95% and 99.8% control limits around the
  random-effects mean, widened for overdispersion (Spiegelhalter 2005, additive random effects):
  ``target +- z sqrt(s(n)^2 + tau2)`` with ``s(n) = sigma / sqrt(n)`` for means and NPS (``sigma`` the
  pooled within-organisation SD) and ``sqrt(p0 (1 - p0) / n)`` for shares, ``tau2`` the
  DerSimonian-Laird between-organisation variance (:func:`funnel_table`, :func:`funnel_limits`,
  :func:`overdispersion`);
* case-mix adjustment by direct standardisation: each organisation's stratum estimates (per channel or
  service) weighted by one common standard mix, by default the mean of the organisations' own mixes;
  published only when the organisation covers at least 90 % of that mix (:func:`case_mix_adjust`).
"""
from __future__ import annotations

import json
import os
import math
from pathlib import Path
from typing import Any, Iterable, Mapping, Sequence

import numpy as np
import pandas as pd
from scipy import stats

from meethuis.intake.codebook import load_codebook
from meethuis.common.errors import AnalysisError, ConfigError, DataError
from meethuis.stats.disclosure import run_hidden_groups

SCHEMA = "meethuis.aggregates"
SCHEMA_VERSION = 2
SUPPORTED_VERSIONS = (1, 2)  # version 1 files are upgraded on reading (:func:`upgrade_aggregates`)
LEVELS = ("totaal", "kanaal", "dienst", "periode")
ROW_FIELDS = ("kpi", "item", "statistic", "level", "group", "estimate", "ci_low", "ci_high", "se", "n", "n_eff",
              "suppressed", "comparable")
DRIVER_FIELDS = ("outcome", "driver", "family", "importance", "ci_low", "ci_high", "share", "share_ci_low",
                 "share_ci_high", "rank", "n", "comparable")
TOP_FIELDS = ("schema", "schema_version", "codebook_version", "organisation", "period", "min_cell", "weighted",
              "comparability", "kpis", "drivers")
V1_TOP_FIELDS = ("schema", "schema_version", "codebook_version", "organisation", "period", "min_cell", "weighted",
                 "kpis")
# Size band of an organisation: respondents in the exported period (a coarse band, never the exact count).
SIZE_BANDS = ((0, "<500"), (500, "500-1999"), (2000, "2000-9999"), (10_000, "10000+"))
DRIVER_BOOT = 200  # bootstrap resamples behind the driver intervals in aggregates.json
Z95, Z998 = stats.norm.ppf(0.975), stats.norm.ppf(0.999)
DEFAULT_SEED = 20261123


def _kind(statistic: str) -> str:
    return "mean" if statistic == "mean" else "nps" if statistic == "nps" else "share"


def _num(value: Any) -> float | None:
    if value is None or (isinstance(value, float) and not math.isfinite(value)) or pd.isna(value):
        return None
    return round(float(value), 8)


def core_kpi_items(codebook=None) -> list[str]:
    """The core outcome items every organisation measures: the shared basis of the benchmark."""
    cb = codebook or load_codebook()
    return cb.outcomes(core_only=True)


def size_band(n: int) -> str:
    """The size band (:data:`SIZE_BANDS`) of an organisation with ``n`` respondents in the period."""
    label = SIZE_BANDS[0][1]
    for low, name in SIZE_BANDS:
        if n >= low:
            label = name
    return label


def comparability(config: Any, responses: pd.DataFrame) -> dict:
    """Which core items the organisation measures: ``core_mapped`` (all of them) and ``missing_core``."""
    cb = config.codebook
    core = [i for i in cb.core_items() if i in cb.items]
    missing = [i for i in core if i not in responses.columns or responses[i].notna().sum() == 0]
    drivers = [d for d in cb.drivers(core_only=True) if d not in missing]
    return {"core_mapped": not missing, "missing_core": missing, "drivers": drivers}


def export_drivers(responses: pd.DataFrame, config: Any, weights: pd.Series | None = None, min_cell: int = 10,
                   n_boot: int = DRIVER_BOOT, seed: int = DEFAULT_SEED) -> list[dict]:
    """Bootstrap Shapley importance of the core drivers for each core outcome, as aggregates rows.

    Only the core drivers are used, so shares are comparable across organisations measuring all of them
    (``comparable``). An outcome is left out when fewer than ``max(min_cell, 10 per driver)`` respondents
    answered it and every driver (the rule of the driver chapter) or the analysis is impossible.
    """
    from meethuis.stats.drivers import bootstrap_importance

    cb = config.codebook
    flags = comparability(config, responses)
    drivers = [d for d in flags["drivers"] if d in responses.columns]
    rows: list[dict] = []
    if len(drivers) < 2:
        return rows
    for outcome in core_kpi_items(cb):
        if outcome not in responses.columns:
            continue
        complete = int(responses[[outcome, *drivers]].notna().all(axis=1).sum())
        if complete < max(min_cell, 10 * len(drivers)):
            continue
        try:
            boot = bootstrap_importance(responses, outcome, drivers, weights=weights, n_boot=n_boot, seed=seed)
        except AnalysisError:
            continue
        for rec in boot.to_dict("records"):
            rows.append({"outcome": outcome, "driver": rec["driver"], "family": cb.items[rec["driver"]].construct,
                         "importance": _num(rec["importance"]), "ci_low": _num(rec["ci_low"]),
                         "ci_high": _num(rec["ci_high"]), "share": _num(rec["share"]),
                         "share_ci_low": _num(rec["share_ci_low"]), "share_ci_high": _num(rec["share_ci_high"]),
                         "rank": int(rec["rank"]), "n": int(rec["n_used"]),
                         "comparable": bool(flags["core_mapped"])})
    return rows


def export_aggregates(survey: Any, config: Any, weights: pd.Series | None = None, min_cell: int = 10,
                      period: str = "", drivers: bool = True, hidden: Mapping | None = None) -> dict:
    """The organisation's disclosure-protected aggregates on the shared core, as a JSON-ready dict.

    Parameters
    ----------
    survey:
        ``Survey`` (its ``responses`` are used) or the responses DataFrame itself (e.g. of one period).
    config:
        ``OrgConfig`` (id, name, kind, codebook version; ``min_cell`` of the config wins when higher).
    weights:
        Survey weights aligned with the responses (``None`` = unweighted).
    min_cell:
        Cells with fewer respondents are suppressed (primary and secondary, ``disclosure.protect_table``).
    period:
        Label of the period the responses cover (``""`` = all quarters in the data).
    drivers:
        Also export the core drivers' importance per core outcome (:func:`export_drivers`).
    hidden:
        Groups hidden everywhere in the report (``disclosure.run_hidden_groups``); default computed from
        ``responses`` as the report does.

    Returns
    -------
    dict
        Schema version 2: ``schema, schema_version, codebook_version, organisation{id,name,kind,size_band,
        fictional}, period{label,first,last}, min_cell, weighted, comparability{core_mapped,missing_core,
        drivers}, kpis[...], drivers[...]``. KPI rows: ``kpi, item, statistic, level (totaal|kanaal|dienst|
        periode), group, estimate, ci_low, ci_high, se, n, n_eff, suppressed, comparable``; suppressed rows
        carry no numbers. Driver rows: :data:`DRIVER_FIELDS`.
    """
    from meethuis.stats.kpi import kpi_table

    responses = getattr(survey, "responses", survey)
    min_cell = max(int(min_cell), int(getattr(config, "min_cell", 1)))
    cb = config.codebook
    items = [i for i in core_kpi_items(cb) if i in responses.columns]
    core = set(cb.core_items())
    rows: list[dict] = []
    # the groups the report hides everywhere (same rule, same respondents), so the pool learns no more
    hidden = run_hidden_groups(responses, config, min_cell) if hidden is None else hidden
    for level in LEVELS:
        by = None if level == "totaal" else level
        if by is not None and by not in responses.columns:
            continue
        table = kpi_table(responses, items=items, by=by, weights=weights, min_cell=min_cell, codebook=cb,
                          hidden=hidden)
        for rec in table.to_dict("records"):
            suppressed = bool(rec["suppressed"])
            row = {"kpi": rec["kpi"], "item": rec["item"], "statistic": rec["statistic"], "level": level,
                   "group": None if by is None else str(rec[by])}
            for f in ("estimate", "ci_low", "ci_high", "se", "n_eff"):
                row[f] = None if suppressed else _num(rec[f])
            row["n"] = None if suppressed or pd.isna(rec["n"]) else int(rec["n"])
            row["suppressed"] = suppressed
            row["comparable"] = rec["item"] in core
            if not suppressed and (row["n"] is None or row["n"] < min_cell):
                raise AnalysisError(f"aggregate {row['kpi']} ({level} {row['group']}) rests on fewer than "
                                    f"{min_cell} respondents but is not suppressed", hint="report this bug")
            rows.append(row)
    quarters = sorted(str(p) for p in responses["periode"].dropna().unique()) if "periode" in responses else []
    org_raw = (getattr(config, "raw", None) or {}).get("organisation", {}) or {}
    fictional = bool(org_raw.get("synthetic", org_raw.get("fictional", False))) if isinstance(org_raw, Mapping) else False
    return {
        "schema": SCHEMA,
        "schema_version": SCHEMA_VERSION,
        "codebook_version": str(cb.version),
        "organisation": {"id": config.id, "name": config.name, "kind": getattr(config, "kind", "") or "",
                         "size_band": size_band(len(responses)), "fictional": fictional},
        "period": {"label": period or "", "first": quarters[0] if quarters else None,
                   "last": quarters[-1] if quarters else None},
        "min_cell": min_cell,
        "weighted": weights is not None,
        "comparability": comparability(config, responses),
        "kpis": rows,
        "drivers": export_drivers(responses, config, weights, min_cell) if drivers else [],
    }


def write_aggregates(aggregates: Mapping, path: str | Path) -> Path:
    """Write ``aggregates`` (from :func:`export_aggregates`) to ``path`` as JSON, atomically.

    Text that a spreadsheet would run as a formula (``=``, ``+``, ``-``, ``@``, tab, CR first) gets a
    leading ``'`` (:func:`meethuis.intake.io.neutralise`).
    """
    from meethuis.intake.io import neutralise, write_text_atomic

    text = json.dumps(neutralise(aggregates), ensure_ascii=False, indent=1)
    return write_text_atomic(Path(path), text + "\n")


def _fail(path: Path, message: str, key: str | None = None, hint: str | None = None) -> DataError:
    return DataError(message, file=str(path), key=key, hint=hint)


def upgrade_aggregates(data: Mapping) -> dict:
    """A version 1 aggregates file in the version 2 shape (no drivers, comparability unknown).

    The migration path of the file format: each older version is upgraded here, step by step, before
    validation, so files from earlier Meethuis versions stay usable.
    """
    data = dict(data)
    if data.get("schema_version") == 1:
        data["schema_version"] = 2
        data["organisation"] = {"kind": "", **dict(data.get("organisation") or {})}
        data.setdefault("comparability", {"core_mapped": None, "missing_core": [], "drivers": []})
        data.setdefault("drivers", [])
        data["kpis"] = [{**row, "comparable": row.get("comparable")} if isinstance(row, Mapping) else row
                        for row in data.get("kpis") or []]
    return data


def _check_number(path: Path, row: Mapping, f: str, key: str) -> None:
    value = row[f]
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise _fail(path, f"published cell needs a number in '{f}', got {value!r}", key=f"{key}.{f}")


def validate_aggregates(data: Any, path: str | Path = "<aggregates>", codebook_version: str | None = None,
                        min_cell: int | None = None) -> dict:
    """Check one parsed aggregates file against the schema and the current codebook version.

    Version 1 files are upgraded first (:func:`upgrade_aggregates`).

    Parameters
    ----------
    data:
        The parsed JSON.
    path:
        File name for messages.
    codebook_version:
        Version the file must match (default: the installed codebook's).
    min_cell:
        Smallest cell the receiver accepts (default: the file's own ``min_cell``); the higher of both applies.

    Returns
    -------
    dict
        The (upgraded) aggregates.

    Raises
    ------
    DataError
        Naming the file and key: wrong schema, missing fields, an older/newer codebook version, unknown
        levels, or a published cell below ``min_cell``.
    """
    path = Path(path)
    if not isinstance(data, Mapping) or data.get("schema") != SCHEMA:
        raise _fail(path, "not a Meethuis aggregates file (schema is not 'meethuis.aggregates')", key="schema",
                    hint="use the aggregates.json written by `meethuis report`")
    if data.get("schema_version") not in SUPPORTED_VERSIONS:
        raise _fail(path, f"schema version {data.get('schema_version')!r} is not supported (expected "
                          f"{' or '.join(map(str, SUPPORTED_VERSIONS))})",
                    key="schema_version", hint="re-export the aggregates with this version of Meethuis")
    fields = V1_TOP_FIELDS if data["schema_version"] == 1 else TOP_FIELDS
    missing = [f for f in fields if f not in data]
    if missing:
        raise _fail(path, f"aggregates file lacks {', '.join(missing)}", key=missing[0])
    unknown = sorted(set(data) - set(fields))
    if unknown:
        raise _fail(path, f"unexpected key '{unknown[0]}' in aggregates file", key=unknown[0],
                    hint="aggregates hold only suppressed summary figures, never respondent data")
    data = upgrade_aggregates(data)
    current = str(codebook_version or load_codebook().version)
    if str(data["codebook_version"]) != current:
        raise _fail(path, f"made with codebook version {data['codebook_version']}, but this benchmark uses "
                          f"codebook version {current}", key="codebook_version",
                    hint="ask the organisation to re-run its report with the current codebook, so the core "
                         "questions mean the same thing")
    org = data["organisation"]
    if not isinstance(org, Mapping) or not org.get("id") or not org.get("name"):
        raise _fail(path, "organisation needs an id and a name", key="organisation")
    own_min = data["min_cell"]
    if isinstance(own_min, bool) or not isinstance(own_min, int) or own_min < 1:
        raise _fail(path, f"min_cell must be a whole number >= 1, got {own_min!r}", key="min_cell")
    floor = max(own_min, int(min_cell or 0))
    if not isinstance(data["comparability"], Mapping):
        raise _fail(path, "comparability must be a mapping", key="comparability")
    for name, fields_, numbers in (("kpis", ROW_FIELDS, ("estimate", "se", "n_eff")),
                                   ("drivers", DRIVER_FIELDS, ("importance", "ci_low", "ci_high", "share"))):
        if not isinstance(data[name], list):
            raise _fail(path, f"{name} must be a list of rows", key=name)
        for k, row in enumerate(data[name]):
            key = f"{name}[{k}]"
            if not isinstance(row, Mapping):
                raise _fail(path, "a row must be a mapping", key=key)
            lacking = [f for f in fields_ if f not in row]
            if lacking:
                raise _fail(path, f"row lacks {', '.join(lacking)}", key=f"{key}.{lacking[0]}")
            extra = sorted(set(row) - set(fields_))
            if extra:
                raise _fail(path, f"unexpected field '{extra[0]}'", key=f"{key}.{extra[0]}",
                            hint="aggregates hold only suppressed summary figures, never respondent data")
            if name == "kpis" and row["level"] not in LEVELS:
                raise _fail(path, f"unknown level '{row['level']}'", key=f"{key}.level",
                            hint=f"use {', '.join(LEVELS)}")
            if name == "kpis" and row["suppressed"]:
                shown = [f for f in ("estimate", "ci_low", "ci_high", "se", "n", "n_eff") if row[f] is not None]
                if shown:
                    raise _fail(path, f"suppressed cell still shows '{shown[0]}'", key=f"{key}.{shown[0]}",
                                hint="aggregates must be disclosure-protected; re-export them")
                continue
            n = row["n"]
            if isinstance(n, bool) or not isinstance(n, int) or n < floor:
                raise _fail(path, f"published cell with n={n!r} below min_cell {floor}", key=f"{key}.n",
                            hint="aggregates must be disclosure-protected; re-export them"
                            + (" with this min_cell" if floor > own_min else ""))
            for f in numbers:
                _check_number(path, row, f, key)
    return data


def load_aggregates(paths: Iterable[str | Path] | str | Path) -> pd.DataFrame:
    """Read and validate aggregates files (or every ``*.json`` in a folder) into one tidy table.

    Parameters
    ----------
    paths:
        Files, or a folder: its ``aggregates.json`` files at any depth (e.g. ``reports/<org>/``), or every
        ``*.json`` in it when there is none.

    Returns
    -------
    pd.DataFrame
        One row per organisation × KPI × level × group: ``org_id, org_name, period, codebook_version,
        min_cell, kpi, item, statistic, kind, level, group, estimate, ci_low, ci_high, se, n, n_eff,
        suppressed``.

    Raises
    ------
    DataError
        Unreadable file, schema problem, codebook version mismatch (naming file and versions), or the same
        organisation twice.
    """
    if isinstance(paths, (str, Path)) and Path(paths).is_dir():
        folder = Path(paths)
        paths = sorted(folder.rglob("aggregates.json")) or sorted(folder.rglob("*.json"))
    elif isinstance(paths, (str, Path)):
        paths = [paths]
    paths = [Path(p) for p in paths]
    if not paths:
        raise DataError("no aggregates files given", hint="pass aggregates.json files or a folder holding them")
    frames, seen = [], {}
    for path in paths:
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise _fail(path, "aggregates file not found") from None
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise _fail(path, f"not valid JSON: {exc}", hint="use the aggregates.json written by `meethuis report`") from None
        data = validate_aggregates(data, path)
        org_id = data["organisation"]["id"]
        if org_id in seen:
            raise _fail(path, f"organisation '{org_id}' also comes from {seen[org_id]}", key="organisation.id",
                        hint="pass one aggregates file per organisation")
        seen[org_id] = path
        frame = pd.DataFrame(data["kpis"], columns=list(ROW_FIELDS)).drop(columns="comparable")
        frame.insert(0, "org_id", org_id)
        name = data["organisation"]["name"]
        frame.insert(1, "org_name", f"{name} (fictief)" if data["organisation"].get("fictional") else name)
        frame.insert(2, "period", data["period"].get("label") or f"{data['period'].get('first')}–{data['period'].get('last')}")
        frame.insert(3, "codebook_version", str(data["codebook_version"]))
        frame.insert(4, "min_cell", data["min_cell"])
        frames.append(frame)
    table = pd.concat(frames, ignore_index=True)
    table["kind"] = table["statistic"].map(_kind)
    for c in ("estimate", "ci_low", "ci_high", "se", "n_eff"):
        table[c] = pd.to_numeric(table[c], errors="coerce").astype(float)
    table["n"] = pd.to_numeric(table["n"], errors="coerce").astype("Int64")
    table["suppressed"] = table["suppressed"].astype(bool)
    return table


def _select(table: pd.DataFrame, kpi: str, level: str = "totaal") -> pd.DataFrame:
    sel = table[(table["kpi"] == kpi) & (table["level"] == level)]
    if sel.empty:
        raise AnalysisError(f"no organisation has KPI '{kpi}' at level '{level}'", key="kpi",
                            hint=f"available KPIs: {', '.join(sorted(table['kpi'].unique()))}")
    return sel


def rank_organisations(table: pd.DataFrame, kpi: str, n_sim: int = 10_000, seed: int = DEFAULT_SEED,
                       level: float = 0.95) -> pd.DataFrame:
    """Ranks with uncertainty: rank intervals and the chance of being best, by seeded simulation.

    Each organisation's estimate is drawn ``n_sim`` times from ``Normal(estimate, se)``; the ranks
    (1 = highest) in every draw give a ``level`` rank interval (percentiles) and ``p_best``.

    Parameters
    ----------
    table:
        Output of :func:`load_aggregates`.
    kpi:
        E.g. ``tevredenheid_mean``.
    n_sim, seed:
        Number of simulations and the random seed (same seed, same result).

    Returns
    -------
    pd.DataFrame
        ``org_id, org_name, estimate, ci_low, ci_high, n, rank, rank_low, rank_high, p_best`` sorted by
        rank; organisations whose total is suppressed are left out.
    """
    sel = _select(table, kpi)
    sel = sel[~sel["suppressed"]].reset_index(drop=True)
    if sel.empty:
        raise AnalysisError(f"no organisation publishes '{kpi}'")
    rng = np.random.default_rng(seed)
    est, se = sel["estimate"].to_numpy(float), np.nan_to_num(sel["se"].to_numpy(float))
    draws = rng.normal(est, se, size=(n_sim, len(sel)))
    ranks = (-draws).argsort(axis=1).argsort(axis=1) + 1
    a = (1 - level) / 2
    out = sel[["org_id", "org_name", "estimate", "ci_low", "ci_high", "n"]].copy()
    out["rank"] = pd.Series(-est).rank(method="min").astype(int).to_numpy()
    out["rank_low"] = np.floor(np.quantile(ranks, a, axis=0, method="lower")).astype(int)
    out["rank_high"] = np.ceil(np.quantile(ranks, 1 - a, axis=0, method="higher")).astype(int)
    out["p_best"] = (ranks == 1).mean(axis=0)
    return out.sort_values(["rank", "org_id"]).reset_index(drop=True)


def funnel_limits(target: float, sigma: float, n: Sequence[float] | np.ndarray, kind: str = "mean",
                  tau2: float = 0.0) -> pd.DataFrame:
    """Control limits of a funnel plot at (design-)effective sample sizes ``n``, overdispersion included.

    Within-organisation spread ``s(n)``: ``sigma / sqrt(n)`` for means/NPS and ``sqrt(target (1 - target) / n)``
    for shares (``sigma`` ignored). Limits ``target +- z sqrt(s(n)^2 + tau2)`` with ``z`` = 1.96 (95%) and
    3.09 (99.8%); ``tau2`` is the between-organisation variance of the additive random-effects model
    (Spiegelhalter 2005, section 6; 0 gives the classic funnel). Pure: numbers in, DataFrame out.

    Returns
    -------
    pd.DataFrame
        ``n, low95, high95, low998, high998``.
    """
    n = np.asarray(n, dtype=float)
    within = target * (1 - target) / n if kind == "share" else sigma ** 2 / n
    spread = np.sqrt(within + max(float(tau2), 0.0))
    return pd.DataFrame({"n": n, "low95": target - Z95 * spread, "high95": target + Z95 * spread,
                         "low998": target - Z998 * spread, "high998": target + Z998 * spread})


def overdispersion(estimate: Sequence[float] | np.ndarray, se: Sequence[float] | np.ndarray) -> dict:
    """Between-organisation spread beyond chance (DerSimonian-Laird), as Spiegelhalter (2005) adjusts funnels.

    With precision weights ``w_i = 1 / se_i^2``, the fixed-effect mean ``m``, ``Q = sum w_i (y_i - m)^2``
    over ``I`` organisations: ``phi = Q / (I - 1)`` (the spread ratio; 1 = only chance) and
    ``tau2 = max(0, (Q - (I - 1)) / (sum w - sum w^2 / sum w))``. The pooled average is the random-effects
    mean ``sum v_i y_i / sum v_i`` with ``v_i = 1 / (se_i^2 + tau2)``: when organisations really differ,
    their weights become nearly equal, so one large organisation does not make the average.

    Returns
    -------
    dict
        ``phi, tau2, q, p`` (chi-square test of no overdispersion on ``I - 1`` df), ``target`` (the
        random-effects mean) and ``weights`` (each organisation's share of it).
    """
    y, se = np.asarray(estimate, dtype=float), np.asarray(se, dtype=float)
    k = y.size
    if k == 0 or not np.all(np.isfinite(se)) or np.any(se <= 0):
        raise AnalysisError("overdispersion needs a positive standard error for every organisation")
    w = 1 / se ** 2
    fixed = float(np.sum(w * y) / w.sum())
    q = float(np.sum(w * (y - fixed) ** 2))
    dof = k - 1
    tau2 = max(0.0, (q - dof) / (w.sum() - np.sum(w ** 2) / w.sum())) if dof > 0 else 0.0
    v = 1 / (se ** 2 + tau2)
    return {"phi": q / dof if dof > 0 else math.nan, "tau2": float(tau2), "q": q,
            "p": float(stats.chi2.sf(q, dof)) if dof > 0 else math.nan,
            "target": float(np.sum(v * y) / v.sum()), "weights": v / v.sum()}


def funnel_table(table: pd.DataFrame, kpi: str) -> tuple[pd.DataFrame, float, float]:
    """Each organisation's estimate with its position against overdispersion-adjusted funnel limits.

    The target is the random-effects mean of :func:`overdispersion` (no single organisation makes it);
    for means and NPS ``sigma`` is the pooled within-organisation SD ``sqrt(sum n_i s_i^2 / sum n_i)``
    with ``s_i = se_i sqrt(n_eff_i)``. Each organisation sits at its design-effective size ``n``, the size
    at which the funnel's within spread equals its own (linearised) ``se``. The limits add the
    between-organisation variance ``tau2`` (Spiegelhalter 2005), so an organisation is only "outside"
    when it differs by more than organisations usually do. Pure: DataFrame in, DataFrame out.

    Returns
    -------
    tuple
        ``(frame, target, sigma)``; ``frame`` has ``org_id, org_name, estimate, se, n, n_eff, weight,
        low95, high95, low998, high998, position`` (``binnen``, ``boven_95``, ``onder_95``, ``boven_998``,
        ``onder_998``); ``frame.attrs`` hold ``tau2``, ``phi``, ``p_overdispersion`` and ``kind``.

    Raises
    ------
    AnalysisError
        When no organisation publishes ``kpi``.
    """
    sel = _select(table, kpi)
    sel = sel[~sel["suppressed"]].reset_index(drop=True)
    if sel.empty:
        raise AnalysisError(f"no organisation publishes '{kpi}'")
    kind = sel["kind"].iloc[0]
    ne, est, se = sel["n_eff"].to_numpy(float), sel["estimate"].to_numpy(float), sel["se"].to_numpy(float)
    od = overdispersion(est, se)
    target = od["target"]
    if kind == "share":
        sigma = math.nan
        n_design = target * (1 - target) / se ** 2
    else:
        sigma = float(np.sqrt(np.sum(ne * (se * np.sqrt(ne)) ** 2) / ne.sum()))
        n_design = sigma ** 2 / se ** 2
    limits = funnel_limits(target, sigma, n_design, kind, od["tau2"])
    out = sel[["org_id", "org_name", "estimate"]].copy()
    out["se"] = se
    out["n"] = sel["n"].to_numpy()
    out["n_eff"] = n_design
    out["weight"] = od["weights"]
    for c in ("low95", "high95", "low998", "high998"):
        out[c] = limits[c].to_numpy()
    out["position"] = np.select(
        [est > out["high998"], est < out["low998"], est > out["high95"], est < out["low95"]],
        ["boven_998", "onder_998", "boven_95", "onder_95"], default="binnen")
    out.attrs.update({"tau2": od["tau2"], "phi": od["phi"], "p_overdispersion": od["p"], "kind": kind})
    return out, target, sigma


def standard_mix(table: pd.DataFrame, kpi: str, by: str = "kanaal") -> pd.Series:
    """Default standard population: each stratum's share of respondents, averaged over organisations.

    Every organisation counts equally (the mean of their own mixes), so one large organisation does not
    set the standard.
    """
    sel = _select(table, kpi, by)
    sel = sel[~sel["suppressed"]]
    if sel.empty or sel["n"].sum() <= 0:
        raise AnalysisError(f"no published '{by}' strata for '{kpi}'")
    shares = sel.pivot_table(index="org_id", columns="group", values="n", aggfunc="sum").fillna(0.0)
    shares = shares.div(shares.sum(axis=1), axis=0)
    mix = shares.mean(axis=0)
    return mix / mix.sum()


MIN_COVERAGE = 0.9  # case-mix adjustment is published only when the organisation covers this share of the mix


def case_mix_adjust(table: pd.DataFrame, kpi: str, by: str = "kanaal",
                    standard: Mapping[str, float] | pd.Series | None = None, level: float = 0.95,
                    min_coverage: float = MIN_COVERAGE) -> pd.DataFrame:
    """Direct standardisation: what each organisation would score with the standard channel/service mix.

    ``adjusted = sum_s m_s est_s / sum_s m_s`` over the strata ``s`` the organisation publishes, with
    ``m`` the standard mix; ``se = sqrt(sum_s (m_s / M)^2 se_s^2)``, ``M = sum_s m_s``. ``coverage`` = ``M``
    (share of the standard mix the organisation covers). Below ``min_coverage`` the adjustment would
    rest on a different mix than the standard, so it is not given (NaN, ``reason = "coverage"``).

    Parameters
    ----------
    table:
        Output of :func:`load_aggregates`.
    kpi:
        KPI to adjust.
    by:
        ``kanaal`` or ``dienst``.
    standard:
        Standard mix (stratum -> share or count); default :func:`standard_mix`.
    level:
        Confidence level of the interval.
    min_coverage:
        Smallest covered share of the standard mix for a published adjustment (default 0.9).

    Returns
    -------
    pd.DataFrame
        ``org_id, org_name, crude, adjusted, se, ci_low, ci_high, coverage, strata, reason``.
    """
    if by not in ("kanaal", "dienst"):
        raise AnalysisError(f"case-mix adjustment by '{by}' is not possible", key="by", hint="use kanaal or dienst")
    mix = standard_mix(table, kpi, by) if standard is None else pd.Series(standard, dtype=float)
    if (mix < 0).any() or mix.sum() <= 0:
        raise AnalysisError("the standard mix needs non-negative shares with a positive total", key="standard")
    mix = mix / mix.sum()
    strata = _select(table, kpi, by)
    totals = _select(table, kpi).set_index("org_id")
    z = stats.norm.ppf(0.5 + level / 2)
    rows = []
    for org_id, g in strata.groupby("org_id", sort=True):
        g = g[~g["suppressed"] & g["group"].isin(mix.index)]
        m = mix.reindex(g["group"]).to_numpy(float)
        cover = float(m.sum())
        reason = None
        if cover < min_coverage - 1e-12:
            adj = se = math.nan
            reason = "coverage"
        else:
            adj = float(np.sum(m * g["estimate"].to_numpy(float)) / cover)
            se = float(np.sqrt(np.sum((m / cover) ** 2 * g["se"].to_numpy(float) ** 2)))
        rows.append({"org_id": org_id, "org_name": totals.loc[org_id, "org_name"],
                     "crude": totals.loc[org_id, "estimate"], "adjusted": adj, "se": se,
                     "ci_low": adj - z * se, "ci_high": adj + z * se, "coverage": cover, "strata": len(g),
                     "reason": reason})
    return pd.DataFrame(rows, columns=["org_id", "org_name", "crude", "adjusted", "se", "ci_low", "ci_high",
                                       "coverage", "strata", "reason"])


def sample_aggregates(folder: str | Path | None = None, period: str = "", min_cell: int = 10) -> list[dict]:
    """Aggregates of every organisation config (``*.yml``) in ``folder`` (default: the sample organisations).

    Used by the benchmark chapter when no folder of exported aggregates is given.
    """
    from meethuis.intake.config import load_config
    from meethuis.intake.validate import load_survey
    from meethuis.stats.weights import survey_weights

    folder = Path(folder) if folder else Path(__file__).resolve().parents[3] / "data" / "sample"
    configs = [p for p in sorted(folder.glob("*.yml")) if _is_org_config(p)]
    if not configs:
        raise DataError("no organisation configs (*.yml) found", file=str(folder))
    out = []
    for path in configs:
        config = load_config(path)
        cached = _cache_path(config, period, min_cell)
        if cached is not None and cached.exists():
            try:
                out.append(validate_aggregates(json.loads(cached.read_text(encoding="utf-8")), cached))
                continue
            except (OSError, ValueError, DataError):
                pass  # an unreadable or outdated entry is recomputed and replaced
        responses = load_survey(config).responses
        if period:
            responses = responses[responses["periode"].astype(str) == period]
        weights = survey_weights(responses, config)
        aggregates = export_aggregates(responses, config, weights=weights, min_cell=min_cell, period=period)
        if cached is not None:
            try:
                write_aggregates(aggregates, cached)
            except OSError:
                pass  # a read-only cache only costs time
        out.append(aggregates)
    return out


CACHE_ENV = "MEETHUIS_CACHE_DIR"


def cache_dir() -> Path | None:
    """Where computed peer aggregates are kept: ``$MEETHUIS_CACHE_DIR``, else ``~/.cache/meethuis``.

    ``MEETHUIS_CACHE_DIR=""`` (set but empty) turns the cache off. The entries are aggregates as in
    ``aggregates.json`` (suppressed, no respondent data).
    """
    env = os.environ.get(CACHE_ENV)
    if env is not None:
        return Path(env).expanduser() if env.strip() else None
    return Path.home() / ".cache" / "meethuis"


def _cache_path(config: Any, period: str, min_cell: int) -> Path | None:
    """The cache entry of one organisation's aggregates: named by the digest of everything they depend on.

    Config and data file bytes, period, ``min_cell``, the codebook version and the source of the modules
    that compute them: a changed file or a new Meethuis version makes a new entry, never a stale answer.
    """
    import hashlib

    from meethuis.intake.io import file_digest

    folder = cache_dir()
    if folder is None:
        return None
    here = Path(__file__).resolve()
    sources = [here, here.parents[1] / "stats" / "kpi.py", here.parents[1] / "stats" / "weights.py",
               here.parents[1] / "stats" / "disclosure.py", here.parents[1] / "intake" / "validate.py",
               here.parents[1] / "intake" / "codebook.yml"]
    parts = [file_digest(config.path), file_digest(config.data_file), str(period), str(int(min_cell)),
             str(load_codebook().version), *(file_digest(p) for p in sources)]
    key = hashlib.sha256("\n".join(parts).encode("utf-8")).hexdigest()[:32]
    return folder / "aggregates" / f"{config.id}-{key}.json"


def _is_org_config(path: Path) -> bool:
    """A YAML file with ``organisation:`` and ``data:`` at the top (other YAML files are skipped)."""
    import yaml

    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError):
        return False
    return isinstance(raw, Mapping) and "organisation" in raw and "data" in raw


def aggregates_table(aggregates: Iterable[Mapping]) -> pd.DataFrame:
    """Like :func:`load_aggregates`, for dicts already in memory (each validated the same way)."""
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        paths = []
        for k, data in enumerate(aggregates):
            paths.append(write_aggregates(data, Path(tmp) / f"{k:03d}_{data['organisation']['id']}.json"))
        return load_aggregates(paths)


def benchmark_source(config: Any) -> str | None:
    """Where the benchmark compares from: a folder (config ``benchmark: {folder: ...}``), ``"pool:<file>"``
    (``benchmark: {pool: ...}``), ``"samples"`` (only for a synthetic organisation, ``benchmark: {samples: true}``),
    or None when the config names no source (then the benchmark chapter steps aside)."""
    section = (getattr(config, "raw", None) or {}).get("benchmark")
    if section == "samples":
        section = {"samples": True}
    if not isinstance(section, Mapping):
        return None
    if section.get("folder"):
        return str(section["folder"])
    if section.get("pool"):
        return f"pool:{section['pool']}"
    if section.get("samples") and getattr(config, "synthetic", False):
        return "samples"
    return None


def benchmark_table(own: Mapping, benchmark_dir: str | Path = "", config: Any = None, period: str = "",
                    min_cell: int = 10) -> pd.DataFrame:
    """The organisation's own aggregates plus the others': from ``benchmark_dir`` or, when empty, the samples.

    A relative ``benchmark_dir`` resolves from the organisation config's folder. Files of the organisation
    itself in that folder are replaced by ``own`` (the freshly computed aggregates).
    """
    own_id = own["organisation"]["id"]
    source = benchmark_source(config) if config is not None else "samples"
    if not benchmark_dir and source is None:
        raise ConfigError("no benchmark source given", file=str(getattr(config, "path", "")), key="benchmark",
                          hint="add 'benchmark: {folder: path/to/aggregates}' (aggregates.json files of real "
                               "organisations); a real organisation is never compared with the fictional samples")
    if not benchmark_dir and source != "samples":
        benchmark_dir = source if not source.startswith("pool:") else ""
        if not benchmark_dir:
            raise ConfigError("a benchmark pool is read by the benchmark chapter, not here", key="benchmark.pool",
                              hint="use report.chapters.benchmark.benchmark_table for a pool")
    if benchmark_dir:
        folder = Path(benchmark_dir)
        if not folder.is_absolute() and config is not None:
            folder = Path(config.path).parent / folder
        if not folder.exists():
            raise DataError("benchmark folder not found", file=str(folder),
                            hint="give a folder with aggregates.json files, or leave benchmark_dir empty")
        others = load_aggregates(folder)
        others = others[others["org_id"] != own_id]
        return pd.concat([aggregates_table([own]), others], ignore_index=True)
    others = [a for a in sample_aggregates(period=period, min_cell=min_cell) if a["organisation"]["id"] != own_id]
    return aggregates_table([own, *others])

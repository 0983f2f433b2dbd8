"""Analyses of the community report: KPIs per kind of organisation, the community trend, pooled drivers.

All of them work on tables read from the benchmark pool (:mod:`meethuis.improve.pool`):

* :func:`pooled_drivers`: a random-effects meta-analysis (:func:`meethuis.stats.meta.random_effects`)
  of each driver's share of explained variance across organisations, with the between-organisation
  spread (``tau2``, ``I2``), the 95% prediction interval for a new organisation and how many
  organisations have the driver in their top 3. A driver's standard error is taken from its bootstrap
  interval, ``(high - low) / (2 * 1.96)``. Verdict (:func:`verdict`), against an equal share ``1 / p``
  (p drivers): *overal belangrijk* when even the prediction interval lies above it; *lokaal* when the
  spread between organisations is large (``tau >= estimate / 2``) and the prediction interval reaches
  above it (important in some organisations, not in others); *boven gemiddeld* when only the pooled share
  lies above it; else *minder belangrijk*.
* :func:`community_trend`: per quarter the random-effects pooled estimate over the organisations that
  published that quarter (each organisation counts once, so one large organisation does not make the
  average).
* :func:`kind_overview`: per kind of organisation the number of organisations and the pooled KPI.
"""
from __future__ import annotations

import math

import pandas as pd
from scipy import stats

from meethuis.common.errors import AnalysisError
from meethuis.stats.meta import random_effects

Z95 = stats.norm.ppf(0.975)
def verdict(estimate: float, tau2: float, pi_low: float, pi_high: float, equal: float) -> str:
    """``overal``, ``lokaal``, ``gemiddeld`` or ``minder`` (see the module docstring)."""
    if not math.isnan(pi_low) and pi_low > equal:
        return "overal"
    if not math.isnan(pi_high) and pi_high > equal and math.sqrt(tau2) >= estimate / 2:
        return "lokaal"
    return "gemiddeld" if estimate > equal else "minder"


def pooled_drivers(drivers: pd.DataFrame, outcome: str = "tevredenheid", by: str | None = None,
                   method: str = "dl", top: int = 3, comparable_only: bool = True) -> pd.DataFrame:
    """Random-effects pooled share of each driver across organisations (one row per driver [and group]).

    Parameters
    ----------
    drivers:
        Driver rows from the pool (``Pool.driver_table``): ``org_id, org_kind, outcome, driver, share,
        share_ci_low, share_ci_high, rank, comparable``; one submission per organisation.
    outcome:
        The outcome whose drivers are pooled.
    by:
        ``None`` (all organisations) or ``"org_kind"`` (per kind of organisation).
    method:
        ``"dl"`` or ``"reml"`` (:func:`meethuis.stats.meta.random_effects`).
    top:
        Count organisations with the driver among their ``top`` most important.
    comparable_only:
        Use only organisations that measure the whole core (``comparable``).

    Returns
    -------
    pd.DataFrame
        ``[group,] driver, family, k, estimate, se, ci_low, ci_high, tau2, i2, pi_low, pi_high, in_top,
        verdict``, sorted by estimate (highest first) within each group. The prediction interval is cut
        to 0–1 (a share cannot leave it; the verdict uses the cut interval too).

    Raises
    ------
    AnalysisError
        When fewer than two organisations have driver results for ``outcome``.
    """
    sel = drivers[drivers["outcome"] == outcome]
    if comparable_only and "comparable" in sel:
        sel = sel[sel["comparable"].fillna(False).astype(bool)]
    se = (sel["share_ci_high"].astype(float) - sel["share_ci_low"].astype(float)) / (2 * Z95)
    sel = sel.assign(se=se)[(se > 0) & sel["share"].notna()]
    if sel["org_id"].nunique() < 2:
        raise AnalysisError(f"fewer than two organisations have driver results for '{outcome}'", key="outcome")
    groups = [(None, sel)] if by is None else list(sel.groupby(by, sort=True))
    rows = []
    for group, g in groups:
        p = g["driver"].nunique()
        for driver, d in g.groupby("driver", sort=False):
            if len(d) < 2:
                continue
            pooled = random_effects(d["share"], d["se"], method=method)
            row = {"group": group} if by else {}
            row.update({"driver": driver, "family": d["family"].iloc[0], **pooled.to_dict(),
                        "in_top": int((d["rank"] <= top).sum())})
            row["pi_low"], row["pi_high"] = min(max(row["pi_low"], 0.0), 1.0), min(max(row["pi_high"], 0.0), 1.0)
            row["verdict"] = verdict(pooled.estimate, pooled.tau2, pooled.pi_low, pooled.pi_high, 1.0 / p)
            rows.append(row)
    out = pd.DataFrame(rows).drop(columns=["method", "q"])
    keys = (["group"] if by else []) + ["estimate"]
    return out.sort_values(keys, ascending=[True] * (len(keys) - 1) + [False]).reset_index(drop=True)


def community_trend(quarterly: pd.DataFrame, method: str = "dl") -> pd.DataFrame:
    """Per quarter the random-effects pooled estimate across organisations (``Pool.quarterly_kpis`` rows).

    Returns
    -------
    pd.DataFrame
        ``quarter, k, estimate, ci_low, ci_high, tau2``; quarters with fewer than 2 organisations have
        ``k`` only.
    """
    rows = []
    for quarter, g in quarterly.groupby("quarter", sort=True):
        g = g[g["se"] > 0]
        row = {"quarter": quarter, "k": len(g), "estimate": math.nan, "ci_low": math.nan, "ci_high": math.nan,
               "tau2": math.nan}
        if len(g) >= 2:
            p = random_effects(g["estimate"], g["se"], method=method)
            row.update(estimate=p.estimate, ci_low=p.ci_low, ci_high=p.ci_high, tau2=p.tau2)
        rows.append(row)
    return pd.DataFrame(rows, columns=["quarter", "k", "estimate", "ci_low", "ci_high", "tau2"])


def kind_overview(table: pd.DataFrame, kpi: str) -> pd.DataFrame:
    """Per kind: organisations, the pooled KPI (random effects) with its interval, lowest and highest.

    ``table`` is ``Pool.kpi_table`` (one submission per organisation). Kinds with one organisation show
    that organisation's value without a pooled interval.
    """
    sel = table[(table["kpi"] == kpi) & (table["level"] == "totaal") & ~table["suppressed"]]
    if sel.empty:
        raise AnalysisError(f"no organisation in the pool publishes '{kpi}'", key="kpi")
    rows = []
    for kind, g in sel.groupby("org_kind", sort=True):
        row = {"org_kind": kind, "k": len(g), "estimate": float(g["estimate"].iloc[0]), "ci_low": math.nan,
               "ci_high": math.nan, "tau2": math.nan, "lowest": float(g["estimate"].min()),
               "highest": float(g["estimate"].max()), "n": int(g["n"].sum())}
        if len(g) >= 2:
            p = random_effects(g["estimate"], g["se"])
            row.update(estimate=p.estimate, ci_low=p.ci_low, ci_high=p.ci_high, tau2=p.tau2)
        rows.append(row)
    return pd.DataFrame(rows)

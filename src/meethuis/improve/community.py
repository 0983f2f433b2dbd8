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
from typing import Sequence

import numpy as np
import pandas as pd
from scipy import stats

from meethuis.common import narrative as nv
from meethuis.common.errors import AnalysisError
from meethuis.stats.meta import random_effects

Z95 = stats.norm.ppf(0.975)
VERDICTS = ("overal", "lokaal", "gemiddeld", "minder")
KIND_LABELS = {"gemeente": {"nl": "gemeenten", "en": "municipalities"},
               "uitvoeringsorganisatie": {"nl": "uitvoeringsorganisaties", "en": "agencies"},
               "inspectie": {"nl": "inspecties", "en": "inspectorates"},
               "": {"nl": "soort onbekend", "en": "kind unknown"}}
VERDICT_LABELS = {"overal": {"nl": "overal belangrijk", "en": "important everywhere"},
                  "lokaal": {"nl": "lokaal belangrijk", "en": "important locally"},
                  "gemiddeld": {"nl": "boven gemiddeld", "en": "above average"},
                  "minder": {"nl": "minder belangrijk", "en": "less important"}}


def kind_label(kind: str, lang: str = "nl") -> str:
    """Plural reader label of a kind of organisation (``gemeente`` -> ``gemeenten``)."""
    return KIND_LABELS.get(kind or "", {"nl": kind, "en": kind})[lang]


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


# -- reader views and sentences -------------------------------------------------------------------------
def _pct(value: float, lang: str) -> str:
    return nv.format_percent(value, 0, lang) if value == value else nv.MISSING


def pooled_view(pooled: pd.DataFrame, codebook, lang: str = "nl") -> pd.DataFrame:
    """Reader table of :func:`pooled_drivers` (shares as percentages; no respondent counts)."""
    nl = lang == "nl"
    out = pd.DataFrame({
        "Drijfveer" if nl else "Driver": [codebook.label(d, lang) for d in pooled["driver"]],
        "Gepoold aandeel" if nl else "Pooled share": [_pct(v, lang) for v in pooled["estimate"]],
        "95%-BI" if nl else "95% CI": [nv.range_text(_pct(a, lang), _pct(b, lang), lang)
                                       for a, b in zip(pooled["ci_low"], pooled["ci_high"])],
        ("Spreiding tussen organisaties (\u03c4)" if nl else "Spread between organisations (\u03c4)"):
            [_pct(math.sqrt(t), lang) for t in pooled["tau2"]],
        "I\u00b2": [_pct(v, lang) for v in pooled["i2"]],
        ("Voorspelinterval nieuwe organisatie" if nl else "Prediction interval new organisation"):
            [nv.range_text(_pct(a, lang), _pct(b, lang), lang) for a, b in zip(pooled["pi_low"], pooled["pi_high"])],
        "Top 3": [f"{t} / {k}" for t, k in zip(pooled["in_top"], pooled["k"])],
        "Oordeel" if nl else "Verdict": [VERDICT_LABELS[v][lang] for v in pooled["verdict"]],
    })
    if "group" in pooled:
        out.insert(0, "Soort" if nl else "Kind", [kind_label(g, lang) for g in pooled["group"]])
    return out


def describe_pooled(pooled: pd.DataFrame, codebook, outcome_label: str, lang: str = "nl") -> str:
    """Which knobs matter everywhere and which are local, in one or two sentences."""
    everywhere = [codebook.label(d, lang).lower() for d in pooled.loc[pooled["verdict"] == "overal", "driver"]]
    varies = [codebook.label(d, lang).lower() for d in pooled.loc[pooled["verdict"] == "lokaal", "driver"]]
    k = int(pooled["k"].max())
    if lang == "nl":
        text = f"Over {k} organisaties samen: "
        text += (f"{nv.join_list(everywhere, 'nl')} {'is' if len(everywhere) == 1 else 'zijn'} overal belangrijk "
                 f"voor de {outcome_label}, ook in een organisatie die nog niet meedoet." if everywhere else
                 f"geen drijfveer is overal even belangrijk voor de {outcome_label}.")
        if varies:
            text += (f" {nv.join_list(varies, 'nl').capitalize()} {'is' if len(varies) == 1 else 'zijn'} lokaal "
                     "belangrijk: zwaar in sommige organisaties, licht in andere; de uitsplitsing per soort laat zien waar.")
        return text
    text = f"Across {k} organisations: "
    text += (f"{nv.join_list(everywhere, 'en')} {'is' if len(everywhere) == 1 else 'are'} important everywhere "
             f"for {outcome_label}, also in an organisation that has not joined yet." if everywhere else
             f"no driver is equally important everywhere for {outcome_label}.")
    if varies:
        text += (f" {nv.join_list(varies, 'en').capitalize()} {'is' if len(varies) == 1 else 'are'} important "
                 "locally: heavy in some organisations, light in others; the breakdown by kind shows where.")
    return text


def trend_view(trend: pd.DataFrame, kind: str = "mean", lang: str = "nl") -> pd.DataFrame:
    """Reader table of :func:`community_trend`."""
    nl = lang == "nl"
    return pd.DataFrame({
        "Kwartaal" if nl else "Quarter": [nv.period_text(q, lang) for q in trend["quarter"]],
        "Organisaties" if nl else "Organisations": trend["k"].astype(int),
        "Gemeenschap" if nl else "Community": [nv.format_value(v, kind, lang) if v == v else nv.MISSING
                                               for v in trend["estimate"]],
        "95%-BI" if nl else "95% CI": [nv.range_text(nv.format_value(a, kind, lang), nv.format_value(b, kind, lang), lang)
                                       if a == a else nv.MISSING for a, b in zip(trend["ci_low"], trend["ci_high"])],
    })


def describe_trend(trend: pd.DataFrame, label: str, kind: str = "mean", lang: str = "nl") -> str:
    """First and last pooled quarter, and whether the change is beyond chance (z on the two pooled estimates)."""
    t = trend.dropna(subset=["estimate"])
    if len(t) < 2:
        return (f"Voor {label} is nog geen verloop te tonen: minder dan twee kwartalen met twee of meer organisaties."
                if lang == "nl" else f"No trend for {label} yet: fewer than two quarters with two or more organisations.")
    a, b = t.iloc[0], t.iloc[-1]
    se = lambda r: (r["ci_high"] - r["ci_low"]) / (2 * Z95)  # noqa: E731
    z = (b["estimate"] - a["estimate"]) / math.hypot(se(a), se(b))
    significant = abs(z) > Z95
    first, last = nv.period_text(a["quarter"], lang), nv.period_text(b["quarter"], lang)
    va, vb = nv.format_value(a["estimate"], kind, lang), nv.format_value(b["estimate"], kind, lang)
    subject = label[:1].upper() + label[1:]
    if lang == "nl":
        word = ("gestegen" if z > 0 else "gedaald") if significant else "niet aantoonbaar veranderd"
        return (f"{subject} van de gemeenschap ging van {va} ({first}) naar {vb} ({last}): {word}, "
                "gezien de marges van beide kwartalen.")
    word = ("risen" if z > 0 else "fallen") if significant else "not demonstrably changed"
    return (f"{subject} of the community went from {va} ({first}) to {vb} ({last}): {word}, "
            "given the margins of both quarters.")


def kind_view(overview: pd.DataFrame, kind: str = "mean", lang: str = "nl") -> pd.DataFrame:
    """Reader table of :func:`kind_overview` (``n`` kept: the respondents behind each row)."""
    nl = lang == "nl"
    f = lambda v: nv.format_value(v, kind, lang) if v == v else nv.MISSING  # noqa: E731
    return pd.DataFrame({
        "Soort" if nl else "Kind": [kind_label(k, lang) for k in overview["org_kind"]],
        "Organisaties" if nl else "Organisations": overview["k"].astype(int),
        "Gemeenschap" if nl else "Community": [f(v) for v in overview["estimate"]],
        "95%-BI" if nl else "95% CI": [nv.range_text(f(a), f(b), lang) if a == a else nv.MISSING
                                       for a, b in zip(overview["ci_low"], overview["ci_high"])],
        "Laagste" if nl else "Lowest": [f(v) for v in overview["lowest"]],
        "Hoogste" if nl else "Highest": [f(v) for v in overview["highest"]],
        "n": overview["n"],
    })


# -- figures ----------------------------------------------------------------------------------------------
def plot_pooled_drivers(pooled: pd.DataFrame, codebook, outcome_label: str, lang: str = "nl"):
    """Forest plot: pooled share per driver (dot), 95% CI (thick) and prediction interval (thin), 1/p line."""
    from meethuis.common.plots import GREY, PALETTE, new_figure

    p = pooled.iloc[::-1].reset_index(drop=True)
    equal = 1.0 / len(p)
    nl = lang == "nl"
    parts = [f"{codebook.label(r.driver, lang)} {_pct(r.estimate, lang)} "
             f"({VERDICT_LABELS[r.verdict][lang]})" for r in pooled.itertuples()]
    alt = ((f"Gepoold aandeel van elke drijfveer in de verklaarde {outcome_label}, over {int(pooled['k'].max())} "
            f"organisaties, met 95%-betrouwbaarheidsinterval en voorspelinterval: ") if nl else
           (f"Pooled share of each driver in explained {outcome_label}, across {int(pooled['k'].max())} "
            "organisations, with 95% confidence and prediction interval: ")) + "; ".join(parts) + "."
    title = (f"Wat telt overal voor de {outcome_label}?" if nl else f"What matters everywhere for {outcome_label}?")
    fig, ax = new_figure(title, "Aandeel in verklaarde variantie (%)" if nl else "Share of explained variance (%)",
                         "", alt, size=(7.5, 1.4 + 0.42 * len(p)))
    colours = {"overal": PALETTE["blauw"], "lokaal": PALETTE["oranje"], "gemiddeld": PALETTE["hemelsblauw"],
               "minder": GREY}
    y = np.arange(len(p))
    for i, r in p.iterrows():
        c = colours[r["verdict"]]
        ax.plot([r["pi_low"] * 100, r["pi_high"] * 100], [i, i], color=c, linewidth=1, alpha=0.8)
        ax.plot([r["ci_low"] * 100, r["ci_high"] * 100], [i, i], color=c, linewidth=5)
        ax.plot(r["estimate"] * 100, i, "o", color="white", markeredgecolor=c, markersize=7)
    ax.axvline(equal * 100, color=GREY, linestyle="--", linewidth=1)
    ax.set_yticks(y, [codebook.label(d, lang) for d in p["driver"]])
    from matplotlib.lines import Line2D

    handles = [Line2D([], [], color=colours[v], linewidth=5, label=VERDICT_LABELS[v][lang]) for v in VERDICTS
               if v in set(p["verdict"])]
    handles.append(Line2D([], [], color=GREY, linewidth=1, label="voorspelinterval" if nl else "prediction interval"))
    handles.append(Line2D([], [], color=GREY, linestyle="--", linewidth=1,
                          label="gelijk aandeel (1/p)" if nl else "equal share (1/p)"))
    fig.legend(handles=handles, loc="outside lower center", ncol=3, frameon=False, fontsize=8)
    return fig


def plot_trend(trend: pd.DataFrame, label: str, kind: str = "mean", lang: str = "nl"):
    """The community's pooled estimate per quarter with its 95% interval."""
    from meethuis.common.plots import PALETTE, new_figure

    t = trend.dropna(subset=["estimate"])
    scale = 100.0 if kind == "share" else 1.0
    nl = lang == "nl"
    alt = ((f"Verloop van {label} van de gemeenschap per kwartaal: " if nl else
            f"Quarterly course of {label} of the community: ")
           + "; ".join(f"{nv.period_text(r.quarter, lang)} {nv.format_value(r.estimate, kind, lang)} "
                       f"({r.k} {'organisaties' if nl else 'organisations'})" for r in t.itertuples()) + ".")
    fig, ax = new_figure((f"{label[:1].upper() + label[1:]} van de gemeenschap" if nl else
                          f"{label[:1].upper() + label[1:]} of the community"), "Kwartaal" if nl else "Quarter",
                         label + (" (%)" if kind == "share" else ""), alt)
    x = np.arange(len(t))
    ax.fill_between(x, t["ci_low"] * scale, t["ci_high"] * scale, color=PALETTE["hemelsblauw"], alpha=0.35,
                    label="95%-BI" if nl else "95% CI")
    ax.plot(x, t["estimate"] * scale, "o-", color=PALETTE["blauw"], label="gemeenschap" if nl else "community")
    ax.set_xticks(x, list(t["quarter"]))
    ax.legend(frameon=False, loc="lower right")
    return fig


def plot_kind_funnels(funnels: Sequence[tuple[str, pd.DataFrame, float, float]], label: str, kind: str = "mean",
                      lang: str = "nl"):
    """One funnel panel per kind of organisation (``(kind, funnel, target, sigma)`` from ``funnel_table``).

    The limits include the between-organisation variance ``tau2`` that ``funnel_table`` estimated per kind
    (Spiegelhalter 2005), so a point outside differs by more than organisations of that kind usually do.
    Only the (at most) three organisations furthest outside the 99.8% limits are labelled.
    """
    import matplotlib.pyplot as plt

    from meethuis.common.plots import GREY, PALETTE, with_alt
    from meethuis.improve.benchmark import funnel_limits

    scale = 100.0 if kind == "share" else 1.0
    nl = lang == "nl"
    fig, axes = plt.subplots(len(funnels), 1, figsize=(7.5, 1.2 + 2.8 * len(funnels)), sharey=True,
                             layout="constrained", squeeze=False)  # stacked: readable on a phone too
    texts = []
    for ax, (k, funnel, target, sigma) in zip(axes[:, 0], funnels):
        grid = np.linspace(max(2.0, float(funnel["n_eff"].min()) * 0.5), float(funnel["n_eff"].max()) * 1.2, 200)
        lim = funnel_limits(target, sigma, grid, kind, funnel.attrs.get("tau2", 0.0))  # overdispersion-adjusted
        ax.axhline(target * scale, color=GREY, linewidth=1)
        for lo, hi, style, colour, name in (("low95", "high95", "--", PALETTE["hemelsblauw"], "95%"),
                                            ("low998", "high998", ":", PALETTE["vermiljoen"],
                                             "99,8%" if nl else "99.8%")):
            ax.plot(grid, lim[lo] * scale, style, color=colour, label=name)
            ax.plot(grid, lim[hi] * scale, style, color=colour)
        outside = funnel["position"] != "binnen"
        ax.plot(funnel["n_eff"], funnel["estimate"] * scale, "o", color=PALETTE["blauw"], markersize=4)
        far = funnel[funnel["position"].str.endswith("998")]
        far = far.loc[(far["estimate"] - target).abs().sort_values(ascending=False).index[:3]]
        for r in far.itertuples():
            ax.annotate(r.org_name, (r.n_eff, r.estimate * scale), xytext=(3, 3), textcoords="offset points",
                        fontsize=7)
        ax.set_title(f"{kind_label(k, lang).capitalize()} ({len(funnel)})", fontsize=10)
        ax.set_xlabel("Effectief aantal respondenten" if nl else "Effective respondents")
        texts.append(f"{kind_label(k, lang)}: {len(funnel)} {'organisaties' if nl else 'organisations'}, "
                     f"{'gemiddelde' if nl else 'mean'} {nv.format_value(target, kind, lang)}, "
                     f"{int(outside.sum())} {'buiten de 95%-grenzen' if nl else 'outside the 95% limits'}")
    for ax in axes[:, 0]:
        ax.set_ylabel(label + (" (%)" if kind == "share" else ""), fontsize=8)
    axes[0, 0].legend(frameon=False, loc="lower right", fontsize=8)
    fig.suptitle((f"{label[:1].upper() + label[1:]} per soort organisatie" if nl else
                  f"{label[:1].upper() + label[1:]} by kind of organisation"), fontsize=12)
    alt = (("Trechterdiagrammen per soort organisatie met 95%- en 99,8%-controlegrenzen, verbreed voor de "
            "gewone spreiding tussen organisaties: " if nl else
            "Funnel plots per kind of organisation with 95% and 99.8% control limits, widened for the usual "
            "spread between organisations: ") + "; ".join(texts) + ".")
    return with_alt(fig, alt)

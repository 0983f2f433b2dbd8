"""Views of the community report (``notebooks/community/*.ipynb``): the pool read once per chapter.

A community chapter does ``cc = open_community(pool_path, period, lang, min_cell)`` and shows results
with ``cc.show_table``, ``cc.show_figure`` and ``cc.show_text`` (the same accessible tables and figures
as the organisation report). ``pool_path=""`` opens the sample pool (fictional organisations).
"""
from __future__ import annotations

import math
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Sequence

import numpy as np
import pandas as pd

from meethuis.common import narrative as nv
from meethuis.common.errors import AnalysisError, ConfigError
from meethuis.improve import benchmark as bm
from meethuis.improve import community as cm
from meethuis.improve.community import Z95
from meethuis.improve.community_sample import sample_pool
from meethuis.improve.pool import Pool, open_pool
from meethuis.intake.codebook import load_codebook
from meethuis.report.context import REPO_ROOT
from meethuis.report.display import show_figure, show_table

POOL_ENV = "MEETHUIS_POOL"
KIND_LABELS = {"gemeente": {"nl": "gemeenten", "en": "municipalities"},
               "uitvoeringsorganisatie": {"nl": "uitvoeringsorganisaties", "en": "agencies"},
               "inspectie": {"nl": "inspecties", "en": "inspectorates"},
               "": {"nl": "soort onbekend", "en": "kind unknown"}}

VERDICTS = ("overal", "lokaal", "gemiddeld", "minder")
VERDICT_LABELS = {"overal": {"nl": "overal belangrijk", "en": "important everywhere"},
                  "lokaal": {"nl": "lokaal belangrijk", "en": "important locally"},
                  "gemiddeld": {"nl": "boven gemiddeld", "en": "above average"},
                  "minder": {"nl": "minder belangrijk", "en": "less important"}}


def resolve_pool_path(pool_path: str) -> Path:
    """The pool to open: ``""`` = the sample pool; a relative path resolves from the repository root.

    Raises
    ------
    ConfigError
        When the file does not exist.
    """
    if not str(pool_path).strip():
        return sample_pool()
    path = Path(pool_path).expanduser()
    if not path.is_absolute():
        path = REPO_ROOT / path
    if not path.exists():
        raise ConfigError("benchmark pool not found", file=str(path), key="pool_path",
                          hint="give the pool file (DuckDB) made by `meethuis benchmark add`")
    return path


@dataclass
class Community:
    """What one community chapter works with: the pool's tables in view and the reader's language."""

    pool: Pool
    period: str
    lang: str
    min_cell: int
    codebook: Any

    def text(self, nl: str, en: str) -> str:
        return nl if self.lang == "nl" else en

    @property
    def title(self) -> str:
        return self.pool.settings.title

    def kpis(self) -> pd.DataFrame:
        """``Pool.kpi_table`` of the submissions in view (each organisation's latest, or ``period``)."""
        return self.pool.kpi_table(self.period)

    def drivers(self, outcome: str) -> pd.DataFrame:
        return self.pool.driver_table(outcome, self.period)

    def show_text(self, markdown: str) -> None:
        from IPython.display import Markdown, display

        display(Markdown(markdown))

    def show_table(self, table: pd.DataFrame, name: str, caption: str, **kwargs) -> None:
        show_table(table, name, caption, min_cell=self.min_cell, lang=self.lang, codebook=self.codebook, **kwargs)

    def show_figure(self, fig, *, n_min: int | None) -> None:
        show_figure(fig, n_min=n_min, min_cell=self.min_cell, lang=self.lang)


def open_community(pool_path: str = "", period: str = "", lang: str = "nl", min_cell: int = 10) -> Community:
    """Open the pool read-only for one chapter (``$MEETHUIS_POOL`` wins inside a report run)."""
    nv.check_lang(lang)
    path = resolve_pool_path(os.environ.get(POOL_ENV) or pool_path)
    pool = open_pool(path, read_only=True)
    return Community(pool=pool, period=(period or "").strip().upper(), lang=lang,
                     min_cell=max(int(min_cell), pool.settings.min_cell), codebook=load_codebook())


# -- chapter 00: who takes part ----------------------------------------------------------------------------
def describe_pool(cc: Community) -> str:
    """One paragraph: how many organisations of which kind, which quarters, names or codes."""
    s = cc.pool.summary()
    kinds = nv.join_list([f"{n} {kind_label(k, cc.lang)}" for k, n in s["kinds"].items()], cc.lang)
    first, last = nv.period_text(s["first"], cc.lang), nv.period_text(s["last"], cc.lang)
    if cc.lang == "nl":
        text = (f"De pool **{cc.title}** bevat {s['submissions']} inzendingen van {s['organisations']} organisaties "
                f"({kinds}), van het {first} tot en met het {last}. ")
        text += ("Organisaties staan met hun naam in dit rapport; dat staat de pool toe." if cc.pool.settings.show_names
                 else "Organisaties staan er onder een vaste code in (D001, D002, ...); alleen de coördinator kent de namen.")
        return text
    text = (f"The pool **{cc.title}** holds {s['submissions']} submissions from {s['organisations']} organisations "
            f"({kinds}), from {first} to {last}. ")
    text += ("Organisations appear by name; the pool allows it." if cc.pool.settings.show_names
             else "Organisations appear under a fixed code (D001, D002, ...); only the coordinator knows the names.")
    return text


def participants_view(cc: Community) -> pd.DataFrame:
    """One row per organisation in view: name or code, kind, size band, period, comparability."""
    subs = cc.pool.submissions()
    chosen = set(cc.kpis()["org_id"])
    latest = (subs[subs["org_id"].isin(chosen)].sort_values(["period_last", "submitted_at"])
              .groupby("org_id").tail(1))
    names = cc.pool.display_names().set_index("org_id")["display"]
    nl = cc.lang == "nl"
    yes, no = ("ja", "nee") if nl else ("yes", "no")
    view = pd.DataFrame({
        "Organisatie" if nl else "Organisation": latest["org_id"].map(names),
        "Soort" if nl else "Kind": [k or nv.MISSING for k in latest["kind"]],
        "Omvang (respondenten)" if nl else "Size (respondents)": latest["size_band"].fillna(nv.MISSING),
        "Periode" if nl else "Period": latest["period"],
        "Volledige kern" if nl else "Full core": [yes if v else (nv.MISSING if v is None or v != v else no)
                                                  for v in latest["core_mapped"]],
    })
    return view.sort_values(view.columns[0]).reset_index(drop=True)


# -- chapter 01: KPIs per kind ------------------------------------------------------------------------------
def kind_funnels(table: pd.DataFrame, kpi: str) -> list[tuple[str, pd.DataFrame, float, float]]:
    """``(kind, funnel, target, sigma)`` per kind with at least three organisations (``benchmark.funnel_table``)."""
    out = []
    for kind, g in table.groupby("org_kind", sort=True):
        published = g[(g["kpi"] == kpi) & (g["level"] == "totaal") & ~g["suppressed"]]
        if len(published) < 3:
            continue
        funnel, target, sigma = bm.funnel_table(g, kpi)
        out.append((kind, funnel, target, sigma))
    return out


def describe_kinds(overview: pd.DataFrame, label: str, kind: str, lang: str) -> str:
    """Which kind of organisation scores highest and lowest on the KPI (pooled)."""
    o = overview.sort_values("estimate", ascending=False)
    if len(o) < 2:
        return ""
    hi, lo = o.iloc[0], o.iloc[-1]
    f = lambda v: nv.format_value(v, kind, lang)  # noqa: E731
    if lang == "nl":
        return (f"Op {label} scoren {kind_label(hi['org_kind'], lang)} gemiddeld het hoogst ({f(hi['estimate'])}), "
                f"{kind_label(lo['org_kind'], lang)} het laagst ({f(lo['estimate'])}). Elke organisatie telt even "
                "zwaar mee in het gemiddelde, hoe groot ze ook is.")
    return (f"On {label}, {kind_label(hi['org_kind'], lang)} score highest on average ({f(hi['estimate'])}), "
            f"{kind_label(lo['org_kind'], lang)} lowest ({f(lo['estimate'])}). Each organisation counts equally "
            "in the average, whatever its size.")


# -- chapter 03: pooled drivers -------------------------------------------------------------------------------
def kind_pivot(by_kind: pd.DataFrame, codebook, lang: str = "nl") -> pd.DataFrame:
    """Pooled share per driver (rows) and kind (columns), as percentages with the verdict's mark."""
    mark = {"overal": " \u25cf", "lokaal": " \u25d0", "gemiddeld": "", "minder": ""}
    cells = by_kind.assign(text=[f"{nv.format_percent(e, 0, lang)}{mark[v]}"
                                 for e, v in zip(by_kind["estimate"], by_kind["verdict"])])
    pivot = cells.pivot(index="driver", columns="group", values="text")
    order = by_kind.groupby("driver")["estimate"].mean().sort_values(ascending=False).index
    pivot = pivot.reindex(order).fillna(nv.MISSING)
    k = by_kind.groupby("group")["k"].max()
    pivot.columns = [f"{kind_label(g, lang).capitalize()} (k={int(k[g])})" for g in pivot.columns]
    pivot.insert(0, "Drijfveer" if lang == "nl" else "Driver", [codebook.label(d, lang) for d in pivot.index])
    return pivot.reset_index(drop=True)


def pooled_or_note(cc: Community, outcome: str, by: str | None = None) -> pd.DataFrame | None:
    """:func:`community.pooled_drivers` for the drivers in view, or ``None`` after a sentence why not."""
    try:
        return cm.pooled_drivers(cc.drivers(outcome), outcome, by=by)
    except AnalysisError:
        label = cc.codebook.label(outcome, cc.lang).lower()
        cc.show_text(cc.text(f"Voor {label} hebben minder dan twee organisaties een drijfverenanalyse ingestuurd; "
                             "er is nog niets samen te vatten.",
                             f"Fewer than two organisations sent a driver analysis for {label}; nothing to pool yet."))
        return None


__all__ = ["Community", "open_community", "describe_pool", "participants_view", "kind_funnels", "describe_kinds",
           "kind_pivot", "pooled_or_note", "pooled_view", "describe_pooled", "trend_view", "describe_trend", "kind_view",
           "plot_pooled_drivers", "plot_trend", "plot_kind_funnels", "kind_label", "cm", "bm", "nv"]


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


def kind_label(kind: str, lang: str = "nl") -> str:
    """Plural reader label of a kind of organisation (``gemeente`` -> ``gemeenten``)."""
    return KIND_LABELS.get(kind or "", {"nl": kind, "en": kind})[lang]


def _pct(value: float, lang: str) -> str:
    return nv.format_percent(value, 0, lang) if value == value else nv.MISSING

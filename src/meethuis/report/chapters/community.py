"""Views of the community report (``notebooks/community/*.ipynb``): the pool read once per chapter.

A community chapter does ``cc = open_community(pool_path, period, lang, min_cell)`` and shows results
with ``cc.show_table``, ``cc.show_figure`` and ``cc.show_text`` (the same accessible tables and figures
as the organisation report). ``pool_path=""`` opens the sample pool (fictional organisations).
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from meethuis.common import narrative as nv
from meethuis.common.errors import AnalysisError, ConfigError
from meethuis.improve import benchmark as bm
from meethuis.improve import community as cm
from meethuis.improve.community_sample import sample_pool
from meethuis.improve.pool import Pool, open_pool
from meethuis.intake.codebook import load_codebook
from meethuis.report.context import REPO_ROOT
from meethuis.report.display import show_figure, show_table

POOL_ENV = "MEETHUIS_POOL"


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
    kinds = nv.join_list([f"{n} {cm.kind_label(k, cc.lang)}" for k, n in s["kinds"].items()], cc.lang)
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
        return (f"Op {label} scoren {cm.kind_label(hi['org_kind'], lang)} gemiddeld het hoogst ({f(hi['estimate'])}), "
                f"{cm.kind_label(lo['org_kind'], lang)} het laagst ({f(lo['estimate'])}). Elke organisatie telt even "
                "zwaar mee in het gemiddelde, hoe groot ze ook is.")
    return (f"On {label}, {cm.kind_label(hi['org_kind'], lang)} score highest on average ({f(hi['estimate'])}), "
            f"{cm.kind_label(lo['org_kind'], lang)} lowest ({f(lo['estimate'])}). Each organisation counts equally "
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
    pivot.columns = [f"{cm.kind_label(g, lang).capitalize()} (k={int(k[g])})" for g in pivot.columns]
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
           "kind_pivot", "pooled_or_note", "cm", "bm", "nv"]

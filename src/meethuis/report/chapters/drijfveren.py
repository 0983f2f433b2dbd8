"""Views, sentences and figures of ``notebooks/05_drijfveren.ipynb``: driver importance (Shapley/LMG with bootstrap margins)."""
from __future__ import annotations

import numpy as np
import pandas as pd

from meethuis.common import narrative as nv
from meethuis.report.display import decimal_axis


# -- driver importance (chapter 05) ------------------------------------------------------------------------
def _family(driver: str, codebook, family_of) -> str:
    if family_of and driver in family_of:
        return family_of[driver]
    return codebook.items[driver].construct if driver in codebook.items else ""


def family_label(family: str, codebook, lang: str = "nl") -> str:
    """A driver family's label: the construct's label, or the family name the organisation gave it."""
    if family in codebook.constructs:
        return codebook.constructs[family]["label"][lang]
    return family.replace("_", " ").capitalize()


def importance_view(table: pd.DataFrame, codebook, lang: str = "nl", family_of=None) -> pd.DataFrame:
    """Bootstrap importance for readers: driver, family, share of R² with 95% CI, rank range, n."""
    t = (lambda a, b: a) if lang == "nl" else (lambda a, b: b)
    rows = []
    for _, r in table.sort_values("rank").iterrows():
        construct = _family(r["driver"], codebook, family_of)
        rank_range = (str(int(r["rank_ci_low"])) if r["rank_ci_low"] == r["rank_ci_high"]
                      else f"{int(r['rank_ci_low'])}{nv.DASH}{int(r['rank_ci_high'])}") if pd.notna(r["rank_ci_low"]) else nv.MISSING
        rows.append({
            t("Drijfveer", "Driver"): codebook.label(r["driver"], lang) if r["driver"] in codebook.items else r["driver"],
            t("Soort", "Kind"): family_label(construct, codebook, lang) if construct else "",
            t("Aandeel in verklaring", "Share of explanation"): nv.format_percent(r["share"], 0, lang),
            nv.text("margin_header", lang): nv.range_text(nv.format_percent(r["share_ci_low"], 0, lang),
                                                 nv.format_percent(r["share_ci_high"], 0, lang), lang),
            t("Plaats (marge)", "Rank (margin)"): rank_range,
            "n": r["n"],
            "suppressed": bool(r.get("suppressed", False)),
        })
    return pd.DataFrame(rows)

def plot_importance(table: pd.DataFrame, codebook, outcome_label: str, lang: str = "nl", family_of=None):
    """Bars of each driver's share of the explained variance with 95% CI, coloured by family; fig, n_min."""
    from meethuis.common.plots import PALETTE, new_figure

    t = (lambda a, b: a) if lang == "nl" else (lambda a, b: b)
    shown = table[~table.get("suppressed", pd.Series(False, index=table.index)).fillna(False).astype(bool)]
    shown = shown.sort_values("share", ascending=True)
    families = [_family(d, codebook, family_of) for d in shown["driver"]]
    order = [f for f in ("menselijke_maat", "basis") if f in families] + \
        sorted({f for f in families if f not in ("menselijke_maat", "basis")})
    cycle = [PALETTE["vermiljoen"], PALETTE["blauw"], PALETTE["groen"], PALETTE["oranje"], PALETTE["hemelsblauw"]]
    colour_of = {f: ({"menselijke_maat": PALETTE["vermiljoen"], "basis": PALETTE["blauw"]}.get(f)
                     or cycle[(k + 2) % len(cycle)]) for k, f in enumerate(order)}
    labels = [codebook.label(d, lang) if d in codebook.items else d for d in shown["driver"]]
    top = shown.iloc[::-1].head(3)
    alt = t("Staafdiagram van het aandeel van elke drijfveer in de verklaring van ",
            "Bar chart of each driver's share in explaining ") + outcome_label + ". " + t(
        "Grootste: ", "Largest: ") + nv.join_list(
        [f"{codebook.label(d, lang) if d in codebook.items else d} ({nv.format_percent(s, 0, lang)})"
         for d, s in zip(top["driver"], top["share"])], lang) + "."
    fig, ax = new_figure(t(f"Wat bepaalt {outcome_label}?", f"What drives {outcome_label}?"),
                         t("aandeel in de verklaarde variantie (%)", "share of explained variance (%)"), "", alt,
                         size=(7.5, max(3.0, 0.38 * len(shown) + 1.5)))
    y = np.arange(len(shown))
    colours = [colour_of[f] for f in families]
    share = shown["share"].to_numpy(float) * 100
    err = np.vstack([share - shown["share_ci_low"].to_numpy(float) * 100,
                     shown["share_ci_high"].to_numpy(float) * 100 - share])
    ax.barh(y, share, color=colours, height=0.65)
    ax.errorbar(share, y, xerr=np.clip(err, 0, None), fmt="none", ecolor="#333333", elinewidth=1, capsize=2)
    ax.set_yticks(y, labels)
    ax.grid(axis="y", visible=False)
    ax.set_axisbelow(True)
    decimal_axis(ax, "x", lang)
    from matplotlib.patches import Patch

    ax.legend(handles=[Patch(color=colour_of[f], label=family_label(f, codebook, lang)) for f in order],
              loc="lower right", frameon=False, fontsize=8)
    return fig, (int(shown["n"].min()) if len(shown) else None)


def importance_sentences(table: pd.DataFrame, groups: pd.DataFrame | None, codebook, outcome_label: str,
                         lang: str = "nl") -> list[str]:
    """What the driver analysis says, built from the numbers: R², the top three, the two families."""
    t = (lambda a, b: a) if lang == "nl" else (lambda a, b: b)
    r2 = table.attrs.get("r2", np.nan)
    top = table.sort_values("rank").head(3)
    names = [f"{codebook.label(d, lang).lower() if d in codebook.items else d} "
             f"({nv.format_percent(s, 0, lang)})" for d, s in zip(top["driver"], top["share"])]
    out = [t(f"Samen verklaren de drijfveren {nv.format_percent(r2, 0, lang)} van de verschillen in "
             f"{outcome_label} (R\u00b2, {nv.format_int(table.attrs.get('n'), lang)} respondenten die alle vragen "
             f"beantwoordden).",
             f"Together the drivers explain {nv.format_percent(r2, 0, lang)} of the differences in {outcome_label} "
             f"(R\u00b2, {nv.format_int(table.attrs.get('n'), lang)} respondents who answered every question).")]
    out.append(t(f"Het zwaarst wegen {nv.join_list(names, lang)}.", f"The heaviest weigh {nv.join_list(names, lang)}."))
    if groups is not None and len(groups):
        g = groups[groups["level"] == "group"].set_index("group")["share"]
        if {"menselijke_maat", "basis"} <= set(g.index):
            out.append(t(f"De menselijke maat samen is goed voor {nv.format_percent(g['menselijke_maat'], 0, lang)} "
                         f"van de verklaring, de basis op orde voor {nv.format_percent(g['basis'], 0, lang)}.",
                         f"The human touch together accounts for {nv.format_percent(g['menselijke_maat'], 0, lang)} "
                         f"of the explanation, the basics for {nv.format_percent(g['basis'], 0, lang)}."))
    return out


def show_outcome(ch, outcome_id: str) -> None:
    """One outcome's section: heading, sentences, bar chart and ``tables/drijfveren_<outcome>.csv``."""
    outcome = ch.label(outcome_id)
    ch.show_text(f"## {outcome}")
    result = ch.driver_importance(outcome_id)
    if result is None:
        return
    importance, groups = result
    family_of = ch.family_of()
    low = outcome[:1].lower() + outcome[1:]
    ch.show_text(nv.bullets(importance_sentences(importance, groups, ch.codebook, low, ch.lang)))
    fig, n_min = plot_importance(importance, ch.codebook, low, ch.lang, family_of)
    ch.show_figure(fig, n_min=n_min)
    ch.show_table(importance, f"drijfveren_{outcome_id}",
                  ch.text(f"Aandeel van elke drijfveer in de verklaring van {low}",
                          f"Share of each driver in explaining {low}"),
                  view=lambda t: importance_view(t, ch.codebook, ch.lang, family_of))


def answer(ch, outcome: str | None = None) -> str:
    """The chapter's answer: the three drivers that weigh most (from the one source of ranks), or why none."""
    outcome = outcome or ch.outcome
    result = ch.importance(outcome)
    if isinstance(result, str):
        return result
    top = result[0].sort_values("rank").head(3)
    names = nv.join_list([ch.label(d).lower() for d in top["driver"]], ch.lang)
    label = ch.label(outcome).lower()
    if ch.lang == "nl":
        return (f"Voor de {label} wegen {names} het zwaarst. Samen verklaren de drijfveren "
                f"{nv.format_percent(result[0].attrs.get('r2'), 0, 'nl')} van de verschillen in {label}.")
    return (f"For {label}, {names} weigh most. Together the drivers explain "
            f"{nv.format_percent(result[0].attrs.get('r2'), 0, 'en')} of the differences in {label}.")

"""Views, sentences and figures of ``notebooks/02_representativiteit.ipynb``: who answered, before and after weighting."""
from __future__ import annotations


import numpy as np
import pandas as pd

from meethuis.common import narrative as nv
from meethuis.report.display import decimal_axis
from meethuis.stats.quality import representativeness  # noqa: F401


# -- representativeness and weighting (chapter 02) --------------------------------------------------------
def weighting_sentences(weights: pd.Series, config, lang: str = "nl") -> list[str]:
    """Effective sample size, design effect and weight range, in words."""
    from meethuis.stats.weights import kish

    t = (lambda a, b: a) if lang == "nl" else (lambda a, b: b)
    if not config.margins:
        return [t("Deze organisatie heeft geen bevolkingscijfers opgegeven; de uitkomsten zijn niet gewogen.",
                  "This organisation gave no population figures; the results are unweighted.")]
    n_eff, deff = kish(weights.to_numpy(float))
    n = len(weights)
    return [
        t(f"Na weging tellen de {nv.format_int(n, 'nl')} respondenten even zwaar als "
          f"{nv.format_int(n_eff, 'nl')} respondenten zonder weging (effectief aantal; design-effect "
          f"{nv.format_number(deff, 2, 'nl')}).",
          f"After weighting the {nv.format_int(n, 'en')} respondents count as much as "
          f"{nv.format_int(n_eff, 'en')} unweighted respondents (effective number; design effect "
          f"{nv.format_number(deff, 2, 'en')})."),
        t(f"De gewichten lopen van {nv.format_number(weights.min(), 2, 'nl')} tot "
          f"{nv.format_number(weights.max(), 2, 'nl')} (gemiddeld 1).",
          f"The weights range from {nv.format_number(weights.min(), 2, 'en')} to "
          f"{nv.format_number(weights.max(), 2, 'en')} (mean 1)."),
    ]

def label_representativeness(table: pd.DataFrame, codebook, lang: str = "nl", hidden=None,
                             min_cell: int = 10) -> pd.DataFrame:
    """``quality.representativeness`` output, protected, with readable variable and category names.

    Groups below ``min_cell`` and those the report hides everywhere (``hidden``, ``Chapter.hidden_groups()``)
    are suppressed before the ids become labels; a hidden group keeps no verdict either ("under-represented"
    would bound its size).
    """
    from meethuis.stats.disclosure import protect_table

    out = protect_table(table, min_cell, secondary=False, hidden=hidden)
    out["representation"] = out["representation"].where(~out["suppressed"].astype(bool), None)
    table = out.copy()
    out["variable"] = [codebook.label(v, lang) if v in codebook.fields else v for v in table["variable"]]
    out["category"] = [codebook.value_label(v, c, lang) if v in codebook.fields else c
                       for v, c in zip(table["variable"], table["category"])]
    return out

def representativeness_view(table: pd.DataFrame, lang: str = "nl") -> pd.DataFrame:
    """Sample, population and weighted share per group, with under/over-representation in words."""
    t = (lambda a, b: a) if lang == "nl" else (lambda a, b: b)
    words = {"under": t("ondervertegenwoordigd", "under-represented"),
             "over": t("oververtegenwoordigd", "over-represented"), "ok": t("in balans", "balanced")}
    return pd.DataFrame({
        t("Kenmerk", "Characteristic"): table["variable"],
        t("Groep", "Group"): table["category"],
        "n": table["n"],
        t("Steekproef", "Sample"): [nv.format_percent(v, 0, lang) for v in table["sample"]],
        t("Bevolking", "Population"): [nv.format_percent(v, 0, lang) for v in table["population"]],
        t("Na weging", "Weighted"): [nv.MISSING if hide else nv.format_percent(v, 0, lang)  # a hidden row: no share
                                     for v, hide in zip(table["weighted"], table["suppressed"].astype(bool))],
        t("Oordeel", "Verdict"): [words.get(r, r) if isinstance(r, str) else nv.MISSING
                                  for r in table["representation"]],
        "suppressed": table["suppressed"],
    })

def plot_representativeness(table: pd.DataFrame, lang: str = "nl"):
    """Bars: sample share against population share per category (published rows only); figure and n_min."""
    from meethuis.common.plots import PALETTE, new_figure

    shown = table[~table.get("suppressed", pd.Series(False, index=table.index)).fillna(False).astype(bool)]
    labels = [f"{v}: {c}" for v, c in zip(shown["variable"], shown["category"])]
    t = (lambda a, b: a) if lang == "nl" else (lambda a, b: b)
    worst = (shown["sample"] - shown["population"]).abs().idxmax() if len(shown) else None
    alt = t("Staafdiagram: aandeel per groep in de steekproef naast het aandeel in de bevolking.",
            "Bar chart: share per group in the sample next to the share in the population.")
    if worst is not None:
        r = shown.loc[worst]
        alt += t(f" Het grootste verschil is bij {r['variable'].lower()} {r['category']}: "
                 f"{nv.format_percent(r['sample'], 0, lang)} in de steekproef tegen "
                 f"{nv.format_percent(r['population'], 0, lang)} in de bevolking.",
                 f" The largest gap is for {r['variable'].lower()} {r['category']}: "
                 f"{nv.format_percent(r['sample'], 0, lang)} in the sample against "
                 f"{nv.format_percent(r['population'], 0, lang)} in the population.")
    fig, ax = new_figure(t("Steekproef en bevolking", "Sample and population"), t("aandeel (%)", "share (%)"), "",
                         alt, size=(7.5, max(2.5, 0.42 * len(shown) + 1.4)))
    y = np.arange(len(shown))[::-1]
    ax.barh(y + 0.2, shown["sample"] * 100, height=0.38, color=PALETTE["oranje"],
            label=t("steekproef (ongewogen)", "sample (unweighted)"))
    ax.barh(y - 0.2, shown["population"] * 100, height=0.38, color=PALETTE["blauw"], label=t("bevolking", "population"))
    ax.set_yticks(y, labels)
    ax.grid(axis="y", visible=False)
    ax.set_axisbelow(True)
    decimal_axis(ax, "x", lang)
    fig.legend(*ax.get_legend_handles_labels(), loc="outside lower center", ncol=2, frameon=False, fontsize=8)
    return fig, (int(shown["n"].min()) if len(shown) else None)


def answer(rep: pd.DataFrame | None, weights: pd.Series, min_cell: int = 10, lang: str = "nl") -> str:
    """The chapter's answer: which groups took part too little or too much (published rows of
    ``quality.representativeness``, labelled), and what weighting does about it; or that nothing is weighted."""
    from meethuis.stats.disclosure import protect_table
    from meethuis.stats.weights import kish

    t = (lambda a, b: a) if lang == "nl" else (lambda a, b: b)
    if rep is None:
        return t("De uitkomsten zijn niet gewogen: deze organisatie gaf geen bevolkingscijfers op, dus we weten niet "
                 "of de respondenten op alle inwoners of klanten lijken.",
                 "The results are unweighted: this organisation gave no population figures, so we do not know "
                 "whether the respondents resemble all residents or customers.")
    rep = protect_table(rep, min_cell)  # as the chapter's table shows it
    shown = rep[~rep["suppressed"].fillna(False).astype(bool)]
    groups = {k: [f"{str(r['variable']).lower()} {str(r['category'])[:1].lower()}{str(r['category'])[1:]}"
                  for _, r in shown.iterrows()
                  if r["representation"] == k] for k in ("under", "over")}
    n_eff, _ = kish(weights.to_numpy(float))
    effective = t(f"Door de weging tellen de {nv.format_int(len(weights), 'nl')} antwoorden even zwaar als "
                  f"{nv.format_int(n_eff, 'nl')} zonder weging.",
                  f"Weighting makes the {nv.format_int(len(weights), 'en')} answers count as much as "
                  f"{nv.format_int(n_eff, 'en')} unweighted ones.")
    hidden = (t(f" Groepen van minder dan {min_cell} respondenten tonen we niet.",
                f" Groups of fewer than {min_cell} respondents are not shown.")
              if len(shown) < len(rep) else "")
    if not groups["under"] and not groups["over"]:
        variables = nv.join_list(sorted({str(v).lower() for v in shown["variable"]}), lang)
        return t(f"De respondenten lijken op de bevolking naar {variables}: geen groep deed duidelijk te weinig "
                 "of te veel mee.",
                 f"The respondents resemble the population by {variables}: no group took part clearly too little "
                 "or too much.") + hidden + " " + effective
    parts = []
    if groups["under"]:
        parts.append(t(f"te weinig mee deden: {nv.join_list(groups['under'], 'nl')}",
                       f"took part too little: {nv.join_list(groups['under'], 'en')}"))
    if groups["over"]:
        parts.append(t(f"te veel mee deden: {nv.join_list(groups['over'], 'nl')}",
                       f"took part too much: {nv.join_list(groups['over'], 'en')}"))
    return t("Groepen die " + "; en die ".join(parts) + ". De weging corrigeert dat.",
             "Groups that " + "; and that ".join(parts) + ". Weighting corrects for it.") + " " + effective

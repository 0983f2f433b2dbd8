"""Views, sentences and figures of ``notebooks/03_kpis.ipynb``: the KPIs with their margins and the organisation's goals."""
from __future__ import annotations

from typing import Sequence

import pandas as pd

from meethuis.common import narrative as nv
from meethuis.report.display import ci_text


def kpi_view(table: pd.DataFrame, codebook, lang: str = "nl", by: Sequence[str] = ()) -> pd.DataFrame:
    """A KPI table for readers: indicator in words (left out when there is one), value and 95% CI, n."""
    by = [b for b in by if b in table.columns]
    one_kpi = table["kpi"].nunique() == 1 and by
    rows = []
    for _, r in table.iterrows():
        kind = nv.kpi_kind(r["kpi"])
        label = nv.kpi_label(r["kpi"], codebook, lang)
        row = {} if one_kpi else {("Kengetal" if lang == "nl" else "Indicator"): label[:1].upper() + label[1:]}
        for b in by:
            value = r[b]
            row[codebook.label(b, lang) if b in codebook.fields else b] = (
                codebook.value_label(b, value, lang) if b in codebook.fields and value != "totaal" else value)
        hidden = bool(r.get("suppressed", False))
        row[("Uitkomst" if lang == "nl" else "Estimate")] = (nv.MISSING if hidden
                                                             else nv.format_value(r["estimate"], kind, lang))
        row[nv.text("margin_header", lang)] = nv.MISSING if hidden else ci_text(r, kind, lang)
        row["n"] = r["n"]
        row["suppressed"] = bool(r.get("suppressed", False))
        rows.append(row)
    return pd.DataFrame(rows)


def show_shares(ch, kpis: pd.DataFrame) -> None:
    """The figure of shares positive per outcome (top-2-box of 1-5 items, share of 1 of 0/1 outcomes)."""
    from meethuis.report.display import plot_estimates

    shares = kpis[kpis["statistic"].isin(["top2", "share"])].assign(label=lambda t: [ch.label(i) for i in t["item"]])
    if shares.empty or bool(shares["suppressed"].all()):
        return
    if (shares["statistic"] == "top2").all():
        title = ch.text("Aandeel positief (4 of 5) per uitkomst", "Share positive (4 or 5) per outcome")
        alt = ch.text("Stippen met 95%-intervallen: het aandeel respondenten dat een 4 of 5 geeft, per uitkomst.",
                      "Dots with 95% intervals: the share of respondents answering 4 or 5, per outcome.")
    else:
        title = ch.text("Aandeel positief per uitkomst", "Share positive per outcome")
        alt = ch.text("Stippen met 95%-intervallen: het aandeel respondenten met een positief antwoord, per uitkomst.",
                      "Dots with 95% intervals: the share of respondents answering positively, per outcome.")
    fig, n_min = plot_estimates(shares, "label", title, ch.text("aandeel positief (%)", "share positive (%)"), alt,
                                kind="share", lang=ch.lang)
    ch.show_figure(fig, n_min=n_min)


def breakdowns(ch) -> list[str]:
    """The breakdown columns of this organisation: ``kanaal`` when mapped, then the config's ``segments``."""
    cols = [c for c in ("kanaal",) if c in ch.responses.columns]
    return cols + [s for s in ch.config.segments if s in ch.responses.columns]


def show_breakdown(ch, by: str) -> None:
    """The main outcome by one breakdown: table ``<outcome>_per_<by>`` and a dot figure (grade: with its goal)."""
    from meethuis.report.display import plot_estimates

    outcome = ch.outcome
    item = ch.codebook.items[outcome]
    stat = "share" if item.scale.kind == "binary" else "mean"
    kind = "share" if stat == "share" else "mean"
    grade = item.scale.kind == "grade" and outcome == "tevredenheid"
    seg = ch.config.segments.get(by)
    by_label = (seg.label.get(ch.lang) if seg is not None and seg.label else None) or ch.label(by)
    by_low = by_label[:1].lower() + by_label[1:]
    if by != "kanaal":
        ch.show_text(ch.text(f"## Per {by_low}", f"## By {by_low}"))
    table = ch.kpis(items=[outcome], by=by, statistics=[stat])
    if isinstance(ch.responses[by].dtype, pd.CategoricalDtype):  # bins and categories in their own order
        order = {str(c): k for k, c in enumerate(ch.responses[by].cat.categories)}
        table = table.sort_values(by, key=lambda col: col.astype(str).map(order), kind="stable").reset_index(drop=True)
    out_label = ch.label(outcome)
    out_low = out_label[:1].lower() + out_label[1:]
    if grade:
        caption = ch.text(f"Gemiddeld rapportcijfer per {by_low}", f"Average grade by {by_low}")
        title = ch.text(f"Rapportcijfer per {by_low}", f"Grade by {by_low}")
        xlabel = ch.text("rapportcijfer (1–10)", "grade (1–10)")
        alt = ch.text(f"Stippen met 95%-intervallen: gemiddeld rapportcijfer per {by_low}; de stippellijn is het doel.",
                      f"Dots with 95% intervals: average grade per {by_low}; the dashed line is the goal.")
    else:
        what = ch.text("aandeel positief", "share positive") if stat == "share" else \
            ch.text("gemiddelde", "average") + f" ({item.scale.span_text(ch.lang)})"
        caption = ch.text(f"{out_label}: {what} per {by_low}", f"{out_label}: {what} by {by_low}")
        title = caption
        xlabel = what + (" (%)" if stat == "share" else "")
        alt = ch.text(f"Stippen met 95%-intervallen: {out_low}, {what} per {by_low}.",
                      f"Dots with 95% intervals: {out_low}, {what} by {by_low}.")
    ch.show_table(table, f"{outcome}_per_{by}", caption,
                  view=lambda t: kpi_view(t, ch.codebook, ch.lang, by=[by]).rename(columns={by: by_label}))
    shown = table[~table["suppressed"].astype(bool)]
    if shown.empty:
        return
    goal = next((g.target for g in ch.config.goals if g.kpi == f"{outcome}_{stat}"), None)
    shown = table.assign(label=lambda t: [ch.codebook.value_label(by, k, ch.lang) for k in t[by]])
    fig, n_min = plot_estimates(shown, "label", title, xlabel, alt, kind=kind, goal=goal, lang=ch.lang)
    ch.show_figure(fig, n_min=n_min)


def answer(ch) -> str:
    """The chapter's answer in plain words: the grade (with margin) and how the goals stand."""
    from meethuis.common import vocabulary as voc

    lang = ch.lang
    parts = []
    if "tevredenheid" in ch.responses.columns:
        k = ch.kpis(items=["tevredenheid"], statistics=["mean"])
        r = k.iloc[0] if len(k) else None
        if r is not None and not bool(r["suppressed"]) and pd.notna(r["estimate"]):
            margin = nv.range_text(nv.format_value(r["ci_low"], "mean", lang), nv.format_value(r["ci_high"], "mean", lang), lang)
            parts.append(f"Inwoners geven het contact gemiddeld een {nv.format_value(r['estimate'], 'mean', 'nl')} "
                         f"(marge {margin})." if lang == "nl" else
                         f"Citizens give the contact an average grade of {nv.format_value(r['estimate'], 'mean', 'en')} "
                         f"(margin {margin}).")
    if ch.config.goals:
        parts.append(nv.goal_overview(ch.goal_comparison()["status"], lang))
    return " ".join(parts) or voc.NO_CLEAR_DIFFERENCE[lang]

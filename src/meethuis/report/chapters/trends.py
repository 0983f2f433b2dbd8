"""Views, sentences and figures of ``notebooks/07_trends.ipynb``: the KPIs per quarter and the changes that hold up."""
from __future__ import annotations

import numpy as np
import pandas as pd

from meethuis.stats.trends import (  # noqa: F401  (the notebook computes through this module)
    TrendSlope, goal_target, parse_kpi, trend_changes, trend_slope, trend_table,
)


def answer(ch, kpi: str = "tevredenheid_mean") -> str:
    """The chapter's answer: the grade now against the first quarter, and whether the change holds up."""
    from meethuis.common import narrative as nv
    from meethuis.common import vocabulary as voc
    from meethuis.stats.kpi import Estimate

    item = parse_kpi(kpi, ch.codebook)[0]
    if item not in ch.trend_responses.columns:
        return ""
    trend = trend_table(ch.trend_responses, kpi, ch.trend_weights(), ch.min_cell, ch.codebook,
                        hidden=ch.hidden_groups())
    shown = trend[~trend["suppressed"].astype(bool)]
    label = nv.kpi_label(kpi, ch.codebook, ch.lang)
    subject = label[:1].upper() + label[1:]
    if len(shown) < 2:
        return (f"{subject}: te weinig kwartalen met genoeg antwoorden voor een trend." if ch.lang == "nl" else
                f"{subject}: too few quarters with enough answers for a trend.")
    first, last = shown.iloc[0], shown.iloc[-1]
    est = [Estimate(r["estimate"], r["ci_low"], r["ci_high"], r["se"], int(r["n"]), r["n_eff"]) for r in (first, last)]
    diff = est[1].estimate - est[0].estimate
    se = (est[0].se ** 2 + est[1].se ** 2) ** 0.5
    direction = voc.change_direction(diff, diff - 1.96 * se, diff + 1.96 * se)
    clause = nv.change_clause(first["estimate"], last["estimate"], kind=nv.kpi_kind(kpi), lang=ch.lang)
    since = nv.period_text(first["periode"], ch.lang)
    if ch.lang == "nl":
        return f"{subject} is sinds het {since} {clause}: {voc.change_label(direction, 'nl')}."
    return f"{subject} has {clause} since {since}: {voc.change_label(direction, 'en')}."


def main_kpi(ch) -> str:
    """The main outcome's key figure: the grade's mean, a 0/1 outcome's share, else its mean."""
    outcome = ch.outcome
    return f"{outcome}_share" if ch.codebook.items[outcome].scale.kind == "binary" else f"{outcome}_mean"


def main_caption(ch, kpi: str) -> str:
    """Caption of the main trend table: "Gemiddeld rapportcijfer per kwartaal" for the shared grade."""
    from meethuis.common import narrative as nv

    if kpi == "tevredenheid_mean":
        return ch.text("Gemiddeld rapportcijfer per kwartaal", "Average grade per quarter")
    label = nv.kpi_label(kpi, ch.codebook, ch.lang)
    label = label[:1].upper() + label[1:]
    return ch.text(f"{label} per kwartaal", f"{label} per quarter")


def describe_slope(slope: TrendSlope, label: str, kind: str = "mean", lang: str = "nl") -> str:
    """One sentence on the linear trend: "Over 8 kwartalen is de tevredenheid duidelijk gestegen ..."."""
    from meethuis.common.narrative import format_number

    per = format_number(100 * slope.slope if kind == "share" else slope.slope, 0 if kind == "nps" else 2, lang)
    unit = (" procentpunt" if lang == "nl" else " percentage points") if kind == "share" else ""
    if lang == "nl":
        verb = {"up": "duidelijk gestegen", "down": "duidelijk gedaald", "none": "niet duidelijk veranderd"}
        return (f"Over {slope.quarters} kwartalen is {label} {verb[slope.direction]}: gemiddeld {per}{unit} "
                f"per kwartaal (marge {format_number(slope.ci_low * (100 if kind == 'share' else 1), 2, lang)} tot "
                f"{format_number(slope.ci_high * (100 if kind == 'share' else 1), 2, lang)}).")
    word = {"up": "clearly increased", "down": "clearly decreased", "none": "not clearly changed"}
    return (f"Over {slope.quarters} quarters {label} has {word[slope.direction]}: on average {per}{unit} per quarter "
            f"(margin {format_number(slope.ci_low * (100 if kind == 'share' else 1), 2, lang)} to "
            f"{format_number(slope.ci_high * (100 if kind == 'share' else 1), 2, lang)}).")


def describe_trend(trend: pd.DataFrame, changes: pd.DataFrame, label: str, lang: str = "nl",
                   goal: float | None = None) -> str:
    """A short paragraph on the latest published quarter and its changes, built from the numbers.

    Parameters
    ----------
    trend, changes:
        Outputs of :func:`trend_table` and :func:`trend_changes`.
    label:
        What the KPI is called in running text (e.g. ``"de tevredenheid"``).
    goal:
        Optional target to mention.

    Returns
    -------
    str
    """
    shown = trend[~trend["suppressed"]]
    if shown.empty:
        return ("Er zijn geen kwartalen met genoeg respondenten om een trend te tonen." if lang == "nl"
                else "No quarter has enough respondents to show a trend.")
    last = shown.iloc[-1]
    kind = last["kind"]
    from meethuis.common.narrative import period_text

    subject = label[:1].upper() + label[1:]
    if lang == "nl":
        text = f"{subject} was in het {period_text(last['periode'], lang)} {_fmt(last['estimate'], kind, lang)}."
    else:
        text = f"{subject} was {_fmt(last['estimate'], kind, lang)} in {period_text(last['periode'], lang)}."
    parts = [f"{ch['conclusion']} ({_fmt(ch['before'], kind, lang)} in {period_text(ch['compared_with'], lang)})"
             for _, ch in changes[changes["periode"] == last["periode"]].iterrows()]
    if parts:
        text += (" Dat is " if lang == "nl" else " That is ") + (" en " if lang == "nl" else " and ").join(parts) + "."
    if goal is not None:
        text += (f" Het doel is {_fmt(goal, kind, lang)}." if lang == "nl" else f" The goal is {_fmt(goal, kind, lang)}.")
    hidden = int(trend["suppressed"].sum())
    if hidden and lang == "nl":
        text += (f" {hidden} kwartaal met te weinig respondenten wordt niet getoond." if hidden == 1
                 else f" {hidden} kwartalen met te weinig respondenten worden niet getoond.")
    elif hidden:
        text += f" {hidden} quarter(s) with too few respondents are not shown."
    return text


def plot_trend(trend: pd.DataFrame, label: str, goal: float | None = None, lang: str = "nl",
               changes: pd.DataFrame | None = None):
    """Line of the KPI per quarter with its 95% band and the goal as a dashed line.

    Suppressed quarters are gaps (no point). Significant changes against the previous quarter are
    marked with a triangle.

    Parameters
    ----------
    trend:
        Output of :func:`trend_table`.
    label:
        KPI label for title, axis and alt text (e.g. ``narrative.kpi_label``).
    goal:
        Target drawn as a dashed line (same scale as the estimates; shares 0-1).
    changes:
        Output of :func:`trend_changes` to mark significant quarter-on-quarter changes.

    Returns
    -------
    matplotlib.figure.Figure
        With a text alternative (``plots.alt_text``).
    """
    from meethuis.common.plots import PALETTE, amount_axis, new_figure

    kind = trend["kind"].iloc[0] if len(trend) else "mean"
    scale = 100.0 if kind == "share" else 1.0
    shown = trend[~trend["suppressed"]]
    unit = " (%)" if kind == "share" else ""
    if shown.empty:
        alt = (f"Geen trend van {label}: te weinig respondenten per kwartaal." if lang == "nl"
               else f"No trend of {label}: too few respondents per quarter.")
    else:
        first, last = shown.iloc[0], shown.iloc[-1]
        alt = (f"Lijn van {label} per kwartaal, van {_fmt(first['estimate'], kind, lang)} in {first['periode']} "
               f"tot {_fmt(last['estimate'], kind, lang)} in {last['periode']}, met de marge als band"
               if lang == "nl" else
               f"Line of {label} per quarter, from {_fmt(first['estimate'], kind, lang)} in {first['periode']} "
               f"to {_fmt(last['estimate'], kind, lang)} in {last['periode']}, with 95% confidence band")
        if goal is not None:
            alt += (f" en het doel {_fmt(goal, kind, lang)} als stippellijn." if lang == "nl"
                    else f" and the goal {_fmt(goal, kind, lang)} as a dashed line.")
        else:
            alt += "."
    title = (f"{label[:1].upper() + label[1:]} per kwartaal" if lang == "nl"
             else f"{label[:1].upper() + label[1:]} per quarter")
    fig, ax = new_figure(title, "Kwartaal" if lang == "nl" else "Quarter", (label + unit), alt)
    x = np.arange(len(trend))
    est = trend["estimate"].to_numpy(float) * scale
    ax.fill_between(x, trend["ci_low"].to_numpy(float) * scale, trend["ci_high"].to_numpy(float) * scale,
                    color=PALETTE["hemelsblauw"], alpha=0.35, linewidth=0,
                    label="marge (95%)" if lang == "nl" else "margin (95%)")
    ax.plot(x, est, marker="o", color=PALETTE["blauw"], label=label)
    if goal is not None:
        ax.axhline(goal * scale, color=PALETTE["vermiljoen"], linestyle="--",
                   label=("doel" if lang == "nl" else "goal"))
    if changes is not None and len(changes):
        sig = changes[(changes["comparison"] == "vorig_kwartaal") & changes["significant"]]
        pos = {p: i for i, p in enumerate(trend["periode"])}
        for _, ch in sig.iterrows():
            i = pos[ch["periode"]]
            ax.plot(i, est[i], marker="^" if ch["direction"] == "up" else "v", markersize=11, linestyle="none",
                    color=PALETTE["oranje"])
    ax.set_xticks(x, list(trend["periode"]))
    if kind == "share":  # a share from zero: a move from 77 % to 80 % is not drawn as a leap
        ax.set_ylim(0, 100)
        amount_axis(ax, "y")
    ax.legend(loc="best", frameon=False)
    return fig


def changes_view(changes: pd.DataFrame, kind: str = "mean", lang: str = "nl") -> pd.DataFrame:
    """Reader table of :func:`trend_changes`: quarters in words, values, difference and conclusion as text.

    No p-values: the conclusion says whether the change holds up ("duidelijk gestegen" or "geen duidelijk
    verschil"); the CSV of the report keeps the test statistics.
    """
    from meethuis.common.narrative import format_number, period_text

    def diff(v: float) -> str:
        s = format_number(100 * v if kind == "share" else v, 0 if kind == "nps" else 1 if kind == "share" else 2, lang)
        return ("+" + s if v > 0 and s.strip("0,.") else s) + (" pp" if kind == "share" else "")

    cols = ({"periode": "Kwartaal", "compared_with": "Vergeleken met", "before": "Toen", "after": "Nu",
             "difference": "Verschil", "conclusion": "Conclusie"} if lang == "nl" else
            {"periode": "Quarter", "compared_with": "Compared with", "before": "Then", "after": "Now",
             "difference": "Difference", "conclusion": "Conclusion"})
    return pd.DataFrame({
        cols["periode"]: [period_text(p, lang) for p in changes["periode"]],
        cols["compared_with"]: [period_text(p, lang) for p in changes["compared_with"]],
        cols["before"]: [_fmt(v, kind, lang) for v in changes["before"]],
        cols["after"]: [_fmt(v, kind, lang) for v in changes["after"]],
        cols["difference"]: [diff(v) for v in changes["difference"]],
        cols["conclusion"]: changes["conclusion"],
    })


def _fmt(value: float, kind: str, lang: str) -> str:
    from meethuis.common.narrative import format_value

    return format_value(value, kind, lang)

"""Views, sentences and figures of ``notebooks/07_trends.ipynb``: the KPIs per quarter and the changes that hold up."""
from __future__ import annotations



from meethuis.stats.trends import (  # noqa: F401
    changes_view, describe_slope, describe_trend, goal_target, parse_kpi, plot_trend, trend_changes, trend_slope,
    trend_table,
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

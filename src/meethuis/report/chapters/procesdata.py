"""Views, sentences and figures of ``notebooks/09_procesdata.ipynb``: process data linked to the survey: throughput time, contacts, referrals."""
from __future__ import annotations

import math

import numpy as np
import pandas as pd

from meethuis.improve.process import (  # noqa: F401  (the notebook computes through this module)
    ReferralEffect, RegressionResult, binned_effect, link_chapter, perception_process_matrix, process_regression,
    referral_effect, smallest_shown,
)


def measures_present(matched) -> list[str]:
    """The throughput time and number of contacts, as far as the organisation's process data hold them."""
    return [m for m in ("doorlooptijd_dagen", "aantal_contacten") if m in matched.columns and matched[m].notna().any()]


def regression_measures(matched) -> list[str]:
    """The regression's measures that the process data hold (``log_doorlooptijd`` from the throughput time)."""
    out = []
    for m, src in (("log_doorlooptijd", "doorlooptijd_dagen"), ("aantal_contacten", "aantal_contacten"),
                   ("doorverwezen", "doorverwezen")):
        if src in matched.columns and matched[src].notna().any():
            out.append(m)
    return out


def plot_binned(table: pd.DataFrame, measure_label: str, outcome_label: str, lang: str = "nl"):
    """Point-and-interval chart of the outcome per bin; suppressed bins stay empty (alt text says so)."""
    from meethuis.common.plots import PALETTE, new_figure

    shown = table[~table["suppressed"]]
    from meethuis.common.narrative import format_number

    parts = ", ".join(f"{b}: {format_number(e, 1, lang)}" for b, e in zip(shown["bin"], shown["estimate"]))
    hidden = int(table["suppressed"].sum())
    if lang == "nl":
        alt = f"Gemiddelde {outcome_label} per groep van {measure_label}, met hun marges: {parts}."
        alt += f" {hidden} groep(en) niet getoond (te weinig respondenten)." if hidden else ""
        title = f"{outcome_label[:1].upper() + outcome_label[1:]} naar {measure_label}"
    else:
        alt = f"Mean {outcome_label} by {measure_label} group, with 95% confidence intervals: {parts}."
        alt += f" {hidden} group(s) not shown (too few respondents)." if hidden else ""
        title = f"{outcome_label[:1].upper() + outcome_label[1:]} by {measure_label}"
    fig, ax = new_figure(title, measure_label[:1].upper() + measure_label[1:], outcome_label, alt)
    x = np.arange(len(table))
    est = table["estimate"].to_numpy(float)
    ax.errorbar(x, est, yerr=[est - table["ci_low"].to_numpy(float), table["ci_high"].to_numpy(float) - est],
                fmt="o", color=PALETTE["blauw"], capsize=4)
    ax.set_xticks(x, list(table["bin"]))
    ax.set_xlim(-0.5, len(table) - 0.5)  # every slot in view, also a hidden first or last bin
    lo, hi = np.nanmin(table["ci_low"].to_numpy(float), initial=np.inf), np.nanmax(table["ci_high"].to_numpy(float), initial=-np.inf)
    if np.isfinite(lo) and 1 <= lo and hi <= 10:  # a grade: the whole scale, no axis starting at 6
        ax.set_ylim(1, 10)
    bottom = ax.get_ylim()[0]
    for xi, hidden_bin in zip(x, table["suppressed"].to_numpy(bool)):
        if hidden_bin:  # the empty slot says why it is empty
            ax.text(xi, bottom + 0.03 * (ax.get_ylim()[1] - bottom), "te weinig\nantwoorden" if lang == "nl"
                    else "too few\nanswers", ha="center", va="bottom", fontsize=8, color="#595959")
    return fig


def describe_referral(effect: ReferralEffect, label: str = "de tevredenheid", lang: str = "nl") -> str:
    """A sentence on the referral effect with its interval, or why it is not shown."""
    from meethuis.common.narrative import format_number

    if math.isnan(effect.difference):
        return ("Het effect van doorverwijzen wordt niet getoond: een van de groepen is te klein."
                if lang == "nl" else "The effect of referral is not shown: one of the groups is too small.")
    d = format_number(effect.difference, 2, lang)
    lo, hi = format_number(effect.ci_low, 2, lang), format_number(effect.ci_high, 2, lang)
    sig = effect.p < 0.05
    size = format_number(abs(effect.difference), 2, lang)
    if lang == "nl":
        verdict = "een significant verschil" if sig else "geen significant verschil"
        way = "lager" if effect.difference < 0 else "hoger"
        return (f"Wie is doorverwezen, scoort gemiddeld {size} punt {way} op {label} dan wie niet is "
                f"doorverwezen (verschil {d}, marge {lo} tot {hi}): {verdict}.")
    verdict = "a significant difference" if sig else "no significant difference"
    way = "lower" if effect.difference < 0 else "higher"
    return (f"Respondents who were referred on score {size} points {way} on {label} than those who were not "
            f"(difference {d}, margin {lo} to {hi}): {verdict}.")


def regression_view(result: RegressionResult, lang: str = "nl") -> pd.DataFrame:
    """Reader table of the regression: term label, coefficient and margin as text (no constant, no p-values)."""
    from meethuis.common.narrative import format_number

    t = result.table[result.table["term"] != "Intercept"]
    nl = lang == "nl"
    return pd.DataFrame({
        "Factor" if nl else "Factor": t["label"],
        "Effect (punten)" if nl else "Effect (points)": [format_number(v, 2, lang) for v in t["coef"]],
        "Marge" if nl else "Margin": [f"{format_number(a, 2, lang)} tot {format_number(b, 2, lang)}" if nl else
                                       f"{format_number(a, 2, lang)} to {format_number(b, 2, lang)}"
                                       for a, b in zip(t["ci_low"], t["ci_high"])],
    })


def describe_regression(result: RegressionResult, lang: str = "nl") -> str:
    """Sentences on the process effects in the regression, built from the coefficients."""
    from meethuis.common.narrative import format_int, format_number

    t = result.table.set_index("term")
    parts = []
    for term in ("log_doorlooptijd", "aantal_contacten", "doorverwezen"):
        if term not in t.index:
            continue
        r = t.loc[term]
        sig = r["p"] < 0.05
        if term == "log_doorlooptijd":
            per = format_number(r["coef"] * np.log(2), 2, lang)
            parts.append(f"een verdubbeling van de doorlooptijd gaat samen met {per} punt verschil in het rapportcijfer"
                         if lang == "nl" else f"doubling the throughput time goes with {per} points difference in the grade")
        elif term == "aantal_contacten":
            per = format_number(r["coef"], 2, lang)
            parts.append(f"elk extra contact met {per} punt" if lang == "nl" else f"each extra contact with {per} points")
        else:
            per = format_number(r["coef"], 2, lang)
            parts.append(f"doorverwezen worden met {per} punt" if lang == "nl" else f"being referred on with {per} points")
        if not sig:
            parts[-1] += " (niet significant)" if lang == "nl" else " (not significant)"
    from meethuis.common.narrative import join_list

    if lang == "nl":
        return (f"Bij gelijk kanaal geldt (regressie op {format_int(result.n, lang)} gekoppelde antwoorden): "
                f"{join_list(parts, lang)}. Dit is samenhang, geen bewezen oorzaak.")
    return (f"For the same channel (regression on {format_int(result.n, lang)} linked answers): "
            f"{join_list(parts, lang)}. This is association, not proven cause.")


def describe_matrix(matrix: pd.DataFrame, satisfied_from: float = 7, lang: str = "nl") -> str:
    """Sentence on the off-diagonal cells: fast but dissatisfied, slow but satisfied."""
    from meethuis.common.narrative import format_number, format_percent

    # rows are in a fixed order: fast-satisfied, fast-dissatisfied, slow-satisfied, slow-dissatisfied
    fast_unhappy, slow_happy = matrix.iloc[1], matrix.iloc[2]
    days = format_number(matrix.attrs.get("fast_days", math.nan), 0, lang)
    grade = format_number(satisfied_from, 0, lang)
    median = matrix.attrs.get("fast_rule") == "median"
    if lang == "nl":
        def share(r):  # noqa: E306
            return "niet getoond (te weinig respondenten)" if r["suppressed"] else format_percent(r["share"], 0, lang)
        return (f"Snel is hier: binnen {days} dagen afgehandeld{' (de mediaan)' if median else ''}; "
                f"tevreden is een {grade} of hoger. "
                f"Snel geholpen maar toch ontevreden: {share(fast_unhappy)}. Traag maar wel tevreden: "
                f"{share(slow_happy)}. Juist die groepen laten zien dat beleving meer is dan snelheid.")

    def share_en(r):
        return "not shown (too few respondents)" if r["suppressed"] else format_percent(r["share"], 0, lang)
    return (f"Fast here means: handled within {days} days{' (the median)' if median else ''}; "
            f"satisfied is a grade of {grade} or higher. "
            f"Helped fast but still dissatisfied: {share_en(fast_unhappy)}. Slow but satisfied: {share_en(slow_happy)}. "
            "These groups show that experience is more than speed.")

"""Views, sentences and figures of ``notebooks/09_procesdata.ipynb``: process data beside the survey.

The fixed process fields (throughput time, contacts, referral) and the organisation's own measures
(config ``process_measures:``, from the survey file itself or from the linked process file) are analysed
alike: the outcome per group of each measure, and one regression with every measure at once.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Mapping

import numpy as np
import pandas as pd

from meethuis.improve.process import (  # noqa: F401  (the notebook computes through this module)
    LinkedData, ReferralEffect, RegressionResult, auto_bins, bin_labels, binned_effect, link_chapter,
    perception_process_matrix, process_regression, referral_effect, smallest_shown,
)

FIXED_MEASURES = ("doorlooptijd_dagen", "aantal_contacten")


def measures_present(matched) -> list[str]:
    """The throughput time and number of contacts, as far as the organisation's process data hold them."""
    return [m for m in FIXED_MEASURES if m in matched.columns and matched[m].notna().any()]


def regression_measures(matched) -> list[str]:
    """The regression's measures that the process data hold (``log_doorlooptijd`` from the throughput time)."""
    out = []
    for m, src in (("log_doorlooptijd", "doorlooptijd_dagen"), ("aantal_contacten", "aantal_contacten"),
                   ("doorverwezen", "doorverwezen")):
        if src in matched.columns and matched[src].notna().any():
            out.append(m)
    return out


def plot_binned(table: pd.DataFrame, measure_label: str, outcome_label: str, lang: str = "nl",
                ylim: tuple[float, float] | None = None, kind: str = "mean"):
    """Point-and-interval chart of the outcome per bin; suppressed bins stay empty (alt text says so).

    ``ylim`` is the outcome's whole scale (e.g. ``(1, 5)``; ``(0, 1)`` with ``kind="share"`` for a 0/1
    outcome, written as percentages); by default a grade's 1-10.
    """
    from meethuis.common.plots import PALETTE, new_figure

    shown = table[~table["suppressed"]]
    from meethuis.common.narrative import format_number, format_value

    parts = ", ".join(f"{b}: {format_value(e, 'share', lang) if kind == 'share' else format_number(e, 1, lang)}"
                      for b, e in zip(shown["bin"], shown["estimate"]))
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
    if ylim is not None:  # the outcome's whole scale, no axis starting halfway
        ax.set_ylim(*ylim)
        if kind == "share":
            from matplotlib.ticker import PercentFormatter

            ax.yaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
    elif np.isfinite(lo) and 1 <= lo and hi <= 10:  # a grade: the whole scale, no axis starting at 6
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


def describe_regression(result: RegressionResult, lang: str = "nl", own: Mapping[str, str] | None = None,
                        points: str | None = None, linked: bool = True) -> str:
    """Sentences on the process effects in the regression, built from the coefficients.

    ``own`` gives a phrase per own measure term ("10 minuten meer vertraging"); ``points`` the outcome's
    unit ("punt", "procentpunt"); ``linked`` False when the measures come from the survey file itself.
    """
    from meethuis.common.narrative import format_int, format_number, join_list

    t = result.table.set_index("term")
    nl = lang == "nl"
    pts = points or ("punt" if nl else "points")
    parts = []
    for term in ("log_doorlooptijd", "aantal_contacten", "doorverwezen", *(own or {})):
        if term not in t.index:
            continue
        r = t.loc[term]
        sig = r["p"] < 0.05
        per = format_number(r["coef"], 2, lang)
        if term in (own or {}):
            parts.append(f"{own[term]} met {per} {pts}" if nl else f"{own[term]} with {per} {pts}")
        elif term == "log_doorlooptijd":
            per = format_number(r["coef"] * np.log(2), 2, lang)
            parts.append(f"een verdubbeling van de doorlooptijd gaat samen met {per} punt verschil in het rapportcijfer"
                         if nl else f"doubling the throughput time goes with {per} points difference in the grade")
        elif term == "aantal_contacten":
            parts.append(f"elk extra contact met {per} punt" if nl else f"each extra contact with {per} points")
        else:
            parts.append(f"doorverwezen worden met {per} punt" if nl else f"being referred on with {per} points")
        if not sig:
            parts[-1] += " (niet significant)" if nl else " (not significant)"
    channel = "C(kanaal)" in result.formula
    answers = ("gekoppelde antwoorden" if linked else "antwoorden") if nl else ("linked answers" if linked else "answers")
    if nl:
        lead = "Bij gelijk kanaal geldt" if channel else "Alles tegelijk bekeken geldt"
        return (f"{lead} (regressie op {format_int(result.n, lang)} {answers}): "
                f"{join_list(parts, lang)}. Dit is samenhang, geen bewezen oorzaak.")
    lead = "For the same channel" if channel else "All taken together"
    return (f"{lead} (regression on {format_int(result.n, lang)} {answers}): "
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


def process_outcome(config, responses: pd.DataFrame) -> str | None:
    """The outcome the chapter relates to the process: the grade when measured, else the first analysed outcome."""
    present = [o for o in config.outcomes() if o in responses.columns and responses[o].notna().any()]
    if "tevredenheid" in responses.columns and responses["tevredenheid"].notna().any():
        return "tevredenheid"
    return present[0] if present else None


@dataclass
class ProcessView:
    """What chapter 09 works with: the linkage (when a process file is linked) and the measures."""

    linked: LinkedData | None
    frame: pd.DataFrame  # every respondent of the period (the design), with the measures
    matched: pd.DataFrame  # respondents whose measures are known (linked rows, or all for survey measures)
    outcome: str
    measures: list[str]  # fixed fields present, then the organisation's own measures
    own: dict  # own measure id -> ProcessMeasure
    scale: object = None  # the outcome's scale (codebook ``Scale``)

    @property
    def binary(self) -> bool:
        """A 0/1 (or text) outcome: shares, and effects in percentage points."""
        return self.scale is not None and (self.scale.kind == "binary" or self.scale.positive is not None)


def open_process(ch) -> ProcessView | None:
    """The chapter's process view, or None when the organisation has neither a process file nor own measures."""
    own = dict(getattr(ch.config, "process_measures", {}) or {})
    outcome = process_outcome(ch.config, ch.responses)
    linked = link_chapter(ch)
    if (linked is None and not own) or outcome is None:
        return None
    if linked is not None:
        frame, matched = linked.frame, linked.matched
    else:
        frame = matched = ch.responses
    measures = measures_present(matched) + [m for m in own if m in matched.columns and matched[m].notna().any()]
    scale = ch.codebook.items[outcome].scale if outcome in ch.codebook.items else None
    return ProcessView(linked, frame, matched, outcome, measures, own, scale)


def outcome_label(ch, pv: ProcessView) -> str:
    """"rapportcijfer" for the grade, else the outcome's own label (and "aandeel" for a 0/1 outcome)."""
    if pv.outcome == "tevredenheid":
        return ch.text("rapportcijfer", "grade")
    label = ch.label(pv.outcome)
    return ch.text(f"aandeel {label}", f"share {label}") if pv.binary else label


def measure_label(ch, measure: str) -> str:
    """The measure's label with its unit when it has one: "Vertraging (minuten)"."""
    label = ch.label(measure)
    unit = ch.codebook.fields[measure].unit if measure in ch.codebook.fields else None
    from meethuis.intake.init import unit_of

    if measure in FIXED_MEASURES or not unit or unit_of(label) is not None:
        return label  # no unit, or the label names one already ("Delay in Minutes", "Wait (min)")
    return f"{label} ({unit.get(ch.lang) or unit.get('nl')})"


def measure_effect(ch, pv: ProcessView, measure: str) -> pd.DataFrame:
    """The outcome per group of ``measure`` (fixed bins, the config's ``bins``, four groups, or categories)."""
    spec = pv.own.get(measure)
    if spec is None:
        return binned_effect(pv.frame, measure, pv.outcome, ch.weights, ch.min_cell, ch.lang)
    if spec.kind == "category":
        return binned_effect(pv.frame, measure, pv.outcome, ch.weights, ch.min_cell, ch.lang)
    edges = list(spec.bins) if spec.bins else auto_bins(pv.matched[measure])
    return binned_effect(pv.frame, measure, pv.outcome, ch.weights, ch.min_cell, ch.lang,
                         bins=(edges, bin_labels(edges)), right=False)


def effect_formats(pv: ProcessView) -> dict:
    """Cell formats of a per-group table: shares for a 0/1 outcome, two decimals otherwise."""
    kind = "share" if pv.binary else "num2"
    return {"estimate": kind, "ci_low": kind, "ci_high": kind, "n_eff": "num1"}


def effect_figure(ch, pv: ProcessView, table: pd.DataFrame, measure: str):
    """The per-group figure on the outcome's whole scale."""
    sc = pv.scale
    ylim = (0.0, 1.0) if pv.binary else ((sc.min, sc.max) if sc is not None else None)
    return plot_binned(table, measure_label(ch, measure).lower(), outcome_label(ch, pv), ch.lang, ylim=ylim,
                       kind="share" if pv.binary else "mean")


def effect_caption(ch, pv: ProcessView, measure: str) -> str:
    name = measure_label(ch, measure).lower()
    if pv.outcome == "tevredenheid":
        return ch.text(f"Rapportcijfer naar {name}", f"Grade by {name}")
    out = outcome_label(ch, pv)
    return ch.text(f"{out[:1].upper() + out[1:]} naar {name}", f"{out[:1].upper() + out[1:]} by {name}")


def _lower_first(text: str) -> str:
    """A label inside a sentence: first letter lower-case, unless it is an abbreviation (``NPS``) or a header
    in title case (``Departure Delay in Minutes``), which stays as written."""
    if text[:2].isupper() or any(w[:1].isupper() for w in text.split()[1:]):
        return text
    return text[:1].lower() + text[1:]


def _step(values: pd.Series) -> float:
    """A round step for one regression unit: the power of ten below the interquartile range (at least 1)."""
    x = pd.to_numeric(values, errors="coerce").dropna()
    spread = float(x.quantile(0.75) - x.quantile(0.25)) if len(x) else 0.0
    if not spread > 0:
        spread = float(x.std()) if len(x) > 1 else 1.0
    return float(10 ** math.floor(math.log10(spread))) if spread >= 1 else 1.0


def regression(ch, pv: ProcessView):
    """The regression of the outcome on every measure at once (own numbers per round step, own categories as
    groups), with the channel as control when known; ``(result, own_phrases, points)`` or None without terms."""
    data = pv.matched.copy()
    measures = regression_measures(pv.matched)
    controls = [k for k in ("kanaal",) if k in data.columns and data[k].notna().any()]
    labels, phrases = {}, {}
    for m, spec in pv.own.items():
        if m not in pv.measures:
            continue
        name = ch.label(m)
        if spec.kind == "category":
            controls.append(m)
            labels[m] = name
            continue
        step = _step(data[m])
        data[m] = pd.to_numeric(data[m], errors="coerce") / step
        unit = (spec.unit or {}).get(ch.lang) or (spec.unit or {}).get("nl")
        per = f"{step:g} {unit}" if unit else ch.text(f"{step:g} meer", f"{step:g} more")
        labels[m] = f"{name} (per {per})"
        phrases[m] = _lower_first(labels[m])
        measures.append(m)
    if not measures and not [c for c in controls if c in pv.own]:
        return None
    points = None
    if pv.binary:  # a 0/1 outcome in percentage points (a linear probability model)
        data[pv.outcome] = pd.to_numeric(data[pv.outcome], errors="coerce") * 100
        points = ch.text("procentpunt", "percentage points")
    elif pv.outcome != "tevredenheid":
        points = ch.text("punt", "points")
    result = process_regression(data, pv.outcome, weights=ch.weights.reindex(data.index), min_cell=ch.min_cell,
                                lang=ch.lang, measures=measures, controls=controls, labels=labels,
                                hidden=ch.hidden_groups())
    return result, phrases, points


def regression_caption(ch, pv: ProcessView) -> str:
    if pv.outcome == "tevredenheid":
        return ch.text("Effect op het rapportcijfer (regressiecoëfficiënten met 95%-BI)",
                       "Effect on the grade (regression coefficients with 95% CI)")
    out = _lower_first(outcome_label(ch, pv))
    unit = ch.text(" in procentpunten", " in percentage points") if pv.binary else ""
    return ch.text(f"Effect op {out}{unit} (regressiecoëfficiënten met 95%-BI)",
                   f"Effect on {out}{unit} (regression coefficients with 95% CI)")


def no_linkage_text(ch, pv: ProcessView) -> str:
    """One sentence for the linkage section when the measures come from the survey file itself."""
    names = ", ".join(ch.label(m).lower() for m in pv.measures)
    return ch.text(f"De procesmaten ({names}) staan in het enquêtebestand zelf: er is niets te koppelen.",
                   f"The process measures ({names}) are in the survey file itself: nothing needs linking.")


__all__ = ("ProcessView", "open_process", "process_outcome", "measure_effect", "regression", "measures_present",
           "regression_measures")


def answer(ch, pv: ProcessView, effects: Mapping[str, pd.DataFrame]) -> str:
    """The chapter's answer: for the first two measures, the outcome in the first and the last shown group and
    whether they differ beyond the margin. ``effects``: measure -> :func:`measure_effect` table."""
    from meethuis.common import narrative as nv
    from meethuis.common import vocabulary as voc

    kind = "share" if pv.binary else "mean"
    what = outcome_label(ch, pv)
    sentences = []
    for measure, table in effects.items():
        shown = table[~table["suppressed"].astype(bool)]
        if len(shown) < 2:
            continue
        a, b = shown.iloc[0], shown.iloc[-1]
        diff = float(b["estimate"] - a["estimate"])
        half = 1.959963984540054 * float(np.hypot(a["se"], b["se"]))  # the two groups hold different respondents
        verdict = voc.difference_label(voc.change_direction(diff, diff - half, diff + half), ch.lang)
        va, vb = nv.format_value(a["estimate"], kind, ch.lang), nv.format_value(b["estimate"], kind, ch.lang)
        label = measure_label(ch, measure)
        sentences.append(ch.text(
            f"{label}: bij {a['bin']} is het {what} gemiddeld {va}, bij {b['bin']} {vb} ({verdict}).",
            f"{label}: at {a['bin']} the {what} averages {va}, at {b['bin']} {vb} ({verdict})."))
        if len(sentences) == 2:
            break
    return " ".join(sentences) or ch.text(
        "Te weinig antwoorden per groep om de ervaring naast de procesgegevens te zetten.",
        "Too few answers per group to set the experience beside the process data.")

"""Views, sentences and figures of ``notebooks/06_prioriteiten.ipynb``: the priority matrix (importance x performance) and the knobs to turn."""
from __future__ import annotations


import pandas as pd

from meethuis.common import narrative as nv
from meethuis.stats.priority import clear_knobs, knobs_to_turn, plot_priority_matrix  # noqa: F401


def knobs_view(knobs: pd.DataFrame, lang: str = "nl") -> pd.DataFrame:
    """The knobs-to-turn table for readers (``priority.knobs_to_turn`` output)."""
    t = (lambda a, b: a) if lang == "nl" else (lambda a, b: b)
    return pd.DataFrame({
        t("Volgorde", "Order"): [str(int(v)) if pd.notna(v) else nv.MISSING for v in knobs["priority"]],
        t("Drijfveer", "Driver"): knobs["label"],
        t("Kwadrant", "Quadrant"): knobs["quadrant"],
        t("Belang", "Importance"): [nv.format_number(v, 0, lang) + "%" for v in knobs["importance_pct"]],
        t("Belang: marge", "Importance: margin"): [
            nv.range_text(nv.format_number(a, 0, lang), nv.format_number(b, 0, lang), lang) + "%"
            if pd.notna(a) and pd.notna(b) else nv.MISSING
            for a, b in zip(knobs["importance_ci_low_pct"], knobs["importance_ci_high_pct"])],
        t("Score (0\u2013100)", "Score (0\u2013100)"): [nv.format_number(v, 0, lang) for v in knobs["score"]],
        t("Score: marge", "Score: margin"): [
            nv.range_text(nv.format_number(a, 0, lang), nv.format_number(b, 0, lang), lang)
            if pd.notna(a) and pd.notna(b) else nv.MISSING for a, b in zip(knobs["score_ci_low"], knobs["score_ci_high"])],
        t("Bij de belangrijkste drie", "Among the top three"): [
            nv.format_percent(v, 0, lang) if pd.notna(v) else nv.MISSING for v in knobs["p_top3"]],
        "n": knobs["n"],
        "suppressed": knobs.get("suppressed", pd.Series(False, index=knobs.index)),
    })

def quadrant_sentences(knobs: pd.DataFrame, lang: str = "nl") -> str:
    """One line per quadrant naming its drivers in priority order (``priority.knobs_to_turn`` output)."""
    lines = []
    for quadrant, group in knobs.groupby("quadrant", sort=False):
        lines.append(f"**{quadrant[:1].upper() + quadrant[1:]}**: {nv.join_list(group['label'], lang)}.")
    return nv.bullets(lines)


def answer(ch, matrix: pd.DataFrame | None) -> str:
    """The chapter's answer: which drivers clearly come first, or that none stands out."""
    if matrix is None:
        result = ch.importance(ch.outcome)
        return result if isinstance(result, str) else ""
    knobs = clear_knobs(matrix, ch.lang, top=None)
    if knobs.empty:
        return ("Geen drijfveer springt er duidelijk uit: bij elke drijfveer overlappen de marges van belang of "
                "score met de middenlijnen. Er is dus geen duidelijke eerste knop." if ch.lang == "nl" else
                "No driver clearly stands out: for every driver the margins of weight or score overlap the middle "
                "lines. So there is no clear first knob.")
    names = nv.join_list(list(knobs["label"]), ch.lang)
    return (f"Eerst verbeteren: {names}. Deze drijfveren wegen duidelijk zwaar en scoren duidelijk lager dan de rest."
            if ch.lang == "nl" else
            f"Improve first: {names}. These drivers clearly weigh a lot and clearly score lower than the rest.")

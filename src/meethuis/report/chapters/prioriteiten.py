"""Views, sentences and figures of ``notebooks/06_prioriteiten.ipynb``: the priority matrix (importance x performance) and the knobs to turn."""
from __future__ import annotations

import numpy as np
import pandas as pd

from meethuis.common import narrative as nv
from meethuis.common.errors import AnalysisError
from meethuis.common.plots import GREY, PALETTE, new_figure
from meethuis.intake.codebook import Codebook, _check_lang, load_codebook
from meethuis.report.display import tick_formatter
from meethuis.stats.priority import (  # noqa: F401  (the notebook computes through this module)
    QUADRANTS, UNCLEAR, clear_knobs, knobs_to_turn,
)

_COLOURS = {"eerst_verbeteren": PALETTE["vermiljoen"], "koesteren": PALETTE["blauw"],
            "bewaken": PALETTE["groen"], "minder_urgent": PALETTE["oranje"], UNCLEAR: "#8c8c8c"}
_MARKERS = {"eerst_verbeteren": "o", "koesteren": "s", "bewaken": "D", "minder_urgent": "^", UNCLEAR: "o"}
_TEXT_COLOUR = "#222222"  # quadrant names: dark text on white (contrast > 4.5:1), the colour is in the marker
_TEXT = {
    "nl": {
        "title": "Wat eerst verbeteren? Belang en score per drijfveer",
        "x_mean": "Score op 0–100 (gemiddelde op de schaal {lo}–{hi}, omgerekend)",
        "x_mixed": "Score op 0–100 (gemiddelde per vraag omgerekend naar % van het maximum; schalen verschillen)",
        "x_top2": "Score op 0–100 (% een 4 of 5)",
        "y": "Belang (% van de verklaarde variantie in {outcome})",
        "alt": "Spreidingsdiagram van {k} drijfveren: horizontaal de score, verticaal het belang voor "
               "{outcome}. De stippellijnen ({how}) delen het vlak in vier kwadranten. ",
        "alt_q": "{quadrant}: {items}.",
        "none": "geen",
        "note": "Stippellijnen: {how}. Grijze lijnen: marge (95%). Grijze stip: geen duidelijk verschil.",
        "median": "mediaan van de drijfveren",
        "configured": "ingestelde drempels",
    },
    "en": {
        "title": "What to improve first? Importance and score per driver",
        "x_mean": "Score on 0–100 (mean on the {lo}–{hi} scale, rescaled)",
        "x_mixed": "Score on 0–100 (mean per question as % of maximum possible; the scales differ)",
        "x_top2": "Score on 0–100 (% answering 4 or 5)",
        "y": "Importance (% of explained variance in {outcome})",
        "alt": "Scatter plot of {k} drivers: score across, importance for {outcome} up. The dashed "
               "lines ({how}) divide the plane into four quadrants. ",
        "alt_q": "{quadrant}: {items}.",
        "none": "none",
        "note": "Dashed lines: {how}. Grey lines: margin (95%). Grey dot: no clear difference.",
        "median": "median of the drivers",
        "configured": "configured thresholds",
    },
}


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


def plot_priority_matrix(matrix: pd.DataFrame, lang: str = "nl", codebook: Codebook | None = None,
                         title: str | None = None):
    """Labelled importance × performance scatter with quadrant lines and names (colour-blind safe).

    Parameters
    ----------
    matrix:
        Output of :func:`priority_matrix` (suppressed drivers are left out).
    lang:
        ``"nl"`` or ``"en"`` for every text in the figure, including the alt text.

    Returns
    -------
    matplotlib.figure.Figure
        With a text alternative (``meethuis.common.plots.alt_text``).
    """
    _check_lang(lang)
    cb = codebook or load_codebook()
    text = _TEXT[lang]
    shown = matrix[~matrix["suppressed"].astype(bool)].copy()
    if shown.empty:
        raise AnalysisError("no driver has enough respondents to plot", hint="lower min_cell is not allowed; "
                            "combine periods to get more respondents")
    outcome = matrix.attrs.get("outcome", "")
    outcome_label = cb.label(outcome, lang).lower() if outcome else ""
    measure = matrix.attrs.get("measure", "mean")
    if measure == "top2":
        xlabel = text["x_top2"]
    elif matrix.attrs.get("mixed_scales"):
        xlabel = text["x_mixed"]
    else:
        sc = cb.item(shown["driver"].iloc[0]).scale
        xlabel = text["x_mean"].format(lo=sc.min, hi=sc.max)
    ylabel = text["y"].format(outcome=outcome_label)
    labels = [cb.label(d, lang) for d in shown["driver"]]
    groups = []
    for q in ("eerst_verbeteren", "koesteren", "bewaken", "minder_urgent", UNCLEAR):
        items = [lab for lab, qq in zip(labels, shown["quadrant"]) if qq == q]
        groups.append(text["alt_q"].format(quadrant=QUADRANTS[q][lang].capitalize(),
                                           items=", ".join(items) if items else text["none"]))
    how = text["median"] if matrix.attrs.get("median_thresholds", ["importance", "performance"]) \
        else text["configured"]
    alt = text["alt"].format(k=len(shown), outcome=outcome_label, how=how) + " ".join(groups)
    fig, ax = new_figure(title or text["title"], xlabel, ylabel, alt, size=(8.0, 5.6))

    x = shown["score"].to_numpy(float)
    y = shown["importance"].to_numpy(float) * 100
    thr_x = matrix.attrs["score_threshold"]
    thr_y = matrix.attrs["importance_threshold"] * 100
    xerr = np.vstack([x - shown["score_ci_low"].to_numpy(float), shown["score_ci_high"].to_numpy(float) - x])
    ylo = shown["importance_ci_low"].to_numpy(float) * 100
    yhi = shown["importance_ci_high"].to_numpy(float) * 100
    yerr = None if np.isnan(ylo).all() else np.vstack([y - ylo, yhi - y])
    ax.errorbar(x, y, xerr=np.nan_to_num(xerr), yerr=None if yerr is None else np.nan_to_num(yerr),
                fmt="none", ecolor="#c8c8c8", elinewidth=0.9, capsize=0, zorder=1)
    for q in ("eerst_verbeteren", "koesteren", "bewaken", "minder_urgent", UNCLEAR):
        sel = (shown["quadrant"] == q).to_numpy()
        if sel.any():
            ax.scatter(x[sel], y[sel], s=46, c=_COLOURS[q], marker=_MARKERS[q], edgecolors="white",
                       linewidths=0.8, zorder=3, label=QUADRANTS[q][lang])
    # honest axes: the score on its whole 0-100 range, importance from 0
    ys = np.concatenate([y, [thr_y, 0.0], ylo[~np.isnan(ylo)], yhi[~np.isnan(yhi)]])
    ax.set_xlim(0, 100)
    ax.set_ylim(0, max(np.nanmax(ys) * 1.22, 1.0))
    ax.axvline(thr_x, color=GREY, linestyle="--", linewidth=1, zorder=2)
    ax.axhline(thr_y, color=GREY, linestyle="--", linewidth=1, zorder=2)
    ax.xaxis.set_major_formatter(tick_formatter(ax.xaxis, lang))
    ax.yaxis.set_major_formatter(tick_formatter(ax.yaxis, lang))
    corners = {"eerst_verbeteren": (0.01, 0.99, "left", "top"), "koesteren": (0.99, 0.99, "right", "top"),
               "bewaken": (0.99, 0.01, "right", "bottom"), "minder_urgent": (0.01, 0.01, "left", "bottom")}
    qtexts = []
    for q, (cx, cy, ha, va) in corners.items():
        qtexts.append(ax.text(cx, cy, QUADRANTS[q][lang].capitalize(), transform=ax.transAxes, ha=ha, va=va,
                              fontsize=10, fontweight="bold", color=_TEXT_COLOUR, zorder=4,
                              bbox={"facecolor": "white", "edgecolor": "none", "alpha": 0.85, "pad": 1.5}))
    ax.annotate(text["note"].format(how=how), xy=(1.0, 0.0), xycoords="axes fraction", xytext=(0, -44),
                textcoords="offset points", ha="right", va="top", fontsize=8, color=GREY)
    _place_labels(fig, ax, x, y, labels, qtexts)
    return fig


def _place_labels(fig, ax, x, y, labels, obstacles_artists) -> None:
    """Add point labels placed by :func:`repel_labels`, with a thin leader line when moved away."""
    renderer = _renderer(fig)
    fig.draw_without_rendering()  # settle the layout so data -> pixel transforms are final
    pts = ax.transData.transform(np.column_stack([x, y]))
    probes = [ax.text(0, 0, lab, fontsize=9) for lab in labels]
    sizes = np.array([[b.width, b.height] for b in (t.get_window_extent(renderer) for t in probes)])
    for t in probes:
        t.remove()
    box = ax.get_window_extent(renderer)
    obstacles = np.array([[b.x0, b.y0, b.x1, b.y1] for b in
                          (t.get_window_extent(renderer) for t in obstacles_artists)])
    order = np.argsort(-y)  # most important first: they get the best spots
    centres = np.zeros_like(pts)
    centres[order] = repel_labels(pts[order], sizes[order], (box.x0, box.y0, box.x1, box.y1), obstacles)
    to_pt = 72.0 / fig.dpi
    for xd, yd, (px, py), (cx, cy), lab, (w, h) in zip(x, y, pts, centres, labels, sizes):
        dist = np.hypot(cx - px, cy - py) - np.hypot(w / 2, h / 2)
        arrow = {"arrowstyle": "-", "color": "#888888", "lw": 0.7, "shrinkA": 0, "shrinkB": 3} \
            if dist > 12 else None
        ann = ax.annotate(lab, (xd, yd), xycoords="data", xytext=((cx - px) * to_pt, (cy - py) * to_pt),
                          textcoords="offset points", ha="center", va="center", fontsize=9, color="#222222",
                          arrowprops=arrow, zorder=5)
        ann.set_in_layout(False)


def repel_labels(points: np.ndarray, sizes: np.ndarray, bounds: tuple[float, float, float, float],
                 obstacles: np.ndarray | None = None, pad: float = 2.0) -> np.ndarray:
    """Place one label box per point so that labels overlap neither each other nor points/obstacles.

    A greedy search in display units (pixels): each label, in the given order, takes the first spot on
    rings of growing radius around its point (8 directions) that overlaps nothing placed so far and
    stays inside ``bounds``; if none is free, the spot with the least overlap.

    Parameters
    ----------
    points:
        (k, 2) anchor points in pixels.
    sizes:
        (k, 2) label width and height in pixels.
    bounds:
        (x0, y0, x1, y1) area the labels must stay in.
    obstacles:
        (m, 4) boxes to avoid (e.g. quadrant names).

    Returns
    -------
    numpy.ndarray
        (k, 2) label centres in pixels.
    """
    pts = np.asarray(points, float)
    sizes = np.asarray(sizes, float)
    marker = 5.0
    fixed = [np.array([x - marker, y - marker, x + marker, y + marker]) for x, y in pts]
    if obstacles is not None:
        fixed += [np.asarray(o, float) for o in obstacles]
    placed: list[np.ndarray] = []
    centres = np.zeros_like(pts)
    dirs = [(1, 0), (-1, 0), (0, 1), (0, -1), (1, 1), (-1, 1), (1, -1), (-1, -1)]
    for i, ((x, y), (w, h)) in enumerate(zip(pts, sizes)):
        best, best_cost = None, np.inf
        for r in (0, 6, 12, 20, 30, 42, 56, 72, 90, 110, 135, 160):
            for dx, dy in dirs:
                cx = x + dx * (w / 2 + marker + 2 + r)
                cy = y + dy * (h / 2 + marker + r * 0.6)
                box = np.array([cx - w / 2 - pad, cy - h / 2 - pad, cx + w / 2 + pad, cy + h / 2 + pad])
                outside = (max(0, bounds[0] - box[0]) + max(0, box[2] - bounds[2])
                           + max(0, bounds[1] - box[1]) + max(0, box[3] - bounds[3]))
                others = np.array(fixed + placed)
                cost = _overlap(box, others).sum() + 1e3 * outside
                if cost < best_cost - 1e-9:
                    best, best_cost = (cx, cy, box), cost
            if best_cost == 0:
                break
        cx, cy, box = best
        centres[i] = cx, cy
        placed.append(box)
    return centres


def _renderer(fig):
    canvas = fig.canvas
    if not hasattr(canvas, "get_renderer"):
        from matplotlib.backends.backend_agg import FigureCanvasAgg

        canvas = FigureCanvasAgg(fig)
    return canvas.get_renderer()


def _overlap(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Overlap area of box ``a`` (x0, y0, x1, y1) with each box in ``b`` (k, 4)."""
    if len(b) == 0:
        return np.zeros(0)
    w = np.clip(np.minimum(a[2], b[:, 2]) - np.maximum(a[0], b[:, 0]), 0, None)
    h = np.clip(np.minimum(a[3], b[:, 3]) - np.maximum(a[1], b[:, 1]), 0, None)
    return w * h

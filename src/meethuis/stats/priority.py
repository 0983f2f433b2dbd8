"""Priority matrix: which drivers to improve first, from importance × performance (issues #5, #14).

Importance is a driver's share of the explained variance (exact Shapley, :mod:`meethuis.stats.drivers`);
performance is how well the organisation scores on it (weighted mean or top-2-box), also shown on a
0–100 scale (``score``: the mean's place between the scale's ends, or the share in %). Split at the
medians (or configured thresholds) this gives four quadrants:

- ``eerst_verbeteren`` (improve first): important and below par;
- ``koesteren`` (maintain): important and good;
- ``bewaken`` (monitor): less important but good;
- ``minder_urgent`` (less urgent): less important and below par.

With ``rule="clear"`` (the default) a driver is only placed in a quadrant when its intervals put it
clearly on one side of both lines (the importance interval from the bootstrap, the performance
interval of the mean or share); otherwise it is ``geen_duidelijk_verschil`` (no clear difference).
The knobs to turn (:func:`clear_knobs`) are only drivers clearly in "eerst verbeteren", ordered by how
often they land in the top 3 of the bootstrap resamples (``p_top3``).
"""
from __future__ import annotations

from typing import Mapping, Sequence

import numpy as np
import pandas as pd

from meethuis.stats import drivers as _drivers
from meethuis.stats import kpi as _kpi
from meethuis.stats.weights import calibration_of as _calibration_of
from meethuis.intake.codebook import Codebook, load_codebook
from meethuis.stats.disclosure import protect_table
from meethuis.common.errors import AnalysisError
from meethuis.common.narrative import format_number
from meethuis.common.plots import GREY, PALETTE, new_figure

QUADRANTS: dict[str, dict[str, str]] = {
    "eerst_verbeteren": {"nl": "eerst verbeteren", "en": "improve first"},
    "koesteren": {"nl": "koesteren", "en": "maintain"},
    "bewaken": {"nl": "bewaken", "en": "monitor"},
    "minder_urgent": {"nl": "minder urgent", "en": "less urgent"},
    "geen_duidelijk_verschil": {"nl": "geen duidelijk verschil", "en": "no clear difference"},
}
UNCLEAR = "geen_duidelijk_verschil"
# order of the priority list: clearly below par and important first, then the drivers without a clear place
QUADRANT_ORDER = ["eerst_verbeteren", UNCLEAR, "minder_urgent", "koesteren", "bewaken"]
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


def quadrant_label(quadrant: str, lang: str = "nl") -> str:
    """Reader name of a quadrant id (``eerst_verbeteren`` → "eerst verbeteren" / "improve first")."""
    _check_lang(lang)
    return QUADRANTS[quadrant][lang]


def _check_lang(lang: str) -> None:
    if lang not in ("nl", "en"):
        raise AnalysisError(f"unknown language '{lang}'", key="lang", hint="use 'nl' or 'en'")


def driver_performance(
    frame: pd.DataFrame,
    drivers: Sequence[str],
    weights: str | np.ndarray | pd.Series | None = None,
    measure: str = "mean",
    codebook: Codebook | None = None,
    level: float = 0.95,
) -> pd.DataFrame:
    """Weighted performance of each driver: mean score or top-2-box share, with its CI.

    Parameters
    ----------
    measure:
        ``"mean"`` (:func:`meethuis.stats.kpi.mean_ci`) or ``"top2"`` (share answering in the top two
        codes of the item's scale, :func:`meethuis.stats.kpi.proportion_ci`).

    Returns
    -------
    pandas.DataFrame
        ``driver, performance, performance_ci_low, performance_ci_high, n, n_eff``.
    """
    if measure not in ("mean", "top2"):
        raise AnalysisError(f"unknown performance measure '{measure}'", key="measure",
                            hint="use 'mean' or 'top2'")
    names = list(drivers)
    if not names:
        raise AnalysisError("no drivers given", hint="pass at least one driver column")
    for d in names:
        if d not in frame.columns:
            raise AnalysisError(f"column '{d}' not found in the data", column=d,
                                hint="use item ids from the codebook as column names")
    w = _drivers._resolve_weights(frame, weights)
    cb = codebook or load_codebook()
    # raked weights: the linearised variance residualised on the raking margins, as kpi_table computes it
    calibration = _calibration_of(frame, weights) if isinstance(weights, pd.Series) else None
    rows = []
    for d in names:
        x = frame[d].to_numpy(dtype=float)
        keep = np.ones(len(x), bool) if calibration is not None else w > 0  # a design keeps all its rows
        x, wd = x[keep], w[keep]
        if measure == "mean":
            est = _kpi.mean_ci(x, wd, level, calibration)
        else:
            threshold = cb.item(d).scale.top2_threshold()
            est = _kpi.proportion_ci(np.where(np.isnan(x), np.nan, (x >= threshold).astype(float)), wd, level,
                                     calibration)
        rows.append({"driver": d, "performance": est.estimate, "performance_ci_low": est.ci_low,
                     "performance_ci_high": est.ci_high, "n": est.n, "n_eff": est.n_eff})
    out = pd.DataFrame(rows)
    out.attrs["measure"] = measure
    return out


def classify(importance: np.ndarray, performance: np.ndarray, importance_threshold: float,
             performance_threshold: float) -> np.ndarray:
    """Quadrant id per driver; a value on a threshold counts as important / good."""
    important = np.asarray(importance) >= importance_threshold
    good = np.asarray(performance) >= performance_threshold
    return np.where(important, np.where(good, "koesteren", "eerst_verbeteren"),
                    np.where(good, "bewaken", "minder_urgent"))


def classify_clear(importance_low: np.ndarray, importance_high: np.ndarray, performance_low: np.ndarray,
                   performance_high: np.ndarray, importance_threshold: float,
                   performance_threshold: float) -> np.ndarray:
    """Quadrant id per driver only where both intervals lie wholly on one side of their line.

    An interval that touches or crosses its threshold gives ``geen_duidelijk_verschil``. Pass the
    point estimate as both bounds for a quantity without an interval.
    """
    il, ih = np.asarray(importance_low, float), np.asarray(importance_high, float)
    pl, ph = np.asarray(performance_low, float), np.asarray(performance_high, float)
    clear = ((il > importance_threshold) | (ih < importance_threshold)) & \
        ((pl > performance_threshold) | (ph < performance_threshold))
    quadrant = classify(il, pl, importance_threshold, performance_threshold)
    return np.where(clear, quadrant, UNCLEAR)


def to_score(value, scale_min: float, scale_max: float, measure: str = "mean"):
    """Performance on 0–100: a mean's place between the scale's ends, or a share in percent."""
    if measure == "top2":
        return 100.0 * np.asarray(value, float)
    return 100.0 * (np.asarray(value, float) - scale_min) / (scale_max - scale_min)


def priority_matrix(
    frame: pd.DataFrame,
    outcome: str,
    drivers: Sequence[str],
    weights: str | np.ndarray | pd.Series | None = None,
    measure: str = "mean",
    thresholds: Mapping[str, float] | None = None,
    importance: pd.DataFrame | None = None,
    n_boot: int = 0,
    seed: int = 20261123,
    missing: str = "listwise",
    min_cell: int = 10,
    codebook: Codebook | None = None,
    lang: str = "nl",
    rule: str = "clear",
) -> pd.DataFrame:
    """Importance × performance per driver, the quadrant it falls in and its priority.

    Parameters
    ----------
    frame, outcome, drivers, weights, missing:
        As :func:`meethuis.stats.drivers.shapley_importance`.
    measure:
        Performance as ``"mean"`` score or ``"top2"`` share (see :func:`driver_performance`).
    thresholds:
        ``{"importance": share of R² (0–1), "performance": score}``; a missing key means the median
        over the drivers.
    importance:
        A ready table from ``shapley_importance`` or ``bootstrap_importance`` (else computed here).
    n_boot:
        With ``importance=None``: bootstrap resamples for CIs of the importance (0 = none).
    min_cell:
        Drivers answered by fewer respondents are suppressed (:func:`meethuis.stats.disclosure.protect_table`).
    rule:
        ``"clear"``: a quadrant only when both intervals are wholly on one side of their line, else
        ``geen_duidelijk_verschil`` (an importance without interval counts with its point value);
        ``"point"``: by the point estimates alone.

    Returns
    -------
    pandas.DataFrame
        ``driver, label, importance, importance_ci_low, importance_ci_high, performance,
        performance_ci_low, performance_ci_high, score, score_ci_low, score_ci_high, p_top3, n, n_eff,
        quadrant, quadrant_label, priority, suppressed, reason``, sorted by ``priority`` (1 = turn this
        knob first). Importance is the share of R² (0–1); ``score`` is the performance on 0–100;
        ``p_top3`` how often the driver is among the 3 most important in the bootstrap (NaN without).
        ``attrs`` hold the thresholds, ``r2``, ``measure``, ``outcome`` and ``rule``.
    """
    if rule not in ("clear", "point"):
        raise AnalysisError(f"unknown quadrant rule '{rule}'", key="rule", hint="use 'clear' or 'point'")
    _check_lang(lang)
    cb = codebook or load_codebook()
    names = list(drivers)
    if importance is None:
        if n_boot:
            importance = _drivers.bootstrap_importance(frame, outcome, names, weights=weights,
                                                       missing=missing, n_boot=n_boot, seed=seed)
        else:
            importance = _drivers.shapley_importance(frame, outcome, names, weights=weights, missing=missing)
    missing_drivers = [d for d in names if d not in set(importance["driver"])]
    if missing_drivers:
        raise AnalysisError(f"importance table has no row for {', '.join(missing_drivers)}",
                            column=missing_drivers[0], hint="compute importance for the same drivers")
    imp = importance.set_index("driver").loc[names]
    perf = driver_performance(frame, names, weights=weights, measure=measure, codebook=cb).set_index("driver")
    table = pd.DataFrame({"driver": names, "label": [cb.label(d, lang) for d in names]})
    table["importance"] = imp["share"].to_numpy()
    for side in ("low", "high"):
        col = f"share_ci_{side}"
        table[f"importance_ci_{side}"] = imp[col].to_numpy() if col in imp else np.nan
    for col in ("performance", "performance_ci_low", "performance_ci_high", "n", "n_eff"):
        table[col] = perf[col].to_numpy()
    scale = cb.item(names[0]).scale
    lows = np.array([float(cb.item(d).scale.min) for d in names])
    highs = np.array([float(cb.item(d).scale.max) for d in names])
    for src, dst in (("performance", "score"), ("performance_ci_low", "score_ci_low"),
                     ("performance_ci_high", "score_ci_high")):
        table[dst] = to_score(table[src].to_numpy(float), lows, highs, measure)
    table["p_top3"] = (imp["p_top"].to_numpy(float) if "p_top" in imp and int(importance.attrs.get("top", 3)) == 3
                       else np.nan)
    ok = table["n"].to_numpy() >= min_cell
    # drivers on different scales are compared on 0-100 (percentage of maximum possible), never on raw codes
    mixed = len(set(zip(lows, highs))) > 1 and measure == "mean"
    perf_cols = (("score", "score_ci_low", "score_ci_high") if mixed
                 else ("performance", "performance_ci_low", "performance_ci_high"))
    thresholds = dict(thresholds or {})
    unknown = set(thresholds) - {"importance", "performance"}
    if unknown:
        raise AnalysisError(f"unknown threshold(s): {', '.join(sorted(unknown))}", key="thresholds",
                            hint="use 'importance' (share of R², 0-1) and/or 'performance'")
    thr_imp = float(thresholds.get("importance", np.median(table.loc[ok, "importance"]) if ok.any() else np.nan))
    thr_perf = float(thresholds.get("performance", np.median(table.loc[ok, perf_cols[0]]) if ok.any() else np.nan))
    if rule == "point":
        quadrant = classify(table["importance"].to_numpy(), table[perf_cols[0]].to_numpy(), thr_imp, thr_perf)
    else:
        point = table["importance"].to_numpy(float)
        ilo = np.where(np.isnan(table["importance_ci_low"].to_numpy(float)), point, table["importance_ci_low"])
        ihi = np.where(np.isnan(table["importance_ci_high"].to_numpy(float)), point, table["importance_ci_high"])
        quadrant = classify_clear(ilo, ihi, table[perf_cols[1]], table[perf_cols[2]], thr_imp, thr_perf)
    table["quadrant"] = np.where(ok, quadrant, None)
    table["quadrant_label"] = [QUADRANTS[q][lang] if q else None for q in table["quadrant"]]
    order = {q: i for i, q in enumerate(QUADRANT_ORDER)}
    key = pd.DataFrame({"q": [order.get(q, 99) for q in table["quadrant"]], "imp": -table["importance"]})
    ranked = key.sort_values(["q", "imp"], kind="stable").index
    table["priority"] = 0
    table.loc[ranked, "priority"] = np.arange(1, len(table) + 1)
    table = table.loc[ranked].reset_index(drop=True)
    protected = protect_table(table, min_cell, n_col="n", keys=["driver", "label"],
                              value_cols=["importance", "importance_ci_low", "importance_ci_high", "performance",
                                          "performance_ci_low", "performance_ci_high", "score", "score_ci_low",
                                          "score_ci_high", "p_top3", "n_eff"],
                              secondary=False)
    protected.loc[protected["suppressed"], ["quadrant", "quadrant_label"]] = None
    protected["priority"] = protected["priority"].astype("Int64").mask(protected["suppressed"].to_numpy())
    protected.attrs.update({"importance_threshold": thr_imp, "performance_threshold": thr_perf, "rule": rule,
                            "score_threshold": (thr_perf if mixed else
                                                float(to_score(thr_perf, float(scale.min), float(scale.max), measure))),
                            "mixed_scales": mixed,
                            "r2": importance.attrs.get("r2"), "measure": measure, "outcome": outcome,
                            "lang": lang, "median_thresholds": sorted({"importance", "performance"} - set(thresholds))})
    return protected


def knobs_to_turn(matrix: pd.DataFrame, lang: str = "nl", top: int | None = None) -> pd.DataFrame:
    """The ranked list of drivers to work on, with CIs, as a reader table.

    Returns
    -------
    pandas.DataFrame
        ``priority, driver, label, quadrant_label, importance (%), importance CI (%), performance,
        performance CI`` for the drivers that are not suppressed, ``priority`` ascending.
    """
    _check_lang(lang)
    shown = matrix[~matrix["suppressed"].astype(bool)].sort_values("priority")
    if top is not None:
        shown = shown.head(top)
    out = pd.DataFrame({
        "priority": shown["priority"].astype(int).to_numpy(),
        "driver": shown["driver"].to_numpy(),
        "label": shown["label"].to_numpy(),
        "quadrant": shown["quadrant_label"].to_numpy(),
        "importance_pct": 100 * shown["importance"].to_numpy(),
        "importance_ci_low_pct": 100 * shown["importance_ci_low"].to_numpy(),
        "importance_ci_high_pct": 100 * shown["importance_ci_high"].to_numpy(),
        "performance": shown["performance"].to_numpy(),
        "performance_ci_low": shown["performance_ci_low"].to_numpy(),
        "performance_ci_high": shown["performance_ci_high"].to_numpy(),
        "score": shown["score"].to_numpy() if "score" in shown else np.nan,
        "score_ci_low": shown["score_ci_low"].to_numpy() if "score" in shown else np.nan,
        "score_ci_high": shown["score_ci_high"].to_numpy() if "score" in shown else np.nan,
        "p_top3": shown["p_top3"].to_numpy() if "p_top3" in shown else np.nan,
        "quadrant_id": shown["quadrant"].to_numpy(),
        "n": shown["n"].to_numpy(),
    })
    return out


def clear_knobs(matrix: pd.DataFrame, lang: str = "nl", top: int | None = 3) -> pd.DataFrame:
    """The knobs to turn: drivers that clearly need improving and are clearly important.

    Only drivers the clear rule puts in ``eerst_verbeteren`` (both intervals wholly on their side);
    ordered by how often they land in the bootstrap's top 3 (``p_top3``, most stable first), then
    by importance. May be empty: then no driver stands out, and the report says so.

    Returns
    -------
    pandas.DataFrame
        As :func:`knobs_to_turn`, at most ``top`` rows, ``priority`` renumbered 1, 2, ...
    """
    if matrix.attrs.get("rule", "clear") != "clear":
        raise AnalysisError("knobs need the clear quadrant rule", key="rule",
                            hint="build the matrix with priority_matrix(..., rule='clear') and bootstrap intervals")
    table = knobs_to_turn(matrix, lang)
    table = table[table["quadrant_id"] == "eerst_verbeteren"].copy()
    table["_p"] = table["p_top3"].fillna(-1.0)
    table = table.sort_values(["_p", "importance_pct"], ascending=[False, False], kind="stable").drop(columns="_p")
    if top is not None:
        table = table.head(top)
    table["priority"] = np.arange(1, len(table) + 1)
    return table.reset_index(drop=True)


# ------------------------------------------------------------------------------------------------
# the plot
# ------------------------------------------------------------------------------------------------
def _overlap(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Overlap area of box ``a`` (x0, y0, x1, y1) with each box in ``b`` (k, 4)."""
    if len(b) == 0:
        return np.zeros(0)
    w = np.clip(np.minimum(a[2], b[:, 2]) - np.maximum(a[0], b[:, 0]), 0, None)
    h = np.clip(np.minimum(a[3], b[:, 3]) - np.maximum(a[1], b[:, 1]), 0, None)
    return w * h


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
    ax.xaxis.set_major_formatter(_drivers.tick_formatter(ax.xaxis, lang))
    ax.yaxis.set_major_formatter(_drivers.tick_formatter(ax.yaxis, lang))
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


def _renderer(fig):
    canvas = fig.canvas
    if not hasattr(canvas, "get_renderer"):
        from matplotlib.backends.backend_agg import FigureCanvasAgg

        canvas = FigureCanvasAgg(fig)
    return canvas.get_renderer()


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

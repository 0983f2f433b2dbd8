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

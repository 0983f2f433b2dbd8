"""Priority matrix: quadrants by hand, performance against direct weighted formulas, the plot's labels."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from meethuis.stats import drivers as dr
from meethuis.stats import priority as pr
from meethuis.report.chapters import prioriteiten
from meethuis.common.errors import AnalysisError
from meethuis.common.plots import alt_text

DRIVERS = ["empathie", "meedenken", "serieus_genomen", "snelheid", "juiste_informatie", "bereikbaarheid"]


def survey(n=600, seed=0):
    """1-5 answers; empathie and meedenken matter most for the grade; snelheid scores low."""
    rng = np.random.default_rng(seed)
    base = rng.normal(size=(n, 1))
    latent = 0.5 * base + rng.normal(size=(n, len(DRIVERS)))
    shift = np.array([0.0, -0.3, 0.4, -0.6, 0.2, 0.5])
    x = np.clip(np.round(3 + latent + shift), 1, 5)
    grade = x @ np.array([0.8, 0.7, 0.3, 0.2, 0.15, 0.1]) + rng.normal(size=n)
    frame = pd.DataFrame(x, columns=DRIVERS)
    frame["tevredenheid"] = np.clip(np.round(grade), 1, 10)
    return frame


def test_classify_by_hand():
    got = pr.classify(np.array([0.3, 0.3, 0.1, 0.1, 0.2]), np.array([3.0, 4.0, 4.0, 3.0, 3.5]), 0.2, 3.5)
    assert list(got) == ["eerst_verbeteren", "koesteren", "bewaken", "minder_urgent", "koesteren"]


def test_matrix_numbers_and_quadrants():
    frame = survey()
    w = np.random.default_rng(1).uniform(0.5, 2.0, len(frame))
    m = pr.priority_matrix(frame, "tevredenheid", DRIVERS, weights=w, rule="point")
    imp = dr.shapley_importance(frame, "tevredenheid", DRIVERS, weights=w).set_index("driver")
    byd = m.set_index("driver")
    for d in DRIVERS:
        assert byd.loc[d, "importance"] == pytest.approx(imp.loc[d, "share"], abs=1e-14)
        assert byd.loc[d, "performance"] == pytest.approx(np.average(frame[d], weights=w), abs=1e-12)
        assert byd.loc[d, "performance_ci_low"] < byd.loc[d, "performance"] < byd.loc[d, "performance_ci_high"]
    thr_i = np.median(imp["share"])
    thr_p = np.median([np.average(frame[d], weights=w) for d in DRIVERS])
    assert m.attrs["importance_threshold"] == pytest.approx(thr_i)
    assert m.attrs["performance_threshold"] == pytest.approx(thr_p)
    for d in DRIVERS:
        important = imp.loc[d, "share"] >= thr_i
        good = np.average(frame[d], weights=w) >= thr_p
        expect = {(True, False): "eerst_verbeteren", (True, True): "koesteren",
                  (False, True): "bewaken", (False, False): "minder_urgent"}[(important, good)]
        assert byd.loc[d, "quadrant"] == expect
        assert byd.loc[d, "quadrant_label"] == pr.QUADRANTS[expect]["nl"]
    # priority: quadrants in the documented order, within a quadrant by importance
    order = {q: i for i, q in enumerate(pr.QUADRANT_ORDER)}
    keys = [(order[q], -i) for q, i in zip(m["quadrant"], m["importance"])]
    assert keys == sorted(keys)
    assert list(m["priority"]) == list(range(1, len(DRIVERS) + 1))
    assert m.loc[0, "quadrant"] == "eerst_verbeteren"
    assert not m["suppressed"].any()


def test_top2_performance_and_configured_thresholds():
    frame = survey(seed=2)
    m = pr.priority_matrix(frame, "tevredenheid", DRIVERS, measure="top2",
                           thresholds={"importance": 0.25, "performance": 0.5}, lang="en", rule="point")
    byd = m.set_index("driver")
    for d in DRIVERS:
        share = float((frame[d] >= 4).mean())  # top-2-box of a 1-5 agree scale
        assert byd.loc[d, "performance"] == pytest.approx(share, abs=1e-14)
        expect = pr.classify(np.array([byd.loc[d, "importance"]]), np.array([share]), 0.25, 0.5)[0]
        assert byd.loc[d, "quadrant"] == expect
        assert byd.loc[d, "quadrant_label"] == pr.QUADRANTS[expect]["en"]
    assert m.attrs["median_thresholds"] == []
    assert byd.loc["empathie", "label"] == "Empathy"


def test_small_driver_is_suppressed_and_left_out_of_medians():
    frame = survey(seed=3)
    frame.loc[8:, "bereikbaarheid"] = np.nan  # only 8 answers
    imp = dr.shapley_importance(frame, "tevredenheid", [d for d in DRIVERS if d != "bereikbaarheid"])
    imp = pd.concat([imp, pd.DataFrame({"driver": ["bereikbaarheid"], "importance": [0.01], "share": [0.03],
                                        "rank": [6], "n_used": [8]})], ignore_index=True)
    m = pr.priority_matrix(frame, "tevredenheid", DRIVERS, importance=imp, min_cell=10)
    row = m.set_index("driver").loc["bereikbaarheid"]
    assert row["suppressed"] and np.isnan(row["performance"]) and np.isnan(row["importance"])
    assert row["quadrant"] is None and "small_cell" in row["reason"]
    rest = m[~m["suppressed"]]
    assert m.attrs["importance_threshold"] == pytest.approx(np.median(rest["importance"]))
    knobs = pr.knobs_to_turn(m)
    assert "bereikbaarheid" not in set(knobs["driver"]) and len(knobs) == 5
    fig = prioriteiten.plot_priority_matrix(m)
    assert "Bereikbaarheid" not in alt_text(fig)


def test_knobs_to_turn_with_bootstrap_cis():
    frame = survey(seed=4)
    m = pr.priority_matrix(frame, "tevredenheid", DRIVERS, n_boot=50, seed=3)
    boot = dr.bootstrap_importance(frame, "tevredenheid", DRIVERS, n_boot=50, seed=3).set_index("driver")
    knobs = pr.knobs_to_turn(m, top=3)
    assert list(knobs["priority"]) == [1, 2, 3]
    for _, k in knobs.iterrows():
        assert k["importance_ci_low_pct"] == pytest.approx(100 * boot.loc[k["driver"], "share_ci_low"])
        assert k["importance_ci_low_pct"] <= k["importance_pct"] <= k["importance_ci_high_pct"]


def test_repel_labels_removes_overlaps():
    rng = np.random.default_rng(5)
    pts = rng.normal(size=(14, 2)) * 15 + 300  # a tight cluster
    sizes = np.tile([70.0, 14.0], (14, 1))
    centres = prioriteiten.repel_labels(pts, sizes, (0, 0, 600, 600))
    boxes = np.column_stack([centres - sizes / 2, centres + sizes / 2])
    for i in range(len(boxes)):
        others = np.delete(boxes, i, axis=0)
        assert prioriteiten._overlap(boxes[i], others).max() == 0.0
        # no label covers any point's marker
        markers = np.column_stack([pts - 4, pts + 4])
        assert prioriteiten._overlap(boxes[i], markers).max() == 0.0
    assert (boxes[:, :2] >= 0).all() and (boxes[:, 2:] <= 600).all()


@pytest.mark.parametrize("lang", ["nl", "en"])
def test_plot_labels_axes_alt_text_and_no_overlap(lang):
    frame = survey(seed=6)
    m = pr.priority_matrix(frame, "tevredenheid", DRIVERS, lang=lang)
    fig = prioriteiten.plot_priority_matrix(m, lang=lang)
    ax = fig.axes[0]
    if lang == "nl":
        assert "Belang" in ax.get_ylabel() and "%" in ax.get_ylabel()
        assert "Score" in ax.get_xlabel() and "0–100" in ax.get_xlabel()
        assert "Eerst verbeteren" in alt_text(fig)
    else:
        assert "Importance" in ax.get_ylabel() and "Improve first" in alt_text(fig)
    texts = {t.get_text() for t in ax.texts}
    assert {pr.QUADRANTS[q][lang].capitalize() for q in pr.QUADRANTS if q != pr.UNCLEAR} <= texts
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    anns = [t for t in ax.texts if t.get_text() in set(m["label"])]
    assert len(anns) == len(DRIVERS)
    boxes = [t.get_window_extent(renderer) for t in anns]
    for i in range(len(boxes)):
        for j in range(i + 1, len(boxes)):
            assert not boxes[i].overlaps(boxes[j]), (anns[i].get_text(), anns[j].get_text())
    ticks = [t.get_text() for t in ax.get_xticklabels() if t.get_text()]
    assert len(set(ticks)) == len(ticks)  # neighbouring ticks never print the same number
    if lang == "nl":
        assert not any("." in t for t in ticks)  # decimal commas only (0-100: whole numbers)


def test_bad_input():
    frame = survey(seed=7)
    with pytest.raises(AnalysisError, match="performance measure"):
        pr.priority_matrix(frame, "tevredenheid", DRIVERS, measure="median")
    with pytest.raises(AnalysisError, match="unknown threshold"):
        pr.priority_matrix(frame, "tevredenheid", DRIVERS, thresholds={"belang": 0.2})
    with pytest.raises(AnalysisError, match="language"):
        pr.priority_matrix(frame, "tevredenheid", DRIVERS, lang="de")
    with pytest.raises(AnalysisError, match="no row for snelheid"):
        imp = dr.shapley_importance(frame, "tevredenheid", ["empathie", "meedenken"])
        pr.priority_matrix(frame, "tevredenheid", ["empathie", "meedenken", "snelheid"], importance=imp)


# -- the clear rule (issue #14) -------------------------------------------------------------------------
def test_classify_clear_by_hand():
    # importance lines at 0.2, performance at 3.5; bounds touching a line are not clear
    got = pr.classify_clear(np.array([0.25, 0.25, 0.10, 0.15, 0.18, 0.25]),
                            np.array([0.35, 0.35, 0.15, 0.19, 0.30, 0.35]),
                            np.array([3.0, 3.6, 3.6, 3.0, 3.0, 3.4]),
                            np.array([3.4, 4.0, 4.0, 3.3, 3.4, 3.5]), 0.2, 3.5)
    assert list(got) == ["eerst_verbeteren", "koesteren", "bewaken", "minder_urgent",
                         pr.UNCLEAR, pr.UNCLEAR]


def test_score_on_0_to_100_by_hand():
    assert pr.to_score(np.array([1.0, 3.0, 5.0]), 1, 5) == pytest.approx([0.0, 50.0, 100.0])
    assert pr.to_score(np.array([3.47, 3.60]), 1, 5) == pytest.approx([61.75, 65.0])
    assert pr.to_score(np.array([0.62]), 1, 5, "top2") == pytest.approx([62.0])


def test_clear_rule_in_the_matrix_and_knobs_with_bootstrap():
    frame = survey(seed=4)
    m = pr.priority_matrix(frame, "tevredenheid", DRIVERS, n_boot=200, seed=3)
    boot = dr.bootstrap_importance(frame, "tevredenheid", DRIVERS, n_boot=200, seed=3).set_index("driver")
    thr_i, thr_p = m.attrs["importance_threshold"], m.attrs["performance_threshold"]
    for _, r in m.iterrows():
        b = boot.loc[r["driver"]]
        clear_i = b["share_ci_low"] > thr_i or b["share_ci_high"] < thr_i
        clear_p = r["performance_ci_low"] > thr_p or r["performance_ci_high"] < thr_p
        if clear_i and clear_p:
            important, good = b["share"] >= thr_i, r["performance"] >= thr_p
            assert r["quadrant"] == {(True, False): "eerst_verbeteren", (True, True): "koesteren",
                                     (False, True): "bewaken", (False, False): "minder_urgent"}[(important, good)]
        else:
            assert r["quadrant"] == pr.UNCLEAR and r["quadrant_label"] == "geen duidelijk verschil"
        assert r["p_top3"] == pytest.approx(b["p_top"])
        assert r["score"] == pytest.approx(100 * (r["performance"] - 1) / 4)
    knobs = pr.clear_knobs(m)
    assert set(knobs["driver"]) == set(m.loc[m["quadrant"] == "eerst_verbeteren", "driver"])
    assert list(knobs["p_top3"]) == sorted(knobs["p_top3"], reverse=True)
    assert list(knobs["priority"]) == list(range(1, len(knobs) + 1))


def test_knobs_are_empty_when_every_driver_is_alike():
    """Known truth: drivers of equal weight and equal mean: no driver is clearly anywhere."""
    rng = np.random.default_rng(11)
    n = 400
    x = np.clip(np.round(3.5 + rng.normal(size=(n, 4))), 1, 5)
    frame = pd.DataFrame(x, columns=DRIVERS[:4])
    frame["tevredenheid"] = np.clip(np.round(4 + 0.5 * x.sum(axis=1) + rng.normal(size=n)), 1, 10)
    m = pr.priority_matrix(frame, "tevredenheid", DRIVERS[:4], n_boot=200, seed=1)
    assert (m["quadrant"] == pr.UNCLEAR).all()
    assert pr.clear_knobs(m).empty
    with pytest.raises(AnalysisError, match="clear quadrant rule"):
        pr.clear_knobs(pr.priority_matrix(frame, "tevredenheid", DRIVERS[:4], rule="point"))


def test_plot_axes_do_not_exaggerate_and_quadrant_names_are_dark():
    from matplotlib.colors import to_rgb

    frame = survey(seed=6)
    m = pr.priority_matrix(frame, "tevredenheid", DRIVERS, n_boot=100)
    fig = prioriteiten.plot_priority_matrix(m)
    ax = fig.axes[0]
    assert ax.get_xlim() == (0.0, 100.0) and ax.get_ylim()[0] == 0.0

    def luminance(c):
        rgb = [v / 12.92 if v <= 0.03928 else ((v + 0.055) / 1.055) ** 2.4 for v in to_rgb(c)]
        return 0.2126 * rgb[0] + 0.7152 * rgb[1] + 0.0722 * rgb[2]

    for t in ax.texts:
        if t.get_text() in {pr.QUADRANTS[q]["nl"].capitalize() for q in pr.QUADRANTS}:
            assert (1.05) / (luminance(t.get_color()) + 0.05) >= 4.5

"""Disclosure control: primary and secondary suppression by hand, idempotence and properties (hypothesis)."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from meethuis.stats.disclosure import TOTAL, assert_protected, protect_table, reason_label
from meethuis.common.errors import AnalysisError


def one_way(ns):
    return pd.DataFrame({"kpi": "tevredenheid_mean", "kanaal": [f"k{i}" for i in range(len(ns))],
                         "estimate": np.linspace(6, 8, len(ns)), "ci_low": 5.0, "ci_high": 9.0, "n": ns})


def test_primary_suppression_threshold():
    t = protect_table(one_way([9, 10, 50]), 10, secondary=False)
    assert list(t["suppressed"]) == [True, False, False]
    assert t.loc[0, ["estimate", "ci_low", "ci_high", "n"]].isna().all()
    assert t.loc[1, "estimate"] == 7.0 and t.loc[1, "n"] == 10
    assert t.loc[0, "reason"] == "small_cell" and pd.isna(t.loc[1, "reason"])
    assert t.loc[0, "kpi"] == "tevredenheid_mean" and t.loc[0, "kanaal"] == "k0"  # labels stay


def test_secondary_suppression_hides_next_smallest():
    # the overall mean is published elsewhere: with one hidden cell it could be recovered from the rest
    t = protect_table(one_way([5, 40, 12, 30]), 10, dims=["kanaal"])
    assert list(t["suppressed"]) == [True, False, True, False]
    assert list(t["reason"].fillna("")) == ["small_cell", "", "secondary", ""]


def test_no_secondary_when_two_hidden_cells_hold_min_cell():
    t = protect_table(one_way([5, 40, 7, 30]), 10, dims=["kanaal"])
    assert list(t["suppressed"]) == [True, False, True, False]
    assert set(t["reason"].dropna()) == {"small_cell"}


def test_union_of_hidden_cells_below_min_cell_gets_a_complement():
    # the Molensloot leak: total 90, 35 and 49 published -> the two hidden cells hold 6 together
    t = protect_table(one_way([2, 35, 4, 49]), 10, dims=["kanaal"])
    assert list(t["suppressed"]) == [True, True, True, False]  # 2 + 4 + 35 = 41 hidden together
    assert t.loc[1, "reason"] == "secondary"


def test_total_row_is_not_a_complement():
    t = one_way([5, 40, 30, 75])
    t.loc[3, "kanaal"] = TOTAL
    p = protect_table(t, 10, dims=["kanaal"])
    assert list(p["suppressed"]) == [True, False, True, False]  # k2 (30) hidden, total stays


def test_groups_are_separate_per_kpi():
    a, b = one_way([5, 40, 30]), one_way([50, 40, 30])
    b["kpi"] = "nps"
    p = protect_table(pd.concat([a, b], ignore_index=True), 10, dims=["kanaal"])
    assert list(p["suppressed"]) == [True, False, True, False, False, False]


def test_two_way_secondary_runs_until_stable():
    # 3 x 3 table with one small cell at (r0, c0); the fix along rows hides (r0, c2) (next-smallest in
    # the row), which leaves column c2 with one hidden cell, and so on until every row/column has 0 or >= 2.
    ns = np.array([[4, 30, 20], [25, 35, 15], [40, 50, 60]])
    t = pd.DataFrame([{"r": f"r{i}", "c": f"c{j}", "estimate": 1.0, "n": ns[i, j]}
                      for i in range(3) for j in range(3)])
    p = protect_table(t, 10, dims=["r", "c"])
    grid = p.pivot(index="r", columns="c", values="suppressed").to_numpy()
    assert grid[0, 0]
    for k in range(3):
        assert grid[k].sum() != 1 and grid[:, k].sum() != 1
    # hand-worked: row r0 -> hide (r0,c2)=20; column c0 -> hide (r1,c0)=25; column c2 -> hide (r1,c2)=15.
    expected = np.array([[1, 0, 1], [1, 0, 1], [0, 0, 0]], dtype=bool)
    np.testing.assert_array_equal(grid, expected)
    assert_protected(p, 10)


def test_assert_protected_catches_leaks():
    t = one_way([5, 40, 30])
    with pytest.raises(AssertionError):
        assert_protected(t, 10)  # never protected
    p = protect_table(t, 10, dims=["kanaal"])
    assert_protected(p, 10)
    leaky = p.copy()
    leaky.loc[0, "estimate"] = 6.5
    with pytest.raises(AssertionError, match="still show"):
        assert_protected(leaky, 10)
    with_total = one_way([5, 40, 30, 75])
    with_total.loc[3, "kanaal"] = TOTAL
    lone = protect_table(with_total, 10, secondary=False)
    lone.attrs["dims"] = ["kanaal"]
    with pytest.raises(AssertionError, match="together hold 5"):
        assert_protected(lone, 10)
    # two hidden cells, but with the total in the table they hold 6 together: a recoverable union
    u = one_way([2, 35, 4, 49, 90])
    u.loc[4, "kanaal"] = TOTAL
    union = protect_table(u, 10, secondary=False)
    union.attrs["dims"] = ["kanaal"]
    with pytest.raises(AssertionError, match="together hold 6"):
        assert_protected(union, 10)
    assert_protected(protect_table(u, 10, dims=["kanaal"]), 10)


def test_bad_arguments():
    with pytest.raises(AnalysisError, match="min_cell"):
        protect_table(one_way([5, 40]), 0)
    with pytest.raises(AnalysisError, match="'n'"):
        protect_table(one_way([5, 40]).drop(columns="n"), 10)
    with pytest.raises(AnalysisError, match="'leeftijd'"):
        protect_table(one_way([5, 40]), 10, dims=["leeftijd"])


def test_reason_label():
    assert reason_label("small_cell") == "te weinig respondenten"
    assert reason_label("small_cell;secondary", "en") == "too few respondents; hidden to protect a small group"


@st.composite
def tables(draw):
    rows = draw(st.integers(1, 5))
    cols = draw(st.integers(1, 5))
    ns = draw(st.lists(st.integers(0, 40), min_size=rows * cols, max_size=rows * cols))
    t = pd.DataFrame([{"kpi": "x", "r": f"r{i}", "c": f"c{j}", "estimate": float(ns[i * cols + j]) / 3,
                       "n": ns[i * cols + j]} for i in range(rows) for j in range(cols)])
    return t, draw(st.integers(1, 15))


@settings(max_examples=80, deadline=None)
@given(tables())
def test_property_no_small_cell_published_and_idempotent(case):
    t, min_cell = case
    p = protect_table(t, min_cell, dims=["r", "c"])
    assert_protected(p, min_cell)
    assert not (p["n"] < min_cell).any()
    assert (p.loc[~p["suppressed"], "estimate"] == t.loc[~p["suppressed"], "estimate"]).all()
    again = protect_table(p, min_cell, dims=["r", "c"])
    pd.testing.assert_frame_equal(again, p)


@settings(max_examples=120, deadline=None)
@given(tables(), st.booleans())
def test_property_every_recoverable_union_rests_on_zero_or_min_cell(case, with_totals):
    # Brute force with the true counts: every 0/1 combination of hidden cells that is a linear combination
    # of the row and column sums (published as totals) must hold 0 or >= min_cell respondents.
    from itertools import combinations

    t, min_cell = case
    if with_totals:  # put the margins in the table too: assert_protected then checks like a reader would
        rows = [t]
        for dim, other in (("r", "c"), ("c", "r")):
            m = t.groupby(other, as_index=False)["n"].sum().assign(kpi="x", estimate=1.0, **{dim: TOTAL})
            rows.append(m)
        rows.append(pd.DataFrame([{"kpi": "x", "r": TOTAL, "c": TOTAL, "estimate": 1.0, "n": t["n"].sum()}]))
        t = pd.concat(rows, ignore_index=True)
    p = protect_table(t, min_cell, dims=["r", "c"])
    assert_protected(p, min_cell)
    cells = t[(t["r"] != TOTAL) & (t["c"] != TOTAL)]
    hidden = [i for i in cells.index if p.loc[i, "suppressed"]]
    eqs = [[i for i in hidden if cells.loc[i, d] == v] for d in ("r", "c") for v in cells[d].unique()]
    eqs = [e for e in eqs if e]
    if not hidden or len(hidden) > 10:
        return
    m = np.array([[1.0 if i in e else 0.0 for i in hidden] for e in eqs])
    # a union of whole rows or columns is made of totals: as small as those, protected where they are shown
    whole = [set(cells.index[cells[d] == v]) for d in ("r", "c") for v in cells[d].unique()]
    for k in range(1, len(hidden) + 1):
        for sub in combinations(range(len(hidden)), k):
            v = np.zeros(len(hidden))
            v[list(sub)] = 1
            coef, *_ = np.linalg.lstsq(m.T, v, rcond=None)
            if np.abs(m.T @ coef - v).max() < 1e-8:
                total = sum(int(t.loc[hidden[j], "n"]) for j in sub)
                union = {hidden[j] for j in sub}
                if not all(any(i in g and g <= union for g in whole) for i in union):  # not totals alone
                    assert total == 0 or total >= min_cell, (sub, total)


def test_small_counts_are_blanked_and_row_partition_kept():
    # completeness table: n + nvt + weet_niet + missing = 150 respondents (published elsewhere)
    t = pd.DataFrame({"item": ["a", "b", "c"], "n": [143, 120, 100], "nvt": [0, 12, 30], "weet_niet": [0, 3, 12],
                      "missing": [7, 15, 8], "valid_share": [143 / 150, 120 / 150, 100 / 150]})
    p = protect_table(t, 10).set_index("item")
    # a: missing 7 alone would be 150 - 143: nothing else to hide with it, so the row goes
    assert p.loc["a", "suppressed"] and pd.isna(p.loc["a", "n"])
    # b: weet_niet 3 hidden; with it the next smallest count (nvt 12) so the two hold 15 together
    assert not p.loc["b", "suppressed"] and pd.isna(p.loc["b", "weet_niet"]) and pd.isna(p.loc["b", "nvt"])
    assert p.loc["b", "missing"] == 15 and p.loc["b", "n"] == 120
    # c: missing 8 hidden together with weet_niet 12 (20)
    assert pd.isna(p.loc["c", "missing"]) and pd.isna(p.loc["c", "weet_niet"]) and p.loc["c", "nvt"] == 30
    assert "small_count" in p.loc["c", "reason"]
    assert_protected(p.reset_index(), 10)
    leaky = p.reset_index()
    leaky.loc[2, "missing"] = 8
    with pytest.raises(AssertionError, match="count 'missing'"):
        assert_protected(leaky, 10)


# -- one rule for the whole report: groups hidden in one table are hidden in every table -----------------
def _respondents(groups: dict, missing_answers: dict | None = None, no_value: int = 0) -> pd.DataFrame:
    rows = []
    for g, k in groups.items():
        unanswered = (missing_answers or {}).get(g, 0)
        rows += [{"kanaal": g, "tevredenheid": np.nan if i < unanswered else 7.0} for i in range(k)]
    rows += [{"kanaal": None, "tevredenheid": 7.0}] * no_value
    return pd.DataFrame(rows)


def test_hidden_groups_by_hand():
    from meethuis.stats.disclosure import hidden_groups

    # three small channels hold 6 + 8 + 3 = 17 together: no complement needed
    frame = _respondents({"telefoon": 24, "website": 6, "e-mail": 8, "post": 3})
    assert hidden_groups(frame, ["kanaal"], 10)["kanaal"] == {"website", "e-mail", "post"}
    # one small channel (4): the smallest other channel (balie, 25) is hidden with it
    frame = _respondents({"telefoon": 30, "balie": 25, "post": 4})
    assert hidden_groups(frame, ["kanaal"], 10)["kanaal"] == {"post", "balie"}
    # no small channel, but 3 respondents without a channel are the rest of the total: hide the smallest
    frame = _respondents({"telefoon": 30, "balie": 25}, no_value=3)
    assert hidden_groups(frame, ["kanaal"], 10)["kanaal"] == {"balie"}
    # 12 respondents on balie, but only 8 answered the grade: hidden (answers count per question)
    frame = _respondents({"telefoon": 30, "balie": 12, "website": 20}, missing_answers={"balie": 4})
    assert hidden_groups(frame, ["kanaal"], 10)["kanaal"] == set()  # 12 respondents
    assert hidden_groups(frame, ["kanaal"], 10, items=["tevredenheid"])["kanaal"] == {"balie", "website"}
    # nothing small: nothing hidden; a column that is not there is left out
    frame = _respondents({"telefoon": 30, "balie": 25})
    assert hidden_groups(frame, ["kanaal", "dienst"], 10) == {"kanaal": frozenset()}
    # a group published in full elsewhere (the report's own quarter) is the last choice as complement
    quarters = pd.DataFrame({"periode": ["2026Q1"] * 4 + ["2026Q2"] * 30 + ["2026Q3"] * 20})
    assert hidden_groups(quarters, ["periode"], 10)["periode"] == {"2026Q1", "2026Q3"}
    assert hidden_groups(quarters, ["periode"], 10, keep={"2026Q3"})["periode"] == {"2026Q1", "2026Q2"}


def test_protect_table_hides_the_reports_groups_everywhere():
    t = one_way([40, 30, 25, 50])
    t.loc[3, "kanaal"] = TOTAL
    p = protect_table(t, 10, dims=["kanaal"], hidden={"kanaal": {"k1", "k2"}})
    assert list(p["suppressed"]) == [False, True, True, False]  # the total row stays
    assert list(p["reason"].fillna("")) == ["", "linked", "linked", ""]
    assert p.loc[[1, 2], ["estimate", "n"]].isna().all().all()
    assert reason_label("linked").startswith("in het hele rapport verborgen")
    again = protect_table(p, 10, dims=["kanaal"], hidden={"kanaal": {"k1", "k2"}})
    pd.testing.assert_frame_equal(again, p)
    # long tables (variable, category) and regression terms are matched too
    from meethuis.stats.disclosure import linked_rows

    long = pd.DataFrame({"variable": ["leeftijdsgroep", "leeftijdsgroep", "kanaal"], "category": ["65+", "18-34", "65+"]})
    assert list(linked_rows(long, {"leeftijdsgroep": {"65+"}})) == [True, False, False]
    terms = pd.DataFrame({"term": ["Intercept", "C(kanaal)[T.post]", "C(kanaal)[T.telefoon]", "doorverwezen"]})
    assert list(linked_rows(terms, {"kanaal": {"post"}})) == [False, True, False, False]


def test_cross_table_scan_finds_groups_shown_elsewhere_and_totals_elsewhere():
    from meethuis.stats.disclosure import cross_table_findings

    per_channel = pd.DataFrame({"kpi": "tevredenheid_mean", "kanaal": ["telefoon", "website", "e-mail", "post"],
                                "estimate": [7.3, np.nan, np.nan, np.nan], "n": [24, np.nan, np.nan, np.nan],
                                "suppressed": [False, True, True, True],
                                "reason": [None, "small_cell", "secondary", "small_cell"]})
    overall = pd.DataFrame({"kpi": ["tevredenheid_mean"], "estimate": [6.8], "n": [41], "suppressed": [False]})
    # the ISR attack: a coefficient against a hidden channel gives its mean back
    regression = pd.DataFrame({"term": ["Intercept", "C(kanaal)[T.telefoon]"], "coef": [6.0, 1.25],
                               "label": ["Constante", "Kanaal telefoon (tegenover e-mail)"]})
    found = cross_table_findings({"kanaal.csv": per_channel, "kengetallen.csv": overall, "regressie.csv": regression})
    assert len(found) == 1 and "involves kanaal 'e-mail'" in found[0], found
    shown = pd.DataFrame({"kpi": "nps", "kanaal": ["post", "telefoon"], "estimate": [10.0, 12.0], "n": [12, 40],
                          "suppressed": [False, False]})
    found = cross_table_findings({"kanaal.csv": per_channel, "nps.csv": shown})
    assert len(found) == 1 and "shows kanaal 'post'" in found[0]
    # hidden cells against the overall n of another table: 41 - 24 - 30 = ... a small rest is found
    leaky = per_channel.assign(n=[24, np.nan, 12, np.nan], suppressed=[False, True, False, True],
                               estimate=[7.3, np.nan, 6.0, np.nan])
    found = cross_table_findings({"kanaal.csv": leaky, "kengetallen.csv": overall})
    assert len(found) == 1 and "hold 5 respondent(s)" in found[0], found
    # counts of respondents against the report text ("Gebaseerd op 44 respondenten")
    ages = pd.DataFrame({"variable": "Leeftijdsgroep", "category": ["65+", "35-49", "50-64", "18-34"],
                         "n": [np.nan, 11, 12, 13], "suppressed": [True, False, False, False]})
    found = cross_table_findings({"representativiteit.csv": ages}, "Gebaseerd op 44 respondenten (3e kwartaal)")
    assert len(found) == 1 and "hold 8 respondent(s)" in found[0]
    assert cross_table_findings({"representativiteit.csv": ages}, "Gebaseerd op 55 respondenten") == []


def _hidden_groups_reference(frame, columns, min_cell=10, items=(), keep=()):
    """The former hidden_groups: one text comparison per group, answered array and row (slow, plain)."""
    out = {}
    items = [i for i in items if i in frame.columns]
    answered = [np.ones(len(frame), bool)] + [frame[i].notna().to_numpy() for i in items]
    for col in columns:
        if col not in frame.columns:
            continue
        values = frame[col].astype("string")
        known = values.notna().to_numpy()
        levels = sorted(values.dropna().unique())
        counts = np.array([[int((a & (values == lv).fillna(False).to_numpy()).sum()) for lv in levels]
                           for a in answered]).reshape(len(answered), len(levels))
        outside = np.array([int((a & ~known).sum()) for a in answered])
        hide = ((counts > 0) & (counts < min_cell)).any(axis=0)
        while True:
            union = counts[:, hide].sum(axis=1) + outside
            if not ((union > 0) & (union < min_cell)).any() or hide.all():
                break
            free = np.flatnonzero(~hide)
            kept = np.array([str(levels[j]) in keep for j in free])
            hide[free[np.lexsort((counts[0, free], counts[0, free] <= 0, kept))[0]]] = True
        out[col] = frozenset(str(lv) for lv, h in zip(levels, hide) if h)
    return out


def test_hidden_groups_counts_per_distinct_value_equal_the_row_by_row_rule():
    """The fast rule (one factorize per column) equals the former per-row text comparisons on foreign shapes:
    a categorical with unused categories, text with blanks, integer codes, floats, mixed 1 / '1', booleans."""
    from meethuis.stats.disclosure import _text_levels, hidden_groups

    rng = np.random.default_rng(7)
    n = 600
    pick = lambda values, p=None: rng.choice(np.array(values, dtype=object), n, p=p)  # noqa: E731
    frame = pd.DataFrame({
        "kanaal": pd.Categorical(pick(["telefoon", "balie", "post", None], [0.6, 0.3, 0.02, 0.08]),
                                 categories=["telefoon", "balie", "post", "chat"]),
        "REGELING": pd.array(pick(["Toeslag A", "toeslag b", "C", None], [0.5, 0.45, 0.01, 0.04]), dtype="string"),
        "code": pick([1, 2, 3, 97], [0.5, 0.45, 0.04, 0.01]).astype(int),
        "score": pick([1.0, 2.5, np.nan, 4.0], [0.49, 0.49, 0.01, 0.01]).astype(float),
        "mixed": pick([1, "1", "2", None], [0.3, 0.3, 0.39, 0.01]),
        "flag": pick([True, False], [0.985, 0.015]).astype(bool),
        "y": np.where(rng.random(n) < 0.1, np.nan, 7.0),
    })
    columns = ["kanaal", "REGELING", "code", "score", "mixed", "flag", "absent"]
    for min_cell in (5, 10, 40):
        for items in ((), ("y",)):
            assert hidden_groups(frame, columns, min_cell, items) == \
                _hidden_groups_reference(frame, columns, min_cell, items)
    assert hidden_groups(frame.iloc[:0], columns, 10) == _hidden_groups_reference(frame.iloc[:0], columns, 10)
    levels, level = _text_levels(frame["mixed"])
    assert levels == ["1", "2"] and set(level[frame["mixed"].isna().to_numpy()]) == {-1}

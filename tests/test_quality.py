"""Measurement quality: R psych reference values, closed forms, known-truth simulation and hand-worked tables."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from meethuis.common.errors import AnalysisError, DataError
from meethuis.stats.quality import cronbach_alpha, item_nonresponse, item_rest, mcdonald_omega, reliability_table, representativeness, straightlining, straightlining_summary

FIXTURES = Path(__file__).parent / "fixtures"
REF = json.loads((FIXTURES / "r_reliability_reference.json").read_text())
DATA = pd.DataFrame(REF["data"])
ITEMS = list(DATA.columns)


def test_alpha_and_feldt_ci_match_r_psych():
    a = cronbach_alpha(DATA, ITEMS)
    assert a.alpha == pytest.approx(REF["alpha"], abs=1e-12)
    assert a.ci_low == pytest.approx(REF["alpha_feldt_lower"], abs=1e-10)
    assert a.ci_high == pytest.approx(REF["alpha_feldt_upper"], abs=1e-10)
    assert (a.n, a.k) == (150, 5)


def test_omega_matches_r_psych_ml():
    assert mcdonald_omega(DATA, ITEMS) == pytest.approx(REF["omega_total"], abs=1e-6)


def test_item_rest_matches_r_psych():
    t = item_rest(DATA, ITEMS).set_index("item")
    for item in ITEMS:
        assert t.loc[item, "item_rest"] == pytest.approx(REF["item_rest"][item], abs=1e-12)
        assert t.loc[item, "alpha_if_deleted"] == pytest.approx(REF["alpha_if_deleted"][item], abs=1e-12)


def test_alpha_closed_forms():
    x = np.array([1.0, 2, 3, 4, 5, 3])
    assert cronbach_alpha(pd.DataFrame({"a": x, "b": x}), ["a", "b"]).alpha == pytest.approx(1.0)
    # hand-worked: a = (1,2,3), b = (2,2,5): var a = 1, var b = 3, total (3,4,8) var = 7
    # alpha = 2 * (1 - 4/7) = 6/7
    d = pd.DataFrame({"a": [1.0, 2, 3], "b": [2.0, 2, 5]})
    assert cronbach_alpha(d, ["a", "b"]).alpha == pytest.approx(6 / 7)


def test_omega_recovers_known_truth():
    rng = np.random.default_rng(8)
    lam = np.array([0.8, 0.7, 0.6, 0.5])
    f = rng.normal(size=20000)
    x = f[:, None] * lam + rng.normal(size=(20000, 4)) * np.sqrt(1 - lam**2)
    truth = lam.sum() ** 2 / (lam.sum() ** 2 + (1 - lam**2).sum())
    assert mcdonald_omega(pd.DataFrame(x, columns=list("abcd")), list("abcd")) == pytest.approx(truth, abs=0.01)


def test_reliability_table_for_constructs():
    t = reliability_table(DATA).set_index("construct")
    assert t.loc["menselijke_maat", "alpha"] == pytest.approx(REF["alpha"])
    assert t.loc["menselijke_maat", "omega"] == pytest.approx(REF["omega_total"], abs=1e-6)
    assert np.isnan(t.loc["basis", "alpha"]) and t.loc["basis", "reason"] == "too_few_items"


def test_reliability_errors():
    d = DATA.copy()
    d["luisteren"] = 3.0
    with pytest.raises(AnalysisError, match="no variance"):
        cronbach_alpha(d, ITEMS)
    with pytest.raises(AnalysisError, match="only 2 respondent"):
        cronbach_alpha(DATA.iloc[:2], ITEMS)
    with pytest.raises(DataError, match="snelheid"):
        cronbach_alpha(DATA, ITEMS + ["snelheid"])
    with pytest.raises(AnalysisError, match="at least 3"):
        mcdonald_omega(DATA, ITEMS[:2])
    d.loc[:, "luisteren"] = np.nan
    t = reliability_table(d, constructs=["menselijke_maat"])
    assert np.isnan(t["alpha"].iloc[0]) and "answered all" in t["reason"].iloc[0]


def test_item_nonresponse_counts():
    mr = pd.DataFrame({"empathie": [None, "nvt", "weet_niet", None, "missing"],
                       "snelheid": [None, None, None, None, "nvt"]})
    t = item_nonresponse(mr).set_index("item")
    assert t.loc["empathie", ["answered", "nvt", "weet_niet", "missing"]].tolist() == [2, 1, 1, 1]
    assert t.loc["empathie", "share_nvt"] == pytest.approx(0.2)
    assert t.loc["snelheid", "share_answered"] == pytest.approx(0.8)
    with pytest.raises(DataError, match="unknown missing-value"):
        item_nonresponse(pd.DataFrame({"x": ["99"]}))


def test_straightlining():
    d = pd.DataFrame({"a": [3, 3, 5, 3, 1], "b": [3, 3, 5, 3, 1], "c": [3, 2, 5, np.nan, 1],
                      "d": [3, 3, 5, 3, 1], "e": [3, 3, 5, 3, 1], "f": [3, 3, 5, 3, np.nan]}, dtype=float)
    flag = straightlining(d, list("abcdef"))
    assert flag.tolist() == [True, False, True, True, True]  # row 3 and 4: 5 identical answers, 1 missing
    assert straightlining(d, list("abcdef"), min_items=6).tolist() == [True, False, True, False, False]
    s = straightlining_summary(d, {"drivers": list("abcdef")})
    assert s.loc[0, "straightliners"] == 4 and s.loc[0, "share"] == pytest.approx(0.8)
    with pytest.raises(AnalysisError, match="at least 5"):
        straightlining(d, list("abcd"))
    # a block of four questions cannot show straight-lining: no row (and no error), so a survey with four
    # drivers still gets its measurement-quality chapter
    four = straightlining_summary(d, {"drivers": list("abcd"), "all": list("abcdef")})
    assert list(four["block"]) == ["all"] and four.loc[0, "straightliners"] == 4
    assert straightlining_summary(d, {"drivers": list("abcd")}).empty


def test_representativeness_before_and_after_weighting():
    d = pd.DataFrame({"leeftijdsgroep": ["18-34"] * 6 + ["65+"] * 2 + [None] * 2})
    w = np.r_[np.full(6, 0.5), np.full(2, 1.5), [1.0, 1.0]]
    t = representativeness(d, {"leeftijdsgroep": {"18-34": 0.5, "65+": 0.5}}, weights=w)
    old = t[t["category"] == "65+"].iloc[0]
    assert old["sample"] == pytest.approx(0.25) and old["population"] == 0.5
    assert old["ratio"] == pytest.approx(0.5) and old["representation"] == "under"
    assert old["weighted"] == pytest.approx(3 / 6)
    assert t.iloc[0]["category"] == "65+"  # most under-represented first
    assert t[t["category"] == "18-34"]["representation"].iloc[0] == "over"  # ratio 1.5 > 1 / 0.8


def test_omega_is_the_same_on_every_run():
    """The ML fit starts from seeded EM values: two fits of the same data give the same bits."""
    assert mcdonald_omega(DATA, ITEMS) == mcdonald_omega(DATA, ITEMS)


def test_chapter_says_when_straight_lining_was_not_checked():
    from meethuis.intake.codebook import load_codebook
    from meethuis.report.chapters.meetkwaliteit import quality_sentences
    from meethuis.stats.disclosure import protect_table

    d = pd.DataFrame({c: [1.0, 2.0, 3.0] * 5 for c in "abcd"})
    straight = protect_table(straightlining_summary(d, {"drijfveren": list("abcd")}), 10)
    reliability = pd.DataFrame(columns=["construct", "alpha", "suppressed"])
    nl = quality_sentences(reliability, straight, load_codebook(), "nl")
    assert nl == ["Rechtlijnig invullen (overal hetzelfde antwoord) is niet bekeken: daarvoor zijn minstens vijf "
                  "drijfveer-vragen nodig."]
    assert "at least five" in quality_sentences(reliability, straight, load_codebook(), "en")[0]

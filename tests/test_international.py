"""The A-11-shaped summary: which A-11 items are filled, the shares against a hand count, suppression, opt-in."""
from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest

from meethuis.common.errors import ConfigError
from meethuis.improve.international import a11_matches, a11_options, a11_summary
from meethuis.intake.validate import load_survey
from meethuis.report.chapters.benchmark import a11_view, describe_a11
from meethuis.sample import sample_config
from meethuis.stats.disclosure import assert_protected
from meethuis.stats.weights import survey_weights


@pytest.fixture(scope="module")
def survey():
    return load_survey(sample_config("molensloot"))


def test_best_close_match_per_a11_item(survey):
    rows = {m.counterpart: (m.id, m.strength) for m in a11_matches(survey.config)}
    assert rows == {"satisfaction": ("tevredenheid", "close"), "trust": ("vertrouwen", "same"),
                    "effectiveness": ("effectiviteit", "same"), "ease": ("gemak", "close"),
                    "efficiency": ("snelheid", "close"), "employee_helpfulness": ("vriendelijkheid", "close"),
                    "transparency": ("duidelijkheid", "close")}  # equity has only partial matches


@pytest.mark.parametrize("weighted", [False, True])
def test_shares_agree_with_a_hand_count(survey, weighted):
    r = survey.responses[survey.responses["periode"] == "2026Q3"].reset_index(drop=True)
    w = survey_weights(r, survey.config) if weighted else None
    table = a11_summary(r, survey.config, weights=w, volume=3000, offered=2000)
    assert_protected(table, 10)
    for _, row in table.iterrows():
        x = r[row["item"]].to_numpy(float)
        ok = ~np.isnan(x)
        agree = (x >= (8 if row["item"] == "tevredenheid" else 4))[ok]
        ww = np.ones(ok.sum()) if w is None else w.to_numpy(float)[ok]
        assert row["estimate"] == pytest.approx(float((ww * agree).sum() / ww.sum()), abs=1e-12), row["item"]
        assert row["n"] == ok.sum() and row["ci_low"] < row["estimate"] < row["ci_high"]
    assert table.attrs["respondents"] == len(r)
    text = describe_a11(table)
    assert "Volume (klanten): 3.000; uitgenodigd: 2.000" in text and f"respondenten: {len(r)}" in text
    assert "respons " in text


def test_small_groups_are_suppressed_and_view_keeps_n(survey):
    r = survey.responses.head(8)
    table = a11_summary(r, survey.config)
    assert table["suppressed"].all() and table["estimate"].isna().all()
    view = a11_view(table, "en")
    assert {"n", "suppressed", "A-11 item", "our question"} <= set(view.columns)
    assert "unknown" in describe_a11(table, "en")


def test_opt_in_from_the_config(survey):
    assert a11_options(survey.config) == {}  # molensloot.yml: benchmark: {a11: true}
    off = dataclasses.replace(survey.config, raw={**survey.config.raw, "benchmark": {}})
    assert a11_options(off) is None
    some = dataclasses.replace(survey.config, raw={**survey.config.raw, "benchmark": {"a11": {"offered": 900}}})
    assert a11_options(some) == {"offered": 900}
    bad = dataclasses.replace(survey.config, raw={**survey.config.raw, "benchmark": {"a11": {"offered": "veel"}}})
    with pytest.raises(ConfigError, match="benchmark.a11"):
        a11_options(bad)


def test_an_organisation_without_close_items_gets_one_sentence(survey):
    r = pd.DataFrame({"tevredenheid": [7.0] * 20})
    cfg = dataclasses.replace(survey.config, columns={})
    table = a11_summary(r, cfg)
    assert table.empty and describe_a11(table).startswith("Geen van onze vragen")

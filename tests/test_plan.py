"""The chapter plan (report/plan.py), own outcomes/scales/segments in the config, and chapters that step aside."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from meethuis.common.errors import ConfigError
from meethuis.intake.config import load_config
from meethuis.intake.validate import load_survey
from meethuis.report import plan as chapter_plan_module
from meethuis.report.html import drop_empty_headings
from meethuis.report.display import table_html
from meethuis.report.plan import Need, chapter_plan, declare, needs_of, plan_text
from meethuis.report.runner import chapters_available
from meethuis.sample import sample_config
from meethuis.stats.kpi import kpi_table


def _foreign(tmp_path, n=300, seed=3, extra_yaml=""):
    """A survey with an 0/1 outcome, a text outcome, 1-7 and 0-10 items, no id and no period column."""
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame({
        "Happy": rng.integers(0, 2, n),
        "Verdict": rng.choice(["satisfied", "not satisfied", "n/a"], n),
        "Wifi": rng.integers(1, 8, n),
        "Boarding": rng.integers(0, 11, n),
        "Age": rng.integers(18, 90, n),
        "Travel": rng.choice(["Business", "Personal"], n),
    })
    frame.to_csv(tmp_path / "s.csv", index=False)
    (tmp_path / "org.yml").write_text(f"""\
organisation: {{id: proef, name: Proef}}
data:
  file: s.csv
  period: {{value: 2024Q2}}
  columns: {{}}
extra_items:
  - {{id: happy, column: Happy, role: outcome, scale: {{type: binary, labels: {{0: no, 1: yes}}}}}}
  - {{id: verdict, column: Verdict, role: outcome, scale: {{positive: satisfied}}}}
  - {{id: wifi, column: Wifi, role: driver, family: service, scale: {{min: 1, max: 7}}, label: {{nl: Wifi, en: Wifi}}}}
  - {{id: boarding, column: Boarding, role: driver, family: service, scale: {{min: 0, max: 10}}}}
analysis:
  outcomes: [happy]
  drivers: {{service: [wifi, boarding]}}
segments:
  reis: Travel
  leeftijd: {{column: Age, bins: [18, 35, 50, 65, 120]}}
{extra_yaml}""", encoding="utf-8")
    return frame, tmp_path / "org.yml"


def test_foreign_config_reads_scales_segments_and_single_wave(tmp_path):
    frame, path = _foreign(tmp_path)
    config = load_config(path)
    assert config.respondent_id is None and config.period.value == "2024Q2"
    assert config.outcomes() == ["happy"] and config.drivers() == ["wifi", "boarding"]
    assert config.driver_families() == {"service": ["wifi", "boarding"]}
    assert config.codebook.label("wifi", "en") == "Wifi" and config.codebook.label("happy", "nl") == "Happy"
    assert set(config.missing_core()) == set(config.codebook.core_items())
    survey = load_survey(config)
    r = survey.responses
    ids = r["respondent_id"].astype(int)  # the row number in the file
    assert list(ids) == list(range(ids.iloc[0], ids.iloc[0] + len(frame)))
    assert (r["periode"] == "2024Q2").all()
    # text outcome: the positive category is 1, every other answer 0, n/a missing
    expected = frame["Verdict"].map({"satisfied": 1.0, "not satisfied": 0.0, "n/a": np.nan})
    assert np.array_equal(r["verdict"].to_numpy(), expected.to_numpy(), equal_nan=True)
    # numbers binned: [18, 35) -> 18-34 ... [65, 120) -> 65-119
    bins = pd.cut(frame["Age"], [18, 35, 50, 65, 120], right=False, labels=["18-34", "35-49", "50-64", "65-119"])
    assert (r["leeftijd"].astype(str) == bins.astype(str)).all()
    assert set(r["reis"].astype(str)) == {"Business", "Personal"}


def test_binary_outcome_is_a_share_not_a_mean(tmp_path):
    frame, path = _foreign(tmp_path)
    config = load_config(path)
    r = load_survey(config).responses
    table = kpi_table(r, items=["happy"], codebook=config.codebook)
    assert list(table["statistic"]) == ["share"]
    assert table["estimate"].iloc[0] == pytest.approx(frame["Happy"].mean(), abs=1e-12)
    assert table["ci_low"].iloc[0] < table["estimate"].iloc[0] < table["ci_high"].iloc[0] < 1
    assert "happy_mean" not in set(table["kpi"])  # never an average "grade" of a 0/1 answer


def test_plan_steps_aside_with_reason_and_key(tmp_path):
    _, path = _foreign(tmp_path)
    config = load_config(path)
    plan = {p.chapter: p for p in chapter_plan(config, load_survey(config).responses, chapters_available())}
    assert plan["05_drijfveren"].runs and plan["03_kpis"].runs
    for chapter, key in (("07_trends", "data.period"), ("08_benchmark", "benchmark.folder"),
                         ("10_feedback", "data.columns.open_antwoord"), ("02_representativiteit", "weighting.margins"),
                         ("09_procesdata", "process, process_measures")):
        assert not plan[chapter].runs and key in [n.key for n in plan[chapter].unmet]
        assert key in plan[chapter].reason("nl") and "overgeslagen" in plan[chapter].reason("nl")
    text = plan_text(list(plan.values()), "en")
    assert "07_trends" in text and "only one measurement" in text


def test_sample_plan_runs_every_chapter_with_inputs():
    config = load_config(sample_config("molensloot"))
    plan = {p.chapter: p for p in chapter_plan(config, load_survey(config).responses, chapters_available())}
    assert all(p.runs for p in plan.values()), [p.chapter for p in plan.values() if not p.runs]


def test_a_new_chapter_declares_its_needs():
    declare("99_test", Need("x", "er is geen x", "there is no x", "x", lambda c, r: False))
    try:
        assert needs_of("99_test")[0].key == "x"
    finally:
        chapter_plan_module._NEEDS.pop("99_test")


def test_real_organisation_cannot_use_the_fictional_samples(tmp_path):
    _, path = _foreign(tmp_path, extra_yaml="benchmark: {samples: true}\n")
    with pytest.raises(ConfigError, match="never compared with the fictional samples"):
        load_config(path)


def test_decimal_recode_states_the_whole_code_rule(tmp_path):
    _, path = _foreign(tmp_path)
    text = path.read_text().replace("scale: {min: 1, max: 7}", "scale: {min: 1, max: 7}, recode: {7: 6.5}")
    path.write_text(text)
    with pytest.raises(ConfigError, match=r"whole code from 1 to 7") as e:
        load_survey(load_config(path))
    assert "extra_items" in str(e.value)  # the hint: declare the item with its own scale


def test_empty_headings_and_dash_only_tables_are_left_out():
    parts = ["<h1>T</h1>", "<h2>A</h2>", "<p>x</p>", "<h2>B</h2>", "<h3>c</h3>", "<h2>D</h2>"]
    assert drop_empty_headings(parts) == ["<h1>T</h1>", "<h2>A</h2>", "<p>x</p>"]
    table = pd.DataFrame({"group": ["a", "b", "c"], "estimate": [np.nan] * 3, "n": [np.nan] * 3,
                          "suppressed": [True] * 3})
    html = table_html(table, "Per groep", 10, "nl")
    assert "3 regels niet getoond (minder dan 10 respondenten)" in html and "\u2014" not in html


def test_reliability_on_common_scale_matches_hand_alpha(tmp_path):
    from meethuis.report.chapters.meetkwaliteit import common_scale
    from meethuis.stats.quality import reliability_table

    _, path = _foreign(tmp_path, n=400)
    config = load_config(path)
    r = load_survey(config).responses
    rng = np.random.default_rng(1)
    base = rng.normal(size=len(r))  # correlated items so alpha is well away from 0
    r["wifi"] = np.clip(np.round(4 + 1.5 * base + rng.normal(size=len(r))), 1, 7)
    r["boarding"] = np.clip(np.round(5 + 2.5 * base + rng.normal(size=len(r))), 0, 10)
    table = reliability_table(common_scale(r, config.codebook), config.codebook, constructs=["service"])
    x = np.column_stack([(r["wifi"] - 1) / 6 * 100, r["boarding"] / 10 * 100])
    k = 2
    alpha = k / (k - 1) * (1 - x.var(axis=0, ddof=1).sum() / x.sum(axis=1).var(ddof=1))
    assert table["alpha"].iloc[0] == pytest.approx(alpha, abs=1e-10)
    raw = reliability_table(r, config.codebook, constructs=["service"])["alpha"].iloc[0]
    assert abs(raw - alpha) > 1e-3  # on raw codes the 0-10 item would weigh more


def test_common_scale_leaves_the_shared_model_alphas_unchanged():
    from meethuis.report.chapters.meetkwaliteit import common_scale
    from meethuis.stats.quality import reliability_table

    config = load_config(sample_config("isr"))
    r = load_survey(config).responses
    before = reliability_table(r, config.codebook)
    after = reliability_table(common_scale(r, config.codebook), config.codebook)
    assert np.allclose(before["alpha"], after["alpha"], atol=1e-10, equal_nan=True)


@pytest.mark.slow
def test_partial_process_fields_run_the_process_chapter(tmp_path):
    """Process data with only a throughput time: the chapter runs what it can, no other section appears."""
    from meethuis.report.runner import run_report

    rng = np.random.default_rng(5)
    n = 400
    days = rng.integers(1, 60, n)
    grade = np.clip(np.round(8 - days / 20 + rng.normal(size=n)), 1, 10).astype(int)
    pd.DataFrame({"Case": [f"Z{i}" for i in range(n)], "Grade": grade}).to_csv(tmp_path / "s.csv", index=False)
    pd.DataFrame({"case": [f"Z{i}" for i in range(n)], "days": days}).to_csv(tmp_path / "p.csv", index=False)
    (tmp_path / "org.yml").write_text("""\
organisation: {id: proces, name: Proces}
data:
  file: s.csv
  period: {value: 2025}
  columns: {tevredenheid: Grade}
process:
  file: p.csv
  key: case
  survey_key: Case
  columns: {doorlooptijd_dagen: days}
""", encoding="utf-8")
    config = load_config(tmp_path / "org.yml")
    plan = {p.chapter: p for p in chapter_plan(config, load_survey(config).responses, chapters_available())}
    assert plan["09_procesdata"].runs
    run_report(tmp_path / "org.yml", tmp_path / "out", chapters=["09_procesdata"], progress=False, jobs=1)
    tables = {p.stem for p in (tmp_path / "out" / "tables").glob("*.csv")}
    assert "tevredenheid_per_doorlooptijd_dagen" in tables and "beleving_en_proces" in tables
    assert "procesdata_doorverwijzing" not in tables and "tevredenheid_per_aantal_contacten" not in tables
    reg = pd.read_csv(tmp_path / "out" / "tables" / "procesdata_regressie.csv") \
        if "procesdata_regressie" in tables else None
    if reg is not None:  # the regression on the one measure present
        assert not reg.empty


def test_priority_matrix_compares_mixed_scales_on_0_100():
    """A 1-10 item with a high raw mean but a low share of its maximum is not 'good' against 1-5 items."""
    from meethuis.intake.codebook import Item, Scale, load_codebook
    from meethuis.stats.priority import classify, priority_matrix

    cb = load_codebook()
    s10 = Scale("range1_10", 1, 10, "range", {"nl": {}, "en": {}})
    cb = cb.with_extra_items([Item("eigen10", "basis", "driver", s10, False, {"nl": "Eigen"}, own=True)])
    rng = np.random.default_rng(4)
    n = 2000
    z = rng.normal(size=(n, 3))
    frame = pd.DataFrame({
        "empathie": np.clip(np.round(4.2 + 0.6 * z[:, 0]), 1, 5),   # about 80 of 100
        "snelheid": np.clip(np.round(3.6 + 0.6 * z[:, 1]), 1, 5),   # about 65 of 100
        "eigen10": np.clip(np.round(4.5 + 1.0 * z[:, 2]), 1, 10),   # raw mean 4.5 (above 1-5 means) = about 39 of 100
    })
    frame["tevredenheid"] = np.clip(np.round(5 + 0.8 * z.sum(axis=1) + rng.normal(size=n)), 1, 10)
    m = priority_matrix(frame, "tevredenheid", ["empathie", "snelheid", "eigen10"], codebook=cb, rule="point",
                        min_cell=10)
    m = m.set_index("driver")
    expected = {d: 100 * (frame[d].mean() - lo) / (hi - lo)
                for d, lo, hi in (("empathie", 1, 5), ("snelheid", 1, 5), ("eigen10", 1, 10))}
    for d, v in expected.items():
        assert m.loc[d, "score"] == pytest.approx(v, abs=1e-9)
    thr = float(np.median(list(expected.values())))
    assert m.attrs["mixed_scales"] and m.attrs["score_threshold"] == pytest.approx(thr, abs=1e-9)
    q = classify(m["importance"].to_numpy(), m["score"].to_numpy(), m.attrs["importance_threshold"], thr)
    assert list(m["quadrant"]) == list(q)
    assert m.loc["eigen10", "quadrant"] in ("eerst_verbeteren", "minder_urgent")  # low on 0-100, never 'good'


@pytest.mark.slow
def test_trends_follow_an_own_binary_outcome(tmp_path):
    """Several waves of a 0/1 outcome: the trend chapter shows its share per quarter, with its own table name."""
    from meethuis.report.runner import run_report

    rng = np.random.default_rng(8)
    n = 600
    quarter = rng.choice(["2025Q1", "2025Q2", "2025Q3"], n)
    happy = (rng.random(n) < np.where(quarter == "2025Q3", 0.7, 0.5)).astype(int)
    pd.DataFrame({"Quarter": quarter, "Happy": happy, "Info": rng.integers(1, 6, n),
                  "Cost": rng.integers(1, 6, n)}).to_csv(tmp_path / "s.csv", index=False)
    (tmp_path / "org.yml").write_text("""\
organisation: {id: golven, name: Golven}
data: {file: s.csv, period: Quarter, columns: {}}
extra_items:
  - {id: happy, column: Happy, role: outcome, scale: binary}
  - {id: info, column: Info, role: driver, scale: {min: 1, max: 5}}
  - {id: cost, column: Cost, role: driver, scale: {min: 1, max: 5}}
""", encoding="utf-8")
    config = load_config(tmp_path / "org.yml")
    plan = {p.chapter: p for p in chapter_plan(config, load_survey(config).responses, chapters_available())}
    assert plan["07_trends"].runs
    run_report(tmp_path / "org.yml", tmp_path / "out", chapters=["07_trends"], progress=False, jobs=1, period="all")
    trend = pd.read_csv(tmp_path / "out" / "tables" / "trend_happy.csv")
    frame = pd.read_csv(tmp_path / "s.csv")
    expected = frame.groupby("Quarter")["Happy"].mean()
    assert list(trend["periode"]) == list(expected.index)
    assert np.allclose(trend["estimate"], expected.to_numpy(), atol=1e-12)  # the share of 1 per quarter

"""Process data: pseudonymous linkage, match counts, binned effects, regression, referral, 2x2."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from meethuis.improve import process
from meethuis.report.chapters import procesdata
from meethuis.common.errors import DataError
from meethuis.common.plots import alt_text, layout_problems

SALT = b"test-salt"


def _data(n: int = 400, seed: int = 0):
    rng = np.random.default_rng(seed)
    keys = [f"Z-{i:05d}" for i in range(n)]
    days = rng.gamma(2.0, 10.0, n)
    contacts = rng.integers(1, 6, n)
    referred = rng.random(n) < 0.3
    kanaal = rng.choice(["telefoon", "balie", "website"], n)
    y = 8.0 - 0.5 * np.log1p(days) - 0.2 * contacts - 0.6 * referred + np.where(kanaal == "balie", 0.3, 0.0)
    y = y + rng.normal(0, 0.8, n)
    responses = pd.DataFrame({"respondent_id": [f"r{i}" for i in range(n)], "zaak_sleutel": keys,
                              "kanaal": pd.Categorical(kanaal), "tevredenheid": y})
    proc = pd.DataFrame({"zaak_sleutel": keys[::-1], "doorlooptijd_dagen": days[::-1],
                         "aantal_contacten": contacts[::-1], "doorverwezen": referred[::-1]})
    return responses, proc


def test_hmac_matches_rfc4231_vector():
    out = process.pseudonymise(pd.Series(["what do ya want for nothing?"]), b"Jefe")
    assert out.iloc[0] == "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"


def test_pseudonyms_are_deterministic_per_salt(monkeypatch):
    keys = pd.Series(["Z-1", " Z-1 ", "Z-2", None, ""])
    a, b = process.pseudonymise(keys, SALT), process.pseudonymise(keys, SALT)
    assert a.equals(b)
    assert a.iloc[0] == a.iloc[1] != a.iloc[2]  # spaces trimmed
    import hashlib
    import hmac

    salt = SALT.encode("utf-8") if isinstance(SALT, str) else SALT  # reference: an HMAC object per key
    assert a.iloc[2] == hmac.new(salt, b"Z-2", hashlib.sha256).hexdigest()
    assert a.isna().tolist() == [False, False, False, True, True]
    assert process.pseudonymise(keys, b"other").iloc[0] != a.iloc[0]
    monkeypatch.setenv(process.SALT_ENV, "geheim")
    assert process.pseudonymise(keys).iloc[0] == process.pseudonymise(keys, "geheim").iloc[0]
    monkeypatch.delenv(process.SALT_ENV)
    assert process.link_salt() == process.link_salt()  # generated once per run


def test_link_counts_and_no_raw_key_in_output():
    responses, proc = _data(50)
    responses.loc[0, "zaak_sleutel"] = None  # no key
    responses.loc[1, "zaak_sleutel"] = "Z-99999"  # not in process data
    proc = pd.concat([proc, pd.DataFrame({"zaak_sleutel": ["Z-77777"], "doorlooptijd_dagen": [3.0],
                                          "aantal_contacten": [1], "doorverwezen": [False]})], ignore_index=True)
    linked = process.link_process(responses, proc, SALT)
    r = linked.report
    assert (r.n_survey, r.n_survey_without_key, r.n_matched, r.n_survey_unmatched) == (50, 1, 48, 1)
    assert (r.n_process, r.n_process_unmatched) == (51, 3)  # Z-00000, Z-00001 and Z-77777 unmatched
    assert r.rate == pytest.approx(48 / 49)
    text = linked.frame.astype(str).to_csv()
    assert "Z-0" not in text and "zaak_sleutel" not in linked.frame.columns
    # values land on the right respondent (process file is in reverse order)
    i = 10
    assert linked.frame.loc[i, "doorlooptijd_dagen"] == proc.set_index("zaak_sleutel").loc[f"Z-{i:05d}", "doorlooptijd_dagen"]
    assert "48" in r.to_text(min_cell=1) and "98%" in r.to_text(min_cell=1)
    assert r.to_frame(min_cell=1)["aantal"].tolist() == [50, 1, 48, 1, 51, 3]
    # published: 1 without key and 1 unmatched are below min_cell, so they and the matched 48 are hidden
    # (50 = 1 + 48 + 1 would give them back); the text names no count below 10
    hidden = r.to_frame()["aantal"].tolist()
    assert hidden[0] == 50 and all(pd.isna(v) for v in hidden[1:4]) and hidden[4:] == [51, 3]
    assert "48" not in r.to_text() and "kleiner dan 10" in r.to_text()


def test_duplicate_process_keys_is_a_clear_error():
    responses, proc = _data(30)
    proc.loc[5, "zaak_sleutel"] = proc.loc[6, "zaak_sleutel"]
    with pytest.raises(DataError) as err:
        process.link_process(responses, proc, SALT, file="zaken.csv")
    msg = str(err.value)
    assert "zaken.csv" in msg and "rows 6, 7" in msg and "Z-0" not in msg


def test_no_overlap_is_a_clear_error():
    responses, proc = _data(30)
    proc["zaak_sleutel"] = "X" + proc["zaak_sleutel"]
    with pytest.raises(DataError, match="none of the 30 survey case keys"):
        process.link_process(responses, proc, SALT, file="zaken.csv")
    with pytest.raises(DataError, match="link-key column"):
        process.link_process(responses.drop(columns="zaak_sleutel"), proc, SALT)


def test_binned_effect_hand_worked_and_suppressed():
    # bins of 12, 14 and 3 respondents (and an empty one): the 3 are hidden, and because the hidden bins
    # together would hold only 3 (recoverable from the total), the smallest other bin (12) goes too
    df = pd.DataFrame({"doorlooptijd_dagen": [1.0] * 12 + [10.0] * 14 + [20.0] * 3,
                       "tevredenheid": [8.0, 9.0] * 6 + [6.0, 7.0] * 7 + [5.0] * 3})
    t = process.binned_effect(df, "doorlooptijd_dagen", min_cell=10).set_index("bin")
    assert t.loc["t/m 7 dagen", "suppressed"] and t.loc["t/m 7 dagen", "reason"] == "secondary"
    assert t.loc["8–14 dagen", "estimate"] == pytest.approx(6.5)
    se = np.std([6.0, 7.0] * 7, ddof=1) / np.sqrt(14)
    assert t.loc["8–14 dagen", "se"] == pytest.approx(se)
    assert t.loc["15–28 dagen", "suppressed"] and pd.isna(t.loc["15–28 dagen", "estimate"])
    fig = procesdata.plot_binned(t.reset_index(), "doorlooptijd", "rapportcijfer")
    assert "6,5" in alt_text(fig)
    # the hidden first bin keeps its slot: its note sits inside the axes, clear of the tick labels
    assert fig.axes[0].get_xlim() == (-0.5, len(t) - 0.5)
    assert layout_problems(fig) == []


def test_regression_equals_closed_form_and_recovers_truth():
    responses, proc = _data(3000, seed=4)
    linked = process.link_process(responses, proc, SALT).frame
    res = process.process_regression(linked)
    coef = res.table.set_index("term")["coef"]
    # closed form: least squares on the same design
    X = np.column_stack([np.ones(len(linked)), np.log1p(linked["doorlooptijd_dagen"]),
                         linked["aantal_contacten"], linked["doorverwezen"].astype(float),
                         (linked["kanaal"] == "telefoon").astype(float), (linked["kanaal"] == "website").astype(float)])
    y = linked["tevredenheid"].to_numpy()
    beta, *_ = np.linalg.lstsq(X, y, rcond=None)
    assert coef["log_doorlooptijd"] == pytest.approx(beta[1])
    assert coef["doorverwezen"] == pytest.approx(beta[3])
    # HC1 sandwich by hand
    e = y - X @ beta
    bread = np.linalg.inv(X.T @ X)
    cov = bread @ (X.T * e**2) @ X @ bread * len(y) / (len(y) - X.shape[1])
    assert res.table.set_index("term").loc["aantal_contacten", "se"] == pytest.approx(np.sqrt(cov[2, 2]))
    # known truth: -0.5 per log day, -0.2 per contact, -0.6 referral (within 4 SE)
    t = res.table.set_index("term")
    for term, truth in (("log_doorlooptijd", -0.5), ("aantal_contacten", -0.2), ("doorverwezen", -0.6)):
        assert abs(t.loc[term, "coef"] - truth) < 4 * t.loc[term, "se"]
    assert res.n == 3000 and "C(kanaal)" in res.formula
    assert t.loc["doorverwezen", "label"] == "Doorverwezen (ja tegenover nee)"


def test_referral_effect_equals_welch_t():
    responses, proc = _data(600, seed=5)
    linked = process.link_process(responses, proc, SALT).frame
    eff = process.referral_effect(linked)
    ref = linked["doorverwezen"].astype(bool)
    a, b = linked.loc[~ref, "tevredenheid"], linked.loc[ref, "tevredenheid"]
    assert eff.difference == pytest.approx(b.mean() - a.mean())
    from scipy import stats

    p_ref = stats.ttest_ind(b.dropna(), a.dropna(), equal_var=False).pvalue  # Welch t (was z before #13)
    assert eff.p == pytest.approx(p_ref, rel=1e-9)
    assert eff.difference < 0 and "lager" in procesdata.describe_referral(eff)
    small = process.referral_effect(linked.iloc[:20], min_cell=10)
    assert np.isnan(small.difference) and "niet getoond" in procesdata.describe_referral(small)


def test_perception_process_matrix_hand_worked():
    df = pd.DataFrame({"doorlooptijd_dagen": [2.0] * 30 + [40.0] * 30,
                       "tevredenheid": [8.0] * 20 + [5.0] * 10 + [8.0] * 12 + [4.0] * 18})
    t = process.perception_process_matrix(df, fast_days=10, min_cell=10)
    cells = t.set_index(["doorlooptijd", "oordeel"])["share"]
    assert cells[("snel", "tevreden")] == pytest.approx(20 / 60)
    assert cells[("snel", "ontevreden")] == pytest.approx(10 / 60)
    assert cells[("langzaam", "tevreden")] == pytest.approx(12 / 60)
    assert cells[("langzaam", "ontevreden")] == pytest.approx(18 / 60)
    text = procesdata.describe_matrix(t)
    assert "binnen 10 dagen" in text and "mediaan" not in text and "17%" in text and "20%" in text
    assert "(the median)" in procesdata.describe_matrix(process.perception_process_matrix(df, lang="en"), lang="en")
    # a small cell (slow but happy: 5) is suppressed, plus a secondary cell
    df2 = pd.DataFrame({"doorlooptijd_dagen": [2.0] * 30 + [40.0] * 30,
                        "tevredenheid": [8.0] * 20 + [5.0] * 10 + [8.0] * 5 + [4.0] * 25})
    t2 = process.perception_process_matrix(df2, fast_days=10, min_cell=10)
    assert t2["suppressed"].sum() >= 2 and t2.loc[t2["suppressed"], "n"].isna().all()
    assert process.perception_process_matrix(df2).attrs["fast_days"] == pytest.approx(21.0)


def test_regression_never_describes_a_small_group():
    responses, proc = _data(300, seed=6)
    linked = process.link_process(responses, proc, SALT).frame
    linked["kanaal"] = linked["kanaal"].astype(str)
    linked.loc[linked.index[:4], "kanaal"] = "chat"  # 4 respondents: merged into 'overig'
    linked.loc[linked.index[4:7], "kanaal"] = "post"  # 3 more: 'overig' has 7 < 10, so dropped
    linked["doorverwezen"] = False
    linked.loc[linked.index[10:15], "doorverwezen"] = True  # 5 referred: term left out
    res = process.process_regression(linked, min_cell=10)
    terms = " ".join(res.table["term"])
    assert "chat" not in terms and "post" not in terms and "overig" not in terms
    assert "doorverwezen" not in terms and res.n == 293


def test_sample_linkage_matches_raw_key_reference(sample_dir):
    from meethuis.intake.config import load_config
    from meethuis.intake.validate import load_survey

    config = load_config(sample_dir / "molensloot.yml")
    survey = load_survey(config)
    linked = process.link_survey(survey, config, salt=SALT)
    raw_survey = survey.responses["zaak_sleutel"].astype("string").str.strip()
    raw_process = set(survey.process["zaak_sleutel"].astype("string").str.strip())
    expected = int(raw_survey.isin(raw_process).sum())  # independent: set membership on the raw keys
    r = linked.report
    assert r.n_matched == expected and 0 < r.n_survey_unmatched and r.n_process_unmatched > 0
    assert r.n_matched + r.n_survey_unmatched + r.n_survey_without_key == len(survey.responses)
    assert not linked.frame.astype(str).isin(list(raw_process)).any().any()  # no raw key anywhere


# -- process measures under the organisation's own names (config process_measures) -------------------------
def _own_measures(tmp_path, n: int = 600, seed: int = 11):
    """An airline-shaped survey with delay minutes in the file itself, and a linked file with own column names
    (handling days, customer contacts, a result with one group of only 6 cases). Planted truth: the overall
    grade drops 0.2 per 10 minutes of delay and 0.3 per extra contact."""
    rng = np.random.default_rng(seed)
    delay = rng.exponential(20, n).round().astype(int)
    delay[rng.random(n) < 0.3] = 0
    contacts = rng.integers(1, 7, n)
    result = rng.choice(["opgelost", "niet opgelost"], n)
    result[:6] = "bezwaar"
    grade = np.clip(np.round(8 - 0.02 * delay - 0.3 * contacts + rng.normal(0, 1, n)), 1, 10).astype(int)
    survey = pd.DataFrame({"Case": [f"C{i:04d}" for i in range(n)], "Overall": grade,
                           "Seat comfort": rng.integers(1, 6, n), "Departure Delay in Minutes": delay.astype(object)})
    survey.loc[5, "Departure Delay in Minutes"] = 999  # declared missing below
    survey.to_csv(tmp_path / "survey.csv", index=False)
    cases = pd.DataFrame({"dossiernummer": survey["Case"], "Behandelduur (dgn)": rng.gamma(2, 10, n).round(1),
                          "n_klantcontact": contacts, "Resultaat": result}).iloc[::-1]
    cases.to_csv(tmp_path / "zaken.csv", index=False, sep=";")
    (tmp_path / "org.yml").write_text('''organisation: {id: air, name: Airline}
data:
  file: survey.csv
  period: {value: "2024"}
  missing_values: {999: missing}
  columns: {}
extra_items:
  - {id: overall, column: Overall, role: outcome, scale: {min: 1, max: 10}, label: {nl: Algemeen oordeel, en: Overall}}
  - {id: seat, column: Seat comfort, role: driver, scale: {min: 1, max: 5}, label: {nl: Stoel, en: Seat}}
process:
  file: zaken.csv
  key: dossiernummer
  survey_key: Case
process_measures:
  vertraging: {column: Departure Delay in Minutes, label: {nl: Vertraging, en: Delay}, unit: {nl: minuten, en: minutes},
               bins: [0, 1, 15, 60, 1000]}
  behandelduur: {column: Behandelduur (dgn), source: process, unit: {nl: dagen, en: days}}
  klantcontacten: {column: n_klantcontact, source: process, kind: count, label: Klantcontacten}
  resultaat: {column: Resultaat, source: process, kind: category}
''', encoding="utf-8")
    return survey, cases.iloc[::-1].reset_index(drop=True)


def test_own_process_measures_are_read_from_both_files(tmp_path):
    from meethuis.intake.config import load_config
    from meethuis.intake.validate import load_survey

    survey_raw, cases = _own_measures(tmp_path)
    config = load_config(tmp_path / "org.yml")
    assert list(config.process_measures) == ["vertraging", "behandelduur", "klantcontacten", "resultaat"]
    assert config.codebook.label("vertraging", "en") == "Delay"
    assert config.codebook.label("behandelduur", "nl") == "Behandelduur (dgn)"  # no label: the header
    assert config.codebook.fields["vertraging"].unit == {"nl": "minuten", "en": "minutes"}
    survey = load_survey(config)
    delay = pd.to_numeric(survey_raw["Departure Delay in Minutes"])
    assert survey.responses["vertraging"].isna().sum() == 1 and survey.responses["vertraging"].sum() == delay[delay != 999].sum()
    proc = survey.process.set_index("zaak_sleutel")
    assert proc["klantcontacten"].to_dict() == cases.set_index("dossiernummer")["n_klantcontact"].astype(float).to_dict()
    assert sorted(proc["resultaat"].dropna().unique()) == ["bezwaar", "niet opgelost", "opgelost"]
    assert "Departure Delay in Minutes" not in survey.summary.unknown_columns


@pytest.mark.parametrize("spec, key", [
    ("{Vertraging: Delay}", "process_measures.Vertraging"),
    ("{seat: Delay}", "process_measures.seat"),  # an own item's id
    ("{x: {column: Delay, kind: duration}}", "process_measures.x.kind"),
    ("{x: {column: Delay, source: zaken}}", "process_measures.x.source"),
    ("{x: {column: Delay, bins: [5, 1]}}", "process_measures.x.bins"),
    ("{x: {column: Delay, colour: red}}", "process_measures.x.colour"),
])
def test_bad_process_measures_name_the_key(tmp_path, spec, key):
    from meethuis.common.errors import ConfigError
    from meethuis.intake.config import load_config

    _own_measures(tmp_path)
    text = (tmp_path / "org.yml").read_text(encoding="utf-8")
    text = text[:text.index("process:")] + f"process_measures: {spec}\n"  # no process file: source zaken is bad too
    (tmp_path / "bad.yml").write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as err:
        load_config(tmp_path / "bad.yml")
    assert err.value.key == key


def test_chapter_analyses_own_measures_like_the_fixed_ones(tmp_path):
    """Per-group grades against pandas by hand (t-interval), the regression against numpy least squares with
    a hand-made HC1 sandwich; the 6-case result group is suppressed and never gets its own coefficient."""
    from scipy import stats

    from meethuis.report.chapters import procesdata
    from meethuis.report.chapters.common import open_chapter
    from meethuis.stats.disclosure import assert_protected

    survey_raw, cases = _own_measures(tmp_path)
    ch = open_chapter(str(tmp_path / "org.yml"), "", "nl", 10)
    pv = procesdata.open_process(ch)
    assert pv.outcome == "overall" and pv.measures == ["vertraging", "behandelduur", "klantcontacten", "resultaat"]
    data = survey_raw.assign(delay=pd.to_numeric(survey_raw["Departure Delay in Minutes"]).where(lambda d: d != 999))
    data = data.merge(cases, left_on="Case", right_on="dossiernummer")

    table = procesdata.measure_effect(ch, pv, "vertraging")
    assert list(table["bin"]) == ["0", "1–14", "15–59", "60–999"]
    for (a, b), row in zip([(0, 1), (1, 15), (15, 60), (60, 1000)], table.itertuples()):
        y = data.loc[(data["delay"] >= a) & (data["delay"] < b), "Overall"].astype(float)
        half = stats.t.ppf(0.975, len(y) - 1) * y.std(ddof=1) / np.sqrt(len(y))
        assert (row.n, row.estimate) == (len(y), pytest.approx(y.mean(), abs=1e-12))
        assert (row.ci_low, row.ci_high) == (pytest.approx(y.mean() - half, abs=1e-10), pytest.approx(y.mean() + half, abs=1e-10))
    result = procesdata.measure_effect(ch, pv, "resultaat").set_index("bin")
    assert_protected(result.reset_index(), 10)
    assert result.loc["bezwaar", "suppressed"] and np.isnan(result.loc["bezwaar", "estimate"])
    secondary = result[result["reason"].fillna("").str.contains("secondary")]
    assert len(secondary) == 1  # the 6 could be recovered from the total minus one group: one more hidden
    shown = result[~result["suppressed"]]
    assert len(shown) == 1 and shown["n"].iloc[0] == (data["Resultaat"] == shown.index[0]).sum()
    edges = procesdata.auto_bins(pv.matched["klantcontacten"])
    assert edges[0] == 1 and edges[-1] == 7  # whole-number groups from the lowest to the highest count

    res, phrases, points = procesdata.regression(ch, pv)
    assert set(phrases) == {"vertraging", "behandelduur", "klantcontacten"} and points == "punt"
    # independent: OLS by least squares on the same complete rows; the 6 'bezwaar' cases are dropped
    # (their merged group 'overig' is still below 10), steps 10 minutes, 10 days, 1 contact
    d = data.dropna(subset=["delay"])
    d = d[d["Resultaat"] != "bezwaar"]
    X = np.column_stack([np.ones(len(d)), (d["Resultaat"] == "opgelost").astype(float), d["delay"] / 10,
                         d["Behandelduur (dgn)"] / 10, d["n_klantcontact"].astype(float)])
    y = d["Overall"].to_numpy(float)
    beta, *_ = np.linalg.lstsq(X, y, rcond=None)
    e = y - X @ beta
    bread = np.linalg.inv(X.T @ X)
    hc1 = bread @ (X.T * e ** 2) @ X @ bread * len(y) / (len(y) - X.shape[1])
    got = res.table.set_index("term")
    order = ["Intercept", "C(resultaat)[T.opgelost]", "vertraging", "behandelduur", "klantcontacten"]
    assert res.n == len(d)
    np.testing.assert_allclose(got.loc[order, "coef"], beta, atol=1e-8)
    np.testing.assert_allclose(got.loc[order, "se"], np.sqrt(np.diag(hc1)), atol=1e-8)
    assert got.loc["vertraging", "label"] == "Vertraging (per 10 minuten)"
    assert got.loc["klantcontacten", "label"] == "Klantcontacten (per 1 meer)"
    assert -0.35 < got.loc["vertraging", "coef"] < -0.05  # the planted -0.2 per 10 minutes
    text = procesdata.describe_regression(res, "nl", own=phrases, points=points)
    assert text.startswith("Alles tegelijk bekeken geldt (regressie op") and "vertraging (per 10 minuten) met" in text


def test_appendix_example_of_process_measures_loads(tmp_path):
    """book/bijlagen/eigen-organisatie.md, Stap 7: the process_measures example reads the fixture's columns."""
    import re
    from pathlib import Path

    from meethuis.intake.config import load_config
    from meethuis.intake.validate import load_survey

    page = (Path(__file__).resolve().parents[1] / "book" / "bijlagen" / "eigen-organisatie.md").read_text("utf-8")
    block = re.search(r"```yaml\n(process_measures:\n.*?)```", page, re.S).group(1)
    _own_measures(tmp_path)
    text = (tmp_path / "org.yml").read_text(encoding="utf-8")
    (tmp_path / "org.yml").write_text(text[:text.index("process_measures:")] + block, encoding="utf-8")
    config = load_config(tmp_path / "org.yml")
    assert config.codebook.label("vertraging", "nl") == "Vertraging bij vertrek"
    assert config.process_measures["vertraging"].bins == (0, 1, 15, 60, 1000)
    survey = load_survey(config)
    assert {"klantcontacten", "behandelduur", "resultaat"} <= set(survey.process.columns)


def test_binary_outcome_by_own_measure_is_a_share_in_percentage_points(tmp_path):
    """A city survey with a 0/1 outcome and wait minutes in the file: init makes the minutes a process
    measure; chapter 09 shows shares per group and a regression in percentage points (100 x the OLS slope)."""
    from meethuis.intake.init import init_config
    from meethuis.report.chapters import procesdata
    from meethuis.report.chapters.common import open_chapter

    rng = np.random.default_rng(4)
    n = 500
    wait = rng.integers(0, 60, n)
    happy = (rng.random(n) < 0.8 - 0.01 * wait).astype(int)
    frame = pd.DataFrame({"Happy": happy, "Service quality": rng.integers(1, 6, n),
                          "Streets": rng.integers(1, 6, n), "Wait time (min)": wait})
    frame.to_csv(tmp_path / "city.csv", index=False)
    text = init_config(tmp_path / "city.csv", tmp_path / "city.yml", outcomes=["Happy"], period="2024", lang="en")
    assert "wait_time_min: {column: \"Wait time (min)\"" in text and "unit: {nl: minuten, en: minutes}" in text
    ch = open_chapter(str(tmp_path / "city.yml"), "", "en", 10)
    pv = procesdata.open_process(ch)
    assert pv.binary and pv.linked is None and pv.measures == ["wait_time_min"]
    table = procesdata.measure_effect(ch, pv, "wait_time_min")
    edges = procesdata.auto_bins(frame["Wait time (min)"])
    for a, b, row in zip(edges, edges[1:], table.itertuples()):
        y = frame.loc[(wait >= a) & (wait < b), "Happy"]
        assert (row.n, row.estimate) == (len(y), pytest.approx(y.mean(), abs=1e-12))  # a share 0-1
    assert procesdata.effect_formats(pv)["estimate"] == "share"
    assert procesdata.measure_label(ch, "wait_time_min") == "Wait time (min)"  # the unit is in the header
    result, phrases, points = procesdata.regression(ch, pv)
    slope = np.polyfit(wait / 10, 100 * happy, 1)[0]  # per 10 minutes (interquartile range ~30), in points
    assert result.table.set_index("term").loc["wait_time_min", "coef"] == pytest.approx(slope, abs=1e-8)
    assert points == "percentage points" and "per 10 minutes" in phrases["wait_time_min"]
    assert procesdata.no_linkage_text(ch, pv).startswith("The process measures (wait time (min)) are in the survey")


def _link_reference(responses, proc, salt):
    """The former link_process: both files' keys hashed, joined on the pseudonyms (plain, slower)."""
    import hmac

    def pseud(keys):
        clean = keys.astype("string").str.strip()
        values = clean.mask(clean == "").to_numpy(dtype=object, na_value=None)
        return pd.Series([None if k is None else hmac.new(salt, k.encode(), "sha256").hexdigest() for k in values],
                         index=keys.index, dtype="string")

    p_ids, s_ids = pseud(proc["zaak_sleutel"]), pseud(responses["zaak_sleutel"])
    fields = [c for c in proc.columns if c != "zaak_sleutel"]
    table = proc[fields].copy()
    table.index = pd.Index(p_ids, name="koppel_id")
    table = table[table.index.notna()]
    matched = s_ids.notna() & s_ids.isin(table.index)
    out = responses.drop(columns=["zaak_sleutel"]).copy()
    out["koppel_id"] = s_ids.to_numpy()
    joined = table.reindex(s_ids.where(matched).to_numpy())
    for c in fields:
        out[c] = joined[c].to_numpy()
    out["gekoppeld"] = matched.to_numpy()
    counts = (len(responses), len(responses) - int(s_ids.notna().sum()), len(table), int(matched.sum()),
              int(pd.Index(s_ids[matched]).nunique()))
    return out, counts


def test_link_on_clean_keys_equals_linking_on_both_files_pseudonyms():
    """Matching on the cleaned raw keys and hashing only the survey's keys gives the former result: keys with
    spaces, blanks, repeated survey keys, integer keys, process rows without key, an index that is not 0..n-1."""
    responses, proc = _data(300, seed=3)
    responses.index = responses.index * 7 + 5
    keys = responses["zaak_sleutel"].astype(object).copy()
    keys.iloc[:20] = [f"  {k} " for k in keys.iloc[:20]]  # spaces around the key
    keys.iloc[20:25] = ["", "   ", None, np.nan, "Z-99999"]
    keys.iloc[25:30] = keys.iloc[30:35].to_numpy()  # several responses on one case
    responses["zaak_sleutel"] = keys
    proc = proc.astype({"zaak_sleutel": object})
    proc.loc[proc.index[:3], "zaak_sleutel"] = [None, "", " "]
    proc["uitkomst"] = pd.Categorical(np.where(np.arange(len(proc)) % 3 == 0, "toegekend", "afgewezen"))
    linked = process.link_process(responses, proc, SALT)
    frame, counts = _link_reference(responses, proc, SALT)
    pd.testing.assert_frame_equal(linked.frame, frame)
    r = linked.report
    assert (r.n_survey, r.n_survey_without_key, r.n_process, r.n_matched, r.n_matched_records) == counts
    assert r.n_matched_records < r.n_matched  # repeated keys were counted once
    assert not np.shares_memory(linked.frame["tevredenheid"].to_numpy(), responses["tevredenheid"].to_numpy())
    lean = process.link_process(responses, proc, SALT, leave_out=("respondent_id", "absent", "zaak_sleutel"))
    pd.testing.assert_frame_equal(lean.frame, frame.drop(columns=["respondent_id"]))
    assert lean.report == linked.report
    bare = process.link_process(responses, proc, SALT, leave_out=("respondent_id",), pseudonyms=False)
    pd.testing.assert_frame_equal(bare.frame, frame.drop(columns=["respondent_id", "koppel_id"]))
    assert bare.report == linked.report
    # integer keys in both files
    responses, proc = _data(60, seed=4)
    responses["zaak_sleutel"] = np.arange(60) * 3
    proc["zaak_sleutel"] = np.arange(60)[::-1] * 3
    proc = proc.iloc[:40]
    linked = process.link_process(responses, proc, SALT)
    frame, counts = _link_reference(responses, proc, SALT)
    pd.testing.assert_frame_equal(linked.frame, frame)
    assert (linked.report.n_survey, linked.report.n_survey_without_key, linked.report.n_process,
            linked.report.n_matched, linked.report.n_matched_records) == counts


def test_check_link_raises_what_link_raises_without_hashing(monkeypatch):
    from types import SimpleNamespace

    responses, proc = _data(30)
    monkeypatch.setattr(process, "_pseudonyms", lambda *a, **k: pytest.fail("check_link hashed a key"))
    process.check_link(SimpleNamespace(responses=responses, process=proc))
    bad = proc.copy()
    bad.loc[5, "zaak_sleutel"] = bad.loc[6, "zaak_sleutel"]
    with pytest.raises(DataError, match="rows 6, 7"):
        process.check_link(SimpleNamespace(responses=responses, process=bad))
    with pytest.raises(DataError, match="none of the 30 survey case keys"):
        process.check_link(SimpleNamespace(responses=responses, process=proc.assign(zaak_sleutel="X" + proc["zaak_sleutel"])))
    with pytest.raises(DataError, match="no process data"):
        process.check_link(SimpleNamespace(responses=responses, process=None))


def test_regression_with_categorical_controls_equals_patsy_on_text_columns():
    """Controls handed to patsy as categoricals (sorted levels) give the fit of the former text columns:
    same terms, coefficients and errors to 1e-12; controls with a merged small group and a hidden group."""
    import statsmodels.formula.api as smf

    responses, proc = _data(600, seed=9)
    rng = np.random.default_rng(9)
    responses["leeftijdsgroep"] = pd.Categorical(rng.choice(["65+", "18-34", "35-49", "50-64", "onbekend"], 600,
                                                            p=[0.3, 0.3, 0.2, 0.19, 0.01]))
    linked = process.link_process(responses, proc, SALT).frame
    w = pd.Series(rng.uniform(0.5, 2.0, len(linked)), index=linked.index)
    hidden = {"kanaal": {"website"}}
    result = process.process_regression(linked, controls=("kanaal", "leeftijdsgroep"), weights=w, min_cell=10,
                                        hidden=hidden)
    # the former route: text controls (with the same merges) straight into the formula
    data = pd.DataFrame({"tevredenheid": linked["tevredenheid"],
                         "log_doorlooptijd": np.log1p(linked["doorlooptijd_dagen"].astype(float)),
                         "aantal_contacten": linked["aantal_contacten"].astype(float),
                         "doorverwezen": linked["doorverwezen"].astype(float),
                         "kanaal": linked["kanaal"].astype("string").replace({"website": "overig"}),
                         "leeftijdsgroep": linked["leeftijdsgroep"].astype("string"), "_w": w}).dropna()
    data = data[data["leeftijdsgroep"] != "onbekend"]  # a group of fewer than 10: merged, then dropped
    assert "onbekend" not in " ".join(result.table["term"]) and "overig" in " ".join(result.table["term"])
    model = smf.wls("tevredenheid ~ log_doorlooptijd + aantal_contacten + doorverwezen + C(kanaal) + "
                    "C(leeftijdsgroep)", data=data, weights=data["_w"]).fit(cov_type="HC1")
    assert list(result.table["term"]) == list(model.params.index)
    np.testing.assert_allclose(result.table["coef"], model.params, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(result.table["se"], model.bse, rtol=1e-12, atol=1e-12)
    assert result.n == int(model.nobs) and result.r2 == pytest.approx(model.rsquared, rel=1e-12)


@pytest.mark.parametrize("salt", [b"", b"k", SALT, bytes(range(64)), bytes(range(65)), b"s" * 200, "zout-ü"])
def test_pseudonyms_from_keyed_states_equal_python_hmac(salt):
    """HMAC-SHA256 with the inner and outer states keyed once equals Python's hmac for salts shorter than, equal
    to and longer than the 64-byte block, and for non-ASCII keys and salts."""
    import hmac

    keys = pd.Series(["Z-00001", " Z-00002 ", "zaak-é-1", "", None, "1" * 300], dtype=object)
    got = process.pseudonymise(keys, salt)
    raw = salt.encode("utf-8") if isinstance(salt, str) else salt
    expected = [None if k is None or not k.strip() else hmac.new(raw, k.strip().encode("utf-8"), "sha256").hexdigest()
                for k in keys]
    assert [None if pd.isna(v) else v for v in got] == expected

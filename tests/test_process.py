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

"""The sample organisations: byte-identical regeneration, and the generator's known truth visible in the data.

References: the truth stated in ``meethuis.sample``'s docstring (known-truth simulation), the 11-proef
for BSNs and ISO 13616 mod-97 for IBANs (implemented here independently of the generator).
"""
from __future__ import annotations

import os
import re

import numpy as np
import pandas as pd
import pytest

from meethuis import sample
from meethuis.intake.config import load_config
from meethuis.common.errors import ConfigError
from meethuis.intake.validate import load_survey

AGREE = ["menselijkheid", "effectiviteit", "vertrouwen", "gemak", "empathie", "meedenken", "serieus_genomen",
         "luisteren", "vriendelijkheid", "snelheid", "juiste_informatie", "duidelijkheid", "bereikbaarheid",
         "deskundigheid"]


@pytest.fixture(scope="module")
def molensloot():
    return load_survey(sample.sample_config("molensloot"))


@pytest.fixture(scope="module")
def surveys():
    return {org: load_survey(sample.sample_config(org)) for org in ("molensloot", "lindewaard", "isr")}


def eleven_proof(number: str) -> bool:
    digits = [int(c) for c in number]
    return len(digits) == 9 and (sum((9 - i) * d for i, d in enumerate(digits[:8])) - digits[8]) % 11 == 0


def iban_valid(iban: str) -> bool:
    moved = iban[4:] + iban[:4]
    return int("".join(str(int(c, 36)) for c in moved)) % 97 == 1


def test_regeneration_is_byte_identical_to_committed_files(tmp_path, sample_dir):
    sample._generated.cache_clear()  # really regenerate, also the .xlsx and .sav with their timestamps
    written = sample.write_samples(tmp_path)
    assert len(written) == 12  # survey + process for 4 organisations, contact log + appointments for 2
    for path in written:
        assert path.read_bytes() == (sample_dir / path.name).read_bytes(), path.name


def test_sample_folder_is_small(sample_dir):
    assert sum(p.stat().st_size for p in sample_dir.iterdir()) < 10 * 1024 * 1024


def test_sizes_formats_and_periods(surveys):
    sizes = {org: s.summary.rows for org, s in surveys.items()}
    assert 2800 <= sizes["molensloot"] <= 3200 and 350 <= sizes["lindewaard"] <= 450 and 120 <= sizes["isr"] <= 180
    periods = sorted(surveys["molensloot"].responses["periode"].unique())
    assert periods == ["2024Q4", "2025Q1", "2025Q2", "2025Q3", "2025Q4", "2026Q1", "2026Q2", "2026Q3"]
    cfgs = {org: load_config(sample.sample_config(org)) for org in sample.ORG_IDS}
    assert {c.data_file.suffix for c in cfgs.values()} == {".csv", ".xlsx", ".sav"}
    assert all(2 <= len(c.goals) <= 4 and c.margins and c.process for c in cfgs.values())
    assert cfgs["molensloot"].extra_items and "aanbeveling" in cfgs["molensloot"].building_blocks


def test_lut_size_without_full_mapping():
    head = sample.generate("lut")["lut_klantonderzoek.csv"]
    assert 19_000 <= head.count(b"\n") - 1 <= 21_000


def test_soft_drivers_correlate_more_with_satisfaction_than_basics(molensloot):
    r = molensloot.responses
    corr = r[["tevredenheid", "empathie", "meedenken", "serieus_genomen", "snelheid", "juiste_informatie"]].corr()
    soft = corr.loc[["empathie", "meedenken", "serieus_genomen"], "tevredenheid"]
    basic = corr.loc[["snelheid", "juiste_informatie"], "tevredenheid"]
    assert soft.min() > basic.max() + 0.05


def test_soft_drivers_have_larger_regression_effects(molensloot):
    """Known truth: OLS on the standardised drivers ranks the three big soft drivers above the basics."""
    drivers = ["empathie", "meedenken", "serieus_genomen", "luisteren", "vriendelijkheid", "snelheid",
               "juiste_informatie", "duidelijkheid", "bereikbaarheid", "deskundigheid"]
    d = molensloot.responses[["tevredenheid"] + drivers].dropna()
    z = (d - d.mean()) / d.std()
    beta, *_ = np.linalg.lstsq(z[drivers].to_numpy(), z["tevredenheid"].to_numpy(), rcond=None)
    params = pd.Series(beta, index=drivers)
    assert min(params[["empathie", "meedenken", "serieus_genomen"]]) > \
        max(params[["snelheid", "juiste_informatie"]]) + 0.05


def test_drivers_correlate_realistically(molensloot):
    c = molensloot.responses[AGREE[4:]].corr().to_numpy()
    off = c[~np.eye(len(c), dtype=bool)]
    assert off.min() > 0.3 and off.max() < 0.75


def test_molensloot_trend_rises(molensloot):
    means = molensloot.responses.groupby("periode")["tevredenheid"].mean()
    slope = np.polyfit(np.arange(len(means)), means.to_numpy(), 1)[0]
    assert slope > 0.05 and means.iloc[-1] - means.iloc[0] > 0.4


def test_non_response_and_missing_kinds(molensloot):
    reasons = molensloot.missing_reasons
    share = reasons[["empathie", "snelheid", "luisteren"]].notna().mean()
    assert ((share > 0.05) & (share < 0.15)).all()
    assert (reasons["empathie"] == "nvt").sum() > 0 and (reasons["empathie"] == "weet_niet").sum() > 0


def test_straight_liners_exist(molensloot):
    d = molensloot.responses[AGREE].dropna()
    straight = d.nunique(axis=1) == 1
    assert 0.01 < straight.sum() / len(molensloot.responses) < 0.06


def test_sample_is_skewed_against_population_margins(molensloot):
    margins = molensloot.config.margins
    shares = molensloot.responses["leeftijdsgroep"].value_counts(normalize=True)
    assert shares["65+"] < margins["leeftijdsgroep"]["65+"] - 0.05
    skills = molensloot.responses["digitale_vaardigheid"].value_counts(normalize=True)
    assert skills["laag"] < margins["digitale_vaardigheid"]["laag"] - 0.05


def test_channel_and_age_effects(molensloot):
    r = molensloot.responses
    by_channel = r.groupby("kanaal", observed=True)["tevredenheid"].mean()
    assert by_channel["balie"] > by_channel["website"] + 0.3
    by_age = r.groupby("leeftijdsgroep", observed=True)["tevredenheid"].mean()
    assert by_age["65+"] > by_age["18-34"] + 0.3


def test_process_links_partially_and_matters_non_linearly(molensloot):
    link = molensloot.summary.process
    assert link.survey_without_process > 0 and link.process_without_survey > 0
    m = molensloot.responses.merge(molensloot.process, on="zaak_sleutel")
    assert len(m) == link.matched
    slow = m["doorlooptijd_dagen"] > 30
    assert m.loc[~slow, "tevredenheid"].mean() - m.loc[slow, "tevredenheid"].mean() > 0.4
    # non-linear: below the 30-day threshold the throughput time hardly matters
    fast = m[~slow]
    gap = fast.loc[fast["doorlooptijd_dagen"] < 8, "tevredenheid"].mean() - \
        fast.loc[fast["doorlooptijd_dagen"].between(15, 30), "tevredenheid"].mean()
    assert abs(gap) < 0.25
    logs = np.log(molensloot.process["doorlooptijd_dagen"].dropna())
    assert abs(logs.skew()) < 0.3  # lognormal: the log is symmetric
    assert set(molensloot.process["uitkomst"].dropna().unique()) <= {"toegekend", "afgewezen", "ingetrokken",
                                                                      "informatie"}


def test_mapping_reproduces_the_generated_truth(surveys):
    for org, survey in surveys.items():
        truth, _ = sample.truth(org)
        for item in survey.summary.valid_n:
            np.testing.assert_array_equal(survey.responses[item].to_numpy(), truth[item].to_numpy(), err_msg=org)
            assert (survey.missing_reasons[item].fillna("-").to_numpy() ==
                    truth[f"{item}__reason"].fillna("-").to_numpy()).all(), (org, item)
        for fld in ("kanaal", "leeftijdsgroep", "periode"):
            assert (survey.responses[fld].astype(str).to_numpy() == truth[fld].to_numpy()).all(), (org, fld)


@pytest.mark.parametrize("org", sample.ORG_IDS)
def test_planted_identifiers_are_valid_and_present(org):
    planted = sample.planted_identifiers(org)
    assert len(planted) >= 8 and planted == sample.planted_identifiers(org)
    truth, _ = sample.truth(org)
    text = "\n".join(truth["open_antwoord"].dropna())
    for ident in planted:
        assert ident in text
        if re.fullmatch(r"\d{9}", ident):
            assert eleven_proof(ident), ident
        if ident.startswith("NL") and re.fullmatch(r"NL\d{2}[A-Z]{4}\d{10}", ident):
            assert iban_valid(ident), ident
    kinds = {"bsn" if re.fullmatch(r"\d{9}", i) else "iban" if i.startswith("NL") else
             "mail" if "@" in i else "phone" if i.startswith("06-") else
             "postcode" if re.fullmatch(r"\d{4} [A-Z]{2} \d+", i) else "name" for i in planted}
    if org in ("molensloot", "lut"):
        assert kinds == {"bsn", "iban", "mail", "phone", "postcode", "name"}
    assert any(f"Mijn naam is" in t for t in truth["open_antwoord"].dropna()) or "name" not in kinds


def test_open_answers_vary_and_cover_both_sentiments(molensloot):
    answers = molensloot.responses["open_antwoord"].dropna()
    assert 0.2 < len(answers) / len(molensloot.responses) < 0.4
    assert answers.nunique() > 100
    assert answers.str.contains("lang|niet serieus|geen begrip").any() and answers.str.contains("Fijn|vriendelijk").any()


def test_sample_config_resolves_from_source_tree_not_cwd(tmp_path, sample_dir):
    cwd = os.getcwd()
    os.chdir(tmp_path)
    try:
        assert sample.sample_config("molensloot") == sample_dir / "molensloot.yml"
    finally:
        os.chdir(cwd)
    with pytest.raises(ConfigError) as e:
        sample.sample_config("amsterdam")
    assert "no sample organisation 'amsterdam'" in str(e.value) and "molensloot" in str(e.value)
    with pytest.raises(ConfigError):
        sample.planted_identifiers("amsterdam")

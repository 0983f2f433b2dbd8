"""The capstone's model answer (book/leren/eindopdracht.md): its LUT numbers, recomputed from the raw file
by hand (cp1252 CSV, codes 97-99 as missing, quarter from the contact date, brute-force Shapley)."""
from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from meethuis.common.errors import MeethuisError
from meethuis.cli.main import main
from test_exercises import shapley_by_enumeration

ROOT = Path(__file__).resolve().parents[1]
PAGE = ROOT / "book" / "leren" / "eindopdracht.md"
RAW = ROOT / "data" / "sample" / "lut_klantonderzoek.csv"
DRIVERS = {"empathie": "V10", "meedenken": "V11", "serieus_genomen": "V12", "luisteren": "V13",
           "vriendelijkheid": "V14", "snelheid": "V15", "juiste_informatie": "V16", "duidelijkheid": "V17",
           "bereikbaarheid": "V18", "deskundigheid": "V19", "afspraken_nakomen": "V20", "eenvoud_proces": "V21",
           "transparantie": "V22"}


def _num(s: pd.Series, lo: int, hi: int) -> pd.Series:
    x = pd.to_numeric(s, errors="coerce")
    return x.where((x >= lo) & (x <= hi))


def test_model_answer_numbers_match_the_raw_file():
    d = pd.read_csv(RAW, encoding="cp1252", dtype=str, keep_default_na=False)
    t = pd.to_datetime(d["CONTACTDATUM"], format="%d-%m-%Y")
    quarter = t.dt.year.astype(str) + "Q" + t.dt.quarter.astype(str)
    q = d[quarter == "2026Q3"]
    assert quarter.max() == "2026Q3"
    grade = _num(q["V01_cijfer"], 1, 10)
    frame = pd.DataFrame({"tevredenheid": grade, **{k: _num(q[v], 1, 5) for k, v in DRIVERS.items()}}).dropna()
    shares = shapley_by_enumeration(frame, "tevredenheid", list(DRIVERS))
    total = sum(shares.values())
    top = sorted(shares, key=shares.get, reverse=True)[:3]
    assert top == ["empathie", "meedenken", "serieus_genomen"]
    text = PAGE.read_text(encoding="utf-8")
    fmt = lambda x, k: f"{x:.{k}f}".replace(".", ",")  # noqa: E731
    for needle in (f"vulden {len(q)} klanten", f"{grade.notna().sum()} gaven", f"ongewogen {fmt(grade.mean(), 2)}",
                   fmt(100 * (_num(q['V15'], 1, 5).dropna() >= 4).mean(), 1) + " procent",
                   f"Alleen {len(frame)} van de {len(q)}",
                   ", ".join(fmt(100 * shares[k] / total, 1) for k in top[:2]) + f" en {fmt(100 * shares[top[2]] / total, 1)}"):
        assert needle in text, needle


@pytest.mark.slow
def test_init_reads_the_lut_file_as_it_is(tmp_path, capsys):
    """init on LUT's raw file (cp1252, codes 97/98/99, dd-mm-yyyy dates) writes a config that validates and reports."""
    out = tmp_path / "lut.yml"
    assert main(["init", "--data", str(RAW), "--out", str(out), "--id", "RESP_ID"]) == 0
    text = out.read_text(encoding="utf-8")
    assert "missing_values: {97: nvt, 98: weet_niet, 99: missing}" in text
    assert 'date_column: "CONTACTDATUM", date_format: "%d-%m-%Y"' in text
    from meethuis.intake.config import load_config
    from meethuis.intake.validate import load_survey

    config = load_config(out)
    assert config.outcomes() == ["v01_cijfer"] and "v10" in config.drivers()
    survey = load_survey(config)
    d = pd.read_csv(RAW, encoding="cp1252", dtype=str, keep_default_na=False)
    # independent count: answers 1-10 of the grade, the 97-99 codes as missing
    assert survey.responses["v01_cijfer"].notna().sum() == _num(d["V01_cijfer"], 1, 10).notna().sum()
    assert (survey.missing_reasons["v10"] == "nvt").sum() == (d["V10"] == "97").sum()
    assert survey.responses["periode"].max() == "2026Q3"
    assert main(["validate", "--config", str(out)]) == 0
    assert "05_drijfveren            komt in het rapport" in capsys.readouterr().out
    assert main(["report", "--config", str(out), "--out", str(tmp_path / "rapport"), "--quiet"]) == 0
    table = pd.read_csv(tmp_path / "rapport" / "tables" / "drijfveren_v01_cijfer.csv")
    assert len(table) == len(config.drivers())

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


def test_init_stops_on_the_lut_file_as_the_page_says(tmp_path, capsys):
    """Step 2 tells the trainee that init stops on LUT's 97-99 codes; if init learns them, update the page."""
    rc = main(["init", "--data", str(RAW), "--out", str(tmp_path / "lut.yml"), "--id", "RESP_ID"])
    assert rc == 2 and "no outcome found" in capsys.readouterr().err
    assert not (tmp_path / "lut.yml").exists()

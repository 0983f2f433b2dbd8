"""Reading files (encodings, delimiters, Excel, SPSS) and the atomic writers; every sample organisation
read into the contract's types."""
from __future__ import annotations

import os
import stat
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from meethuis import sample
from meethuis.common.errors import DataError
from meethuis.intake.io import atomic_directory, decode_text, detect_delimiter, file_digest, read_table, write_bytes_atomic, write_text_atomic


# ---- decoding and delimiters -------------------------------------------------------------------------
from meethuis.intake.validate import load_survey


# ---- decoding and delimiters -------------------------------------------------------------------------
@pytest.mark.parametrize("data,expected,encoding", [
    ("a;é\n".encode("utf-8"), "a;é\n", "utf-8"),
    (b"\xef\xbb\xbf" + "a;é\n".encode("utf-8"), "a;é\n", "utf-8-sig"),
    ("a;é€\n".encode("cp1252"), "a;é€\n", "cp1252"),
    ("a;é\n".encode("utf-16"), "a;é\n", "utf-16"),
])
def test_decode_detects_encoding(tmp_path, data, expected, encoding):
    assert decode_text(data, tmp_path / "x.csv") == (expected, encoding)


def test_forced_encoding_wins(tmp_path):
    assert decode_text("é".encode("latin-1"), tmp_path / "x.csv", "latin-1") == ("é", "latin-1")
    with pytest.raises(DataError) as e:
        decode_text(b"x", tmp_path / "x.csv", "klingon")
    assert "unknown encoding 'klingon'" in str(e.value)


@pytest.mark.parametrize("header,sep", [("a;b;c", ";"), ("a,b,c", ","), ("a\tb", "\t"), ("a;b,c;d", ";"),
                                        ("alleen", ",")])
def test_detect_delimiter(header, sep):
    assert detect_delimiter(header) == sep


def test_csv_keeps_text_and_row_numbers(tmp_path):
    path = tmp_path / "x.csv"
    path.write_text("id;cijfer;opm\n1;7,5; goed \n\n2;;NA\n", encoding="utf-8")
    raw = read_table(path)
    assert raw.kind == "csv" and raw.delimiter == ";"
    assert list(raw.frame.index) == [1, 2, 3]  # the blank line keeps its row number
    assert raw.frame.loc[1, "cijfer"] == "7,5" and raw.frame.loc[1, "opm"] == "goed"
    assert raw.frame.loc[2].isna().all()
    assert raw.frame.loc[3, "opm"] == "NA"  # the text 'NA' is an answer, not a missing value


def test_xlsx_sheets(tmp_path):
    path = tmp_path / "x.xlsx"
    with pd.ExcelWriter(path) as w:
        pd.DataFrame({"a": [1, 2]}).to_excel(w, sheet_name="Leeg", index=False)
        pd.DataFrame({"id": ["R1", "R2"], "cijfer": [7, None]}).to_excel(w, sheet_name="Data", index=False)
    raw = read_table(path, sheet="Data")
    assert raw.frame.loc[1, "cijfer"] == 7 and pd.isna(raw.frame.loc[2, "cijfer"])
    assert list(read_table(path, sheet=1).frame.columns) == ["id", "cijfer"]
    assert list(read_table(path).frame.columns) == ["a"]
    with pytest.raises(DataError) as e:
        read_table(path, sheet=5)
    assert "sheet number 5 does not exist" in str(e.value) and "Leeg, Data" in str(e.value)


def test_broken_xlsx_and_sav(tmp_path):
    for name in ("x.xlsx", "x.sav"):
        (tmp_path / name).write_bytes(b"not really a file")
        with pytest.raises(DataError) as e:
            read_table(tmp_path / name)
        assert name in str(e.value) and "cannot" in str(e.value)


def test_sav_value_labels(sample_dir):
    raw = read_table(sample_dir / "isr_enquete.sav")
    assert raw.kind == "sav"
    assert raw.value_labels["q6"][8] == "n.v.t." and raw.value_labels["kanaal"][5] == "Balie"


# ---- the sample organisations in the contract's types ----------------------------------------------------
@pytest.mark.parametrize("org", ["molensloot", "lindewaard", "isr"])
def test_sample_organisations_load_into_contract_types(org):
    survey = load_survey(sample.sample_config(org))
    r = survey.responses
    cfg = survey.config
    assert isinstance(r.index, pd.RangeIndex)
    assert r["respondent_id"].map(type).eq(str).all() and r["respondent_id"].is_unique
    assert r["periode"].str.fullmatch(r"\d{4}Q[1-4]").all()
    for item in cfg.items_in_use():
        assert r[item].dtype == np.float64
        scale = cfg.codebook.items[item].scale
        assert r[item].dropna().between(scale.min, scale.max).all()
    for fld in ("kanaal", "leeftijdsgroep", "digitale_vaardigheid", "dienst"):
        assert isinstance(r[fld].dtype, pd.CategoricalDtype)
    assert set(r["kanaal"].dropna()) <= {"telefoon", "balie", "website", "e-mail", "chat", "post"}
    assert set(r["leeftijdsgroep"].cat.categories) == {"18-34", "35-49", "50-64", "65+"}
    reasons = survey.missing_reasons
    assert list(reasons.columns) == cfg.items_in_use() and reasons.index.equals(r.index)
    assert set(reasons.stack().unique()) <= {"nvt", "weet_niet", "missing"}
    # a reason exactly where the answer is missing
    for item in cfg.items_in_use():
        assert (reasons[item].notna() == r[item].isna()).all()
    p = survey.process
    assert p["zaak_sleutel"].is_unique and p["doorlooptijd_dagen"].dtype == np.float64
    assert str(p["doorverwezen"].dtype) == "boolean"
    assert (survey.summary.rows, len(r)) == (len(r), len(r))


def test_lut_dates_and_cp1252(sample_dir):
    survey = load_survey(sample_dir / "lut.yml")
    r = survey.responses
    assert survey.summary.encoding == "cp1252" and survey.summary.delimiter == ","
    assert str(r["datum"].dtype).startswith("datetime64")
    quarters = r["datum"].dt.year.astype(str) + "Q" + r["datum"].dt.quarter.astype(str)
    assert (quarters == r["periode"]).all()
    truth, _ = sample.truth("lut")
    assert (r["datum"].dt.strftime("%Y-%m-%d") == truth["datum"].dt.strftime("%Y-%m-%d")).all()
    assert r["open_antwoord"].str.contains("geïnteresseerde").any()  # decoded from cp1252, not mojibake
    assert survey.process["uitkomst"].notna().all()


# ---- atomic writers --------------------------------------------------------------------------------------
def test_atomic_writers(tmp_path):
    target = tmp_path / "sub" / "a.txt"
    write_text_atomic(target, "één\n")
    assert target.read_bytes() == "één\n".encode("utf-8")
    mode = stat.S_IMODE(os.stat(target).st_mode)
    umask = os.umask(0)
    os.umask(umask)
    assert mode == 0o666 & ~umask  # not mkstemp's private 0600
    write_bytes_atomic(target, b"\x00\x01")
    assert target.read_bytes() == b"\x00\x01"
    assert [p.name for p in target.parent.iterdir()] == ["a.txt"]  # no temp files left


def test_atomic_directory_replaces_whole_or_not_at_all(tmp_path):
    out = tmp_path / "rapport"
    with atomic_directory(out) as tmp:
        (tmp / "a").write_text("1")
    with pytest.raises(RuntimeError):
        with atomic_directory(out) as tmp:
            (tmp / "b").write_text("2")
            raise RuntimeError("half way")
    assert [p.name for p in out.iterdir()] == ["a"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["rapport"]
    umask = os.umask(0)
    os.umask(umask)
    assert stat.S_IMODE(os.stat(out).st_mode) == 0o777 & ~umask  # not mkdtemp's private 0700


def test_file_digest_is_sha256_of_the_bytes(tmp_path):
    target = tmp_path / "abc.txt"
    target.write_bytes(b"abc")
    # FIPS 180-2 test vector for "abc"
    assert file_digest(target) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    assert file_digest(tmp_path / "absent.csv") == "-"
    assert file_digest(None) == "-"


# -- files that cannot be read as a table: one clear DataError each (issue 15) ------------------------------------
def test_header_and_rows_with_different_delimiters(tmp_path):
    path = tmp_path / "enquete.csv"
    path.write_text("id;kwartaal;cijfer\nR1,2026Q1,7\nR2,2026Q1,8\n", encoding="utf-8")
    with pytest.raises(DataError, match="header row is separated by semicolons but the data rows by commas"):
        read_table(path)


def test_data_file_that_is_a_folder_or_unreadable(tmp_path, monkeypatch):
    with pytest.raises(DataError, match="is a folder, not a file"):
        read_table(tmp_path)
    path = tmp_path / "enquete.csv"
    path.write_text("id;cijfer\nR1;7\n", encoding="utf-8")

    import meethuis.intake.io as io_module

    def denied(*args, **kwargs):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(io_module, "open", denied, raising=False)  # chmod 000 does not stop root: simulate it
    with pytest.raises(DataError, match="permission denied"):
        read_table(path)

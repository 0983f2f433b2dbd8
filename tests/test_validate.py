"""Intake validation: mapping onto the codebook, the quality summary, and at least 15 distinct bad inputs.

Every bad input is its own small temp file or config; each test asserts that the message names the
problem and where it is (file, row, column or key). Counts are checked against hand-made files.
"""
from __future__ import annotations

import textwrap
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from meethuis.common.errors import ConfigError, DataError
from meethuis.intake.validate import load_survey
from meethuis.intake.validate import norm_value, parse_period

ITEMS = ["tevredenheid", "menselijkheid", "effectiviteit", "vertrouwen", "gemak", "empathie", "meedenken",
         "serieus_genomen", "luisteren", "vriendelijkheid", "snelheid", "juiste_informatie", "duidelijkheid",
         "bereikbaarheid", "deskundigheid"]


def _rows(n: int = 20) -> list[dict]:
    rows = []
    for i in range(n):
        row = {"id": f"R{i + 1}", "kwartaal": "2026Q1" if i < n // 2 else "2026Q2",
               "kanaal": ["Telefoon", "Balie"][i % 2], "leeftijd": ["18-34", "65+"][i % 2]}
        for k, item in enumerate(ITEMS):
            row[item] = str(1 + (i + k) % 10) if item == "tevredenheid" else str(1 + (i + k) % 5)
        rows.append(row)
    return rows


def make_org(tmp: Path, rows: list[dict] | None = None, *, extra_yaml: str = "", columns_yaml: str | None = None,
             data_yaml: str = "", sep: str = ";", encoding: str = "utf-8", file_name: str = "enquete.csv",
             process: str | None = None, process_yaml: str = "") -> Path:
    """Write a small survey CSV and its config into ``tmp``; returns the config path."""
    rows = _rows() if rows is None else rows
    if rows:
        frame = pd.DataFrame(rows)
        (tmp / file_name).write_bytes(frame.to_csv(sep=sep, index=False, lineterminator="\n").encode(encoding))
    if columns_yaml is None:
        columns_yaml = "\n".join(f"    {i}: {i}" for i in ITEMS)
        columns_yaml += "\n    kanaal: {column: kanaal, recode: {Telefoon: telefoon, Balie: balie}}"
        columns_yaml += "\n    leeftijdsgroep: leeftijd"
    proc = ""
    if process is not None:
        (tmp / "zaken.csv").write_text(process, encoding="utf-8")
        proc = textwrap.dedent("""
            process:
              file: zaken.csv
              key: zaak
              survey_key: zaak
              columns:
                doorlooptijd_dagen: dagen
                doorverwezen: verwezen
            """) + process_yaml
    cfg = (f"organisation: {{id: proef, name: Proefgemeente}}\n"
           f"data:\n  file: {file_name}\n  respondent_id: id\n  period: kwartaal\n{data_yaml}"
           f"  columns:\n{columns_yaml}\n{proc}{extra_yaml}")
    path = tmp / "proef.yml"
    path.write_text(cfg, encoding="utf-8")
    return path


def err(exc_info) -> str:
    return str(exc_info.value)


# ---------------------------------------------------------------------------------------------------
# Good input: hand-made file, every count known
# ---------------------------------------------------------------------------------------------------
def test_small_file_maps_and_counts(tmp_path):
    rows = _rows(20)
    rows[3]["empathie"] = "n.v.t."
    rows[4]["empathie"] = "weet niet"
    rows[5]["empathie"] = ""
    rows[6]["tevredenheid"] = "7,0"  # decimal comma
    survey = load_survey(make_org(tmp_path, rows))
    r = survey.responses
    assert list(r.columns[:2]) == ["respondent_id", "periode"]
    assert r["respondent_id"].tolist() == [f"R{i}" for i in range(1, 21)]
    assert r["periode"].value_counts().to_dict() == {"2026Q1": 10, "2026Q2": 10}
    assert r["kanaal"].dtype == "category" and list(r["kanaal"].cat.categories)[:2] == ["telefoon", "balie"]
    assert r["kanaal"].tolist()[:2] == ["telefoon", "balie"]
    assert r["empathie"].dtype == np.float64
    assert np.isnan(r.loc[3:5, "empathie"]).all()
    assert survey.missing_reasons.loc[3:5, "empathie"].tolist() == ["nvt", "weet_niet", "missing"]
    assert pd.isna(survey.missing_reasons.loc[0, "empathie"])
    assert r.loc[6, "tevredenheid"] == 7.0
    # valid n per item by hand: 20 rows, 3 missing in empathie
    q = survey.summary.to_frame().set_index("item")
    assert q.loc["empathie", ["valid_n", "nvt", "weet_niet", "missing"]].tolist() == [17, 1, 1, 1]
    assert q.loc["snelheid", "valid_n"] == 20
    assert survey.summary.rows == 20 and survey.summary.problems == ()
    # the values equal the file, row by row
    expected = [float(1 + (i + ITEMS.index("snelheid")) % 5) for i in range(20)]
    assert r["snelheid"].tolist() == expected


def test_comma_delimiter_and_cp1252_detected(tmp_path):
    rows = _rows(12)
    rows[0]["kanaal"] = "Balie"
    path = make_org(tmp_path, rows, sep=",", encoding="cp1252",
                    extra_yaml="", columns_yaml=None)
    text = (tmp_path / "enquete.csv").read_bytes().decode("cp1252").replace("id,", "id,opmerking,", 1)
    lines = text.splitlines()
    lines = [lines[0]] + [ln.replace(",", ",Prima geholpen, café dicht,", 1) if False else
                          ln.split(",", 1)[0] + ",\"Prettig, één keer bellen\"," + ln.split(",", 1)[1]
                          for ln in lines[1:]]
    (tmp_path / "enquete.csv").write_bytes(("\n".join(lines) + "\n").encode("cp1252"))
    cfg = path.read_text().replace("  columns:\n", "  columns:\n    open_antwoord: opmerking\n")
    path.write_text(cfg)
    survey = load_survey(path)
    assert survey.summary.encoding == "cp1252" and survey.summary.delimiter == ","
    assert survey.responses["open_antwoord"].iloc[0] == "Prettig, één keer bellen"


def test_utf8_bom_detected(tmp_path):
    path = make_org(tmp_path, encoding="utf-8-sig")
    survey = load_survey(path)
    assert survey.summary.encoding == "utf-8-sig"
    assert survey.responses["respondent_id"].iloc[0] == "R1"  # the BOM does not stick to the first header


def test_few_out_of_range_values_become_missing_with_warning(tmp_path):
    rows = _rows(40)
    rows[7]["menselijkheid"] = "7"
    survey = load_survey(make_org(tmp_path, rows))
    assert np.isnan(survey.responses.loc[7, "menselijkheid"])
    assert survey.missing_reasons.loc[7, "menselijkheid"] == "missing"
    oor = survey.summary.out_of_range[0]
    assert (oor.item, oor.column, oor.count, oor.rows) == ("menselijkheid", "menselijkheid", 1, (8,))
    assert any("outside the scale 1-5" in p.message and p.row == 8 for p in survey.summary.problems)


def test_exact_duplicate_rows_and_empty_rows_dropped(tmp_path):
    rows = _rows(12)
    rows.append(dict(rows[2]))
    rows.append({k: "" for k in rows[0]})
    survey = load_survey(make_org(tmp_path, rows))
    s = survey.summary
    assert (s.rows_read, s.rows, s.empty_rows, s.duplicate_ids) == (14, 12, 1, ("R3",))
    assert len(survey.responses) == 12 and survey.responses.index.equals(pd.RangeIndex(12))


def test_unknown_columns_listed(tmp_path):
    rows = _rows(12)
    for r in rows:
        r["extra_vraag"] = "x"
    s = load_survey(make_org(tmp_path, rows)).summary
    assert s.unknown_columns == ("extra_vraag",)
    assert "extra_vraag" in s.to_text("nl") and "Waarschuwingen (1)" in s.to_text("nl")
    assert "1 kolom(men) niet gebruikt in de koppeling: extra_vraag" in s.to_text("nl")
    assert "Warnings (1)" in s.to_text("en") and "1 column(s) not used by the mapping" in s.to_text("en")


def test_text_labels_from_the_codebook_are_understood(tmp_path):
    rows = _rows(12)
    rows[0]["empathie"] = "Helemaal mee eens"
    rows[1]["empathie"] = "mee  oneens"
    survey = load_survey(make_org(tmp_path, rows))
    assert survey.responses.loc[:1, "empathie"].tolist() == [5.0, 2.0]


@pytest.mark.parametrize("text,expected", [
    ("2026Q3", "2026Q3"), ("2026-Q3", "2026Q3"), ("2026 K3", "2026Q3"), ("Q3 2026", "2026Q3"),
    ("k1-2025", "2025Q1"), ("2026-08-15", "2026Q3"), (pd.Timestamp("2025-11-02"), "2025Q4"),
    ("2026", None), ("Q5 2026", None), ("derde kwartaal", None),
])
def test_parse_period(text, expected):
    assert parse_period(text) == expected


def test_norm_value():
    assert norm_value(" Mee  Eens ") == "mee eens"
    assert norm_value("7,5") == 7.5 and norm_value("7") == 7 and norm_value(7.0) == 7
    assert norm_value("") is None and norm_value(np.nan) is None


def test_process_file_typed_and_linked(tmp_path):
    rows = _rows(12)
    for i, r in enumerate(rows):
        r["zaak"] = f"Z{i}"
    process = "zaak;dagen;verwezen\nZ0;3,5;ja\nZ1;40;nee\nZ2;;nee\nZ99;1;j\n"
    survey = load_survey(make_org(tmp_path, rows, process=process))
    p = survey.process.set_index("zaak_sleutel")
    assert p.loc["Z0", "doorlooptijd_dagen"] == 3.5 and p.loc["Z1", "doorlooptijd_dagen"] == 40.0
    assert np.isnan(p.loc["Z2", "doorlooptijd_dagen"])
    assert p["doorverwezen"].tolist() == [True, False, False, True]
    link = survey.summary.process
    assert (link.rows, link.matched, link.survey_without_process, link.process_without_survey) == (4, 3, 9, 1)
    assert survey.responses["zaak_sleutel"].iloc[0] == "Z0"


# ---------------------------------------------------------------------------------------------------
# Bad inputs (each its own temp file or config): the message names the problem and where
# ---------------------------------------------------------------------------------------------------
def test_bad_mapped_column_absent_lists_close_matches(tmp_path):
    cols = "\n".join(f"    {i}: {i}" for i in ITEMS).replace("empathie: empathie", "empathie: empatie")
    with pytest.raises(DataError) as e:
        load_survey(make_org(tmp_path, columns_yaml=cols))
    assert "column 'empatie' (mapped to 'empathie') is not in the file" in err(e)
    assert "enquete.csv" in err(e) and "did you mean 'empathie'" in err(e) and "data.columns.empathie" in err(e)


def test_bad_unmapped_text_label_shows_value_row_and_recodes(tmp_path):
    rows = _rows(12)
    rows[4]["empathie"] = "Neutraal"
    data = "  recodes:\n    eens: {mee eens: 4, helemaal mee eens: 5}\n"
    cols = "\n".join(f"    {i}: {i}" for i in ITEMS).replace("empathie: empathie",
                                                              "empathie: {column: empathie, recode: eens}")
    with pytest.raises(DataError) as e:
        load_survey(make_org(tmp_path, rows, columns_yaml=cols, data_yaml=data))
    assert e.value.row == 5 and e.value.column == "empathie"
    assert "'Neutraal'" in err(e) and "mee eens, helemaal mee eens" in err(e) and "row 5" in err(e)


def test_bad_many_out_of_range_values_are_fatal(tmp_path):
    rows = _rows(20)
    for r in rows[:5]:
        r["vertrouwen"] = "9"
    with pytest.raises(DataError) as e:
        load_survey(make_org(tmp_path, rows))
    assert "outside its scale 1-5" in err(e) and e.value.row == 1 and e.value.column == "vertrouwen"
    assert "25% of the answers" in err(e)


def test_bad_single_out_of_range_value_fatal_when_strict(tmp_path):
    rows = _rows(40)
    rows[10]["gemak"] = "0"
    with pytest.raises(DataError) as e:
        load_survey(make_org(tmp_path, rows), strict=True)
    assert e.value.row == 11 and e.value.column == "gemak" and "outside its scale" in err(e)


def test_bad_unparseable_period(tmp_path):
    rows = _rows(12)
    rows[6]["kwartaal"] = "zomer 2026"
    with pytest.raises(DataError) as e:
        load_survey(make_org(tmp_path, rows))
    assert "'zomer 2026' is not a quarter" in err(e) and e.value.row == 7 and e.value.column == "kwartaal"


def test_bad_empty_period(tmp_path):
    rows = _rows(12)
    rows[2]["kwartaal"] = ""
    with pytest.raises(DataError) as e:
        load_survey(make_org(tmp_path, rows))
    assert "period is empty" in err(e) and e.value.row == 3


def test_bad_duplicate_respondent_id_with_different_answers(tmp_path):
    rows = _rows(12)
    rows[9]["id"] = "R2"
    with pytest.raises(DataError) as e:
        load_survey(make_org(tmp_path, rows))
    assert "respondent id 'R2' occurs in rows 2, 10" in err(e) and e.value.column == "id"


def test_bad_row_without_respondent_id(tmp_path):
    rows = _rows(12)
    rows[5]["id"] = ""
    with pytest.raises(DataError) as e:
        load_survey(make_org(tmp_path, rows))
    assert "no respondent id" in err(e) and e.value.row == 6


def test_bad_empty_file(tmp_path):
    path = make_org(tmp_path, rows=[])
    (tmp_path / "enquete.csv").write_bytes(b"")
    with pytest.raises(DataError) as e:
        load_survey(path)
    assert "the file is empty" in err(e) and "enquete.csv" in err(e)


def test_bad_header_without_rows(tmp_path):
    path = make_org(tmp_path, rows=[])
    (tmp_path / "enquete.csv").write_text("id;kwartaal;" + ";".join(ITEMS) + "\n")
    with pytest.raises(DataError) as e:
        load_survey(path)
    assert "no data rows" in err(e)


def test_bad_data_file_not_found(tmp_path):
    path = make_org(tmp_path, rows=[])
    with pytest.raises(DataError) as e:
        load_survey(path)
    assert "data file not found" in err(e) and "enquete.csv" in err(e)


def test_bad_unknown_file_type(tmp_path):
    path = make_org(tmp_path, file_name="enquete.json")
    with pytest.raises(DataError) as e:
        load_survey(path)
    assert "unknown file type '.json'" in err(e) and ".xlsx" in err(e)


def test_bad_forced_encoding_does_not_fit(tmp_path):
    rows = _rows(12)
    rows[0]["kanaal"] = "Telefoon"
    path = make_org(tmp_path, rows, data_yaml="  encoding: utf-8\n")
    raw = (tmp_path / "enquete.csv").read_bytes().replace(b"R1;", "Ré;".encode("cp1252"), 1)
    (tmp_path / "enquete.csv").write_bytes(raw)
    with pytest.raises(DataError) as e:
        load_survey(path)
    assert "cannot read the file as utf-8" in err(e) and "0xe9" in err(e)


def test_bad_undetectable_encoding(tmp_path):
    path = make_org(tmp_path)
    raw = (tmp_path / "enquete.csv").read_bytes()
    (tmp_path / "enquete.csv").write_bytes(raw.replace(b"R3;", b"R\x81\x9d;", 1))
    with pytest.raises(DataError) as e:
        load_survey(path)
    assert "unreadable encoding" in err(e) and "0x81" in err(e) and "data.encoding" in err(e)


def test_bad_category_value(tmp_path):
    rows = _rows(12)
    rows[8]["kanaal"] = "Fax"
    with pytest.raises(DataError) as e:
        load_survey(make_org(tmp_path, rows))
    assert "'Fax' of 'kanaal' is not one of its categories" in err(e) and e.value.row == 9
    assert "telefoon, balie, website" in err(e) and "Telefoon, Balie" not in err(e)


def test_bad_recode_target_outside_categories(tmp_path):
    cols = "\n".join(f"    {i}: {i}" for i in ITEMS) + "\n    kanaal: {column: kanaal, recode: {Telefoon: bellen}}"
    with pytest.raises(ConfigError) as e:
        load_survey(make_org(tmp_path, columns_yaml=cols))
    assert "'bellen'" in err(e) and "data.columns.kanaal.recode" in err(e) and "allowed: telefoon" in err(e)


def test_bad_wrong_sheet(tmp_path):
    frame = pd.DataFrame(_rows(12))
    frame.to_excel(tmp_path / "enquete.xlsx", sheet_name="Antwoorden", index=False)
    path = make_org(tmp_path, rows=[], file_name="enquete.xlsx", data_yaml="  sheet: Antwoord\n")
    with pytest.raises(DataError) as e:
        load_survey(path)
    assert "sheet 'Antwoord' not found" in err(e) and "did you mean 'Antwoorden'" in err(e)


def test_bad_repeated_mapped_header(tmp_path):
    path = make_org(tmp_path)
    text = (tmp_path / "enquete.csv").read_text()
    header, rest = text.split("\n", 1)
    (tmp_path / "enquete.csv").write_text(header.replace("luisteren", "empathie") + "\n" + rest)
    with pytest.raises(DataError) as e:
        load_survey(path)
    assert "column 'empathie'" in err(e) and "appears more than once" in err(e)


def test_bad_unparseable_date(tmp_path):
    rows = _rows(12)
    for i, r in enumerate(rows):
        r["datum"] = f"{i + 1:02d}-03-2026"
    rows[4]["datum"] = "31-02-2026"
    path = make_org(tmp_path, rows)
    path.write_text(path.read_text().replace("  period: kwartaal\n",
                                             "  period: {date_column: datum, date_format: '%d-%m-%Y'}\n"))
    with pytest.raises(DataError) as e:
        load_survey(path)
    assert "'31-02-2026' cannot be read" in err(e) and e.value.row == 5 and "%d-%m-%Y" in err(e)


def test_bad_process_key_column_absent(tmp_path):
    rows = _rows(12)
    for i, r in enumerate(rows):
        r["zaak"] = f"Z{i}"
    with pytest.raises(DataError) as e:
        load_survey(make_org(tmp_path, rows, process="zaaknr;dagen;verwezen\nZ0;1;ja\n"))
    assert "column 'zaak'" in err(e) and "zaken.csv" in err(e) and "process.key" in err(e)


def test_bad_process_duplicate_key(tmp_path):
    rows = _rows(12)
    for i, r in enumerate(rows):
        r["zaak"] = f"Z{i}"
    with pytest.raises(DataError) as e:
        load_survey(make_org(tmp_path, rows, process="zaak;dagen;verwezen\nZ0;1;ja\nZ1;2;nee\nZ0;3;ja\n"))
    assert "case key 'Z0' occurs more than once (rows 1, 3)" in err(e) and e.value.row == 3


def test_bad_process_value_not_a_number(tmp_path):
    rows = _rows(12)
    for i, r in enumerate(rows):
        r["zaak"] = f"Z{i}"
    with pytest.raises(DataError) as e:
        load_survey(make_org(tmp_path, rows, process="zaak;dagen;verwezen\nZ0;1;ja\nZ1;twee;nee\n"))
    assert "'twee' is not a number" in err(e) and e.value.row == 2 and e.value.column == "dagen"


def test_bad_process_boolean(tmp_path):
    rows = _rows(12)
    for i, r in enumerate(rows):
        r["zaak"] = f"Z{i}"
    with pytest.raises(DataError) as e:
        load_survey(make_org(tmp_path, rows, process="zaak;dagen;verwezen\nZ0;1;misschien\n"))
    assert "'misschien' is not yes/no" in err(e) and "process.recodes.doorverwezen" in err(e)


def test_bad_column_with_data_but_no_name(tmp_path):
    path = make_org(tmp_path)
    text = (tmp_path / "enquete.csv").read_text().splitlines()
    text = [text[0] + ";"] + [ln + ";x" for ln in text[1:]]
    (tmp_path / "enquete.csv").write_text("\n".join(text) + "\n")
    with pytest.raises(DataError) as e:
        load_survey(path)
    assert "has data but no name" in err(e)


def test_small_sample_organisations_have_no_warnings(sample_dir):
    # sanity: the sample organisations validate without warnings
    for name in ("isr", "lindewaard"):
        assert load_survey(sample_dir / f"{name}.yml").summary.problems == ()


def test_spss_user_missing_and_value_labels(tmp_path):
    import pyreadstat

    rows = _rows(12)
    frame = pd.DataFrame(rows)
    for item in ITEMS:
        frame[item] = frame[item].astype(float)
    frame.loc[0, "empathie"] = 9.0  # declared user-missing in the file
    frame.loc[1, "empathie"] = 8.0  # labelled "n.v.t." in the file
    frame["kanaal"] = [1.0, 2.0] * 6
    pyreadstat.write_sav(frame, str(tmp_path / "enquete.sav"), missing_ranges={"empathie": [9.0]},
                         variable_value_labels={"empathie": {8.0: "n.v.t.", 9.0: "geen antwoord", 5.0: "helemaal eens"},
                                                "kanaal": {1.0: "Telefoon", 2.0: "Balie"}})
    survey = load_survey(make_org(tmp_path, rows=[], file_name="enquete.sav"))
    assert survey.missing_reasons.loc[:1, "empathie"].tolist() == ["missing", "nvt"]
    assert survey.responses["kanaal"].tolist()[:2] == ["telefoon", "balie"]
    assert survey.summary.out_of_range == ()


def test_item_without_any_answer_is_a_warning(tmp_path):
    rows = _rows(12)
    for r in rows:
        r["deskundigheid"] = ""
    s = load_survey(make_org(tmp_path, rows)).summary
    assert any("'deskundigheid' has no valid answers" in p.message for p in s.problems)


def test_long_values_are_cut_in_messages(tmp_path):
    rows = _rows(12)
    rows[2]["empathie"] = "Mijn naam is Jan de Vries en ik woon op de Dorpsstraat 12"
    with pytest.raises(DataError) as e:
        load_survey(make_org(tmp_path, rows))
    assert "Dorpsstraat" not in err(e) and "'Mijn naam is Jan de Vries e...'" in err(e)


# ---- properties ----------------------------------------------------------------------------------------
from hypothesis import given, strategies as st  # noqa: E402


@given(st.integers(1990, 2100), st.integers(1, 4), st.sampled_from(["{y}Q{q}", "{y}-Q{q}", "{y} K{q}", "Q{q} {y}",
                                                                     "k{q}-{y}", "{y}q{q}", "K{q}/{y}"]))
def test_every_quarter_spelling_parses(year, quarter, pattern):
    assert parse_period(pattern.format(y=year, q=quarter)) == f"{year}Q{quarter}"


@given(st.dates(min_value=pd.Timestamp("1990-01-01").date(), max_value=pd.Timestamp("2100-12-31").date()))
def test_dates_give_their_quarter(day):
    ts = pd.Timestamp(day)
    assert parse_period(ts) == parse_period(day.isoformat()) == f"{ts.year}Q{ts.quarter}"


@given(st.integers(-10_000, 10_000), st.integers(0, 9))
def test_decimal_comma_and_point_read_the_same(whole, tenth):
    point, comma = f"{whole}.{tenth}", f"{whole},{tenth}"
    assert norm_value(point) == norm_value(comma) == (whole if tenth == 0 else float(point))


# ---------------------------------------------------------------------------------------------------
# Dates that cannot be read safely, dates that are implausible (issue 15)
# ---------------------------------------------------------------------------------------------------
def _dated(tmp: Path, dates: list[str], period_yaml: str = "{date_column: datum}") -> Path:
    rows = _rows(len(dates))
    for row, d in zip(rows, dates):
        row["datum"] = d
        del row["kwartaal"]
    path = make_org(tmp, rows)
    path.write_text(path.read_text(encoding="utf-8").replace("period: kwartaal", f"period: {period_yaml}"),
                    encoding="utf-8")
    return path


def test_dates_written_in_several_ways_are_refused_unless_the_format_is_named(tmp_path):
    dates = ["2026-01-15", "15-01-2026"] * 10
    with pytest.raises(DataError, match="written in 2 ways") as info:
        load_survey(_dated(tmp_path, dates))
    assert "date_format" in info.value.hint


def test_ambiguous_slash_dates_need_a_named_format(tmp_path):
    dates = ["03/04/2026", "04/03/2026", "01/02/2026", "02/01/2026"] * 5  # every one could be d/m or m/d
    with pytest.raises(DataError, match="day/month and as month/day"):
        load_survey(_dated(tmp_path, dates))
    us = load_survey(_dated(tmp_path, dates, "{date_column: datum, date_format: '%m/%d/%Y'}"))
    assert us.responses["datum"].iloc[0] == pd.Timestamp("2026-03-04")
    assert set(us.responses["periode"]) == {"2026Q1", "2026Q2"}  # m/d: March, April, January, February
    assert us.responses["datum"].iloc[1] == pd.Timestamp("2026-04-03")
    dutch = load_survey(_dated(tmp_path, ["13/04/2026"] + dates[1:]))  # one day above 12: day first
    assert dutch.responses["datum"].iloc[1] == pd.Timestamp("2026-03-04")


def test_slash_dates_in_both_orders_are_refused(tmp_path):
    with pytest.raises(DataError, match="has month 13 when read day first") as info:
        load_survey(_dated(tmp_path, ["13/04/2026", "04/13/2026"] * 10))
    assert info.value.row == 2 and "%m/%d/%Y" in info.value.hint


def test_implausible_dates_and_quarters_are_a_warning_with_counts(tmp_path):
    dates = ["2031-01-15", "1899-03-01", "1899-04-01", "2026-02-01"] * 5
    survey = load_survey(_dated(tmp_path, dates))
    messages = [p.message for p in survey.summary.problems]
    assert any("10 before 2000 and 5 after" in m for m in messages), messages
    quiet = load_survey(_dated(tmp_path, dates, "{date_column: datum, plausible_years: [1890, 2040]}"))
    assert not any("implausible" in p.message for p in quiet.summary.problems)
    rows = _rows(20)
    rows[0]["kwartaal"] = "2099Q1"
    survey = load_survey(make_org(tmp_path, rows))
    assert any("1 after" in p.message and "2099Q1" in p.message for p in survey.summary.problems)


def test_respondent_ids_cleaned_at_once_equal_the_per_value_rule():
    from meethuis.intake.validate import _category_text, _id_text

    cases = [pd.Series([1, 22, 333]), pd.Series([1.0, 2.0, 30.0]), pd.Series([1.5, 2.0]),
             pd.Series([" a", "b ", 7, 7.0]), pd.Series([1, 2], dtype="Int64"), pd.Series(["x", "y"], dtype="string"),
             pd.Series([2.0**60, 3.0]), pd.Series([" R1 ", "R2\t", "\u00a0R3"], dtype=object)]
    for ids in cases:
        got = _id_text(ids)
        assert got.dtype == object and list(got) == list(ids.map(_category_text)), list(ids)


def test_text_columns_cleaned_at_once_equal_the_per_value_rule():
    from meethuis.intake.validate import _category_text, _text_column, map_unique, norm_value

    cases = [pd.Series([" a ", "", "  ", None, np.nan, "B\u00a0", "\t7,5 ", "x  y"], dtype=object),
             pd.Series(["a", pd.NA, " "], dtype=object), pd.Series([1.0, None, " a"], dtype=object),
             pd.Series([1, 2, None]), pd.Series(["a", None], dtype="string"), pd.Series([], dtype=object)]
    for col in cases:  # the rule per distinct value: blank (norm_value None) or the stripped text
        expected = map_unique(col, lambda v: None if norm_value(v) is None else _category_text(v))
        got = _text_column(col)
        assert got.dtype == object and list(got) == list(expected), list(col)


def test_dates_and_quarters_per_distinct_date_equal_the_per_row_rule(tmp_path):
    """Dates parsed, quarters written and years checked once per distinct value give the per-row result:
    repeated dates in two written forms of one family, times of day, a year boundary, implausible years."""
    dates = ["2025-12-31", "2026-01-01", "2026-01-01 08:30", "2026-03-31", "2026-04-01", "2026-01-01",
             "1899-07-01", "2031-10-31", "2026-09-30 23:59:59", "2025-12-31"] * 3
    survey = load_survey(_dated(tmp_path, dates))
    expected = pd.to_datetime(pd.Series(dates), format="mixed")
    assert list(survey.responses["datum"]) == list(expected)
    assert survey.responses["datum"].dtype == expected.dtype
    former = expected.dt.year.astype(str) + "Q" + expected.dt.quarter.astype(str)  # the former per-row text
    assert list(survey.responses["periode"]) == list(former)
    assert survey.responses["periode"].dtype == object
    messages = [p.message for p in survey.summary.problems]
    assert any("3 before 2000 and 3 after" in m for m in messages), messages

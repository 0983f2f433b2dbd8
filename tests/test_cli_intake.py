"""``meethuis validate`` and ``meethuis sample``: output, languages, exit codes, and nothing written on errors."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from meethuis.cli.main import main


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_validate_prints_dutch_summary(capsys, sample_dir):
    code, out, err = run(capsys, "validate", "--config", str(sample_dir / "isr.yml"))
    assert code == 0 and err == ""
    assert "Gegevenskwaliteit Inspectie Speelruimte en Recreatieveiligheid" in out
    assert "Respondenten per kwartaal" in out and "Procesgegevens: 150 zaken" in out


def test_validate_in_english_and_csv_out(capsys, sample_dir, tmp_path):
    code, out, _ = run(capsys, "validate", "--config", str(sample_dir / "isr.yml"), "--lang", "en",
                       "--out", str(tmp_path / "q.csv"))
    assert code == 0 and "Data quality Inspectie" in out and "Respondents per quarter" in out
    assert (tmp_path / "q.csv").read_text().startswith("item,column,valid_n")


def _broken_copy(sample_dir, tmp_path):
    for name in ("isr.yml", "isr_enquete.sav", "isr_zaken.csv"):
        shutil.copy(sample_dir / name, tmp_path / name)
    cfg = tmp_path / "isr.yml"
    cfg.write_text(cfg.read_text().replace("empathie: {column: q6,", "empathie: {column: q66,"))
    return cfg


def test_validate_error_is_one_line_exit_2_and_writes_nothing(capsys, sample_dir, tmp_path):
    cfg = _broken_copy(sample_dir, tmp_path)
    code, out, err = run(capsys, "validate", "--config", str(cfg), "--out", str(tmp_path / "q.csv"))
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and "Traceback" not in err
    assert "column 'q66' (mapped to 'empathie') is not in the file" in err and "isr_enquete.sav" in err
    assert not (tmp_path / "q.csv").exists()


def test_validate_all(capsys, sample_dir, tmp_path):
    for name in ("lindewaard.yml", "lindewaard_enquete.xlsx", "lindewaard_zaken.csv"):
        shutil.copy(sample_dir / name, tmp_path / name)
    code, out, _ = run(capsys, "validate", "--all", str(tmp_path))
    assert code == 0 and "Gemeente Lindewaard" in out and "1 van 1 organisaties in orde" in out
    _broken_copy(sample_dir, tmp_path)
    code, out, err = run(capsys, "validate", "--all", str(tmp_path), "--lang", "en")
    assert code == 2 and "1 of 2 organisations valid" in out and "q66" in err


def test_validate_needs_config_or_all(capsys, tmp_path):
    code, _, err = run(capsys, "validate")
    assert code == 2 and "give either --config FILE or --all FOLDER" in err
    code, _, err = run(capsys, "validate", "--all", str(tmp_path))
    assert code == 2 and "no organisation configs" in err


def test_sample_writes_identical_files(capsys, sample_dir, tmp_path):
    code, out, _ = run(capsys, "sample", "--out", str(tmp_path), "--org", "isr")
    assert code == 0 and "isr_enquete.sav" in out
    for name in ("isr_enquete.sav", "isr_zaken.csv"):
        assert (tmp_path / name).read_bytes() == (sample_dir / name).read_bytes()
    code, _, err = run(capsys, "sample", "--out", str(tmp_path), "--org", "amsterdam")
    assert code == 2 and "unknown sample organisation 'amsterdam'" in err


def test_help_texts(capsys):
    for cmd in ("validate", "sample"):
        with pytest.raises(SystemExit):
            main([cmd, "--help"])
        out = capsys.readouterr().out
        assert "--out" in out and len(out.splitlines()) > 5


def test_validate_language_follows_config(capsys, sample_dir, tmp_path):
    for name in ("isr_enquete.sav", "isr_zaken.csv"):
        shutil.copy(sample_dir / name, tmp_path / name)
    (tmp_path / "isr.yml").write_text((sample_dir / "isr.yml").read_text().replace("lang: nl", "lang: en"))
    code, out, _ = run(capsys, "validate", "--config", str(tmp_path / "isr.yml"))
    assert code == 0 and out.startswith("Data quality")
    code, out, _ = run(capsys, "validate", "--config", str(tmp_path / "isr.yml"), "--lang", "nl")
    assert out.startswith("Gegevenskwaliteit")


# -- validate runs every check the report relies on (issue 15) ------------------------------------------------
def _org(tmp, rows=None, **kw):
    import sys

    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from test_validate import _rows, make_org

    return make_org(tmp, _rows(20) if rows is None else rows, **kw)


@pytest.mark.parametrize("case, words", [
    ("one", "has 1 respondent(s); at least min_cell = 10"),
    ("nine", "has 9 respondent(s)"),
    ("blank", "no respondent answered any of the"),
    ("margin_empty", "has no respondents"),
    ("margin_zero", "margin of 'balie' is 0"),
    ("no_keys", "none of the 20 survey case keys"),
])
def test_validate_refuses_what_report_would_refuse(tmp_path, capsys, case, words):
    from test_validate import ITEMS, _rows

    rows = _rows(20)
    kw = {}
    if case == "one":
        rows = _rows(1)
    elif case == "nine":
        rows = _rows(9)
    elif case == "blank":
        for r in rows:
            for i in ITEMS:
                r[i] = ""
    elif case == "margin_empty":
        kw["extra_yaml"] = "weighting:\n  margins:\n    kanaal: {telefoon: 0.5, balie: 0.3, post: 0.2}\n"
    elif case == "margin_zero":
        kw["extra_yaml"] = "weighting:\n  margins:\n    kanaal: {telefoon: 1.0, balie: 0.0}\n"
    elif case == "no_keys":
        for k, r in enumerate(rows):
            r["zaak"] = f"Z{k}"
        kw["process"] = "zaak;dagen;verwezen\nQ1;3;ja\nQ2;4;nee\n"
    config = _org(tmp_path, rows, **kw)
    assert main(["validate", "--config", str(config)]) == 2
    err = capsys.readouterr().err.strip()
    assert words in err and err.count("\n") == 0
    assert "survey_weights" not in err  # no developer hints


def test_report_all_reads_yaml_too(tmp_path):
    from meethuis.report.runner import run_batch

    (tmp_path / "org.yaml").write_text("organisation: [kapot\n", encoding="utf-8")
    results = run_batch(tmp_path, tmp_path / "out", jobs=1)
    assert [r.organisation for r in results] == ["org"] and results[0].status == "fout"

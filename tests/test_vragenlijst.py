"""``meethuis vragenlijst``: the three formats for every sample organisation, the round trip from a simulated
export back through ``validate`` and ``report``, and the design checks.

The LimeSurvey file is checked against the documented tab-separated structure (S/SL/G/Q/SQ/A rows, codes of
letters and digits up to 20 characters, answer codes up to 5, the base language first and then a translated copy
with the same rows); the XLSForm is converted by ``pyxform`` (the XLSForm reference implementation). The round
trip compares every decoded answer with the code the simulated export holds, decoded here by hand.
"""
from __future__ import annotations

import csv
import dataclasses
import io
import re
from html.parser import HTMLParser

import numpy as np
import pandas as pd
import pytest

from meethuis.cli.main import main
from meethuis.intake.codebook import Item, load_codebook
from meethuis.intake.config import load_config
from meethuis.intake.io import read_table
from meethuis.intake.validate import load_survey
from meethuis.intake.vragenlijst import (
    DesignCheck, Question, build_questionnaire, design_checks, export_column, limesurvey_text, questionnaire_html,
    simulate_export, tool_code, wording_problems, write_questionnaire, xlsform_bytes,
)
from meethuis.sample import ORG_IDS, sample_config

FORMATS = ("limesurvey", "xlsform")


@pytest.fixture(scope="module")
def configs():
    return {org: load_config(sample_config(org)) for org in ORG_IDS}


def ls_rows(text: str) -> list[dict[str, str]]:
    assert text.startswith("\ufeff"), "LimeSurvey writes UTF-8 with a byte order mark"
    return list(csv.DictReader(io.StringIO(text[1:]), delimiter="\t"))


# -- codes ----------------------------------------------------------------------------------------------------
def test_tool_codes_are_derived_from_codebook_ids():
    assert tool_code("serieus_genomen") == "serieusGenomen"
    assert tool_code("juiste_informatie") == "juisteInformatie"
    assert tool_code("tevredenheid") == "tevredenheid"
    assert tool_code("ms_terugbellen") == "msTerugbellen"
    assert tool_code("2e_vraag") == "q2eVraag"
    assert len(tool_code("een_heel_erg_lange_eigen_vraag")) == 20


# -- LimeSurvey ---------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("org", ORG_IDS)
def test_limesurvey_file_follows_the_documented_structure(org, configs):
    cfg = configs[org]
    q = build_questionnaire(cfg)
    rows = ls_rows(limesurvey_text(q))
    assert list(rows[0]) [:9] == ["id", "related_id", "class", "type/scale", "name", "relevance", "text", "help",
                                  "language"]
    s = {r["name"]: r["text"] for r in rows if r["class"] == "S"}
    assert s["language"] == "nl" and s["additional_languages"] == "en" and s["datestamp"] == "Y"
    sl = [(r["name"], r["language"]) for r in rows if r["class"] == "SL"]
    assert ("surveyls_title", "nl") in sl and ("surveyls_title", "en") in sl
    body = [r for r in rows if r["class"] in ("G", "Q", "SQ", "A")]
    half = len(body) // 2
    nl, en = body[:half], body[half:]
    assert {r["language"] for r in nl} == {"nl"} and {r["language"] for r in en} == {"en"}
    key = lambda r: (r["id"], r["class"], r["type/scale"], r["name"] if r["class"] != "G" else "")  # noqa: E731
    assert [key(r) for r in nl] == [key(r) for r in en], "the translation repeats the same rows in the same order"
    assert nl[0]["class"] == "G"
    names = [r["name"] for r in nl if r["class"] in ("Q", "SQ")]
    for name in names:
        assert re.fullmatch(r"[A-Za-z][A-Za-z0-9]{0,19}", name), name
    assert len(names) == len(set(names))
    for r in nl:
        if r["class"] == "A":
            assert re.fullmatch(r"[A-Za-z0-9]{1,5}", r["name"]), r
    # question types: list for the grade (1-10) and NPS (0-10), grids for the statements, long text, hidden
    questions = {r["name"]: r for r in nl if r["class"] == "Q"}
    answers = {}
    for r in nl:
        if r["class"] == "A":
            answers.setdefault(r["id"], []).append(r["name"])
    assert questions["tevredenheid"]["type/scale"] == "L"
    assert answers[questions["tevredenheid"]["id"]] == [str(c) for c in range(1, 11)]
    if "aanbeveling" in cfg.columns:
        assert answers[questions["aanbeveling"]["id"]] == [str(c) for c in range(0, 11)]
    for grid in ("uitkomsten", "menselijkeMaat", "basis"):
        assert questions[grid]["type/scale"] == "F"
        assert answers[questions[grid]["id"]] == ["1", "2", "3", "4", "5", "nvt", "wn"]
    assert questions["openAntwoord"]["type/scale"] == "T"
    assert questions["dienst"]["type/scale"] == "S" and questions["dienst"]["hidden"] == "1"
    # every statement of a grid follows its grid question, before the grid's answers
    grid_rows = [r["class"] for r in nl if r["class"] in ("Q", "SQ", "A")]
    assert "".join(c[0] for c in grid_rows).count("QS") == 3
    subq = [r["name"] for r in nl if r["class"] == "SQ"]
    drivers = [tool_code(i) for i in cfg.drivers()]
    assert set(drivers) <= set(subq)
    assert "Welk rapportcijfer" in questions["tevredenheid"]["text"]
    assert "What grade" in next(r["text"] for r in en if r["class"] == "Q" and r["name"] == "tevredenheid")


def test_limesurvey_quotes_text_with_tabs_or_quotes(configs):
    cfg = _with_own_item(configs["molensloot"], wording={"nl": 'Ik kreeg "snel"\tantwoord.', "en": "Quick."})
    rows = ls_rows(limesurvey_text(build_questionnaire(cfg)))
    assert any(r["text"] == 'Ik kreeg "snel"\tantwoord.' for r in rows)


# -- XLSForm -----------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("org", ORG_IDS)
def test_xlsform_is_valid_for_pyxform(org, configs, tmp_path):
    from pyxform.xls2xform import convert

    cfg = configs[org]
    path = tmp_path / f"{org}.xlsx"
    path.write_bytes(xlsform_bytes(build_questionnaire(cfg)))
    warnings: list[str] = []
    xform = convert(xlsform=str(path), warnings=warnings).xform
    assert warnings == []
    nodes = set(re.findall(r'<bind nodeset="/data/(?:[a-z_]+/)?([a-z0-9_]+)"', xform))
    assert set(cfg.items_in_use()) <= nodes
    assert {"kanaal", "leeftijdsgroep", "dienst", "today"} <= nodes
    assert 'jr:itext(' in xform and "Nederlands (nl)" in xform and "English (en)" in xform
    sheets = pd.read_excel(path, sheet_name=None, dtype=str)
    assert set(sheets) == {"survey", "choices", "settings"}
    agree = sheets["choices"][sheets["choices"]["list_name"] == "agree5"]["name"].tolist()
    assert agree == ["1", "2", "3", "4", "5", "nvt", "wn"]
    assert sheets["settings"]["default_language"].iloc[0] == "Nederlands (nl)"


# -- HTML / print ------------------------------------------------------------------------------------------------
class _Html(HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags: list[tuple[str, dict]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data):
        self.text.append(data)


@pytest.mark.parametrize("lang", ["nl", "en"])
def test_print_version_shows_construct_and_core_per_question(lang, configs):
    cfg = configs["molensloot"]
    q = build_questionnaire(cfg, lang)
    page = questionnaire_html(q, lang, design_checks(q))
    parser = _Html()
    parser.feed(page)
    text = " ".join(parser.text)
    assert ("html", {"lang": lang}) in parser.tags
    visible = q.questions(visible=True)
    assert f"{len(visible)}." in text and f"{len(visible) + 1}." not in text
    badges = [a.get("class") for t, a in parser.tags if t == "span"]
    assert badges.count("kern") == sum(x.core for x in visible)
    assert badges.count("eigen") == sum(x.own for x in visible)
    assert ("kernvraag" if lang == "nl" else "core question") in text
    assert ("Meet: Menselijke maat" if lang == "nl" else "Measures: Human touch") in text
    headers = [a for t, a in parser.tags if t == "th"]
    assert headers and all(a.get("scope") in ("col", "row") for a in headers)
    assert all(a.get("aria-label") for t, a in parser.tags if t == "span" and a.get("role") == "img")
    assert ("Ik voelde me serieus genomen." if lang == "nl" else "I felt taken seriously.") in text


# -- generation for every sample organisation via the command line ---------------------------------------------------
@pytest.mark.parametrize("org", ORG_IDS)
def test_command_writes_all_three_formats_for_every_sample(org, tmp_path, capsys):
    for fmt, suffix in (("limesurvey", ".txt"), ("xlsform", ".xlsx"), ("html", ".html")):
        code = main(["vragenlijst", "--config", str(sample_config(org)), "--format", fmt,
                     "--out", str(tmp_path / f"{org}_{fmt}")])
        out, err = capsys.readouterr()
        assert code == 0 and err == ""
        assert (tmp_path / f"{org}_{fmt}{suffix}").stat().st_size > 1000
        assert "Ontwerpcontrole vragenlijst:" in out and "minuten" in out
        if fmt != "html":
            assert (tmp_path / f"{org}_{fmt}.meethuis.yml").exists()
            assert "Koppeling voor de export" in out


def test_wrong_suffix_is_a_one_line_error(tmp_path, capsys):
    code = main(["vragenlijst", "--config", str(sample_config("isr")), "--format", "xlsform",
                 "--out", str(tmp_path / "isr.txt")])
    _, err = capsys.readouterr()
    assert code == 2 and "writes a .xlsx file" in err and not list(tmp_path.iterdir())


def test_command_error_is_one_line_and_writes_nothing(tmp_path, capsys):
    code = main(["vragenlijst", "--config", str(tmp_path / "nope.yml"), "--format", "html",
                 "--out", str(tmp_path / "x.html")])
    _, err = capsys.readouterr()
    assert code == 2 and err.count("\n") == 1 and "config file not found" in err
    assert not (tmp_path / "x.html").exists()


# -- round trip ----------------------------------------------------------------------------------------------------
def _expected(q, export: pd.DataFrame, fmt: str, cb) -> tuple[dict, dict]:
    """Codes and missing reasons per codebook id, decoded by hand from the simulated export."""
    values, reasons = {}, {}
    for x in q.questions():
        col = export[export_column(x, fmt)].fillna("").astype(str)
        if x.id in cb.items:
            values[x.id] = col.map(lambda c: float(c) if c.isdigit() else np.nan)
            reasons[x.id] = col.map({"nvt": "nvt", "wn": "weet_niet", "": "missing"})
        elif x.kind == "list":
            cats = cb.fields[x.id].values
            values[x.id] = col.map(lambda c: cats[int(c) - 1] if c else None)
    return values, reasons


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("org", ORG_IDS)
def test_round_trip_from_a_simulated_export(org, fmt, configs, tmp_path):
    cfg = configs[org]
    written = write_questionnaire(cfg, fmt, tmp_path / f"{org}_{fmt}")
    q = build_questionnaire(cfg)
    keys = read_table(cfg.process.file).frame[cfg.process.key].dropna().astype(str).tolist() if cfg.process else None
    export = simulate_export(q, fmt, 240, seed=7, keys=keys, services=("paspoort", "bijstand"))
    export.to_csv(tmp_path / f"{org}_{fmt}_export.csv", index=False, sep="," if fmt == "limesurvey" else ";")
    survey = load_survey(written.config_path)
    r = survey.responses
    assert len(r) == 240 and set(r["periode"]) == {"2026Q2", "2026Q3"}
    values, reasons = _expected(q, export.astype(str).replace("nan", ""), fmt, survey.config.codebook)
    for item, want in values.items():
        got = r[item]
        if item in survey.config.codebook.items:
            np.testing.assert_array_equal(got.to_numpy(float), want.to_numpy(float), err_msg=item)
            mr = survey.missing_reasons[item].astype(object).where(survey.missing_reasons[item].notna(), None)
            assert mr.tolist() == reasons[item].where(reasons[item].notna(), None).tolist(), item
        else:
            assert got.astype(object).where(got.notna(), None).tolist() == want.tolist(), item
    assert set(r["dienst"].dropna()) <= {"paspoort", "bijstand"}
    for path in re.findall(r"^\s+file: (\S+)$", written.config_path.read_text(encoding="utf-8"), re.M):
        assert (tmp_path / path).exists() or path.endswith("_export.csv"), path  # journeys, process: rebased
    assert set(survey.config.items_in_use()) == set(cfg.items_in_use())
    if cfg.process is not None:
        assert survey.summary.process.matched == 240 or survey.summary.process.matched == len(keys)


@pytest.mark.slow
@pytest.mark.parametrize("fmt", FORMATS)
def test_report_accepts_the_round_trip_without_editing(fmt, configs, tmp_path):
    from meethuis.report.runner import chapters_available, run_report

    cfg = configs["isr"]
    written = write_questionnaire(cfg, fmt, tmp_path / "isr")
    q = build_questionnaire(cfg)
    keys = read_table(cfg.process.file).frame[cfg.process.key].dropna().astype(str).tolist()
    simulate_export(q, fmt, 150, seed=3, keys=keys).to_csv(tmp_path / "isr_export.csv", index=False,
                                                            sep="," if fmt == "limesurvey" else ";")
    result = run_report(written.config_path, tmp_path / "rapport", progress=False)
    page = (tmp_path / "rapport" / "report.html").read_text(encoding="utf-8")
    assert result.chapters == chapters_available() and "Inspectie Speelruimte" in page


# -- design checks ------------------------------------------------------------------------------------------------
def test_completion_time_by_hand(configs):
    q = build_questionnaire(configs["molensloot"])
    kinds = [x.kind for x in q.questions(visible=True)]
    # molensloot: grade, NPS, gemak and 4 context lists (7 x 8 s); 3 + 5 + 6 grid statements (14 x 6 s);
    # one open question (45 s); 20 s introduction -> 20 + 56 + 84 + 45 = 205 s -> 4 minutes
    assert kinds.count("list") == 7 and kinds.count("array") == 14 and kinds.count("text") == 1
    assert q.estimated_minutes() == 4
    info = design_checks(q)[0]
    assert info.severity == "info" and info.message["nl"] == "22 vragen, invullen duurt ongeveer 4 minuten"


def test_sample_questionnaires_have_no_warnings(configs):
    for cfg in configs.values():
        assert [c for c in design_checks(build_questionnaire(cfg)) if c.severity == "warning"] == []


def _with_own_item(cfg, **changes):
    base = cfg.extra_items[0]
    item = dataclasses.replace(base, **changes)
    items = {k: v for k, v in cfg.codebook.items.items() if k != base.id}
    items[item.id] = item
    columns = {k: v for k, v in cfg.columns.items() if k != base.id}
    columns[item.id] = dataclasses.replace(cfg.columns[base.id], target=item.id)
    return dataclasses.replace(cfg, codebook=dataclasses.replace(cfg.codebook, items=items), extra_items=(item,),
                               columns=columns)


def test_design_checks_flag_wording_mixed_scales_missing_core_and_open_questions(configs):
    cfg = configs["molensloot"]
    cb = load_codebook()
    bad = _with_own_item(cfg, wording={"nl": "Indien u werd teruggebeld middels de terugbeldienst van de gemeente "
                                              "was de medewerker vriendelijk en deskundig bij het beantwoorden "
                                              "van uw vraag.", "en": "x"}, scale=cb.scales["grade10"])
    checks = design_checks(build_questionnaire(bad))
    kinds = [c.kind for c in checks if c.severity == "warning"]
    assert "mixed_scales" in kinds
    texts = " ".join(c.message["nl"] for c in checks)
    assert "zin van 22 woorden" in texts and "ambtelijk woord 'indien'" in texts
    assert "twee dingen tegelijk" in texts and all(c.hint["nl"] for c in checks if c.severity == "warning")
    no_core = dataclasses.replace(cfg, columns={k: v for k, v in cfg.columns.items() if k != "empathie"})
    checks = design_checks(build_questionnaire(no_core))
    assert any(c.kind == "core_missing" and "empathie" in c.message["nl"] for c in checks)
    q = build_questionnaire(cfg)
    extra = Question(id="tweede_open", code="tweedeOpen", kind="text", text={"nl": "Nog iets?", "en": "More?"})
    groups = q.groups[:-1] + (dataclasses.replace(q.groups[-1], questions=q.groups[-1].questions + (extra,)),)
    checks = design_checks(dataclasses.replace(q, groups=groups))
    assert any(c.kind == "open_questions" and c.message["nl"].startswith("2 open vragen") for c in checks)


@pytest.mark.parametrize("text,flags", [
    ("Ik werd teruggebeld wanneer dat was toegezegd.", 0),
    ("De medewerker was niet vriendelijk.", 1),  # negation
    ("De medewerker was vriendelijk en snel.", 1),  # two things at once
    ("Ik kreeg inzake mijn aanvraag een antwoord.", 1),  # jargon
    ("De klantcontactmedewerkster hielp mij.", 1),  # long word (20 letters)
])
def test_wording_heuristics(text, flags):
    assert len(wording_problems(text)) == flags


def test_validate_prints_the_design_checks(capsys):
    code = main(["validate", "--config", str(sample_config("isr"))])
    out, _ = capsys.readouterr()
    assert code == 0 and "Ontwerpcontrole vragenlijst: 19 vragen" in out


def test_codes_that_clash_are_a_config_error(configs):
    from meethuis.common.errors import ConfigError

    clash = _with_own_item(configs["molensloot"], id="serieusgenomen")
    with pytest.raises(ConfigError, match="same survey code"):
        build_questionnaire(clash)


# -- foreign-shaped configs --------------------------------------------------------------------------------------
FOREIGN = """
organisation: {id: klein-bureau, name: Klein Bureau}
data:
  file: enquete.csv
  respondent_id: nr
  period: kwartaal
  columns:
    kanaal: kanaal
    dienst: dienst
    leeftijdsgroep: leeftijd
    tevredenheid: q1
    menselijkheid: q2
    effectiviteit: q3
    vertrouwen: q4
    gemak: q5
    empathie: q6
    meedenken: q7
    serieus_genomen: q8
    luisteren: q9
    vriendelijkheid: q10
    snelheid: q11
    juiste_informatie: q12
    duidelijkheid: q13
    bereikbaarheid: q14
    deskundigheid: q15
extra_items:
  - id: kb_wachttijd
    construct: basis
    principle: logisch
    scale: grade10
    column: q16
    wording: "Welk cijfer geeft u de wachttijd?"
lang: en
"""


def test_foreign_config_without_process_open_question_or_english_wording(tmp_path, capsys):
    (tmp_path / "kb.yml").write_text(FOREIGN, encoding="utf-8")
    header = "nr,kwartaal,kanaal,dienst,leeftijd," + ",".join(f"q{i}" for i in range(1, 17))
    (tmp_path / "enquete.csv").write_text(header + "\n", encoding="utf-8")
    cfg = load_config(tmp_path / "kb.yml")
    q = build_questionnaire(cfg)
    assert q.lang == "en"
    ids = [x.id for x in q.questions()]
    assert "open_antwoord" not in ids and "zaak_sleutel" not in ids and "contact_type" not in ids
    own = next(x for x in q.questions() if x.id == "kb_wachttijd")
    assert own.kind == "list" and own.array is None and own.text["en"] == own.text["nl"]  # nl only: shown as is
    warnings = [c for c in design_checks(q) if c.severity == "warning"]
    assert [c.kind for c in warnings] == ["mixed_scales"] and "grade10" in warnings[0].text("en")
    rows = ls_rows(limesurvey_text(q))
    s = {r["name"]: r["text"] for r in rows if r["class"] == "S"}
    assert s["language"] == "en" and s["additional_languages"] == "nl"
    first_group = next(r for r in rows if r["class"] == "G")
    assert first_group["language"] == "en" and first_group["name"] == "Your judgement"
    code = main(["vragenlijst", "--config", str(tmp_path / "kb.yml"), "--format", "limesurvey",
                 "--out", str(tmp_path / "kb")])
    out, _ = capsys.readouterr()
    assert code == 0 and "Questionnaire design check" in out and "- warning: own item 'kb_wachttijd'" in out
    export = simulate_export(q, "limesurvey", 60, seed=2)
    export.to_csv(tmp_path / "kb_export.csv", index=False)
    survey = load_survey(tmp_path / "kb.meethuis.yml")
    assert len(survey.responses) == 60 and survey.responses["kb_wachttijd"].dropna().between(1, 10).all()
    got = survey.responses["kb_wachttijd"].to_numpy(float)
    assert export_column(own, "limesurvey") == "kbWachttijd"
    want = pd.to_numeric(export["kbWachttijd"].replace("", np.nan)).to_numpy(float)
    np.testing.assert_array_equal(got, want)
    page = questionnaire_html(q)
    assert '<html lang="en">' in page and "own question" in page


@pytest.mark.slow
@pytest.mark.book
@pytest.mark.parametrize("org,lang", [("molensloot", "nl"), ("lut", "en")])
def test_print_version_passes_axe_at_phone_and_desktop_width(org, lang, tmp_path):
    """axe-core WCAG 2.1 A/AA in headless Chromium (Debian chromium and npm's axe-core, as the handbook check)."""
    import shutil
    import sys
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).resolve().parent / "book"))
    from check_book import AXE

    if not (shutil.which("chromium") and AXE.exists()):
        pytest.skip("Chromium or axe-core not installed")
    from check_report import WIDTHS, check_report

    write_questionnaire(load_config(sample_config(org)), "html", tmp_path / "report.html", lang)
    result = check_report(tmp_path)  # also the report's print checks (summary height, PDF): not asked of a questionnaire
    for width in WIDTHS:
        r = result[width]
        assert r["violations"] == [] and r["external"] == [], width
        assert r["overflow"]["page"] <= 0, width


def test_own_scales_of_the_config_round_trip(tmp_path):
    """Own items on a 1-7 range and a yes/no (binary) scale: list questions in both tools, decoded exactly."""
    extra = """  - id: kb_zeven
    construct: basis
    principle: logisch
    scale: {min: 1, max: 7, labels: {1: slecht, 7: goed}}
    column: q17
    wording: "Hoe vond u het formulier?"
  - id: kb_afspraak
    construct: basis
    principle: logisch
    scale: binary
    column: q18
    wording: "Had u een afspraak?"
"""
    (tmp_path / "kb.yml").write_text(FOREIGN.replace("lang: en\n", extra + "lang: en\n"), encoding="utf-8")
    header = "nr,kwartaal,kanaal,dienst,leeftijd," + ",".join(f"q{i}" for i in range(1, 19))
    (tmp_path / "enquete.csv").write_text(header + "\n", encoding="utf-8")
    cfg = load_config(tmp_path / "kb.yml")
    q = build_questionnaire(cfg)
    own = {x.id: x for x in q.questions() if x.own}
    assert [a.code for a in own["kb_zeven"].answers] == [str(c) for c in range(1, 8)]
    assert [a.code for a in own["kb_afspraak"].answers] == ["0", "1"]
    for fmt in FORMATS:
        written = write_questionnaire(cfg, fmt, tmp_path / f"kb_{fmt}")
        export = simulate_export(q, fmt, 80, seed=3)
        export.to_csv(tmp_path / f"kb_{fmt}_export.csv", index=False)
        survey = load_survey(written.config_path)
        for item in ("kb_zeven", "kb_afspraak"):
            want = pd.to_numeric(export[export_column(own[item], fmt)].replace("", np.nan)).to_numpy(float)
            np.testing.assert_array_equal(survey.responses[item].to_numpy(float), want, err_msg=f"{fmt} {item}")

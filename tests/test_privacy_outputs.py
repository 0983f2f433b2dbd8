"""Privacy of published output: no planted identifier and no raw link key (``zaak_sleutel``) may appear
in any report file. The scanner is unit-tested on a fake report folder; the slow test renders the report
of every sample organisation (all chapters, including 10_feedback) and scans it."""
from __future__ import annotations

import json

import pytest

from meethuis.improve.feedback.scrubbing import find_leaks


def _fake_report(tmp_path, leak: str | None = None, key: str | None = None):
    (tmp_path / "tables").mkdir()
    (tmp_path / "notebooks").mkdir()
    (tmp_path / "report.html").write_text(
        "<html><body><p>Mijn BSN is [BSN].</p><p>Tevredenheid 7,4</p></body></html>", encoding="utf-8")
    (tmp_path / "tables" / "kpi.csv").write_text("item,estimate,n\ntevredenheid,7.4,812\n", encoding="utf-8")
    nb = {"cells": [{"cell_type": "code", "source": ["x = 1"], "outputs": [
        {"output_type": "stream", "text": ["Bel me op [TELEFOON]\n"]}]}], "metadata": {}}
    (tmp_path / "notebooks" / "10_feedback.ipynb").write_text(json.dumps(nb), encoding="utf-8")
    (tmp_path / "aggregates.json").write_text(json.dumps({"org": "x", "n": 812}), encoding="utf-8")
    (tmp_path / "figure.png").write_bytes(b"\x89PNG 111222333")  # images are not scanned as text
    if leak == "html":
        (tmp_path / "report.html").write_text("<p>Bel <b>06-1234</b>5678 of 06 1234 5678</p>", encoding="utf-8")
    elif leak == "csv":
        (tmp_path / "tables" / "quotes.csv").write_text("quote\nMijn BSN is 111222333\n", encoding="utf-8")
    elif leak == "ipynb":
        nb["cells"][0]["outputs"][0]["text"] = ["Mail: \u00e9l\u00e9na@voorbeeld.nl\n"]
        (tmp_path / "notebooks" / "10_feedback.ipynb").write_text(json.dumps(nb), encoding="utf-8")
    elif leak == "json":
        (tmp_path / "aggregates.json").write_text(json.dumps({"example": "NAAM: Jan De Vries"}), encoding="utf-8")
    elif leak == "pickle":  # a stray cache file left in the output is published too
        import pickle

        (tmp_path / ".cache").mkdir()
        (tmp_path / ".cache" / "survey.pkl").write_bytes(pickle.dumps({"open_antwoord": "BSN 111222333"}))
    if key:
        (tmp_path / "tables" / "linked.csv").write_text(f"zaak,n\n{key},1\n", encoding="utf-8")
    return tmp_path


IDENTIFIERS = ["111222333", "06 12345678", "éléna@voorbeeld.nl", "Jan de Vries"]


def test_clean_fake_report_has_no_leaks(tmp_path):
    assert find_leaks(_fake_report(tmp_path), IDENTIFIERS, keys=["Z-0042-0000001"]) == []


@pytest.mark.parametrize("where, value", [
    ("html", "06 12345678"), ("csv", "111222333"), ("ipynb", "éléna@voorbeeld.nl"), ("json", "Jan de Vries"),
    ("pickle", "111222333"),
])
def test_scanner_finds_a_planted_identifier_in_every_file_kind(tmp_path, where, value):
    leaks = find_leaks(_fake_report(tmp_path, leak=where), IDENTIFIERS)
    assert value in {leak.value for leak in leaks}, leaks
    assert all(leak.kind == "identifier" for leak in leaks)


def test_scanner_finds_raw_link_keys_as_whole_tokens(tmp_path):
    folder = _fake_report(tmp_path, key="Z-0042-0000001")
    leaks = find_leaks(folder, [], keys=["Z-0042-0000001", "Z-0042-000000"])
    assert [(leak.file, leak.value, leak.kind) for leak in leaks] == [
        ("tables/linked.csv", "Z-0042-0000001", "key")]


# -- the real reports ------------------------------------------------------------------------------------
from meethuis.report import runner as report  # noqa: E402
from meethuis import sample  # noqa: E402


@pytest.fixture(scope="session")
def rendered_reports(tmp_path_factory):
    """Render every sample organisation's report once (all chapters, also the feedback chapter)."""
    out = tmp_path_factory.mktemp("reports")
    chapters = list(dict.fromkeys([*report.chapters_available(), "10_feedback"]))
    folders = {}
    for org in sample.ORG_IDS:
        folders[org] = out / org
        report.run_report(org, folders[org], chapters=chapters, progress=False, jobs=2)
    return folders


@pytest.mark.slow
@pytest.mark.parametrize("org", sample.ORG_IDS)
def test_no_planted_identifier_or_link_key_in_any_output(rendered_reports, org):
    folder = rendered_reports[org]
    files = [p for p in folder.rglob("*") if p.suffix in (".html", ".csv", ".json", ".ipynb")]
    assert (folder / "report.html").exists() and len(files) >= 3
    # only the published parts: no cache or temp file with raw respondent data may stay behind
    names = {p.name for p in folder.iterdir()}
    assert {"aggregates.json", "notebooks", "report.html", "tables"} <= names
    assert names <= {"aggregates.json", "notebooks", "report.html", "tables", ".meethuis-report",
                     "jullie-zeiden-wij-deden.html"}  # the marker holds the config's file name and this list
    planted = sample.planted_identifiers(org)
    assert planted, "the sample organisation should carry planted identifiers to look for"
    survey, process = sample.truth(org)
    keys = set(survey["zaak_sleutel"].dropna().astype(str)) | set(process["zaak_sleutel"].dropna().astype(str))
    leaks = find_leaks(folder, planted, keys=keys)
    print(f"\n{org}: scanned {len(files)} files for {len(planted)} planted identifiers and {len(keys)} keys")
    assert leaks == [], leaks[:10]


def test_scanner_finds_every_planted_identifier_in_the_raw_sample_data(tmp_path, sample_dir):
    """Positive control: the raw survey file does hold the planted identifiers and link keys, so a clean
    report is clean because of scrubbing, not because the scanner cannot see them."""
    raw = sample_dir / "molensloot_enquete.csv"
    (tmp_path / "copy.csv").write_bytes(raw.read_bytes())
    planted = sample.planted_identifiers("molensloot")
    survey, _ = sample.truth("molensloot")
    keys = set(survey["zaak_sleutel"].astype(str))
    leaks = find_leaks(tmp_path, planted, keys=keys)
    assert {leak.value for leak in leaks if leak.kind == "identifier"} == set(planted)
    assert {leak.value for leak in leaks if leak.kind == "key"} == keys


# -- disclosure: no published number rests on 1 .. min_cell - 1 respondents ------------------------------
def test_disclosure_scan_finds_small_counts_and_recoverable_unions(tmp_path):
    from meethuis.stats.disclosure import scan_report

    (tmp_path / "tables").mkdir()
    # the Molensloot leak: total 90, 35 and 49 published, two hidden cells -> 6 respondents together
    (tmp_path / "tables" / "themes.csv").write_text(
        "theme,group,n,share,suppressed,reason\n"
        "bereikbaarheid,1-5,35,0.4,False,\nbereikbaarheid,6-7,49,0.5,False,\n"
        "bereikbaarheid,8-9,,,True,small_cell\nbereikbaarheid,10,,,True,secondary\n"
        "bereikbaarheid,totaal,90,0.45,False,\n", encoding="utf-8")
    (tmp_path / "tables" / "completeness.csv").write_text("item,n,nvt,missing\nq1,143,0,7\n", encoding="utf-8")
    (tmp_path / "aggregates.json").write_text(json.dumps({"kpis": [{"kpi": "x", "n": 4}, {"n": 40}]}))
    (tmp_path / "report.html").write_text("<p>Gebaseerd op 7 respondenten; n = 12.</p>", encoding="utf-8")
    found = scan_report(tmp_path, 10)
    assert any("hold 6 respondent" in f for f in found)
    assert any("'missing' = 7" in f for f in found)
    assert any("aggregates.json" in f and "= 4" in f for f in found)
    assert any("7 respondenten" in f for f in found) and not any("n = 12" in f for f in found)
    assert len(found) == 4, found


@pytest.mark.slow
@pytest.mark.parametrize("org", sample.ORG_IDS)
def test_no_published_number_rests_on_a_small_group(rendered_reports, org):
    from meethuis.stats.disclosure import scan_report

    folder = rendered_reports[org]
    tables = list((folder / "tables").glob("*.csv"))
    found = scan_report(folder, 10)
    print(f"\n{org}: disclosure scan of {len(tables)} tables, aggregates.json and report.html: {len(found)} finding(s)")
    assert found == [], found[:20]


def test_isr_channel_attack_is_closed():
    """#13's ISR attack: the hidden channels' means came back from the overall mean, the published channels and
    a regression coefficient against a hidden channel. One run-level choice of hidden groups closes it."""
    from meethuis.improve.process import process_regression
    from meethuis.report.chapters import procesdata
    from meethuis.report.chapters.common import open_chapter
    from meethuis.stats.disclosure import cross_table_findings
    from meethuis.stats.kpi import kpi_table

    ch = open_chapter("isr", "", "nl", 10)
    linked = procesdata.link_chapter(ch)
    matched = linked.matched
    measures = procesdata.regression_measures(matched)
    weights = ch.weights.reindex(matched.index)
    overall = ch.kpis(items=["tevredenheid"], statistics=["mean"])
    # before: each table protected on its own
    alone = kpi_table(ch.responses, ["tevredenheid"], by="kanaal", weights=ch.weights, statistics=["mean"])
    reg = process_regression(matched, "tevredenheid", measures=measures, controls=["kanaal"], weights=weights)
    found = cross_table_findings({"kanaal": alone, "kengetallen": overall, "regressie": reg.table})
    assert any("coefficient" in f and "hides" in f for f in found), found
    # after: the report's groups are hidden in every table and merged in the regression
    hidden = ch.hidden_groups()
    assert hidden["kanaal"] >= set(alone.loc[alone["suppressed"], "kanaal"])
    per_channel = ch.kpis(items=["tevredenheid"], by="kanaal", statistics=["mean"])
    reg = process_regression(matched, "tevredenheid", measures=measures, controls=["kanaal"], weights=weights,
                             hidden=hidden)
    assert cross_table_findings({"kanaal": per_channel, "kengetallen": overall, "regressie": reg.table}) == []
    assert not any(g in label for g in hidden["kanaal"] for label in reg.table["label"])
    hidden_n = (ch.responses["kanaal"].astype(str).isin(hidden["kanaal"]) & ch.responses["tevredenheid"].notna()).sum()
    assert hidden_n >= 10  # what a reader can still work out (overall minus telefoon) rests on >= 10 answers

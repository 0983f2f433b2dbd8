"""Text from configs and data never becomes HTML or a spreadsheet formula in any output.

Fast tests check the three guards on planted payloads: Markdown shown by a chapter (``show_text``) and its
rendering in report.html, table CSVs (``show_table``), and aggregates.json. The slow test plants payloads
in every text field a config and a data file can carry, renders a report and greps every output file.
"""
from __future__ import annotations

import json
from pathlib import Path

import nbformat
import pandas as pd
import pytest

from meethuis.intake import io
from meethuis.report import html as report_html
from meethuis.report import context as run_context, display

SCRIPT = "<script>alert(1)</script>"
IMG = "<img src=x onerror=alert(1)>"
FORMULAS = ["=HYPERLINK(\"http://x\",\"klik\")", "=cmd|' /C calc'!A0", "+1+2", "-2+3", "@SUM(A1)", "\tx", "\rx"]


def test_formula_cells_get_a_leading_quote_and_other_values_stay():
    for value in FORMULAS:
        assert io.neutralise_cell(value) == "'" + value
    for value in ["balie", "18-34", "65+", "Kees", 3, -2.5, None, "—"]:
        assert io.neutralise_cell(value) == value
    nested = io.neutralise({"=k": ["+a", {"x": "@b"}], "n": -3})
    assert nested == {"'=k": ["'+a", {"x": "'@b"}], "n": -3}


def test_csv_text_neutralises_text_cells_and_headers_not_numbers():
    frame = pd.DataFrame({"group": pd.Categorical(["=1+1", "balie"]), "=kol": ["-x", "y"], "estimate": [-1.5, 2.0]})
    back = pd.read_csv(pd.io.common.StringIO(io.csv_text(frame)))
    assert list(back.columns) == ["group", "'=kol", "estimate"]
    assert list(back["group"]) == ["'=1+1", "balie"] and list(back["'=kol"]) == ["'-x", "y"]
    assert list(back["estimate"]) == [-1.5, 2.0]


def test_show_table_csv_holds_no_formula(tmp_path, monkeypatch):
    import IPython.display

    shown = []
    monkeypatch.setattr(IPython.display, "display", lambda obj: shown.append(obj.data))
    raw = pd.DataFrame({"dienst": ["=HYPERLINK(\"x\")", SCRIPT], "estimate": [7.0, 8.0], "n": [40, 50]})
    display.show_table(raw, "per_dienst", "Per dienst " + IMG, min_cell=10, report_dir=tmp_path)
    saved = pd.read_csv(tmp_path / "tables" / "per_dienst.csv", dtype=str)
    assert saved.loc[0, "dienst"] == "'=HYPERLINK(\"x\")"
    assert not any(str(v).startswith(io.FORMULA_START) for v in saved.to_numpy().ravel())
    assert SCRIPT not in shown[0] and IMG not in shown[0] and "&lt;script&gt;" in shown[0]


def test_write_aggregates_neutralises_formulas(tmp_path):
    from meethuis.improve.benchmark import write_aggregates

    path = write_aggregates({"organisation": {"name": "=cmd|' /C calc'!A0"}, "kpis": [{"group": "@x", "n": 12}]},
                            tmp_path / "aggregates.json")
    data = json.loads(path.read_text(encoding="utf-8"))
    assert data["organisation"]["name"].startswith("'=") and data["kpis"][0] == {"group": "'@x", "n": 12}


def test_show_text_escapes_tags_in_the_notebook_and_the_report(tmp_path, monkeypatch):
    import IPython.display

    shown = []
    monkeypatch.setattr(IPython.display, "display", lambda obj: shown.append(obj.data))
    display.show_text(f"Gemeente {SCRIPT} **vet** {IMG}, n < 10 > 5\n\n> *positief:* citaat")
    markdown = shown[0]
    assert "<script" not in markdown.replace("\\<", "") and "<img" not in markdown.replace("\\<", "")
    nb = nbformat.v4.new_notebook()
    code = nbformat.v4.new_code_cell("x")
    code.outputs = [nbformat.v4.new_output("display_data", data={"text/markdown": markdown}),
                    nbformat.v4.new_output("display_data", data={"text/markdown": f"raw {SCRIPT} {IMG}"})]
    nb.cells = [nbformat.v4.new_markdown_cell("# Hoofdstuk"), code]
    path = tmp_path / "03_x.ipynb"
    nbformat.write(nb, str(path))
    body, _ = report_html.chapter_html(path, "nl")
    assert "<script" not in body and "<img" not in body and "onerror=alert(1)&gt;" in body
    assert "<strong>vet</strong>" in body and "<blockquote>" in body and "n &lt; 10" in body


def test_report_page_escapes_the_organisation_name(one_chapter):
    from types import SimpleNamespace

    path, data = one_chapter("# Hoofdstuk")
    config = SimpleNamespace(name=f"Gemeente {SCRIPT}{IMG}", path=data, data_file=data, process=None)
    page = report_html.assemble_html([path], config, "", "nl")
    assert SCRIPT not in page and IMG not in page


# -- free-text segment values: scrubbed, and a label of fewer than min_cell respondents is not published ---------
def test_publishable_labels_scrub_and_merge_small_values():
    from meethuis.improve.feedback import publishable_labels

    frame = pd.DataFrame({"dienst": ["paspoort"] * 12 + ["Terugbetaling NL91ABNA0417164300"] * 10
                          + ["rijbewijs"] * 9 + ["Jan Jansen 111222333", None],
                          "x": range(33)})
    out = publishable_labels(frame, ["dienst", "afwezig"], min_cell=10)
    assert out["dienst"].value_counts().to_dict() == {"paspoort": 12, "Terugbetaling [IBAN]": 10, "overig": 10}
    assert out["dienst"].isna().sum() == 1 and list(out["x"]) == list(range(33))


def test_segment_labels_in_the_run_context_and_aggregates_are_safe(tmp_path):
    from test_validate import _rows, make_org, ITEMS

    from meethuis.improve.benchmark import export_aggregates
    from meethuis.intake.config import load_config

    rows = _rows(40)
    services = ["paspoort"] * 28 + ["=HYPERLINK(\"x\")"] * 10 + ["NL91ABNA0417164300", "Jan Jansen 111222333"]
    for row, service in zip(rows, services):
        row["dienst"] = service
    columns = "\n".join(f"    {i}: {i}" for i in ITEMS) + "\n    dienst: dienst"
    config = load_config(make_org(tmp_path, rows, columns_yaml=columns))
    context = run_context.build_run_context(config, "all")
    labels = set(context.survey.responses["dienst"].dropna())
    assert labels == {"paspoort", "=HYPERLINK(\"x\")", "overig"}
    path = tmp_path / "aggregates.json"
    from meethuis.improve.benchmark import write_aggregates

    write_aggregates(export_aggregates(context.responses, config, weights=context.weights, min_cell=10), path)
    text = path.read_text(encoding="utf-8")
    assert "NL91" not in text and "Jansen" not in text and "111222333" not in text
    groups = {r["group"] for r in json.loads(text)["kpis"] if r["level"] == "dienst"}
    assert groups == {"paspoort", "'=HYPERLINK(\"x\")", "overig"}


# -- slow: payloads planted in every text field of a config and its data, then every output grepped ------------
@pytest.fixture(scope="module")
def planted_report(tmp_path_factory):
    import shutil

    from meethuis.report import runner

    root = Path(__file__).resolve().parents[1] / "data" / "sample"
    work = tmp_path_factory.mktemp("plant")
    for f in root.glob("molensloot*"):
        shutil.copy(f, work / f.name)
    shutil.copytree(root / "volwassenheid", work / "volwassenheid")
    text = (work / "molensloot.yml").read_text(encoding="utf-8")
    text = text.replace("name: Gemeente Molensloot", f"name: 'Gemeente {SCRIPT}{IMG}'")
    text = text.replace('label: {nl: "Terugbellen", en: "Call back"}', f"label: {{nl: '{IMG}', en: '{IMG}'}}")
    text = text.replace('nl: "Ik werd teruggebeld wanneer dat was toegezegd."', f"nl: '{SCRIPT} teruggebeld'")
    text = text.replace('what: {nl: "Elke klacht', f"what: {{nl: \"{SCRIPT} =cmd klacht")
    (work / "molensloot.yml").write_text(text, encoding="utf-8")
    data = pd.read_csv(work / "molensloot_enquete.csv", sep=";", dtype=str, encoding="utf-8-sig",
                       keep_default_na=False)
    data.loc[data.index[:15], "Product"] = IMG
    data.loc[data.index[15:30], "Product"] = FORMULAS[0]
    data.loc[data.index[30:31], "Product"] = "@SUM(A1)"  # one respondent: merged into 'overig'
    data.loc[data.index[:40], "Toelichting"] = f"{SCRIPT} {IMG} het duurde veel te lang voordat ik antwoord kreeg"
    (work / "molensloot_enquete.csv").write_text(data.to_csv(sep=";", index=False), encoding="utf-8")
    out = work / "rapport"
    runner.run_report(work / "molensloot.yml", out, progress=False, period="all")
    return out


@pytest.mark.slow
def test_no_planted_html_reaches_the_report_or_notebooks(planted_report):
    page = (planted_report / "report.html").read_text(encoding="utf-8")
    assert "Gemeente" in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page  # shown, as text
    for payload in (SCRIPT, IMG, "onerror=alert(1)>"):
        assert payload not in page
    for nb_path in (planted_report / "notebooks").glob("*.ipynb"):
        nb = nbformat.read(str(nb_path), as_version=4)
        for cell in nb.cells:
            for output in cell.get("outputs", []):
                data = output.get("data", {})
                html_text = "".join(data.get("text/html", ""))
                assert SCRIPT not in html_text and IMG not in html_text, nb_path.name
                md = "".join(data.get("text/markdown", ""))
                assert "<script" not in md.replace("\\<", "") and "<img" not in md.replace("\\<", ""), nb_path.name


def _number(text: str) -> bool:
    try:
        float(text)
        return True
    except ValueError:
        return False


@pytest.mark.slow
def test_no_planted_formula_starts_a_csv_or_json_cell(planted_report):
    tables = list((planted_report / "tables").glob("*.csv"))
    assert tables
    for path in tables:
        frame = pd.read_csv(path, dtype=str, keep_default_na=False)
        cells = list(frame.columns) + [v for v in frame.to_numpy().ravel()]
        assert not [c for c in cells if str(c).startswith(io.FORMULA_START) and not _number(c)], path.name
    data = json.loads((planted_report / "aggregates.json").read_text(encoding="utf-8"))

    def strings(node):
        if isinstance(node, dict):
            for k, v in node.items():
                yield k
                yield from strings(v)
        elif isinstance(node, list):
            for v in node:
                yield from strings(v)
        elif isinstance(node, str):
            yield node

    values = list(strings(data))
    assert not [v for v in values if v.startswith(io.FORMULA_START)]
    assert "'" + FORMULAS[0] in values and "@SUM(A1)" not in json.dumps(data)  # small label never published

"""The community report: thin notebooks, the runner, names only when the pool allows, steps aside cleanly."""
from __future__ import annotations

import ast
import json
import re
from pathlib import Path

import pandas as pd
import pytest

from meethuis.cli.main import main
from meethuis.improve import community_sample as cs
from meethuis.improve import pool as pl
from meethuis.report.community import COMMUNITY_CHAPTERS
from meethuis.report.runner import NOTEBOOK_DIR


def test_community_notebooks_are_thin_and_import_only_their_view_module():
    for chapter in COMMUNITY_CHAPTERS:
        nb = json.loads((NOTEBOOK_DIR / f"{chapter}.ipynb").read_text(encoding="utf-8"))
        code = [c for c in nb["cells"] if c["cell_type"] == "code"]
        assert all(not c["outputs"] for c in code), f"{chapter} is committed with outputs"
        params = [c for c in code if "parameters" in c["metadata"].get("tags", [])]
        assert len(params) == 1 and code[0] is params[0]
        for node in ast.walk(ast.parse("".join(params[0]["source"]))):
            if isinstance(node, ast.AnnAssign):
                assert isinstance(node.value, ast.Constant), f"{chapter}: parameters must be literals"
        assert nb["cells"][0]["cell_type"] == "markdown" and "".join(nb["cells"][0]["source"]).startswith("# ")
        for cell in code:
            for node in ast.walk(ast.parse("".join(cell["source"]))):
                if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("meethuis"):
                    assert node.module == "meethuis.report.chapters" and [a.name for a in node.names] == ["community"]
                assert not isinstance(node, ast.FunctionDef), f"{chapter} defines a function"


@pytest.fixture(scope="module")
def small_pools(tmp_path_factory):
    """Two pools of 12 generated organisations (4 quarters): names hidden, and names shown."""
    folder = tmp_path_factory.mktemp("community")
    files = cs.write_community(folder / "files", n_orgs=12, quarters=cs.QUARTERS[-4:])
    hidden, shown = folder / "hidden.duckdb", folder / "shown.duckdb"
    pl.add_aggregates(hidden, files, create=pl.PoolSettings(title="Testgemeenschap"))
    pl.add_aggregates(shown, files, create=pl.PoolSettings(show_names=True, title="Testgemeenschap"))
    return hidden, shown, files


@pytest.mark.slow
def test_community_report_renders_with_codes_only(small_pools, tmp_path, capsys):
    hidden, _, files = small_pools
    out = tmp_path / "rapport"
    assert main(["benchmark", "report", "--pool", str(hidden), "--out", str(out), "--quiet"]) == 0
    page = (out / "report.html").read_text(encoding="utf-8")
    for title in ("De gemeenschap: wie doet mee?", "Kengetallen per soort organisatie", "De gemeenschap door de tijd",
                  "Wat telt overal, en wat is lokaal?"):
        assert title in page
    names = {json.loads(Path(f).read_text(encoding="utf-8"))["organisation"]["name"] for f in files}
    text = page + "".join(p.read_text(encoding="utf-8") for p in (out / "tables").glob("*.csv"))
    assert not [n for n in names if n in text]  # anonymous codes only
    assert re.search(r"D0(0[1-9]|1[0-2])", page)
    pooled = pd.read_csv(out / "tables" / "gemeenschap_drijfveren.csv")
    assert pooled.loc[pooled["Drijfveer"] == "Empathie", "Oordeel"].item() == "overal belangrijk"
    trend = pd.read_csv(out / "tables" / "gemeenschap_trend.csv")
    assert list(trend["Organisaties"]) == [12, 12, 12, 12]
    assert page.count("<img") == 3 and 'alt=""' not in page
    # a second run may replace its own earlier report folder
    assert main(["benchmark", "report", "--pool", str(hidden), "--out", str(out), "--quiet"]) == 0


@pytest.mark.slow
def test_community_report_in_english_names_organisations_when_allowed(small_pools, tmp_path):
    _, shown, files = small_pools
    out = tmp_path / "en"
    assert main(["benchmark", "report", "--pool", str(shown), "--out", str(out), "--lang", "en", "--quiet"]) == 0
    page = (out / "report.html").read_text(encoding="utf-8")
    assert "What matters everywhere, and what is local?" in page and "important everywhere" in page
    first = json.loads(Path(files[0]).read_text(encoding="utf-8"))["organisation"]["name"]
    assert f"{first} (fictief)" in page


def test_report_refuses_a_missing_period_or_an_empty_pool(small_pools, tmp_path, capsys):
    hidden, _, _ = small_pools
    assert main(["benchmark", "report", "--pool", str(hidden), "--out", str(tmp_path / "a"), "--period", "2019Q1"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "no submissions for period 2019Q1" in err
    empty = pl.create_pool(tmp_path / "leeg.duckdb")
    assert main(["benchmark", "report", "--pool", str(empty), "--out", str(tmp_path / "b")]) == 2
    assert "holds no submissions yet" in capsys.readouterr().err
    assert not (tmp_path / "a").exists() and not (tmp_path / "b").exists()


def test_chapters_step_aside_without_driver_results(tmp_path):
    """A pool whose files carry no driver analysis: chapter 03 says why instead of an empty figure."""
    from meethuis.report.chapters import community

    files = cs.write_community(tmp_path / "f", n_orgs=3, quarters=cs.QUARTERS[-1:])
    for f in files:
        data = json.loads(f.read_text(encoding="utf-8"))
        data["drivers"] = []
        f.write_text(json.dumps(data), encoding="utf-8")
    path = tmp_path / "p.duckdb"
    pl.add_aggregates(path, files, create=pl.PoolSettings())
    shown = []
    cc = community.open_community(str(path))
    cc.show_text = shown.append
    assert community.pooled_or_note(cc, "tevredenheid") is None
    assert "minder dan twee organisaties" in shown[0]
    assert community.kind_funnels(cc.kpis(), "tevredenheid_mean") == []  # no kind with 3 organisations

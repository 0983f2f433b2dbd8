"""The committed chapter notebooks: no outputs, one literal ``parameters`` cell, a manager's question first.

(Executing them with their defaults is ``pytest --nbval-lax notebooks``, run by ``make test``.)
"""
from __future__ import annotations

import ast
from pathlib import Path

import nbformat
import pytest

from meethuis.report.html import markdown_for
from meethuis.report.runner import CHAPTERS, NOTEBOOK_DIR

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
AGREED = ["config_path", "period", "lang", "min_cell"]


def test_notebook_folder_is_the_runners():
    assert NOTEBOOK_DIR == ROOT / "notebooks"
    assert NOTEBOOKS, "no chapter notebooks found"


@pytest.mark.parametrize("chapter", ["00_samenvatting", "01_intake", "02_representativiteit", "03_kpis",
                                     "04_meetkwaliteit", "05_drijfveren", "06_prioriteiten"])
def test_core_chapters_are_listed_and_present(chapter):
    assert chapter in CHAPTERS
    assert (ROOT / "notebooks" / f"{chapter}.ipynb").exists()


def test_chapter_list_is_in_order_and_unique():
    assert list(CHAPTERS) == sorted(set(CHAPTERS))


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_committed_without_outputs(path):
    nb = nbformat.read(str(path), as_version=4)
    for k, cell in enumerate(nb.cells):
        if cell.cell_type == "code":
            assert cell.get("outputs") == [], f"{path.name} cell {k} has outputs: clear them before committing"
            assert cell.get("execution_count") is None, f"{path.name} cell {k} has an execution count"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_one_literal_parameters_cell_with_the_agreed_names(path):
    nb = nbformat.read(str(path), as_version=4)
    tagged = [c for c in nb.cells if "parameters" in c.get("metadata", {}).get("tags", [])]
    assert len(tagged) == 1, f"{path.name}: exactly one cell must be tagged 'parameters'"
    tree = ast.parse(tagged[0].source)
    names, defaults = [], {}
    for node in tree.body:
        assert isinstance(node, (ast.AnnAssign, ast.Assign)), f"{path.name}: parameters cell holds only assignments"
        try:
            value = ast.literal_eval(node.value)
        except ValueError:
            pytest.fail(f"{path.name}: parameter defaults must be literals")
        target = node.target if isinstance(node, ast.AnnAssign) else node.targets[0]
        names.append(target.id)
        defaults[target.id] = value
    assert names[:4] == AGREED, f"{path.name}: parameters must start with {AGREED}"
    assert defaults["period"] == "" and defaults["lang"] == "nl" and defaults["min_cell"] == 10
    # the default organisation is a sample name resolved by the library, never a cwd-relative path
    assert "/" not in defaults["config_path"]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_starts_with_what_the_chapter_answers_in_both_languages(path):
    nb = nbformat.read(str(path), as_version=4)
    first = nb.cells[0]
    assert first.cell_type == "markdown"
    nl, en = markdown_for(first.source, "nl"), markdown_for(first.source, "en")
    assert nl.startswith("# ") and en.startswith("# "), f"{path.name}: first cell starts with a '# title'"
    assert nl != en, f"{path.name}: add the English text in a '<!-- en ... -->' block"
    assert "matplotlib.use" not in "".join(c.source for c in nb.cells)

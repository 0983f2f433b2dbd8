"""Shared fixtures: paths of the repository and its sample data, a one-chapter report, a small chapter notebook."""
from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "data" / "sample"


@pytest.fixture(scope="session")
def root() -> Path:
    return ROOT


@pytest.fixture(scope="session")
def sample_dir() -> Path:
    return SAMPLE


@pytest.fixture
def one_chapter(tmp_path):
    """A report of one markdown chapter and a one-column data file: for tests of the report page itself."""
    import nbformat

    def make(markdown: str = "# Hoofdstuk\n\nTekst.") -> tuple[Path, Path]:
        nb = nbformat.v4.new_notebook()
        nb.cells = [nbformat.v4.new_markdown_cell(markdown)]
        path = tmp_path / "00_x.ipynb"
        nbformat.write(nb, str(path))
        data = tmp_path / "d.csv"
        data.write_text("a\n1\n", encoding="utf-8")
        return path, data

    return make


@pytest.fixture
def chapter_notebook():
    """Writes a small chapter notebook: a title, a ``parameters`` cell ``x = 0`` and the given code cells."""
    import nbformat

    def write(path: Path, *sources: str) -> Path:
        nb = nbformat.v4.new_notebook()
        nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
        params = nbformat.v4.new_code_cell("x = 0")
        params.metadata["tags"] = ["parameters"]
        nb.cells = [nbformat.v4.new_markdown_cell("# T"), params, *[nbformat.v4.new_code_cell(s) for s in sources]]
        nbformat.write(nb, str(path))
        return path

    return write

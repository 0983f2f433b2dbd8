"""Report -> handbook links: every generated link points to a page of the built book (_toc.yml), and
without ``handbook_url`` the report names the page in plain text, never a dead link."""
from __future__ import annotations

import re
from pathlib import Path

import nbformat
import pytest
import yaml

from meethuis.common.errors import ConfigError
from meethuis.intake.config import load_config
from meethuis.report import handbook
from meethuis.report.html import render_page
from meethuis.report.runner import CHAPTERS

ROOT = Path(__file__).resolve().parents[1]
BASE = "https://meethuis.example.nl/handboek/"


def toc_pages() -> set[str]:
    """The HTML pages the book build makes: one per _toc.yml file entry."""
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text(encoding="utf-8"))
    found = {toc["root"]}

    def walk(node):
        if isinstance(node, dict):
            if "file" in node:
                found.add(node["file"])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)
    walk(toc)
    return {f"{f}.html" for f in found if (ROOT / f"{f}.md").exists() or (ROOT / f"{f}.ipynb").exists()}


def _chapter(tmp_path: Path, stem: str, text: str) -> Path:
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell(text)])
    path = tmp_path / f"{stem}.ipynb"
    nbformat.write(nb, path)
    return path


def test_every_chapter_has_a_guide_page_that_the_book_builds():
    assert set(handbook.GUIDE_PAGES) == set(CHAPTERS)
    pages = toc_pages()
    for chapter, page in handbook.GUIDE_PAGES.items():
        assert page in pages, f"{chapter}: {page} is not a page of the built handbook"
    assert handbook.MATURITY_PAGE in pages


@pytest.mark.parametrize("base", [BASE, None])
def test_report_links_each_chapter_and_the_maturity_scan_only_when_the_address_is_known(tmp_path, base):
    books = [_chapter(tmp_path, "03_kpis", "# Kengetallen\n\nTekst."),
             _chapter(tmp_path, "11_volwassenheid",
                      "# Volwassenheid\n\nMeer over de scan staat in het handboek, deel III (De CX-volwassenheidsscan).")]
    page = render_page(books, "Org", "Rapport", "2026Q3", {}, "nl", handbook_url=base)
    links = re.findall(r'<a href="(https://meethuis\.example\.nl/[^"]+)"', page)
    if base is None:
        assert not links and "meethuis.example" not in page
        assert "leeswijzer <em>lezen-kpis</em>" in page and "handboek, deel III (De CX-volwassenheidsscan)" in page
        return
    # the method appendix repeats each chapter's method text, links included: compare the distinct targets
    assert sorted(set(links)) == sorted([BASE + "book/deel2/lezen-kpis.html", BASE + "book/deel2/lezen-volwassenheid.html",
                                         BASE + "book/deel3/volwassenheid.html"])
    pages = toc_pages()
    for link in links:
        assert link.removeprefix(BASE) in pages


def test_handbook_url_comes_from_the_config_and_must_be_a_web_address(tmp_path):
    source = (ROOT / "data" / "sample" / "isr.yml").read_text(encoding="utf-8")
    for name in ("isr_enquete.sav", "isr_zaken.csv"):
        (tmp_path / name).write_bytes((ROOT / "data" / "sample" / name).read_bytes())
    good = tmp_path / "goed.yml"
    good.write_text(source + f"\nhandbook_url: {BASE}\n", encoding="utf-8")
    assert load_config(good).handbook_url == BASE
    bad = tmp_path / "fout.yml"
    bad.write_text(source + "\nhandbook_url: handboek/index.html\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="handbook_url"):
        load_config(bad)

"""The handbook's sources: build configuration, generated reference pages, link checker, page contracts.

Fast checks only; building the book and checking it in a browser is ``tests/test_book_site.py``
(marked ``slow`` and ``book``) and ``make test-book``.
"""
from __future__ import annotations

import argparse
import base64
import hashlib
import importlib.util
import re
import sys
from fnmatch import fnmatch
from pathlib import Path

import pytest
import yaml

from meethuis.intake import config as config_module
from meethuis.cli.main import build_parser, cli_reference_markdown
from meethuis.intake.codebook import load_codebook

ROOT = Path(__file__).resolve().parents[1]
BOOK = ROOT / "book"
sys.path.insert(0, str(ROOT / "tests" / "book"))

from check_links import check_site  # noqa: E402


def _extension():
    spec = importlib.util.spec_from_file_location("meethuis_book", BOOK / "_ext" / "meethuis_book.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def jb_config() -> dict:
    return yaml.safe_load((ROOT / "_config.yml").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def toc() -> dict:
    return yaml.safe_load((ROOT / "_toc.yml").read_text(encoding="utf-8"))


def _toc_entries(node) -> list[dict]:
    out = []
    if isinstance(node, dict):
        if "file" in node or "glob" in node:
            out.append(node)
        for value in node.values():
            out += _toc_entries(value)
    elif isinstance(node, list):
        for value in node:
            out += _toc_entries(value)
    return out


# -- build configuration ---------------------------------------------------------------------------
def test_build_executes_notebooks_with_timeout_and_only_toc_files(jb_config):
    assert jb_config["only_build_toc_files"] is True
    execute = jb_config["execute"]
    assert execute["execute_notebooks"] == "force"  # no cache that could hide a changed library
    assert 0 < execute["timeout"] <= 600
    assert execute["allow_errors"] is False
    for folder in (".venv", "reports", "data", "tests", "_build", "node_modules"):
        assert folder in jb_config["exclude_patterns"]


def test_nothing_is_loaded_from_other_sites(jb_config):
    sphinx = jb_config["sphinx"]["config"]
    mathjax = sphinx["mathjax_path"]
    assert not re.match(r"^(https?:)?//", mathjax), "MathJax must be served by the site itself"
    assert any((ROOT / static / mathjax).is_file() for static in sphinx["html_static_path"])
    launch = jb_config["launch_buttons"]
    assert launch["thebe"] is False and not launch["binderhub_url"] and not launch["colab_url"]
    assert jb_config["html"]["comments"] == {"hypothesis": False, "utterances": False}
    assert "_static" not in [Path(p).name for p in sphinx["html_static_path"]]


def test_every_toc_entry_exists_and_every_notebook_is_in_the_book(toc):
    entries = _toc_entries(toc) + [{"file": toc["root"]}]
    for entry in entries:
        if "file" in entry:
            assert (ROOT / f"{entry['file']}.md").exists() or (ROOT / f"{entry['file']}.ipynb").exists(), entry
    globs = [e["glob"] for e in entries if "glob" in e]
    files = {e["file"] for e in entries if "file" in e}
    for nb in (ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"):
        name = nb.relative_to(ROOT).with_suffix("").as_posix()
        assert name in files or any(fnmatch(name, g) for g in globs), f"{name} is not in the book"


def test_every_figure_in_the_narrative_has_alt_text():
    for page in BOOK.rglob("*.md"):
        text = page.read_text(encoding="utf-8")
        for block in re.findall(r"```\{(?:figure|image)\}[^\n]*\n(.*?)```", text, re.S):
            assert re.search(r"^:alt: \S.{20,}", block, re.M), f"{page.relative_to(ROOT)}: figure without alt text"
        assert not re.search(r"!\[\]\(", text), f"{page.relative_to(ROOT)}: Markdown image without alt text"


# -- pages a newcomer opens first --------------------------------------------------------------------
def test_welcome_page_says_where_to_go_in_one_screen():
    lines = (BOOK / "index.md").read_text(encoding="utf-8").splitlines()
    first_screen = "\n".join(lines[:20])
    for target in ("deel1/waarom-meten", "deel3/zes-stappen", "bijlagen/eigen-organisatie", "deel2/index",
                   "leren/index", "deel1/meetmodel"):
        assert f"{{doc}}`{target}`" in first_screen, target
    for audience in ("Manager", "Analist", "Nieuwe analist"):
        assert audience in first_screen


def test_config_walkthrough_explains_every_key_of_the_org_config():
    text = (BOOK / "bijlagen" / "eigen-organisatie.md").read_text(encoding="utf-8")
    keys = set(config_module.TOP_LEVEL_KEYS)
    keys |= {f"data.{k}" for k in config_module.DATA_KEYS}
    keys |= {"organisation.id", "organisation.name", "organisation.kind", "weighting.margins", "weighting.trim",
             "process.file", "process.key", "process.survey_key", "process.columns", "process.recodes",
             "extra_items[].id", "extra_items[].construct", "extra_items[].principle", "extra_items[].scale",
             "extra_items[].wording"}
    missing = sorted(k for k in keys if f"`{k}`" not in text)
    assert not missing, f"keys not explained in the config walkthrough: {missing}"
    for stat in ("_mean", "_top2", "tevredenheid_voldoende", "tevredenheid_share8", "nps"):
        assert stat in text
    for token in config_module.MISSING_TOKENS:
        assert f"`{token}`" in text


# -- generated reference pages -------------------------------------------------------------------------
def test_generated_pages_are_the_codebook_and_cli_from_the_code(tmp_path):
    ext = _extension()
    written = ext.write_generated(tmp_path)
    assert {p.name for p in written} == {"codeboek.md", "opdrachtregel.md", "huis.md", "meethuis-huis.png",
                                         "internationaal.md"}
    assert (tmp_path / "internationaal.md").read_text(encoding="utf-8") == load_codebook().crosswalk_markdown("nl")
    assert (tmp_path / "codeboek.md").read_text(encoding="utf-8") == load_codebook().to_markdown("nl")
    assert (tmp_path / "opdrachtregel.md").read_text(encoding="utf-8") == cli_reference_markdown("nl")
    house = (tmp_path / "huis.md").read_text(encoding="utf-8")
    alt = re.search(r"^:alt: (.*)$", house, re.M).group(1)
    assert alt.startswith("Schema van het meethuis.") and "13 drijfveren" in alt
    assert (tmp_path / "meethuis-huis.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    for name in ("codeboek", "opdrachtregel", "internationaal"):
        stub = (BOOK / "bijlagen" / f"{name}.md").read_text(encoding="utf-8")
        assert f"../_generated/{name}.md" in stub


def test_cli_reference_lists_every_command_and_option():
    text = cli_reference_markdown("nl")
    sub = next(a for a in build_parser()._actions if isinstance(a, argparse._SubParsersAction))
    for name, parser in sub.choices.items():
        assert f"## `meethuis {name}`" in text
        for action in parser._actions:
            for flag in action.option_strings:
                if flag not in ("-h", "--help"):
                    assert f"`{flag}" in text, f"{name} {flag}"
    # hand-checked against cli.py: the codebook command
    assert "| `--format {md,tsv}` | `tsv` | md = handbook reference page |" in text
    assert "| `--lang {nl,en}` | `nl` |" in text
    assert cli_reference_markdown("en").startswith("# Command-line reference (`meethuis`)")


def test_figure_alt_texts_map_png_hash_to_text_alternative():
    ext = _extension()
    png = b"\x89PNG\r\n\x1a\nfake"
    nb = {"cells": [
        {"outputs": [{"data": {"image/png": base64.b64encode(png).decode(), "text/plain": ["'Staafdiagram ", "van x'"]}}]},
        {"outputs": [{"data": {"image/png": base64.b64encode(b"other").decode(),
                               "text/plain": "<Figure size 640x480 with 1 Axes>"}}]},
        {"outputs": [{"text": "no data"}]},
    ]}
    assert ext.figure_alt_texts(nb) == {hashlib.sha256(png).hexdigest(): "Staafdiagram van x"}


def test_navigation_toggles_get_an_accessible_name():
    ext = _extension()
    html = '<li><details><summary><span class="toctree-toggle" role="presentation"><i></i></span></summary>'
    fixed = ext.label_toctree_toggles(html)
    assert '<summary aria-label="Onderdelen tonen of verbergen">' in fixed
    assert ext.label_toctree_toggles(fixed) == fixed


# -- offline link checker --------------------------------------------------------------------------
def test_link_checker_finds_broken_links_missing_anchors_and_external_resources(tmp_path):
    (tmp_path / "sub").mkdir()
    (tmp_path / "index.html").write_text(
        '<a href="sub/page.html#deel">ok</a><a href="sub/page.html#geen">bad anchor</a>'
        '<a href="weg.html">missing</a><a href="https://example.org">external link is fine</a>'
        '<script src="https://cdn.example.org/x.js"></script><link href="style.css?v=1" rel="stylesheet">'
        '<img src="sub/plaatje.png" alt="x"><a href="#top">self</a><p id="top"></p>', encoding="utf-8")
    (tmp_path / "style.css").write_text("", encoding="utf-8")
    (tmp_path / "sub" / "page.html").write_text('<h2 id="deel">x</h2><a href="../index.html">up</a>', encoding="utf-8")
    report = check_site(tmp_path)
    assert report.pages == 2
    assert report.links == 7
    assert sorted(b.split(" -> ")[1] for b in report.broken) == ["missing anchor #geen", "missing file", "missing file"]
    assert len(report.external_resources) == 1 and "cdn.example.org" in report.external_resources[0]

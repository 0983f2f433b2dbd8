"""Every sample organisation's report in headless Chromium at 390 and 1280 px: axe-core WCAG 2.1 A/AA
reports no violation, nothing is wider than the screen, no request leaves the folder, and the first
screen (tiles) comes before the contents. Printed to PDF by Chromium: every page carries "k / n", no page
before the last is less than half full, no element forces a page break.

Slow (renders the four sample organisations): marked ``slow`` and ``book``. Needs the Debian
``chromium`` package and ``npm ci --ignore-scripts`` (axe-core), as the handbook check; CI installs both.
"""
from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "book"))

from browser import Browser, SiteServer  # noqa: E402
from check_report import A4_HEIGHT_PX, check_pdf, check_report, pdf_problems  # noqa: E402

from meethuis.report.runner import run_batch  # noqa: E402
from test_report_html import answer_first_problems  # noqa: E402
from meethuis.sample import ORG_IDS  # noqa: E402

pytestmark = [pytest.mark.slow, pytest.mark.book]


@pytest.fixture(scope="module")
def reports(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("reports")
    results = run_batch(ROOT / "data" / "sample", out, jobs=2)
    assert [r.status for r in results] == ["ok"] * len(results), [r.message for r in results]
    return out


@pytest.mark.parametrize("org", ORG_IDS)
def test_report_passes_axe_at_phone_and_desktop_width(reports, org, tmp_path):
    folder = reports / org
    html = (folder / "report.html").read_text(encoding="utf-8")
    assert html.index('class="mh-first-screen"') < html.index('id="inhoud"')  # tiles above the contents
    # every chart: no overlapping text, in-chart contrast >= 4.5:1 (figure_html records what it finds)
    problems = re.findall(r'data-layout-problems="([^"]*)"', html)
    assert problems == [], f"{org}: {problems}"
    assert answer_first_problems(html) == [], f"{org}: a chapter does not open with its answer"
    assert (folder / "jullie-zeiden-wij-deden.html").exists() == ('class="jzwd"' in html)
    result = check_report(folder, shots=tmp_path)
    assert 0 < result.pop("summary_height") <= A4_HEIGHT_PX, f"{org}: the summary does not fit on one A4 page"
    pdf = result.pop("pdf")
    assert pdf_problems(pdf) == [], f"{org}: {pdf_problems(pdf)}"
    for width, r in result.items():
        assert r["violations"] == [], f"{org} at {width}px: {r['violations']}"
        assert r["external"] == [], f"{org} at {width}px requests {r['external']}"
        assert r["overflow"]["page"] <= 0, f"{org} at {width}px is wider than the screen"
        assert r["small_text"] == [], f"{org} at {width}px: chart text below 9 px {r['small_text']}"
        assert (tmp_path / f"{org}_{width}.png").stat().st_size > 10_000


def test_pdf_check_reads_page_numbers_and_finds_a_half_empty_page(tmp_path):
    """Known truth for the PDF reader: a page of the report's CSS with a forced break after one line."""
    from meethuis.report.html import TEMPLATE_DIR

    css = (TEMPLATE_DIR / "report.css").read_text(encoding="utf-8")
    lines = "".join(f"<p>Regel {k} van de tekst.</p>" for k in range(120))
    (tmp_path / "report.html").write_text(
        f'<!DOCTYPE html><html lang="nl"><head><meta charset="utf-8"><title>t</title><style>{css}</style></head>'
        f'<body><p>Eerste regel.</p><div style="break-before: page">{lines}</div></body></html>', encoding="utf-8")
    with SiteServer(tmp_path) as server, Browser(width=673, height=979) as browser:
        browser.open(f"{server.origin}/report.html")
        pdf = check_pdf(browser)
    pages = pdf["pages"]
    n = len(pages)
    assert n >= 3 and [p.margin_text for p in pages] == [f"{k} / {n}" for k in range(1, n + 1)]
    assert pages[0].fill < 0.1 and all(p.fill > 0.9 for p in pages[1:-1])  # one line, then full pages
    assert pdf["forced_breaks"] == ["div"]
    assert pdf_problems(pdf) == [f"page 1 of {n} is only {pages[0].fill:.0%} full", "forced page break at div"]

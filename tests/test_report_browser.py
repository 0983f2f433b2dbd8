"""Every sample organisation's report in headless Chromium at 390 and 1280 px: axe-core WCAG 2.1 A/AA
reports no violation, nothing is wider than the screen, no request leaves the folder, and the first
screen (tiles) comes before the contents.

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

from check_report import A4_HEIGHT_PX, check_report  # noqa: E402

from meethuis.report.runner import run_batch  # noqa: E402
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
    assert (folder / "jullie-zeiden-wij-deden.html").exists() == ('class="jzwd"' in html)
    result = check_report(folder, shots=tmp_path)
    assert 0 < result.pop("summary_height") <= A4_HEIGHT_PX, f"{org}: the summary does not fit on one A4 page"
    for width, r in result.items():
        assert r["violations"] == [], f"{org} at {width}px: {r['violations']}"
        assert r["external"] == [], f"{org} at {width}px requests {r['external']}"
        assert r["overflow"]["page"] <= 0, f"{org} at {width}px is wider than the screen"
        assert (tmp_path / f"{org}_{width}.png").stat().st_size > 10_000

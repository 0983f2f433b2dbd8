"""End to end: build the handbook (all chapters executed) and check the site in headless Chromium.

Slow (a few minutes on 2 cores): marked ``slow`` and ``book``; ``make test-book`` runs the same checks
on ``_build/html``. Skips with a reason when Chromium or the npm axe-core package is not installed.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "book"))

from check_book import AXE, check_pages  # noqa: E402
from check_links import check_site  # noqa: E402

pytestmark = [pytest.mark.slow, pytest.mark.book]


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("book")
    env = {**os.environ, "MPLBACKEND": "Agg", "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"}
    jb = Path(sys.executable).parent / "jupyter-book"
    proc = subprocess.run([str(jb), "build", str(ROOT), "--path-output", str(out), "--all", "-W", "--keep-going"],
                          capture_output=True, text=True, env=env, cwd=ROOT)
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-4000:]
    return out / "_build" / "html"


def test_every_chapter_is_built_and_internal_links_resolve(site):
    for nb in (ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"):
        assert (site / "notebooks" / f"{nb.stem}.html").exists(), nb.name
    report = check_site(site)
    assert report.pages >= 25
    assert report.broken == []
    assert report.external_resources == []


@pytest.mark.skipif(not (shutil.which("chromium") or os.environ.get("CHROMIUM")), reason="Chromium not installed")
@pytest.mark.skipif(not AXE.exists(), reason="axe-core not installed (npm ci --ignore-scripts)")
def test_site_makes_no_third_party_requests_and_passes_axe(site):
    result = check_pages(site)
    assert result["external"] == []
    assert result["missing"] == []
    assert result["violations"] == []
    assert result["figures_without_alt"] == []
    assert result["overflow"] == []  # usable at 390 px: nothing cut off
    assert result["english"] == []  # the theme speaks Dutch

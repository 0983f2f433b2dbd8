"""Check a rendered report in headless Chromium at phone and desktop width: axe-core WCAG 2.1 A/AA.

``python tests/book/check_report.py reports/molensloot [--shots DIR]`` prints the violations per width
and writes screenshots of the first screen; ``tests/test_report_browser.py`` runs it for every sample
organisation. Needs the Debian ``chromium`` package and ``npm ci --ignore-scripts`` (axe-core).
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from browser import Browser, SiteServer  # noqa: E402
from check_book import AXE, AXE_TAGS, RUN_AXE  # noqa: E402

WIDTHS = (390, 1280)
A4_WIDTH_PX, A4_HEIGHT_PX = 673, 979  # the printable part of A4 with the report's page margins, at 96 px/inch
SUMMARY_HEIGHT = """
(() => { const s = document.getElementById('hoofdstuk-00_samenvatting');
         return s ? s.getBoundingClientRect().height : 0; })()
"""
# what a reader can see overflow: text wider than its box (clipped tiles, cut-off cells)
OVERFLOW = """
JSON.stringify({
  page: document.documentElement.scrollWidth - window.innerWidth,
  regions: Array.from(document.querySelectorAll('.mh-table-wrap')).filter(w => w.scrollWidth > w.clientWidth)
           .map(w => w.getAttribute('aria-labelledby')),
})
"""


def check_report(folder: Path, shots: Path | None = None) -> dict:
    """axe violations, horizontal page overflow and scrolling tables of ``folder/report.html`` per width."""
    if not AXE.exists():
        raise SystemExit(f"{AXE} not found: run `npm ci --ignore-scripts`")
    source = AXE.read_text(encoding="utf-8")
    out: dict = {}
    with SiteServer(Path(folder)) as server:
        for width in WIDTHS:
            with Browser(width=width, height=900) as browser:
                browser.send("Page.addScriptToEvaluateOnNewDocument", session=True, source=source)
                requested = browser.open(f"{server.origin}/report.html")
                external = [r for r in requested if not r.startswith((server.origin + "/", "data:", "about:"))]
                run_only = {"type": "tag", "values": AXE_TAGS}
                violations = json.loads(browser.evaluate(RUN_AXE % json.dumps(run_only), await_promise=True))
                overflow = json.loads(browser.evaluate(OVERFLOW))
                if shots is not None:
                    browser.screenshot(Path(shots) / f"{Path(folder).name}_{width}.png")
                out[width] = {"violations": violations, "external": external, "overflow": overflow}
        with Browser(width=A4_WIDTH_PX, height=A4_HEIGHT_PX) as browser:  # print layout: the summary on one page
            browser.open(f"{server.origin}/report.html")
            browser.send("Emulation.setEmulatedMedia", session=True, media="print")
            out["summary_height"] = float(browser.evaluate(SUMMARY_HEIGHT))
    return out


if __name__ == "__main__":
    args = sys.argv[1:]
    shots = Path(args[args.index("--shots") + 1]) if "--shots" in args else None
    result = check_report(Path(args[0]), shots)
    print(f"summary in print: {result.pop('summary_height'):.0f} px of {A4_HEIGHT_PX} px (one A4 page)")
    for width, r in result.items():
        print(f"{width}px: {len(r['violations'])} violations, page overflow {r['overflow']['page']} px, "
              f"{len(r['overflow']['regions'])} scrolling tables, {len(r['external'])} outside requests")
        for v in r["violations"]:
            print(f"  {v['id']} ({v['impact']}): {v['help']}")
            for n in v["nodes"]:
                print(f"     {n}")

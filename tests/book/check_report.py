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
from pdf_pages import read_pages  # noqa: E402

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


# charts: the smallest text as the reader sees it (the variant the browser picked, at its shown width), below 9 px
SMALL_CHART_TEXT = """
JSON.stringify(Array.from(document.querySelectorAll('figure.mh-figure[data-text-px]')).map(f => {
  const img = f.querySelector('img'), source = f.querySelector('source');
  const compact = source !== null && img.currentSrc === source.srcset;
  const px = parseFloat(compact ? f.dataset.textPxCompact : f.dataset.textPx) * img.clientWidth / img.naturalWidth;
  return [Math.round(px * 10) / 10, compact ? 'compact' : 'full', (img.alt || '').slice(0, 70)];
}).filter(([px]) => !(px >= %s)))
"""
PHONE_TEXT_PX = 9
# print: elements that force a page break (a forced break leaves the page before it half empty)
FORCED_BREAKS = """
JSON.stringify(Array.from(document.querySelectorAll('body *')).filter(e => {
  const s = getComputedStyle(e);
  return [s.breakBefore, s.breakAfter].some(v => ['page', 'left', 'right', 'recto', 'verso', 'always'].includes(v));
}).map(e => e.tagName.toLowerCase() + (e.id ? '#' + e.id : '') + (e.className ? '.' + e.className : '')))
"""
# the page-number box of the print CSS, as Chromium parsed it (an unsupported rule would not be listed)
PAGE_MARGIN_BOXES = """
JSON.stringify(Array.from(document.styleSheets).flatMap(s => Array.from(s.cssRules))
  .flatMap(r => r instanceof CSSMediaRule ? Array.from(r.cssRules) : [r])
  .filter(r => r instanceof CSSPageRule)
  .flatMap(r => Array.from(r.cssRules || []).map(m => [m.name, m.style.content])))
"""


def check_pdf(browser: Browser) -> dict:
    """The report printed to PDF by Chromium as a reader would (A4 from the page's CSS): per page how full it
    is and its margin text, the elements that force a page break, and the page-number boxes of the CSS."""
    import base64

    pdf = base64.b64decode(browser.send("Page.printToPDF", session=True, preferCSSPageSize=True,
                                        printBackground=True)["data"])
    browser.send("Emulation.setEmulatedMedia", session=True, media="print")
    return {"pages": read_pages(pdf), "forced_breaks": json.loads(browser.evaluate(FORCED_BREAKS)),
            "margin_boxes": json.loads(browser.evaluate(PAGE_MARGIN_BOXES))}


def check_report(folder: Path, shots: Path | None = None) -> dict:
    """axe violations, horizontal page overflow and scrolling tables of ``folder/report.html`` per width; the
    summary's height in print (``summary_height``) and the printed PDF (``pdf``, see :func:`check_pdf`)."""
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
                small_text = json.loads(browser.evaluate(SMALL_CHART_TEXT % PHONE_TEXT_PX))
                if shots is not None:
                    browser.screenshot(Path(shots) / f"{Path(folder).name}_{width}.png")
                out[width] = {"violations": violations, "external": external, "overflow": overflow,
                              "small_text": small_text}
        with Browser(width=A4_WIDTH_PX, height=A4_HEIGHT_PX) as browser:  # print layout: the summary on one page
            browser.open(f"{server.origin}/report.html")
            out["pdf"] = check_pdf(browser)  # also switches the page to print media
            out["summary_height"] = float(browser.evaluate(SUMMARY_HEIGHT))
    return out


def pdf_problems(pdf: dict, min_fill: float = 0.5) -> list[str]:
    """What is wrong with the printed report: a page without its number ("k / n"), a page before the last that is
    less than ``min_fill`` full, a forced page break, no page-number box in the CSS."""
    pages = pdf["pages"]
    problems = [f"page {k}: margin reads {p.margin_text!r}, not '{k} / {len(pages)}'"
                for k, p in enumerate(pages, 1) if p.margin_text != f"{k} / {len(pages)}"]
    problems += [f"page {k} of {len(pages)} is only {p.fill:.0%} full" for k, p in enumerate(pages[:-1], 1)
                 if p.fill < min_fill]
    problems += [f"forced page break at {e}" for e in pdf["forced_breaks"]]
    if not any("counter(page)" in (content or "") for _, content in pdf["margin_boxes"]):
        problems.append(f"no page number in the print CSS (margin boxes: {pdf['margin_boxes']})")
    return problems


if __name__ == "__main__":
    args = sys.argv[1:]
    shots = Path(args[args.index("--shots") + 1]) if "--shots" in args else None
    result = check_report(Path(args[0]), shots)
    print(f"summary in print: {result.pop('summary_height'):.0f} px of {A4_HEIGHT_PX} px (one A4 page)")
    pdf = result.pop("pdf")
    print(f"pdf: {len(pdf['pages'])} pages, fill " + " ".join(f"{p.fill:.0%}" for p in pdf["pages"]))
    for problem in pdf_problems(pdf):
        print(f"  {problem}")
    for width, r in result.items():
        print(f"{width}px: {len(r['violations'])} violations, page overflow {r['overflow']['page']} px, "
              f"{len(r['overflow']['regions'])} scrolling tables, {len(r['external'])} outside requests, "
              f"{len(r['small_text'])} charts with text below {PHONE_TEXT_PX} px")
        for item in r["small_text"]:
            print(f"  small chart text: {item}")
        for v in r["violations"]:
            print(f"  {v['id']} ({v['impact']}): {v['help']}")
            for n in v["nodes"]:
                print(f"     {n}")

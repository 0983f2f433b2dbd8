"""Check the built handbook in headless Chromium: no third-party requests, axe-core WCAG 2.1 AA, links.

    .venv/bin/python tests/book/check_book.py [_build/html] [--screenshots DIR]

Every page is served from 127.0.0.1 and opened in Chromium (light and dark colour scheme). The check
fails when a page requests anything outside the site, when a local resource is missing, when axe-core
reports a violation of WCAG 2.0/2.1 A or AA, or when a figure has no real text alternative. axe-core
comes from ``node_modules`` (``npm ci --ignore-scripts``; pinned in package.json).
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
sys.path.insert(0, str(HERE))

from browser import Browser, SiteServer  # noqa: E402
from check_links import check_site  # noqa: E402

AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
SCREENSHOTS = {  # page -> file name: the home page, the model page and one analysis chapter
    "book/index.html": "home.png",
    "book/deel1/meetmodel.html": "meetmodel.png",
}
RUN_AXE = """
axe.run(document, {runOnly: %s, resultTypes: ['violations']})
  .then(r => JSON.stringify(r.violations.map(v => ({
      id: v.id, impact: v.impact, help: v.help,
      nodes: v.nodes.slice(0, 3).map(n => n.target.join(' ') + ' :: ' + (n.failureSummary || '').split('\\n')[1])
  }))))
"""
FIGURE_ALTS = """
JSON.stringify(Array.from(document.querySelectorAll('main img')).filter(img => {
  const alt = (img.getAttribute('alt') || '').trim();
  const file = (img.getAttribute('src') || '').split('/').pop();
  return !alt || alt === file || /\\.(png|svg|jpe?g|gif)$/i.test(alt) || /^_images/.test(alt) || alt.startsWith('../');
}).map(img => img.getAttribute('src')))
"""


def pages_of(site: Path) -> list[str]:
    """Every content page of the site (no search/genindex duplicates of the theme chrome)."""
    out = []
    for p in sorted(site.rglob("*.html")):
        rel = p.relative_to(site).as_posix()
        if rel.startswith("_static/") or rel == "index.html":  # root index.html is only a redirect
            continue
        out.append(rel)
    return out


DARK_RULES = ["color-contrast", "link-in-text-block"]
PHONE_WIDTH = 390
# Content that sticks out of a 390 px screen and cannot be reached: the right edge of an element in the
# page's main content beyond the viewport, unless it sits inside a region that scrolls sideways itself.
OVERFLOW = """
JSON.stringify((() => {
  const width = document.documentElement.clientWidth, out = [];
  const scrolls = el => { for (let p = el.parentElement; p; p = p.parentElement) {
      const s = getComputedStyle(p); if (/(auto|scroll)/.test(s.overflowX) && p.scrollWidth > p.clientWidth - 1) return true; }
    return false; };
  for (const el of document.querySelectorAll('main *')) {
    const r = el.getBoundingClientRect();
    if (r.width === 0 || r.height === 0 || getComputedStyle(el).visibility === 'hidden') continue;
    if (r.right > width + 1 && !scrolls(el)) out.push((el.tagName + '.' + (el.className || '')).slice(0, 60) + ' ' + Math.round(r.right) + 'px');
  }
  return out.slice(0, 3);
})())
"""
ENGLISH_CHROME = ("Skip to main content", "Back to top", "Search the docs", "On this page")
# Switch the theme, then wait until the theme's colour transitions (0.15 s) have ended: axe reads the computed
# colours, and on a busy machine it could otherwise read a colour halfway between light and dark.
SET_THEME = ("(() => { const root = document.documentElement, same = root.dataset.theme === '%(theme)s'; "
             "root.dataset.theme = '%(theme)s'; root.dataset.mode = '%(theme)s'; "
             "return same || new Promise(done => setTimeout(() => requestAnimationFrame(() => done(true)), 400)); })()")


def check_pages(site: Path, screenshots: Path | None = None, dark: bool = True) -> dict:
    """Open every page; return requests outside the site, missing resources, axe violations, bad alts.

    Each page is loaded once in the light theme and checked against every WCAG 2.0/2.1 A and AA rule of
    axe-core; then the theme is switched to dark in place (the theme's own ``data-theme`` switch) and the
    colour rules are checked again. Then every page is opened at 390 px (a phone): all A/AA rules again,
    and no content may stick out beyond the right edge unless it sits in a region that scrolls sideways.
    Pages must not show the theme's English chrome (the site is Dutch).
    """
    if not AXE.exists():
        raise SystemExit(f"{AXE} not found: run `npm ci --ignore-scripts` in {ROOT}")
    axe_source = AXE.read_text(encoding="utf-8")
    result = {"pages": 0, "external": [], "missing": [], "violations": [], "figures_without_alt": [],
              "overflow": [], "english": []}
    with SiteServer(site) as server, Browser() as browser:
        browser.send("Page.addScriptToEvaluateOnNewDocument", session=True, source=axe_source)
        browser.set_color_scheme("light")
        for rel in pages_of(site):
            requested = browser.open(f"{server.origin}/{rel}")
            for r in requested:
                if not (r.startswith(server.origin + "/") or r.startswith(("data:", "blob:", "about:"))):
                    result["external"].append(f"{rel}: {r}")
            result["missing"] += [f"{rel}: {r}" for r in browser.failed_requests()]
            browser.evaluate(SET_THEME % {"theme": "light"}, await_promise=True)
            runs = [("light", {"type": "tag", "values": AXE_TAGS})]
            if dark:
                runs.append(("dark", {"type": "rule", "values": DARK_RULES}))
            for scheme, run_only in runs:
                if scheme == "dark":
                    browser.evaluate(SET_THEME % {"theme": "dark"}, await_promise=True)
                violations = json.loads(browser.evaluate(RUN_AXE % json.dumps(run_only), await_promise=True))
                result["violations"] += [{"page": rel, "scheme": scheme, **v} for v in violations]
                if scheme == "light":
                    bad = json.loads(browser.evaluate(FIGURE_ALTS))
                    result["figures_without_alt"] += [f"{rel}: {b}" for b in bad]
                    name = SCREENSHOTS.get(rel) or (
                        f"hoofdstuk-{Path(rel).stem}.png" if rel.startswith("notebooks/") else None)
                    if screenshots is not None and name:
                        browser.screenshot(screenshots / name)
            english = [s for s in ENGLISH_CHROME if s in (site / rel).read_text(encoding="utf-8")]
            result["english"] += [f"{rel}: {s!r}" for s in english]
            result["pages"] += 1
        # phone: every page again at 390 px (all WCAG A/AA rules, and nothing cut off at the right edge)
        browser.set_width(PHONE_WIDTH, 844, mobile=True)
        for rel in pages_of(site):
            browser.open(f"{server.origin}/{rel}")
            browser.evaluate(SET_THEME % {"theme": "light"}, await_promise=True)
            violations = json.loads(browser.evaluate(RUN_AXE % json.dumps({"type": "tag", "values": AXE_TAGS}),
                                                     await_promise=True))
            result["violations"] += [{"page": rel, "scheme": f"{PHONE_WIDTH}px", **v} for v in violations]
            result["overflow"] += [f"{rel}: {o}" for o in json.loads(browser.evaluate(OVERFLOW))]
            if screenshots is not None and rel == "book/index.html":
                browser.screenshot(screenshots / "home-390.png")
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("site", nargs="?", default=str(ROOT / "_build" / "html"))
    parser.add_argument("--screenshots", help="write screenshots of key pages into this folder")
    args = parser.parse_args(argv)
    site = Path(args.site).resolve()
    if not (site / "book" / "index.html").exists():
        print(f"no built handbook in {site}: run `make book` first", file=sys.stderr)
        return 2
    start = time.perf_counter()
    links = check_site(site)
    print(f"links: {links.pages} pages, {links.links} internal links, {len(links.broken)} broken, "
          f"{len(links.external_resources)} external resources in the HTML")
    res = check_pages(site, Path(args.screenshots) if args.screenshots else None)
    print(f"browser: {res['pages']} pages (light: all WCAG A/AA rules; dark: colour rules; 390 px: all rules "
          f"and overflow) in {time.perf_counter() - start:.1f} s; "
          f"{len(res['external'])} requests outside the site, {len(res['missing'])} missing resources, "
          f"{len(res['violations'])} axe violations (WCAG 2.1 A/AA), "
          f"{len(res['figures_without_alt'])} figures without text alternative, "
          f"{len(res['overflow'])} pages cut off at 390 px, {len(res['english'])} English theme strings")
    for line in links.broken + links.external_resources + res["external"] + res["missing"]:
        print("  " + line)
    for v in res["violations"]:
        print(f"  axe {v['page']} [{v['scheme']}] {v['id']} ({v['impact']}): {v['help']}")
        for node in v["nodes"]:
            print(f"      {node}")
    for line in res["figures_without_alt"]:
        print(f"  figure without alt text: {line}")
    for line in res["overflow"]:
        print(f"  cut off at {PHONE_WIDTH} px: {line}")
    for line in res["english"]:
        print(f"  English theme string on a Dutch page: {line}")
    failed = links.broken or links.external_resources or res["external"] or res["missing"] or res["violations"] \
        or res["figures_without_alt"] or res["overflow"] or res["english"]
    print("OK" if not failed else "FAILED")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())

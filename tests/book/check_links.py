"""Offline internal link check of the built handbook (``_build/html``).

Sphinx's linkcheck needs the network; this checks what we control: every relative ``href``/``src`` in
every page points at a file that exists, and every ``#anchor`` exists in its target page. It also lists
any ``<script src>`` / ``<link href>`` / ``<img src>`` that points outside the site.
"""
from __future__ import annotations

import sys
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlparse

RESOURCE_TAGS = {("script", "src"), ("link", "href"), ("img", "src"), ("iframe", "src"), ("source", "src")}


class _PageParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.links: list[tuple[str, str, str]] = []  # (tag, attr, url)
        self.ids: set[str] = set()

    def handle_starttag(self, tag, attrs):
        for name, value in attrs:
            if name in ("id", "name") and value:
                self.ids.add(value)
            if name in ("href", "src") and value is not None:
                self.links.append((tag, name, value))


@dataclass
class LinkReport:
    pages: int = 0
    links: int = 0
    broken: list[str] = field(default_factory=list)
    external_resources: list[str] = field(default_factory=list)


def _parse(path: Path) -> _PageParser:
    parser = _PageParser()
    parser.feed(path.read_text(encoding="utf-8", errors="replace"))
    return parser


def check_site(root: Path) -> LinkReport:
    """Check every ``*.html`` file under ``root``; returns counts, broken links and external resources."""
    root = Path(root).resolve()
    report = LinkReport()
    cache: dict[Path, _PageParser] = {}

    def parsed(p: Path) -> _PageParser:
        if p not in cache:
            cache[p] = _parse(p)
        return cache[p]

    for page in sorted(root.rglob("*.html")):
        if "_static" in page.relative_to(root).parts:
            continue
        report.pages += 1
        for tag, attr, url in parsed(page).links:
            where = f"{page.relative_to(root)}: <{tag} {attr}=\"{url}\">"
            scheme = urlparse(url).scheme
            if scheme in ("http", "https") or url.startswith("//"):
                if (tag, attr) in RESOURCE_TAGS and not (tag == "link" and 'rel="canonical"' in url):
                    report.external_resources.append(where)
                continue
            if scheme in ("mailto", "data", "javascript", "tel"):
                continue
            report.links += 1
            parts = urlparse(url)
            path_part, anchor = parts.path, parts.fragment
            target = page if not path_part else (page.parent / unquote(path_part)).resolve()
            if target.is_dir():
                target = target / "index.html"
            if not target.exists() or root not in target.parents and target != root:
                report.broken.append(f"{where} -> missing file")
                continue
            if anchor and target.suffix == ".html" and unquote(anchor) not in parsed(target).ids:
                report.broken.append(f"{where} -> missing anchor #{anchor}")
    return report


def main(argv: list[str]) -> int:
    root = Path(argv[1]) if len(argv) > 1 else Path(__file__).resolve().parents[2] / "_build" / "html"
    report = check_site(root)
    print(f"links: {report.pages} pages, {report.links} internal links checked, "
          f"{len(report.broken)} broken, {len(report.external_resources)} external resources")
    problems = report.broken + report.external_resources
    for line in problems[:40]:
        print("  " + line)
    if len(problems) > 40:
        print(f"  ... and {len(problems) - 40} more")
    return 1 if report.broken or report.external_resources else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))

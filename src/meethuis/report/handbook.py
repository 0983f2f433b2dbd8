"""Links from the report to the handbook: each chapter to its reading guide, the maturity scan to Deel III.

The handbook's address is the org config's ``handbook_url``; without it the page is named in plain text,
so a report never holds a dead link.
"""
from __future__ import annotations

import html
import re

# chapter -> its reading guide in the built handbook (tests/test_handbook_links.py: one per runner.CHAPTERS,
# each a page of _toc.yml)
GUIDE_PAGES: dict[str, str] = {ch: f"book/deel2/lezen-{ch.split('_', 1)[1]}.html" for ch in (
    "00_samenvatting", "01_intake", "02_representativiteit", "03_kpis", "04_meetkwaliteit", "05_drijfveren",
    "06_prioriteiten", "07_trends", "08_benchmark", "09_procesdata", "10_feedback", "11_volwassenheid",
    "12_klantreis")}
MATURITY_PAGE = "book/deel3/volwassenheid.html"
_LEAD = {"nl": "Zo leest u dit hoofdstuk: handboek, deel II, leeswijzer",
         "en": "How to read this chapter: handbook (Dutch), part II, reading guide"}
_MATURITY = re.compile(r"(handboek, deel III|handbook, part III)( \([^)<]*\))?")


def page_url(base: str, page: str) -> str:
    """Absolute address of a handbook page under ``base`` (one slash between them)."""
    return f"{base.rstrip('/')}/{page}"


def chapter_note(chapter: str, base: str | None, lang: str) -> str:
    """HTML paragraph naming the chapter's reading guide, a link when ``base`` is set ('' for unknown chapters)."""
    page = GUIDE_PAGES.get(chapter)
    if page is None:
        return ""
    lead = _LEAD.get(lang, _LEAD["nl"])
    name = html.escape(page.rsplit("/", 1)[1].removesuffix(".html"))
    if base:
        return (f'<p class="handbook-link">{lead} <a href="{html.escape(page_url(base, page))}">{name}</a>.</p>')
    return f'<p class="handbook-link">{lead} <em>{name}</em>.</p>'


def link_maturity(body: str, base: str | None) -> str:
    """Turn the maturity chapter's 'handboek, deel III (...)' into a link to the scan page when ``base`` is set."""
    if not base:
        return body
    href = html.escape(page_url(base, MATURITY_PAGE))
    return _MATURITY.sub(lambda m: f'<a href="{href}">{m.group(0)}</a>', body, count=1)

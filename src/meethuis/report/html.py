"""Assemble the report: the executed chapter notebooks become one self-contained HTML page (contents,
cover, provenance, print CSS), with no code and no outside requests.
"""
from __future__ import annotations

import datetime as _dt
import re
import sys
from pathlib import Path
from typing import Sequence

from meethuis import __version__
from meethuis.common import narrative as nv
from meethuis.intake.io import file_digest
from meethuis.report import handbook

TEMPLATE_DIR = Path(__file__).resolve().parent / "templates"


_EN_BLOCK = re.compile(r"<!--\s*en\s*\n(.*?)-->", re.S)
_HEADING_HTML = re.compile(r"\s*<h([2-6])[^>]*>.*?</h\1>\s*", re.S)


def drop_empty_headings(parts: list[str]) -> list[str]:
    """Leave out a heading with nothing under it: followed by a heading of the same or a higher level, or by
    the end of the chapter (its chapter had nothing to show there)."""
    out: list[str] = []
    for k, part in enumerate(parts):
        m = _HEADING_HTML.fullmatch(part)
        if m:
            nxt = next((p for p in parts[k + 1:] if p.strip()), None)
            n = _HEADING_HTML.fullmatch(nxt) if nxt is not None else None
            if nxt is None or (n and int(n.group(1)) <= int(m.group(1))):
                continue
        out.append(part)
    return drop_empty_headings(out) if len(out) < len(parts) else out


def markdown_for(source: str, lang: str) -> str:
    """The text of a markdown cell in ``lang``: Dutch as written, English from a ``<!-- en ... -->`` block.

    A cell without an English block shows its Dutch text in both languages.
    """
    english = _EN_BLOCK.search(source)
    if lang == "en" and english:
        return english.group(1).strip()
    return _EN_BLOCK.sub("", source).strip()


def _safe_markdown(text: str) -> str:
    import mistune

    global _SAFE_RENDERER
    if _SAFE_RENDERER is None:
        _SAFE_RENDERER = mistune.create_markdown(escape=True, plugins=["strikethrough", "table"])
    return _SAFE_RENDERER(text)


_SAFE_RENDERER = None
_SAFE_MARKDOWN = _safe_markdown


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", re.sub(r"<[^>]+>", "", text).lower()).strip("-") or "sectie"


METHOD_CLASS = "mh-method"  # displays with this class (e.g. the basis line) go into the method fold
_FIRST_SCREEN = re.compile(r"<!--mh-first-screen-->(.*?)<!--/mh-first-screen-->", re.S)


def method_fold(parts: Sequence[str], lang: str) -> str:
    """The collapsible "Hoe is dit berekend?" block holding a chapter's method text (empty if none)."""
    parts = [p for p in parts if p.strip()]
    if not parts:
        return ""
    return (f'<details class="method"><summary>{nv.text("method_fold", lang)}</summary>'
            f'<div class="method-body">{"".join(parts)}</div></details>')


_FOLD = re.compile(r'<details class="method"><summary>[^<]*</summary><div class="method-body">(.*?)</div></details>',
                   re.S)


def method_appendix(chapters: Sequence[tuple[str, str, str]], lang: str) -> str:
    """The method appendix: every chapter's "Hoe is dit berekend?" text gathered at the end of the report.

    ``chapters`` holds ``(chapter id, chapter title, chapter body)``; a chapter without a fold is left out,
    and no appendix is made when none has one. Screen readers and print get the method in one place (the
    folds are hidden in print); ids inside the copied text are dropped so every id stays unique.
    """
    import html as _html

    parts = []
    for chapter_id, title, body in chapters:
        found = [m.group(1) for m in _FOLD.finditer(body)]
        if found:
            text = re.sub(r'\sid="[^"]*"', "", "".join(found))
            parts.append(f'<h2 id="methode-{chapter_id[:2]}">{_html.escape(title)}</h2>\n{text}')
    if not parts:
        return ""
    return (f'<h1 id="bijlage-methode">{_html.escape(nv.text("method_appendix", lang))}</h1>\n'
            f'<p>{_html.escape(nv.text("method_appendix_intro", lang))}</p>\n' + "\n".join(parts))


def chapter_html(nb_path: Path, lang: str) -> tuple[str, str]:
    """Reader-facing HTML of one executed chapter (markdown and rich outputs, no code); and its title.

    The answer comes first: the title, then the chapter's first result, then its method (the text
    under the title of the first markdown cell and every ``mh-method`` display, such as the basis
    line) folded away under "Hoe is dit berekend?", then the rest.
    """
    import mistune
    import nbformat

    nb = nbformat.read(str(nb_path), as_version=4)
    skipped = bool(nb.metadata.get("meethuis", {}).get("skipped"))  # plan.skipped_notebook: its reason is the answer
    parts: list[str] = []
    method: list[str] = []
    first_markdown = True
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            text = markdown_for(cell.source, lang)
            if first_markdown and text.startswith("# "):
                head, _, rest = text.partition("\n")
                parts.append(mistune.html(head))
                if rest.strip():
                    method.append(mistune.html(rest.strip()))
            elif skipped:
                parts.append(f'<div class="mh-answer">{mistune.html(text)}</div>')
            else:
                parts.append(mistune.html(text))
            first_markdown = False
        elif cell.cell_type == "code":
            for output in cell.get("outputs", []):
                if output.get("output_type") != "display_data":
                    continue  # values echoed by a cell, streams (warnings) and errors are not for readers
                data = output.get("data", {})
                if "text/html" in data:
                    chunk = _join(data["text/html"])
                    (method if f'class="{METHOD_CLASS}"' in chunk[:80] else parts).append(chunk)
                elif "text/markdown" in data:  # built from config and data: no raw HTML passes
                    chunk = _SAFE_MARKDOWN(_join(data["text/markdown"]))
                    if output.get("metadata", {}).get("meethuis") == "answer":  # display.show_answer
                        chunk = f'<div class="mh-answer">{chunk}</div>'
                    parts.append(chunk)
    parts = drop_empty_headings(parts)
    answers = [k for k, p in enumerate(parts) if p.startswith('<div class="mh-answer">')]
    if answers and answers[0] > 1:  # the answer opens the chapter, right under its title
        parts.insert(1, parts.pop(answers[0]))
    fold = method_fold(method, lang)
    if fold:
        # after the title and the chapter's answer (unless the next part is a heading or the first screen)
        at = 1
        while at < len(parts) and "<!--mh-first-screen-->" in parts[at]:
            at += 1
        if at < len(parts) and not re.match(r"\s*<h[1-6]", parts[at]):
            at += 1
        parts.insert(at, fold)
    body = "\n".join(parts)
    m = re.search(r"<h1[^>]*>(.*?)</h1>", body, re.S)
    title = re.sub(r"<[^>]+>", "", m.group(1)).strip() if m else nb_path.stem
    return body, title


def lift_first_screen(body: str) -> tuple[str, str]:
    """Take the first-screen block (tiles, response, knobs) out of a chapter body: (block, rest)."""
    m = _FIRST_SCREEN.search(body)
    if not m:
        return "", body
    return m.group(1), body[:m.start()] + body[m.end():]


_RESIDENTS = re.compile(r"<!--mh-jzwd-->(.*?)<!--/mh-jzwd-->", re.S)
_RESIDENTS_PAGE = """<!DOCTYPE html>
<html lang="{lang}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
<style>
{css}
</style>
</head>
<body>
<header class="cover"><p class="kicker">{kicker}</p><h1 class="org">{org}</h1></header>
<main>
{block}
</main>
</body>
</html>
"""


def residents_page(notebooks: Sequence[Path], org: str, period: str, lang: str) -> str:
    """The small "Jullie zeiden, wij deden" page for residents, from the feedback chapter ('' when absent).

    The block is the one the chapter shows in the report (scrubbed quotes, realised improvements with
    owner, date and measured effect); the page carries the report's CSS and nothing else.
    """
    import html as _html

    for nb_path in notebooks:
        body, _ = chapter_html(Path(nb_path), lang)
        m = _RESIDENTS.search(body)
        if m:
            kicker = "Jullie zeiden, wij deden" if lang == "nl" else "You said, we did"
            return _RESIDENTS_PAGE.format(
                lang=lang, title=_html.escape(f"{kicker} \u2014 {org} \u2014 {nv.period_text(period, lang)}"),
                css=(TEMPLATE_DIR / "report.css").read_text(encoding="utf-8"), kicker=_html.escape(kicker),
                org=_html.escape(org), block=m.group(1))
    return ""


def _join(value) -> str:
    return "".join(value) if isinstance(value, list) else str(value)


def display_name(config, lang: str = "nl") -> str:
    """The organisation's name for readers; a synthetic sample organisation is marked "(fictief)"."""
    if getattr(config, "synthetic", False):
        return f"{config.name} ({'fictief' if lang == 'nl' else 'fictional'})"
    return config.name


def cover_period(config, period: str) -> str:
    """The period the report covers: the resolved quarter, or a one-wave survey's own ``period:`` value
    (``""``, every quarter pooled, would read "alle perioden" for what is one measurement)."""
    value = getattr(getattr(config, "period", None), "value", None)
    return period or (str(value) if value else "")


def assemble_html(notebooks: Sequence[Path], config, period: str, lang: str,
                  today: _dt.date | None = None) -> str:
    """One self-contained HTML page of the executed chapters, with contents, cover and provenance."""
    process_file = config.process.file if config.process else None
    provenance = {
        "config": f"{config.path.name} sha256:{file_digest(config.path)[:12]}",
        "data": f"{config.data_file.name} sha256:{file_digest(config.data_file)[:12]}",
        "process": f"{Path(process_file).name} sha256:{file_digest(process_file)[:12]}" if process_file else "",
        "journeys": " · ".join(f"{spec.file.name} sha256:{file_digest(spec.file)[:12]}"
                               for spec in (getattr(getattr(config, "journeys", None), k, None)
                                            for k in ("contacts", "appointments")) if spec is not None),
    }
    return render_page(notebooks, display_name(config, lang), nv.text("report_title", lang),
                       nv.period_text(cover_period(config, period), lang),
                       provenance, lang, today, handbook_url=getattr(config, "handbook_url", None))


def render_page(notebooks: Sequence[Path], org: str, title: str, period_text: str, provenance: dict, lang: str,
                today: _dt.date | None = None, handbook_url: str | None = None,
                appendix: bool = True) -> str:
    """The page of :func:`assemble_html` for any set of executed chapters (also the community report).

    ``provenance`` holds ``config``, ``data`` and ``process`` lines; version and Python are added here.
    ``handbook_url`` (org config) turns the handbook references into links (:mod:`meethuis.report.handbook`).
    The chapters' method folds are gathered in an appendix at the end (:func:`method_appendix`).
    """
    import jinja2

    sections, toc, used = [], [], set()
    first_screen = ""
    for nb_path in notebooks:
        body, chapter_title = chapter_html(Path(nb_path), lang)
        block, body = lift_first_screen(body)
        first_screen = first_screen or block
        entries = []

        def anchor(match: re.Match) -> str:
            level, inner = match.group(1), match.group(2)
            slug = base = f"{Path(nb_path).stem[:2]}-{_slug(inner)}"
            k = 2
            while slug in used:
                slug, k = f"{base}-{k}", k + 1
            used.add(slug)
            entries.append((int(level), re.sub(r"<[^>]+>", "", inner).strip(), slug))
            return f'<h{level} id="{slug}">{inner}</h{level}>'

        body = re.sub(r"<h([12])>(.*?)</h\1>", anchor, body, flags=re.S)
        body = handbook.link_maturity(body, handbook_url) + handbook.chapter_note(Path(nb_path).stem, handbook_url,
                                                                                  lang)
        sections.append({"id": Path(nb_path).stem, "title": chapter_title, "body": body})
        toc.append(entries)
    methods = method_appendix([(s["id"], s["title"], s["body"]) for s in sections], lang) if appendix else ""
    if methods:
        sections.append({"id": "bijlage-methode", "title": nv.text("method_appendix", lang), "body": methods})
        toc.append([(1, nv.text("method_appendix", lang), "bijlage-methode")])
    today = today or _dt.date.today()
    provenance = {"version": __version__, "process": "", **provenance,
                  "python": ".".join(map(str, sys.version_info[:3]))}
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(str(TEMPLATE_DIR)), autoescape=True)
    template = env.get_template("report.html.j2")
    return template.render(
        lang=lang, org=org, sections=sections, toc=toc, first_screen=first_screen,
        css=(TEMPLATE_DIR / "report.css").read_text(encoding="utf-8"),
        title=title, period=period_text,
        date=nv.format_date(today, lang), provenance=provenance, t=lambda key: nv.text(key, lang),
    )

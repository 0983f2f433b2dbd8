"""Report page assembly (``report.html``): the method appendix gathered from the chapters' folds.

Hand-made executed notebooks with known method texts; the page is checked for what a reader finds where.
"""
from __future__ import annotations

import re
from pathlib import Path

import nbformat
import pytest

from meethuis.report import html as report_html


def _chapter(folder: Path, stem: str, title: str, method: str | None, answer: str) -> Path:
    nb = nbformat.v4.new_notebook()
    code = nbformat.v4.new_code_cell("x")
    code.outputs = [nbformat.v4.new_output("display_data", data={"text/markdown": answer})]
    if method is not None:
        code.outputs.insert(0, nbformat.v4.new_output(
            "display_data", data={"text/html": f'<div class="mh-method"><p id="m-{stem}">{method}</p></div>'}))
    intro = f"# {title}\n\n**Wat dit beantwoordt.** Uitleg van {title}.\n\n<!-- en\n# {title} (en)\n\nAbout {title}.\n-->"
    nb.cells = [nbformat.v4.new_markdown_cell(intro if method is not None else f"# {title}"), code]
    path = folder / f"{stem}.ipynb"
    nbformat.write(nb, str(path))
    return path


def test_method_appendix_gathers_every_fold_at_the_end(tmp_path):
    books = [_chapter(tmp_path, "03_kpis", "Kengetallen", "Gebaseerd op 40 antwoorden.", "Het cijfer is 7,2."),
             _chapter(tmp_path, "07_trends", "Trends", None, "Het cijfer steeg."),
             _chapter(tmp_path, "08_benchmark", "Benchmark", "Vergeleken op gedeelde totalen.", "Wij staan 2e.")]
    page = report_html.render_page(books, "Org", "Rapport", "3e kwartaal 2026", {}, "nl")
    main = page[page.index("<main>"):page.index("</main>")]
    appendix = main[main.index('<h1 id="bijlage-methode">'):]
    assert main.rindex('<section class="chapter"') < main.index('<h1 id="bijlage-methode">')  # the last section
    assert "Bijlage: hoe is dit berekend?" in appendix
    # one part per chapter that has a fold, in report order, with that chapter's title and method
    heads = re.findall(r'<h2 id="methode-(\d\d)">([^<]*)</h2>', appendix)
    assert heads == [("03", "Kengetallen"), ("08", "Benchmark")]
    kpis_part = appendix[appendix.index("Kengetallen"):appendix.index("Benchmark")]
    assert "Uitleg van Kengetallen" in kpis_part and "Gebaseerd op 40 antwoorden." in kpis_part
    assert "Vergeleken op gedeelde totalen." in appendix[appendix.index("Benchmark"):]
    assert "Het cijfer is 7,2." not in appendix and "Trends" not in appendix  # answers stay in their chapter
    # the fold stays in its chapter; the copy carries no id, so every id is unique
    assert main.count("Gebaseerd op 40 antwoorden.") == 2
    ids = re.findall(r'\sid="([^"]+)"', page)
    assert len(ids) == len(set(ids)) and "m-03_kpis" in ids
    # the contents lists the appendix
    toc = page[page.index('<nav id="inhoud"'):page.index("</nav>")]
    assert '<a href="#bijlage-methode">Bijlage: hoe is dit berekend?</a>' in toc
    english = report_html.render_page(books, "Org", "Report", "Q3 2026", {}, "en")
    assert "Appendix: how was this calculated?" in english and "About Kengetallen." in english


def test_no_appendix_without_method_text(tmp_path):
    books = [_chapter(tmp_path, "07_trends", "Trends", None, "Het cijfer steeg.")]
    page = report_html.render_page(books, "Org", "Rapport", "3e kwartaal 2026", {}, "nl")
    assert "bijlage-methode" not in page
    with_fold = [_chapter(tmp_path, "03_kpis", "Kengetallen", "Gebaseerd op 40.", "7,2.")]
    assert "bijlage-methode" not in report_html.render_page(with_fold, "Org", "R", "p", {}, "nl", appendix=False)


# -- residents' words keep lang="nl" in an English report ----------------------------------------------------
def text_languages(page: str) -> list[tuple[str, str]]:
    """Every text node of ``page`` with the language of its innermost element that says one."""
    from html.parser import HTMLParser

    void = {"br", "img", "meta", "link", "hr", "input", "wbr", "col", "source"}

    class Walk(HTMLParser):
        def __init__(self):
            super().__init__(convert_charrefs=True)
            self.stack: list[tuple[str, str]] = [("", "")]
            self.out: list[tuple[str, str]] = []

        def handle_starttag(self, tag, attrs):
            if tag not in void:
                self.stack.append((tag, dict(attrs).get("lang") or self.stack[-1][1]))

        def handle_endtag(self, tag):
            for k in range(len(self.stack) - 1, 0, -1):
                if self.stack[k][0] == tag:
                    del self.stack[k:]
                    break

        def handle_data(self, data):
            if data.strip():
                self.out.append((data, self.stack[-1][1]))

    walker = Walk()
    walker.feed(page)
    return walker.out


def test_quotes_and_untranslated_improvements_are_marked_dutch_in_english():
    import pandas as pd

    from meethuis.improve.feedback.improvements import Improvement
    from meethuis.report.chapters import feedback

    quotes = pd.DataFrame({"theme": ["wachttijd"], "theme_label": ["Waiting time"], "sentiment": ["negative"],
                           "quote": ["Ik moest drie weken wachten op een antwoord"]})
    english = text_languages(f'<html lang="en"><body>{feedback.quotes_html(quotes, "en")}</body></html>')
    assert ("Ik moest drie weken wachten op een antwoord", "nl") in english
    assert ("Waiting time", "en") in english and ("negative:", "en") in english
    dutch = feedback.quotes_html(quotes, "nl")
    assert "lang=" not in dutch and "Ik moest drie weken wachten op een antwoord" in dutch
    only_dutch = Improvement(quarter="2026Q3", theme="snelheid", what={"nl": "Terugbelgarantie"}, status="gerealiseerd")
    both = Improvement(quarter="2026Q3", theme="snelheid", what={"nl": "Terugbelgarantie", "en": "Call-back guarantee"},
                       status="gerealiseerd")
    assert feedback.did_html(only_dutch, "en") == '<span lang="nl">Terugbelgarantie</span>'
    assert feedback.did_html(both, "en") == "Call-back guarantee"
    assert feedback.did_html(only_dutch, "nl") == "Terugbelgarantie"


def test_table_cells_in_another_language_are_marked():
    import pandas as pd

    from meethuis.report.display import table_html

    table = pd.DataFrame({"Dimension": ["Vision", "Measuring"], "Level": [2, 3],
                          "Note": ["Resultaten gaan naar de teams.", ""]})
    table.attrs["text_lang"] = {"Note": "nl"}
    english = text_languages(f'<html lang="en">{table_html(table, "Maturity", 10, "en")}</html>')
    assert ("Resultaten gaan naar de teams.", "nl") in english and ("Vision", "en") in english
    assert ("Measuring", "en") in english
    assert "lang=" not in table_html(table, "Volwassenheid", 10, "nl")  # Dutch notes in a Dutch report


# -- every chapter opens with its answer ---------------------------------------------------------------------
def answer_first_problems(page: str) -> list[str]:
    """Chapters of a rendered report whose first element under the title is not the answer (``mh-answer``):
    no table, figure, method fold or sub-heading may come before it. The method appendix is not a chapter."""
    problems = []
    for m in re.finditer(r'<section class="chapter" id="hoofdstuk-([^"]+)"[^>]*>\s*(.*?)</section>', page, re.S):
        chapter, body = m.group(1), m.group(2)
        if chapter == "bijlage-methode":
            continue
        after_title = re.sub(r"^<h1[^>]*>.*?</h1>\s*", "", body, count=1, flags=re.S)
        if not after_title.startswith('<div class="mh-answer">'):
            problems.append(f"{chapter} opens with {after_title[:60].strip()!r}")
    return problems


def test_the_answer_opens_the_chapter_even_when_shown_later(tmp_path):
    nb = nbformat.v4.new_notebook()
    code = nbformat.v4.new_code_cell("x")
    code.outputs = [
        nbformat.v4.new_output("display_data", data={"text/html": '<div class="mh-method"><p>Gebaseerd op 40.</p></div>'}),
        nbformat.v4.new_output("display_data", data={"text/html": '<figure class="mh-figure">F</figure>'}),
        nbformat.v4.new_output("display_data", data={"text/markdown": "Het cijfer is **7,2**."},
                               metadata={"meethuis": "answer"}),
    ]
    nb.cells = [nbformat.v4.new_markdown_cell("# Kop\n\nMethode."), code]
    nbformat.write(nb, str(tmp_path / "03_x.ipynb"))
    body, _ = report_html.chapter_html(tmp_path / "03_x.ipynb", "nl")
    order = [body.index(s) for s in ("<h1>Kop</h1>", '<div class="mh-answer"><p>Het cijfer is <strong>7,2</strong>.</p>',
                                     "Hoe is dit berekend?", '<figure class="mh-figure">F</figure>')]
    assert order == sorted(order)
    page = report_html.render_page([tmp_path / "03_x.ipynb"], "Org", "Rapport", "p", {}, "nl")
    assert answer_first_problems(page) == []
    no_answer = nbformat.v4.new_notebook()
    no_answer.cells = [nbformat.v4.new_markdown_cell("# Kop"), nbformat.v4.new_markdown_cell("## Verder\n\nTekst.")]
    nbformat.write(no_answer, str(tmp_path / "04_y.ipynb"))
    page = report_html.render_page([tmp_path / "04_y.ipynb"], "Org", "Rapport", "p", {}, "nl")
    assert answer_first_problems(page) == ["04_y opens with '<h2 id=\"04-verder\">Verder</h2>\\n<p>Tekst.</p>'"]


def test_a_skipped_chapter_answers_with_its_reason(tmp_path):
    from meethuis.report.plan import skipped_notebook

    class Plan:  # the part of ChapterPlan that skipped_notebook reads
        def reason(self, lang):
            return "Dit hoofdstuk is overgeslagen: er zijn geen procesdata."

    nbformat.write(skipped_notebook("09_procesdata", "Procesdata", Plan(), "nl"), str(tmp_path / "09_procesdata.ipynb"))
    page = report_html.render_page([tmp_path / "09_procesdata.ipynb"], "Org", "Rapport", "p", {}, "nl")
    assert answer_first_problems(page) == [] and "er zijn geen procesdata" in page


# -- charts on a phone -------------------------------------------------------------------------------------
def test_a_chart_gets_a_compact_phone_variant_or_scrolls_at_a_readable_width():
    import base64
    import struct

    from meethuis.common.plots import new_figure
    from meethuis.report import display

    def width(data_uri: str) -> int:
        return struct.unpack(">I", base64.b64decode(data_uri.split(",", 1)[1])[16:20])[0]

    fig, ax = new_figure("Rapportcijfer per kwartaal", "Kwartaal", "cijfer", "Lijn van het cijfer.")
    ax.plot([0, 1, 2], [7.0, 7.2, 7.1])
    page = display.figure_html(fig, n_min=None)
    full = re.search(r'<img src="(data:image/png;base64,[^"]+)"', page).group(1)
    compact = re.search(r'<source media="\(max-width: 40rem\)" srcset="(data:image/png;base64,[^"]+)"', page).group(1)
    assert width(compact) < 0.7 * width(full)
    px, px_compact = (float(v) for v in re.search(r'data-text-px="([\d.]+)" data-text-px-compact="([\d.]+)"', page).groups())
    assert px == px_compact == round(10 * 110 / 72, 1)  # 10 pt at 110 dpi, in both variants
    assert px_compact * 360 / width(compact) >= display.PHONE_TEXT_PX  # shown 360 px wide on a phone

    many = [f"een heel lange naam van organisatie nummer {k} in de vergelijking" for k in range(8)]
    fig, ax = new_figure("Ranglijst", "cijfer", "", "Ranglijst van acht organisaties.")
    ax.barh(range(8), range(1, 9))
    ax.set_yticks(range(8), many)
    page = display.figure_html(fig, n_min=None)
    assert "<source" not in page  # too wide for a narrow layout: the full chart scrolls instead, and says so
    assert '<p class="scroll-hint" aria-hidden="true">Veeg of scroll opzij voor de hele figuur.</p>' in page
    assert '<div class="mh-figure-scroll" role="region" tabindex="0" aria-label="Figuur: Ranglijst van acht organisaties"' in page
    shown = int(re.search(r'style="min-width: (\d+)px"', page).group(1))
    img = re.search(r'<img src="(data:image/png;base64,[^"]+)"', page).group(1)
    assert float(re.search(r'data-text-px="([\d.]+)"', page).group(1)) * shown / width(img) >= display.PHONE_TEXT_PX - 0.05


def test_maturity_notes_stay_dutch_in_the_english_table():
    from meethuis.report.chapters import volwassenheid
    from meethuis.report.chapters.common import open_chapter
    from meethuis.report.display import table_html

    ch = open_chapter("molensloot", lang="en")
    scan = volwassenheid.maturity_for_config(ch.config)
    view = volwassenheid.maturity_view(scan, "en")
    cells = text_languages(f'<html lang="en">{table_html(view, "Maturity", 10, "en")}</html>')
    notes = [n for n in scan.notes.values() if n]
    assert notes and all((n, "nl") in cells for n in notes)
    assert all(lang == "en" for text, lang in cells if text in set(view["Advice"]))


@pytest.mark.slow
def test_english_report_marks_every_resident_quote_and_own_note_dutch(tmp_path):
    from meethuis.report.chapters import feedback, volwassenheid
    from meethuis.report.chapters.common import open_chapter
    from meethuis.report.runner import run_report

    run_report("molensloot", tmp_path / "en", lang="en", chapters=["10_feedback", "11_volwassenheid"], progress=False)
    page = (tmp_path / "en" / "report.html").read_text(encoding="utf-8")
    texts = text_languages(page)
    ch = open_chapter("molensloot", lang="en")
    lexicon = feedback.load_lexicon(ch.config)
    quotes = feedback.example_quotes(ch.responses, lexicon, min_cell=ch.min_cell, lang="en")
    dutch = [feedback.scrub(q) for q in quotes["quote"]] + [n for n in volwassenheid.maturity_for_config(ch.config).notes.values() if n]
    assert len(dutch) > 5
    for words in dutch:
        found = [lang for text, lang in texts if words in text]
        assert found and set(found) == {"nl"}, (words, found)

"""Sphinx extension of the Meethuis handbook: reference pages generated from the code, figure alt text.

At start-up it writes ``book/_generated/`` (codebook page, CLI page, international crosswalk, the
measurement-house figure with its
text alternative), so those pages can never drift from the code. While reading executed notebooks it
gives every figure the text alternative the library attached to it (``plots.alt_text``), which the kernel
reports as the figure's ``text/plain`` representation.
"""
from __future__ import annotations

import hashlib
import json
from base64 import b64decode
from pathlib import Path

from docutils import nodes

BOOK = Path(__file__).resolve().parents[1]
GENERATED = BOOK / "_generated"
LOCALE = BOOK / "_locale"  # Dutch strings of the theme, as .po (compiled into _generated/locale at build time)


def write_generated(target: Path = GENERATED, lang: str = "nl") -> list[Path]:
    """Write the generated reference pages and the house figure; returns the written paths."""
    import matplotlib

    matplotlib.use("Agg", force=False)  # build process only, never in a notebook
    from meethuis.cli.main import cli_reference_markdown
    from meethuis.intake.codebook import load_codebook
    from meethuis.report.house import plot_measurement_house
    from meethuis.common.plots import alt_text

    target.mkdir(parents=True, exist_ok=True)
    cb = load_codebook()
    out = {
        "codeboek.md": cb.to_markdown(lang),
        "opdrachtregel.md": cli_reference_markdown(lang),
        "internationaal.md": cb.crosswalk_markdown(lang),
    }
    fig = plot_measurement_house(cb, lang)
    fig.savefig(target / "meethuis-huis.png", dpi=110)
    alt = alt_text(fig).replace("\n", " ")
    caption = ("Het meethuis, getekend uit het codeboek met `meethuis.report.house.plot_measurement_house`."
               if lang == "nl" else
               "The measurement house, drawn from the codebook with `meethuis.report.house.plot_measurement_house`.")
    out["huis.md"] = (
        "```{figure} /book/_generated/meethuis-huis.png\n"
        f":alt: {alt}\n"
        ":name: fig-meethuis-huis\n"
        ":width: 100%\n\n"
        f"{caption}\n```\n"
    )
    written = []
    for name, text in out.items():
        path = target / name
        if not path.exists() or path.read_text(encoding="utf-8") != text:
            path.write_text(text, encoding="utf-8")
        written.append(path)
    return written + [target / "meethuis-huis.png"]


def figure_alt_texts(notebook: dict) -> dict[str, str]:
    """Map the sha256 of every PNG output to the text alternative shown next to it (``text/plain``)."""
    out = {}
    for cell in notebook.get("cells", []):
        for output in cell.get("outputs", []):
            data = output.get("data", {})
            png, text = data.get("image/png"), data.get("text/plain")
            if not png or not text:
                continue
            text = "".join(text) if isinstance(text, list) else text
            if text.startswith("<Figure") or text.startswith("<matplotlib"):
                continue  # no text alternative attached
            raw = b64decode("".join(png) if isinstance(png, list) else png)
            out[hashlib.sha256(raw).hexdigest()] = text.strip().strip("'\"")
    return out


def _set_figure_alt(app, doctree: nodes.document) -> None:
    executed = Path(app.outdir).parent / "jupyter_execute" / f"{app.env.docname}.ipynb"
    if not executed.exists():
        return
    alts = figure_alt_texts(json.loads(executed.read_text(encoding="utf-8")))
    for image in doctree.findall(nodes.image):
        stem = Path(image.get("uri", "")).stem
        if stem in alts:
            image["alt"] = alts[stem]


TOGGLE = '<summary><span class="toctree-toggle" role="presentation">'
TOGGLE_LABELLED = '<summary aria-label="{label}"><span class="toctree-toggle" role="presentation">'


def label_toctree_toggles(html: str, label: str = "Onderdelen tonen of verbergen") -> str:
    """Give the theme's icon-only navigation toggles an accessible name (WCAG 4.1.2, axe summary-name)."""
    return html.replace(TOGGLE, TOGGLE_LABELLED.format(label=label))


def _fix_html(app, exception) -> None:
    if exception is not None or app.builder.format != "html":
        return
    label = "Onderdelen tonen of verbergen" if app.config.language == "nl" else "Show or hide sections"
    for page in Path(app.outdir).rglob("*.html"):
        text = page.read_text(encoding="utf-8")
        fixed = label_toctree_toggles(text, label)
        if fixed != text:
            page.write_text(fixed, encoding="utf-8")


def compile_theme_catalogue(source: Path = LOCALE, target: Path = GENERATED / "locale") -> Path:
    """Compile every ``<lang>/LC_MESSAGES/*.po`` under ``source`` into ``.mo`` files under ``target``.

    The theme (pydata-sphinx-theme) ships no Dutch catalogue, so "Skip to main content" and "Back to top"
    would stay English on Dutch pages; Babel (a Sphinx dependency) compiles ours.
    """
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    for po in source.glob("*/LC_MESSAGES/*.po"):
        mo = target / po.relative_to(source).with_suffix(".mo")
        mo.parent.mkdir(parents=True, exist_ok=True)
        with open(po, "rb") as fh:
            catalogue = read_po(fh)
        with open(mo, "wb") as fh:
            write_mo(fh, catalogue)
    return target


def setup(app):
    write_generated()
    app.add_message_catalog("sphinx", str(compile_theme_catalogue()))
    app.connect("doctree-read", _set_figure_alt)
    app.connect("build-finished", _fix_html)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}

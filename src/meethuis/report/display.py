"""The display side of a chapter: accessible HTML tables and figures, safe text, cell formatting.

Every table passes ``disclosure.protect_table`` before it is saved (``tables/NAME.csv`` inside a report
run) and shown; a figure states the smallest group behind it (``n_min``) and is replaced by a note when
that is below ``min_cell``. Text from labels or data is shown with every ``<`` escaped.
"""
from __future__ import annotations

import base64
import html
import io as _io
import os
import re
from pathlib import Path
from typing import Any, Callable, Mapping, Sequence

import numpy as np
import pandas as pd

from meethuis.common import narrative as nv
from meethuis.common.errors import AnalysisError
from meethuis.report.context import REPORT_DIR_ENV

_TABLE_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]*$")

# Column headers of the tidy KPI tables, for readers.
COLUMN_LABELS: dict[str, dict[str, str]] = {
    "estimate": {"nl": "Uitkomst", "en": "Estimate"},
    "ci_low": {"nl": "Marge van", "en": "Margin from"},
    "ci_high": {"nl": "Marge tot", "en": "Margin to"},
    "n": {"nl": "Aantal (n)", "en": "Number (n)"},
    "n_eff": {"nl": "Effectief aantal", "en": "Effective n"},
    "item": {"nl": "Vraag", "en": "Question"},
    "kpi": {"nl": "Kengetal", "en": "Indicator"},
    "target": {"nl": "Doel", "en": "Goal"},
    "periode": {"nl": "Kwartaal", "en": "Quarter"},
}
HIDDEN_COLUMNS = ("suppressed", "reason")


def escape_markdown_html(markdown: str) -> str:
    """Markdown in which ``<`` is a literal character (``\\<``), so no HTML tag or comment can start."""
    return re.sub(r"(?<!\\)<", r"\\<", markdown)


def show_text(markdown: str) -> None:
    """Display Markdown text with every ``<`` shown as a character (no raw HTML from labels or data)."""
    from IPython.display import Markdown, display

    display(Markdown(escape_markdown_html(markdown)))


ANSWER = {"meethuis": "answer"}  # output metadata of a chapter's answer (report.html opens the chapter with it)


def show_answer(markdown: str) -> None:
    """Display a chapter's answer: one or two plain sentences built from the numbers, shown first in the report."""
    from IPython.display import Markdown, display

    if str(markdown).strip():
        display(Markdown(escape_markdown_html(markdown)), metadata=dict(ANSWER))


# -- tables ------------------------------------------------------------------------------------------
def _column_kind(series: pd.Series) -> str:
    if pd.api.types.is_bool_dtype(series):
        return "bool"
    if pd.api.types.is_integer_dtype(series):
        return "int"
    if pd.api.types.is_float_dtype(series):
        vals = series.dropna()
        if len(vals) and np.all(np.isclose(vals, np.round(vals))) and vals.abs().max() >= 10:
            return "int"
        return "num2"
    return "text"


def _format_cell(value: Any, kind: str | Callable[[Any], str], lang: str) -> str:
    if value is pd.NA:  # nullable integer columns (e.g. hidden counts) hold pd.NA, not NaN
        value = np.nan
    if callable(kind):
        return kind(value)
    if kind == "text":
        return nv.MISSING if value is None or (isinstance(value, float) and np.isnan(value)) else str(value)
    if kind == "bool":
        if value is None or (isinstance(value, float) and np.isnan(value)):
            return nv.MISSING
        return ("ja" if value else "nee") if lang == "nl" else ("yes" if value else "no")
    if kind == "int":
        return nv.format_int(value, lang)
    if kind in ("share", "percent"):
        return nv.format_percent(value, 0, lang)
    if kind == "share1":
        return nv.format_percent(value, 1, lang)
    if kind == "nps":
        return nv.format_value(value, "nps", lang)
    m = re.fullmatch(r"num(\d)", kind)
    if m:
        return nv.format_number(value, int(m.group(1)), lang)
    raise ValueError(f"unknown column format {kind!r}")


def table_html(table: pd.DataFrame, caption: str, min_cell: int, lang: str = "nl",
               formats: Mapping[str, Any] | None = None, labels: Mapping[str, str] | None = None,
               name: str = "", csv_href: str = "", reasons: Sequence[str] | None = None) -> str:
    """An accessible HTML table: caption, column headers with ``scope``, Dutch number formatting.

    The note on hidden cells says "fewer than ``min_cell`` respondents" only when every hidden cell is small
    itself; with complementary hiding (``reasons`` of the protected table, default its ``reason`` column,
    hold ``secondary``, ``linked`` or ``small_count``) it says so.

    The table scrolls sideways inside a focusable region labelled by its caption (with a visible hint
    on narrow screens when it has more than three columns); ``csv_href`` adds a download link.
    ``table.attrs["text_lang"]`` (column -> language) marks cells written in another language than the
    report, such as an organisation's Dutch notes in an English report (``lang="nl"`` on the cell).

    Rows flagged ``suppressed`` show an em dash in every numeric cell (and no ``n``); every shown row
    carries ``data-n`` when the table has an ``n`` column, so checks can prove nothing below ``min_cell``
    is displayed.
    """
    formats = dict(formats or {})
    labels = dict(labels or {})
    shown = [c for c in table.columns if c not in HIDDEN_COLUMNS]
    kinds = {c: formats.get(c) or ("int" if c in ("n", "n_eff") else _column_kind(table[c])) for c in shown}
    other_lang = {c: f' lang="{html.escape(str(v), quote=True)}"'
                  for c, v in dict(table.attrs.get("text_lang") or {}).items() if v != lang}
    suppressed = (table["suppressed"].fillna(False).astype(bool) if "suppressed" in table.columns
                  else pd.Series(False, index=table.index))
    head = "".join(
        f'<th scope="col">{html.escape(labels.get(c) or COLUMN_LABELS.get(c, {}).get(lang) or str(c))}</th>'
        for c in shown)
    rows = []
    any_suppressed = False
    collapse = int(suppressed.sum()) >= 2  # small organisations: hidden rows become one line
    hidden: list[str] = []
    for idx, row in table.iterrows():
        sup = bool(suppressed.loc[idx])
        if sup and collapse:
            names = [_format_cell(row[c], kinds[c], lang) for c in shown
                     if kinds[c] == "text" and not callable(kinds[c])]
            hidden.append(" \u00b7 ".join(n for n in names if n and n != nv.MISSING) or "?")
            continue
        attrs = ' data-suppressed="1"' if sup else ""
        if not sup and "n" in table.columns and pd.notna(row["n"]):
            attrs += f' data-n="{int(row["n"])}"'
        cells = []
        for k, c in enumerate(shown):
            kind = kinds[c]
            numeric = kind not in ("text",) and not callable(kind)
            if sup and numeric:
                value, any_suppressed = nv.MISSING, True
            else:
                value = _format_cell(row[c], kind, lang)
                any_suppressed |= value == nv.MISSING and numeric
            cls = ' class="num"' if numeric else ""
            tag = "th" if k == 0 and not numeric else "td"
            scope = ' scope="row"' if tag == "th" else ""
            text_lang = other_lang.get(c, "") if value != nv.MISSING and value.strip() else ""
            cells.append(f"<{tag}{scope}{cls}{text_lang}>{html.escape(value)}</{tag}>")
        rows.append(f"<tr{attrs}>{''.join(cells)}</tr>")
    # truthful: "fewer than min_cell" only when every hidden cell is small itself (no complementary hiding)
    if reasons is None:
        reasons = list(table["reason"]) if "reason" in table.columns else []
    codes = {p for r in reasons if isinstance(r, str) for p in r.split(";")}
    complementary = bool(codes & {"secondary", "linked", "small_count"})
    if hidden:
        listed = nv.join_list(hidden[:8], lang) + (
            (f" en nog {len(hidden) - 8}" if lang == "nl" else f" and {len(hidden) - 8} more") if len(hidden) > 8 else "")
        if complementary:
            text = (f"{len(hidden)} regels niet getoond (te weinig respondenten, of verborgen zodat een kleine groep "
                    f"niet terug te rekenen is): {listed}." if lang == "nl" else
                    f"{len(hidden)} rows not shown (too few respondents, or hidden so that a small group cannot be "
                    f"worked out): {listed}.")
        else:
            text = (f"{len(hidden)} regels niet getoond (minder dan {min_cell} respondenten): {listed}." if lang == "nl"
                    else f"{len(hidden)} rows not shown (fewer than {min_cell} respondents): {listed}.")
        rows.append(f'<tr data-suppressed="1" class="collapsed"><td colspan="{max(len(shown), 1)}">'
                    f"{html.escape(text)}</td></tr>")
    if not rows:
        body = f'<tr><td colspan="{max(len(shown), 1)}">{html.escape(nv.text("empty_table", lang))}</td></tr>'
    else:
        body = "".join(rows)
    note_key = "suppressed_note_any" if complementary else "suppressed_note"
    note = (f'<p class="table-note">{html.escape(nv.text(note_key, lang, min_cell=min_cell))}</p>'
            if any_suppressed else "")
    cap_id = f"tabel-{html.escape(name)}" if name else ""
    label = f' aria-labelledby="{cap_id}"' if cap_id else f' aria-label="{html.escape(caption, quote=True)}"'
    wide = len(shown) > 3
    hint = (f'<p class="scroll-hint" aria-hidden="true">{html.escape(nv.text("scroll_hint", lang))}</p>'
            if wide else "")
    link = (f'<p class="table-download"><a href="{html.escape(csv_href, quote=True)}" download>'
            f'{html.escape(nv.text("download_csv", lang))}<span class="visually-hidden">: {html.escape(caption)}'
            f"</span></a></p>" if csv_href else "")
    cap_attr = f' id="{cap_id}"' if cap_id else ""
    return (f'<div class="mh-table-block">{hint}<div class="mh-table-wrap{" wide" if wide else ""}" role="region" '
            f'tabindex="0"{label}><table class="mh-table" data-table="{html.escape(name)}" '
            f'data-min-cell="{min_cell}"><caption{cap_attr}>{html.escape(caption)}</caption>'
            f"<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table></div>{note}{link}</div>")


def show_table(table: pd.DataFrame, name: str, caption: str, *, min_cell: int = 10, lang: str = "nl",
               formats: Mapping[str, Any] | None = None, labels: Mapping[str, str] | None = None,
               protect: bool = True, codebook=None, report_dir: Path | None = None,
               view: Callable[[pd.DataFrame], pd.DataFrame] | None = None, hidden: Mapping | None = None) -> None:
    """Pass a table through ``disclosure.protect_table``, save it as ``tables/NAME.csv``, display it.

    Parameters
    ----------
    table:
        Tidy table; an ``n`` column (respondents per row) is what suppression works on.
    name:
        File name without ``.csv`` (lower case, digits, ``-``/``_``); unique within a report.
    caption:
        What the table shows, in the reader's language.
    min_cell, lang:
        Smallest group shown; ``nl`` or ``en``.
    formats:
        Per column ``"int"``, ``"num1"``, ``"num2"``, ``"share"``, ``"share1"``, ``"nps"``, ``"text"``
        or a function value → text (defaults from the dtype).
    labels:
        Column headers to show (defaults: :data:`COLUMN_LABELS`, else the column name).
    protect:
        ``False`` only for tables without respondent counts (e.g. a list of goals); then the table
        must not have an ``n`` column.
    codebook:
        When given, ids in an ``item`` column are shown as their labels.
    report_dir:
        Report folder (default: ``$MEETHUIS_REPORT_DIR``); ``None`` outside a report run.
    view:
        Turns the protected table into what readers see (e.g. :func:`kpi_view`: one text column per
        formatted value); it must keep ``n`` and ``suppressed``. The CSV holds the protected table.
    hidden:
        The report's groups hidden everywhere (``disclosure.run_hidden_groups``): rows of those groups are
        suppressed (reason ``linked``); a table with ``protect=False`` must not show them.

    Returns
    -------
    None
        Nothing, so a notebook cell does not echo the raw table after the formatted one; call
        ``disclosure.protect_table`` yourself when you need the protected numbers.

    Raises
    ------
    AnalysisError
        When a bad table name is given or an unprotected table has an ``n`` column.
    """
    if not _TABLE_NAME.match(name):
        raise AnalysisError(f"table name '{name}' is not a simple file name",
                            hint="use lower-case letters, digits, - and _, e.g. 'kpi_kern'")
    if protect:
        from meethuis.stats.disclosure import protect_table

        published = protect_table(table, min_cell, hidden=hidden)
    else:
        if "n" in table.columns:
            raise AnalysisError(f"table '{name}' has respondent counts but protect=False",
                                hint="let show_table protect it; protect=False is for tables without n")
        from meethuis.stats.disclosure import linked_rows

        if linked_rows(table, hidden).any():
            raise AnalysisError(f"table '{name}' shows a group that the report hides everywhere",
                                hint="leave out or merge the groups of Chapter.hidden_groups()")
        published = table.copy()
    if report_dir is None and os.environ.get(REPORT_DIR_ENV):
        report_dir = Path(os.environ[REPORT_DIR_ENV])
    if report_dir is not None:
        from meethuis.intake.io import csv_text, write_text_atomic

        path = Path(report_dir) / "tables" / f"{name}.csv"
        if path.exists():
            raise AnalysisError(f"two tables are called '{name}' in one report", hint="give each table its own name")
        write_text_atomic(path, csv_text(published))  # text cells neutralised against spreadsheet formulas
    shown = view(published) if view is not None else published
    if "periode" in shown.columns:  # quarters read "3e kwartaal 2026", not "2026Q3"
        shown = shown.copy()
        shown["periode"] = [nv.period_text(p, lang) if isinstance(p, str) and nv._PERIOD.match(p) else p
                            for p in shown["periode"]]
    if codebook is not None and "item" in shown.columns:
        shown = shown.copy()
        shown["item"] = [codebook.label(i, lang) if i in codebook.items or i in codebook.fields else i
                         for i in shown["item"]]
    from IPython.display import HTML, display

    href = f"tables/{name}.csv" if report_dir is not None else ""
    reasons = list(published["reason"]) if "reason" in published.columns else None
    display(HTML(table_html(shown, caption, min_cell, lang, formats, labels, name, csv_href=href, reasons=reasons)))


# -- figures -----------------------------------------------------------------------------------------
FIGURE_DPI = 110
PHONE_TEXT_PX = 9  # smallest chart text on a phone (390 px screen, ~364 px for the picture)
PHONE_CONTENT_PX = 360  # room for a picture on a 390 px screen
PHONE_WIDTH_IN = 4.4  # the compact variant: 484 px at 110 dpi, shown at ~364 px: 10 pt text stays 11 px


def _drawn_box(fig):
    """The tight box (inches) of a figure just laid out and drawn at :data:`FIGURE_DPI`; ``None`` when it was
    not (a layout engine is needed to save it as drawn). A bare Figure gets the Agg canvas savefig would use."""
    if fig.get_layout_engine() is None or fig.dpi != FIGURE_DPI:
        return None
    if not hasattr(fig.canvas, "get_renderer"):
        from matplotlib.backends.backend_agg import FigureCanvasAgg

        FigureCanvasAgg(fig)
    from meethuis.common.plots import saved_box

    return saved_box(fig)


def _png(fig, box=None) -> tuple[str, int]:
    """The figure as a base64 PNG (tight box) and its width in pixels.

    ``box``: the figure's :func:`_drawn_box` (it was laid out and drawn after its last change, by
    :func:`~meethuis.common.plots.fit_axis_labels`); it is then saved in that layout, as checked, without
    laying it out again (the same picture, one layout pass less).
    """
    import struct

    import matplotlib

    buf = _io.BytesIO()
    if box is not None:
        engine = fig.get_layout_engine()
        with matplotlib.rc_context({"figure.autolayout": False, "figure.constrained_layout.use": False}):
            fig.set_layout_engine(None)  # no engine: savefig neither lays out nor draws twice
        try:
            fig.savefig(buf, format="png", dpi=FIGURE_DPI, bbox_inches=box)
        finally:
            fig.set_layout_engine(engine)
    else:
        fig.savefig(buf, format="png", dpi=FIGURE_DPI, bbox_inches="tight")
    data = buf.getvalue()
    return base64.b64encode(data).decode("ascii"), struct.unpack(">I", data[16:20])[0]


def _compact(fig) -> tuple[str, int, float] | None:
    """A narrower version of ``fig`` for phones (same content, text relatively larger): PNG, width, smallest
    text in px; ``None`` when the narrow layout would overlap or cut off text (the phone then scrolls)."""
    import warnings

    from meethuis.common.plots import fit_axis_labels, layout_problems, smallest_text_px

    width, height = fig.get_size_inches()
    if width <= PHONE_WIDTH_IN:
        return None
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")  # constrained layout giving up on the narrow figure: not usable
        fig.set_size_inches(PHONE_WIDTH_IN, height * 1.1)
        fit_axis_labels(fig)  # leaves the narrow figure laid out and drawn: checked, and saved, as it is
        box = _drawn_box(fig)
        if box is None:  # no layout engine: saved (and laid out) by savefig, then checked as saved
            data, px = _png(fig)
            problems = layout_problems(fig)
        else:  # checked before it is drawn into a PNG: most narrow layouts do not fit, and cost no picture
            data, px = None, int(box.width * FIGURE_DPI)  # the PNG's width (Agg truncates)
            problems = None
        wider = px > PHONE_WIDTH_IN * FIGURE_DPI * 1.15  # titles or legends sticking out of the narrow figure
        text_px = smallest_text_px(fig, FIGURE_DPI, drawn=True)
        small = text_px * min(1.0, PHONE_CONTENT_PX / px) < PHONE_TEXT_PX  # as shown on a phone
        if wider or small or caught or (problems if problems is not None else
                                        layout_problems(fig, drawn=True, box=box)):
            return None
        if data is None:
            data, px = _png(fig, box)
    return data, px, text_px


def figure_html(fig, *, n_min: int | None, min_cell: int = 10, lang: str = "nl") -> str:
    """``<figure>`` with the PNG embedded (base64) and the figure's text alternative as ``alt``.

    ``n_min`` is the smallest number of respondents behind any mark in the figure (``None`` when the
    figure shows no respondent data); below ``min_cell`` a note replaces the figure. On a phone the
    figure is swapped for a compact variant (narrower, so its text stays at least
    :data:`PHONE_TEXT_PX`); when the narrow layout does not fit, the full figure keeps a readable
    width and scrolls sideways in a focusable region. ``data-text-px`` records the smallest text of each
    variant for the browser check.
    """
    from meethuis.common.plots import alt_text, dutch_decimals, fit_axis_labels, layout_problems, smallest_text_px

    alt = alt_text(fig)
    if n_min is not None and int(n_min) < min_cell:
        note = nv.text("suppressed_figure", lang, min_cell=min_cell)
        return f'<p class="figure-suppressed" data-suppressed="1">{html.escape(note)}</p>'
    if lang == "nl":
        dutch_decimals(fig)
    fit_axis_labels(fig)  # a long axis label or category name wraps instead of running off the picture
    box = _drawn_box(fig)
    data, width = _png(fig, box)
    problems = layout_problems(fig, drawn=True, box=box)  # as saved; recorded on the figure; the report tests require none
    text_px = smallest_text_px(fig, FIGURE_DPI, drawn=True)
    compact = None if problems else _compact(fig)
    n_attr = f' data-n-min="{int(n_min)}"' if n_min is not None else ' data-n-min="none"'
    if problems:
        n_attr += f' data-layout-problems="{html.escape(" | ".join(problems), quote=True)}"'
    img = f'<img src="data:image/png;base64,{data}" alt="{html.escape(alt, quote=True)}"'
    if compact is not None:
        c_data, c_width, c_px = compact
        n_attr += f' data-text-px="{text_px:.1f}" data-text-px-compact="{c_px:.1f}"'
        return (f'<figure class="mh-figure"{n_attr}><picture><source media="(max-width: 40rem)" '
                f'srcset="data:image/png;base64,{c_data}">{img}></picture></figure>')
    n_attr += f' data-text-px="{text_px:.1f}"'
    readable = min(width, int(np.ceil(width * PHONE_TEXT_PX / text_px)))  # narrower than this, text gets too small
    if readable <= PHONE_CONTENT_PX:  # readable on a phone as it is
        return f'<figure class="mh-figure"{n_attr}>{img}></figure>'
    label = html.escape(f"{nv.text('figure', lang)}: {alt.split('.')[0]}", quote=True)
    hint = f'<p class="scroll-hint" aria-hidden="true">{html.escape(nv.text("scroll_hint_figure", lang))}</p>'
    return (f'<figure class="mh-figure"{n_attr}>{hint}<div class="mh-figure-scroll" role="region" tabindex="0" '
            f'aria-label="{label}">{img} style="min-width: {readable}px"></div></figure>')


def show_figure(fig, *, n_min: int | None, min_cell: int = 10, lang: str = "nl") -> None:
    """Display a figure accessibly (see :func:`figure_html`); the figure is not shown twice."""
    from IPython.display import HTML, display

    display(HTML(figure_html(fig, n_min=n_min, min_cell=min_cell, lang=lang)))


# -- a generic figure: estimates with their 95% interval --------------------------------------------
def plot_estimates(table: pd.DataFrame, label_col: str, title: str, xlabel: str, alt: str, *,
                   kind: str = "mean", goal: float | None = None, lang: str = "nl"):
    """Horizontal dots with 95% intervals, one per published row of ``table`` (suppressed rows left out).

    Returns the figure and the smallest ``n`` behind a dot (for ``show_figure(n_min=...)``).
    """
    from meethuis.common.plots import PALETTE, new_figure

    shown = table[~table.get("suppressed", pd.Series(False, index=table.index)).fillna(False).astype(bool)]
    shown = shown[shown["estimate"].notna()]
    scale = 100.0 if kind == "share" else 1.0
    height = max(2.2, 0.45 * len(shown) + 1.3)
    fig, ax = new_figure(title, xlabel, "", alt, size=(7.5, height))
    y = np.arange(len(shown))[::-1]
    est = shown["estimate"].to_numpy(float) * scale
    lo = shown["ci_low"].to_numpy(float) * scale
    hi = shown["ci_high"].to_numpy(float) * scale
    ax.hlines(y, lo, hi, color=PALETTE["hemelsblauw"], linewidth=4,
              label="marge (95%)" if lang == "nl" else "margin (95%)")
    ax.plot(est, y, "o", color=PALETTE["blauw"], markersize=7, label="uitkomst" if lang == "nl" else "estimate")
    for yy, e in zip(y, est):
        ax.annotate(nv.format_value(e / scale, kind, lang), (e, yy), xytext=(0, 7), textcoords="offset points",
                    ha="center", fontsize=9)
    if goal is not None:
        ax.axvline(goal * scale, color=PALETTE["vermiljoen"], linestyle="--", label="doel" if lang == "nl" else "goal")
    ax.set_yticks(y, [str(v) for v in shown[label_col]])
    ax.set_ylim(-0.7, len(shown) - 0.3)
    if kind == "share":  # shares on their whole 0-100 range
        ax.set_xlim(0, 100)
    hidden = len(table) - len(shown)
    if hidden:  # the chart itself says that groups are left out
        ax.annotate((f"{hidden} groep(en) niet getoond: te weinig respondenten" if lang == "nl" else
                     f"{hidden} group(s) not shown: too few respondents"), xy=(0, 0), xycoords="axes fraction",
                    xytext=(0, -30), textcoords="offset points", fontsize=8, color="#595959", va="top")
    ax.grid(axis="y", visible=False)
    ax.set_axisbelow(True)
    decimal_axis(ax, "x", lang)
    fig.legend(*ax.get_legend_handles_labels(), loc="outside lower center", ncol=3, frameon=False, fontsize=8)
    n_min = int(shown["n"].min()) if len(shown) else None
    return fig, n_min


# -- reader views of tidy tables (what is shown; the CSV keeps the tidy numbers) -----------------------
def ci_text(row: pd.Series, kind: str, lang: str) -> str:
    """A row's 95% interval as text ("3,8 tot 4,1"), or the missing mark when it has none."""
    if pd.isna(row.get("ci_low")) or pd.isna(row.get("ci_high")):
        return nv.MISSING
    return nv.range_text(nv.format_value(row["ci_low"], kind, lang), nv.format_value(row["ci_high"], kind, lang), lang)


def decimal_axis(ax, which: str = "x", lang: str = "nl") -> None:
    """Tick labels with a decimal comma (nl) on axis ``which``; English keeps the point."""
    from matplotlib.ticker import FuncFormatter

    def fmt(value, _pos):
        decimals = 0 if float(value).is_integer() else (1 if round(value, 1) == round(value, 6) else 2)
        return nv.format_number(value, decimals, lang)

    getattr(ax, f"{which}axis").set_major_formatter(FuncFormatter(fmt))


def tick_formatter(axis, lang: str = "nl"):
    """Tick labels in ``lang`` with just enough decimals to tell neighbouring ticks apart."""
    from matplotlib.ticker import FuncFormatter

    from meethuis.common.narrative import format_number

    def fmt(value, _pos=None):
        ticks = np.asarray(axis.get_majorticklocs(), float)
        step = np.min(np.diff(ticks)) if ticks.size > 1 else 1.0
        decimals = 0
        while decimals < 6 and abs(round(step, decimals) - step) > 1e-9 * max(1.0, abs(step)):
            decimals += 1
        return format_number(value, decimals, lang)

    return FuncFormatter(fmt)

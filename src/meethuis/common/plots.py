"""One consistent, accessible plot style for reports and the handbook.

Colour-blind-safe palette (Okabe–Ito), labelled axes with units, and a text alternative attached to
every figure (``alt_text(fig)``) that the report and the book put in the image's ``alt`` attribute.
Plot functions live next to their statistics (e.g. ``priority.plot_priority_matrix``) and use
:func:`new_figure` so the style is set without global state.
"""
from __future__ import annotations

import matplotlib

matplotlib.rcParams.setdefault("figure.max_open_warning", 0)

from matplotlib.figure import Figure  # noqa: E402

# Okabe & Ito (2008) palette: distinguishable with all common forms of colour blindness.
PALETTE = {
    "blauw": "#0072B2",
    "oranje": "#E69F00",
    "groen": "#009E73",
    "vermiljoen": "#D55E00",
    "hemelsblauw": "#56B4E9",
    "paars": "#CC79A7",
    "geel": "#F0E442",
    "zwart": "#000000",
}
SEQUENCE = [PALETTE[k] for k in ("blauw", "oranje", "groen", "vermiljoen", "hemelsblauw", "paars", "zwart")]
GREY = "#595959"  # text grey with contrast >= 7:1 on white

_RC = {
    "font.size": 10,
    "axes.titlesize": 12,
    "axes.titleweight": "bold",
    "axes.labelsize": 10,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "grid.color": "#dddddd",
    "grid.linewidth": 0.6,
    "axes.prop_cycle": matplotlib.cycler(color=SEQUENCE),
    "figure.dpi": 110,
    "savefig.dpi": 110,
    "savefig.bbox": "tight",
}


def new_figure(
    title: str,
    xlabel: str,
    ylabel: str,
    alt: str,
    size: tuple[float, float] = (7.5, 4.5),
) -> tuple[Figure, "matplotlib.axes.Axes"]:
    """A figure with the house style, a title, labelled axes and a text alternative.

    Uses ``matplotlib.figure.Figure`` directly (not pyplot), so no global figure state leaks between
    calls; Jupyter still shows the returned figure when it is the last expression of a cell.
    """
    with matplotlib.rc_context(_RC):
        fig = Figure(figsize=size, layout="constrained")
        ax = fig.add_subplot()
        ax.set_title(title, loc="left")
        ax.set_xlabel(xlabel)
        ax.set_ylabel(ylabel)
    return with_alt(fig, alt), ax


def style() -> matplotlib.rc_context:
    """Context manager with the house style for code that draws with seaborn or pyplot."""
    return matplotlib.rc_context(_RC)


def with_alt(fig: Figure, text: str) -> Figure:
    """Attach a text alternative (what the figure shows, in words) to ``fig``."""
    fig.meethuis_alt = str(text)
    return fig


def alt_text(fig: Figure) -> str:
    """The text alternative of ``fig``; a figure without one is a bug, so this raises."""
    text = getattr(fig, "meethuis_alt", None)
    if not text:
        raise ValueError("figure has no text alternative: create it with plots.new_figure or plots.with_alt")
    return text


# -- checks and Dutch numbers for every figure ---------------------------------------------------------------
def _luminance(colour) -> float:
    from matplotlib.colors import to_rgb

    rgb = [v / 12.92 if v <= 0.03928 else ((v + 0.055) / 1.055) ** 2.4 for v in to_rgb(colour)]
    return 0.2126 * rgb[0] + 0.7152 * rgb[1] + 0.0722 * rgb[2]


def contrast(foreground, background="#ffffff") -> float:
    """WCAG contrast ratio of two colours (1 to 21)."""
    a, b = sorted((_luminance(foreground), _luminance(background)), reverse=True)
    return (a + 0.05) / (b + 0.05)


def _texts(fig: Figure) -> list:
    out = list(fig.texts)
    for ax in fig.axes:
        out += [ax.title, ax._left_title, ax._right_title, ax.xaxis.label, ax.yaxis.label, *ax.texts]
        for axis in (ax.xaxis, ax.yaxis):
            lo, hi = sorted(axis.get_view_interval())
            for tick in axis.get_major_ticks():
                if lo - 1e-9 <= tick.get_loc() <= hi + 1e-9:
                    out += [tick.label1, tick.label2]
        if ax.get_legend() is not None:
            out += list(ax.get_legend().get_texts())
    for legend in fig.legends:
        out += list(legend.get_texts())
    return [t for t in out if t.get_visible() and t.get_text().strip()]


def dutch_decimals(fig: Figure) -> Figure:
    """Decimal commas in every number a Dutch figure shows (tick labels and texts); returns ``fig``.

    Tick formatters that print a decimal point are wrapped; texts with ``1.5`` become ``1,5`` (text
    built by ``narrative`` already has commas and is left as it is).
    """
    import re

    from matplotlib.ticker import FuncFormatter, ScalarFormatter

    point = re.compile(r"(?<=\d)\.(?=\d)")

    def comma(value, _pos):
        decimals = 0 if float(value).is_integer() else (1 if round(value, 1) == round(value, 6) else 2)
        text = f"{value:,.{decimals}f}".replace(",", "\0").replace(".", ",").replace("\0", ".")
        return text.replace("-", "\u2212")

    for ax in fig.axes:
        for axis in (ax.xaxis, ax.yaxis):
            if isinstance(axis.get_major_formatter(), ScalarFormatter):
                axis.set_major_formatter(FuncFormatter(comma))
    fig.draw_without_rendering()
    for t in _texts(fig):
        s = t.get_text()
        if point.search(s):
            t.set_text(point.sub(",", s))
    return fig


def layout_problems(fig: Figure, min_contrast: float = 4.5) -> list[str]:
    """What a reader would see wrong: overlapping texts, texts cut off by the figure edge, low contrast.

    Checked on the drawn figure (the report's PNG): every visible text (titles, axis labels, tick
    labels, annotations, legends). Returns one line per problem; empty when the figure is fine.
    """
    fig.draw_without_rendering()
    renderer = fig.canvas.get_renderer() if hasattr(fig.canvas, "get_renderer") else None
    if renderer is None:
        from matplotlib.backends.backend_agg import FigureCanvasAgg

        renderer = FigureCanvasAgg(fig).get_renderer()
    from matplotlib.text import Text

    texts = _texts(fig)
    boxes = [Text.get_window_extent(t, renderer) for t in texts]  # the text itself, not a leader line
    problems = []
    for i in range(len(texts)):
        for j in range(i + 1, len(texts)):
            a, b = boxes[i], boxes[j]
            w = min(a.x1, b.x1) - max(a.x0, b.x0)
            h = min(a.y1, b.y1) - max(a.y0, b.y0)
            if w > 1.5 and h > 1.5:
                problems.append(f"overlap: {texts[i].get_text()!r} and {texts[j].get_text()!r}")
    for t in texts:
        bg = "#ffffff"
        patch = t.get_bbox_patch()
        if patch is not None and patch.get_facecolor()[3] > 0.5:
            bg = patch.get_facecolor()[:3]
        if contrast(t.get_color(), bg) < min_contrast:
            problems.append(f"contrast {contrast(t.get_color(), bg):.1f}:1 of {t.get_text()!r}")
    return problems

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

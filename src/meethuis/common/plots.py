"""One consistent, accessible plot style for reports and the handbook.

Colour-blind-safe palette (Okabe–Ito), labelled axes with units, and a text alternative attached to
every figure (``alt_text(fig)``) that the report and the book put in the image's ``alt`` attribute.
Plot functions live in the chapter that shows them (e.g. ``report.chapters.prioriteiten.plot_priority_matrix``;
``stats`` and ``improve`` draw nothing) and use :func:`new_figure` so the style is set without global state.
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
        out += [ax.title, ax._left_title, ax._right_title, *ax.texts]
        for axis in (ax.xaxis, ax.yaxis):
            if not (ax.axison and axis.get_visible()):  # ax.axis("off"): labels and ticks are not drawn
                continue
            out.append(axis.label)
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
    built by ``narrative`` already has commas and is left as it is). No draw is needed: tick labels get
    their text from the formatter at every draw, the other texts exist already.
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
    for t in _texts(fig):
        s = t.get_text()
        if point.search(s):
            t.set_text(point.sub(",", s))
    return fig


def smallest_text_px(fig: Figure, dpi: float, *, drawn: bool = False) -> float:
    """Height in pixels of the smallest text the figure shows when saved at ``dpi`` (font size in points);
    ``drawn``: the figure was drawn after its last change."""
    if not drawn:
        fig.draw_without_rendering()
    sizes = [t.get_fontsize() for t in _texts(fig)]
    return min(sizes) * dpi / 72 if sizes else float("inf")


def amount_axis(ax, which: str = "y") -> None:
    """Declare that an axis shows counts or shares: it starts at zero (the layout check holds it to that).

    A chart of amounts whose axis starts above zero makes small differences look large; call this after
    drawing (it keeps the upper limit, sets the lower one to 0).
    """
    axis = ax.yaxis if which == "y" else ax.xaxis
    lo, hi = sorted(axis.get_view_interval())
    (ax.set_ylim if which == "y" else ax.set_xlim)(0, max(hi, 0))
    ax.meethuis_amount = set(getattr(ax, "meethuis_amount", set())) | {which}


def saved_box(fig: Figure, renderer=None):
    """The part of the figure a ``savefig(bbox_inches="tight")`` PNG shows, in inches (the figure as last drawn)."""
    if renderer is None:
        renderer = fig.canvas.get_renderer()
    return fig.get_tightbbox(renderer).padded(matplotlib.rcParams["savefig.pad_inches"])


def _saved_area(fig: Figure, renderer, box=None):
    """The part of the figure a ``savefig(bbox_inches="tight")`` PNG shows, in display pixels."""
    from matplotlib.transforms import Bbox

    tight = saved_box(fig, renderer) if box is None else box
    return Bbox.from_extents(*(fig.dpi_scale_trans.transform(tight.get_points()).ravel()))


def _cut_off(text, box, area) -> bool:
    """Whether ``text`` (window extent ``box``) reaches past the saved area or past its own clip box."""
    tol = 1.0
    if box.x0 < area.x0 - tol or box.x1 > area.x1 + tol or box.y0 < area.y0 - tol or box.y1 > area.y1 + tol:
        return True
    clip = text.get_clip_box() if text.get_clip_on() else None
    return bool(clip is not None and (box.x0 < clip.x0 - tol or box.x1 > clip.x1 + tol
                                      or box.y0 < clip.y0 - tol or box.y1 > clip.y1 + tol))


def _squeezed(fig: Figure, renderer, least: float = 0.3) -> list[str]:
    """Plot areas narrower than ``least`` of the figure (long tick labels crowding the data out)."""
    out = []
    width = fig.bbox.width
    for ax in fig.axes:
        if not ax.axison or ax.name != "rectilinear" or ax.get_label() == "<colorbar>":
            continue
        share = ax.get_window_extent(renderer).width / width
        if share < least:
            title = ax.get_title(loc="left") or ax.get_title()
            out.append(f"squeezed: the plot area of {title!r} is {share:.0%} of the figure's width")
    return out


def _zero_problems(fig: Figure) -> list[str]:
    """Bars and declared amount axes (:func:`amount_axis`) whose value axis does not include zero."""
    from matplotlib.container import BarContainer

    problems = []
    for ax in fig.axes:
        need = set(getattr(ax, "meethuis_amount", set()))
        for container in ax.containers:
            if isinstance(container, BarContainer) and len(container):
                need.add("x" if container.orientation == "horizontal" else "y")
        for which in sorted(need):
            lo, hi = sorted((ax.yaxis if which == "y" else ax.xaxis).get_view_interval())
            if not lo - 1e-9 <= 0 <= hi + 1e-9:
                title = ax.get_title(loc="left") or ax.get_title()
                problems.append(f"axis: the {which} axis of {title!r} runs {lo:g} to {hi:g}, not from zero")
    return problems


def _wrap_tick_labels(fig: Figure, renderer, room: float = 0.3) -> bool:
    """Wrap long names on a category axis (y tick labels such as organisation names) so they take at most
    ``room`` of the figure's width and leave the rest to the data; True when something changed."""
    import textwrap

    changed = False
    for ax in fig.axes:
        if not ax.axison or ax.name != "rectilinear":
            continue
        labels = [t for t in ax.get_yticklabels() if t.get_text().strip()]
        if not any(c.isalpha() for t in labels for c in t.get_text()):  # numbers, not names
            continue
        widest = max(t.get_window_extent(renderer).width for t in labels)
        if widest <= room * fig.bbox.width:
            continue
        longest = max(len(line) for t in labels for line in t.get_text().splitlines())
        per_line = max(12, int(longest * room * fig.bbox.width / widest))
        texts = [textwrap.fill(" ".join(t.get_text().split()), per_line, break_long_words=False)
                 for t in ax.get_yticklabels()]
        if texts != [t.get_text() for t in ax.get_yticklabels()]:
            ax.set_yticks(ax.get_yticks(), texts)
            changed = True
    return changed


def fit_axis_labels(fig: Figure) -> Figure:
    """Wrap an axis label that is longer than its axis, and long names on a category axis, onto more lines, so
    nothing is cut off and the data keep their room; returns ``fig``.

    A long y label (such as "het aandeel positief over ervaren menselijkheid (score 4 of 5) (%)") on a short
    chart otherwise runs past the top and bottom of the picture; long organisation names squeeze a ranking.
    The figure is left drawn as it now is (``layout_problems(fig, drawn=True)`` checks it without drawing again).
    """
    import textwrap

    for round_ in range(4):  # wrapping changes the layout; a few rounds settle it
        fig.draw_without_rendering()
        if round_ == 3:
            break
        renderer = fig.canvas.get_renderer() if hasattr(fig.canvas, "get_renderer") else None
        changed = _wrap_tick_labels(fig, renderer)
        for ax in fig.axes:
            box = ax.get_window_extent(renderer)
            for label, room, along in ((ax.yaxis.label, box.height, "height"), (ax.xaxis.label, box.width, "width")):
                words = " ".join(label.get_text().split())
                if not words or not label.get_visible():
                    continue
                length = getattr(label.get_window_extent(renderer), along)  # of the longest line
                if length <= room * 0.98:
                    continue
                longest = max(len(line) for line in label.get_text().splitlines())
                per_line = max(8, int(longest * room * 0.9 / max(length, 1)))
                wrapped = textwrap.fill(words, per_line, break_long_words=False)
                if wrapped != label.get_text():
                    label.set_text(wrapped)
                    changed = True
        if not changed:
            break
    return fig


def layout_problems(fig: Figure, min_contrast: float = 4.5, *, drawn: bool = False, box=None) -> list[str]:
    """What a reader would see wrong: overlapping texts, texts cut off by the figure edge or their clip box,
    low contrast, and bars or amount axes that do not start at zero.

    Checked on the drawn figure (the report's PNG, saved with ``bbox_inches="tight"``): every visible text
    (titles, axis labels, tick labels, annotations, legends). Returns one line per problem; empty when the
    figure is fine. ``drawn``: the figure was drawn after its last change (:func:`fit_axis_labels`), so
    it is checked without drawing again; ``box``: its :func:`saved_box`, when known.
    """
    if not drawn:
        fig.draw_without_rendering()
    renderer = fig.canvas.get_renderer() if hasattr(fig.canvas, "get_renderer") else None
    if renderer is None:
        from matplotlib.backends.backend_agg import FigureCanvasAgg

        renderer = FigureCanvasAgg(fig).get_renderer()
    from matplotlib.text import Text

    texts = _texts(fig)
    boxes = [Text.get_window_extent(t, renderer) for t in texts]  # the text itself, not a leader line
    area = _saved_area(fig, renderer, box if drawn else None)
    problems = [f"cut off: {t.get_text()!r}" for t, box in zip(texts, boxes) if _cut_off(t, box, area)]
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
    return problems + _squeezed(fig, renderer) + _zero_problems(fig)

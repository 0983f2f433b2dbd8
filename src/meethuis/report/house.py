"""The measurement house drawn from the codebook: roof, floors, foundation and purpose.

The handbook's model page shows this figure. Drawing it from the codebook (not from a picture) keeps the
figure true when the model changes. Colour is never the only carrier of meaning: each driver carries a
text marker of its family and the legend spells the marker out.
"""
from __future__ import annotations

from typing import Sequence

import matplotlib
from matplotlib.figure import Figure
from matplotlib.patches import Polygon, Rectangle

from meethuis.intake.codebook import Codebook, _check_lang
from meethuis.common.plots import GREY, PALETTE, with_alt

#: Text marker per driver family, so the family is readable without colour.
FAMILY_MARKERS = {"menselijke_maat": "♥", "basis": "■"}

_TEXT = {
    "nl": {
        "title": "Het meethuis",
        "roof": "Uitkomsten (het dak)",
        "foundation": "Procesgegevens (het fundament)",
        "purpose": "Doel: organisatiedoelen",
        "purpose_default": "klantgerichte KPI's met streefwaarden",
        "floors": "Drijfveren per dienstverleningsprincipe (de verdiepingen)",
        "block": "bouwsteen",
        "alt": (
            "Schema van het meethuis. Bovenaan het doel: {purpose}. Het dak bevat {n_out} uitkomsten: "
            "{outcomes}. Daaronder {n_floors} verdiepingen, één per dienstverleningsprincipe, met samen "
            "{n_drv} drijfveren: {floors}. Het fundament bevat {n_proc} procesgegevens: {process}. "
            "Drijfveren van de menselijke maat zijn gemarkeerd met een hartje, drijfveren van de basis op orde "
            "met een vierkantje."
        ),
    },
    "en": {
        "title": "The measurement house",
        "roof": "Outcomes (the roof)",
        "foundation": "Process data (the foundation)",
        "purpose": "Purpose: organisational goals",
        "purpose_default": "customer-centred KPIs with targets",
        "floors": "Drivers by service principle (the floors)",
        "block": "building block",
        "alt": (
            "Diagram of the measurement house. At the top the purpose: {purpose}. The roof holds {n_out} "
            "outcomes: {outcomes}. Below it {n_floors} floors, one per service principle, with {n_drv} "
            "drivers in all: {floors}. The foundation holds {n_proc} process fields: {process}. Human-touch "
            "drivers are marked with a heart, basics drivers with a square."
        ),
    },
}


def house_layout(codebook: Codebook, lang: str = "nl") -> dict:
    """The labelled content of the house (what goes on each level), independent of drawing.

    Parameters
    ----------
    codebook:
        The measurement model (``load_codebook()`` or an organisation's ``config.codebook``).
    lang:
        ``"nl"`` or ``"en"``.

    Returns
    -------
    dict
        ``roof`` (outcome labels), ``floors`` (principle label -> list of ``(driver label, family)``),
        ``foundation`` (process-field labels).

    Raises
    ------
    CodebookError
        If ``lang`` is not a known language.
    """
    _check_lang(lang)
    block = _TEXT[lang]["block"]
    roof = []
    for oid in codebook.outcomes():
        label = codebook.label(oid, lang)
        roof.append(label if codebook.items[oid].core else f"{label} ({block})")
    floors = {
        codebook.label(principle, lang): [
            (codebook.label(d, lang), codebook.items[d].construct) for d in drivers
        ]
        for principle, drivers in codebook.drivers_by_principle().items()
    }
    foundation = [codebook.label(f, lang) for f in codebook.process_fields()]
    return {"roof": roof, "floors": floors, "foundation": foundation}


def plot_measurement_house(
    codebook: Codebook,
    lang: str = "nl",
    goals: Sequence[str] | None = None,
) -> Figure:
    """Draw the measurement house: purpose on top, outcomes as roof, drivers as floors, process data below.

    Parameters
    ----------
    codebook:
        The measurement model.
    lang:
        ``"nl"`` or ``"en"``.
    goals:
        Optional goal texts (e.g. ``[str(g) for g in config.goals]``) shown as the purpose; without them
        a generic purpose line is drawn.

    Returns
    -------
    matplotlib.figure.Figure
        The figure, with a text alternative (``plots.alt_text(fig)``) that lists every element.

    Raises
    ------
    CodebookError
        If ``lang`` is not a known language.
    """
    layout = house_layout(codebook, lang)
    t = _TEXT[lang]
    purpose = "; ".join(goals) if goals else t["purpose_default"]
    floors = layout["floors"]
    n_floors = len(floors)

    with matplotlib.rc_context({"font.size": 10.5}):
        fig = Figure(figsize=(9.0, 3.4 + 0.8 * n_floors), layout="constrained")
        ax = fig.add_subplot()
    ax.set_axis_off()
    width, floor_h, base_h, roof_h = 12.0, 0.75, 0.9, 1.6
    top_floors = base_h + n_floors * floor_h
    ax.set_xlim(-0.6, width + 0.6)
    ax.set_ylim(0, top_floors + roof_h + 0.9)

    # foundation
    ax.add_patch(Rectangle((0, 0), width, base_h, facecolor="#e6e6e6", edgecolor="black", hatch="///",
                           linewidth=1.2))
    ax.text(width / 2, base_h * 0.68, t["foundation"], ha="center", va="center", weight="bold",
            bbox=dict(facecolor="white", edgecolor="none", pad=1.5))
    ax.text(width / 2, base_h * 0.28, " · ".join(layout["foundation"]), ha="center", va="center",
            bbox=dict(facecolor="white", edgecolor="none", pad=1.5))

    # floors, one per service principle (first principle on the ground floor)
    colours = {"menselijke_maat": PALETTE["vermiljoen"], "basis": PALETTE["blauw"]}
    for n, (principle, drivers) in enumerate(floors.items()):
        y = base_h + n * floor_h
        ax.add_patch(Rectangle((0, y), width, floor_h, facecolor="white", edgecolor="black", linewidth=1.2))
        ax.text(0.15, y + floor_h / 2, principle, ha="left", va="center", weight="bold")
        x0 = 2.0
        step = (width - x0) / max(4, len(drivers))
        for k, (label, family) in enumerate(drivers):
            x = x0 + k * step
            ax.text(x, y + floor_h / 2, FAMILY_MARKERS.get(family, ""), ha="left", va="center",
                    color=colours.get(family, "black"), fontsize=12)
            ax.text(x + 0.3, y + floor_h / 2, label, ha="left", va="center")
    ax.text(width + 0.45, base_h + n_floors * floor_h / 2, t["floors"], rotation=90, ha="center",
            va="center", color=GREY, fontsize=9)

    # roof
    ax.add_patch(Polygon([(-0.4, top_floors), (width + 0.4, top_floors), (width / 2, top_floors + roof_h)],
                         closed=True, facecolor="#fdf1d8", edgecolor="black", linewidth=1.2))
    ax.text(width / 2, top_floors + roof_h * 0.55, t["roof"], ha="center", va="center", weight="bold")
    roof = layout["roof"]
    half = (len(roof) + 1) // 2
    ax.text(width / 2, top_floors + roof_h * 0.32, " · ".join(roof[:half]), ha="center", va="center")
    ax.text(width / 2, top_floors + roof_h * 0.12, " · ".join(roof[half:]), ha="center", va="center")

    # purpose (flag above the roof)
    ax.text(width / 2, top_floors + roof_h + 0.45, f"{t['purpose']}: {purpose}", ha="center", va="center",
            weight="bold", bbox=dict(facecolor="white", edgecolor="black", boxstyle="round,pad=0.4"))

    # legend: marker + family name, so colour is not the only carrier
    legend = "   ".join(f"{FAMILY_MARKERS[f]} {codebook.label(f, lang)}" for f in FAMILY_MARKERS)
    ax.set_title(f"{t['title']}    ({legend})", loc="left", fontsize=12, weight="bold")

    floors_text = "; ".join(f"{p}: {', '.join(lbl for lbl, _ in d)}" for p, d in floors.items())
    alt = t["alt"].format(
        purpose=purpose, n_out=len(roof), outcomes=", ".join(roof), n_floors=n_floors,
        n_drv=sum(len(d) for d in floors.values()), floors=floors_text,
        n_proc=len(layout["foundation"]), process=", ".join(layout["foundation"]),
    )
    return with_alt(fig, alt)

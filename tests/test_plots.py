"""House style checks every report figure passes: text overlap, contrast, Dutch decimal commas.

References: WCAG 2.1 contrast of black/white is 21:1 and of #777777 on white 4.48:1 (the WebAIM
checker's published values); overlaps are built by hand at known positions.
"""
from __future__ import annotations

import pytest

from meethuis.common import plots


def test_contrast_matches_wcag_reference_values():
    assert plots.contrast("#000000") == pytest.approx(21.0)
    assert plots.contrast("#777777") == pytest.approx(4.48, abs=0.01)
    assert plots.contrast(plots.GREY) >= 7.0
    assert plots.contrast(plots.PALETTE["oranje"]) < 4.5  # why quadrant names are no longer orange


def test_layout_problems_finds_overlap_and_low_contrast_only_when_present():
    fig, ax = plots.new_figure("Titel", "x", "y", "alt")
    ax.plot([0, 1], [0, 1])
    assert plots.layout_problems(fig) == []
    ax.text(0.5, 0.5, "eerste label", fontsize=10)
    ax.text(0.5, 0.5, "tweede label", fontsize=10)
    ax.text(0.1, 0.9, "licht", color="#E69F00")
    problems = plots.layout_problems(fig)
    assert any(p.startswith("overlap: 'eerste label' and 'tweede label'") for p in problems)
    assert any("contrast" in p and "'licht'" in p for p in problems)


def test_dutch_decimals_on_ticks_and_texts():
    fig, ax = plots.new_figure("Titel", "x", "y", "alt")
    ax.plot([0, 1], [3.4, 3.65])
    ax.text(0.2, 3.5, "gemiddeld 3.52")
    plots.dutch_decimals(fig)
    fig.draw_without_rendering()
    ticks = [t.get_text() for t in ax.get_yticklabels() if t.get_text()]
    assert ticks and all("." not in t for t in ticks) and any("," in t for t in ticks)
    assert ax.texts[0].get_text() == "gemiddeld 3,52"


def test_layout_problems_finds_text_cut_off_at_the_figure_edge_or_its_clip_box():
    import warnings

    fig, ax = plots.new_figure("Titel", "x", "y", "alt", size=(4, 2))
    ax.plot([0, 1], [0, 1])
    assert plots.layout_problems(fig) == []
    # a y label longer than the figure is high: the saved PNG cuts it at top and bottom
    ax.set_ylabel("het aandeel positief over ervaren menselijkheid (score 4 of 5) (%) en nog veel meer woorden")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # constrained layout gives up on such a label: that is the point
        problems = plots.layout_problems(fig)
    assert problems == ["cut off: 'het aandeel positief over ervaren menselijkheid (score 4 of 5) (%) en nog veel meer woorden'"]
    fig2, ax2 = plots.new_figure("Titel", "x", "y", "alt")
    ax2.plot([0, 1], [0, 1])
    ax2.text(0.95, 0.5, "loopt over de rand van de assen", clip_on=True)  # clipped by the axes box
    ax2.text(0.05, 0.9, "past wel", clip_on=True)
    assert [p for p in plots.layout_problems(fig2) if p.startswith("cut off")] == \
        ["cut off: 'loopt over de rand van de assen'"]


def test_fit_axis_labels_wraps_a_long_label_so_nothing_is_cut_off():
    label = "het aandeel positief over ervaren menselijkheid (score 4 of 5) (%)"
    fig, ax = plots.new_figure("Menselijkheid per kwartaal", "Kwartaal", label, "alt", size=(7.5, 3))
    ax.plot([0, 1], [0.7, 0.8])
    assert plots.layout_problems(fig) == [f"cut off: {label!r}"]  # the trend chart's clipped label
    plots.fit_axis_labels(fig)
    assert plots.layout_problems(fig) == []
    text = ax.yaxis.label.get_text()
    assert "\n" in text and " ".join(text.split()) == label  # the same words, on more lines
    short, ax3 = plots.new_figure("Titel", "x", "cijfer", "alt")
    plots.fit_axis_labels(short)
    assert ax3.yaxis.label.get_text() == "cijfer"  # a label that fits is left alone


def test_bars_and_amount_axes_start_at_zero():
    fig, ax = plots.new_figure("Aantallen", "groep", "aantal", "alt")
    ax.bar([0, 1], [6.5, 7.0])
    assert plots.layout_problems(fig) == []  # matplotlib's bars include zero
    ax.set_ylim(6, 7.2)
    assert plots.layout_problems(fig) == ["axis: the y axis of 'Aantallen' runs 6 to 7.2, not from zero"]
    fig2, ax2 = plots.new_figure("Aandeel", "kwartaal", "aandeel (%)", "alt")
    ax2.barh([0, 1], [-3, -5])  # horizontal bars: the x axis carries the values
    ax2.set_xlim(-6, -2)
    assert plots.layout_problems(fig2) == ["axis: the x axis of 'Aandeel' runs -6 to -2, not from zero"]
    fig3, ax3 = plots.new_figure("Aandeel per kwartaal", "kwartaal", "aandeel (%)", "alt")
    ax3.plot([0, 1, 2], [77, 79, 80])  # a line of shares: declared as amounts, it starts at zero
    assert plots.layout_problems(fig3) == []
    plots.amount_axis(ax3, "y")
    assert ax3.get_ylim()[0] == 0 and ax3.get_ylim()[1] >= 80
    ax3.set_ylim(70, 85)  # a later zoom breaks the rule and is caught
    assert plots.layout_problems(fig3) == ["axis: the y axis of 'Aandeel per kwartaal' runs 70 to 85, not from zero"]


def test_hidden_axes_are_not_checked():
    fig, ax = plots.new_figure("Stroomdiagram", "", "", "alt")
    ax.set_ylim(0, 1)
    ax.set_yticks([0.5, 0.505], ["eerste", "tweede"])
    assert any(p.startswith("overlap: 'eerste' and 'tweede'") for p in plots.layout_problems(fig))
    ax.axis("off")  # an alluvial chart draws no axes: their tick labels are not on the picture
    assert plots.layout_problems(fig) == []


def test_a_plot_area_squeezed_by_long_labels_is_found():
    fig, ax = plots.new_figure("Ranglijst", "cijfer", "", "alt")
    ax.barh(range(3), [7.1, 7.3, 6.9])
    assert plots.layout_problems(fig) == []
    ax.set_yticks(range(3), ["Gemeente Molensloot (fictief) met een heel lange naam voor de dienstverlening"] * 3)
    problems = plots.layout_problems(fig)
    assert len(problems) == 1 and problems[0].startswith("squeezed: the plot area of 'Ranglijst' is ")


def test_fit_axis_labels_wraps_long_category_names_so_the_data_keep_their_room():
    names = ["Gemeente Molensloot, afdeling Publiekszaken en Dienstverlening (fictief)",
             "Landelijk Uitvoeringsbureau Toeslagen en Inkomensondersteuning (fictief)",
             "Inspectie Spoorwegen (fictief)"]
    fig, ax = plots.new_figure("Ranglijst", "cijfer", "", "alt", size=(7.5, 2.6))
    ax.plot([7.1, 7.3, 6.9], range(3), "o")
    ax.set_yticks(range(3), [f"{n} (rang 1–3)" for n in names])
    assert any(p.startswith("squeezed") for p in plots.layout_problems(fig))
    plots.fit_axis_labels(fig)
    assert plots.layout_problems(fig) == []
    shown = [t.get_text() for t in ax.get_yticklabels()]
    assert all("\n" in s for s in shown[:2]) and [" ".join(s.split()) for s in shown] == \
        [f"{n} (rang 1–3)" for n in names]  # the same words, on more lines

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

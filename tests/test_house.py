"""The measurement house figure is drawn from the codebook and says in words what it shows."""
from __future__ import annotations

import pytest
from matplotlib.figure import Figure

from meethuis.intake.codebook import Item, load_codebook
from meethuis.common.errors import CodebookError
from meethuis.report.house import FAMILY_MARKERS, house_layout, plot_measurement_house
from meethuis.common.plots import alt_text

# Hand-copied from codebook.yml (the reference): which drivers sit on which floor.
FLOORS_NL = {
    "Toegankelijk": ["Vriendelijkheid", "Bereikbaarheid"],
    "Betrouwbaar": ["Serieus genomen", "Juiste informatie", "Deskundigheid", "Afspraken nakomen"],
    "Logisch": ["Meedenken", "Snelheid", "Eenvoudig proces"],
    "Begrijpelijk": ["Empathie", "Luisteren", "Duidelijkheid", "Transparantie"],
}
ROOF_NL = ["Tevredenheid", "Ervaren menselijkheid", "Effectiviteit", "Vertrouwen", "Gemak (klantinspanning)",
           "Aanbeveling (NPS) (bouwsteen)"]
FOUNDATION_NL = ["Doorlooptijd", "Aantal contacten", "Doorverwezen", "Wachttijd", "Uitkomst"]


def _texts(fig: Figure) -> list[str]:
    return [t.get_text() for ax in fig.axes for t in ax.texts] + [ax.get_title(loc="left") for ax in fig.axes]


def test_layout_matches_the_codebook():
    layout = house_layout(load_codebook(), "nl")
    assert layout["roof"] == ROOF_NL
    assert {p: [lbl for lbl, _ in d] for p, d in layout["floors"].items()} == FLOORS_NL
    assert layout["foundation"] == FOUNDATION_NL
    families = {lbl: fam for d in layout["floors"].values() for lbl, fam in d}
    assert [lbl for lbl, fam in families.items() if fam == "menselijke_maat"] == [
        "Vriendelijkheid", "Serieus genomen", "Meedenken", "Empathie", "Luisteren"]


def test_figure_shows_every_element_and_marks_families_without_colour():
    fig = plot_measurement_house(load_codebook(), "nl")
    texts = _texts(fig)
    joined = "\n".join(texts)
    for label in [*FOUNDATION_NL, *FLOORS_NL, *(d for ds in FLOORS_NL.values() for d in ds)]:
        assert label in joined
    for label in ROOF_NL:
        assert label in joined
    # every driver label is preceded by its family marker (colour is not the only carrier)
    assert texts.count(FAMILY_MARKERS["menselijke_maat"]) == 5
    assert texts.count(FAMILY_MARKERS["basis"]) == 8
    assert "♥ Menselijke maat" in joined and "■ Basis op orde" in joined


def test_alt_text_lists_counts_and_every_driver():
    alt = alt_text(plot_measurement_house(load_codebook(), "nl", goals=["tevredenheid_mean >= 7.0"]))
    assert "6 uitkomsten" in alt and "4 verdiepingen" in alt and "13 drijfveren" in alt
    assert "5 procesgegevens" in alt and "tevredenheid_mean >= 7.0" in alt
    for drivers in FLOORS_NL.values():
        for d in drivers:
            assert d in alt


def test_english_labels_and_own_items_follow_the_codebook():
    cb = load_codebook()
    own = Item(id="ms_terugbellen", construct="basis", role="driver", scale=cb.scales["agree5"], core=False,
               wording={"nl": "Ik werd teruggebeld.", "en": "I was called back."}, principle="betrouwbaar", own=True)
    layout = house_layout(cb.with_extra_items([own]), "en")
    assert "Reliable" in layout["floors"]
    assert ("Ms terugbellen", "basis") in layout["floors"]["Reliable"]
    assert layout["roof"][0] == "Satisfaction"
    assert "Throughput time" in layout["foundation"] or "Doorlooptijd" not in layout["foundation"]


def test_unknown_language_is_a_codebook_error():
    with pytest.raises(CodebookError, match="unknown language"):
        plot_measurement_house(load_codebook(), "de")

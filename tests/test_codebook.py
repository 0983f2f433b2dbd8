"""The measurement model: consistency of codebook.yml, the lookup API and ``meethuis codebook --format md``."""
from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from meethuis.cli.main import main
from meethuis.intake.codebook import LANGUAGES, load_codebook
from meethuis.common.errors import CodebookError

SOFT = ["empathie", "meedenken", "serieus_genomen", "luisteren", "vriendelijkheid"]
BASICS = ["snelheid", "juiste_informatie", "duidelijkheid", "bereikbaarheid", "deskundigheid",
          "afspraken_nakomen", "eenvoud_proces", "transparantie"]
PACKAGED = Path(__file__).resolve().parents[1] / "src" / "meethuis" / "intake" / "codebook.yml"


@pytest.fixture(scope="module")
def cb():
    return load_codebook()


@pytest.fixture(scope="module")
def raw():
    return yaml.safe_load(PACKAGED.read_text(encoding="utf-8"))


# ---- consistency of the YAML ---------------------------------------------------------------------------
def test_ids_unique_across_items_and_fields(raw):
    ids = [i["id"] for i in raw["items"]] + [f["id"] for f in raw["context"]] + [f["id"] for f in raw["process"]]
    assert len(ids) == len(set(ids))


def test_every_item_has_nl_and_en_wording_and_a_valid_scale(cb):
    for item in cb.items.values():
        for lang in LANGUAGES:
            assert item.wording[lang].strip(), (item.id, lang)
        assert item.scale.min < item.scale.max
        for labels in item.scale.labels.values():
            assert all(item.scale.min <= code <= item.scale.max for code in labels)
    for scale in cb.scales.values():
        assert set(scale.labels) == set(LANGUAGES) and all(scale.labels[lang] for lang in LANGUAGES)


def test_structure_of_the_model(cb):
    assert cb.outcomes() == ["tevredenheid", "menselijkheid", "effectiviteit", "vertrouwen", "gemak", "aanbeveling"]
    assert cb.outcomes(core_only=True) == cb.outcomes()[:5]
    assert cb.drivers("menselijke_maat") == SOFT and cb.drivers("basis") == BASICS
    assert cb.drivers(core_only=True) == SOFT + BASICS[:5]
    assert cb.core_items() == cb.outcomes()[:5] + SOFT + BASICS[:5]
    by_principle = cb.drivers_by_principle()
    assert sorted(sum(by_principle.values(), [])) == sorted(SOFT + BASICS)  # each driver exactly one principle
    assert set(by_principle) == {"toegankelijk", "betrouwbaar", "logisch", "begrijpelijk"}
    for block in cb.building_blocks.values():
        assert all(not cb.items[i].core for i in block["items"])
    assert cb.items["tevredenheid"].scale.id == "grade10" and cb.items["aanbeveling"].scale.min == 0
    assert cb.items["empathie"].scale.top2_threshold() == 4
    assert cb.items["tevredenheid"].scale.top2_threshold() == 9
    assert "zaak_sleutel" in cb.context_fields() and "uitkomst" in cb.process_fields()
    assert cb.items_of("tevredenheid") == ["tevredenheid"]


def test_labels_and_wording(cb):
    assert cb.label("empathie", "nl") == "Empathie" and cb.label("empathie", "en") == "Empathy"
    assert cb.label("tevredenheid", "en") == "Satisfaction"
    assert cb.label("kanaal", "nl") == "Kanaal" and cb.label("basis", "en") == "Basics"
    assert cb.wording("serieus_genomen", "nl") == "Ik voelde me serieus genomen."
    assert cb.value_label("kanaal", "balie", "en") == "Desk"
    assert cb.value_label("kanaal", "onbekend", "nl") == "onbekend"
    with pytest.raises(CodebookError):
        cb.label("empathie", "de")
    with pytest.raises(CodebookError) as e:
        cb.item("empatie")
    assert "unknown item 'empatie'" in str(e.value) and "empathie" in str(e.value)


def test_load_codebook_is_cached(cb):
    assert load_codebook() is cb


# ---- broken codebooks are rejected with file and key -----------------------------------------------------
def _broken(tmp_path, raw, mutate):
    import copy

    data = copy.deepcopy(raw)
    mutate(data)
    path = tmp_path / "cb.yml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


@pytest.mark.parametrize("mutate,message", [
    (lambda d: d["items"].append(dict(d["items"][0])), "duplicate item id 'tevredenheid'"),
    (lambda d: d["items"][6]["wording"].pop("en"), "item 'empathie' has no wording in en"),
    (lambda d: d["items"][0].update(scale="grade11"), "unknown scale 'grade11'"),
    (lambda d: d["items"][0].update(construct="geluk"), "unknown construct 'geluk'"),
    (lambda d: d["items"][6].pop("principle"), "driver 'empathie' has no service principle"),
    (lambda d: d["scales"]["agree5"].update(min=5), "min 5 not below max 5"),
    (lambda d: d["scales"]["agree5"]["labels"]["nl"].update({7: "x"}), "labels code 7 outside 1-5"),
    (lambda d: d["building_blocks"]["aanbeveling"]["items"].append("nps2"), "lists unknown item 'nps2'"),
    (lambda d: d["context"].append({"id": "empathie"}), "duplicate id 'empathie'"),
])
def test_broken_codebook(tmp_path, raw, mutate, message):
    with pytest.raises(CodebookError) as e:
        load_codebook(_broken(tmp_path, raw, mutate))
    assert message in str(e.value) and "cb.yml" in str(e.value)


def test_extra_item_must_not_clash(cb):
    with pytest.raises(CodebookError) as e:
        cb.with_extra_items([cb.items["empathie"]])
    assert "clashes" in str(e.value)


# ---- the handbook page ---------------------------------------------------------------------------------
@pytest.mark.parametrize("lang", LANGUAGES)
def test_markdown_page_lists_every_item_and_cli_prints_it(cb, capsys, lang):
    md = cb.to_markdown(lang)
    for item in cb.items.values():
        assert f"| `{item.id}` |" in md and item.wording[lang] in md
    for fld in cb.fields:
        assert f"`{fld}`" in md
    assert md.startswith("# Codeboek" if lang == "nl" else "# Codebook")
    assert main(["codebook", "--format", "md", "--lang", lang]) == 0
    assert capsys.readouterr().out == md


def test_codebook_cli_tsv_and_out(cb, capsys, tmp_path):
    assert main(["codebook"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == len(cb.items) and lines[0].split("\t")[:3] == ["tevredenheid", "tevredenheid", "grade10"]
    assert main(["codebook", "--format", "md", "--out", str(tmp_path / "cb.md")]) == 0
    assert (tmp_path / "cb.md").read_text(encoding="utf-8") == cb.to_markdown("nl")


# ---- international crosswalk ------------------------------------------------------------------------------------
A11_ITEMS = {"satisfaction", "trust", "effectiveness", "ease", "efficiency", "equity", "employee_helpfulness",
             "transparency"}
OECD_DRIVERS = {"reliability", "responsiveness", "integrity", "openness", "fairness"}


def test_crosswalk_names_the_three_frames_and_their_items(cb):
    frames = cb.crosswalk["frameworks"]
    assert set(frames) == {"a11", "oecd_trust", "cmt"}
    assert set(frames["a11"]["counterparts"]) == A11_ITEMS
    assert set(frames["oecd_trust"]["counterparts"]) == OECD_DRIVERS
    rows = cb.counterparts()
    assert {r.id for r in rows} == set(cb.outcomes()[:5]) | set(SOFT) | set(BASICS)  # NPS has no counterpart
    assert all(r.strength in ("same", "close", "partial") for r in rows)
    close = cb.counterparts("a11", strengths=("same", "close"))
    assert {r.counterpart for r in close} == {"satisfaction", "trust", "effectiveness", "ease", "efficiency",
                                               "employee_helpfulness", "transparency"}
    assert [r.id for r in close][:4] == ["tevredenheid", "effectiviteit", "vertrouwen", "gemak"]


@pytest.mark.parametrize("lang", LANGUAGES)
def test_crosswalk_markdown_has_one_row_per_question(cb, lang):
    text = cb.crosswalk_markdown(lang)
    rows = [line for line in text.splitlines() if line.startswith("| ") and "`" in line]
    assert len(rows) == len({r.id for r in cb.counterparts()})
    assert ("Zonder tegenhanger" if lang == "nl" else "No counterpart") in text and "Integri" in text


def test_crosswalk_errors_name_the_key(raw, tmp_path):
    bad = dict(raw)
    bad["crosswalk"] = {**raw["crosswalk"], "matches": {"gemak": {"a11": {"counterpart": "speed", "strength": "close"}}}}
    path = tmp_path / "cb.yml"
    path.write_text(yaml.safe_dump(bad, allow_unicode=True), encoding="utf-8")
    with pytest.raises(CodebookError, match="'speed' is not a counterpart of frame 'a11'"):
        load_codebook(path)

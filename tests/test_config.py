"""Organisation configs: the sample configs parse into the documented API, and every mistake names the
file, the line, the key and what is allowed."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

from meethuis.intake.config import load_config
from meethuis.common.errors import ConfigError
from meethuis.sample import ORG_IDS, sample_config

CORE_COLUMNS = """\
    tevredenheid: cijfer
    menselijkheid: q1
    effectiviteit: q2
    vertrouwen: q3
    gemak: q4
    empathie: d1
    meedenken: d2
    serieus_genomen: d3
    luisteren: d4
    vriendelijkheid: d5
    snelheid: d6
    juiste_informatie: d7
    duidelijkheid: d8
    bereikbaarheid: d9
    deskundigheid: d10
    leeftijdsgroep: lft
"""
BASE = f"""\
organisation:
  id: proef
  name: Proefgemeente
data:
  file: enquete.csv
  respondent_id: id
  period: kwartaal
  columns:
{CORE_COLUMNS}"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "org.yml"
    path.write_text(text, encoding="utf-8")
    return path


def line_of(text: str, fragment: str) -> int:
    return next(n for n, ln in enumerate(text.splitlines(), 1) if fragment in ln)


@pytest.mark.parametrize("org", ORG_IDS)
def test_sample_configs_parse(org):
    cfg = load_config(sample_config(org))
    assert cfg.id == org and cfg.min_cell == 10 and cfg.lang == "nl"
    assert cfg.data_file.is_file() and cfg.process.file.is_file()  # resolved from the config's folder
    assert set(cfg.codebook.core_items()) <= set(cfg.items_in_use())
    assert cfg.drivers() and cfg.outcomes()[0] == "tevredenheid"
    assert 2 <= len(cfg.goals) <= 4
    for var, cats in cfg.margins.items():
        assert set(cats) <= set(cfg.codebook.fields[var].values)


def test_molensloot_details():
    cfg = load_config(sample_config("molensloot"))
    assert cfg.columns["empathie"].recode["helemaal mee eens"] == 5
    assert cfg.columns["empathie"].recode["n.v.t."] == "nvt"
    assert cfg.columns["kanaal"].recode["aan de balie"] == "balie"
    assert "ms_terugbellen" in cfg.drivers() and cfg.codebook.items["ms_terugbellen"].own
    assert cfg.codebook.items["ms_terugbellen"].construct == "basis"
    # an own item's short label is used in tables and figures, in each language
    assert cfg.codebook.label("ms_terugbellen", "nl") == "Terugbellen"
    assert cfg.codebook.label("ms_terugbellen", "en") == "Call back"
    assert [str(g) for g in cfg.goals][0] == "tevredenheid_mean >= 7"
    assert cfg.goals[1].target == 0.6 and cfg.goals[3].target == -30 and cfg.goals[3].item == "aanbeveling"
    assert cfg.trim == (0.3, 3.0) and cfg.process.key == "Zaaknummer"


def test_paths_resolve_from_config_folder_not_cwd(tmp_path):
    path = write(tmp_path, BASE)
    os.chdir("/")
    try:
        assert load_config(path).data_file == tmp_path / "enquete.csv"
    finally:
        os.chdir(Path(__file__).parent)


def test_defaults(tmp_path):
    cfg = load_config(write(tmp_path, BASE))
    assert cfg.min_cell == 10 and cfg.lang == "nl" and cfg.margins == {} and cfg.process is None
    assert cfg.goals == () and cfg.building_blocks == ()


BAD = [
    # (edit of BASE, fragment whose line must be named, key, words in the message)
    (lambda t: t + "themas: []\n", "themas:", "themas", "unknown top-level key 'themas'"),
    (lambda t: t.replace("  respondent_id: id\n", "  respondent_id: [id]\n"), "respondent_id", "data.respondent_id",
     "must be a column name"),
    (lambda t: t.replace("  period: kwartaal\n", "  period: {value: 2024Q7}\n"), "value:", "data.period.value",
     "cannot read period value"),
    (lambda t: t.replace("    leeftijdsgroep: lft\n", "    leeftijd_groep: lft\n"), "leeftijd_groep", "data.columns.leeftijd_groep", "is not an item or context field"),
    (lambda t: t.replace("    leeftijdsgroep: lft\n", "    aanbeveling: nps\n"), "aanbeveling: nps",
     "data.columns.aanbeveling", "building block that is not switched on"),
    (lambda t: t + "building_blocks: [nps]\n", "building_blocks", "building_blocks", "unknown building block 'nps'"),
    (lambda t: t.replace("    empathie: d1\n", "    empathie: {column: d1, recode: eens}\n"), "empathie:",
     "data.columns.empathie.recode", "unknown recode 'eens'"),
    (lambda t: t + "goals:\n  - tevredenheid gemiddeld 7\n", "tevredenheid gemiddeld", "goals[0]", "cannot read goal"),
    (lambda t: t + "goals:\n  - geluk_mean >= 7\n", "geluk_mean", "goals[0]", "unknown item 'geluk'"),
    (lambda t: t + "goals:\n  - menselijkheid_top2 >= 70\n", "menselijkheid_top2", "goals[0]",
     "must lie between 0 and 1"),
    (lambda t: t + "goals:\n  - nps >= 150\n", "nps >=", "goals[0]", "between -100 and 100"),
    (lambda t: t + "min_cell: 0\n", "min_cell", "min_cell", "at least 1"),
    (lambda t: t + "lang: de\n", "lang:", "lang", "unknown language 'de'"),
    (lambda t: t + "weighting:\n  margins:\n    leeftijdsgroep: {18-34: 0.5, 35+: 0.5}\n", "leeftijdsgroep: {",
     "weighting.margins.leeftijdsgroep.35+", "'35+' is not a category of 'leeftijdsgroep'"),
    (lambda t: t + "weighting:\n  margins:\n    leeftijdsgroep: {18-34: 0.5, 65+: 0.2}\n", "leeftijdsgroep: {",
     "weighting.margins.leeftijdsgroep", "add up to 0.7, not 1"),
    (lambda t: t + "weighting:\n  margins:\n    kanaal: {telefoon: 1}\n", "kanaal: {",
     "weighting.margins.kanaal", "not a mapped context field"),
    (lambda t: t + "weighting:\n  trim: [2, 3]\n", "trim:", "weighting.trim", "trim must be [lower, upper]"),
    (lambda t: t.replace("  file: enquete.csv\n", "  file: enquete.csv\n  encoding: klingon\n"), "encoding:",
     "data.encoding", "unknown encoding 'klingon'"),
    (lambda t: t.replace("  period: kwartaal\n", "  period: {datum_kolom: d}\n"), "datum_kolom",
     "data.period.datum_kolom", "unknown key 'data.period.datum_kolom'"),
    (lambda t: t + "extra_items:\n  - {id: empathie, construct: basis, column: x}\n", "- {id: empathie",
     "extra_items[0]", "extra item id 'empathie' is already taken"),
    (lambda t: t + "extra_items:\n  - {id: eigen, construct: geluk, column: x}\n", "- {id: eigen",
     "extra_items[0].construct", "unknown construct 'geluk'"),
    (lambda t: t + "extra_items:\n  - {id: eigen, construct: basis, column: x, label: [a]}\n", "- {id: eigen",
     "extra_items[0].label", "label of extra item 'eigen' must be a text"),
    (lambda t: t + "process:\n  file: zaken.csv\n  key: zaak\n  survey_key: zaak\n  columns: {wachten: w}\n",
     "columns: {wachten", "process.columns.wachten", "'wachten' is not a process field"),
    (lambda t: t.replace("id: proef", "id: Proef Gemeente"), "id: Proef", "organisation.id", "lower-case"),
]


@pytest.mark.parametrize("edit,fragment,key,words", BAD)
def test_bad_config_names_file_line_key(tmp_path, edit, fragment, key, words):
    text = edit(BASE)
    path = write(tmp_path, text)
    with pytest.raises(ConfigError) as e:
        load_config(path)
    msg = str(e.value)
    assert words in msg, msg
    assert e.value.key == key, msg
    assert e.value.file == f"{path}:{line_of(text, fragment)}", msg


def test_invalid_yaml_names_line(tmp_path):
    text = BASE + "goals: [tevredenheid_mean >= 7\nmin_cell: 5\n"
    with pytest.raises(ConfigError) as e:
        load_config(write(tmp_path, text))
    assert "not valid YAML" in str(e.value) and str(tmp_path / "org.yml") + ":" in str(e.value)


def test_missing_config_file(tmp_path):
    with pytest.raises(ConfigError) as e:
        load_config(tmp_path / "geen.yml")
    assert "config file not found" in str(e.value) and "geen.yml" in str(e.value)


# -- reading the file: every way it can fail is one clear ConfigError (issue 15) --------------------------------
def test_config_that_is_a_folder_a_loop_or_a_broken_link(tmp_path):
    with pytest.raises(ConfigError, match="is a folder, not a file"):
        load_config(tmp_path)
    (tmp_path / "a.yml").symlink_to(tmp_path / "b.yml")
    (tmp_path / "b.yml").symlink_to(tmp_path / "a.yml")
    with pytest.raises(ConfigError, match="symbolic link that leads nowhere"):
        load_config(tmp_path / "a.yml")
    (tmp_path / "c.yml").symlink_to(tmp_path / "weg.yml")
    with pytest.raises(ConfigError, match="not found") as info:
        load_config(tmp_path / "c.yml")
    assert info.value.file.endswith("weg.yml")  # the file the link points at


def test_unreadable_config_is_a_permission_error_not_a_traceback(tmp_path, monkeypatch):
    path = write(tmp_path, BASE)

    def denied(self):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(Path, "read_bytes", denied)  # chmod 000 does not stop root, so simulate it
    with pytest.raises(ConfigError, match="permission denied"):
        load_config(path)


def test_config_in_windows_1252_names_the_line(tmp_path):
    text = BASE.replace("Proefgemeente", "Proefgemeente Één")
    path = tmp_path / "org.yml"
    path.write_bytes(text.encode("cp1252"))
    with pytest.raises(ConfigError, match=r"not UTF-8: byte 0xc9 on line 3") as info:
        load_config(path)
    assert "UTF-8" in info.value.hint


def test_yaml_aliases_are_allowed_but_not_recursive_or_a_bomb(tmp_path):
    shared = BASE.replace("data:\n", "x_recode: &eens {a: 1}\ndata:\n").replace("x_recode", "themes")
    load_config(write(tmp_path, shared + "goals: []\n"))  # an anchor and no alias: fine
    with pytest.raises(ConfigError, match="alias that refers to itself"):
        load_config(write(tmp_path, BASE + "themes: &a [*a]\n"))
    bomb = "themes:\n  a: &a [x, x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"  {chr(98 + i)}: &{chr(98 + i)} [{', '.join(['*' + chr(97 + i)] * 10)}]\n" for i in range(9))
    with pytest.raises(ConfigError, match="expands to more than 100,000 values"):
        load_config(write(tmp_path, BASE + bomb))  # 10**10 values if expanded: refused at once
    deep = "themes: " + "[" * 200 + "]" * 200 + "\n"
    with pytest.raises(ConfigError, match="nested"):
        load_config(write(tmp_path, BASE + deep))


@pytest.mark.parametrize("extra, key, words", [
    ("weighting:\n  trim: [a, b]\n", "weighting.trim", "trim must be [lower, upper]"),
    ("weighting:\n  trim: {a: 1}\n", "weighting.trim", "trim must be [lower, upper]"),
    ("goals: tevredenheid_mean >= 7\n", "goals", "must be a list"),
])
def test_wrong_types_name_the_key(tmp_path, extra, key, words):
    with pytest.raises(ConfigError) as info:
        load_config(write(tmp_path, BASE + extra))
    assert info.value.key == key and words in str(info.value)


def test_data_as_a_list_and_process_recodes_of_the_wrong_shape(tmp_path):
    with pytest.raises(ConfigError, match="'data' must be a mapping") as info:
        load_config(write(tmp_path, "organisation: {id: x, name: X}\ndata: [1, 2]\n"))
    assert ":2" in info.value.file
    process = ("process:\n  file: zaken.csv\n  key: zaak\n  survey_key: zaak\n  columns: {doorverwezen: v}\n"
               "  recodes:\n    doorverwezen: [ja, nee]\n")
    with pytest.raises(ConfigError, match="must be a mapping") as info:
        load_config(write(tmp_path, BASE + process))
    assert info.value.key == "process.recodes.doorverwezen"

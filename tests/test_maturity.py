"""CX maturity scan: YAML validation (file + key), table, advice, radar alt text, six-step checklist."""
from __future__ import annotations

import textwrap

import pytest

from meethuis.improve import maturity
from meethuis.report.chapters import volwassenheid
from meethuis.intake.config import load_config
from meethuis.common.errors import ConfigError
from meethuis.common.plots import alt_text

GOOD = """\
datum: 2026-10-01
scores:
  visie: 3
  meten: 4
  analyseren: 2
  verbeteren: 2
  terugkoppeling: 1
  sturing: 5
toelichting:
  meten: "Elk kwartaal."
"""


def _write(tmp_path, text: str):
    path = tmp_path / "scan.yml"
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def test_load_and_table(tmp_path):
    a = maturity.load_maturity(_write(tmp_path, GOOD))
    assert dict(a.scores) == {"visie": 3, "meten": 4, "analyseren": 2, "verbeteren": 2, "terugkoppeling": 1,
                              "sturing": 5}
    t = maturity.maturity_table(a).set_index("dimension")
    assert t.loc["meten", "level_name"] == "geïntegreerd" and t.loc["meten", "note"] == "Elk kwartaal."
    assert t.loc["terugkoppeling", "advice"].startswith("Volgende stap: resultaten worden intern gedeeld")
    assert t.loc["sturing", "advice"].startswith("Vasthouden")
    en = maturity.maturity_table(a, "en").set_index("dimension")
    assert en.loc["visie", "label"] == "Vision" and en.loc["visie", "advice"].startswith("Next step:")
    # mean of 3, 4, 2, 2, 1, 5 = 17/6 = 2.83 -> "2,8"
    text = volwassenheid.describe_maturity(a)
    assert "2,8" in text and "sturing (niveau 5)" in text and "terugkoppeling (niveau 1)" in text


def test_english_keys_are_accepted(tmp_path):
    a = maturity.load_maturity(_write(tmp_path, """\
        date: 2026-10-01
        scores: {vision: 1, measuring: 2, analysing: 3, improving: 4, feedback_loop: 5, governance: 1}
        """))
    assert a.scores["terugkoppeling"] == 5 and a.scores["sturing"] == 1


@pytest.mark.parametrize("text, key, words", [
    (GOOD.replace("visie: 3", "strategie: 3"), "scores.strategie", "unknown dimension 'strategie'"),
    (GOOD.replace("meten: 4", "meten: 6"), "scores.meten", "from 1 to 5"),
    (GOOD.replace("meten: 4", "meten: 2.5"), "scores.meten", "from 1 to 5"),
    (GOOD.replace("  sturing: 5\n", ""), "scores", "no level for sturing"),
    (GOOD + "extra: 1\n", "extra", "unknown key 'extra'"),
])
def test_validation_errors_name_file_and_key(tmp_path, text, key, words):
    path = _write(tmp_path, text)
    with pytest.raises(ConfigError) as err:
        maturity.load_maturity(path)
    msg = str(err.value)
    assert "scan.yml" in msg and f"key '{key}'" in msg and words in msg


def test_line_number_in_error(tmp_path):
    path = _write(tmp_path, GOOD.replace("meten: 4", "meten: 0"))
    with pytest.raises(ConfigError, match=r"scan\.yml:4"):
        maturity.load_maturity(path)


def test_radar_alt_text(tmp_path):
    a = maturity.load_maturity(_write(tmp_path, GOOD))
    fig = volwassenheid.plot_radar(a)
    alt = alt_text(fig)
    assert "Visie 3" in alt and "Terugkoppeling 1" in alt and "Sturing 5" in alt


def test_checklist_points_at_chapters(tmp_path):
    a = maturity.load_maturity(_write(tmp_path, GOOD))
    c = maturity.improvement_checklist(a, chapters=["03_kpis", "06_prioriteiten", "07_trends"])
    assert list(c["step"]) == [1, 2, 3, 4, 5, 6]
    assert list(c["title"]) == ["Visie aanscherpen", "De basis op orde", "Inzicht verdiepen",
                                "Verbeterkansen benoemen", "Roadmap en werkafspraken", "Continu verbeteren"]
    row4 = c.set_index("step").loc[4]
    assert row4["evidence"] == "Prioriteiten" and row4["status"] == "aandacht nodig"  # verbeteren = 2
    assert c.set_index("step").loc[2, "status"] == "op orde"  # meten = 4
    assert "niet in dit rapport" in c.set_index("step").loc[3, "evidence"]
    md = maturity.checklist_markdown(c)
    assert md.count("**Op orde.**") == 3 and md.count("**Aandacht nodig.**") == 3
    assert "[x]" not in md and "[ ]" not in md and "_" not in md.replace("**", "")  # no code or notebook names


def test_sample_organisation_has_a_scan(sample_dir):
    config = load_config(sample_dir / "molensloot.yml")
    a = maturity.maturity_for_config(config)
    assert a is not None and set(a.scores) == set(maturity.DIMENSIONS)
    c = maturity.improvement_checklist(a, config)
    assert "nog geen" not in " ".join(c["status"])  # Molensloot has goals, process data and a log

"""Journey event files (contact log, appointments): config section, typing and clear errors.

References: the generator's own journey frames (``sample.journey_truth``) for the typed sample files, and
small hand-written files for every error path.
"""
from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest

from meethuis import sample
from meethuis.common.errors import ConfigError, DataError
from meethuis.intake.config import load_config
from meethuis.intake.events import load_events, load_journeys
from meethuis.intake.validate import load_survey


@pytest.mark.parametrize("org", ["molensloot", "lut"])
def test_sample_journey_files_type_back_to_the_generated_truth(org):
    config = load_config(sample.sample_config(org))
    files = load_journeys(config)
    contacts, appointments = sample.journey_truth(org)
    got = files["contacts"].frame
    want = contacts.sort_values(["zaak_sleutel", "contact_tijdstip"], kind="stable").reset_index(drop=True)
    assert len(got) == len(want) and files["contacts"].summary.cases == want["zaak_sleutel"].nunique()
    assert (got["zaak_sleutel"] == want["zaak_sleutel"]).all()
    assert (got["contact_tijdstip"] == want["contact_tijdstip"].dt.floor("min")).all()
    assert (got["contact_kanaal"].astype(str) == want["contact_kanaal"]).all()
    assert (got["richting"].astype(str) == want["richting"]).all()
    assert (got["opgelost"].astype(bool) == want["opgelost"]).all()
    assert (got["stap"].astype(object).fillna("") == want["stap"].fillna("")).all()
    a = files["appointments"].frame
    assert len(a) == len(appointments)
    assert a["afspraak_uitkomst"].astype(str).value_counts().to_dict() == \
        appointments["afspraak_uitkomst"].value_counts().to_dict()
    assert a["herinnering"].sum() == appointments["herinnering"].sum()
    assert set(a["afspraak_leeftijdsgroep"].astype(str)) == {"18-34", "35-49", "50-64", "65+"}


def test_organisations_without_journeys_get_none():
    config = load_config(sample.sample_config("isr"))
    assert config.journeys is None and load_journeys(config) == {"contacts": None, "appointments": None}


def _org(tmp_path: Path, journeys: str, contacts: str | None = None, appointments: str | None = None) -> Path:
    src = sample.sample_config("isr")
    for f in ("isr_enquete.sav", "isr_zaken.csv"):
        shutil.copy(src.parent / f, tmp_path / f)
    text = src.read_text(encoding="utf-8").replace("maturity:", "#maturity:") + "\n" + journeys
    path = tmp_path / "org.yml"
    path.write_text(text, encoding="utf-8")
    if contacts is not None:
        (tmp_path / "c.csv").write_text(contacts, encoding="utf-8")
    if appointments is not None:
        (tmp_path / "a.csv").write_text(appointments, encoding="utf-8")
    return path


CONTACTS = """journeys:
  contacts:
    file: c.csv
    key: zaak
    columns: {contact_tijdstip: wanneer, contact_kanaal: via, team: team}
    recodes:
      contact_kanaal: {tel: telefoon, web: website}
"""


def test_foreign_shaped_contact_log_minimal_columns(tmp_path):
    path = _org(tmp_path, CONTACTS, "zaak;wanneer;via;team;extra\nA1;2026-03-02 14:05;tel;KCC;x\n"
                                    "A1;2026-03-04 09:00;web;Vergunningen;x\n;2026-03-04 09:00;web;KCC;x\n"
                                    "A1;2026-03-04 09:00;web;Vergunningen;x\n")
    data = load_events(load_config(path), "contacts")
    f = data.frame
    assert list(f["contact_kanaal"].astype(str)) == ["telefoon", "website"]
    assert f["contact_tijdstip"].iloc[0] == pd.Timestamp("2026-03-02 14:05")
    text = data.summary.to_text("nl")
    assert "zonder zaaksleutel" in text and "dubbele" in text and "niet gebruikt: extra" in text
    assert data.summary.cases == 1 and data.summary.rows_read == 4


@pytest.mark.parametrize("body, message, row, column", [
    ("zaak;wanneer;via;team\nA1;2026-03-02 14:05;fax;KCC\n", "value 'fax' of 'contact_kanaal'", 1, "via"),
    ("zaak;wanneer;via;team\nA1;2026-03-02 14:05;tel;KCC\nA2;gisteren;tel;KCC\n", "cannot be read", 2, "wanneer"),
    ("zaak;wanneer;via;team\nA1;;tel;KCC\n", "contact_tijdstip is empty", 1, "wanneer"),
    ("zaak;tijd;via;team\nA1;2026-03-02 14:05;tel;KCC\n", "column 'wanneer'", None, "wanneer"),
])
def test_bad_contact_logs_name_file_row_and_column(tmp_path, body, message, row, column):
    path = _org(tmp_path, CONTACTS, body)
    with pytest.raises(DataError) as err:
        load_events(load_config(path), "contacts")
    assert message in str(err.value) and err.value.column == column and "c.csv" in str(err.value)
    if row is not None:
        assert err.value.row == row
    assert err.value.hint


def test_bad_reminder_value_is_fatal_with_hint(tmp_path):
    journeys = """journeys:
  appointments:
    file: a.csv
    key: zaak
    columns: {afspraak_tijdstip: t, afspraak_uitkomst: uitkomst, herinnering: sms}
    recodes:
      afspraak_uitkomst: {ok: verschenen, weg: niet_verschenen}
"""
    path = _org(tmp_path, journeys, appointments="zaak,t,uitkomst,sms\nA1,2026-03-02 14:05,ok,ja\nA2,2026-03-02 14:05,weg,misschien\n")
    with pytest.raises(DataError, match="herinnering value 'misschien' is not yes/no") as err:
        load_events(load_config(path), "appointments")
    assert err.value.row == 2 and "journeys.appointments.recodes.herinnering" in err.value.hint


@pytest.mark.parametrize("journeys, key, message", [
    ("journeys:\n  contacts:\n    file: c.csv\n    key: zaak\n    columns: {contact_tijdstip: t, kanaal: k}\n",
     "journeys.contacts.columns.kanaal", "not a field of the contacts file"),
    ("journeys:\n  contacts:\n    file: c.csv\n    key: zaak\n    columns: {contact_tijdstip: t}\n",
     "journeys.contacts.columns", "required field(s) not mapped: contact_kanaal"),
    ("journeys:\n  repeat_days: 0\n", "journeys.repeat_days", "repeat_days must be a whole number"),
    ("journeys:\n  wachttijd: 3\n", "journeys.wachttijd", "unknown key"),
    ("journeys:\n  steps:\n    vergunning: [aanvraag, besluit]\n", "journeys.steps",
     "contact log has no 'stap' column"),
    ("journeys:\n  contacts:\n    file: c.csv\n    key: zaak\n    columns: {contact_tijdstip: t, contact_kanaal: k, stap: s}\n"
     "  steps:\n    vergunning: [aanvraag]\n", "journeys.steps.vergunning", "at least two step names"),
])
def test_journey_config_errors_point_at_key_and_line(tmp_path, journeys, key, message):
    path = _org(tmp_path, journeys)
    with pytest.raises(ConfigError) as err:
        load_config(path)
    assert message in str(err.value) and err.value.key == key
    assert "org.yml:" in str(err.value)  # the line number of the key


def test_repeat_days_default_and_steps_order():
    config = load_config(sample.sample_config("molensloot"))
    assert config.journeys.repeat_days == 7
    assert config.journeys.steps["bijstand"] == ("melding", "intake", "aanvraag", "besluit")


def test_validate_cli_summarises_journey_files_and_fails_in_one_line(tmp_path, capsys):
    from meethuis.cli.main import main

    assert main(["validate", "--config", str(sample.sample_config("molensloot"))]) == 0
    out = capsys.readouterr().out
    assert "Contactlog: 5514 rijen over 3066 zaken" in out and "Afsprakenbestand:" in out
    assert "12_klantreis             komt in het rapport" in out
    path = _org(tmp_path, CONTACTS, "zaak;wanneer;via;team\nA1;2026-03-02 14:05;fax;KCC\n")
    code = main(["validate", "--config", str(path)])
    out, err = capsys.readouterr()
    assert code == 2 and out == "" and err.count("\n") == 1 and "value 'fax' of 'contact_kanaal'" in err


def test_chapter_plan_skips_the_journey_chapter_without_journey_files():
    from meethuis.report.plan import chapter_plan

    for org, runs in (("isr", False), ("lut", True)):
        config = load_config(sample.sample_config(org))
        plan = chapter_plan(config, load_survey(config).responses, ["12_klantreis"])[0]
        assert plan.runs is runs
        if not runs:
            assert "`journeys`" in plan.reason("nl") and "contactlog" in plan.reason("nl")

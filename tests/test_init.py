"""`meethuis init` → validate → report on foreign-shaped surveys, and the driver table against brute-force LMG.

The fixtures are made here with a seed: English headers, no respondent id, no period, a 0/1 outcome,
0 = not applicable in 1-5 items, 1-10 and 1-7 items, no channel, no open answers, numeric age and delay.
The reference is an independent brute-force LMG: R² of every subset of drivers by least squares, each
driver's importance the average gain over all orders (listwise, unweighted: the fixtures have no margins).
"""
from __future__ import annotations

import itertools
import math
import re
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

from meethuis.intake.config import load_config
from meethuis.intake.init import infer_column, init_config, item_id
from meethuis.intake.validate import load_survey
from meethuis.report.plan import chapter_plan
from meethuis.report.runner import chapters_available


def _city(n: int = 700, seed: int = 12) -> pd.DataFrame:
    """A resident survey: 0/1 happiness, six 1-5 items (0 = n.v.t. in two), gender and age; no id, no date."""
    rng = np.random.default_rng(seed)
    items = ["Availability of information about city services", "Cost of housing", "Quality of schools",
             "Trust in local police", "Maintenance of streets and sidewalks", "Availability of social events"]
    latent = rng.normal(size=n)
    frame = {}
    for k, name in enumerate(items):
        x = np.clip(np.round(3 + 0.8 * latent + rng.normal(scale=0.9, size=n) + 0.2 * k - 0.5), 1, 5)
        if k in (1, 4):
            x[rng.random(n) < 0.06] = 0  # 0 = not applicable
        frame[name] = x.astype(int)
    p = 1 / (1 + np.exp(-(0.9 * latent)))
    frame = {"Happy": (rng.random(n) < p).astype(int), **frame}
    frame["Gender"] = rng.choice(["female", "male"], n)
    frame["Age"] = rng.integers(18, 90, n)
    return pd.DataFrame(frame)


def _airline(n: int = 900, seed: int = 7) -> pd.DataFrame:
    """An airline survey: 1-10 outcome, 0-5 items (0 = n.v.t.), two 1-7 items, type of travel, delay minutes."""
    rng = np.random.default_rng(seed)
    latent = rng.normal(size=n)
    frame = {"id": np.arange(1, n + 1)}
    frame["Overall satisfaction"] = np.clip(np.round(6.5 + 1.5 * latent + rng.normal(size=n)), 1, 10).astype(int)
    for name in ("Inflight wifi service", "Online boarding", "Seat comfort", "Gate location"):
        x = np.clip(np.round(3 + 0.9 * latent + rng.normal(size=n)), 1, 5)
        x[rng.random(n) < 0.05] = 0
        frame[name] = x.astype(int)
    for name in ("Cleanliness (1-7)", "Baggage handling (1-7)"):
        frame[name] = np.clip(np.round(4 + 1.2 * latent + rng.normal(size=n)), 1, 7).astype(int)
    frame["Type of Travel"] = rng.choice(["Business travel", "Personal Travel"], n)
    frame["Departure Delay in Minutes"] = rng.exponential(15, n).round().astype(int)
    return pd.DataFrame(frame)


def lmg_bruteforce(frame: pd.DataFrame, outcome: str, drivers: list[str]) -> dict[str, float]:
    """LMG by definition: average R² gain of each driver over all subsets (Shapley weights), OLS per subset."""
    data = frame[[outcome, *drivers]].dropna().to_numpy(float)
    y, X = data[:, 0], data[:, 1:]
    p = X.shape[1]
    tss = float(((y - y.mean()) ** 2).sum())

    def r2(cols: tuple[int, ...]) -> float:
        if not cols:
            return 0.0
        A = np.column_stack([np.ones(len(y)), X[:, cols]])
        beta, *_ = np.linalg.lstsq(A, y, rcond=None)
        return 1 - float(((y - A @ beta) ** 2).sum()) / tss

    cache = {s: r2(s) for k in range(p + 1) for s in itertools.combinations(range(p), k)}
    out = {}
    for j in range(p):
        others = [i for i in range(p) if i != j]
        total = 0.0
        for k in range(p):
            w = math.factorial(k) * math.factorial(p - k - 1) / math.factorial(p)
            for s in itertools.combinations(others, k):
                total += w * (cache[tuple(sorted(s + (j,)))] - cache[s])
        out[drivers[j]] = total
    return out


def test_item_id_from_header():
    assert item_id("Inflight wifi service") == "inflight_wifi_service"
    assert item_id("Cleanliness (1-7)") == "cleanliness_1_7"
    assert item_id("Tevredenheid über alles") == "tevredenheid_uber_alles"


def test_infer_column_roles():
    assert infer_column("Happy", pd.Series([0, 1, 1, 0]), outcome=True).role == "binary"
    c = infer_column("Seat", pd.Series([0, 1, 2, 3, 4, 5]))
    assert (c.role, c.lo, c.hi, c.zero_is_nvt) == ("item", 1, 5, True)
    c = infer_column("Grade", pd.Series(list(range(1, 11))))
    assert (c.role, c.lo, c.hi) == ("item", 1, 10)
    c = infer_column("Hoe tevreden bent u (0-10)?", pd.Series(list(range(1, 11))), outcome=True)
    assert (c.role, c.lo, c.hi) == ("item", 0, 10)  # the scale the header states, though nobody answered 0
    c = infer_column("Cleanliness (1-7)", pd.Series([2, 3, 4, 5, 6]))
    assert (c.role, c.lo, c.hi) == ("item", 1, 7)
    c = infer_column("Score 1-5", pd.Series([1, 2, 6, 7]))
    assert (c.role, c.lo, c.hi) == ("item", 1, 7)  # answers outside the stated scale: the answers win
    assert infer_column("Delay", pd.Series(range(0, 300, 7))).role == "number"
    assert infer_column("Type", pd.Series(["a", "b", "a"])).role == "category"


def test_few_distinct_remarks_are_open_text_not_a_breakdown():
    """A breakdown publishes its group names, so a text column that asks for remarks, or whose answers hold an
    e-mail address or a phone number, is open text (scrubbed) even when few answers differ."""
    remarks = pd.Series(["Prima", "Traag", "Prima", "Traag"] * 5)
    assert infer_column("Opmerkingen", remarks).role == "open"
    assert infer_column("Any comments?", remarks).role == "open"
    assert infer_column("Type", remarks).role == "category"
    for personal in ("Mail me: jan.devries@example.nl", "Bel 06-12345678", "bel +31 20 123 4567"):
        assert infer_column("Klantgroep", pd.Series(["Prima", "Traag", personal] * 5)).role == "open", personal
    assert infer_column("Kanaal", pd.Series(["Telefoon", "Loket", "E-mail"] * 5)).role == "category"


def _run(*args: str, cwd) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "meethuis.cli.main", *args], cwd=cwd, capture_output=True,
                          text=True, timeout=900)


@pytest.mark.slow
@pytest.mark.parametrize("shape", ["city", "airline"])
def test_init_validate_report_on_foreign_survey(tmp_path, shape):
    frame = _city() if shape == "city" else _airline()
    frame.to_csv(tmp_path / "survey.csv", index=False)
    outcome = "Happy" if shape == "city" else "Overall satisfaction"
    args = ["init", "--data", str(tmp_path / "survey.csv"), "--out", str(tmp_path / "org.yml"), "--outcome", outcome,
            "--name", f"Foreign {shape}"]
    if shape == "city":
        args += ["--period", "2024", "--lang", "en"]
    r = _run(*args, cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    config = load_config(tmp_path / "org.yml")
    oid = item_id(outcome)
    assert config.outcomes() == [oid]
    assert config.codebook.label(oid, "nl") == outcome  # the header is the label, never a core label
    if shape == "city":
        assert config.codebook.items[oid].scale.kind == "binary" and config.respondent_id is None
        assert config.period.value == "2024" and config.lang == "en"
    else:
        assert config.respondent_id == "id" and config.codebook.items["cleanliness_1_7"].scale.max == 7
        assert config.columns["inflight_wifi_service"].recode == {0: "nvt"}

    r = _run("validate", "--config", str(tmp_path / "org.yml"), cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert "not comparable" in r.stdout or "niet vergelijkbaar" in r.stdout
    plan = {p.chapter: p for p in chapter_plan(config, load_survey(config).responses, chapters_available())}
    assert plan["05_drijfveren"].runs and not plan["08_benchmark"].runs and not plan["07_trends"].runs
    assert not plan["10_feedback"].runs  # no open answers
    # delay minutes in the survey file are a process measure (chapter 09), age a binned breakdown
    assert plan["09_procesdata"].runs == (shape == "airline")
    if shape == "airline":
        m = config.process_measures["departure_delay_in_minutes"]
        assert (m.source, m.unit) == ("survey", {"nl": "minuten", "en": "minutes"})
    else:
        assert config.segments["age"].bins and not config.process_measures

    r = _run("report", "--config", str(tmp_path / "org.yml"), "--out", str(tmp_path / "report"), "--quiet",
             cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    page = (tmp_path / "report" / "report.html").read_text(encoding="utf-8")
    # no empty section: every h2 is followed by content before the next heading
    for m in re.finditer(r"<h2[^>]*>.*?</h2>\s*(<h[12][ >]|</section>)", page, re.S):
        pytest.fail(f"empty section: {m.group(0)[:120]}")
    assert "average grade" not in page.lower() or shape == "airline"
    if shape == "city":
        assert 'lang="en"' in page  # the config's lang is used by report

    if shape == "airline":
        per_delay = pd.read_csv(tmp_path / "report" / "tables" / f"{oid}_per_departure_delay_in_minutes.csv")
        assert per_delay["n"].sum() == len(frame)  # every passenger in one delay group
    table = pd.read_csv(tmp_path / "report" / "tables" / f"drijfveren_{oid}.csv")
    survey = load_survey(config)
    expected = lmg_bruteforce(survey.responses, oid, list(table["driver"]))
    assert set(table["driver"]) == set(config.drivers())
    for d, imp in zip(table["driver"], table["importance"]):
        assert imp == pytest.approx(expected[d], abs=1e-8)


def test_infer_column_sets_missing_codes_aside():
    c = infer_column("V01_cijfer", pd.Series(["7", "99", "10", "1", "98", "97", "5"]))
    assert (c.role, c.lo, c.hi) == ("item", 1, 10) and c.missing == {97: "nvt", 98: "weet_niet", 99: "missing"}
    c = infer_column("Q3", pd.Series([1, 2, 3, 4, 5, -1, 0]))  # -1 = no answer, 0 = n.v.t. beside 1-5
    assert (c.role, c.lo, c.hi, c.zero_is_nvt, c.missing) == ("item", 1, 5, True, {-1: "missing"})
    c = infer_column("Q4", pd.Series(["1", "2", "weet niet", "5", "Geen mening", "onbekend", "3", "4"]))
    assert (c.role, c.lo, c.hi) == ("item", 1, 5)
    assert c.missing == {"weet niet": "weet_niet", "geen mening": "weet_niet", "onbekend": "missing"}
    c = infer_column("Delay", pd.Series([0, 12, 45, 180, 999, 7, 9999]))  # far above every delay: codes
    assert c.role == "number" and c.missing == {999: "missing", 9999: "missing"}
    c = infer_column("Age", pd.Series([18, 45, 99, 97, 60, 88]))  # ages, not codes: nothing set aside
    assert c.role == "number" and c.missing == {}
    assert infer_column("Happy", pd.Series([0, 1, 99, 1]), outcome=True).role == "binary"
    c = infer_column("KANAAL", pd.Series([1, 3, 4, 2, 6]))  # numeric codes of a breakdown, not a scale
    assert c.role == "category" and c.values == ("1", "2", "3", "4", "6")
    assert infer_column("Gate location", pd.Series([1, 3, 4, 2, 5])).role == "item"
    c = infer_column("CONTACTDATUM", pd.Series(["12-12-2025", "23-11-2025", "01-07-2026"]))
    assert (c.role, c.values) == ("date", ("%d-%m-%Y",))


def _coded(n: int = 400, seed: int = 3) -> pd.DataFrame:
    """A Dutch export with 97/98/99 in the answers, a real age of 99 and text codes in a 1-7 item."""
    rng = np.random.default_rng(seed)
    grade = rng.integers(1, 11, n).astype(object)
    grade[rng.random(n) < 0.08] = 99
    q1 = rng.integers(1, 6, n).astype(object)
    q1[rng.random(n) < 0.05] = 97
    q1[rng.random(n) < 0.05] = 98
    q2 = rng.integers(1, 8, n).astype(object)
    q2[rng.random(n) < 0.05] = "weet niet"
    age = rng.integers(18, 100, n)
    age[:3] = 99
    return pd.DataFrame({"Rapportcijfer": grade, "Vraag 1": q1, "Vraag 2 (1-7)": q2, "Leeftijd": age})


def test_missing_codes_file_wide_or_per_column(tmp_path):
    frame = _coded()
    frame.to_csv(tmp_path / "coded.csv", index=False, sep=";")
    text = init_config(tmp_path / "coded.csv", tmp_path / "coded.yml")
    # 99 is a real age here, so the codes go per answer column, never file-wide
    assert "missing_values" not in text and "recode: {99: missing}" in text
    config = load_config(tmp_path / "coded.yml")
    assert config.outcomes() == ["rapportcijfer"]  # found by its header, no --outcome needed
    survey = load_survey(config)
    r, why = survey.responses, survey.missing_reasons
    grade = pd.to_numeric(frame["Rapportcijfer"])
    assert r["rapportcijfer"].notna().sum() == (grade <= 10).sum()
    assert (why["vraag_1"] == "nvt").sum() == (frame["Vraag 1"] == 97).sum()
    assert (why["vraag_1"] == "weet_niet").sum() == (frame["Vraag 1"] == 98).sum()
    assert (why["vraag_2_1_7"] == "weet_niet").sum() == (frame["Vraag 2 (1-7)"] == "weet niet").sum()
    assert config.codebook.items["vraag_2_1_7"].scale.max == 7
    assert r["leeftijd"].notna().sum() == len(frame)  # age 99 is kept in its bin
    # without the real 99 the same codes become one file-wide list
    frame["Leeftijd"] = frame["Leeftijd"].clip(upper=90)
    frame.to_csv(tmp_path / "coded.csv", index=False, sep=";")
    text = init_config(tmp_path / "coded.csv", tmp_path / "coded.yml")
    assert "missing_values: {97: nvt, 98: weet_niet, 99: missing}" in text
    survey = load_survey(load_config(tmp_path / "coded.yml"))
    assert survey.responses["rapportcijfer"].notna().sum() == (grade <= 10).sum()


@pytest.mark.parametrize("shape", ["city", "airline"])
def test_first_screen_has_a_tile_for_an_own_outcome(tmp_path, shape):
    from meethuis.common import narrative as nv
    from meethuis.report.chapters import samenvatting
    from meethuis.report.chapters.common import open_chapter

    frame = _city() if shape == "city" else _airline()
    frame.to_csv(tmp_path / "survey.csv", index=False)
    outcome = "Happy" if shape == "city" else "Overall satisfaction"
    init_config(tmp_path / "survey.csv", tmp_path / "org.yml", outcomes=[outcome], period="2024")
    ch = open_chapter(str(tmp_path / "org.yml"), "", "nl", 10)
    tiles = samenvatting.tile_data(ch)
    assert len(tiles) == 1
    tile = tiles[0]
    y = frame[outcome].astype(float)  # unweighted: the fixtures have no margins
    if shape == "city":
        assert tile["kpi"] == "happy_share" and tile["label"] == "Happy: % ja" and tile["kind"] == "share"
        assert tile["value"] == nv.format_value(y.mean(), "share", "nl")  # the share of 1, not a mean grade
    else:
        assert tile["kpi"] == "overall_satisfaction_mean" and tile["kind"] == "mean"
        assert tile["label"] == f"Overall satisfaction (1{nv.DASH}10)"  # the own scale is named
        assert tile["value"] == nv.format_value(y.mean(), "mean", "nl")
    html = samenvatting.first_screen_html(ch, None, "Geen knoppen.")
    assert tile["value"] in html and "alle perioden" not in html


def test_tile_names_the_own_scale_once():
    from types import SimpleNamespace

    from meethuis.report.chapters import samenvatting

    def codebook(label: str, lo: int, hi: int):
        item = SimpleNamespace(scale=SimpleNamespace(kind="scale", min=lo, max=hi))
        return SimpleNamespace(items={"x": item}, label=lambda i, lang: label)

    assert samenvatting.tile_label("x_mean", codebook("Comfort", 1, 7)) == "Comfort (1–7)"
    assert samenvatting.tile_label("x_mean", codebook("Hoe tevreden (0-10)?", 0, 10)) == "Hoe tevreden (0-10)?"
    assert samenvatting.tile_label("x_mean", codebook("Hoe tevreden (1-10)?", 0, 10)) == "Hoe tevreden (1-10)? (0–10)"

"""The reader route (book/leren/lezer-route.md): questions on the rendered report, checked in the page.

Each question carries its answer in ``data-antwoord`` (read by book/_assets/oefenen.js) and shows it in a
hidden ``Antwoord vraag Ln`` dropdown. Every answer is recomputed here from the raw Molensloot files
(survey, case file, contact log, maturity scan) by hand: pandas, a hand raking, brute-force Shapley.
"""
from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd
import yaml
from scipy import stats

from meethuis.report.runner import CHAPTERS
from test_exercises import AGE_MARGIN, CHANNELS, DRIVER_COLUMNS, RAW, expected, shapley_by_enumeration
from test_reading_guides import latest, raking_weights, MARGINS

ROOT = Path(__file__).resolve().parents[1]
PAGE = ROOT / "book" / "leren" / "lezer-route.md"
JS = ROOT / "book" / "_assets" / "oefenen.js"
PERIOD = "2026Q3"
QUESTION = re.compile(r"^## Vraag (L\d+) — [^\n]+\n(.*?)(?=^## Vraag |\Z)", re.M | re.S)


def questions() -> dict[str, str]:
    return dict(QUESTION.findall(PAGE.read_text(encoding="utf-8")))


def _wmean(values: pd.Series, weights: pd.Series) -> float:
    ok = values.notna()
    return float(np.average(values[ok], weights=weights[ok]))


def reference() -> dict[str, str]:
    """The answer of every question, from the raw files, in the form the page expects."""
    r = latest()
    q = r[r["periode"] == PERIOD]
    n_resp, n_grade = expected(1)
    known = q.dropna(subset=["leeftijdsgroep"])
    ratio = known["leeftijdsgroep"].value_counts(normalize=True) / pd.Series(AGE_MARGIN)
    qw = q.dropna(subset=list(MARGINS))
    w = raking_weights(qw)
    grade, rec = qw["tevredenheid"], qw["aanbeveling"]
    mean = _wmean(grade, w)
    ok = grade.notna()
    n_eff = w[ok].sum() ** 2 / (w[ok] ** 2).sum()
    sd = np.sqrt(np.average((grade[ok] - mean) ** 2, weights=w[ok]))
    half = stats.t.ppf(0.975, n_eff - 1) * sd / np.sqrt(n_eff)  # Kish approximation of the weighted interval
    shown = (round(mean - half, 1), round(mean + half, 1))
    status = "onbeslist" if shown[0] <= 7.0 <= shown[1] else ("gehaald" if mean > 7 else "niet gehaald")
    nps = 100 * (_wmean((rec >= 9).astype(float).where(rec.notna()), w)
                 - _wmean((rec <= 6).astype(float).where(rec.notna()), w))
    items = list(DRIVER_COLUMNS)[:5]
    x = q[items].dropna()
    alpha = 5 / 4 * (1 - x.var(ddof=1).sum() / x.sum(axis=1).var(ddof=1))
    drivers11 = [*DRIVER_COLUMNS, "ms_terugbellen"]
    complete = q[["tevredenheid", *drivers11]].dropna()
    shares = shapley_by_enumeration(complete, "tevredenheid", drivers11)
    top = sorted(shares, key=shares.get, reverse=True)
    first = r[r["periode"] == "2024Q4"].dropna(subset=list(MARGINS))
    rise = mean - _wmean(first["tevredenheid"], raking_weights(first))
    survey = pd.read_csv(RAW, sep=";", encoding="utf-8-sig", dtype=str, keep_default_na=False)
    cases = pd.read_csv(RAW.parent / "molensloot_zaken.csv", sep=";", dtype=str)
    linked = int(survey.loc[survey["Kwartaal"] == PERIOD, "Zaaknummer"].isin(cases["Zaaknummer"]).sum())
    log = pd.read_csv(RAW.parent / "molensloot_contacten.csv", sep=";", dtype=str)
    waste = log[(log["Richting"] == "Inkomend") & (log["Product"] == "afval")]["Kanaal"].map(CHANNELS)
    scan = yaml.safe_load((RAW.parent / "volwassenheid" / "molensloot_volwassenheid.yml").read_text("utf-8"))
    low = 100 * _wmean((grade < 6).astype(float).where(grade.notna()), w)
    return {
        "L1": str(n_resp), "L2": str(n_grade), "L3": str(ratio.idxmin()), "L4": f"{round(mean, 1)}",
        "L5": status, "L6": f"{round(nps):d}", "L7": f"{round(alpha, 2)}", "L8": str(len(complete)),
        "L9": top[0].replace("_", " "),
        "L10": "meer dan 0,6 punt" if rise > 0.6 else ("0,3 tot 0,6 punt" if rise >= 0.3 else "minder dan 0,3 punt"),
        "L11": str(int(grade.notna().sum())), "L12": str(linked), "L13": waste.value_counts().idxmax(),
        "L14": max(scan["scores"], key=scan["scores"].get).capitalize(),
        "L15": ", ".join(t.replace("_", " ") for t in top[:3]), "L16": f"{round(low):d}",
    }


def test_route_has_sixteen_questions_covering_every_report_chapter():
    found = questions()
    assert list(found) == [f"L{i}" for i in range(1, len(found) + 1)] and len(found) >= 14
    linked = {m for body in found.values() for m in re.findall(r"\(\.\./\.\./notebooks/(\w+)\.ipynb\)", body)}
    assert set(CHAPTERS) <= linked, f"chapters without a reader question: {sorted(set(CHAPTERS) - linked)}"


def test_every_answer_in_the_page_matches_the_raw_data():
    want = reference()
    for qid, body in questions().items():
        form = re.search(r'<form class="mh-vraag" data-antwoord="([^"]+)"( data-marge="([^"]+)")?>', body)
        assert form, f"{qid}: no answer form"
        assert body.count("<form") == 1 and f":::{{dropdown}} Antwoord vraag {qid}\n" in body
        given = form.group(1)
        if form.group(3) is not None:
            assert abs(float(given) - float(want[qid])) <= float(form.group(3)) + 1e-9, (qid, given, want[qid])
            shown = given.replace(".", ",").replace("-", "−")
            assert f"**{shown}" in body.split("Antwoord vraag")[1], f"{qid}: the solution states {shown}"
        else:
            assert given == want[qid], (qid, given, want[qid])
            assert f'value="{given}"' in body, f"{qid}: the answer is one of the options"
            assert given.lower() in body.split("Antwoord vraag")[1].lower(), f"{qid}: the solution states it"


def test_every_control_has_a_label_and_results_are_announced():
    for qid, body in questions().items():
        for input_id in re.findall(r'<input id="([^"]+)"', body):
            assert f'<label for="{input_id}">' in body, f"{qid}: {input_id} has no label"
        for radio_id in re.findall(r'type="radio" name="[^"]+" id="([^"]+)"', body):
            assert f'<label for="{radio_id}">' in body, f"{qid}: {radio_id} has no label"
        if 'type="radio"' in body:
            assert "<legend>" in body
        assert 'role="status"' in body and "<button type=\"submit\">" in body


def test_checker_is_self_contained():
    js = JS.read_text(encoding="utf-8")
    for forbidden in ("http", "fetch(", "XMLHttpRequest", "localStorage", "cookie", "import "):
        assert forbidden not in js
    config = yaml.safe_load((ROOT / "_config.yml").read_text(encoding="utf-8"))
    assert "oefenen.js" in config["sphinx"]["config"]["html_js_files"]

"""Reading guides of Deel II (book/deel2/lezen-*.md): one per report chapter, complete, and with true numbers.

Every number a guide quotes about Molensloot is recomputed here from the raw survey file
(``molensloot_enquete.csv``, decoded by hand in ``tests/test_exercises.py``), with a hand-written raking
for the weighted figures and brute-force Shapley shares, without meethuis' intake, KPI, weighting or
driver code. The guide must contain the value as the reader sees it (Dutch decimal comma).
"""
from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from meethuis.report.runner import CHAPTERS
from test_exercises import DRIVER_COLUMNS, RAW, _agree, expected, raw, shapley_by_enumeration

ROOT = Path(__file__).resolve().parents[1]
GUIDES = ROOT / "book" / "deel2"
PERIOD = "2026Q3"
MARGINS = {  # molensloot.yml weighting
    "leeftijdsgroep": {"18-34": 0.27, "35-49": 0.24, "50-64": 0.26, "65+": 0.23},
    "digitaal": {"laag": 0.25, "midden": 0.40, "hoog": 0.35},
}
HEADINGS = ("## Wat dit hoofdstuk beantwoordt", "## Zo leest u de figuren en tabellen", "## Drie misverstanden",
            "## Wanneer vertrouwt u de uitkomst niet?", "## Wat doet u daarna?")


def guide(chapter: str) -> Path:
    return GUIDES / f"lezen-{chapter.split('_', 1)[1]}.md"


def nl(x: float, digits: int) -> str:
    return f"{x:.{digits}f}".replace(".", ",").replace("-", "−")


@lru_cache(maxsize=1)
def latest() -> pd.DataFrame:
    d = pd.read_csv(RAW, sep=";", encoding="utf-8-sig", dtype=str, keep_default_na=False)
    r = raw().copy()
    r["digitaal"] = d["Digitaal vaardig"].str.lower().replace("", np.nan)
    r["ms_terugbellen"] = _agree(d["Teruggebeld"])
    r["toelichting"] = d["Toelichting"].str.strip() != ""
    return r


def raking_weights(frame: pd.DataFrame) -> pd.Series:
    """Iterative proportional fitting on the two margins (textbook raking), mean weight 1."""
    w = pd.Series(1.0, index=frame.index)
    for _ in range(200):
        for var, target in MARGINS.items():
            share = w.groupby(frame[var]).sum() / w.sum()
            w = w * frame[var].map(pd.Series(target) / share)
    return w / w.mean()


def weighted_q3() -> tuple[pd.DataFrame, pd.Series]:
    q = latest()[latest()["periode"] == PERIOD].dropna(subset=list(MARGINS))
    return q, raking_weights(q)


# -- structure ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("chapter", CHAPTERS)
def test_every_chapter_has_a_complete_reading_guide_right_before_it_in_the_book(chapter):
    page = guide(chapter)
    assert page.is_file(), f"{chapter} has no reading guide {page.relative_to(ROOT)}"
    text = page.read_text(encoding="utf-8")
    positions = [text.find(h) for h in HEADINGS]
    assert -1 not in positions and positions == sorted(positions), f"{page.name}: sections missing or out of order"
    wrong = text.split("## Drie misverstanden", 1)[1].split("\n## ", 1)[0]
    assert re.findall(r"^(\d)\. ", wrong, re.M) == ["1", "2", "3"], f"{page.name}: three misreadings"
    assert f"](../../notebooks/{chapter}.ipynb)" in text and "](../deel3/zes-stappen.md)" in text
    assert re.search(r"\*\*stap [1-6]", text), f"{page.name}: names the next step of the six-step approach"
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text(encoding="utf-8"))
    deel2 = next(p for p in toc["parts"] if p["caption"].startswith("Deel II"))
    files = [s["file"] for s in deel2["chapters"][0]["sections"]]
    assert files.index(f"notebooks/{chapter}") == files.index(f"book/deel2/{page.stem}") + 1


def test_guides_are_plain_dutch_without_code_or_english_headings():
    for page in GUIDES.glob("lezen-*.md"):
        text = page.read_text(encoding="utf-8")
        assert "```" not in text, f"{page.name}: a reading guide has no code"
        sentences = [s for s in re.split(r"[.!?]\s", re.sub(r"\s+", " ", text)) if s.strip()]
        long = [s for s in sentences if len(s.split()) > 35]
        assert not long, f"{page.name}: sentences over 35 words (B1): {long[:1]}"


# -- the numbers quoted, recomputed from the raw file ----------------------------------------------------
def quoted() -> dict[str, list[str]]:
    r = latest()
    q = r[r["periode"] == PERIOD]
    grade = q["tevredenheid"].dropna()
    n_resp, n_grade = expected(1)
    means = r.groupby("periode")["tevredenheid"].mean()
    qw, w = weighted_q3()
    valid = qw["tevredenheid"].notna()
    wmean = float(np.average(qw.loc[valid, "tevredenheid"], weights=w[valid]))
    n_eff = float(w[valid].sum() ** 2 / (w[valid] ** 2).sum())
    agree_top2 = lambda s: (s.dropna() >= 4).mean()  # noqa: E731
    drivers11 = [*DRIVER_COLUMNS, "ms_terugbellen"]
    complete11 = q[["tevredenheid", *drivers11]].dropna()
    shares = shapley_by_enumeration(complete11, "tevredenheid", drivers11)
    total = sum(shares.values())
    top = sorted(shares, key=shares.get, reverse=True)
    assert top[:3] == ["serieus_genomen", "empathie", "meedenken"]
    n_all, r2_all = expected(10)
    top_all, _ = expected(11)
    assert top_all == ["empathie", "serieus_genomen", "meedenken"]
    mm = list(DRIVER_COLUMNS)[:5]
    x = r[mm].dropna()
    alpha = 5 / 4 * (1 - x.var(ddof=1).sum() / x.sum(axis=1).var(ddof=1))
    web, (rep_before, rep_after), (with_r, without, _) = expected(14), *[expected(k) for k in (15, 16)]
    return {
        "samenvatting": [f"{n_grade} geldige cijfers", nl(wmean, 2), nl(grade.mean(), 2), nl(means["2025Q3"], 2)],
        "intake": [f"vulden {n_resp} mensen", f"{n_grade} van hen",
                   {8: "acht kwartalen"}.get(r["periode"].nunique(), "?")],
        "representativiteit": [
            nl(100 * (q["leeftijdsgroep"] == "65+").mean(), 1) + " procent",
            nl(100 * (q["digitaal"] == "laag").mean(), 1) + " procent",
            f"ongeveer {round(n_eff, -1):.0f} ongewogen", f"van {nl(grade.mean(), 2)}\n  naar {nl(wmean, 2)}"],
        "kpis": [nl(wmean, 1) + " (marge", nl(grade.mean(), 2), nl(100 * (grade >= 6).mean(), 1) + " procent",
                 nl(round(100 * ((q["aanbeveling"].dropna() >= 9).mean() - (q["aanbeveling"].dropna() <= 6).mean())),
                    0), nl(100 * agree_top2(q["menselijkheid"]), 1) + " procent",
                 f"(n = {q['menselijkheid'].notna().sum()})",
                 f"Met {(q['kanaal'] == 'chat').sum()} chatgesprekken"],
        "meetkwaliteit": [nl(alpha, 3), f"({len(x)} volledige"],
        "drijfveren": [f"maar {len(complete11)} van de {n_resp}", f"({n_all} volledige antwoorden",
                       f"(R² = {nl(r2_all, 3)})", nl(100 * r2_all, 1) + " procent",
                       f"(ongeveer {100 * shares['serieus_genomen'] / total:.0f} procent"],
        "prioriteiten": [nl(100 * agree_top2(q["empathie"]), 1) + " procent"],
        "trends": [nl(means["2024Q4"], 2) + " in 2024Q4", nl(means[PERIOD], 2) + " in 2026Q3",
                   f"ongewogen {nl(means['2026Q2'], 2)}", f"(2025Q3: {nl(means['2025Q3'], 2)})"],
        "benchmark": [f"({nl(wmean, 2)} gewogen"],
        "feedback": [f"In 2026Q3 gaven {int(q['toelichting'].sum())}", f"({int(r['toelichting'].sum())} over",
                     nl(100 * (grade < 6).mean(), 1) + " procent"],
        "klantreis": [nl(100 * web, 1) + " procent", f"{100 * rep_before:.0f} procent binnen zeven dagen",
                      f"daarna {100 * rep_after:.0f} procent", nl(100 * with_r, 1) + " procent",
                      nl(100 * without, 1) + " procent"],
    }


def test_every_molensloot_number_in_the_guides_matches_the_raw_data():
    for topic, needles in quoted().items():
        text = (GUIDES / f"lezen-{topic}.md").read_text(encoding="utf-8")
        for needle in needles:
            assert needle in text, f"lezen-{topic}.md should say {needle!r} (recomputed from the raw file)"


def test_shapley_shares_quoted_for_the_report_agree_with_brute_force_within_rounding():
    """The report weights; brute-force unweighted shares on the same 115 complete answers agree to 1.5 points."""
    text = (GUIDES / "lezen-drijfveren.md").read_text(encoding="utf-8")
    q = latest()[latest()["periode"] == PERIOD]
    drivers11 = [*DRIVER_COLUMNS, "ms_terugbellen"]
    shares = shapley_by_enumeration(q[["tevredenheid", *drivers11]].dropna(), "tevredenheid", drivers11)
    total = sum(shares.values())
    for driver, said in (("serieus_genomen", 19), ("empathie", 15), ("meedenken", 13)):
        assert f"ongeveer {said}" in text
        assert abs(100 * shares[driver] / total - said) <= 1.5, driver

"""The training track's solutions (book/leren/oefeningen-*.md) run and give the right answers.

Each page's preparation cell and each hidden solution (``:::{dropdown} Uitwerking oefening N`` with a
``python`` block) is extracted from the Markdown and executed; the variable ``antwoord`` is compared
with a value computed here independently: straight from the raw survey file (``molensloot_enquete.csv``,
decoded by hand with the text labels of the config), with scipy / statsmodels and closed forms, without
meethuis' intake, KPI, weighting or driver code. Each solution also states its answer in the page
(``**Antwoord:** `<Python literal>```), and that stated answer must equal the same reference.
"""
from __future__ import annotations

import ast
import itertools
import math
import re
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
import yaml
from scipy import stats

ROOT = Path(__file__).resolve().parents[1]
PAGES = ROOT / "book" / "leren"
RAW = ROOT / "data" / "sample" / "molensloot_enquete.csv"
PERIOD = "2026Q3"
AGREE = {"helemaal mee oneens": 1, "mee oneens": 2, "neutraal": 3, "mee eens": 4, "helemaal mee eens": 5}
CHANNELS = {"Telefonisch": "telefoon", "Aan de balie": "balie", "Via de website": "website",
            "Per e-mail": "e-mail", "Chat": "chat", "Per post": "post"}
AGES = {"18-34 jaar": "18-34", "35-49 jaar": "35-49", "50-64 jaar": "50-64", "65+ jaar": "65+"}
AGE_MARGIN = {"18-34": 0.27, "35-49": 0.24, "50-64": 0.26, "65+": 0.23}  # molensloot.yml weighting
DRIVER_COLUMNS = {  # the ten core drivers, in codebook order, and their column in the raw file
    "empathie": "Stelling empathie", "meedenken": "Stelling meedenken", "serieus_genomen": "Stelling serieus genomen",
    "luisteren": "Stelling luisteren", "vriendelijkheid": "Stelling vriendelijkheid",
    "snelheid": "Stelling snelheid", "juiste_informatie": "Stelling juiste informatie",
    "duidelijkheid": "Stelling duidelijkheid", "bereikbaarheid": "Stelling bereikbaarheid",
    "deskundigheid": "Stelling deskundigheid",
}
SOLUTION = re.compile(r":::\{dropdown\} Uitwerking oefening (\d+)\n```python\n(.*?)```", re.S)
SETUP = re.compile(r"## Voorbereiding.*?```python\n(.*?)```", re.S)
STATED = re.compile(r"^:::\{dropdown\} Uitwerking oefening (\d+)\n(.*?)^:::$", re.M | re.S)
ANSWER_LINE = re.compile(r"^\*\*Antwoord:\*\* `([^`]+)`$", re.M)


# -- extraction and execution -----------------------------------------------------------------------
def solutions() -> list[tuple[Path, int, str, str]]:
    """(page, exercise number, preparation code, solution code) for every exercise of the track."""
    out = []
    for page in sorted(PAGES.glob("oefeningen-*.md")):
        text = page.read_text(encoding="utf-8")
        setup = SETUP.search(text)
        assert setup, f"{page.name}: no preparation cell ('## Voorbereiding' with a python block)"
        out += [(page, int(m.group(1)), setup.group(1), m.group(2)) for m in SOLUTION.finditer(text)]
    return out


@lru_cache(maxsize=None)
def _prepared(page: Path, setup: str) -> dict:
    ns: dict = {}
    exec(compile(setup, f"{page.name}:voorbereiding", "exec"), ns)
    return ns


def run_solution(page: Path, number: int, setup: str, code: str, monkeypatch) -> object:
    monkeypatch.chdir(ROOT)  # the pages tell the reader to work from the repository root
    ns = dict(_prepared(page, setup))
    exec(compile(code, f"{page.name}:oefening {number}", "exec"), ns)
    assert "antwoord" in ns, f"{page.name} exercise {number}: the solution sets no 'antwoord'"
    return ns["antwoord"]


# -- independent reference from the raw file ----------------------------------------------------------
def _agree(series: pd.Series) -> pd.Series:
    return series.str.strip().str.lower().map(AGREE)  # n.v.t., weet niet, empty -> NaN


def _number(series: pd.Series, lo: int, hi: int) -> pd.Series:
    x = pd.to_numeric(series, errors="coerce")
    return x.where((x >= lo) & (x <= hi))


@lru_cache(maxsize=1)
def raw() -> pd.DataFrame:
    d = pd.read_csv(RAW, sep=";", encoding="utf-8-sig", dtype=str, keep_default_na=False)
    out = pd.DataFrame({
        "periode": d["Kwartaal"],
        "kanaal": d["Kanaal"].map(CHANNELS),
        "leeftijdsgroep": d["Leeftijd"].map(AGES),
        "tevredenheid": _number(d["Rapportcijfer"], 1, 10),
        "aanbeveling": _number(d["Aanbevelen"], 0, 10),
        "menselijkheid": _agree(d["Behandeld als mens"]),
        "menselijkheid_raw": d["Behandeld als mens"].str.strip().str.lower(),
    })
    for item, column in DRIVER_COLUMNS.items():
        out[item] = _agree(d[column])
    return out


def _r2(corr: np.ndarray, subset: tuple[int, ...]) -> float:
    """R² of the outcome (index 0) on the drivers in ``subset`` from a correlation matrix."""
    if not subset:
        return 0.0
    idx = [i + 1 for i in subset]
    r_xy = corr[idx, 0]
    return float(r_xy @ np.linalg.solve(corr[np.ix_(idx, idx)], r_xy))


def shapley_by_enumeration(frame: pd.DataFrame, outcome: str, drivers: list[str]) -> dict[str, float]:
    """LMG / Shapley shares of R² by brute force over all orders' subsets (textbook definition)."""
    data = frame[[outcome, *drivers]].dropna().to_numpy(float)
    corr = np.corrcoef(data, rowvar=False)
    p = len(drivers)
    r2 = {s: _r2(corr, s) for k in range(p + 1) for s in itertools.combinations(range(p), k)}
    out = {}
    for j, name in enumerate(drivers):
        total = 0.0
        others = [i for i in range(p) if i != j]
        for k in range(p):
            weight = math.factorial(k) * math.factorial(p - k - 1) / math.factorial(p)
            for s in itertools.combinations(others, k):
                total += weight * (r2[tuple(sorted(s + (j,)))] - r2[s])
        out[name] = total
    return out


def questionnaire_reference(number: int):
    """Exercises 12-13 from the YAML files and a hand decoding of the simulated export (not meethuis' intake)."""
    import yaml

    cb = yaml.safe_load((ROOT / "src" / "meethuis" / "intake" / "codebook.yml").read_text(encoding="utf-8"))
    cfg = yaml.safe_load((ROOT / "data" / "sample" / "molensloot.yml").read_text(encoding="utf-8"))
    if number == 12:
        blocks = [i for b in cfg.get("building_blocks", []) for i in cb["building_blocks"][b]["items"]]
        items = [i for i in cb["items"] if i["core"] or i["id"] in blocks] + cfg.get("extra_items", [])
        scales = {i["id"]: cb["scales"][i.get("scale", "agree5")]["kind"] for i in items}
        scales.update({i["id"]: cb["scales"][i["scale"]]["kind"] for i in cb["items"] if i["id"] in scales})
        singles = [i for i, kind in scales.items() if kind in ("grade", "nps")]
        # statements on the block's 1-5 scale form a grid; the single effort item (gemak) is a list question
        grid = [i for i, kind in scales.items() if kind == "likert" and i != "gemak"]
        context = [f["id"] for f in cb["context"] if f.get("question") and not f.get("prefilled")
                   and (f["core"] or f["id"] in cfg["data"]["columns"])]
        lists = len(singles) + 1 + len([c for c in context if c != "open_antwoord"])
        seconds = 20 + 8 * lists + 6 * len(grid) + 45 * ("open_antwoord" in context)
        return (len(singles) + 1 + len(grid) + len(context), math.ceil(seconds / 60))
    from meethuis.intake.vragenlijst import build_questionnaire, simulate_export
    from meethuis.intake.config import load_config

    export = simulate_export(build_questionnaire(load_config(ROOT / "data" / "sample" / "molensloot.yml")),
                             "limesurvey", 200, seed=1)
    codes = export["menselijkeMaat[serieusGenomen]"].astype(str)
    return (int(codes.isin(["1", "2", "3", "4", "5"]).sum()), int((codes == "wn").sum()))


def journey_reference(number: int):
    """Exercises 14-16 straight from the raw contact log and appointments file of Molensloot (pandas only)."""
    folder = RAW.parent
    if number == 14:
        c = pd.read_csv(folder / "molensloot_contacten.csv", sep=";", dtype=str)
        inbound = c[c["Richting"] == "Inkomend"]
        return round(float((inbound["Kanaal"] == "Via de website").mean()), 3)
    if number == 15:
        c = pd.read_csv(folder / "molensloot_contacten.csv", sep=";", dtype=str)
        c["t"] = pd.to_datetime(c["Datum en tijd"], format="%d-%m-%Y %H:%M")
        end, week = c["t"].max(), pd.Timedelta(days=7)
        first_any = c.groupby("Zaaknummer")["t"].min()
        quarter = first_any.dt.year.astype(str) + "Q" + first_any.dt.quarter.astype(str)
        rows = {}
        for key, g in c[c["Richting"] == "Inkomend"].sort_values("t").groupby("Zaaknummer"):
            times = list(g["t"])
            quick = len(times) > 1 and times[1] - times[0] <= week
            if quick or times[0] + week <= end:
                rows[key] = float(quick)
        repeat = pd.Series(rows)
        q = quarter.reindex(repeat.index)
        return (round(float(repeat[q < "2025Q3"].mean()), 3), round(float(repeat[q >= "2025Q3"].mean()), 3))
    a = pd.read_csv(folder / "molensloot_afspraken.csv", sep=";", dtype=str)
    old = a[a["Resultaat"].isin(["Verschenen", "Niet verschenen"]) & (a["Leeftijd"] == "65+ jaar")]
    away = old["Resultaat"] == "Niet verschenen"
    reminded = old["Herinnering"] == "ja"
    with_r, without = away[reminded].mean(), away[~reminded].mean()
    odds = (with_r / (1 - with_r)) / (without / (1 - without))
    return (round(float(with_r), 3), round(float(without), 3), round(float(odds), 3))


def _shapley_fast(data: np.ndarray) -> np.ndarray:
    """Shapley shares of R² (outcome in column 0) by enumerating every subset once (textbook definition)."""
    corr = np.corrcoef(data, rowvar=False)
    p = data.shape[1] - 1
    r2 = {s: _r2(corr, s) for k in range(p + 1) for s in itertools.combinations(range(p), k)}
    out = np.zeros(p)
    for s, value in r2.items():
        for j in range(p):
            if j not in s:
                k = len(s)
                weight = math.factorial(k) * math.factorial(p - k - 1) / math.factorial(p)
                out[j] += weight * (r2[tuple(sorted(s + (j,)))] - value)
    return out


def quality_priority_reference(number: int):
    """Exercises 17-19 (alpha, priority matrix, bootstrap stability) from the raw file by hand."""
    r = raw()
    q = r[r["periode"] == PERIOD]
    drivers = list(DRIVER_COLUMNS)
    if number == 17:
        x = q[drivers[:5]].dropna()
        cov = x.cov().to_numpy()
        k = cov.shape[0]
        mean_var, mean_cov = np.trace(cov) / k, (cov.sum() - np.trace(cov)) / (k * (k - 1))
        return (len(x), round(float(k * mean_cov / (mean_var + (k - 1) * mean_cov)), 3))  # covariance form
    complete = q[["tevredenheid", *drivers]].dropna().to_numpy(float)
    shares = _shapley_fast(complete)
    if number == 18:
        share = pd.Series(shares / shares.sum(), index=drivers)
        performance = q[drivers].mean()  # every valid answer of the quarter, not only the listwise rows
        important = share >= share.median()
        good = performance >= performance.median()
        return sorted(share.index[important & ~good])
    # 19: the same resampling stream as the solution's seed (numpy's documented generator), each
    # replicate decomposed by brute force
    n = len(complete)
    draws = np.random.default_rng(1).integers(0, n, size=(200, n))
    in_top = np.zeros(len(drivers))
    for draw in draws:
        rep = _shapley_fast(complete[draw])
        in_top[np.argsort(-rep, kind="stable")[:3]] += 1
    order = np.argsort(-shares, kind="stable")[:3]
    return ([drivers[i] for i in order], [round(float(in_top[i] / len(draws)), 3) for i in order])


def trend_benchmark_reference(number: int):
    """Exercises 20-23 with scipy / statsmodels on the raw files (Lindewaard's Excel sheet decoded by hand)."""
    from statsmodels.stats.multitest import multipletests
    from statsmodels.stats.proportion import proportions_ztest

    r = raw()
    grade = {k: g["tevredenheid"].dropna() for k, g in r.groupby("periode")}
    if number == 20:
        test = stats.ttest_ind(grade["2026Q3"], grade["2026Q2"], equal_var=False)
        diff = grade["2026Q3"].mean() - grade["2026Q2"].mean()
        return (round(float(diff), 3), round(float(test.statistic), 3), round(float(test.pvalue), 3))
    if number == 21:
        x = {k: r.loc[r["periode"] == k, "menselijkheid"].dropna() for k in ("2025Q3", "2026Q3")}
        z, p = proportions_ztest([(x["2026Q3"] >= 4).sum(), (x["2025Q3"] >= 4).sum()],
                                 [len(x["2026Q3"]), len(x["2025Q3"])])
        return (round(float((x["2025Q3"] >= 4).mean()), 3), round(float((x["2026Q3"] >= 4).mean()), 3),
                round(float(z), 3), round(float(p), 3))
    if number == 22:
        quarters = sorted(grade)
        p = [stats.ttest_ind(grade[b], grade[a], equal_var=False).pvalue for a, b in zip(quarters, quarters[1:])]
        return (int(sum(x < 0.05 for x in p)), int(multipletests(p, alpha=0.05, method="fdr_bh")[0].sum()))
    other = pd.read_excel(RAW.parent / "lindewaard_enquete.xlsx", sheet_name="Enquête", dtype=str)
    other = pd.DataFrame({
        "kanaal": other["Contact via"].map({"telefoon": "telefoon", "gemeentehuis": "balie", "internet": "website",
                                            "mail": "e-mail", "chat": "chat", "brief": "post"}),
        "tevredenheid": _number(other["Cijfer"], 1, 10), "periode": other["Periode"]})
    other = other[other["periode"] == "2026 K3"].dropna()
    own = r[r["periode"] == PERIOD].dropna(subset=["tevredenheid", "kanaal"])
    mix = other["kanaal"].value_counts(normalize=True)
    standardised = sum(share * own.loc[own["kanaal"] == k, "tevredenheid"].mean() for k, share in mix.items())
    return (round(float(own["tevredenheid"].mean()), 3), round(float(standardised), 3),
            round(float(other["tevredenheid"].mean()), 3))


def _elfproef(digits: str) -> bool:
    return sum(int(d) * w for d, w in zip(digits, [9, 8, 7, 6, 5, 4, 3, 2, -1])) % 11 == 0


def _iban_ok(iban: str) -> bool:
    moved = iban[4:] + iban[:4]
    return int("".join(str(int(c, 36)) for c in moved)) % 97 == 1


def improvement_reference(number: int):
    """Exercises 24-28 from the raw survey, case file and maturity scan (pandas, regular expressions, raking)."""
    survey = pd.read_csv(RAW, sep=";", encoding="utf-8-sig", dtype=str, keep_default_na=False)
    if number in (24, 25):
        cases = pd.read_csv(RAW.parent / "molensloot_zaken.csv", sep=";", dtype=str)
        linked = pd.DataFrame({"Zaaknummer": survey["Zaaknummer"], "cijfer": raw()["tevredenheid"]}).merge(
            cases, on="Zaaknummer", how="inner", validate="many_to_one")
        if number == 24:
            mean = linked.groupby("Doorverwezen")["cijfer"].mean()
            return (len(linked), round(float(mean["ja"]), 3), round(float(mean["nee"]), 3))
        days = linked["Doorlooptijd (dagen)"].str.replace(",", ".").astype(float)
        group = np.select([days <= 7, days <= 14, days <= 28, days <= 56], [0, 1, 2, 3], default=4)
        return [round(float(linked.loc[group == g, "cijfer"].mean()), 2) for g in range(5)]
    if number == 26:
        text = survey["Toelichting"][survey["Toelichting"].str.strip() != ""]
        finders = {
            "BSN": lambda s: any(_elfproef(m) for m in re.findall(r"(?<!\d)\d{9}(?!\d)", s)),
            "IBAN": lambda s: any(_iban_ok(m) for m in re.findall(r"\b[A-Z]{2}\d{2}[A-Z]{4}\d{10}\b", s)),
            "TELEFOON": lambda s: re.search(r"(?<!\w)0\d[- ]?\d{8}(?!\d)", s) is not None,  # not inside an IBAN
            "E-MAIL": lambda s: re.search(r"[\w.+-]+@[\w-]+(\.[\w-]+)+", s) is not None,
            "ADRES": lambda s: re.search(r"\b\d{4} ?[A-Z]{2}\b", s) is not None,
        }
        return {kind: int(text.map(find).sum()) for kind, find in finders.items()}
    if number == 27:
        scan = yaml.safe_load((RAW.parent / "volwassenheid" / "molensloot_volwassenheid.yml").read_text("utf-8"))
        levels = scan["scores"]
        return (round(sum(levels.values()) / len(levels), 2),
                sorted(d for d, v in levels.items() if v == min(levels.values())))
    # 28: the goals of molensloot.yml against hand-raked 2026Q3 figures
    from test_reading_guides import MARGINS, latest, raking_weights

    q = latest()[latest()["periode"] == PERIOD]
    assert q[list(MARGINS)].notna().all().all()  # every respondent in a weighting cell, so no weight-1 rows
    w = raking_weights(q)

    def mean(x: pd.Series) -> float:
        return float(np.average(x[x.notna()], weights=w[x.notna()]))

    grade, nps = q["tevredenheid"], q["aanbeveling"]
    values = {"tevredenheid_mean": mean(grade),
              "menselijkheid_top2": mean((q["menselijkheid"] >= 4).astype(float).where(q["menselijkheid"].notna())),
              "tevredenheid_voldoende": mean((grade >= 6).astype(float).where(grade.notna())),
              "nps": 100 * mean((nps >= 9).astype(float).where(nps.notna()))
              - 100 * mean((nps <= 6).astype(float).where(nps.notna()))}
    cfg = yaml.safe_load((RAW.parent / "molensloot.yml").read_text(encoding="utf-8"))
    reached = []
    for goal in cfg["goals"]:
        kpi, op, target = goal.split()
        target = float(target[:-1]) / 100 if target.endswith("%") else float(target)
        assert op == ">="
        if values[kpi] >= target:
            reached.append(kpi)
    return ({k: round(v, 3) for k, v in values.items()}, sorted(reached))


@lru_cache(maxsize=None)  # the run answer and the stated answer share one reference (ex. 19 takes ~25 s)
def expected(number: int):
    if number in (12, 13):
        return questionnaire_reference(number)
    if number in (14, 15, 16):
        return journey_reference(number)
    if number in (17, 18, 19):
        return quality_priority_reference(number)
    if number in (20, 21, 22, 23):
        return trend_benchmark_reference(number)
    if number in (24, 25, 26, 27, 28):
        return improvement_reference(number)
    r = raw()
    q = r[r["periode"] == PERIOD]
    if number == 1:
        return (len(q), int(q["tevredenheid"].notna().sum()))
    if number == 2:
        reasons = r["menselijkheid_raw"].map({"n.v.t.": "nvt", "weet niet": "weet_niet", "": "missing"})
        return {k: int(v) for k, v in reasons.value_counts().items()}
    if number == 3:
        y = q["tevredenheid"].dropna()
        lo, hi = stats.t.interval(0.95, len(y) - 1, loc=y.mean(), scale=stats.sem(y))
        return (round(y.mean(), 3), round(lo, 3), round(hi, 3))
    if number == 4:
        old = q[q["leeftijdsgroep"] == "65+"].dropna(subset=["menselijkheid", "kanaal"])
        n = old.groupby("kanaal").size()
        top2 = old.groupby("kanaal")["menselijkheid"].apply(lambda s: (s >= 4).mean())
        hidden = set(n[n < 10].index)
        # coordinated suppression by hand: the 65+ total is known, so the hidden cells together can be
        # recovered; if they hold 1-9 people, the smallest shown cell is hidden too
        if 0 < n[list(hidden)].sum() < 10:
            hidden.add(n.drop(list(hidden)).idxmin())
        shown = top2.drop(list(hidden))
        return (shown.idxmax(), sorted(hidden))
    if number == 5:
        a = q["aanbeveling"].dropna()
        return round(100 * ((a >= 9).sum() - (a <= 6).sum()) / len(a), 1)
    known = q.dropna(subset=["leeftijdsgroep"])
    n_h = known.groupby("leeftijdsgroep").size()
    if number == 6:
        # post-stratification in closed form: w_h = P_h n / n_h, mean over the valid answers
        valid = known.dropna(subset=["tevredenheid"])
        v_h = valid.groupby("leeftijdsgroep").size()
        mean_h = valid.groupby("leeftijdsgroep")["tevredenheid"].mean()
        weight = pd.Series(AGE_MARGIN) * v_h / n_h
        return round(float((weight * mean_h).sum() / weight.sum()), 3)
    if number == 7:
        n_eff = 1.0 / float(sum(AGE_MARGIN[h] ** 2 / n_h[h] for h in n_h.index))  # (sum w)^2 / sum w^2
        return (len(known), round(n_eff, 3), round(len(known) / n_eff, 3))
    if number == 8:
        cells = q.dropna(subset=["tevredenheid", "kanaal", "leeftijdsgroep"]).groupby(
            ["kanaal", "leeftijdsgroep"]).size()
        return int((cells < 10).sum())
    if number == 9:
        pair = r[["empathie", "tevredenheid"]].dropna()
        return round(float(stats.pearsonr(pair["empathie"], pair["tevredenheid"])[0]), 3)
    drivers = list(DRIVER_COLUMNS)
    complete = r[["tevredenheid", *drivers]].dropna()
    if number == 10:
        fit = sm.OLS(complete["tevredenheid"], sm.add_constant(complete[drivers])).fit()
        return (len(complete), round(float(fit.rsquared), 4))
    if number == 11:
        shares = shapley_by_enumeration(complete, "tevredenheid", drivers)
        top3 = sorted(shares, key=shares.get, reverse=True)[:3]
        family = "menselijke_maat" if top3[0] in list(DRIVER_COLUMNS)[:5] else "basis"
        return (top3, family)
    raise KeyError(number)


# -- tests -----------------------------------------------------------------------------------------
def test_track_has_at_least_eight_exercises_each_with_a_hidden_solution():
    found = solutions()
    numbers = sorted(n for _, n, _, _ in found)
    assert len(numbers) >= 8
    assert numbers == list(range(1, len(numbers) + 1)), "exercises are numbered 1..N without gaps"
    for page in PAGES.glob("oefeningen-*.md"):
        text = page.read_text(encoding="utf-8")
        headings = re.findall(r"^## Oefening (\d+)", text, re.M)
        hidden = re.findall(r"^:::\{dropdown\} Uitwerking oefening (\d+)", text, re.M)
        assert headings == hidden, f"{page.name}: every exercise needs exactly one hidden solution"


@pytest.mark.parametrize("page,number,setup,code", solutions(), ids=lambda v: str(v) if isinstance(v, int) else None)
def test_solution_gives_the_independently_computed_answer(page, number, setup, code, monkeypatch):
    answer = run_solution(page, number, setup, code, monkeypatch)
    assert_same(answer, expected(number), f"exercise {number}")


def assert_same(answer, want, where: str) -> None:
    """Equal, with floats (also inside tuples, lists and dicts) compared to 1e-9."""
    if isinstance(want, float):
        assert float(answer) == pytest.approx(want, abs=1e-9), (where, answer, want)
    elif isinstance(want, (tuple, list)):
        assert isinstance(answer, (tuple, list)) and len(answer) == len(want), (where, answer, want)
        for a, w in zip(answer, want):
            assert_same(a, w, where)
    elif isinstance(want, dict):
        assert isinstance(answer, dict) and list(answer) == list(want), (where, answer, want)
        for key in want:
            assert_same(answer[key], want[key], where)
    else:
        assert answer == want, (where, answer, want)


def test_every_solution_states_its_answer_and_it_is_the_reference():
    """The hidden solution shows the answer itself (not only code), and that answer is right."""
    for page in sorted(PAGES.glob("oefeningen-*.md")):
        for number, body in STATED.findall(page.read_text(encoding="utf-8")):
            lines = ANSWER_LINE.findall(body)
            assert len(lines) == 1, f"{page.name} exercise {number}: one '**Antwoord:** `...`' line"
            assert_same(ast.literal_eval(lines[0]), expected(int(number)), f"{page.name} exercise {number}")


def test_track_covers_every_report_chapter():
    """The code route trains every chapter of the report: each links to the chapter it practises."""
    from meethuis.report.runner import CHAPTERS

    text = "\n".join(p.read_text(encoding="utf-8") for p in PAGES.glob("oefeningen-*.md"))
    trained = set(re.findall(r"notebooks/(\d\d_\w+)", text))
    assert set(CHAPTERS) <= trained, f"chapters without an analist exercise: {sorted(set(CHAPTERS) - trained)}"


def test_shapley_reference_adds_up_to_r2():
    """The brute-force reference itself: shares sum to the full-model R² (efficiency axiom)."""
    r = raw()
    drivers = list(DRIVER_COLUMNS)[:4]
    complete = r[["tevredenheid", *drivers]].dropna()
    shares = shapley_by_enumeration(complete, "tevredenheid", drivers)
    fit = sm.OLS(complete["tevredenheid"], sm.add_constant(complete[drivers])).fit()
    assert sum(shares.values()) == pytest.approx(fit.rsquared, abs=1e-12)

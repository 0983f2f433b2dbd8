"""The capstone (book/leren/eindopdracht.md): its commands run, the output it quotes is what they print, its
model config is data/sample/lut.yml, and its LUT numbers are recomputed from the raw file by hand (cp1252
CSV, codes 97-99 as missing, quarter from the contact date, textbook raking, brute-force Shapley)."""
from __future__ import annotations

import re
import shlex
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from meethuis.common.errors import MeethuisError
from meethuis.cli.main import main
from test_exercises import shapley_by_enumeration

ROOT = Path(__file__).resolve().parents[1]
PAGE = ROOT / "book" / "leren" / "eindopdracht.md"
RAW = ROOT / "data" / "sample" / "lut_klantonderzoek.csv"
DRIVERS = {"empathie": "V10", "meedenken": "V11", "serieus_genomen": "V12", "luisteren": "V13",
           "vriendelijkheid": "V14", "snelheid": "V15", "juiste_informatie": "V16", "duidelijkheid": "V17",
           "bereikbaarheid": "V18", "deskundigheid": "V19", "afspraken_nakomen": "V20", "eenvoud_proces": "V21",
           "transparantie": "V22"}


def _num(s: pd.Series, lo: int, hi: int) -> pd.Series:
    x = pd.to_numeric(s, errors="coerce")
    return x.where((x >= lo) & (x <= hi))


def step(n: int) -> str:
    """The text of '## Stap n' up to the next step."""
    text = PAGE.read_text(encoding="utf-8")
    return re.search(rf"^## Stap {n} .*?(?=^## Stap |\Z)", text, re.M | re.S).group(0)


def blocks(text: str, lang: str) -> list[str]:
    return re.findall(rf"^```{lang}\n(.*?)^```", text, re.M | re.S)


def commands(text: str) -> list[list[str]]:
    return [shlex.split(b.strip()) for b in blocks(text, "") if b.strip().startswith("meethuis ")]


def test_capstone_walks_from_raw_file_through_init_validate_report_to_a_proposal():
    order = [c[1] for n in range(1, 7) for c in commands(step(n))]
    assert order == ["init", "validate", "validate", "report"], order
    assert "Modelantwoord" in step(6) and all(f"Modeluitwerking stap {n}" in step(n) for n in (2, 3, 4))


def test_init_and_first_validate_print_what_the_page_quotes(tmp_path, monkeypatch, capsys):
    """Run the page's own init command on the raw file, then validate its config as the page says."""
    monkeypatch.chdir(ROOT)
    (init,) = commands(step(2))
    out = tmp_path / "lut_mijn.yml"
    args = init[1:]
    args[args.index("--out") + 1] = str(out)  # the page's command, writing into a temporary folder
    assert main(args) == 0
    written = out.read_text(encoding="utf-8")
    (quoted,) = blocks(step(2), "yaml")
    for line in quoted.strip().splitlines():
        assert line in written, line
    capsys.readouterr()
    assert main(["validate", "--config", str(out)]) == 0
    printed = capsys.readouterr().out
    (quoted,) = blocks(step(3), "text")
    for line in quoted.strip().splitlines():
        assert line in printed, line


def test_model_config_of_step_4_is_the_reference_config_and_validates(monkeypatch, capsys):
    monkeypatch.chdir(ROOT)
    reference = yaml.safe_load((ROOT / "data" / "sample" / "lut.yml").read_text(encoding="utf-8"))
    columns, goals = (yaml.safe_load(b) for b in blocks(step(4), "yaml"))
    assert columns["columns"] == reference["data"]["columns"]
    assert goals["goals"] == reference["goals"]
    text = step(4)
    assert "verdieping_basis" in text and reference["building_blocks"] == ["verdieping_basis"]
    for var, totals in reference["weighting"]["margins"].items():
        for total in totals.values():
            assert f"{total:,}".replace(",", ".") in text, (var, total)
    assert main(["validate", "--config", "data/sample/lut.yml"]) == 0
    printed = capsys.readouterr().out
    (quoted,) = blocks(step(4), "text")
    for line in quoted.strip().splitlines():
        assert line in printed, line


def _raked(frame: pd.DataFrame, margins: dict) -> pd.Series:
    """Textbook raking (iterative proportional fitting) of the complete rows, mean weight 1."""
    w = pd.Series(1.0, index=frame.index)
    for _ in range(200):
        for var, target in margins.items():
            share = pd.Series(target, dtype=float) / sum(target.values())
            w = w * frame[var].map(share / (w.groupby(frame[var]).sum() / w.sum()))
    return w / w.mean()


def _q3_weighted() -> tuple[pd.DataFrame, pd.DataFrame, pd.Series]:
    """LUT's raw answers of 2026Q3, their raking categories and their hand-raked weights."""
    d = pd.read_csv(RAW, encoding="cp1252", dtype=str, keep_default_na=False)
    t = pd.to_datetime(d["CONTACTDATUM"], format="%d-%m-%Y")
    q = d[(t.dt.year == 2026) & (t.dt.quarter == 3)]
    frame = pd.DataFrame({"leeftijdsgroep": q["LFTKLASSE"].map({"1": "18-34", "2": "35-49", "3": "50-64", "4": "65+"}),
                          "digitale_vaardigheid": q["DIGI"].map({"1": "laag", "2": "midden", "3": "hoog"})})
    margins = yaml.safe_load((ROOT / "data" / "sample" / "lut.yml").read_text(encoding="utf-8"))["weighting"]["margins"]
    complete = frame.dropna()
    w = pd.Series(1.0, index=frame.index)  # rows without a weighting cell count as an average respondent
    w[complete.index] = _raked(complete, margins)
    assert w.between(0.3, 3.0).all()  # the config's trim [0.3, 3.0] does not bind
    return q, frame, w


def test_model_answer_weighted_figures_match_a_hand_raking():
    q, _, w = _q3_weighted()
    text = PAGE.read_text(encoding="utf-8")
    fmt = lambda x, k: f"{x:.{k}f}".replace(".", ",")  # noqa: E731

    def wmean(x: pd.Series) -> float:
        ok = x.notna()
        return float(np.average(x[ok], weights=w[ok]))

    grade = _num(q["V01_cijfer"], 1, 10)
    top2 = {c: (_num(q[c], 1, 5) >= 4).astype(float).where(_num(q[c], 1, 5).notna()) for c in ("V03", "V15")}
    for needle in (f"gemiddelde is {fmt(wmean(grade), 2)} (gewogen", f"vindt {fmt(100 * wmean(top2['V15']), 1)} procent (gewogen",
                   f"opgelost voor {fmt(100 * wmean(top2['V03']), 1)} procent (gewogen",
                   f"Ongewogen is het {fmt(100 * top2['V03'].mean(), 1)} procent"):
        assert needle in text.replace("\n", " "), needle


def test_model_answer_margins_match_a_hand_linearisation():
    """The margins the model answer quotes (grade 6,53-6,63; solved 50,3-53,4): influence values residualised by
    least squares on the raking categories (the limit of R survey's rake() sweeps), with-replacement variance,
    t with n - 1 df; the share's margin on the logit scale (svyciprop method "logit")."""
    from scipy import stats

    q, frame, w = _q3_weighted()
    w = w.to_numpy()
    dummies = pd.get_dummies(frame, dtype=float).to_numpy()  # a row without a category has zeros for that margin
    n, tq = len(q), stats.t.ppf(0.975, len(q) - 1)

    def mean_and_se(y: pd.Series) -> tuple[float, float]:
        ok = y.notna().to_numpy()
        yv = np.nan_to_num(y.to_numpy(dtype=float))
        m = float((w * yv)[ok].sum() / w[ok].sum())
        z = np.where(ok, (yv - m) / w[ok].sum(), 0.0)  # influence / weight
        r = (z - dummies @ np.linalg.lstsq(dummies, z, rcond=None)[0]) * w
        return m, float(np.sqrt(n / (n - 1) * ((r - r.mean()) ** 2).sum()))

    m, se = mean_and_se(_num(q["V01_cijfer"], 1, 10))
    solved = _num(q["V03"], 1, 5)
    p, se_p = mean_and_se((solved >= 4).astype(float).where(solved.notna()))
    logit = np.log(p / (1 - p)) + np.array([-1, 1]) * tq * se_p / (p * (1 - p))
    low, high = 100 / (1 + np.exp(-logit))
    text = PAGE.read_text(encoding="utf-8").replace("\n", " ")
    fmt = lambda x, k: f"{x:.{k}f}".replace(".", ",")  # noqa: E731
    assert f"marge {fmt(m - tq * se, 2)}–{fmt(m + tq * se, 2)}" in text
    assert f"marge ({fmt(low, 1)}–{fmt(high, 1)})" in text


def test_model_answer_numbers_match_the_raw_file():
    d = pd.read_csv(RAW, encoding="cp1252", dtype=str, keep_default_na=False)
    t = pd.to_datetime(d["CONTACTDATUM"], format="%d-%m-%Y")
    quarter = t.dt.year.astype(str) + "Q" + t.dt.quarter.astype(str)
    q = d[quarter == "2026Q3"]
    assert quarter.max() == "2026Q3"
    grade = _num(q["V01_cijfer"], 1, 10)
    frame = pd.DataFrame({"tevredenheid": grade, **{k: _num(q[v], 1, 5) for k, v in DRIVERS.items()}}).dropna()
    shares = shapley_by_enumeration(frame, "tevredenheid", list(DRIVERS))
    total = sum(shares.values())
    top = sorted(shares, key=shares.get, reverse=True)[:3]
    assert top == ["empathie", "meedenken", "serieus_genomen"]
    text = PAGE.read_text(encoding="utf-8")
    fmt = lambda x, k: f"{x:.{k}f}".replace(".", ",")  # noqa: E731
    for needle in (f"vulden {len(q)} klanten", f"{grade.notna().sum()} gaven", f"ongewogen {fmt(grade.mean(), 2)}",
                   fmt(100 * (_num(q['V15'], 1, 5).dropna() >= 4).mean(), 1) + " procent",
                   f"Alleen {len(frame)} van de {len(q)}",
                   ", ".join(fmt(100 * shares[k] / total, 1) for k in top[:2]) + f" en {fmt(100 * shares[top[2]] / total, 1)}"):
        assert needle in text, needle


@pytest.mark.slow
def test_init_reads_the_lut_file_as_it_is(tmp_path, capsys):
    """init on LUT's raw file (cp1252, codes 97/98/99, dd-mm-yyyy dates) writes a config that validates and reports."""
    out = tmp_path / "lut.yml"
    assert main(["init", "--data", str(RAW), "--out", str(out), "--id", "RESP_ID"]) == 0
    text = out.read_text(encoding="utf-8")
    assert "missing_values: {97: nvt, 98: weet_niet, 99: missing}" in text
    assert 'date_column: "CONTACTDATUM", date_format: "%d-%m-%Y"' in text
    from meethuis.intake.config import load_config
    from meethuis.intake.validate import load_survey

    config = load_config(out)
    assert config.outcomes() == ["v01_cijfer"] and "v10" in config.drivers()
    survey = load_survey(config)
    d = pd.read_csv(RAW, encoding="cp1252", dtype=str, keep_default_na=False)
    # independent count: answers 1-10 of the grade, the 97-99 codes as missing
    assert survey.responses["v01_cijfer"].notna().sum() == _num(d["V01_cijfer"], 1, 10).notna().sum()
    assert (survey.missing_reasons["v10"] == "nvt").sum() == (d["V10"] == "97").sum()
    assert survey.responses["periode"].max() == "2026Q3"
    assert main(["validate", "--config", str(out)]) == 0
    assert "05_drijfveren            komt in het rapport" in capsys.readouterr().out
    assert main(["report", "--config", str(out), "--out", str(tmp_path / "rapport"), "--quiet"]) == 0
    table = pd.read_csv(tmp_path / "rapport" / "tables" / "drijfveren_v01_cijfer.csv")
    assert len(table) == len(config.drivers())

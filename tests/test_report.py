"""Report runner, HTML assembly, chapter helpers and batch.

Fast tests check the pieces against hand-made inputs (suppression in tables and figures, period
selection, markdown languages, config resolution, errors before any kernel starts). The slow end-to-end
test renders the smallest sample organisation (the inspectorate, ~150 responses) through the batch
command next to a deliberately broken config, and inspects what a reader would see.
"""
from __future__ import annotations

import json
import re
from pathlib import Path

import nbformat
import numpy as np
import pandas as pd
import pytest

from meethuis.report import context as run_context, display
from meethuis.report.chapters import common as chapter
from meethuis.report.chapters import representativiteit as chapter_representativiteit
from meethuis.report.chapters import prioriteiten as chapter_prioriteiten
from meethuis.report.chapters import kpis as chapter_kpis
from meethuis.report import html as report_html
from meethuis.report import runner as report
from meethuis.report.folders import RUN_DIR_ENV
from meethuis.report.context import select_period
from meethuis.report.display import figure_html, table_html
from meethuis.cli.main import main
from meethuis.common.errors import ConfigError, DataError
from meethuis.common import narrative as nv
from meethuis.common.plots import new_figure

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "data" / "sample"


# -- period semantics ------------------------------------------------------------------------------------
@pytest.fixture()
def quarters() -> pd.DataFrame:
    return pd.DataFrame({"periode": ["2025Q4", "2026Q1", "2026Q1", "2026Q2", "2026Q3", "2026Q3", "2026Q3"],
                         "x": range(7)})


def test_period_empty_means_all_data(quarters):
    assert select_period(quarters, "", "current").equals(quarters)
    assert select_period(quarters, "", "trend").equals(quarters)


def test_period_is_one_quarter_now_and_up_to_it_for_trends(quarters):
    assert list(select_period(quarters, "2026Q1", "current")["x"]) == [1, 2]
    assert list(select_period(quarters, "2026Q1", "trend")["x"]) == [0, 1, 2]
    assert list(select_period(quarters, "2026q3", "trend")["x"]) == list(range(7))


def test_bad_or_absent_period_is_a_clear_error(quarters):
    with pytest.raises(ConfigError, match="2026-3"):
        select_period(quarters, "2026-3")
    with pytest.raises(DataError, match="no responses in period 2024Q1") as info:
        select_period(quarters, "2024Q1")
    assert "2025Q4" in str(info.value)  # the hint lists the periods that exist


# -- config resolution ------------------------------------------------------------------------------------
def test_config_path_resolves_from_sample_name_or_the_current_folder(tmp_path, monkeypatch):
    monkeypatch.chdir(ROOT)
    assert run_context.resolve_config_path("data/sample/isr.yml") == SAMPLE / "isr.yml"
    monkeypatch.chdir(tmp_path)  # a path is read from the current folder; a sample name from anywhere
    assert run_context.resolve_config_path("molensloot") == SAMPLE / "molensloot.yml"
    with pytest.raises(ConfigError, match="not found"):
        run_context.resolve_config_path("data/sample/nergens.yml")
    with pytest.raises(ConfigError, match="no sample organisation"):
        run_context.resolve_config_path("nergens")


# -- tables ------------------------------------------------------------------------------------------------
def _protected() -> pd.DataFrame:
    from meethuis.stats.disclosure import protect_table

    table = pd.DataFrame({"kanaal": ["balie", "chat", "post"], "estimate": [7.25, 6.5, 8.0],
                          "ci_low": [7.0, 6.0, 7.1], "ci_high": [7.5, 7.0, 8.9], "n": [120, 35, 4]})
    return protect_table(table, 10)


def test_table_html_hides_small_cells_and_formats_dutch():
    html = table_html(_protected(), "Rapportcijfer per kanaal", 10, "nl", name="t")
    assert '<caption id="tabel-t">Rapportcijfer per kanaal</caption>' in html
    # phone: the table scrolls in a focusable region named by its caption, with a visible hint
    assert 'role="region" tabindex="0" aria-labelledby="tabel-t"' in html
    assert "Veeg of scroll opzij" in html
    assert '<th scope="col">' in html
    rows = re.findall(r"<tr([^>]*)>(.*?)</tr>", html)[1:]
    assert 'data-n="120"' in rows[0][0] and "7,25" in rows[0][1] and "7,00" in rows[0][1]
    assert 'data-n="35"' in rows[1][0]
    # post: 4 respondents -> suppressed, no number and no n shown
    assert 'data-suppressed="1"' in rows[2][0] and "data-n" not in rows[2][0]
    assert re.findall(r">([^<]*)</t[dh]>", rows[2][1]) == ["post", "\u2014", "\u2014", "\u2014", "\u2014"]
    assert "minder dan 10 respondenten" in html
    english = table_html(_protected(), "Grade by channel", 10, "en", name="t")
    assert "7.25" in english and "fewer than 10 respondents" in english


def test_show_table_protects_and_writes_csv(tmp_path, monkeypatch):
    shown: list[str] = []
    import IPython.display

    monkeypatch.setattr(IPython.display, "display", lambda obj: shown.append(obj.data))
    raw = pd.DataFrame({"kanaal": ["balie", "post"], "estimate": [7.2, 8.0], "n": [50, 3]})
    display.show_table(raw, "per_kanaal", "Per kanaal", min_cell=10, report_dir=tmp_path)
    saved = pd.read_csv(tmp_path / "tables" / "per_kanaal.csv")
    assert saved.loc[0, "estimate"] == 7.2 and saved.loc[0, "n"] == 50
    assert np.isnan(saved.loc[1, "estimate"]) and np.isnan(saved.loc[1, "n"])  # 3 respondents: suppressed
    assert "8,0" not in shown[0] and "8.0" not in shown[0]
    assert '<a href="tables/per_kanaal.csv" download>Download als CSV' in shown[0]  # the table links its CSV
    with pytest.raises(Exception, match="two tables"):
        display.show_table(raw, "per_kanaal", "Per kanaal", min_cell=10, report_dir=tmp_path)
    with pytest.raises(Exception, match="not a simple file name"):
        display.show_table(raw, "Per Kanaal!", "x", min_cell=10)


# -- figures ------------------------------------------------------------------------------------------------
def test_figure_html_embeds_png_with_alt_text_or_suppresses():
    fig, ax = new_figure("Titel", "x", "y", alt='Lijn van "a" naar b.')
    ax.plot([0, 1], [0, 1])
    html = figure_html(fig, n_min=25, min_cell=10)
    assert html.startswith('<figure class="mh-figure" data-n-min="25" ')
    assert 'src="data:image/png;base64,iVBOR' in html
    assert 'alt="Lijn van &quot;a&quot; naar b."' in html
    hidden = figure_html(fig, n_min=9, min_cell=10)
    assert "<img" not in hidden and "minder dan 10 respondenten" in hidden


# -- HTML assembly ------------------------------------------------------------------------------------------
def test_markdown_cell_languages():
    source = "# Titel\n\nTekst.\n\n<!-- en\n# Title\n\nText.\n-->"
    assert report_html.markdown_for(source, "nl") == "# Titel\n\nTekst."
    assert report_html.markdown_for(source, "en") == "# Title\n\nText."
    assert report_html.markdown_for("# Alleen NL", "en") == "# Alleen NL"


def test_chapter_html_has_no_code_and_keeps_displays(tmp_path):
    nb = nbformat.v4.new_notebook()
    code = nbformat.v4.new_code_cell("secret_code = 1")
    code.outputs = [
        nbformat.v4.new_output("display_data", data={"text/html": "<p>tabel</p>"}),
        nbformat.v4.new_output("display_data", data={"text/markdown": "**vet**"}),
        nbformat.v4.new_output("execute_result", data={"text/plain": "echo"}, execution_count=1),
        nbformat.v4.new_output("stream", name="stderr", text="UserWarning"),
    ]
    nb.cells = [nbformat.v4.new_markdown_cell("# Hoofdstuk\n\n<!-- en\n# Chapter\n-->"), code]
    path = tmp_path / "07_x.ipynb"
    nbformat.write(nb, str(path))
    body, title = report_html.chapter_html(path, "nl")
    assert title == "Hoofdstuk"
    assert "<p>tabel</p>" in body and "<strong>vet</strong>" in body
    assert "secret_code" not in body and "echo" not in body and "UserWarning" not in body
    assert report_html.chapter_html(path, "en")[1] == "Chapter"


# -- errors before any kernel ------------------------------------------------------------------------------
def test_bad_config_exits_2_before_starting_kernels(tmp_path, capsys, monkeypatch):
    def no_kernels(*args, **kwargs):
        raise AssertionError("a kernel was started for a bad config")

    monkeypatch.setattr(report, "_run_chapter", no_kernels)
    broken = tmp_path / "kapot.yml"
    broken.write_text("organisation: {id: kapot, name: Kapot}\ndata: [\n", encoding="utf-8")
    assert main(["report", "--config", str(broken), "--out", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err
    assert "kapot.yml" in err and "not valid YAML" in err
    assert not (tmp_path / "out").exists()
    assert main(["report", "--config", str(SAMPLE / "isr.yml"), "--out", str(tmp_path / "o"),
                 "--period", "2019Q1"]) == 2
    assert "no responses in period 2019Q1" in capsys.readouterr().err
    assert main(["report", "--out", str(tmp_path / "o")]) == 2  # neither --config nor --all


def test_batch_summary_table():
    rows = [report.BatchResult("isr", "ok", 12.34, "/r/isr/report.html"),
            report.BatchResult("kapot", "fout", 0.5, "", "kapot.yml: not valid YAML\nmore")]
    text = report.batch_summary(rows)
    lines = text.splitlines()
    assert lines[0].split() == ["organisatie", "status", "tijd", "(s)", "pad", "/", "melding"]
    assert lines[2].split() == ["isr", "ok", "12.3", "/r/isr/report.html"]
    assert lines[3].split()[:3] == ["kapot", "fout", "0.5"] and lines[3].endswith("not valid YAML")


# -- slow: a failing chapter names itself and its cell ---------------------------------------------------------
@pytest.mark.slow
def test_failing_chapter_names_chapter_and_cell(tmp_path, monkeypatch):
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    params = nbformat.v4.new_code_cell('config_path = "isr"\nperiod = ""\nlang = "nl"\nmin_cell = 10')
    params.metadata["tags"] = ["parameters"]
    nb.cells = [nbformat.v4.new_markdown_cell("# Kapot"), params, nbformat.v4.new_code_cell("x = 1"),
                nbformat.v4.new_code_cell("1 / 0  # deliberately broken")]
    folder = tmp_path / "notebooks"
    folder.mkdir()
    nbformat.write(nb, str(folder / "99_kapot.ipynb"))
    monkeypatch.setattr(report, "NOTEBOOK_DIR", folder)
    with pytest.raises(report.ChapterError) as info:
        report.run_report(SAMPLE / "isr.yml", tmp_path / "out", chapters=["99_kapot"], progress=False)
    message = str(info.value)
    assert "chapter 99_kapot" in message and "cell 4 of notebooks/99_kapot.ipynb" in message and "ZeroDivisionError" in message
    assert "deliberately broken" in message
    assert not info.value.user_error
    assert not (tmp_path / "out").exists()  # nothing half-written


# -- slow: end to end through the batch command -----------------------------------------------------------------
@pytest.fixture(scope="module")
def batch_run(tmp_path_factory):
    folder = tmp_path_factory.mktemp("configs")
    (folder / "isr.yml").symlink_to(SAMPLE / "isr.yml")  # resolves to data/sample, so its data files are found
    text = (SAMPLE / "isr.yml").read_text(encoding="utf-8")
    (folder / "kapot.yml").write_text(text.replace("organisation:", "organisation:\n  onbekend: ja", 1) + "\nfoo: 1\n",
                                      encoding="utf-8")
    out = tmp_path_factory.mktemp("reports")
    code = main(["report", "--all", str(folder), "--out", str(out), "--jobs", "2"])
    return code, out


@pytest.mark.slow
def test_batch_continues_after_a_broken_config_and_fails_overall(batch_run):
    code, out = batch_run
    assert code == 1
    assert (out / "isr" / "report.html").exists()
    assert not (out / "kapot").exists()
    # the finished folder holds the published parts only: the run's data cache is gone
    assert {p.name for p in (out / "isr").iterdir()} <= {".meethuis-report", "aggregates.json", "notebooks",
                                                        "report.html", "tables", report.RESIDENTS_PAGE}
    assert {"aggregates.json", "report.html"} <= {p.name for p in (out / "isr").iterdir()}
    assert sorted(p.name for p in out.iterdir() if not p.name.endswith(".lock")) == ["isr"]  # no temp folders left


def test_batch_exit_code_counts_the_failed_organisations():
    ok, bad = report.BatchResult("a", "ok", 1.0, "a"), report.BatchResult("b", "fout", 1.0, "", "x")
    assert report.batch_exit_code([ok, ok]) == 0
    assert report.batch_exit_code([ok, bad, bad]) == 2
    assert report.batch_exit_code([bad] * 300) == 125  # exit codes above 125 mean something else to the shell


def test_unreachable_scheduler_is_a_clear_error(tmp_path, capsys):
    (tmp_path / "isr.yml").symlink_to(SAMPLE / "isr.yml")
    code = main(["report", "--all", str(tmp_path), "--out", str(tmp_path / "out"), "--scheduler", "tcp://127.0.0.1:9"])
    err = capsys.readouterr().err
    assert code == 2 and "cannot reach the Dask scheduler at tcp://127.0.0.1:9" in err
    assert not (tmp_path / "out").exists()


@pytest.mark.slow
def test_batch_on_an_existing_cluster_is_idempotent_and_counts_failures(tmp_path, capsys):
    from dask.distributed import LocalCluster

    folder = tmp_path / "configs"
    folder.mkdir()
    (folder / "isr.yml").symlink_to(SAMPLE / "isr.yml")
    for name in ("kapot1", "kapot2"):
        (folder / f"{name}.yml").write_text("organisation: {id: x}\n", encoding="utf-8")
    out = tmp_path / "reports"
    with LocalCluster(n_workers=2, threads_per_worker=1, dashboard_address=None) as cluster:  # "an existing cluster"
        args = ["report", "--all", str(folder), "--out", str(out), "--scheduler", cluster.scheduler_address]
        assert main(args) == 2  # two organisations failed, the third is fine
        first = (out / "isr" / "report.html").read_text(encoding="utf-8")
        summary = capsys.readouterr().out
        assert main(args) == 2  # a rerun renders again and replaces the folder whole
    lines = summary.splitlines()
    assert [line.split()[:2] for line in lines[2:]] == [["isr", "ok"], ["kapot1", "fout"], ["kapot2", "fout"]]
    again = (out / "isr" / "report.html").read_text(encoding="utf-8")
    strip = lambda html: re.sub(r"(\d{4}-\d\d-\d\d[ T]\d\d:\d\d(:\d\d)?|\d+,\d s)", "", html)  # noqa: E731
    assert len(strip(first)) == len(strip(again))
    assert sorted(p.name for p in out.iterdir() if not p.name.endswith(".lock")) == ["isr"]


@pytest.mark.slow
def test_report_has_every_chapter_and_no_code(batch_run):
    _, out = batch_run
    html = (out / "isr" / "report.html").read_text(encoding="utf-8")
    for name in report.chapters_available():
        nb = nbformat.read(str(report.NOTEBOOK_DIR / f"{name}.ipynb"), as_version=4)
        title = report_html.markdown_for(nb.cells[0].source, "nl").splitlines()[0].lstrip("# ").strip()
        assert f">{title}</h1>" in html, f"chapter title '{title}' missing"
        assert f'href="#{name[:2]}-' in html  # in the table of contents
    for marker in ("open_chapter(", "config_path", "import ", "<pre", "In [", "Traceback"):
        assert marker not in html, f"report shows code: {marker!r}"
    assert "Inspectie Speelruimte en Recreatieveiligheid" in html and "sha256:" in html
    # self-contained: no external scripts, styles, fonts or images
    assert not re.search(r'(src|href)="(https?:)?//', html)
    assert "@media print" in html and "size: A4" in html


@pytest.mark.slow
def test_report_shows_nothing_below_min_cell(batch_run):
    _, out = batch_run
    html = (out / "isr" / "report.html").read_text(encoding="utf-8")
    shown_n = [int(n) for n in re.findall(r'<tr[^>]* data-n="(\d+)"', html)]
    assert shown_n and min(shown_n) >= 10
    figures = re.findall(r'<figure class="mh-figure" data-n-min="([^"]+)"', html)
    assert all(n == "none" or int(n) >= 10 for n in figures)
    for row in re.findall(r'<tr data-suppressed="1">(.*?)</tr>', html):
        assert not re.search(r'class="num">[^<\u2014]', row), "a suppressed row shows a number"
    # every machine-readable table: rows with fewer than min_cell respondents carry no numbers
    tables = sorted((out / "isr" / "tables").glob("*.csv"))
    assert tables
    for path in tables:
        table = pd.read_csv(path)
        if "n" in table.columns:
            small = table["n"].notna() & (table["n"] < 10)
            assert not small.any(), f"{path.name} publishes a cell below min_cell"
        if "suppressed" in table.columns and "estimate" in table.columns:
            assert table.loc[table["suppressed"].astype(bool), "estimate"].isna().all()
    aggregates = json.loads((out / "isr" / "aggregates.json").read_text(encoding="utf-8"))
    assert aggregates["organisation"]["id"] == "isr"
    executed = sorted(p.stem for p in (out / "isr" / "notebooks").glob("*.ipynb"))
    assert executed == report.chapters_available()


# -- reader views and sentences of the chapter helpers -----------------------------------------------------
def test_weighting_sentences_use_kish_effective_n():
    from types import SimpleNamespace

    # hand-worked: weights 0.5, 0.5, 1.5, 1.5 -> n_eff = (sum w)^2 / sum w^2 = 16 / 5 = 3.2, deff = 4 / 3.2 = 1.25
    w = pd.Series([0.5, 0.5, 1.5, 1.5])
    nl, rng = chapter_representativiteit.weighting_sentences(w, SimpleNamespace(margins={"leeftijdsgroep": {}}), "nl")
    assert "de 4 respondenten even zwaar als 3 respondenten" in nl and "design-effect 1,25" in nl
    assert rng == "De gewichten lopen van 0,50 tot 1,50 (gemiddeld 1)."
    unweighted = chapter_representativiteit.weighting_sentences(w, SimpleNamespace(margins={}), "en")
    assert unweighted == ["This organisation gave no population figures; the results are unweighted."]


def test_kpi_view_formats_each_kpi_by_its_kind():
    from meethuis.intake.codebook import load_codebook

    table = pd.DataFrame({"kpi": ["tevredenheid_mean", "menselijkheid_top2", "nps"],
                          "estimate": [7.04, 0.553, -32.4], "ci_low": [6.9, 0.53, -35.6],
                          "ci_high": [7.2, 0.57, -29.4], "n": [812.0, 790.0, np.nan],
                          "suppressed": [False, False, True]})
    view = chapter_kpis.kpi_view(table, load_codebook(), "nl")
    assert list(view["Uitkomst"]) == ["7,0", "55%", "\u2014"]
    assert list(view["Marge"]) == ["6,9\u20137,2", "53%\u201357%", "\u2014"]
    html = table_html(view, "x", 10, "nl")
    assert 'data-n="812"' in html and 'data-suppressed="1"' in html


def test_quadrant_and_knob_sentences():
    knobs = pd.DataFrame({"priority": [1, 2, 3], "label": ["Empathie", "Snelheid", "Luisteren"],
                          "quadrant": ["eerst verbeteren", "eerst verbeteren", "koesteren"],
                          "importance_pct": [15.4, 7.2, 10.9], "performance": [3.46, 3.51, 3.62]})
    assert chapter_prioriteiten.quadrant_sentences(knobs, "nl") == (
        "- **Eerst verbeteren**: Empathie en Snelheid.\n- **Koesteren**: Luisteren.")
    knobs = knobs.assign(score=[61.5, 62.7, 65.5], score_ci_low=[59.2, 60.1, 63.0],
                         score_ci_high=[63.8, 65.3, 68.1], p_top3=[0.874, 0.41, np.nan])
    text = chapter.knob_sentences(knobs.head(1), "tevredenheid", "nl")
    assert text == ("1. **Empathie**: score 62 van 100 (marge 59\u201364); weegt 15% mee in de tevredenheid; "
                    "in 87% van de herberekeningen bij de belangrijkste drie.")
    assert chapter.knob_sentences(knobs.iloc[2:3], "satisfaction", "en").endswith("weighs 11% in satisfaction.")
    assert chapter.knob_sentences(knobs.iloc[:0], "tevredenheid", "nl").startswith(
        "Geen drijfveer springt er duidelijk uit")


# -- the default period: the latest quarter -------------------------------------------------------------
def test_default_period_is_the_latest_quarter_and_all_pools(quarters):
    from meethuis.report.context import latest_period, period_parameter, resolve_period

    assert latest_period(quarters) == "2026Q3"
    assert resolve_period(quarters, "") == "2026Q3"  # the report is about the latest quarter by default
    assert resolve_period(quarters, "all") == "" and resolve_period(quarters, " ALL ") == ""
    assert resolve_period(quarters, "2026q1") == "2026Q1"
    assert period_parameter("") == "all" and period_parameter("2026Q1") == "2026Q1"
    assert list(select_period(quarters, resolve_period(quarters, ""), "current")["x"]) == [4, 5, 6]
    with pytest.raises(ConfigError, match="cannot read period"):
        resolve_period(quarters, "laatste")


def test_run_context_and_chapter_default_to_the_latest_quarter():
    from meethuis.report.chapters.common import open_chapter
    from meethuis.report.context import build_run_context
    from meethuis.intake.config import load_config
    from meethuis.sample import sample_config

    context = build_run_context(load_config(sample_config("isr")))
    assert context.period == "2026Q3"
    assert set(context.responses["periode"].astype(str)) == {"2026Q3"}
    assert context.trend_responses["periode"].nunique() == 4  # trends keep the whole series
    pooled = open_chapter("isr", "all")
    assert pooled.period == "" and pooled.responses["periode"].nunique() == 4
    assert nv.period_text(context.period, "nl") == "3e kwartaal 2026"


# -- first screen, method fold ---------------------------------------------------------------------------
def test_method_fold_follows_the_first_answer_and_first_screen_is_lifted(tmp_path):
    nb = nbformat.v4.new_notebook()
    code = nbformat.v4.new_code_cell("x")
    code.outputs = [
        nbformat.v4.new_output("display_data", data={"text/html": '<div class="mh-method"><p>Gebaseerd op 40.</p></div>'}),
        nbformat.v4.new_output("display_data", data={"text/html": "<!--mh-first-screen--><section>T</section><!--/mh-first-screen-->"}),
        nbformat.v4.new_output("display_data", data={"text/markdown": "Het cijfer is 7,2."}),
    ]
    nb.cells = [nbformat.v4.new_markdown_cell("# Kop\n\n**Wat dit beantwoordt.** Methode met alpha.\n\n<!-- en\n# Head\n\nMethod.\n-->"),
                code, nbformat.v4.new_markdown_cell("## Verder\n\nMeer.")]
    path = tmp_path / "03_x.ipynb"
    nbformat.write(nb, str(path))
    body, title = report_html.chapter_html(path, "nl")
    block, rest = report_html.lift_first_screen(body)
    assert block == "<section>T</section>" and "mh-first-screen" not in rest
    order = [rest.index(s) for s in ("<h1>Kop</h1>", "Het cijfer is 7,2.", "<summary>Hoe is dit berekend?</summary>",
                                     "Methode met alpha", "Gebaseerd op 40.", "Verder")]
    assert order == sorted(order)  # title, answer, then the fold with the method, then the rest
    english, _ = report_html.chapter_html(path, "en")
    assert "<summary>How was this calculated?</summary>" in english and "Method." in english


def test_first_screen_tiles_for_a_sample_organisation(monkeypatch):
    from meethuis.common.vocabulary import goal_label
    from meethuis.report.chapters import samenvatting

    ch = chapter.open_chapter("molensloot")
    assert ch.period == "2026Q3"
    tiles = samenvatting.tile_data(ch)
    goals = [g.kpi for g in ch.config.goals]
    assert [t["kpi"] for t in tiles] == goals[:4]
    kpis = ch.kpis()
    for t in tiles:
        row = kpis[kpis["kpi"] == t["kpi"]].iloc[0]
        assert t["value"] == nv.format_value(row["estimate"], t["kind"], "nl")
        assert t["margin"] == nv.range_text(nv.format_value(row["ci_low"], t["kind"], "nl"),
                                            nv.format_value(row["ci_high"], t["kind"], "nl"), "nl")
        assert len(t["series"]) == 8 and t["spark"].startswith('<svg class="spark"')
        if t["direction"] == "none":
            assert t["change"].startswith("geen duidelijk verschil met 2e kwartaal 2026")
    g = ch.goal_comparison().set_index("kpi")
    for t in tiles:
        assert t["goal"]["text"].endswith(goal_label(g.loc[t["kpi"], "status"]))
    html = samenvatting.first_screen_html(ch, None, "Geen knoppen.")
    assert html.startswith(samenvatting.FIRST_SCREEN_START) and "3e kwartaal 2026" in html
    assert '<p class="tile-value">383</p>' in html
    assert "respons 31% van 1.250 uitgenodigden" in html  # data/sample/molensloot.yml: invited 1250


def test_invited_is_checked():
    from meethuis.report.chapters import samenvatting

    class Cfg:
        path = Path("org.yml")
        raw = {"invited": {"2026Q3": 1200}}

    assert samenvatting.invited_in(Cfg, "2026Q3") == 1200 and samenvatting.invited_in(Cfg, "2026Q2") is None
    Cfg.raw = {"invited": 900}
    assert samenvatting.invited_in(Cfg, "2026Q2") == 900 and samenvatting.invited_in(Cfg, "") is None
    Cfg.raw = {"invited": -3}
    with pytest.raises(ConfigError, match="invited"):
        samenvatting.invited_in(Cfg, "2026Q3")


def test_suppressed_rows_collapse_to_one_line():
    from meethuis.stats.disclosure import protect_table

    table = protect_table(pd.DataFrame({"kanaal": ["balie", "chat", "post", "e-mail"], "estimate": [7.2, 6.5, 8.0, 7.0],
                                        "n": [120, 4, 3, 5]}), 10)
    html = table_html(table, "Per kanaal", 10, "nl", name="k")
    rows = re.findall(r"<tr([^>]*)>(.*?)</tr>", html)[1:]
    assert len(rows) == 2 and 'data-n="120"' in rows[0][0]
    assert 'data-suppressed="1"' in rows[1][0] and 'colspan="3"' in rows[1][1]  # kanaal, estimate, n
    assert "3 regels niet getoond (minder dan 10 respondenten): chat, post en e-mail." in rows[1][1]
    assert "\u2014" not in html  # no row of dashes left
    english = table_html(table, "By channel", 10, "en", name="k")
    assert "3 rows not shown (fewer than 10 respondents): chat, post and e-mail." in english


# -- "Jullie zeiden, wij deden" for residents --------------------------------------------------------------
def test_residents_page_shows_only_realised_items_with_owner_date_and_effect():
    from html import escape as html_escape

    from meethuis.report.chapters import feedback
    from meethuis.sample import planted_identifiers

    ch = chapter.open_chapter("molensloot")
    lexicon = feedback.load_lexicon(ch.config)
    themes = feedback.theme_table(ch.responses, lexicon, min_cell=ch.min_cell, lang="nl")
    improvements = feedback.load_improvements(ch.config, lexicon)
    quotes = feedback.example_quotes(ch.responses, lexicon, min_cell=ch.min_cell, lang="nl")
    page = feedback.jzwd_html(ch, themes, quotes, improvements, lexicon)
    did = page[page.index("<h3>Wij deden</h3>"):page.index("<h3>Hier werken we aan</h3>")]
    busy = page[page.index("<h3>Hier werken we aan</h3>"):]
    for i in improvements:
        target = did if i.status == "gerealiseerd" else busy
        assert html_escape(i.text("nl")) in target and (i.owner is None or i.owner in target)
    assert "Eén kennisbank" not in did and "gepland" in busy
    assert "15 september 2025" in did  # the date of the call-back guarantee
    assert "<blockquote>" in page and "Wat goed gaat" in page
    for ident in planted_identifiers("molensloot"):
        assert ident not in page
    # measured effect of the call-back guarantee (2025Q3) on snelheid: 2025Q2 against 2026Q3, by hand
    effect = feedback.measured_effect(ch, next(i for i in improvements if i.theme == "snelheid"))
    w = ch.trend_weights()
    for q, key in (("2025Q2", "before"), ("2026Q3", "after")):
        rows = ch.trend_responses["periode"].astype(str) == q
        x, ww = ch.trend_responses.loc[rows, "snelheid"], w[rows]
        ok = x.notna()
        assert effect[key] == pytest.approx(np.average(x[ok], weights=ww[ok]), abs=1e-9)
    assert nv.format_value(effect["after"], "mean", "nl") in did
    english = feedback.jzwd_html(chapter.open_chapter("molensloot", lang="en"), themes, quotes, improvements, lexicon)
    assert "<h3>We did</h3>" in english and '<blockquote lang="nl">' in english


# -- analyse once, render many ------------------------------------------------------------------------------
@pytest.mark.slow
def test_chapters_render_the_stored_driver_analysis_identical_to_a_fresh_one(tmp_path, monkeypatch):
    from meethuis.intake.config import load_config
    from meethuis.sample import sample_config
    from meethuis.stats import drivers

    context = run_context.build_run_context(load_config(sample_config("molensloot")), "all")
    run_context.write_run_context(context, tmp_path)
    calls = []
    original = drivers.bootstrap_importance

    def counted(*args, **kwargs):
        if kwargs.get("n_boot") == 500:  # the chapters' bootstrap (aggregates.json has its own, of 200)
            calls.append(args[1])
        return original(*args, **kwargs)

    monkeypatch.setattr(drivers, "bootstrap_importance", counted)
    run_context.precompute_analyses(context, tmp_path, 10)
    assert sorted(calls) == sorted(run_context.shared_driver_outcomes(context.config))  # one bootstrap per outcome
    assert sorted(calls) == ["menselijkheid", "tevredenheid"]
    assert run_context.load_aggregates(tmp_path, 10)["organisation"]["id"] == "molensloot"

    monkeypatch.setenv(RUN_DIR_ENV, str(tmp_path))
    stored = [chapter.open_chapter("molensloot", "all") for _ in range(3)]  # chapters 00, 05 and 06
    results = [ch.driver_importance("tevredenheid") for ch in stored]
    matrix = stored[2].priority("tevredenheid")
    shares = stored[0].driver_shares("tevredenheid")  # chapter 10
    assert len(calls) == 2  # rendered from the cache: no bootstrap in any chapter

    monkeypatch.delenv(RUN_DIR_ENV)
    alone = chapter.open_chapter("molensloot", "all")  # a chapter opened on its own computes what it needs
    assert alone.cache_dir is None
    fresh = alone.driver_importance("tevredenheid")
    fresh_matrix = alone.priority("tevredenheid")
    assert len(calls) == 3  # once in the chapter opened on its own (its priority reuses it)
    for importance, groups in results:
        pd.testing.assert_frame_equal(importance, fresh[0], check_exact=False, rtol=0, atol=1e-12)
        pd.testing.assert_frame_equal(groups, fresh[1], check_exact=False, rtol=0, atol=1e-12)
        assert importance.attrs == fresh[0].attrs
    pd.testing.assert_frame_equal(matrix, fresh_matrix, check_exact=False, rtol=0, atol=1e-12)
    pd.testing.assert_series_equal(shares, alone.driver_shares("tevredenheid"), check_exact=False, rtol=0, atol=1e-12)


def test_a_stored_analysis_of_another_run_is_not_used(tmp_path, monkeypatch):
    from meethuis.intake.config import load_config
    from meethuis.sample import sample_config

    context = run_context.build_run_context(load_config(sample_config("isr")), "all")
    run_context.write_run_context(context, tmp_path)
    run_context.store_driver_analysis(tmp_path, "tevredenheid", 500, 10, ("error", "planted"))
    monkeypatch.setenv(RUN_DIR_ENV, str(tmp_path))
    assert chapter.open_chapter("isr", "all").cache_dir == tmp_path
    assert run_context.load_driver_analysis(tmp_path, "tevredenheid", 500, 10) == ("error", "planted")
    assert "planted" in chapter.open_chapter("isr", "all").importance("tevredenheid")
    other_period = chapter.open_chapter("isr", sorted(context.survey.responses["periode"].unique())[0])
    assert other_period.cache_dir is None  # its own data: the run's stored analyses do not apply
    assert run_context.load_driver_analysis(tmp_path, "tevredenheid", 500, 20) is None  # another min_cell


def test_chapters_open_with_their_answer():
    from meethuis.report.chapters import drijfveren, kpis as kpis_chapter, prioriteiten
    from meethuis.report.chapters import trends as trends_chapter

    ch = chapter.open_chapter("molensloot")
    grade = ch.kpis(items=["tevredenheid"], statistics=["mean"]).iloc[0]
    text = kpis_chapter.answer(ch)
    assert text.startswith(f"Inwoners geven het contact gemiddeld een {nv.format_value(grade['estimate'], 'mean', 'nl')} (marge ")
    assert nv.goal_overview(ch.goal_comparison()["status"], "nl") in text
    top = ch.importance(ch.outcome)[0].sort_values("rank")["driver"].head(3)
    assert all(ch.label(d).lower() in drijfveren.answer(ch) for d in top)  # the same ranks as the chapter table
    matrix = ch.priority(quiet=True)
    from meethuis.stats.priority import priority_matrix  # computed once per chapter, the same table each time
    importance = ch.importance(ch.outcome)[0]
    direct = priority_matrix(ch.responses, ch.outcome, list(importance["driver"]), weights=ch.weights,
                             importance=importance.drop(columns=["n"]), min_cell=ch.min_cell, codebook=ch.codebook)
    pd.testing.assert_frame_equal(matrix, direct)
    matrix["quadrant"] = "changed by a cell"
    pd.testing.assert_frame_equal(ch.priority(quiet=True), direct)  # a cell's change does not reach the next
    matrix = ch.priority(quiet=True)
    expect = "Eerst verbeteren" if (matrix["quadrant"] == "eerst_verbeteren").any() else "Geen drijfveer springt"
    assert prioriteiten.answer(ch, matrix).startswith(expect)
    assert trends_chapter.answer(ch).startswith("Het gemiddelde rapportcijfer is sinds het 4e kwartaal 2024 ")


# -- determinism: the same data give the same bytes, apart from the date line (issue 15) --------------------------
def test_only_the_date_line_depends_on_the_day(one_chapter):
    import datetime as dt
    from types import SimpleNamespace

    path, data = one_chapter()
    config = SimpleNamespace(name="Org", path=data, data_file=data, process=None)
    one = report_html.assemble_html([path], config, "", "nl", today=dt.date(2026, 3, 2)).splitlines()
    two = report_html.assemble_html([path], config, "", "nl", today=dt.date(2026, 11, 30)).splitlines()
    differ = [(a, b) for a, b in zip(one, two) if a != b]
    assert len(one) == len(two) and len(differ) == 1 and "2026" in differ[0][0]


def test_cover_names_the_one_measurement_and_marks_fictional_samples(one_chapter):
    from types import SimpleNamespace

    path, data = one_chapter()
    one_wave = SimpleNamespace(name="Stad", path=data, data_file=data, process=None, synthetic=False,
                               period=SimpleNamespace(value="2024"))
    page = report_html.assemble_html([path], one_wave, "", "nl")
    cover = re.search(r'<header class="cover">.*?</header>', page, re.S).group(0)
    assert "alle perioden" not in page and "2024" in page and "fictief" not in page
    assert ">Stad</h1>" in cover
    sample = SimpleNamespace(name="Gemeente Molensloot", path=data, data_file=data, process=None, synthetic=True,
                             period=SimpleNamespace(value=None))
    page = report_html.assemble_html([path], sample, "2026Q3", "nl")
    assert "Gemeente Molensloot (fictief)" in page and "3e kwartaal 2026" in page
    page = report_html.assemble_html([path], sample, "", "en")
    assert "Gemeente Molensloot (fictional)" in page and "all periods" in page  # pooled quarters stay "all"


@pytest.mark.slow
def test_two_renders_are_byte_identical(tmp_path, monkeypatch):
    monkeypatch.delenv("MEETHUIS_SALT", raising=False)  # the link salt is random per run: nothing may show it
    chapters = ["03_kpis", "04_meetkwaliteit", "05_drijfveren", "09_procesdata"]
    for name in ("een", "twee"):
        report.run_report(SAMPLE / "isr.yml", tmp_path / name, chapters=chapters, period="all", progress=False)
    files = sorted(p.relative_to(tmp_path / "een") for p in (tmp_path / "een").rglob("*") if p.is_file())
    assert files == sorted(p.relative_to(tmp_path / "twee") for p in (tmp_path / "twee").rglob("*") if p.is_file())
    differ = [str(f) for f in files if (tmp_path / "een" / f).read_bytes() != (tmp_path / "twee" / f).read_bytes()]
    assert differ == []


def test_hidden_rows_note_is_truthful_about_complementary_hiding():
    """'minder dan 10 respondenten' only when every hidden row is small itself (#13)."""
    from meethuis.stats.disclosure import protect_table

    table = protect_table(pd.DataFrame({"kanaal": ["balie", "chat", "post", "e-mail"], "estimate": [7.2, 6.5, 8.0, 7.0],
                                        "n": [120, 4, 30, 25]}), 10, dims=["kanaal"])
    assert list(table["reason"].fillna("")) == ["", "small_cell", "", "secondary"]
    html = table_html(table, "Per kanaal", 10, "nl", name="k")
    assert ("2 regels niet getoond (te weinig respondenten, of verborgen zodat een kleine groep niet terug te rekenen "
            "is): chat en e-mail.") in html and "minder dan 10" not in html
    english = table_html(table, "By channel", 10, "en", name="k")
    assert "2 rows not shown (too few respondents, or hidden so that a small group cannot be worked out)" in english
    # one hidden row keeps its dashes; the note under the table says the same
    one = table_html(table.iloc[:2].assign(reason=[None, "secondary"]), "Per kanaal", 10, "nl", name="k")
    assert "niet getoond: te weinig respondenten, of verborgen zodat een kleine groep niet terug te rekenen is." in one
    # the view may drop the reason column: show_table passes the protected table's reasons
    html = table_html(table.drop(columns=["reason"]), "Per kanaal", 10, "nl", name="k", reasons=list(table["reason"]))
    assert "verborgen zodat een kleine groep" in html
    small = table_html(protect_table(pd.DataFrame({"kanaal": ["a", "b"], "estimate": [1.0, 2.0], "n": [3, 4]}), 10),
                       "x", 10, "nl", name="k")
    assert "2 regels niet getoond (minder dan 10 respondenten)" in small


def test_representativeness_hides_the_reports_groups_with_their_verdict():
    from meethuis.intake.codebook import load_codebook
    from meethuis.report.chapters.representativiteit import label_representativeness, representativeness_view
    from meethuis.stats.quality import representativeness

    ages = ["18-34"] * 13 + ["35-49"] * 11 + ["50-64"] * 12 + ["65+"] * 8
    frame = pd.DataFrame({"leeftijdsgroep": ages})
    margins = {"leeftijdsgroep": {"18-34": 0.27, "35-49": 0.24, "50-64": 0.26, "65+": 0.23}}
    rep = representativeness(frame, margins)
    # 65+ (8) is small; alone it would be 44 - 36 = 8 from the respondent total, so 35-49 is hidden with it
    table = label_representativeness(rep, load_codebook(), "nl", hidden={"leeftijdsgroep": {"65+", "35-49"}})
    hidden = table[table["suppressed"]]
    assert set(hidden["category"]) == {"65+", "35-49"} and hidden["n"].isna().all()
    assert hidden["representation"].isna().all()  # "ondervertegenwoordigd" would bound the group's size
    assert set(hidden["reason"]) <= {"linked", "small_cell;linked", "linked;small_cell"}
    view = representativeness_view(table, "nl")
    assert (view.loc[table["suppressed"].to_numpy(), ["Steekproef", "Na weging", "Oordeel"]] == "\u2014").all().all()
    assert set(table.loc[~table["suppressed"], "n"]) == {13, 12}

"""The benchmark pool: checks on the way in, one transaction, duplicates, export, migration, planted truth."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from meethuis.cli.main import main
from meethuis.common.errors import DataError
from meethuis.improve import benchmark as bm
from meethuis.improve import community, community_sample as cs
from meethuis.improve import pool as pl


@pytest.fixture(scope="module")
def generated(tmp_path_factory) -> list[Path]:
    return cs.write_community(tmp_path_factory.mktemp("gen"), n_orgs=40)


@pytest.fixture(scope="module")
def full_pool(tmp_path_factory, generated) -> Path:
    path = tmp_path_factory.mktemp("pool") / "pool.duckdb"
    pl.add_aggregates(path, generated, create=pl.PoolSettings(min_cell=10))
    return path


def _write(tmp_path: Path, data: dict, name: str = "x.json") -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


def _one(generated, k: int = 0) -> dict:
    return json.loads(Path(generated[k]).read_text(encoding="utf-8"))


def _with_channels(data: dict, sizes: dict[str, int | None]) -> dict:
    """Add kanaal rows to a generated file (None = suppressed)."""
    data = json.loads(json.dumps(data))
    total = next(r for r in data["kpis"] if r["kpi"] == "tevredenheid_mean")
    for group, n in sizes.items():
        row = {**total, "level": "kanaal", "group": group}
        if n is None:
            row.update({f: None for f in ("estimate", "ci_low", "ci_high", "se", "n", "n_eff")}, suppressed=True)
        else:
            row.update(n=n, n_eff=float(n))
        data["kpis"].append(row)
    return data


def test_pool_holds_every_row_of_every_file(full_pool, generated):
    with pl.open_pool(full_pool, read_only=True) as pool:
        subs = pool.submissions()
        assert len(subs) == len(generated) == 320 and subs["org_id"].nunique() == 40
        assert subs["sha256"].str.fullmatch("[0-9a-f]{64}").all()
        n_kpis = pool.con.execute("SELECT count(*) FROM kpis").fetchone()[0]
        n_drivers = pool.con.execute("SELECT count(*) FROM drivers").fetchone()[0]
    files = [_one(generated, k) for k in range(len(generated))]
    assert n_kpis == sum(len(f["kpis"]) for f in files) and n_drivers == sum(len(f["drivers"]) for f in files)
    # digest is of the file as submitted
    import hashlib

    first = subs.set_index("source").loc[str(generated[0])]
    assert first["sha256"] == hashlib.sha256(Path(generated[0]).read_bytes()).hexdigest()


def test_duplicates_are_refused_unless_replaced(tmp_path, generated):
    path = tmp_path / "p.duckdb"
    pl.add_aggregates(path, generated[:2], create=pl.PoolSettings())
    with pytest.raises(DataError, match="already in the pool"):
        pl.add_aggregates(path, generated[:1])
    changed = _one(generated)
    changed["kpis"][0]["estimate"] = 7.5
    other = _write(tmp_path, changed)
    with pytest.raises(DataError, match="already holds fictief-001 for period 2024Q4"):
        pl.add_aggregates(path, [other])
    added = pl.add_aggregates(path, [other], replace=True)
    assert added[0].replaced
    with pl.open_pool(path) as pool:
        assert len(pool.submissions()) == 2
        est = pool.con.execute("SELECT k.estimate FROM kpis k JOIN submissions s USING (submission_id) WHERE "
                               "s.org_id = 'fictief-001' AND s.period = '2024Q4' AND k.kpi = ?",
                               [changed["kpis"][0]["kpi"]]).fetchall()
    assert est == [(7.5,)]


@pytest.mark.parametrize("mutate, message", [
    (lambda d: d.update(codebook_version="0.9"), "codebook version 0.9"),
    (lambda d: d.update(schema="iets"), "not a Meethuis aggregates file"),
    (lambda d: d["kpis"][0].update(n=9), "n=9 below min_cell 10"),
    (lambda d: d["kpis"][0].update(zaak_sleutel="Z1"), "unexpected field 'zaak_sleutel'"),
    (lambda d: d.update(respondenten=[1, 2]), "unexpected key 'respondenten'"),
])
def test_bad_files_are_refused_and_nothing_is_written(tmp_path, generated, mutate, message):
    path = tmp_path / "p.duckdb"
    pl.create_pool(path)
    bad = _one(generated, 1)
    mutate(bad)
    files = [generated[0], _write(tmp_path, bad, "bad.json"), generated[2]]
    with pytest.raises(DataError, match=message) as err:
        pl.add_aggregates(path, files)
    assert "bad.json" in str(err.value)
    with pl.open_pool(path) as pool:  # the good file before the bad one was not added either
        assert pool.submissions().empty


def test_pool_min_cell_is_stricter_than_the_file(tmp_path, generated):
    path = tmp_path / "p.duckdb"
    pl.create_pool(path, pl.PoolSettings(min_cell=50))
    data = _one(generated)
    for r in data["kpis"]:  # fine for the file's own min_cell 10, not for the pool's 50
        r["n"] = 40
    with pytest.raises(DataError, match="below min_cell 50"):
        pl.add_aggregates(path, [_write(tmp_path, data)])


def test_a_file_breaking_the_disclosure_rule_is_refused(tmp_path, generated):
    path = tmp_path / "p.duckdb"
    pl.create_pool(path)
    # one suppressed channel next to two published ones: its value follows from the total -> must be refused
    lone = _with_channels(_one(generated), {"telefoon": 200, "balie": 150, "post": None})
    with pytest.raises(DataError, match="must be suppressed under the disclosure rule"):
        pl.add_aggregates(path, [_write(tmp_path, lone)])
    # the same with the secondary cell suppressed too is accepted
    fine = _with_channels(_one(generated), {"telefoon": 200, "balie": None, "post": None})
    assert pl.add_aggregates(path, [_write(tmp_path, fine, "ok.json")])[0].org_id == "fictief-001"


def test_remove_and_export(tmp_path, generated):
    path = tmp_path / "p.duckdb"
    pl.add_aggregates(path, generated[:16], create=pl.PoolSettings())
    with pl.open_pool(path) as pool:
        assert pool.remove("fictief-001", "2024Q4") == 1
        assert pool.remove("fictief-002") == 8
        with pytest.raises(DataError, match="no submission of 'nope'"):
            pool.remove("nope")
        csvs = pool.export(tmp_path / "csv", "csv")
        parquet = pool.export(tmp_path / "pq", "parquet")
        n_kpis = pool.con.execute("SELECT count(*) FROM kpis").fetchone()[0]
    subs = pd.read_csv(csvs[0])
    assert len(subs) == 7 and set(subs["org_id"]) == {"fictief-001"}
    assert len(pd.read_csv(csvs[1])) == n_kpis
    import duckdb

    assert duckdb.sql(f"SELECT count(*) FROM '{parquet[1]}'").fetchone()[0] == n_kpis
    (tmp_path / "eigen").mkdir()
    (tmp_path / "eigen" / "notities.txt").write_text("van mij", encoding="utf-8")
    from meethuis.common.errors import ConfigError

    with pl.open_pool(path) as pool:
        pool.export(tmp_path / "csv", "csv")  # an earlier export may be replaced
        with pytest.raises(ConfigError, match="notities.txt"):
            pool.export(tmp_path / "eigen", "csv")
    assert (tmp_path / "eigen" / "notities.txt").read_text(encoding="utf-8") == "van mij"


def test_migration_path(tmp_path, monkeypatch):
    path = pl.create_pool(tmp_path / "p.duckdb")
    import duckdb

    con = duckdb.connect(str(path))
    con.execute("UPDATE meta SET value = '0' WHERE key = 'schema_version'")
    con.execute("ALTER TABLE submissions DROP COLUMN source")  # pretend version 0 had no source column
    con.close()
    with pytest.raises(DataError, match="no migration from pool schema version 0"):
        pl.open_pool(path)
    monkeypatch.setitem(pl.MIGRATIONS, 0, lambda c: c.execute("ALTER TABLE submissions ADD COLUMN source VARCHAR"))
    with pl.open_pool(path) as pool:
        assert pool.schema_version == pl.POOL_SCHEMA_VERSION
        assert "source" in pool.submissions().columns
    con = duckdb.connect(str(path))
    con.execute("UPDATE meta SET value = '99' WHERE key = 'schema_version'")
    con.close()
    with pytest.raises(DataError, match="newer than this Meethuis supports"):
        pl.open_pool(path)


def test_names_only_when_the_pool_allows(tmp_path, generated):
    hidden = tmp_path / "hidden.duckdb"
    shown = tmp_path / "shown.duckdb"
    pl.add_aggregates(hidden, generated[:16], create=pl.PoolSettings())
    pl.add_aggregates(shown, generated[:16], create=pl.PoolSettings(show_names=True))
    with pl.open_pool(hidden) as pool:
        names = pool.kpi_table()["org_name"].unique()
        assert set(names) == {"D001", "D002"}
        assert set(pool.driver_table()["org_name"]) == {"D001", "D002"}
    with pl.open_pool(shown) as pool:
        names = set(pool.kpi_table()["org_name"])
    assert all(n.endswith("(fictief)") and not n.startswith("D0") for n in names)


def test_latest_submission_and_quarterly_series(full_pool):
    with pl.open_pool(full_pool, read_only=True) as pool:
        latest = pool.kpi_table()
        q = pool.quarterly_kpis("tevredenheid_mean")
        one = pool.kpi_table(period="2025Q1")
    assert set(latest["period"]) == {"2026Q3"} and set(one["period"]) == {"2025Q1"}
    assert q.groupby("quarter")["org_id"].nunique().eq(40).all() and q["quarter"].nunique() == 8


def test_meta_analysis_recovers_the_planted_truth(full_pool):
    """Empathy matters everywhere (share 0.20), speed only for agencies (0.20 vs 0.03)."""
    _, truth = cs.generate_community(40)
    with pl.open_pool(full_pool, read_only=True) as pool:
        drivers = pool.driver_table("tevredenheid")
    overall = community.pooled_drivers(drivers).set_index("driver")
    by_kind = community.pooled_drivers(drivers, by="org_kind").set_index(["group", "driver"])
    assert overall.loc["empathie", "verdict"] == "overal"
    assert overall["estimate"].idxmax() == "empathie" and overall.loc["empathie", "in_top"] >= 35
    assert overall.loc["snelheid", "verdict"] == "lokaal"
    assert overall.loc["snelheid", "tau2"] > 10 * overall.drop("snelheid")["tau2"].max()
    for kind, g in truth.groupby("kind"):
        for driver in ("empathie", "snelheid"):
            row = by_kind.loc[(kind, driver)]
            target = g[driver].mean()  # the mean of the organisations' true shares
            assert row["ci_low"] <= target <= row["ci_high"], (kind, driver, row["estimate"], target)
    assert (by_kind.xs("snelheid", level="driver")["verdict"].to_dict() ==
            {"gemeente": "minder", "inspectie": "minder", "uitvoeringsorganisatie": "overal"})
    assert (by_kind.xs("empathie", level="driver")["verdict"] == "overal").all()


def test_community_trend_follows_the_planted_slope(full_pool):
    with pl.open_pool(full_pool, read_only=True) as pool:
        trend = community.community_trend(pool.quarterly_kpis("tevredenheid_mean"))
    slope = np.polyfit(np.arange(len(trend)), trend["estimate"], 1)[0]
    assert slope == pytest.approx(cs.TREND, abs=0.015)
    assert (trend["k"] == 40).all()


def test_cli_add_list_remove_export_with_one_line_errors(tmp_path, generated, capsys):
    path = tmp_path / "c.duckdb"
    assert main(["benchmark", "add", str(generated[0]), "--pool", str(path)]) == 2
    assert "does not exist" in capsys.readouterr().err
    assert main(["benchmark", "add", *map(str, generated[:8]), "--pool", str(path), "--create"]) == 0
    assert "8 file(s) added" in capsys.readouterr().out
    assert main(["benchmark", "add", str(generated[0]), "--pool", str(path)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "already in the pool" in err
    bad = _one(generated, 9)
    bad["kpis"][0]["n"] = 3
    assert main(["benchmark", "add", str(_write(tmp_path, bad)), "--pool", str(path)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "x.json" in err and "below min_cell" in err
    assert main(["benchmark", "list", "--pool", str(path)]) == 0
    out = capsys.readouterr().out
    assert "8 submissions" in out and out.count("fictief-001") == 8
    assert main(["benchmark", "remove", "fictief-001", "--period", "2025Q1", "--pool", str(path)]) == 0
    assert main(["benchmark", "export", "--pool", str(path), "--out", str(tmp_path / "x"), "--format", "csv"]) == 0
    assert len(pd.read_csv(tmp_path / "x" / "submissions.csv")) == 7
    assert main(["benchmark", "list", "--pool", str(tmp_path / "nope.duckdb")]) == 2
    assert "benchmark pool not found" in capsys.readouterr().err


def test_own_report_reads_the_pool_named_in_its_config(tmp_path, generated):
    from types import SimpleNamespace

    from meethuis.report.chapters import benchmark as view

    pl.add_aggregates(tmp_path / "gemeenschap.duckdb", generated[:16], create=pl.PoolSettings())
    config = SimpleNamespace(raw={"benchmark": {"pool": "gemeenschap.duckdb"}}, path=tmp_path / "org.yml", id="x")
    assert pl.pool_for_config(config) == tmp_path / "gemeenschap.duckdb"
    own = _one(generated, 16)  # a third organisation, not in the pool
    table = view.benchmark_table(own, "", config, period="2025Q1")
    assert list(table.columns) == list(bm.aggregates_table([own]).columns)
    others = table[table["org_id"] != own["organisation"]["id"]]
    assert set(others["org_id"]) == {"fictief-001", "fictief-002"} and set(others["period"]) == {"2025Q1"}
    assert set(others["org_name"]) == {"D001", "D002"}  # the pool does not allow names
    latest = view.benchmark_table(own, "", config, period="2030Q1")  # a period the pool lacks: latest of each
    assert set(latest.loc[latest["org_id"] != own["organisation"]["id"], "period"]) == {"2026Q3"}
    ranks = bm.rank_organisations(table, "tevredenheid_mean")
    assert len(ranks) == 3
    assert pl.pool_for_config(SimpleNamespace(raw={}, path=tmp_path / "org.yml")) is None


def test_config_names_a_pool_as_benchmark_source(tmp_path, sample_dir):
    from meethuis.common.errors import ConfigError
    from meethuis.intake.config import load_config

    for f in sample_dir.glob("isr*"):
        (tmp_path / f.name).symlink_to(f)
    text = (sample_dir / "isr.yml").read_text(encoding="utf-8").replace("benchmark:\n  samples: true",
                                                                          "benchmark:\n  pool: gemeenschap.duckdb")
    (tmp_path / "isr.yml").unlink()
    (tmp_path / "isr.yml").write_text(text, encoding="utf-8")
    config = load_config(tmp_path / "isr.yml")
    assert bm.benchmark_source(config) == "pool:gemeenschap.duckdb" and pl.pool_for_config(config) == tmp_path / "gemeenschap.duckdb"
    (tmp_path / "isr.yml").write_text(text.replace("pool: gemeenschap.duckdb", "pool: 3"), encoding="utf-8")
    with pytest.raises(ConfigError, match="benchmark.pool must be the path of a pool file"):
        load_config(tmp_path / "isr.yml")


def test_foreign_shaped_organisation_enters_the_pool_flagged_not_comparable(tmp_path, generated):
    """One wave, no channel or service columns, no id, a core outcome and a core driver missing."""
    from types import SimpleNamespace

    from meethuis.intake.codebook import load_codebook

    cb = load_codebook()
    rng = np.random.default_rng(3)
    n = 400
    drivers = [d for d in cb.drivers(core_only=True) if d != "snelheid"]
    frame = pd.DataFrame({d: rng.integers(1, 6, n).astype(float) for d in drivers})
    frame["tevredenheid"] = np.clip(np.round(2 + frame[drivers].mean(axis=1) + rng.normal(0, 1, n)), 1, 10)
    for item in ("menselijkheid", "effectiviteit", "gemak"):
        frame[item] = rng.integers(1, 6, n).astype(float)
    frame["periode"] = "2026Q3"
    config = SimpleNamespace(id="vreemd", name="Dienst Vreemd", kind="", codebook=cb, min_cell=10, raw={})
    agg = bm.export_aggregates(frame, config, min_cell=10, period="2026Q3")
    assert agg["comparability"]["core_mapped"] is False
    assert set(agg["comparability"]["missing_core"]) >= {"vertrouwen", "snelheid"}
    assert {r["level"] for r in agg["kpis"]} == {"totaal", "periode"}
    assert agg["drivers"] and not any(r["comparable"] for r in agg["drivers"])
    path = tmp_path / "p.duckdb"
    pl.add_aggregates(path, [bm.write_aggregates(agg, tmp_path / "vreemd.json"), *generated[7::8][:5]],
                      create=pl.PoolSettings())
    with pl.open_pool(path) as pool:
        subs = pool.submissions().set_index("org_id")
        drivers_in_pool = pool.driver_table("tevredenheid")
    assert not subs.loc["vreemd", "core_mapped"] and "vertrouwen" in subs.loc["vreemd", "missing_core"]
    pooled = community.pooled_drivers(drivers_in_pool)
    assert pooled["k"].max() == 5  # the organisation that lacks part of the core is left out of the pooling
    assert community.pooled_drivers(drivers_in_pool, comparable_only=False)["k"].max() == 6


def test_sample_pool_is_built_once_and_rebuilt_when_its_sources_change(tmp_path, monkeypatch):
    import tempfile

    built = []
    monkeypatch.setattr(tempfile, "gettempdir", lambda: str(tmp_path))
    monkeypatch.setattr(cs, "build_sample_pool", lambda p: built.append(p) or Path(p).write_bytes(b"x"))
    first = cs.sample_pool()
    assert cs.sample_pool() == first and len(built) == 1
    monkeypatch.setattr(cs, "SEED", cs.SEED + 1)
    assert cs.sample_pool() != first and len(built) == 2


def test_generator_is_seeded():
    a, truth_a = cs.generate_community(5)
    b, truth_b = cs.generate_community(5)
    assert json.dumps(a) == json.dumps(b) and truth_a.equals(truth_b)
    assert json.dumps(cs.generate_community(5, seed=1)[0]) != json.dumps(a)
    shares = cs.truth_shares()
    assert np.allclose(shares.sum(axis=1), 1) and shares.loc["uitvoeringsorganisatie", "snelheid"] == 0.20

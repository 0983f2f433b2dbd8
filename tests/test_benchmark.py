"""Benchmark: aggregates export/validation, rank intervals, funnel limits and direct standardisation."""
from __future__ import annotations

import json
import math
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from meethuis.improve import benchmark
from meethuis.report.chapters import benchmark as benchmark_view
from meethuis.intake.codebook import load_codebook
from meethuis.common.errors import DataError
from meethuis.common.plots import alt_text

CORE = ["tevredenheid", "menselijkheid", "effectiviteit", "vertrouwen", "gemak"]


def _config(org_id: str = "testgem", name: str = "Gemeente Test", min_cell: int = 1):
    return SimpleNamespace(id=org_id, name=name, kind="gemeente", codebook=load_codebook(), min_cell=min_cell)


def _responses(n: int = 200, shift: float = 0.0, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    df = pd.DataFrame({
        "respondent_id": [f"r{i}" for i in range(n)],
        "periode": rng.choice(["2026Q2", "2026Q3"], n),
        "kanaal": pd.Categorical(rng.choice(["telefoon", "balie", "website"], n, p=[0.5, 0.45, 0.05])),
        "dienst": pd.Categorical(rng.choice(["paspoort", "parkeren"], n)),
        "tevredenheid": np.clip(np.round(rng.normal(7 + shift, 1.3, n)), 1, 10),
        "zaak_sleutel": [f"Z{i}" for i in range(n)],
        "open_antwoord": ["Jan Jansen belde"] * n,
    })
    for item in CORE[1:]:
        df[item] = rng.integers(1, 6, n).astype(float)
    return df


def test_export_is_protected_and_has_no_respondent_data():
    df = _responses()
    agg = benchmark.export_aggregates(df, _config(), min_cell=10)
    text = json.dumps(agg)
    assert "r1\"" not in text and "Z1" not in text and "Jansen" not in text
    assert agg["codebook_version"] == load_codebook().version
    assert agg["organisation"] == {"id": "testgem", "name": "Gemeente Test", "kind": "gemeente",
                                   "size_band": "<500", "fictional": False}
    rows = pd.DataFrame(agg["kpis"])
    assert set(rows["level"]) == {"totaal", "kanaal", "dienst", "periode"}
    assert rows["comparable"].all()
    published = rows[~rows["suppressed"]]
    assert (published["n"] >= 10).all()
    web = rows[(rows["level"] == "kanaal") & (rows["group"] == "website")]
    if (df["kanaal"] == "website").sum() < 10:
        assert web["suppressed"].all() and web["estimate"].isna().all() and web["n"].isna().all()
    tot = rows[(rows["kpi"] == "tevredenheid_mean") & (rows["level"] == "totaal")].iloc[0]
    assert tot["estimate"] == pytest.approx(df["tevredenheid"].mean())
    assert tot["n"] == len(df)


def test_write_and_load_roundtrip(tmp_path):
    a = benchmark.export_aggregates(_responses(seed=1), _config("a", "A"), min_cell=10)
    b = benchmark.export_aggregates(_responses(seed=2, shift=1), _config("b", "B"), min_cell=10)
    benchmark.write_aggregates(a, tmp_path / "a" / "aggregates.json")
    benchmark.write_aggregates(b, tmp_path / "b" / "aggregates.json")
    (tmp_path / "a" / "provenance.json").write_text("{}", encoding="utf-8")  # other JSON in a report folder
    table = benchmark.load_aggregates(tmp_path)
    assert set(table["org_id"]) == {"a", "b"}
    assert not list(tmp_path.rglob("*.tmp"))
    row = table[(table["org_id"] == "a") & (table["kpi"] == "tevredenheid_mean") & (table["level"] == "totaal")]
    assert row["estimate"].iloc[0] == pytest.approx(a["kpis"][0]["estimate"])


def test_older_codebook_version_is_a_clear_error(tmp_path):
    agg = benchmark.export_aggregates(_responses(), _config(), min_cell=10)
    agg["codebook_version"] = "0.9"
    path = benchmark.write_aggregates(agg, tmp_path / "oud.json")
    with pytest.raises(DataError) as err:
        benchmark.load_aggregates([path])
    msg = str(err.value)
    assert "oud.json" in msg and "0.9" in msg and load_codebook().version in msg and "codebook_version" in msg


def test_bad_files_are_clear_errors(tmp_path):
    agg = benchmark.export_aggregates(_responses(), _config(), min_cell=10)
    bad = json.loads(json.dumps(agg))
    bad["responses"] = [{"tevredenheid": 7}]
    with pytest.raises(DataError, match="unexpected key 'responses'"):
        benchmark.validate_aggregates(bad, "x.json")
    leak = json.loads(json.dumps(agg))
    leak["kpis"][0]["n"] = 3
    with pytest.raises(DataError, match=r"kpis\[0\]\.n"):
        benchmark.validate_aggregates(leak, "x.json")
    (tmp_path / "kapot.json").write_text("{not json", encoding="utf-8")
    with pytest.raises(DataError, match="kapot.json"):
        benchmark.load_aggregates([tmp_path / "kapot.json"])
    p1 = benchmark.write_aggregates(agg, tmp_path / "1.json")
    p2 = benchmark.write_aggregates(agg, tmp_path / "2.json")
    with pytest.raises(DataError, match="also comes from"):
        benchmark.load_aggregates([p1, p2])


def _table(rows: list[dict]) -> pd.DataFrame:
    df = pd.DataFrame(rows)
    df["kpi"] = df.get("kpi", "tevredenheid_mean")
    df["statistic"] = df["kpi"].map(lambda k: "nps" if k == "nps" else k.rsplit("_", 1)[1])
    df["kind"] = df["statistic"].map(benchmark._kind)
    df["suppressed"] = df.get("suppressed", False)
    df["org_name"] = df["org_id"].str.upper()
    return df


def test_rank_probability_matches_closed_form():
    # Two organisations: P(A ranks first) = Phi((mA - mB) / sqrt(seA^2 + seB^2)).
    t = _table([{"org_id": "a", "level": "totaal", "group": None, "estimate": 7.2, "se": 0.10, "ci_low": 7.0,
                 "ci_high": 7.4, "n": 100, "n_eff": 100.0},
                {"org_id": "b", "level": "totaal", "group": None, "estimate": 7.0, "se": 0.15, "ci_low": 6.7,
                 "ci_high": 7.3, "n": 100, "n_eff": 100.0}])
    r = benchmark.rank_organisations(t, "tevredenheid_mean", n_sim=200_000, seed=7).set_index("org_id")
    expected = stats.norm.cdf(0.2 / math.sqrt(0.01 + 0.0225))
    assert r.loc["a", "p_best"] == pytest.approx(expected, abs=0.005)
    assert (r.loc["a", "rank"], r.loc["a", "rank_low"], r.loc["a", "rank_high"]) == (1, 1, 2)
    again = benchmark.rank_organisations(t, "tevredenheid_mean", n_sim=200_000, seed=7).set_index("org_id")
    assert again.loc["a", "p_best"] == r.loc["a", "p_best"]  # seeded: identical


def test_well_separated_ranks_are_certain():
    t = _table([{"org_id": k, "level": "totaal", "group": None, "estimate": m, "se": 0.01, "ci_low": m - .02,
                 "ci_high": m + .02, "n": 500, "n_eff": 500.0} for k, m in [("a", 6.0), ("b", 7.0), ("c", 8.0)]])
    r = benchmark.rank_organisations(t, "tevredenheid_mean", n_sim=2000)
    assert list(r["org_id"]) == ["c", "b", "a"]
    assert list(r["rank_low"]) == [1, 2, 3] and list(r["rank_high"]) == [1, 2, 3]
    text = benchmark_view.describe_ranking(r, "b", "tevredenheid")
    assert "plaats 2 van 3" in text and "7,0" in text


def test_funnel_limits_closed_form():
    # Org a n_eff 100, se 0.15, estimate 6.9; org b n_eff 300, se 0.1, 7.4. DerSimonian-Laird: w = 44.4, 100;
    # fixed mean 7.2462, Q = 7.692 on 1 df, tau2 = 6.692 / 61.54 = 0.10875; random-effects mean 7.1625.
    # sigma = sqrt((100*2.25 + 300*3) / 400) = 1.6771; a sits at n = sigma^2 / se^2 = 125, so its 95 % limits
    # are 7.1625 -+ 1.96 sqrt(0.0225 + 0.10875): both organisations lie within (the classic limits put b above).
    from statsmodels.stats.meta_analysis import combine_effects

    t = _table([{"org_id": "a", "level": "totaal", "group": None, "estimate": 6.9, "se": 0.15, "ci_low": 0,
                 "ci_high": 0, "n": 100, "n_eff": 100.0},
                {"org_id": "b", "level": "totaal", "group": None, "estimate": 7.4, "se": 0.1, "ci_low": 0,
                 "ci_high": 0, "n": 300, "n_eff": 300.0}])
    f, target, sigma = benchmark.funnel_table(t, "tevredenheid_mean")
    ref = combine_effects(np.array([6.9, 7.4]), np.array([0.0225, 0.01]), method_re="dl")
    assert f.attrs["tau2"] == pytest.approx(ref.tau2) and f.attrs["tau2"] == pytest.approx(0.10875, abs=1e-5)
    assert target == pytest.approx(ref.mean_effect_re) and target == pytest.approx(7.1625, abs=1e-4)
    assert sigma == pytest.approx(math.sqrt((100 * 2.25 + 300 * 3.0) / 400))
    a = f.set_index("org_id").loc["a"]
    assert a["n_eff"] == pytest.approx(sigma ** 2 / 0.0225)
    assert a["low95"] == pytest.approx(target - 1.959964 * math.sqrt(0.0225 + f.attrs["tau2"]), abs=1e-6)
    assert a["low998"] == pytest.approx(target - 3.090232 * math.sqrt(0.0225 + f.attrs["tau2"]), abs=1e-6)
    assert (f["position"] == "binnen").all()
    b_n = f.set_index("org_id").loc["b", "n_eff"]
    classic = benchmark.funnel_limits(target, sigma, [b_n])  # tau2 = 0: the old, too narrow limits put b above
    assert 7.4 > classic["high95"].iloc[0]
    share = benchmark.funnel_limits(0.8, math.nan, [100], "share")
    assert share["high95"].iloc[0] == pytest.approx(0.8 + 1.959964 * 0.04, abs=1e-6)
    share = benchmark.funnel_limits(0.8, math.nan, [100], "share", tau2=0.0009)
    assert share["high95"].iloc[0] == pytest.approx(0.8 + 1.959964 * 0.05, abs=1e-6)
    fig = benchmark_view.plot_funnel(f, target, sigma, "tevredenheid", highlight="a")
    assert "99,8%" in alt_text(fig)
    assert "Spiegelhalter" in benchmark_view.describe_funnel(f, "a", target)
    assert "beter" not in benchmark_view.describe_funnel(f, "a", target)


def test_overdispersed_funnel_flags_about_five_percent():
    # Known truth: 12 organisations differ really (between-SD 0.3) and are measured precisely (se 0.05-0.15).
    # Every organisation then is "different", but only as different as organisations usually are: the
    # adjusted 95 % limits flag about 5 % of them; the classic limits flag most (the audit's 3 of 4).
    rng = np.random.default_rng(2005)
    flagged_adj = flagged_classic = total = 0
    for _ in range(400):
        k = 12
        se = rng.uniform(0.05, 0.15, k)
        est = 7.0 + rng.normal(0, 0.3, k) + rng.normal(0, se)
        t = _table([{"org_id": f"o{i}", "level": "totaal", "group": None, "estimate": e, "se": s, "ci_low": 0,
                     "ci_high": 0, "n": 400, "n_eff": 400.0} for i, (e, s) in enumerate(zip(est, se))])
        f, target, sigma = benchmark.funnel_table(t, "tevredenheid_mean")
        flagged_adj += int((f["position"] != "binnen").sum())
        classic = benchmark.funnel_limits(target, sigma, f["n_eff"])
        flagged_classic += int(((est < classic["low95"]) | (est > classic["high95"])).sum())
        total += k
    assert 0.02 <= flagged_adj / total <= 0.08, flagged_adj / total
    assert flagged_classic / total > 0.5


def test_pooled_average_is_not_one_large_organisation():
    # LUT-like: one organisation with 20x the respondents (se 0.02) and a different level than three small
    # ones. The fixed-effect (n-weighted) average would sit on the large one; the random-effects mean does not.
    from statsmodels.stats.meta_analysis import combine_effects

    est, se = np.array([6.4, 7.3, 7.1, 7.5]), np.array([0.02, 0.12, 0.15, 0.1])
    t = _table([{"org_id": f"o{i}", "level": "totaal", "group": None, "estimate": e, "se": s, "ci_low": 0,
                 "ci_high": 0, "n": 100, "n_eff": 100.0} for i, (e, s) in enumerate(zip(est, se))])
    f, target, _ = benchmark.funnel_table(t, "tevredenheid_mean")
    assert target == pytest.approx(combine_effects(est, se ** 2, method_re="dl").mean_effect_re)
    assert f["weight"].max() < 0.4 and target > 6.9
    fixed = np.sum(est / se ** 2) / np.sum(1 / se ** 2)
    assert fixed < 6.5  # what the n-weighted average would have said


def test_case_mix_direct_standardisation_hand_worked():
    # Org a: telefoon 6.0 (se .2), balie 8.0 (se .1); org b: telefoon 6.5 (se .3), balie 8.5 (se .2).
    # Standard mix telefoon 0.25, balie 0.75 -> a: 0.25*6 + 0.75*8 = 7.5; b: 0.25*6.5 + 0.75*8.5 = 8.0.
    rows = []
    for org, tel, bal, crude in (("a", (6.0, .2), (8.0, .1), 6.5), ("b", (6.5, .3), (8.5, .2), 8.2)):
        rows.append({"org_id": org, "level": "totaal", "group": None, "estimate": crude, "se": .1, "n": 100,
                     "n_eff": 100.0, "ci_low": 0, "ci_high": 0})
        for g, (m, se) in (("telefoon", tel), ("balie", bal)):
            rows.append({"org_id": org, "level": "kanaal", "group": g, "estimate": m, "se": se, "n": 50,
                         "n_eff": 50.0, "ci_low": 0, "ci_high": 0})
    t = _table(rows)
    adj = benchmark.case_mix_adjust(t, "tevredenheid_mean", "kanaal",
                                    standard={"telefoon": 1, "balie": 3}).set_index("org_id")
    assert adj.loc["a", "adjusted"] == pytest.approx(7.5)
    assert adj.loc["b", "adjusted"] == pytest.approx(8.0)
    assert adj.loc["a", "se"] == pytest.approx(math.sqrt(0.0625 * 0.04 + 0.5625 * 0.01))
    assert adj.loc["a", "coverage"] == pytest.approx(1.0)
    # default standard: the mean of the organisations' own mixes (equal here) -> 0.5/0.5
    pooled = benchmark.case_mix_adjust(t, "tevredenheid_mean").set_index("org_id")
    assert pooled.loc["a", "adjusted"] == pytest.approx(7.0)
    # a stratum the organisation does not publish lowers coverage: below 90 % no adjustment, and a sentence why
    t2 = t[~((t["org_id"] == "b") & (t["group"] == "telefoon"))]
    part = benchmark.case_mix_adjust(t2, "tevredenheid_mean", standard={"telefoon": 1, "balie": 3}).set_index("org_id")
    assert np.isnan(part.loc["b", "adjusted"]) and part.loc["b", "reason"] == "coverage"
    assert part.loc["b", "coverage"] == pytest.approx(0.75)
    text = benchmark_view.describe_case_mix(part.reset_index(), "b")
    assert "75" in text and "90" in text and "niet" in text
    low = benchmark.case_mix_adjust(t2, "tevredenheid_mean", standard={"telefoon": 1, "balie": 3},
                                    min_coverage=0.7).set_index("org_id")
    assert low.loc["b", "adjusted"] == pytest.approx(8.5)


def test_standard_mix_counts_every_organisation_equally():
    # a: 900 telefoon / 100 balie; b: 10 / 90. Pooled counts would give telefoon .83; the mean of mixes .5.
    rows = []
    for org, (nt, nb) in (("a", (900, 100)), ("b", (10, 90))):
        rows.append({"org_id": org, "level": "totaal", "group": None, "estimate": 7.0, "se": .1, "n": nt + nb,
                     "n_eff": float(nt + nb), "ci_low": 0, "ci_high": 0})
        for g, n in (("telefoon", nt), ("balie", nb)):
            rows.append({"org_id": org, "level": "kanaal", "group": g, "estimate": 7.0, "se": .2, "n": n,
                         "n_eff": float(n), "ci_low": 0, "ci_high": 0})
    mix = benchmark.standard_mix(_table(rows), "tevredenheid_mean")
    assert mix["telefoon"] == pytest.approx((0.9 + 0.1) / 2)


def test_small_sample_organisation_exports_nothing_below_min_cell(sample_dir, tmp_path):
    from meethuis.intake.config import load_config
    from meethuis.intake.validate import load_survey
    from meethuis.stats.weights import survey_weights

    config = load_config(sample_dir / "isr.yml")
    responses = load_survey(config).responses
    agg = benchmark.export_aggregates(responses, config, weights=survey_weights(responses, config), min_cell=10)
    rows = pd.DataFrame(agg["kpis"])
    assert rows["suppressed"].any()  # a small inspectorate has small channels/services
    assert (rows.loc[~rows["suppressed"], "n"] >= 10).all()
    assert rows.loc[rows["suppressed"], ["estimate", "ci_low", "ci_high", "se", "n", "n_eff"]].isna().all().all()
    table = benchmark.load_aggregates([benchmark.write_aggregates(agg, tmp_path / "isr.json")])
    assert set(table["level"]) == {"totaal", "kanaal", "dienst", "periode"}
    assert table.loc[table["level"] == "totaal", "n"].iloc[0] == responses["tevredenheid"].notna().sum()


from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(st.floats(1, 10), st.floats(0.01, 1), st.floats(0.01, 5)), min_size=1, max_size=5))
def test_standardised_value_lies_within_its_strata(strata):
    # Direct standardisation is a weighted average: it can never leave the range of the stratum estimates.
    rows = [{"org_id": "a", "level": "totaal", "group": None, "estimate": 5.0, "se": .1, "n": 100, "n_eff": 100.0,
             "ci_low": 0, "ci_high": 0}]
    mix = {}
    for k, (m, se, share) in enumerate(strata):
        rows.append({"org_id": "a", "level": "kanaal", "group": f"g{k}", "estimate": m, "se": se, "n": 50,
                     "n_eff": 50.0, "ci_low": 0, "ci_high": 0})
        mix[f"g{k}"] = share
    adj = benchmark.case_mix_adjust(_table(rows), "tevredenheid_mean", standard=mix).iloc[0]
    ests = [m for m, _, _ in strata]
    assert min(ests) - 1e-9 <= adj["adjusted"] <= max(ests) + 1e-9
    assert adj["se"] <= max(se for _, se, _ in strata) + 1e-12


@settings(max_examples=20, deadline=None)
@given(st.lists(st.floats(5, 9), min_size=2, max_size=6), st.integers(0, 2**31 - 1))
def test_rank_interval_contains_point_rank(estimates, seed):
    t = _table([{"org_id": f"o{k}", "level": "totaal", "group": None, "estimate": e, "se": 0.2, "ci_low": e - .4,
                 "ci_high": e + .4, "n": 100, "n_eff": 100.0} for k, e in enumerate(estimates)])
    r = benchmark.rank_organisations(t, "tevredenheid_mean", n_sim=400, seed=seed)
    assert ((r["rank_low"] <= r["rank"]) & (r["rank"] <= r["rank_high"])).all()
    assert (r["rank_low"] >= 1).all() and (r["rank_high"] <= len(estimates)).all()
    assert r["p_best"].sum() == pytest.approx(1.0)


def test_benchmark_table_from_a_folder_relative_to_the_config(tmp_path):
    folder = tmp_path / "exports"
    for org in ("a", "b", "zelf"):
        agg = benchmark.export_aggregates(_responses(seed=len(org)), _config(org, org.upper()), min_cell=10)
        benchmark.write_aggregates(agg, folder / org / "aggregates.json")
    own = benchmark.export_aggregates(_responses(seed=9, shift=0.5), _config("zelf", "Zelf"), min_cell=10)
    config = SimpleNamespace(path=tmp_path / "zelf.yml")
    table = benchmark.benchmark_table(own, "exports", config)
    assert sorted(table["org_id"].unique()) == ["a", "b", "zelf"]
    mine = table[(table["org_id"] == "zelf") & (table["kpi"] == "tevredenheid_mean") & (table["level"] == "totaal")]
    assert mine["estimate"].iloc[0] == pytest.approx(own["kpis"][0]["estimate"])  # fresh, not the old file
    with pytest.raises(DataError, match="benchmark folder not found"):
        benchmark.benchmark_table(own, "nergens", config)


def test_size_bands_are_coarse():
    assert [benchmark.size_band(n) for n in (0, 499, 500, 1999, 2000, 9999, 10_000, 10**6)] == \
        ["<500", "<500", "500-1999", "500-1999", "2000-9999", "2000-9999", "10000+", "10000+"]


def test_driver_aggregates_equal_the_bootstrap_of_the_core_drivers(sample_dir):
    """Driver rows are the driver module's bootstrap on the core drivers, per core outcome, all >= min_cell."""
    from meethuis.intake.config import load_config
    from meethuis.intake.validate import load_survey
    from meethuis.stats.drivers import bootstrap_importance

    config = load_config(sample_dir / "molensloot.yml")
    responses = load_survey(config).responses
    responses = responses[responses["periode"] == "2026Q3"]
    agg = benchmark.export_aggregates(responses, config, min_cell=10)
    flags = agg["comparability"]
    assert flags["drivers"] and set(flags["drivers"]) <= set(config.codebook.drivers(core_only=True))
    assert flags["core_mapped"] == (not flags["missing_core"])
    drivers = pd.DataFrame(agg["drivers"])
    assert set(drivers["outcome"]) <= set(benchmark.core_kpi_items(config.codebook))
    assert (drivers["n"] >= 10).all() and drivers["driver"].isin(flags["drivers"]).all()
    ref = bootstrap_importance(responses, "tevredenheid", flags["drivers"], n_boot=benchmark.DRIVER_BOOT,
                               seed=benchmark.DEFAULT_SEED).set_index("driver")
    ours = drivers[drivers["outcome"] == "tevredenheid"].set_index("driver")
    for col in ("importance", "ci_low", "ci_high", "share", "share_ci_low", "share_ci_high"):
        assert np.allclose(ours[col], ref.loc[ours.index, col], atol=1e-8)
    # shares of one outcome add up to 1 (Shapley importances add up to R2)
    assert ours["share"].sum() == pytest.approx(1, abs=1e-6)
    assert benchmark.validate_aggregates(json.loads(json.dumps(agg)))["drivers"]


def test_version_1_files_are_upgraded_and_unknown_versions_refused(tmp_path):
    agg = benchmark.export_aggregates(_responses(), _config(), min_cell=10, drivers=False)
    v1 = {k: agg[k] for k in benchmark.V1_TOP_FIELDS}
    v1["schema_version"] = 1
    v1["organisation"] = {"id": "testgem", "name": "Gemeente Test"}
    v1["kpis"] = [{k: v for k, v in row.items() if k != "comparable"} for row in agg["kpis"]]
    up = benchmark.validate_aggregates(v1, "oud.json")
    assert up["schema_version"] == 2 and up["drivers"] == [] and up["organisation"]["kind"] == ""
    assert up["comparability"]["core_mapped"] is None and all(r["comparable"] is None for r in up["kpis"])
    with pytest.raises(DataError, match="schema version 3"):
        benchmark.validate_aggregates({**agg, "schema_version": 3}, "nieuw.json")


@pytest.mark.parametrize("mutate, message", [
    (lambda a: a["kpis"][0].update(n=5), "below min_cell 10"),
    (lambda a: a["kpis"][0].update(respondent_id="r1"), "unexpected field 'respondent_id'"),
    (lambda a: a["kpis"].__setitem__(0, {**a["kpis"][0], "suppressed": True}), "suppressed cell still shows"),
    (lambda a: a["drivers"].append({f: 0.1 for f in benchmark.DRIVER_FIELDS} | {"n": 3}), "drivers\\[0\\]"),
])
def test_validation_names_the_bad_row(mutate, message):
    agg = json.loads(json.dumps(benchmark.export_aggregates(_responses(), _config(), min_cell=10, drivers=False)))
    mutate(agg)
    with pytest.raises(DataError, match=message):
        benchmark.validate_aggregates(agg, "x.json")


def test_receiver_min_cell_is_a_floor():
    agg = json.loads(json.dumps(benchmark.export_aggregates(_responses(n=60), _config(), min_cell=10, drivers=False)))
    smallest = min(r["n"] for r in agg["kpis"] if not r["suppressed"])
    benchmark.validate_aggregates(agg, "x.json", min_cell=smallest)
    with pytest.raises(DataError, match=f"below min_cell {smallest + 1}"):
        benchmark.validate_aggregates(agg, "x.json", min_cell=smallest + 1)


def test_peer_aggregates_are_read_from_the_cache_not_recomputed(sample_dir, tmp_path, monkeypatch):
    import shutil

    from meethuis.intake import validate

    folder = tmp_path / "orgs"
    folder.mkdir()
    for name in ("isr.yml", "isr_enquete.sav", "isr_zaken.csv", "lindewaard.yml", "lindewaard_enquete.xlsx",
                 "lindewaard_zaken.csv"):
        shutil.copy(sample_dir / name, folder / name)
    shutil.copytree(sample_dir / "volwassenheid", folder / "volwassenheid")
    monkeypatch.setenv(benchmark.CACHE_ENV, str(tmp_path / "cache"))
    fresh = benchmark.sample_aggregates(folder, period="", min_cell=10)
    assert len(list((tmp_path / "cache" / "aggregates").glob("*.json"))) == 2

    def no_raw_reads(*args, **kwargs):
        raise AssertionError("a peer's raw survey was read again")

    monkeypatch.setattr(validate, "load_survey", no_raw_reads)
    cached = benchmark.sample_aggregates(folder, period="", min_cell=10)
    pd.testing.assert_frame_equal(benchmark.aggregates_table(cached), benchmark.aggregates_table(fresh))
    with pytest.raises(AssertionError, match="raw survey"):  # another min_cell is another entry
        benchmark.sample_aggregates(folder, period="", min_cell=11)
    monkeypatch.undo()
    monkeypatch.setenv(benchmark.CACHE_ENV, str(tmp_path / "cache"))
    (folder / "isr.yml").write_text((folder / "isr.yml").read_text(encoding="utf-8") + "\n# changed\n", encoding="utf-8")
    benchmark.sample_aggregates(folder, period="", min_cell=10)  # a changed config is a new entry
    assert len(list((tmp_path / "cache" / "aggregates").glob("*.json"))) == 3
    monkeypatch.setenv(benchmark.CACHE_ENV, "")
    assert benchmark.cache_dir() is None


def test_appendix_lists_every_benchmark_form_the_code_reads():
    """book/bijlagen/eigen-organisatie.md: each `benchmark:` form in its table does what the row says."""
    import re
    from pathlib import Path

    import yaml

    from meethuis.improve.international import a11_options

    page = (Path(__file__).resolve().parents[1] / "book" / "bijlagen" / "eigen-organisatie.md").read_text("utf-8")
    forms = re.findall(r"^\| `(benchmark: [^`]+)`(?: of `(benchmark: [^`]+)`)? \|", page, re.M)
    written = [f for pair in forms for f in pair if f]
    assert len(written) == 6

    def config(text, synthetic):
        return SimpleNamespace(raw=yaml.safe_load(text), synthetic=synthetic, path="org.yml")

    sources = {f: benchmark.benchmark_source(config(f, True)) for f in written}
    assert sources["benchmark: {folder: vergelijking}"] == "vergelijking"
    assert sources["benchmark: {pool: gemeenschap.duckdb}"] == "pool:gemeenschap.duckdb"
    assert sources["benchmark: {samples: true}"] == sources["benchmark: samples"] == "samples"
    assert benchmark.benchmark_source(config("benchmark: {samples: true}", False)) is None  # never for a real org
    assert a11_options(config("benchmark: {a11: true}", False)) is not None
    assert benchmark.benchmark_source(config("benchmark: {a11: true}", False)) is None  # a11 alone is no source
    opts = a11_options(config("benchmark: {a11: {offered: 2000, volume: 3100}}", False))
    assert (opts["offered"], opts["volume"]) == (2000, 3100)


def test_ranking_chart_with_long_names_keeps_room_for_the_data():
    """Long organisation names wrap (report figures pass plots.fit_axis_labels) instead of squeezing the plot."""
    import re

    from meethuis.report.display import figure_html

    names = ["Gemeente Molensloot (fictief)", "Inspectie Speelruimte en Recreatieveiligheid (fictief)",
             "Landelijk Uitvoeringsbureau Tegemoetkomingen (fictief)", "Gemeente Lindewaard (fictief)"]
    ranks = pd.DataFrame({"org_id": list("abcd"), "org_name": names, "estimate": [7.2, 6.8, 6.6, 6.9],
                          "ci_low": [7.0, 6.3, 6.5, 6.6], "ci_high": [7.4, 7.3, 6.7, 7.2], "n": [380, 44, 5000, 107],
                          "rank": [1, 3, 4, 2], "rank_low": [1, 1, 3, 1], "rank_high": [2, 4, 4, 3], "p_best": [.6, .2, 0, .2]})
    fig = benchmark_view.plot_ranking(ranks, "het gemiddelde rapportcijfer", "mean", "nl", highlight="b")
    page = figure_html(fig, n_min=44)
    assert "data-layout-problems" not in page
    ax = fig.axes[0]
    assert ax.get_window_extent().width / fig.bbox.width >= 0.3  # the data keep at least 30 % of the width
    shown = {" ".join(t.get_text().split()): t.get_text() for t in ax.get_yticklabels()}
    assert "\n" in shown["Inspectie Speelruimte en Recreatieveiligheid (fictief) (rang 1–4)"]  # wrapped, all words kept
    assert re.search(r'data-n-min="44"', page)

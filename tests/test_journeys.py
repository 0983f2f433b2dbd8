"""Journey measures: hand-worked cases, closed forms, statsmodels, and the generator's planted truth.

References: a hand-worked six-case contact log (paths, hand-offs, repeat contact, completion); the
cluster-robust variance of a mean from statsmodels OLS (``cov_type="cluster"``) for the channel mix; Woolf's
closed-form odds ratio and interval for a 2×2 table and statsmodels ``Logit`` for the reminder model; the
known truth of ``meethuis.sample`` (docstring "Journeys") for the sample organisations.
"""
from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
import statsmodels.formula.api as smf

from meethuis import sample
from meethuis.common.errors import AnalysisError, DataError
from meethuis.improve import journeys as jr
from meethuis.intake.config import load_config
from meethuis.intake.events import load_journeys
from meethuis.intake.validate import load_survey
from meethuis.report.chapters import klantreis
from meethuis.stats.disclosure import assert_protected

SALT = "test-salt"
CHANNELS = ["telefoon", "balie", "website", "e-mail", "chat", "post"]


def log(rows, columns=("zaak_sleutel", "contact_tijdstip", "contact_kanaal", "richting", "team", "opgelost")):
    frame = pd.DataFrame(rows, columns=list(columns))
    frame["contact_tijdstip"] = pd.to_datetime(frame["contact_tijdstip"])
    frame["contact_kanaal"] = pd.Categorical(frame["contact_kanaal"], categories=CHANNELS)
    for c in ("richting", "team"):
        if c in frame:
            frame[c] = frame[c].astype("category")
    if "opgelost" in frame:
        frame["opgelost"] = frame["opgelost"].astype("boolean")
    return frame


HAND = log([
    # A: website, website, phone (2 days later), resolved at the 3rd; team KCC -> KCC -> Vergunningen: 1 hand-off
    ("A", "2026-01-05 09:00", "website", "in", "KCC", False),
    ("A", "2026-01-06 09:00", "website", "in", "KCC", False),
    ("A", "2026-01-07 10:00", "telefoon", "in", "Vergunningen", True),
    # B: one phone call, resolved: no repeat, no switch
    ("B", "2026-01-10 11:00", "telefoon", "in", "KCC", True),
    # C: phone, outbound call back 3 days later (not a repeat), inbound e-mail 20 days later; hand-offs after
    #    the resolving contact (the 2nd) are not counted
    ("C", "2026-01-03 09:00", "telefoon", "in", "KCC", False),
    ("C", "2026-01-06 09:00", "telefoon", "uit", "Burgerzaken", True),
    ("C", "2026-01-23 09:00", "e-mail", "in", "KCC", False),
    # D: chat then chat 8 days later (outside the 7-day window), never resolved; 5 channels path test below
    ("D", "2026-01-02 09:00", "chat", "in", "KCC", False),
    ("D", "2026-01-10 09:30", "chat", "in", "KCC", False),
    # E: first contact 3 days before the end of the log and no follow-up: censored (repeat unknown)
    ("E", "2026-01-25 09:00", "balie", "in", "KCC", True),
    # F: long path, cut after four channels
    ("F", "2026-01-01 08:00", "telefoon", "in", "KCC", False),
    ("F", "2026-01-01 09:00", "website", "in", "KCC", False),
    ("F", "2026-01-01 10:00", "balie", "in", "KCC", False),
    ("F", "2026-01-01 11:00", "e-mail", "in", "KCC", False),
    ("F", "2026-01-01 12:00", "post", "in", "KCC", True),
])
END = pd.Timestamp("2026-01-28 09:00")


@pytest.fixture(scope="module")
def hand():
    frame = pd.concat([HAND, log([("Z", END, "post", "uit", "KCC", False)])], ignore_index=True)  # sets the log end
    prepared = jr.prepare_contacts(frame.sample(frac=1, random_state=1), SALT)  # order of the file must not matter
    features = jr.case_features(prepared, 7)
    keys = dict(zip(jr.pseudonymise(pd.Series(list("ABCDEFZ")), SALT), "ABCDEFZ"))
    features.index = [keys[k] for k in features["koppel_id"].astype(str)]
    return prepared, features


def test_case_features_hand_worked(hand):
    _, f = hand
    assert f.loc["A", "path"] == "website → telefoon" and f.loc["A", "n_channels"] == 2
    assert f.loc["B", "path"] == "telefoon" and f.loc["B", "n_contacts"] == 1
    assert f.loc["F", "path"] == "telefoon → website → balie → e-mail → …" and f.loc["F", "path_length"] == 5
    assert list(f.loc[list("ABCDF"), "handoffs"]) == [1, 0, 1, 0, 0]  # C: KCC->Burgerzaken, then resolved
    assert list(f.loc[list("ABCD"), "repeat"]) == [1.0, 0.0, 0.0, 0.0]  # C's call back is outbound; D after 8 days
    assert math.isnan(f.loc["E", "repeat"]) and not f.loc["E", "repeat_known"]
    assert list(f.loc[list("ABCDEF"), "resolved"]) == [True, True, True, False, True, True]
    # completion channel: the first resolving contact; digital = website, e-mail, chat
    assert list(f.loc[list("ABCEF"), "completion_channel"].astype(str)) == ["telefoon", "telefoon", "telefoon",
                                                                           "balie", "post"]
    assert f.loc["A", "first_inbound_channel"] == "website"
    assert "zaak_sleutel" not in f and "contact_tijdstip" not in f


def test_repeat_window_comes_from_the_config_value(hand):
    prepared, _ = hand
    f9 = jr.case_features(prepared, 9)
    keys = dict(zip(jr.pseudonymise(pd.Series(list("ABCDEFZ")), SALT), "ABCDEFZ"))
    f9.index = [keys[k] for k in f9["koppel_id"].astype(str)]
    assert f9.loc["D", "repeat"] == 1.0  # 8 days apart: a repeat with a 9-day window


def test_tables_on_the_hand_worked_log(hand):
    prepared, f = hand
    rc = jr.repeat_contact(f, min_cell=1)
    known = f["repeat_known"] & f.index.isin(list("ABCDEF"))  # Z: its only contact is outbound
    # A (phone two days after the website) and F (five contacts in one morning) come back within 7 days
    assert rc["n"].iloc[0] == known.sum() == 5 and rc["estimate"].iloc[0] == pytest.approx(2 / 5)
    assert rc["fcr"].iloc[0] == pytest.approx(3 / 5)
    moves = jr.transitions(prepared, min_cell=1).set_index(["van", "naar"])
    assert moves.loc[("website", "telefoon"), "moves"] == 1 and moves.loc[("website", "website"), "moves"] == 1
    assert moves.loc[("website", "website"), "share"] == pytest.approx(1 / 3)  # website -> website/phone/balie
    dt = jr.digital_takeup(f, min_cell=1)
    assert dt["n"].iloc[0] == 5 and dt["estimate"].iloc[0] == 0.0
    paths = jr.top_paths(f, min_cell=2)
    assert list(paths["pad"]) == []  # every path here is followed by one case only: none may be listed
    assert list(jr.top_paths(f, min_cell=1)["n"])[:1] == [1]


def test_channel_mix_matches_statsmodels_cluster_robust_interval():
    rng = np.random.default_rng(5)
    n_cases = 300
    m = rng.integers(1, 5, n_cases)
    case = np.repeat(np.arange(n_cases), m)
    chan = np.where(rng.random(len(case)) < 0.3 + 0.4 * (case % 2), "website", "telefoon")
    frame = log([(f"K{c}", pd.Timestamp("2026-01-01") + pd.Timedelta(hours=i), ch, "in", "KCC", False)
                 for i, (c, ch) in enumerate(zip(case, chan))])
    mix = jr.channel_mix(jr.prepare_contacts(frame, SALT), by=(), min_cell=10).set_index("kanaal")
    y = (chan == "website").astype(float)
    fit = sm.OLS(y, np.ones_like(y)).fit(cov_type="cluster", cov_kwds={"groups": case})
    assert mix.loc["website", "estimate"] == pytest.approx(y.mean(), abs=1e-12)
    assert mix.loc["website", "se"] == pytest.approx(float(fit.bse[0]), rel=1e-10)
    assert mix.loc["website", "n"] == len(np.unique(case[chan == "website"]))
    assert mix["estimate"].sum() == pytest.approx(1.0)


def _appointments(rows):
    return pd.DataFrame(rows, columns=["no_show", "herinnering", "onderwerp", "boekingskanaal", "leeftijdsgroep"])


def test_reminder_odds_ratio_equals_woolf_for_a_two_by_two():
    # a = no-show with reminder, b = shown with reminder, c = no-show without, d = shown without
    a, b, c, d = 12, 188, 30, 170
    rows = ([(1.0, True)] * a + [(0.0, True)] * b + [(1.0, False)] * c + [(0.0, False)] * d)
    planned = pd.DataFrame(rows, columns=["no_show", "herinnering"])
    table = jr.reminder_effect(planned, min_cell=10)
    row = table.iloc[0]
    odds_ratio = (a * d) / (b * c)
    se = math.sqrt(1 / a + 1 / b + 1 / c + 1 / d)
    assert row["odds_ratio"] == pytest.approx(odds_ratio, rel=1e-8)
    assert row["ci_low"] == pytest.approx(odds_ratio * math.exp(-1.959963984540054 * se), rel=1e-6)
    assert row["ci_high"] == pytest.approx(odds_ratio * math.exp(1.959963984540054 * se), rel=1e-6)
    assert row["rate_with"] == pytest.approx(a / (a + b)) and row["rate_without"] == pytest.approx(c / (c + d))
    assert len(table) == 1  # no age groups: only the overall odds ratio


def test_reminder_effect_by_age_matches_statsmodels_logit():
    rng = np.random.default_rng(11)
    n = 4000
    age = rng.choice(["18-34", "35-49", "50-64", "65+"], n)
    service = rng.choice(["paspoort", "bijstand", "vergunning"], n)
    booking = rng.choice(["website", "telefoon"], n)
    reminder = rng.random(n) < 0.6
    logit = -2.0 + 0.4 * (age == "65+") + 0.3 * (booking == "website") - np.where(age == "65+", 0.8, 0.2) * reminder
    y = (rng.random(n) < 1 / (1 + np.exp(-logit))).astype(float)
    planned = pd.DataFrame({"no_show": y, "herinnering": reminder, "onderwerp": service, "boekingskanaal": booking,
                            "leeftijdsgroep": age})
    table = jr.reminder_effect(planned, min_cell=10).set_index("groep")
    data = pd.DataFrame({"y": y, "r": reminder.astype(float), "o": (age == "65+").astype(float), "a": age,
                         "s": service, "b": booking})
    ref = smf.logit("y ~ r + r:o + C(a) + C(s) + C(b)", data=data).fit(disp=0)
    b = ref.params["r"] + ref.params["r:o"]
    cov = ref.cov_params()
    se = math.sqrt(cov.loc["r", "r"] + cov.loc["r:o", "r:o"] + 2 * cov.loc["r", "r:o"])
    assert table.loc["65+", "odds_ratio"] == pytest.approx(math.exp(b), rel=1e-6)
    assert table.loc["65+", "ci_low"] == pytest.approx(math.exp(b - 1.959963984540054 * se), rel=1e-5)
    assert table.loc["jonger dan 65", "odds_ratio"] == pytest.approx(math.exp(ref.params["r"]), rel=1e-6)
    main = smf.logit("y ~ r + C(a) + C(s) + C(b)", data=data).fit(disp=0)
    assert table.loc["iedereen", "odds_ratio"] == pytest.approx(math.exp(main.params["r"]), rel=1e-6)


def test_reminder_effect_needs_both_groups():
    planned = pd.DataFrame({"no_show": [0.0] * 30 + [1.0] * 5, "herinnering": [True] * 30 + [False] * 5})
    with pytest.raises(AnalysisError, match="too few appointments"):
        jr.reminder_effect(planned, min_cell=10)


def test_step_completion_hand_worked():
    rows = []
    for i, reached in enumerate([0, 1, 1, 2, 2, 2]):
        for j in range(reached + 1):
            rows.append((f"S{i}", pd.Timestamp("2026-02-01") + pd.Timedelta(days=j), "website", "vergunning",
                         ["aanvraag", "aanvulling", "besluit"][j]))
    frame = pd.DataFrame(rows, columns=["zaak_sleutel", "contact_tijdstip", "contact_kanaal", "onderwerp", "stap"])
    frame["contact_kanaal"] = pd.Categorical(frame["contact_kanaal"], categories=CHANNELS)
    table = jr.step_completion(jr.prepare_contacts(frame, SALT), {"vergunning": ["aanvraag", "aanvulling", "besluit"]},
                               min_cell=1)
    assert list(table["estimate"]) == pytest.approx([1, 5 / 6, 3 / 6])
    assert list(table["uitval"]) == pytest.approx([0, 1 / 6, 2 / 6])
    assert list(table["n"]) == [6, 5, 3]
    assert jr.step_completion(jr.prepare_contacts(frame, SALT), {"vergunning": ["aanvraag", "aanvulling", "besluit"]},
                              min_cell=4)["suppressed"].tolist() == [False, False, True]


def test_foreign_log_with_only_key_time_and_channel():
    frame = log([("A", "2026-01-01 09:00", "website"), ("A", "2026-01-02 09:00", "telefoon"),
                 ("B", "2026-01-20 09:00", "telefoon")], columns=("zaak_sleutel", "contact_tijdstip", "contact_kanaal"))
    f = jr.case_features(jr.prepare_contacts(frame, SALT), 7)
    # A repeats within a day; B's only contact lies within 7 days of the end of the log: censored
    assert list(f["repeat"].dropna()) == [1.0] and f["repeat_known"].sum() == 1
    assert f["handoffs"].isna().all() and not f["resolved"].any()
    linked = pd.DataFrame({"handoffs": f["handoffs"].to_numpy(), "in_contactlog": True})
    with pytest.raises(AnalysisError, match="no team column"):
        jr.handoff_experience(linked)
    with pytest.raises(DataError, match="no 'contact_kanaal' column"):
        jr.prepare_contacts(frame.drop(columns=["contact_kanaal"]))


# ------------------------------------------------------------------------------------------------------
# The planted truth of the sample organisations
# ------------------------------------------------------------------------------------------------------
@pytest.fixture(scope="module", params=["molensloot", "lut"])
def org(request):
    config = load_config(sample.sample_config(request.param))
    events = load_journeys(config)
    survey = load_survey(config)
    prepared = jr.prepare_contacts(events["contacts"].frame, SALT)
    features = jr.case_features(prepared, config.journeys.repeat_days, config.codebook.digital_channels)
    linked = jr.link_cases(survey.responses, features, SALT)
    planned = jr.planned_appointments(events["appointments"].frame)
    return request.param, config, prepared, features, linked, planned


def test_truth_website_to_phone_switchers_report_more_effort(org):
    _, _, _, _, linked, _ = org
    result = jr.switching_experience(linked, outcomes=("gemak",), min_cell=10)
    d = result.differences.set_index("groep")
    assert d.loc["website → telefoon", "ci_high"] < -0.3  # clearly lower ease (= more effort), adjusted for service
    assert d.loc["website → telefoon", "difference"] < d.loc["andere wisselaars", "difference"]
    assert_protected(result.means, 10)


def test_truth_repeat_contact_falls_from_the_improvement_quarter(org):
    org_id, _, _, features, _, _ = org
    improvement = sample.JOURNEYS[org_id].improvement
    q = pd.PeriodIndex(features["periode"].astype(str), freq="Q")
    start = pd.Period(improvement, freq="Q")
    before = features[(q < start - 1) & features["repeat_known"]]  # the quarter just before straddles the change
    after = features[(q >= start) & features["repeat_known"]]
    rate_b, rate_a = before["repeat"].mean(), after["repeat"].mean()
    # design: repeat = P(2+ contacts) x P(follow-up within 7 days) = share(n >= 2) x 0.60, then x 0.30
    for rate, frame, quick in ((rate_b, before, sample.QUICK_REPEAT[0]), (rate_a, after, sample.QUICK_REPEAT[1])):
        expected = (frame["n_contacts"] >= 2).mean() * quick
        se = math.sqrt(expected * (1 - expected) / len(frame))
        assert abs(rate - expected) < 4 * se + 0.01, (rate, expected)
    assert rate_b - rate_a > 0.1
    table = jr.repeat_contact(features, by=["periode"])
    assert_protected(table, 10)


def test_truth_each_hand_off_goes_with_lower_humanity(org):
    _, _, _, _, linked, _ = org
    # design: P(hand-off per follow-up contact) = 0.6 - 0.1 x menselijkheid, so E[h / (n - 1) | M] is linear
    d = linked[linked["in_contactlog"].astype(bool) & (linked["n_contacts"] >= 2)].dropna(subset=["menselijkheid"])
    fit = smf.ols("r ~ m", data=pd.DataFrame({"r": d["handoffs"] / (d["n_contacts"] - 1), "m": d["menselijkheid"]})).fit()
    lo, hi = fit.conf_int().loc["m"]
    assert lo < -0.1 < hi and fit.params["Intercept"] == pytest.approx(0.6, abs=0.08)
    result = jr.handoff_experience(linked, min_cell=10)
    slope = result.differences.set_index("outcome").loc["menselijkheid"]
    assert slope["ci_high"] < 0
    means = result.means[(result.means["outcome"] == "menselijkheid") & ~result.means["suppressed"]]
    assert means["estimate"].is_monotonic_decreasing and len(means) >= 3


def test_truth_reminders_halve_no_shows_among_65_plus(org):
    org_id, _, _, _, _, planned = org
    table = jr.reminder_effect(planned, min_cell=10).set_index("groep")
    old = table.loc["65+"]
    assert old["ci_high"] < 1
    # design odds ratio for a rate halved from the 65+ base rate (averaged over booking channels)
    base = sample.NO_SHOW_BASE["65+"] * (0.5 * sample.NO_SHOW_WEBSITE + 0.5) if org_id == "molensloot" else \
        sample.NO_SHOW_BASE["65+"] * (0.6 * sample.NO_SHOW_WEBSITE + 0.4)
    design = (0.5 * base / (1 - 0.5 * base)) / (base / (1 - base))
    assert old["ci_low"] < design < old["ci_high"]
    if org_id == "lut":  # enough appointments to see the rates themselves
        o = planned[planned["leeftijdsgroep"] == "65+"]
        ratio = o.loc[o["herinnering"].astype(bool), "no_show"].mean() / o.loc[~o["herinnering"].astype(bool), "no_show"].mean()
        assert 0.3 < ratio < 0.7
        assert table.loc["65+", "odds_ratio"] < table.loc["jonger dan 65", "odds_ratio"]
    rates = jr.no_show_rates(planned)
    assert_protected(rates, 10)
    assert set(rates["indeling"]) == {"totaal", "onderwerp", "boekingskanaal", "herinnering", "leeftijdsgroep"}


def test_truth_steps_drop_out_as_designed(org):
    _, config, prepared, _, _, _ = org
    table = jr.step_completion(prepared, config.journeys.steps)
    for service, steps in config.journeys.steps.items():
        second = table[(table["onderwerp"] == service) & (table["volgorde"] == 2)].iloc[0]
        assert second["ci_low"] < 1 - sample.STEP_DROP < second["ci_high"]


def test_outputs_hold_no_keys_times_or_single_case_paths(org):
    org_id, config, prepared, features, linked, planned = org
    keys = set(sample.journey_truth(org_id)[0]["zaak_sleutel"])
    pseudonyms = set(features["koppel_id"].astype(str))
    tables = [jr.channel_mix(prepared, by=["onderwerp", "periode"]), jr.digital_takeup(features, by=["periode"]),
              jr.transitions(prepared), jr.switching_summary(features), jr.top_paths(features),
              jr.channel_flows(features), jr.repeat_contact(features, by=["first_inbound_channel"]),
              jr.no_show_rates(planned), jr.reminder_effect(planned), jr.step_completion(prepared, config.journeys.steps)]
    for t in tables:
        assert_protected(t, 10)
        text = t.to_csv()
        assert not any(k in text for k in list(keys)[:500]) and not any(p in text for p in list(pseudonyms)[:500])
        assert not any(pd.api.types.is_datetime64_any_dtype(t[c]) for c in t.columns)
    paths = jr.top_paths(features, min_cell=10)
    assert (paths["n"] >= 10).all() and len(paths) <= 10
    counts = features["path"].value_counts()
    assert not set(paths["pad"]) & set(counts[counts < 10].index)


def test_figures_have_alt_text_that_matches_the_published_numbers(org):
    from meethuis.common.plots import alt_text

    org_id, config, _, features, _, _ = org
    flows = jr.channel_flows(features, min_cell=10)
    text = alt_text(klantreis.plot_channel_flows(flows, "nl", config.codebook, 10))
    top = flows.iloc[0]
    label = f"{config.codebook.value_label('contact_kanaal', top['van'], 'nl')} → " \
            f"{config.codebook.value_label('contact_kanaal', top['naar'], 'nl')}"
    assert label in text and f"{len(features[features['n_contacts'] >= 2]):,}".replace(",", ".") in text
    hidden = flows.loc[flows["van"] == jr.OTHER, "n"]
    if len(hidden) and not flows.loc[flows["van"] == jr.OTHER, "suppressed"].iloc[0]:
        assert "niet getekend" in text
    trend = jr.repeat_contact(features, by=["periode"])
    marker = sample.JOURNEYS[org_id].improvement
    text = alt_text(klantreis.plot_repeat_contact(trend, "en", 7, marker))
    assert "within 7 days" in text and "dashed line" in text and len(text) > 80


def test_age_group_comes_from_the_survey_when_the_appointments_file_has_none():
    responses = pd.DataFrame({"zaak_sleutel": ["A", "B"], "leeftijdsgroep": ["65+", "18-34"]})
    appointments = pd.DataFrame({"zaak_sleutel": ["A", "B", "C"], "afspraak_uitkomst": ["verschenen", "niet_verschenen", "verzet"],
                                 "herinnering": [True, False, True]})
    planned = jr.planned_appointments(appointments, responses, SALT)
    assert list(planned["leeftijdsgroep"]) == ["65+", "18-34"] and list(planned["no_show"]) == [0.0, 1.0]
    assert "zaak_sleutel" not in planned

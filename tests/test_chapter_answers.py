"""Each chapter's answer (one or two plain sentences that open the chapter) says what the numbers say.

The numbers are recomputed here by hand from the sample data or built into small tables with a known
verdict (alpha below 0.70 is weak, a group below 0.8 times its population share is under-represented),
and the sentences are checked for them in both languages.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from meethuis.common import narrative as nv
from meethuis.report.chapters import intake, meetkwaliteit, representativiteit
from meethuis.report.chapters.common import open_chapter


class _Codebook:
    constructs = {"menselijke_maat": {"label": {"nl": "Menselijke maat", "en": "Human touch"}},
                  "basis": {"label": {"nl": "Basis op orde", "en": "Basics"}}}


def _reliability(alphas: dict[str, float], suppressed=()) -> pd.DataFrame:
    return pd.DataFrame({"construct": list(alphas), "alpha": list(alphas.values()),
                         "suppressed": [c in suppressed for c in alphas]})


def test_measurement_quality_answer_names_the_weakest_construct():
    straight = pd.DataFrame({"block": ["drijfveren"], "k": [11.0], "share": [0.0314], "suppressed": [False]})
    good = meetkwaliteit.answer(_reliability({"menselijke_maat": 0.877, "basis": 0.868}), straight, _Codebook, "nl")
    assert good == ("We kunnen op de antwoorden bouwen: bij beide onderdelen meten de vragen samen betrouwbaar "
                    "(alpha minstens 0,70; laagste 0,87 bij basis op orde). 3,1% van de respondenten gaf op elke "
                    "vraag over drijfveren hetzelfde antwoord.")
    weak = meetkwaliteit.answer(_reliability({"menselijke_maat": 0.65, "basis": 0.81}), straight, _Codebook, "en")
    assert weak == ("For 1 of the 2 constructs the questions do not measure reliably enough together: "
                    "human touch (0.65). Read their results with care.")
    hidden = meetkwaliteit.answer(_reliability({"menselijke_maat": 0.9}, suppressed=("menselijke_maat",)),
                                  straight.iloc[:0], _Codebook, "nl")
    assert hidden.startswith("Of de vragen betrouwbaar meten, is hier niet te zeggen")


def test_measurement_quality_answer_on_the_sample_matches_a_hand_alpha():
    ch = open_chapter("isr")
    common = meetkwaliteit.common_scale(ch.responses, ch.codebook)
    constructs = meetkwaliteit.constructs_in_use(ch.responses, ch.codebook)
    reliability = meetkwaliteit.protect_table(
        meetkwaliteit.reliability_table(common, ch.codebook, constructs=constructs), ch.min_cell)
    drivers = [d for d in ch.config.drivers() if d in ch.responses.columns]
    straight = meetkwaliteit.protect_table(
        meetkwaliteit.straightlining_summary(ch.responses, {"drijfveren": drivers}), ch.min_cell)
    text = meetkwaliteit.answer(reliability, straight, ch.codebook, "nl")

    def alpha(items):  # Cronbach by hand: k/(k-1) * (1 - sum of item variances / variance of the sum)
        x = common[items].dropna()
        k = len(items)
        return k / (k - 1) * (1 - x.var(ddof=1).sum() / x.sum(axis=1).var(ddof=1))

    hand = {c: alpha([i for i in ch.codebook.items_of(c) if i in common.columns]) for c in constructs}
    lowest = min(hand, key=hand.get)
    assert f"laagste {nv.format_number(hand[lowest], 2, 'nl')} bij {ch.codebook.constructs[lowest]['label']['nl'].lower()}" in text
    answered = ch.responses[drivers].notna().sum(axis=1) >= 5  # at least five answers: the check's rule
    same = (ch.responses.loc[answered, drivers].nunique(axis=1) == 1).mean()
    assert f"{nv.format_percent(same, 1, 'nl')} van de respondenten" in text


def test_intake_answer_counts_the_period_and_the_file():
    ch = open_chapter("molensloot")
    rows = ch.survey.responses.shape[0]
    latest = (ch.survey.responses["periode"].astype(str) == "2026Q3").sum()
    assert intake.answer(ch) == (f"Dit rapport rust op {nv.format_int(latest, 'nl')} antwoorden (3e kwartaal 2026). "
                                 f"Het hele bestand bevat {nv.format_int(rows, 'nl')} antwoorden uit 8 kwartalen; "
                                 "de trends gebruiken ze allemaal.")


def test_representativeness_answer_names_under_and_over_represented_groups():
    rep = pd.DataFrame({"variable": ["Leeftijdsgroep"] * 3, "category": ["65+", "18-34", "35-64"],
                        "sample": [0.10, 0.45, 0.45], "population": [0.25, 0.30, 0.45],
                        "representation": ["under", "over", "ok"], "n": [30, 135, 135]})
    weights = pd.Series(np.r_[np.full(30, 2.5), np.full(135, 0.30 / 0.45), np.full(135, 1.0)])
    n_eff = weights.sum() ** 2 / (weights ** 2).sum()  # Kish
    text = representativiteit.answer(rep, weights, 10, "nl")
    assert text == ("Groepen die te weinig mee deden: leeftijdsgroep 65+; en die te veel mee deden: leeftijdsgroep "
                    "18-34. De weging corrigeert dat. Door de weging tellen de 300 antwoorden even zwaar als "
                    f"{nv.format_int(n_eff, 'nl')} zonder weging.")
    small = rep.assign(n=[5, 135, 135])  # the under-represented group is too small to show
    assert "geen groep deed duidelijk te weinig" not in representativiteit.answer(small, weights, 10, "nl")
    balanced = rep.assign(representation="ok", n=[30, 135, 135])
    assert representativiteit.answer(balanced, weights, 10, "en").startswith(
        "The respondents resemble the population by leeftijdsgroep: no group took part clearly")
    assert representativiteit.answer(None, weights, 10, "nl").startswith("De uitkomsten zijn niet gewogen")


@pytest.mark.parametrize("org", ["isr", "lindewaard"])
def test_representativeness_answer_on_the_samples_agrees_with_the_table(org):
    ch = open_chapter(org)
    rep = representativiteit.label_representativeness(
        representativiteit.representativeness(ch.responses, ch.config.margins, ch.weights), ch.codebook, "nl")
    text = representativiteit.answer(rep, ch.weights, ch.min_cell, "nl")
    for _, r in rep.iterrows():
        name = f"{r['variable'].lower()} {r['category'][:1].lower()}{r['category'][1:]}"
        shown = r["n"] >= ch.min_cell and r["representation"] != "ok"
        assert (name in text) == bool(shown), (name, text)


def test_maturity_answer_gives_the_mean_and_the_weakest_dimension():
    from meethuis.improve.maturity import DIMENSIONS
    from meethuis.report.chapters import volwassenheid

    ch = open_chapter("molensloot")
    scan = volwassenheid.maturity_for_config(ch.config)
    scores = scan.scores
    mean = sum(scores.values()) / len(scores)
    low = min(scores.values())
    weakest = [DIMENSIONS[d]["label"]["nl"].lower() for d, v in scores.items() if v == low]
    text = volwassenheid.describe_maturity(scan, "nl")
    assert text.startswith(f"Het gemiddelde volwassenheidsniveau is {nv.format_number(mean, 1, 'nl')} op een schaal")
    assert f"Het meeste te winnen valt bij {nv.join_list(weakest, 'nl')} (niveau {low})" in text


def test_representativeness_chart_starts_at_zero():
    from meethuis.common.plots import layout_problems
    from meethuis.stats.disclosure import protect_table

    ch = open_chapter("lindewaard")
    rep = representativiteit.label_representativeness(
        representativiteit.representativeness(ch.responses, ch.config.margins, ch.weights), ch.codebook, "nl")
    fig, _ = representativiteit.plot_representativeness(protect_table(rep, ch.min_cell), "nl")
    assert fig.axes[0].get_xlim()[0] == 0  # shares from zero: bars of 16 % and 23 % look like 16 and 23
    assert not [p for p in layout_problems(fig) if p.startswith("axis")]


# -- 08 benchmark, 09 process data, 10 feedback ----------------------------------------------------------------
def test_benchmark_answer_gives_place_rank_range_and_funnel_verdict():
    from meethuis.report.chapters import benchmark

    ranks = pd.DataFrame({"org_id": ["a", "b", "c"], "org_name": ["A", "B", "C"], "estimate": [7.4, 7.1, 6.6],
                          "rank": [1, 2, 3], "rank_low": [1, 1, 3], "rank_high": [2, 2, 3]})
    funnel = pd.DataFrame({"org_id": ["a", "b", "c"], "position": ["binnen", "binnen", "onder_95"]})
    assert benchmark.answer(ranks, funnel, 7.03, "b", "het gemiddelde rapportcijfer", "mean", "nl") == (
        "Met 7,1 op het gemiddelde rapportcijfer staan we op plaats 2 van 3; door de onzekerheid kan dat plaats 1 "
        "tot 2 zijn. Dat is niet duidelijk anders dan het gemiddelde van de organisaties (7,0).")
    assert benchmark.answer(ranks, funnel, 7.03, "c", "the average grade", "mean", "en") == (
        "With 6.6 on the average grade we are ranked 3 of 3. That is worse than the average of the organisations (7.0).")
    assert benchmark.answer(ranks, None, 7.03, "x", "het cijfer", "mean", "nl").startswith("Voor het cijfer is er geen")


def test_benchmark_answer_on_the_samples_matches_the_aggregates():
    from meethuis.report.chapters import benchmark

    ch = open_chapter("isr")
    table = benchmark.benchmark_table(ch.aggregates(), "", ch.config, period=ch.period, min_cell=ch.min_cell)
    ranks = benchmark.rank_organisations(table, "tevredenheid_mean", n_sim=2000, seed=1)
    funnel, target, _ = benchmark.funnel_table(table, "tevredenheid_mean")
    text = benchmark.answer(ranks, funnel, target, "isr", "het cijfer", "mean", "nl")
    totals = table[(table["kpi"] == "tevredenheid_mean") & (table["level"] == "totaal")].set_index("org_id")["estimate"]
    place = int((totals > totals["isr"]).sum()) + 1  # rank by hand: 1 + organisations scoring higher
    assert f"Met {nv.format_number(totals['isr'], 1, 'nl')} op het cijfer staan we op plaats {place} van {len(totals)}" in text


def test_process_answer_compares_first_and_last_group_beyond_the_margin():
    from meethuis.report.chapters import procesdata

    ch = open_chapter("molensloot")
    pv = procesdata.open_process(ch)
    effects = {m: procesdata.measure_effect(ch, pv, m) for m in pv.measures}
    text = procesdata.answer(ch, pv, effects)
    sentences = text.split(". ")
    assert len(sentences) == min(2, len(effects))
    for measure, sentence in zip(effects, sentences):
        shown = effects[measure][~effects[measure]["suppressed"].astype(bool)]
        a, b = shown.iloc[0], shown.iloc[-1]
        z = (b["estimate"] - a["estimate"]) / np.sqrt(a["se"] ** 2 + b["se"] ** 2)  # two independent groups
        verdict = "geen duidelijk verschil" if abs(z) < 1.959964 else ("duidelijk hoger" if z > 0 else "duidelijk lager")
        assert sentence.startswith(f"{procesdata.measure_label(ch, measure)}: bij {a['bin']} is het rapportcijfer "
                                   f"gemiddeld {nv.format_number(a['estimate'], 1, 'nl')}, bij {b['bin']} "
                                   f"{nv.format_number(b['estimate'], 1, 'nl')} ({verdict})")
    one = {"doorlooptijd_dagen": pd.DataFrame({"bin": ["kort", "lang"], "estimate": [7.6, 6.9], "se": [0.1, 0.2],
                                                "suppressed": [False, False]})}
    assert procesdata.answer(ch, pv, one) == ("Doorlooptijd: bij kort is het rapportcijfer gemiddeld 7,6, bij lang "
                                              "6,9 (duidelijk lager).")  # z = -0,7 / 0,224 = -3,1


def test_feedback_answer_names_the_biggest_and_the_most_negative_theme():
    from meethuis.report.chapters import feedback

    ch = open_chapter("molensloot")
    lexicon = feedback.load_lexicon(ch.config)
    themes = feedback.theme_table(ch.responses, lexicon, min_cell=ch.min_cell, lang="nl")
    total = themes[(themes["group"] == "totaal") & ~themes["suppressed"].astype(bool)]
    most = total.loc[total["share"].idxmax()]
    worst = total.sort_values(["share_negative", "n"], ascending=False).iloc[0]
    assert feedback.answer(themes, "nl", lexicon) == (
        f"Van de {nv.format_int(total['n_answers'].max(), 'nl')} open antwoorden gaat "
        f"{nv.format_percent(most['share'], 0, 'nl')} over {lexicon.label(most['theme'], 'nl').lower()}. "
        f"Het meest negatief zijn de opmerkingen over {lexicon.label(worst['theme'], 'nl').lower()} "
        f"({nv.format_percent(worst['share_negative'], 0, 'nl')} negatief).")
    rest = feedback.feedback_summary(themes, themes.iloc[:0], "nl", lexicon, start=2)
    assert rest.startswith("Het meest positief") and feedback.answer(themes, "nl", lexicon) not in rest

"""Tests of meethuis.improve.feedback: scrubbing against a labelled corpus, themes against hand-labelled
sentences, the protected theme table against hand counts, and the improvement log's validation."""
from __future__ import annotations

import csv
import re
import shutil
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest
import yaml
from hypothesis import given, settings, strategies as st

from meethuis.improve import feedback as fb
from meethuis.report.chapters import feedback as feedback_view
from meethuis.improve.feedback import themes as fb_themes
from meethuis.improve.feedback import scrubbing as fb_scrub
from meethuis.intake.codebook import load_codebook
from meethuis.intake.config import load_config
from meethuis.common.errors import AnalysisError, ConfigError

FIXTURES = Path(__file__).resolve().parent / "fixtures"
ROOT = Path(__file__).resolve().parents[1]


# -- checksums (hand-worked and published examples) -----------------------------------------------
def test_bsn_11_proef_hand_worked():
    # 111222333: 9+8+7+2*6+2*5+2*4+3*3+3*2 - 3 = 66 = 6*11 -> valid
    assert fb.bsn_is_valid("111222333")
    # 123456789: 9+16+21+24+25+24+21+16 - 9 = 147 = 13*11 + 4 -> invalid
    assert not fb.bsn_is_valid("123456789")
    assert not fb.bsn_is_valid("000000000")
    assert not fb.bsn_is_valid("12345678")


def test_iban_mod97_published_examples():
    # ISO 13616 / ECBS examples
    assert fb.iban_is_valid("GB82 WEST 1234 5698 7654 32")
    assert fb.iban_is_valid("NL91ABNA0417164300")
    assert fb.iban_is_valid("BE68539007547034")
    assert not fb.iban_is_valid("NL92ABNA0417164300")  # check digits off by one
    assert not fb.iban_is_valid("NL91ABNA041716430")  # too short for NL (18)


# -- the labelled corpus ---------------------------------------------------------------------------
def _corpus() -> list[tuple[str, list[tuple[str, str]]]]:
    with open(FIXTURES / "scrub_corpus.tsv", encoding="utf-8") as fh:
        lines = [line for line in fh if not line.startswith("#")]
    rows = []
    for r in csv.DictReader(lines, delimiter="\t", quoting=csv.QUOTE_NONE):
        anns = [tuple(a.split("=", 1)) for a in (x.strip() for x in (r["remove"] or "").split(" ; ")) if a]
        rows.append((r["text"], anns))
    return rows


CORPUS = _corpus()


def test_corpus_is_a_sound_reference():
    assert len(CORPUS) >= 300
    kinds = {k for _, anns in CORPUS for k, _ in anns}
    assert kinds == set(fb_scrub.TAGS)
    negatives = sum(1 for _, anns in CORPUS if not anns)
    assert negatives >= 120
    for text, anns in CORPUS:
        for kind, value in anns:
            assert value in text, (value, text)
            if kind == "BSN":
                assert fb.bsn_is_valid(re.sub(r"\D", "", value)), value
            if kind == "IBAN":
                assert fb.iban_is_valid(value), value


def _evaluate(rows):
    tp = fp = 0
    hit: dict[str, int] = {}
    total: dict[str, int] = {}
    misses, false_pos = [], []
    for text, anns in rows:
        spans = []
        for kind, value in anns:
            start = text.find(value)
            spans.append((kind, start, start + len(value)))
        found = fb.find_personal_data(text)
        for m in found:
            if any(m.start < e and m.end > s for _, s, e in spans):
                tp += 1
            else:
                fp += 1
                false_pos.append((m.kind, m.text, text))
        for kind, s, e in spans:
            covered = all(any(m.start <= i < m.end for m in found) for i in range(s, e) if not text[i].isspace())
            total[kind] = total.get(kind, 0) + 1
            hit[kind] = hit.get(kind, 0) + int(covered)
            if not covered:
                misses.append((kind, text[s:e], text))
    return tp, fp, hit, total, misses, false_pos


def test_scrub_recall_and_precision_on_labelled_corpus():
    tp, fp, hit, total, misses, false_pos = _evaluate(CORPUS)
    structured = [k for k in total if k in fb_scrub.STRUCTURED_KINDS]
    recall_structured = sum(hit[k] for k in structured) / sum(total[k] for k in structured)
    recall_names = hit["NAAM"] / total["NAAM"]
    precision = tp / (tp + fp)
    print(f"\nscrub corpus: {len(CORPUS)} sentences, {sum(total.values())} identifiers")
    for k in sorted(total):
        print(f"  recall {k:14s} {hit[k]:3d}/{total[k]:3d} = {hit[k] / total[k]:.3f}")
    print(f"  recall structured identifiers = {recall_structured:.4f}")
    print(f"  recall names                  = {recall_names:.4f}")
    print(f"  precision (detected spans)    = {precision:.4f} ({tp} true, {fp} false)")
    print(f"  misses: {misses}\n  false positives: {false_pos}")
    assert recall_structured >= 0.99
    assert recall_names >= 0.90
    assert precision >= 0.95


def test_scrubbed_text_keeps_no_annotated_value_and_keeps_near_misses():
    for text, anns in CORPUS:
        out = fb.scrub(text)
        for kind, value in anns:
            if kind in fb_scrub.STRUCTURED_KINDS:
                assert value not in out, (value, out)
        # every 9-digit number failing the 11-proef must survive unchanged
        for num in re.findall(r"(?<![\d.])\d{9}(?![\d])", text):
            if not fb.bsn_is_valid(num):
                assert num in out, (num, out)


@pytest.mark.parametrize("text, expected", [
    ("Mijn BSN is 111222333.", "Mijn BSN is [BSN]."),
    ("Bel 06-12345678 of mail jan@voorbeeld.nl", "Bel [TELEFOON] of mail [E-MAIL]"),
    ("IBAN NL91 ABNA 0417 1643 00 graag", "IBAN [IBAN] graag"),
    ("Dorpsstraat 12, 1234 AB Molensloot", "[ADRES] Molensloot"),
    ("geboren op 12-03-1980", "geboren op [GEBOORTEDATUM]"),
    ("auto 12-ABC-3 weg", "auto [KENTEKEN] weg"),
    ("Met vriendelijke groet, Jan de Vries", "Met vriendelijke groet, [NAAM]"),
    ("Mijn naam is niet belangrijk", "Mijn naam is niet belangrijk"),
    ("€ 123.456.789 en zaak 123456789", "€ 123.456.789 en zaak 123456789"),
    ("afspraak op 12-03-2026 om 10:30", "afspraak op 12-03-2026 om 10:30"),
])
def test_scrub_hand_examples(text, expected):
    assert fb.scrub(text) == expected


def test_find_personal_data_reports_kind_and_span():
    text = "Bel 06-12345678 of mail jan@voorbeeld.nl"
    found = fb.find_personal_data(text)
    assert [(m.kind, m.text) for m in found] == [("TELEFOON", "06-12345678"), ("E-MAIL", "jan@voorbeeld.nl")]
    assert all(text[m.start:m.end] == m.text for m in found)


def test_scrub_series_equals_elementwise_and_keeps_missing():
    texts = [t for t, _ in CORPUS[:50]]
    s = pd.Series(texts + [None, np.nan, texts[0]], index=range(100, 153), name="open_antwoord")
    out = fb.scrub_series(s)
    assert out.index.equals(s.index) and out.name == "open_antwoord"
    assert out.iloc[:50].tolist() == [fb.scrub(t) for t in texts]
    assert out.iloc[50] is None and pd.isna(out.iloc[51]) and out.iloc[52] == fb.scrub(texts[0])


def _valid_bsn(digits8: str) -> str | None:
    total = sum(int(d) * w for d, w in zip(digits8, range(9, 1, -1)))
    last = total % 11
    return digits8 + str(last) if last < 10 and digits8 != "0" * 8 else None


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet="0123456789", min_size=8, max_size=8),
       st.sampled_from(["Mijn BSN is {}.", "{} is mijn nummer", "bsn: {}", "Ik gaf {} op bij de balie."]))
def test_every_valid_bsn_is_removed(digits8, template):
    bsn = _valid_bsn(digits8)
    if bsn is None or bsn[0] == "0":
        return
    text = template.format(bsn)
    assert fb.bsn_is_valid(bsn)
    assert bsn not in fb.scrub(text)
    assert fb.scrub(fb.scrub(text)) == fb.scrub(text)  # idempotent


@settings(max_examples=100, deadline=None)
@given(st.sampled_from(["ABNA", "INGB", "RABO", "TRIO", "SNSB"]), st.text(alphabet="0123456789", min_size=10, max_size=10),
       st.booleans())
def test_every_valid_dutch_iban_is_removed(bank, account, spaced):
    numeric = "".join(str(int(c, 36)) for c in bank + account + "NL00")
    iban = f"NL{98 - int(numeric) % 97:02d}{bank}{account}"
    assert fb.iban_is_valid(iban)
    shown = " ".join(iban[i:i + 4] for i in range(0, 18, 4)) if spaced else iban
    assert shown not in fb.scrub(f"Stort het op {shown} graag.")


# -- themes against hand-labelled sentences ----------------------------------------------------------
# Each sentence with the themes (and sentiment) a careful reader assigns; written independently of
# the lexicon's word lists. "+" positief, "-" negatief, "0" neutraal.
LABELLED = [
    ("De medewerker toonde veel begrip voor mijn situatie.", {"empathie": "+"}),
    ("Ik voelde me behandeld als een nummer.", {"empathie": "-"}),
    ("Er was geen enkel begrip voor mijn ziekte.", {"empathie": "-"}),
    ("Heel menselijk en warm contact.", {"empathie": "+"}),
    ("Ze leefden echt met me mee na het overlijden van mijn man.", {"empathie": "+"}),
    ("De consulent dacht mee en kwam met een alternatief.", {"meedenken": "+"}),
    ("Niemand dacht mee, het was gewoon nee.", {"meedenken": "-"}),
    ("Er werd niet meegedacht over een oplossing.", {"meedenken": "-"}),
    ("Ze zochten samen met mij naar mogelijkheden.", {"meedenken": "+"}),
    ("Ik moest zelf alles uitzoeken.", {"meedenken": "-"}),
    ("Ik voelde me serieus genomen.", {"serieus_genomen": "+"}),
    ("Mijn klacht werd weggewuifd.", {"serieus_genomen": "-"}),
    ("Ik werd niet serieus genomen door de medewerker.", {"serieus_genomen": "-"}),
    ("Ik werd afgescheept met een standaardantwoord.", {"serieus_genomen": "-"}),
    ("Eindelijk voelde ik me gehoord.", {"serieus_genomen": "+"}),
    ("Ze luisterden echt naar mijn verhaal.", {"luisteren": "+"}),
    ("De medewerker luisterde niet.", {"luisteren": "-"}),
    ("Niemand luisterde naar wat ik zei.", {"luisteren": "-"}),
    ("Ik werd steeds onderbroken.", {"luisteren": "-"}),
    ("Er werd goed geluisterd.", {"luisteren": "+"}),
    ("Heel vriendelijk ontvangen aan de balie.", {"vriendelijkheid": "+"}),
    ("De medewerkster was bot en kortaf.", {"vriendelijkheid": "-"}),
    ("Niet erg vriendelijk aan de telefoon.", {"vriendelijkheid": "-"}),
    ("Aardige en geduldige mensen.", {"vriendelijkheid": "+"}),
    ("Onvriendelijke behandeling bij het loket.", {"vriendelijkheid": "-"}),
    ("Snel geholpen, binnen een week geregeld.", {"snelheid": "+"}),
    ("Het duurde veel te lang.", {"snelheid": "-"}),
    ("Ik wacht al drie maanden op een besluit.", {"snelheid": "-"}),
    ("Alles was vlot afgehandeld.", {"snelheid": "+"}),
    ("De afhandeling was traag.", {"snelheid": "-"}),
    ("De doorlooptijd was niet lang, dat viel mee.", {"snelheid": "+"}),
    ("Ik kreeg de juiste informatie.", {"juiste_informatie": "+"}),
    ("Ik kreeg tegenstrijdige informatie van twee medewerkers.", {"juiste_informatie": "-"}),
    ("De informatie op de website was verouderd.", {"juiste_informatie": "-"}),
    ("Het bedrag in de brief klopte niet.", {"juiste_informatie": "-"}),
    ("Ze gaven mij verkeerde informatie over de toeslag.", {"juiste_informatie": "-"}),
    ("Duidelijke uitleg over wat ik moest doen.", {"duidelijkheid": "+"}),
    ("De brief was onbegrijpelijk.", {"duidelijkheid": "-"}),
    ("Veel ambtelijke taal, ik snapte er niets van.", {"duidelijkheid": "-"}),
    ("Helder uitgelegd, nu snap ik het.", {"duidelijkheid": "+"}),
    ("Het was onduidelijk wat er van mij verwacht werd.", {"duidelijkheid": "-"}),
    ("Slecht bereikbaar, steeds in de wacht gezet.", {"bereikbaarheid": "-"}),
    ("De gemeente is goed bereikbaar.", {"bereikbaarheid": "+"}),
    ("Telefonisch onbereikbaar tussen de middag.", {"bereikbaarheid": "-"}),
    ("De website werkte niet op mijn telefoon.", {"bereikbaarheid": "-"}),
    ("De medewerker was deskundig.", {"deskundigheid": "+"}),
    ("Hij had geen verstand van zaken.", {"deskundigheid": "-"}),
    ("Zeer kundige en professionele hulp.", {"deskundigheid": "+"}),
    ("Ze beloofden terug te bellen maar deden dat niet.", {"afspraken_nakomen": "-"}),
    ("De afspraak werd niet nagekomen.", {"afspraken_nakomen": "-"}),
    ("Ze belden op tijd terug, zoals beloofd.", {"afspraken_nakomen": "+", "snelheid": "+"}),
    ("Het formulier was veel te ingewikkeld.", {"eenvoud_proces": "-"}),
    ("Van het kastje naar de muur gestuurd.", {"eenvoud_proces": "-"}),
    ("De aanvraag was eenvoudig en snel gedaan.", {"eenvoud_proces": "+", "snelheid": "+"}),
    ("Ik ben drie keer doorverwezen.", {"eenvoud_proces": "-"}),
    ("Ik werd keurig op de hoogte gehouden.", {"transparantie": "+"}),
    ("Ik weet nog steeds niet waarom het is afgewezen.", {"transparantie": "-"}),
    ("Het besluit was goed onderbouwd.", {"transparantie": "+"}),
    ("Vriendelijk, maar het duurde erg lang.", {"vriendelijkheid": "+", "snelheid": "-"}),
    ("Snel geholpen, maar niemand luisterde.", {"snelheid": "+", "luisteren": "-"}),
    ("Duidelijke brief en een vriendelijke medewerker.", {"duidelijkheid": "+", "vriendelijkheid": "+"}),
    ("Onduidelijke brief en lange wachttijd.", {"duidelijkheid": "-", "snelheid": "0"}),
    ("Deskundig, maar totaal geen begrip.", {"deskundigheid": "+", "empathie": "-"}),
    ("Goed geregeld.", {}),
    ("Geen opmerkingen.", {}),
    ("Ik heb niets aan te merken.", {}),
    ("Bedankt!", {}),
    ("Mijn buurman heeft hetzelfde probleem.", {}),
    ("Ik kom volgend jaar weer.", {}),
]
SIGN = {"+": "positief", "-": "negatief", "0": "neutraal"}


def test_theme_assignment_against_hand_labels():
    lexicon = fb.load_lexicon()
    answers = pd.Series([t for t, _ in LABELLED])
    hits = fb.assign_themes(answers, lexicon)
    predicted = {(r.row, r.theme): r.sentiment for r in hits.itertuples()}
    truth = {(i, th): SIGN[s] for i, (_, lab) in enumerate(LABELLED) for th, s in lab.items()}
    print("\ntheme        precision  recall   (hand-labelled sentences)")
    for theme in lexicon.themes:
        p = {k for k in predicted if k[1] == theme}
        t = {k for k in truth if k[1] == theme}
        prec = len(p & t) / len(p) if p else float("nan")
        rec = len(p & t) / len(t) if t else float("nan")
        print(f"  {theme:18s} {prec:6.2f}   {rec:6.2f}   (n={len(t)})")
    both = set(predicted) & set(truth)
    precision = len(both) / len(predicted)
    recall = len(both) / len(truth)
    sentiment_ok = sum(predicted[k] == truth[k] for k in both) / len(both)
    print(f"  micro precision {precision:.3f}, recall {recall:.3f}, sentiment agreement {sentiment_ok:.3f}")
    assert precision >= 0.85
    assert recall >= 0.85
    assert sentiment_ok >= 0.90


@pytest.mark.parametrize("text, theme, sentiment", [
    ("Niet vriendelijk.", "vriendelijkheid", "negatief"),
    ("Onvriendelijk.", "vriendelijkheid", "negatief"),
    ("Niet onvriendelijk.", "vriendelijkheid", "positief"),
    ("Ze luisterden niet", "luisteren", "negatief"),
    ("Ik hoefde niet lang te wachten.", "snelheid", "positief"),
])
def test_negation_rules(text, theme, sentiment):
    mentions = dict(fb_themes._answer_themes(text, fb.load_lexicon())[i][:2]
                    for i in range(len(fb_themes._answer_themes(text, fb.load_lexicon()))))
    assert mentions[theme] == sentiment


# -- theme table, hand counts and disclosure -----------------------------------------------------------
def _frame() -> pd.DataFrame:
    """30 answers with hand-known themes: 12 about snelheid (9 negative, 3 positive), 11 about
    vriendelijkheid (all positive), 4 about deskundigheid (below min_cell), 3 without a theme."""
    rows = []
    rows += [("Het duurde veel te lang.", 3.0)] * 6 + [("Het duurde veel te lang.", 6.0)] * 3
    rows += [("Snel geholpen.", 9.0)] * 3
    rows += [("Heel vriendelijk, mijn BSN is 111222333.", 8.0)] * 1 + [("Heel vriendelijk.", 8.0)] * 6
    rows += [("Heel vriendelijk.", 7.0)] * 4
    rows += [("Zeer deskundig.", 8.0)] * 4
    rows += [("Geen opmerkingen.", 8.0), ("nvt", 5.0), ("Mijn buurman belde ook.", 2.0)]
    rows += [(None, 8.0)] * 5
    return pd.DataFrame(rows, columns=["open_antwoord", "tevredenheid"])


def test_theme_table_matches_hand_counts_and_is_protected():
    table = fb.theme_table(_frame(), min_cell=10)
    total = table[table["group"] == "totaal"].set_index("theme")
    # answers: 30 texts minus "Geen opmerkingen." and "nvt" = 28 real answers (None rows excluded)
    assert total.at["snelheid", "n"] == 12
    assert total.at["snelheid", "n_answers"] == 28
    assert total.at["snelheid", "share"] == pytest.approx(12 / 28)
    assert total.at["snelheid", "share_negative"] == pytest.approx(9 / 12)
    assert total.at["snelheid", "share_positive"] == pytest.approx(3 / 12)
    assert total.at["vriendelijkheid", "n"] == 11
    assert total.at["vriendelijkheid", "share_positive"] == 1.0
    # deskundigheid (4 answers) and unmentioned themes are suppressed
    assert bool(total.at["deskundigheid", "suppressed"]) and np.isnan(total.at["deskundigheid", "share"])
    assert bool(total.at["empathie", "suppressed"])
    # grade groups: snelheid 1-5 has 6 mentions (<10) -> suppressed; no published cell below min_cell
    published = table[~table["suppressed"]]
    assert (published["n"] >= 10).all()
    cell = table[(table.theme == "snelheid") & (table.group == "1-5")].iloc[0]
    assert cell["suppressed"] and "small_cell" in cell["reason"]
    assert table.attrs.get("protected") is True


def test_quotes_only_for_themes_with_enough_answers_and_scrubbed():
    quotes = fb.example_quotes(_frame(), min_cell=10)
    assert set(quotes["theme"]) == {"snelheid", "vriendelijkheid"}
    assert not quotes["quote"].str.contains("111222333").any()
    assert set(quotes[quotes.theme == "snelheid"]["sentiment"]) == {"positief", "negatief"}
    assert fb.example_quotes(_frame(), min_cell=13).empty


def test_theme_table_without_text_column_is_a_clear_error():
    with pytest.raises(AnalysisError, match="open_antwoord"):
        fb.theme_table(pd.DataFrame({"tevredenheid": [7.0]}))


def test_grade_groups_boundaries():
    g = fb.grade_group(pd.Series([1, 5, 5.5, 6, 7, 8, 10, np.nan]))
    assert g.tolist() == ["1-5", "1-5", "onbekend", "6-7", "6-7", "8-10", "8-10", "onbekend"]


# -- config: themes override and improvement log ---------------------------------------------------------
def _stub(raw: dict, path: str = "org.yml") -> SimpleNamespace:
    return SimpleNamespace(raw=raw, path=Path(path), lines={}, codebook=load_codebook())


def test_config_themes_add_replace_and_new_theme():
    lexicon = fb.load_lexicon(_stub({"themes": {
        "snelheid": {"negatief": ["slakkengang"]},
        "vriendelijkheid": {"replace": True, "positief": ["allerliefst"]},
        "parkeren": {"label": {"nl": "Parkeren", "en": "Parking"}, "negatief": ["parkeerplek"]},
    }}))
    hits = fb.assign_themes(pd.Series(["Wat een slakkengang.", "Heel vriendelijk.", "Allerliefst!",
                                       "Geen parkeerplek te vinden."]), lexicon)
    assert set(map(tuple, hits[["row", "theme", "sentiment"]].values)) == {
        (0, "snelheid", "negatief"), (2, "vriendelijkheid", "positief"), (3, "parkeren", "positief")}
    assert lexicon.label("parkeren", "en") == "Parking"
    assert lexicon.label("snelheid", "nl") == load_codebook().label("snelheid", "nl")


@pytest.mark.parametrize("themes, key", [
    ({"Snelheid": {"negatief": ["x"]}}, "themes.Snelheid"),
    ({"snelheid": ["x"]}, "themes.snelheid"),
    ({"snelheid": {"negatief": [1]}}, "themes.snelheid.negatief"),
    ({"snelheid": {"slecht": ["x"]}}, "themes.snelheid"),
    ({"nieuw": {"replace": True}}, "themes.nieuw"),
])
def test_config_themes_errors_name_the_key(themes, key):
    with pytest.raises(ConfigError) as err:
        fb.load_lexicon(_stub({"themes": themes}))
    assert err.value.key == key and err.value.file == "org.yml" and err.value.hint


def _improvement(**over):
    entry = {"quarter": "2026Q2", "theme": "snelheid", "what": {"nl": "Sneller", "en": "Faster"}, "status": "gepland"}
    entry.update(over)
    return entry


@pytest.mark.parametrize("entry, key, words", [
    (_improvement(status="klaar"), "improvements[0].status", "gepland, in uitvoering or gerealiseerd"),
    (_improvement(quarter="Q2 2026"), "improvements[0].quarter", "2026Q2"),
    (_improvement(theme="parkeren"), "improvements[0].theme", "themes:"),
    (_improvement(what={"en": "only English"}), "improvements[0].what", "nl"),
    ({"quarter": "2026Q2", "theme": "snelheid", "status": "gepland"}, "improvements[0]", "what"),
    (_improvement(wanneer="nu"), "improvements[0].wanneer", "allowed"),
])
def test_improvement_errors_name_file_key_and_hint(entry, key, words):
    with pytest.raises(ConfigError) as err:
        fb.load_improvements(_stub({"improvements": [entry]}))
    assert err.value.key == key
    assert words in str(err.value)


def test_improvement_error_points_at_the_line(tmp_path):
    src = ROOT / "data" / "sample" / "molensloot.yml"
    text = src.read_text(encoding="utf-8").replace("    status: in uitvoering\n", "    status: bijna klaar\n", 1)
    cfg = tmp_path / "molensloot.yml"
    cfg.write_text(text, encoding="utf-8")
    config = load_config(cfg)
    line = next(i for i, t in enumerate(text.splitlines(), 1) if "status: bijna klaar" in t)
    with pytest.raises(ConfigError) as err:
        fb.load_improvements(config)
    assert err.value.file == f"{cfg}:{line}"
    assert err.value.key.endswith(".status")


def test_sample_improvements_load_and_rank():
    config = load_config(ROOT / "data" / "sample" / "molensloot.yml")
    items = fb.load_improvements(config)
    assert len(items) >= 5 and {i.status for i in items} <= set(fb.STATUSES)
    assert all(i.what.get("en") for i in items)


def test_you_said_we_did_ranks_top_per_quarter():
    items = [fb.Improvement("2026Q2", t, {"nl": f"actie {t}"}, s) for t, s in [
        ("snelheid", "gepland"), ("empathie", "gerealiseerd"), ("luisteren", "in uitvoering"),
        ("duidelijkheid", "gerealiseerd"), ("meedenken", "gepland"), ("deskundigheid", "gepland")]]
    items.append(fb.Improvement("2026Q1", "snelheid", {"nl": "eerder"}, "gerealiseerd"))
    importance = {"duidelijkheid": 0.30, "empathie": 0.10, "snelheid": 0.25, "meedenken": 0.05,
                  "deskundigheid": 0.20}
    table = fb.you_said_we_did(items, importance=importance, top=5)
    q2 = table[table.quarter == "2026Q2"]
    # status first (gerealiseerd, in uitvoering, gepland), then importance (higher first)
    assert q2["theme"].tolist() == ["duidelijkheid", "empathie", "luisteren", "snelheid", "deskundigheid"]
    assert table["quarter"].tolist()[0] == "2026Q2" and table["quarter"].tolist()[-1] == "2026Q1"
    assert q2["importance_rank"].tolist()[:2] == [1.0, 4.0]


def test_said_text_and_summary_are_built_from_the_numbers():
    table = fb.theme_table(_frame(), min_cell=10)
    loop = fb.you_said_we_did([fb.Improvement("2026Q2", "snelheid", {"nl": "Terugbelgarantie"}, "gerealiseerd")],
                              table)
    assert loop.at[0, "said"] == "75% van de opmerkingen over snelheid was negatief, 25% positief"
    text = feedback_view.feedback_summary(table, loop, "nl")
    assert "Van de 28 open antwoorden gaat 43% over snelheid." in text
    assert "vriendelijkheid (100% positief)" in text and "1 gerealiseerd" in text
    en = feedback_view.feedback_summary(table, fb.you_said_we_did([], table, lang="en"), "en")
    assert en.startswith("Of the 28 open answers, 43% are about speed.")


def test_themes_recover_the_sample_generator_truth():
    """Known-truth check: the sample generator builds answers from sentences of known theme and
    sentiment (``meethuis.sample._POS`` / ``_NEG``). Its labels give one theme per sentence, so a second
    theme the lexicon rightly sees (e.g. "niemand luisterde" -> luisteren) counts as a false positive."""
    from meethuis import sample

    pos, neg = sample._POS, sample._NEG
    assert pos and neg, "the sample generator's sentence banks are the reference here"
    survey, _ = sample.truth("molensloot")
    answers = survey["open_antwoord"].dropna()
    bank = ([(s.lower(), t, "positief") for t, ss in pos.items() for s in ss]
            + [(s.lower(), t, "negatief") for t, ss in neg.items() for s in ss])
    truth = {(i, t): p for i, a in answers.items() for s, t, p in bank if s in a.lower()}
    hits = fb.assign_themes(answers)
    predicted = {(r.row, r.theme): r.sentiment for r in hits.itertuples()}
    both = set(predicted) & set(truth)
    precision, recall = len(both) / len(predicted), len(both) / len(truth)
    agreement = sum(predicted[k] == truth[k] for k in both) / len(both)
    print(f"\nsample truth ({len(answers)} answers, {len(truth)} theme labels): precision {precision:.3f}, "
          f"recall {recall:.3f}, sentiment agreement {agreement:.3f}")
    assert recall >= 0.90
    assert precision >= 0.80
    assert agreement >= 0.95


def test_config_themes_error_points_at_the_line(tmp_path):
    src = ROOT / "data" / "sample" / "molensloot.yml"
    text = src.read_text(encoding="utf-8")
    text = text.replace('    negatief: ["in de wacht gezet"]', '    slecht: ["in de wacht gezet"]', 1)
    cfg = tmp_path / "molensloot.yml"
    cfg.write_text(text, encoding="utf-8")
    config = load_config(cfg)
    line = next(i for i, t in enumerate(text.splitlines(), 1) if t.strip() == "bereikbaarheid:"
                and i > text.splitlines().index("themes:"))
    with pytest.raises(ConfigError) as err:
        fb.load_lexicon(config)
    assert err.value.key == "themes.bereikbaarheid"
    assert err.value.file == f"{cfg}:{line}" and "positief, negatief, neutraal" in str(err.value)


@settings(max_examples=150, deadline=None)
@given(st.text(alphabet="0123456789", min_size=8, max_size=8), st.integers(0, 5))
def test_every_dutch_phone_format_is_removed(digits, style):
    mobile = [f"06-{digits}", f"06 {digits[:4]} {digits[4:]}", f"06{digits}", f"+31 6 {digits}",
              f"0031 6 {digits}", f"+31 (0)6 {digits[:2]} {digits[2:4]} {digits[4:6]} {digits[6:]}"][style]
    landline = [f"020-{digits[:7]}", f"0591 {digits[:6]}", f"010 - {digits[:7]}", f"(0591) {digits[:6]}",
                f"+31 20 {digits[:3]} {digits[3:7]}", f"0512-{digits[:6]}"][style]
    for number in (mobile, landline):
        out = fb.scrub(f"Bel mij op {number} na vijven.")
        assert out == "Bel mij op [TELEFOON] na vijven.", (number, out)


# -- names without a cue word (lexicon + capitalisation) -----------------------------------------------------
def _name_set() -> list[tuple[str, str]]:
    lines = [ln.rstrip("\n") for ln in (FIXTURES / "names_nl.tsv").read_text(encoding="utf-8").splitlines()
             if ln.strip() and not ln.startswith("#")]
    return [tuple((ln.split("\t") + [""])[:2]) for ln in lines[1:]]


def _name_removed(text: str, name: str) -> bool:
    out = fb.scrub(text)
    return all(w not in out for w in name.split() if w.lower() not in {"van", "de", "der", "den", "el"})


def test_names_without_cue_words_recall_on_the_name_set():
    rows = [(t, n) for t, n in _name_set() if n]
    missed = [(t, fb.scrub(t)) for t, n in rows if not _name_removed(t, n)]
    recall = 1 - len(missed) / len(rows)
    print(f"\nnames without cue: recall {len(rows) - len(missed)}/{len(rows)} = {recall:.3f}; missed {missed}")
    assert len(rows) >= 80 and recall >= 0.95


def test_ordinary_words_that_are_names_are_kept():
    negatives = [t for t, n in _name_set() if not n]
    found = [(t, [m.text for m in fb.find_personal_data(t)]) for t in negatives if fb.find_personal_data(t)]
    assert len(negatives) >= 40 and found == []


@pytest.mark.parametrize("text, expected", [
    ("Kees Pietersen heeft mij geholpen.", "[NAAM] heeft mij geholpen."),
    ("groet Jan Jansen", "groet [NAAM]"),
    ("Fatima was erg aardig", "[NAAM] was erg aardig"),
    ("ik sprak piet de vries aan de balie", "ik sprak [NAAM] aan de balie"),
    ("Wil je mij bellen? Ik hoop het.", "Wil je mij bellen? Ik hoop het."),
])
def test_names_from_the_issue(text, expected):
    assert fb.scrub(text) == expected


def test_no_name_is_found_in_the_sample_answers_except_the_planted_ones():
    from meethuis import sample

    from meethuis.intake.io import read_table

    for org in ("molensloot", "lut"):
        config = load_config(sample.sample_config(org))
        raw = read_table(config.data_file, encoding=config.encoding).frame
        answers = pd.unique(raw[config.columns["open_antwoord"].column].dropna().astype(str))
        planted = set(sample.planted_identifiers(org))
        wrong = [(a, m.text) for a in answers for m in fb.find_personal_data(a)
                 if m.kind == "NAAM" and not any(m.text in p or p in m.text for p in planted)]
        assert len(answers) > 100 and wrong == [], wrong[:10]


def test_themes_and_answered_per_distinct_answer_equal_the_row_by_row_rule():
    """assign_themes and answered read each distinct answer once and give the former row-by-row result:
    repeated answers, blanks, NaN, None, a number, "nvt", an index of text labels out of order."""
    from meethuis.improve.feedback.themes import _EMPTY_ANSWER, _answer_themes, answered, assign_themes, load_lexicon

    lexicon = load_lexicon()

    def former_assign(answers):
        rows = []
        for label, text in answers.items():
            if not isinstance(text, str) or not text.strip():
                continue
            rows.extend((label, *hit) for hit in _answer_themes(text, lexicon))
        return pd.DataFrame(rows, columns=["row", "theme", "sentiment", "terms"])

    texts = ["De medewerker was vriendelijk maar het duurde lang", "Ik moest drie keer bellen, slecht bereikbaar",
             "nvt", "", "   ", None, np.nan, 12, "Duidelijke uitleg, snel geholpen", "-", "geen opmerkingen"]
    rng = np.random.default_rng(2)
    values = [texts[k] for k in rng.integers(0, len(texts), 400)]
    for index in (pd.RangeIndex(400), pd.Index([f"r{k}" for k in rng.permutation(400)])):
        answers = pd.Series(values, index=index, dtype=object)
        got, want = assign_themes(answers, lexicon), former_assign(answers)
        assert len(got) > 100
        pd.testing.assert_frame_equal(got, want)
        pd.testing.assert_series_equal(answered(answers),
                                       answers.map(lambda t: isinstance(t, str) and not _EMPTY_ANSWER.match(t)))
    empty = pd.Series(["nvt", None], dtype=object)
    pd.testing.assert_frame_equal(assign_themes(empty, lexicon), former_assign(empty))


def test_quotes_and_scrub_series_per_group_equal_the_former_filters():
    """example_quotes (rows per theme and sentiment from one grouping) and scrub_series (each distinct value
    once) give the former results: repeated answers, personal data, NaN, None, numbers, text index labels."""
    from meethuis.improve.feedback.scrubbing import scrub, scrub_series
    from meethuis.improve.feedback.themes import (SENTIMENT_LABELS, _stable_key, answered, assign_themes,
                                                  example_quotes, load_lexicon)

    lexicon = load_lexicon()

    def former_scrub_series(answers):
        values = answers.astype(object)
        mask = values.map(lambda v: isinstance(v, str))
        out = values.copy()
        if mask.any():
            text = values[mask]
            out[mask] = text.map({u: scrub(u) for u in pd.unique(text.to_numpy())})
        return out

    def former_quotes(responses, min_cell=10, per_sentiment=1, max_chars=200, lang="nl"):
        texts = responses.loc[answered(responses["open_antwoord"]), "open_antwoord"]
        hits = assign_themes(texts, lexicon)
        counts = hits["theme"].value_counts()
        rows = []
        for theme in lexicon.themes:
            if counts.get(theme, 0) < min_cell:
                continue
            for sentiment in ("positief", "negatief"):
                sel = hits[(hits["theme"] == theme) & (hits["sentiment"] == sentiment)]
                if sel.empty:
                    continue
                candidates = pd.unique(former_scrub_series(texts.loc[sel["row"]]).to_numpy())
                ordered = sorted(candidates, key=lambda t: (t.count("["), len(t) > max_chars, _stable_key(t)))
                for quote in ordered[:per_sentiment]:
                    if len(quote) > max_chars:
                        quote = quote[:max_chars].rsplit(" ", 1)[0] + " …"
                    rows.append({"theme": theme, "theme_label": lexicon.label(theme, lang),
                                 "sentiment": SENTIMENT_LABELS[sentiment][lang], "quote": quote})
        return pd.DataFrame(rows, columns=["theme", "theme_label", "sentiment", "quote"])

    texts = ["De medewerker was heel vriendelijk en dacht mee", "Het duurde veel te lang, bel 0612345678",
             "Snel geholpen, duidelijke uitleg", "Onvriendelijk aan de telefoon, mail jan@voorbeeld.nl",
             "Lang wachten aan de balie", "nvt", None, np.nan, 7, "Vriendelijk maar traag"]
    rng = np.random.default_rng(4)
    values = [texts[k] for k in rng.integers(0, len(texts), 300)]
    responses = pd.DataFrame({"open_antwoord": pd.Series(values, dtype=object,
                                                         index=[f"r{k}" for k in rng.permutation(300)])})
    for min_cell, per in ((5, 1), (10, 2), (400, 1)):
        pd.testing.assert_frame_equal(example_quotes(responses, lexicon, min_cell=min_cell, per_sentiment=per),
                                      former_quotes(responses, min_cell=min_cell, per_sentiment=per))
    assert len(example_quotes(responses, lexicon, min_cell=5)) >= 4
    answers = responses["open_antwoord"].rename("antwoord")
    pd.testing.assert_series_equal(scrub_series(answers), former_scrub_series(answers))
    assert "0612345678" not in " ".join(str(v) for v in scrub_series(answers))

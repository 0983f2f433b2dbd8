"""Views, sentences and figures of ``notebooks/04_meetkwaliteit.ipynb``: measurement quality: reliability of the scales, straight-lining."""
from __future__ import annotations


import pandas as pd

from meethuis.common import narrative as nv
from meethuis.common.vocabulary import alpha_label
from meethuis.stats.disclosure import protect_table  # noqa: F401
from meethuis.stats.quality import reliability_table, representativeness, straightlining_summary  # noqa: F401


# -- measurement quality (chapter 04) ----------------------------------------------------------------------
def reliability_view(table: pd.DataFrame, codebook, lang: str = "nl") -> pd.DataFrame:
    """``quality.reliability_table`` for readers: construct, items, alpha with CI, omega, verdict, n."""
    t = (lambda a, b: a) if lang == "nl" else (lambda a, b: b)

    def verdict(a: float) -> str:
        return alpha_label(None if pd.isna(a) else float(a), lang)

    return pd.DataFrame({
        t("Onderdeel", "Construct"): [codebook.constructs[c]["label"][lang] if c in codebook.constructs else c
                                      for c in table["construct"]],
        t("Vragen", "Questions"): [str(int(k)) if pd.notna(k) else nv.MISSING for k in table["k"]],  # a count, not 6,00
        "Cronbach's alpha": [nv.format_number(a, 2, lang) for a in table["alpha"]],
        nv.text("margin_header", lang): [nv.range_text(nv.format_number(a, 2, lang), nv.format_number(b, 2, lang), lang)
                                if pd.notna(a) and pd.notna(b) else nv.MISSING
                                for a, b in zip(table["ci_low"], table["ci_high"])],
        "Omega": [nv.format_number(o, 2, lang) for o in table["omega"]],
        t("Oordeel", "Verdict"): [verdict(a) for a in table["alpha"]],
        "n": table["n"],
        "suppressed": table["suppressed"],
    })

def quality_sentences(reliability: pd.DataFrame, straight: pd.DataFrame, codebook, lang: str = "nl") -> list[str]:
    """Reliability per driver family and straight-lining, in words (published rows only)."""
    t = (lambda a, b: a) if lang == "nl" else (lambda a, b: b)
    out = []
    for _, r in reliability[~reliability["suppressed"].astype(bool) & reliability["alpha"].notna()].iterrows():
        name = codebook.constructs[r["construct"]]["label"][lang] if r["construct"] in codebook.constructs else r["construct"]
        out.append(t(f"De vragen over {name.lower()} meten samen één ding betrouwbaar genoeg als alpha minstens "
                     f"0,70 is; hier is alpha {nv.format_number(r['alpha'], 2, 'nl')} "
                     f"({alpha_label(r['alpha'], 'nl')}).",
                     f"The questions on {name.lower()} measure one thing reliably enough when alpha is at least "
                     f"0.70; here alpha is {nv.format_number(r['alpha'], 2, 'en')} "
                     f"({alpha_label(r['alpha'], 'en')})."))
    for _, r in straight[~straight["suppressed"].astype(bool)].iterrows():
        out.append(t(f"{nv.format_percent(r['share'], 1, 'nl')} van de respondenten gaf bij alle "
                     f"{int(r['k'])} drijfveer-vragen hetzelfde antwoord (rechtlijnig invullen); hun antwoorden "
                     "zijn gewoon meegeteld.",
                     f"{nv.format_percent(r['share'], 1, 'en')} of respondents gave the same answer to all "
                     f"{int(r['k'])} driver questions (straight-lining); their answers are counted as usual."))
    if straight.empty:
        out.append(t("Rechtlijnig invullen (overal hetzelfde antwoord) is niet bekeken: daarvoor zijn minstens vijf "
                     "drijfveer-vragen nodig.",
                     "Straight-lining (the same answer everywhere) was not checked: that needs at least five driver "
                     "questions."))
    return out


def common_scale(responses: pd.DataFrame, codebook) -> pd.DataFrame:
    """Every item as percentage of maximum possible (0-100), so items on different scales can be combined.

    Alpha and omega do not change when all items of a construct share one scale (a common linear
    transformation), so the shared model's results stay as they are; own items on 1-7 or 0-10 next to
    1-5 items are no longer weighted by their wider range.
    """
    out = responses.copy()
    for item_id, item in codebook.items.items():
        if item_id in out.columns:
            out[item_id] = item.scale.pomp(out[item_id].astype(float))
    return out


def scale_note(responses: pd.DataFrame, codebook, lang: str = "nl") -> str:
    """One sentence when constructs mix scales (their reliability is computed on 0-100), else empty."""
    mixed = []
    for c in codebook.constructs:
        spans = {(codebook.items[i].scale.min, codebook.items[i].scale.max)
                 for i in codebook.items_of(c) if i in responses.columns}
        if len(spans) > 1:
            mixed.append(c)
    if not mixed:
        return ""
    return ("Vragen met verschillende schalen zijn eerst omgerekend naar 0–100 (percentage van de hoogst mogelijke "
            "score), zodat een vraag met een langere schaal niet zwaarder telt." if lang == "nl" else
            "Questions on different scales were first converted to 0–100 (percentage of the maximum possible "
            "score), so a question with a longer scale does not count more.")


def constructs_in_use(responses: pd.DataFrame, codebook) -> list[str]:
    """Constructs measured by at least two questions in the data (one question has no reliability to show)."""
    return [c for c in codebook.constructs if sum(i in responses.columns for i in codebook.items_of(c)) >= 2]



def answer(reliability: pd.DataFrame, straight: pd.DataFrame, codebook, lang: str = "nl") -> str:
    """The chapter's answer in one or two plain sentences: can we build on the answers (alpha per construct,
    the weakest named), and how many gave the same answer everywhere (published rows only)."""
    from meethuis.common.vocabulary import alpha_level

    t = (lambda a, b: a) if lang == "nl" else (lambda a, b: b)
    shown = reliability[~reliability["suppressed"].astype(bool) & reliability["alpha"].notna()]
    name = {c: (codebook.constructs[c]["label"][lang] if c in codebook.constructs else c).lower()
            for c in shown["construct"]}

    def alpha(a) -> str:
        return nv.format_number(a, 2, lang)

    weak = shown[[alpha_level(float(a)) == "weak" for a in shown["alpha"]]]
    if shown.empty:
        return t("Of de vragen betrouwbaar meten, is hier niet te zeggen: te weinig respondenten of te weinig "
                 "vragen per onderdeel.",
                 "Whether the questions measure reliably cannot be said here: too few respondents or too few "
                 "questions per construct.")
    if len(weak):  # the warning takes both sentences
        listed = nv.join_list([f"{name[r['construct']]} ({alpha(r['alpha'])})" for _, r in weak.iterrows()], lang)
        return t(f"Bij {len(weak)} van de {len(shown)} onderdelen meten de vragen samen niet betrouwbaar genoeg: "
                 f"{listed}. Lees de uitkomsten daarvan voorzichtig.",
                 f"For {len(weak)} of the {len(shown)} constructs the questions do not measure reliably enough "
                 f"together: {listed}. Read their results with care.")
    low = shown.loc[shown["alpha"].astype(float).idxmin()]
    if len(shown) == 1:
        first = t(f"De vragen over {name[low['construct']]} meten samen betrouwbaar: alpha is "
                  f"{alpha(low['alpha'])} ({alpha_label(low['alpha'], 'nl')}).",
                  f"The questions on {name[low['construct']]} measure reliably together: alpha is "
                  f"{alpha(low['alpha'])} ({alpha_label(low['alpha'], 'en')}).")
    else:
        every = t("beide onderdelen", "both constructs") if len(shown) == 2 else \
            t(f"alle {len(shown)} onderdelen", f"all {len(shown)} constructs")
        first = t(f"We kunnen op de antwoorden bouwen: bij {every} meten de vragen samen "
                  f"betrouwbaar (alpha minstens 0,70; laagste {alpha(low['alpha'])} bij {name[low['construct']]}).",
                  f"We can build on the answers: for {every} the questions measure reliably "
                  f"together (alpha at least 0.70; lowest {alpha(low['alpha'])} for {name[low['construct']]}).")
    published = straight[~straight["suppressed"].astype(bool)] if len(straight) else straight
    if len(published):
        r = published.iloc[0]
        first += " " + t(f"{nv.format_percent(r['share'], 1, 'nl')} van de respondenten gaf op elke vraag over "
                         "drijfveren hetzelfde antwoord.",
                         f"{nv.format_percent(r['share'], 1, 'en')} of respondents gave the same answer to every "
                         "driver question.")
    return first

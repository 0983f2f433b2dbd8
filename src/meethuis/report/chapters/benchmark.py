"""Views, sentences and figures of ``notebooks/08_benchmark.ipynb``: comparison with other organisations on shared aggregates."""
from __future__ import annotations

import numpy as np
import pandas as pd

from meethuis.common.narrative import format_int as fmt_int, format_percent as fmt_pct
from meethuis.improve import benchmark as _bm
from meethuis.improve.benchmark import (  # noqa: F401  (the notebook computes through this module)
    MIN_COVERAGE, case_mix_adjust, funnel_limits, funnel_table, rank_organisations,
)
from meethuis.improve.international import a11_options, a11_summary
from meethuis.improve.pool import pool_benchmark_table, pool_for_config


def export_aggregates(survey, config, **kwargs) -> dict:
    """The organisation's aggregates for the comparison (KPIs only: the chapter compares no drivers)."""
    return _bm.export_aggregates(survey, config, drivers=False, **kwargs)


def benchmark_table(own, benchmark_dir="", config=None, period="", min_cell=10):
    """The comparison table: from the pool named in the config (``benchmark: {pool: FILE}``), else as
    :func:`meethuis.improve.benchmark.benchmark_table` (a folder of aggregates files, or the samples)."""
    pool = pool_for_config(config) if config is not None and not benchmark_dir else None
    if pool is not None:
        return pool_benchmark_table(own, pool, period)
    return _bm.benchmark_table(own, benchmark_dir, config, period=period, min_cell=min_cell)




def a11_section(ch) -> None:
    """The optional A-11-shaped summary (config ``benchmark: {a11: ...}``): heading, sentence and table; nothing
    when the organisation has not switched it on. Offered defaults to the config's ``invited`` for the period."""
    options = a11_options(ch.config)
    if options is None:
        return
    from meethuis.report.chapters.samenvatting import invited_in  # the one reader of config key `invited`

    offered = options.get("offered")
    if offered is None and ch.period and ch.period != "all":
        offered = invited_in(ch.config, ch.period)
    summary = a11_summary(ch.responses, ch.config, weights=ch.weights, min_cell=ch.min_cell,
                          volume=options.get("volume"), offered=offered, lang=ch.lang)
    ch.show_text(ch.text("## In het internationale kader (OMB A-11)", "## In the international frame (OMB A-11)")
                 + "\n\n" + describe_a11(summary, ch.lang))
    if not summary.empty:
        ch.show_table(summary, "benchmark_a11", ch.text("Aandeel eens per A-11-vraag", "Share agreeing per A-11 item"),
                      view=lambda t: a11_view(t, ch.lang),
                      formats={"estimate": "share", "ci_low": "share", "ci_high": "share"})


def plot_ranking(ranks: pd.DataFrame, label: str, kind: str = "mean", lang: str = "nl", highlight: str | None = None):
    """Dot-and-interval chart of each organisation's estimate (95% CI), sorted, with its rank interval.

    Parameters
    ----------
    ranks:
        Output of :func:`rank_organisations`.
    label, kind:
        KPI label and ``mean``/``share``/``nps`` (shares are drawn as percentages).
    highlight:
        ``org_id`` drawn in the accent colour (the organisation of the report).

    Returns
    -------
    matplotlib.figure.Figure
    """
    from meethuis.common.plots import PALETTE, new_figure

    scale = 100.0 if kind == "share" else 1.0
    r = ranks.iloc[::-1].reset_index(drop=True)
    lines = ", ".join(f"{row.org_name} {_fmt(row.estimate, kind, lang)} (rang {row.rank_low}–{row.rank_high})"
                      if lang == "nl" else
                      f"{row.org_name} {_fmt(row.estimate, kind, lang)} (rank {row.rank_low}–{row.rank_high})"
                      for row in ranks.itertuples())
    alt = (f"Organisaties gerangschikt op {label} met hun marges: {lines}." if lang == "nl"
           else f"Organisations ranked by {label} with 95% confidence intervals: {lines}.")
    title = f"{label[:1].upper() + label[1:]}: " + ("vergelijking van organisaties" if lang == "nl"
                                                    else "organisations compared")
    fig, ax = new_figure(title, label + (" (%)" if kind == "share" else ""), "", alt,
                         size=(7.5, 1.2 + 0.45 * len(r)))
    y = np.arange(len(r))
    for i, row in r.iterrows():
        colour = PALETTE["oranje"] if highlight and row["org_id"] == highlight else PALETTE["blauw"]
        ax.plot([row["ci_low"] * scale, row["ci_high"] * scale], [i, i], color=colour, linewidth=2)
        ax.plot(row["estimate"] * scale, i, "o", color=colour)
    ax.set_yticks(y, [f"{row.org_name} ({'rang' if lang == 'nl' else 'rank'} {row.rank_low}–{row.rank_high})"
                      for row in r.itertuples()])
    return fig


def plot_funnel(funnel: pd.DataFrame, target: float, sigma: float, label: str, kind: str = "mean",
                lang: str = "nl", highlight: str | None = None):
    """Funnel plot: estimate against effective n with 95% and 99.8% control limits around the mean.

    Parameters
    ----------
    funnel, target, sigma:
        Output of :func:`funnel_table`.
    label, kind:
        KPI label and ``mean``/``share``/``nps``.
    highlight:
        ``org_id`` drawn in the accent colour.

    Returns
    -------
    matplotlib.figure.Figure
    """
    from meethuis.common.plots import GREY, PALETTE, new_figure

    scale = 100.0 if kind == "share" else 1.0
    outside = funnel[funnel["position"] != "binnen"]
    if lang == "nl":
        alt = (f"Trechterdiagram van {label}: {len(funnel)} organisaties rond het gemiddelde "
               f"{_fmt(target, kind, lang)} met 95%- en 99,8%-controlegrenzen; "
               + (f"buiten de 95%-grenzen: {', '.join(outside['org_name'])}." if len(outside)
                  else "alle organisaties liggen binnen de grenzen."))
    else:
        alt = (f"Funnel plot of {label}: {len(funnel)} organisations around the mean {_fmt(target, kind, lang)} "
               "with 95% and 99.8% control limits; "
               + (f"outside the 95% limits: {', '.join(outside['org_name'])}." if len(outside)
                  else "all organisations lie within the limits."))
    fig, ax = new_figure(f"{label[:1].upper() + label[1:]}: " + ("trechterdiagram" if lang == "nl" else "funnel plot"),
                         "Effectief aantal respondenten (naar de marge)" if lang == "nl"
                         else "Effective number of respondents (from the margin)",
                         label + (" (%)" if kind == "share" else ""), alt)
    lo = max(2.0, float(funnel["n_eff"].min()) * 0.5)
    grid = np.linspace(lo, float(funnel["n_eff"].max()) * 1.2, 200)
    lim = funnel_limits(target, sigma, grid, kind, funnel.attrs.get("tau2", 0.0))
    ax.axhline(target * scale, color=GREY, linewidth=1)
    ax.plot(grid, lim["low95"] * scale, "--", color=PALETTE["hemelsblauw"], label="95%")
    ax.plot(grid, lim["high95"] * scale, "--", color=PALETTE["hemelsblauw"])
    ax.plot(grid, lim["low998"] * scale, ":", color=PALETTE["vermiljoen"], label="99,8%" if lang == "nl" else "99.8%")
    ax.plot(grid, lim["high998"] * scale, ":", color=PALETTE["vermiljoen"])
    for row in funnel.itertuples():
        colour = PALETTE["oranje"] if highlight and row.org_id == highlight else PALETTE["blauw"]
        ax.plot(row.n_eff, row.estimate * scale, "o", color=colour)
        ax.annotate(row.org_name, (row.n_eff, row.estimate * scale), xytext=(4, 4), textcoords="offset points",
                    fontsize=8)
    ax.legend(frameon=False, loc="lower right")
    return fig


def describe_ranking(ranks: pd.DataFrame, org_id: str, label: str, kind: str = "mean", lang: str = "nl") -> str:
    """One or two sentences on where ``org_id`` stands, with its rank interval instead of a bare rank."""
    if org_id not in set(ranks["org_id"]):
        return (f"Voor {label} is geen publiceerbare uitkomst van deze organisatie." if lang == "nl"
                else f"This organisation has no publishable result for {label}.")
    row = ranks.set_index("org_id").loc[org_id]
    total = len(ranks)
    value = _fmt(row["estimate"], kind, lang)
    certain = row["rank_low"] == row["rank_high"]
    if lang == "nl":
        text = f"{row['org_name']} scoort {value} op {label}: plaats {row['rank']} van {total}."
        text += (" Die plaats is zeker, gezien de onzekerheid van alle uitkomsten." if certain else
                 f" Rekening houdend met de onzekerheid ligt de plaats tussen {row['rank_low']} en {row['rank_high']}"
                 f" (kans om de hoogste te zijn: {_fmt(row['p_best'], 'share', lang)}).")
        return text
    text = f"{row['org_name']} scores {value} on {label}: rank {row['rank']} of {total}."
    text += (" That rank is certain given the uncertainty of all results." if certain else
             f" Allowing for uncertainty the rank lies between {row['rank_low']} and {row['rank_high']}"
             f" (chance of being highest: {_fmt(row['p_best'], 'share', lang)}).")
    return text


def describe_sources(table: pd.DataFrame, lang: str = "nl") -> str:
    """Which organisations the benchmark compares (names and periods)."""
    from meethuis.common.narrative import join_list

    orgs = table.drop_duplicates("org_id")
    names = join_list([f"{r.org_name} ({r.period})" for r in orgs.itertuples()], lang)
    if lang == "nl":
        return f"De vergelijking gebruikt de afgeschermde totalen van {len(orgs)} organisaties: {names}."
    return f"The comparison uses the suppressed aggregates of {len(orgs)} organisations: {names}."


def ranking_view(ranks: pd.DataFrame, kind: str = "mean", lang: str = "nl") -> pd.DataFrame:
    """Reader table of :func:`rank_organisations` (keeps ``n`` so it can be protected again)."""
    from meethuis.common.narrative import DASH

    nl = lang == "nl"
    return pd.DataFrame({
        "Organisatie" if nl else "Organisation": ranks["org_name"],
        "Uitkomst" if nl else "Result": [_fmt(v, kind, lang) for v in ranks["estimate"]],
        "Marge" if nl else "Margin": [f"{_fmt(lo, kind, lang)}{DASH}{_fmt(hi, kind, lang)}"
                                       for lo, hi in zip(ranks["ci_low"], ranks["ci_high"])],
        "Plaats" if nl else "Rank": [str(r) for r in ranks["rank"]],
        "Marge plaats" if nl else "Rank range": [f"{a}{DASH}{b}" for a, b in zip(ranks["rank_low"], ranks["rank_high"])],
        "Kans hoogste" if nl else "Chance highest": [_fmt(p, "share", lang) for p in ranks["p_best"]],
        "n": ranks["n"],
    })


def describe_funnel(funnel: pd.DataFrame, org_id: str, target: float, kind: str = "mean", lang: str = "nl") -> str:
    """Where ``org_id`` lies against the adjusted funnel limits; "better/worse" only outside them."""
    words = {"nl": {"binnen": "binnen de grenzen: het verschil met het gemiddelde past bij de gewone verschillen "
                              "tussen organisaties",
                    "boven_95": "boven de 95%-grens: beter dan de andere organisaties",
                    "onder_95": "onder de 95%-grens: slechter dan de andere organisaties",
                    "boven_998": "boven de 99,8%-grens: duidelijk beter dan de andere organisaties",
                    "onder_998": "onder de 99,8%-grens: duidelijk slechter dan de andere organisaties"},
             "en": {"binnen": "within the limits: the difference from the average fits the usual differences "
                              "between organisations",
                    "boven_95": "above the 95% limit: better than the other organisations",
                    "onder_95": "below the 95% limit: worse than the other organisations",
                    "boven_998": "above the 99.8% limit: clearly better than the other organisations",
                    "onder_998": "below the 99.8% limit: clearly worse than the other organisations"}}[lang]
    avg = _fmt(target, kind, lang)
    rows = funnel.set_index("org_id")
    adjusted = funnel.attrs.get("tau2", 0.0) > 0
    note = ""
    if adjusted:
        note = (" De grenzen houden rekening met de verschillen die er tussen organisaties altijd zijn "
                "(Spiegelhalter, 2005)." if lang == "nl" else
                " The limits allow for the differences there always are between organisations (Spiegelhalter, 2005).")
    if org_id not in rows.index:
        return (f"Het gemiddelde van de organisaties is {avg}." if lang == "nl"
                else f"The average of the organisations is {avg}.") + note
    r = rows.loc[org_id]
    if lang == "nl":
        return (f"Het gemiddelde van de organisaties is {avg}. {r['org_name']} ({_fmt(r['estimate'], kind, lang)}) "
                f"ligt {words[r['position']]}.{note}")
    return (f"The average of the organisations is {avg}. {r['org_name']} ({_fmt(r['estimate'], kind, lang)}) "
            f"lies {words[r['position']]}.{note}")


def describe_case_mix(adjusted: pd.DataFrame, org_id: str, kind: str = "mean", lang: str = "nl") -> str:
    """How the organisation's result changes when every organisation had the same channel mix."""
    rows = adjusted.set_index("org_id")
    if org_id in rows.index and rows.loc[org_id].get("reason") == "coverage":
        cover = _fmt(rows.loc[org_id, "coverage"], "share", lang)
        need = _fmt(MIN_COVERAGE, "share", lang)
        return (f"Een correctie voor de kanaalmix geven we hier niet: de kanalen van {rows.loc[org_id, 'org_name']} "
                f"dekken maar {cover} van de gemeenschappelijke mix, en we corrigeren pas vanaf {need}. Anders zou "
                "de 'gecorrigeerde' uitkomst op een andere mix rusten dan die van de anderen." if lang == "nl" else
                f"No channel-mix adjustment here: the channels of {rows.loc[org_id, 'org_name']} cover only {cover} "
                f"of the common mix, and we adjust from {need} on. Otherwise the 'adjusted' result would rest on a "
                "different mix than the others'.")
    if org_id not in rows.index or pd.isna(rows.loc[org_id, "adjusted"]):
        return ("Voor deze organisatie is geen gecorrigeerde uitkomst te berekenen." if lang == "nl"
                else "No adjusted result can be computed for this organisation.")
    r = rows.loc[org_id]
    crude, adj = _fmt(r["crude"], kind, lang), _fmt(r["adjusted"], kind, lang)
    cover = _fmt(r["coverage"], "share", lang)
    if lang == "nl":
        text = (f"Met dezelfde kanaalmix als het gemiddelde van alle organisaties zou {r['org_name']} {adj} scoren "
                f"(ruw: {crude}).")
        if r["coverage"] < 0.999:
            text += f" De correctie dekt {cover} van de standaardmix; de rest zijn kanalen die hier te klein of afwezig zijn."
        return text
    text = f"With the same channel mix as all organisations together, {r['org_name']} would score {adj} (crude: {crude})."
    if r["coverage"] < 0.999:
        text += f" The adjustment covers {cover} of the standard mix; the rest are channels too small or absent here."
    return text


def case_mix_view(adjusted: pd.DataFrame, kind: str = "mean", lang: str = "nl") -> pd.DataFrame:
    """Reader table of :func:`case_mix_adjust` (no respondent counts: strata were protected at export)."""
    from meethuis.common.narrative import DASH

    nl = lang == "nl"
    return pd.DataFrame({
        "Organisatie" if nl else "Organisation": adjusted["org_name"],
        "Ruw" if nl else "Crude": [_fmt(v, kind, lang) for v in adjusted["crude"]],
        "Gecorrigeerd" if nl else "Adjusted": [_fmt(v, kind, lang) for v in adjusted["adjusted"]],
        "Marge" if nl else "Margin": [f"{_fmt(lo, kind, lang)}{DASH}{_fmt(hi, kind, lang)}"
                                       for lo, hi in zip(adjusted["ci_low"], adjusted["ci_high"])],
        "Dekking standaardmix" if nl else "Coverage of standard mix": [_fmt(c, "share", lang) for c in adjusted["coverage"]],
    })


def a11_view(summary: pd.DataFrame, lang: str = "nl") -> pd.DataFrame:
    """Reader columns of :func:`a11_summary` (keeps ``n`` and ``suppressed``)."""
    nl = lang == "nl"
    basis = {"top2": "4 of 5 (eens)" if nl else "4 or 5 (agree)",
             "top2_effort": "4 of 5 (weinig moeite)" if nl else "4 or 5 (little effort)",
             "share8": "cijfer 8 of hoger" if nl else "grade 8 or higher"}
    strength = {"same": "gelijk" if nl else "same", "close": "dichtbij" if nl else "close"}
    view = pd.DataFrame({
        ("A-11-vraag" if nl else "A-11 item"): summary["a11_label"],
        ("onze vraag" if nl else "our question"): summary["item_label"],
        ("overeenkomst" if nl else "match"): summary["strength"].map(strength),
        ("geteld als eens" if nl else "counted as agreeing"): summary["statistic"].map(basis),
        "estimate": summary["estimate"], "ci_low": summary["ci_low"], "ci_high": summary["ci_high"],
        "n": summary["n"], "suppressed": summary["suppressed"],
    })
    view.attrs.update(summary.attrs)
    return view


def describe_a11(summary: pd.DataFrame, lang: str = "nl") -> str:
    """One paragraph with the A-11 reporting figures (volume, offered, respondents) and what the table shows."""
    nl = lang == "nl"
    a = summary.attrs
    unknown = "onbekend" if nl else "unknown"
    volume = fmt_int(a["volume"], lang=lang) if a.get("volume") is not None else unknown
    offered = fmt_int(a["offered"], lang=lang) if a.get("offered") is not None else unknown
    respondents = fmt_int(a["respondents"], lang=lang)
    rate = ""
    if a.get("offered"):
        share = fmt_pct(a["respondents"] / a["offered"], lang=lang)
        rate = f" (respons {share})" if nl else f" (response rate {share})"
    if summary.empty:
        return ("Geen van onze vragen komt dicht genoeg bij een A-11-vraag om hier te tonen." if nl else
                "None of our questions is close enough to an A-11 item to show here.")
    if nl:
        return (f"Zo ziet de uitkomst eruit in het Amerikaanse kader OMB Circulaire A-11 §280. Volume (klanten): "
                f"{volume}; uitgenodigd: {offered}; respondenten: {respondents}{rate}. Per A-11-vraag staat het "
                "aandeel dat het eens is bij onze vraag die er het meest op lijkt; bij het rapportcijfer tellen we "
                "een 8 of hoger als eens. Het blijft een benadering: de formulering verschilt.")
    return (f"This is how the results look in the US frame OMB Circular A-11 §280. Volume (customers served): "
            f"{volume}; offered the survey: {offered}; respondents: {respondents}{rate}. For each A-11 item, the share "
            "agreeing on our closest question; for the report grade, an 8 or higher counts as agreeing. It remains "
            "an approximation: the wording differs.")


def _fmt(value: float, kind: str, lang: str) -> str:
    from meethuis.common.narrative import format_value

    return format_value(value, kind, lang)


def answer(ranks, funnel, target: float, org_id: str, label: str, kind: str = "mean", lang: str = "nl") -> str:
    """The chapter's answer: our place among the others with its uncertainty, and whether we differ clearly
    from their average (the funnel limits), in one or two plain sentences."""
    t = (lambda a, b: a) if lang == "nl" else (lambda a, b: b)
    if ranks is None or org_id not in set(ranks["org_id"]):
        return t(f"Voor {label} is er geen publiceerbare uitkomst van deze organisatie om te vergelijken.",
                 f"This organisation has no publishable result for {label} to compare.")
    row = ranks.set_index("org_id").loc[org_id]
    value, total = _fmt(row["estimate"], kind, lang), len(ranks)
    if row["rank_low"] == row["rank_high"]:
        first = t(f"Met {value} op {label} staan we op plaats {row['rank']} van {total}.",
                  f"With {value} on {label} we are ranked {row['rank']} of {total}.")
    else:
        first = t(f"Met {value} op {label} staan we op plaats {row['rank']} van {total}; door de onzekerheid kan dat "
                  f"plaats {row['rank_low']} tot {row['rank_high']} zijn.",
                  f"With {value} on {label} we are ranked {row['rank']} of {total}; given the uncertainty that may be "
                  f"anywhere from {row['rank_low']} to {row['rank_high']}.")
    if funnel is None or org_id not in set(funnel["org_id"]):
        return first
    position = funnel.set_index("org_id").loc[org_id, "position"]
    verdict = {"binnen": t("niet duidelijk anders dan", "not clearly different from"),
               "boven_95": t("beter dan", "better than"), "boven_998": t("duidelijk beter dan", "clearly better than"),
               "onder_95": t("slechter dan", "worse than"), "onder_998": t("duidelijk slechter dan", "clearly worse than")}
    return first + " " + t(f"Dat is {verdict[position]} het gemiddelde van de organisaties ({_fmt(target, kind, lang)}).",
                           f"That is {verdict[position]} the average of the organisations ({_fmt(target, kind, lang)}).")

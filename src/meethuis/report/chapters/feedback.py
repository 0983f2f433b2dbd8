"""Views, sentences and figures of ``notebooks/10_feedback.ipynb``: open answers: themes, quotes and "Jullie zeiden, wij deden"."""
from __future__ import annotations

from typing import Any

import pandas as pd

from meethuis.improve.feedback.scrubbing import scrub
from meethuis.improve.feedback import (  # noqa: F401
    STATUSES, Lexicon, driver_importance, example_quotes, load_improvements, load_lexicon, praise, theme_table,
    you_said_we_did,
)


# ---------------------------------------------------------------------------------------------------
# Showing the results (used by notebooks/10_feedback.ipynb)
# ---------------------------------------------------------------------------------------------------

VIEW_LABELS = {
    "theme_label": {"nl": "Thema", "en": "Theme"},
    "group_label": {"nl": "Rapportcijfer", "en": "Grade"},
    "n": {"nl": "Antwoorden (n)", "en": "Answers (n)"},
    "share": {"nl": "Aandeel van de antwoorden", "en": "Share of answers"},
    "share_positive": {"nl": "Waarvan positief", "en": "Of which positive"},
    "share_negative": {"nl": "Waarvan negatief", "en": "Of which negative"},
    "quarter": {"nl": "Kwartaal", "en": "Quarter"},
    "said": {"nl": "Jullie zeiden", "en": "You said"},
    "did": {"nl": "Wij deden", "en": "We did"},
    "status": {"nl": "Status", "en": "Status"},
    "importance_rank": {"nl": "Belang (rang)", "en": "Importance (rank)"},
}


def view_labels(lang: str = "nl") -> dict[str, str]:
    """Column headers of the feedback tables in ``lang``."""
    return {k: v[lang] for k, v in VIEW_LABELS.items()}


def theme_view(table: pd.DataFrame, *, by_group: bool = False) -> pd.DataFrame:
    """The reader's columns of a protected :func:`theme_table` (total rows, or the grade groups)."""
    from meethuis.stats.disclosure import TOTAL

    rows = table[table["group"] != TOTAL] if by_group else table[table["group"] == TOTAL]
    cols = ["theme_label", *(["group_label"] if by_group else []), "n", "share", "share_positive",
            "share_negative", "suppressed"]
    return rows[cols].reset_index(drop=True)


def loop_view(loop: pd.DataFrame) -> pd.DataFrame:
    """The reader's columns of :func:`you_said_we_did` (no respondent counts)."""
    return loop[["quarter", "theme_label", "said", "did", "status", "importance_rank"]]


def plot_themes(table: pd.DataFrame, lang: str = "nl") -> tuple[Any, int | None]:
    """Bars: share of answers per published theme, split into positive, neutral and negative.

    Returns
    -------
    tuple[matplotlib.figure.Figure, int | None]
        The figure and the smallest number of answers behind a bar (for ``show_figure``).
    """
    from meethuis.common.plots import PALETTE, new_figure

    total = table[(table["group"] == "totaal") & ~table["suppressed"].astype(bool)]
    total = total.sort_values("share")
    nl = lang == "nl"
    fig, ax = new_figure(
        "Waar gaan de open antwoorden over?" if nl else "What are the open answers about?",
        "aandeel van de open antwoorden (%)" if nl else "share of open answers (%)", "",
        ("Liggende staven per thema: het aandeel open antwoorden dat het thema noemt, verdeeld in "
         "positief, neutraal en negatief." if nl else
         "Horizontal bars per theme: the share of open answers mentioning the theme, split into "
         "positive, neutral and negative."),
        size=(7.5, 0.45 * max(len(total), 2) + 1.5))
    if total.empty:
        return fig, None
    labels = total["theme_label"].tolist()
    pos = 100 * total["share"] * total["share_positive"]
    neg = 100 * total["share"] * total["share_negative"]
    neu = 100 * total["share"] - pos - neg
    left = 0 * pos
    for part, colour, words in ((pos, PALETTE["groen"], ("positief", "positive")),
                                (neu, "#BBBBBB", ("neutraal", "neutral")),
                                (neg, PALETTE["vermiljoen"], ("negatief", "negative"))):
        if (part > 0.05).any():  # a legend entry only for what is drawn
            ax.barh(labels, part, left=left, color=colour, label=words[0] if nl else words[1])
        left = left + part
    ax.set_xlim(0, None)
    fig.legend(*ax.get_legend_handles_labels(), loc="outside lower center", ncol=3, frameon=False)
    return fig, int(total["n"].min())


def quote_lang(lang: str) -> str:
    """The ``lang`` attribute of a resident's words: they are Dutch, also in an English report ("" in Dutch)."""
    return ' lang="nl"' if lang != "nl" else ""


def quotes_html(quotes: pd.DataFrame, lang: str = "nl") -> str:
    """Scrubbed quotes as block quotes grouped by theme (escaped; ``lang="nl"`` on the quotes in English)."""
    import html as _html

    if quotes.empty:
        return "<p>" + ("Er zijn te weinig antwoorden per thema om citaten te tonen." if lang == "nl"
                        else "There are too few answers per theme to show quotes.") + "</p>"
    out = []
    for label, group in quotes.groupby("theme_label", sort=False):
        out.append(f'<p class="quote-theme"><strong>{_html.escape(str(label))}</strong></p>')
        for row in group.itertuples():
            out.append(f"<blockquote><p><em>{_html.escape(str(row.sentiment))}:</em> "
                       f"<q{quote_lang(lang)}>{_html.escape(scrub(row.quote))}</q></p></blockquote>")
    return "\n".join(out)


def show_quotes(ch, quotes: pd.DataFrame) -> None:
    """Display the example quotes of :func:`quotes_html`."""
    from IPython.display import HTML, display

    display(HTML(f'<div class="mh-quotes">{quotes_html(quotes, ch.lang)}</div>'))


def loop_text(loop: pd.DataFrame, themes: pd.DataFrame, lang: str = "nl", lexicon: Lexicon | None = None) -> str:
    """Markdown for "Jullie zeiden, wij deden": the latest quarter's improvements, the most important
    driver among them, and what goes well (the positive feedback, not only complaints)."""
    from meethuis.common import narrative as nv

    lexicon = lexicon or load_lexicon()
    nl = lang == "nl"
    parts = []
    if loop.empty:
        parts.append("Er staan nog geen verbeteringen in het verbeterlogboek (sleutel `improvements:` in de "
                     "config van de organisatie)." if nl else
                     "The improvement log is still empty (key `improvements:` in the organisation's config).")
    else:
        latest = loop["quarter"].max()
        now = loop[loop["quarter"] == latest]
        when = nv.period_text(latest, lang)
        parts.append((f"In het {when}:" if nl else f"In {when}:") + "\n\n"
                     + nv.bullets(f"{r.did.rstrip('.')} ({r.theme_label.lower()}, {r.status})"
                                  for r in now.itertuples()) + "\n")
        ranked = loop.dropna(subset=["importance_rank"])
        if len(ranked):
            best = ranked.sort_values("importance_rank").iloc[0]
            parts.append(
                f"Van de thema's in het logboek weegt {best['theme_label'].lower()} het zwaarst voor de "
                f"tevredenheid (rang {int(best['importance_rank'])} van de drijfveren)." if nl else
                f"Of the themes in the log, {best['theme_label'].lower()} matters most for satisfaction "
                f"(rank {int(best['importance_rank'])} among the drivers).")
    good = praise(themes, top=3)
    if len(good):
        items = [f"{lexicon.label(r.theme, lang).lower()} ({nv.format_percent(r.share_positive, 0, lang)} "
                 f"{'positief' if nl else 'positive'})" for r in good.itertuples()]
        parts.append(("Wat goed gaat: inwoners zijn vooral positief over " if nl else
                      "What goes well: citizens are most positive about ") + nv.join_list(items, lang) + ".")
    return " ".join(parts)


# ---------------------------------------------------------------------------------------------------
# "Jullie zeiden, wij deden" as a page for residents (also written as jullie-zeiden-wij-deden.html)
# ---------------------------------------------------------------------------------------------------
JZWD_START = "<!--mh-jzwd-->"
JZWD_END = "<!--/mh-jzwd-->"


def measured_effect(ch, improvement) -> dict | None:
    """The theme's driver before the improvement (the quarter before it) and now (the report's quarter).

    Returns ``before, after, difference, direction`` (``up``/``down``/``none`` from the margin of the
    difference), the two quarters, or ``None`` when the theme is no driver item, a quarter is missing or
    suppressed, or the report pools every quarter.
    """
    import math

    from meethuis.common import vocabulary as voc
    from meethuis.stats.kpi import Estimate
    from meethuis.stats.trends import trend_table, two_sample_test

    item = improvement.theme
    if not ch.period or item not in ch.codebook.items or item not in ch.trend_responses.columns:
        return None
    if improvement.quarter >= ch.period:
        return None
    before_q = str(pd.Period(improvement.quarter, freq="Q") - 1)
    trend = trend_table(ch.trend_responses, f"{item}_mean", weights=ch.trend_weights(), min_cell=ch.min_cell,
                        codebook=ch.codebook, hidden=ch.hidden_groups()).set_index("periode")
    if before_q not in trend.index or ch.period not in trend.index:
        return None
    rows = trend.loc[[before_q, ch.period]]
    if rows["suppressed"].astype(bool).any():
        return None
    est = [Estimate(r["estimate"], r["ci_low"], r["ci_high"], r["se"], int(r["n"]), r["n_eff"])
           for _, r in rows.iterrows()]
    diff, _, _ = two_sample_test(est[0], est[1], "mean")
    se = math.sqrt(est[0].se ** 2 + est[1].se ** 2)
    direction = voc.change_direction(diff, diff - 1.96 * se, diff + 1.96 * se)
    return {"before": est[0].estimate, "after": est[1].estimate, "difference": diff, "direction": direction,
            "before_q": before_q, "after_q": ch.period}


def did_html(improvement, lang: str) -> str:
    """What an improvement changed, escaped; marked Dutch (``lang="nl"``) when an English report has no translation."""
    import html as _html

    text = _html.escape(improvement.text(lang))
    return f'<span lang="nl">{text}</span>' if lang != "nl" and lang not in improvement.what else text


def jzwd_html(ch, themes: pd.DataFrame, quotes: pd.DataFrame, improvements, lexicon: Lexicon) -> str:
    """The "Jullie zeiden, wij deden" section for residents, between the markers the report lifts out.

    Jullie zeiden: the themes people wrote about most in the report's quarter, in words, each with one
    scrubbed quote (negative first), and what goes well (positive feedback with a quote). Wij deden:
    only realised improvements up to the quarter, with owner, date and the measured change of the theme's
    driver. Hier werken we aan: what is planned or under way.
    """
    import html as _html

    from meethuis.common import narrative as nv
    from meethuis.common import vocabulary as voc

    lang = ch.lang
    t = (lambda a, b: a) if lang == "nl" else (lambda a, b: b)
    e = _html.escape
    when = nv.period_text(ch.period_shown, lang)
    total = themes[(themes["group"] == "totaal") & ~themes["suppressed"].astype(bool)] if len(themes) else themes
    said = total.sort_values("share_negative", ascending=False).head(3) if len(total) else total
    good = praise(themes, top=2) if len(themes) else themes
    quote_of = {}
    for sentiment in ("negatief", "positief", "negative", "positive"):
        for r in quotes[quotes["sentiment"] == sentiment].itertuples() if len(quotes) else []:
            quote_of.setdefault((r.theme, sentiment[:3]), scrub(r.quote))
    def quote(theme: str, kind: str) -> str:  # the residents' words stay Dutch in an English page
        q = quote_of.get((theme, kind))
        return f'<blockquote{quote_lang(lang)}>\u201c{e(q)}\u201d</blockquote>' if q else ""

    parts = [JZWD_START, f'<section class="jzwd" aria-labelledby="jzwd-title"><h2 id="jzwd-title">'
             f'{e(t("Jullie zeiden, wij deden", "You said, we did"))}: {e(when)}</h2>']
    parts.append(f"<h3>{e(t('Jullie zeiden', 'You said'))}</h3>")
    if len(said):
        items = []
        for r in said.itertuples():
            label = lexicon.label(r.theme, lang)
            items.append(f"<li><strong>{e(label)}</strong>: "
                         + e(t(f"{nv.format_percent(r.share_negative, 0, 'nl')} van de opmerkingen hierover was negatief.",
                               f"{nv.format_percent(r.share_negative, 0, 'en')} of the comments on this were negative."))
                         + quote(r.theme, "neg") + "</li>")
        parts.append(f"<ul>{''.join(items)}</ul>")
    else:
        parts.append(f"<p>{e(t('Te weinig open antwoorden in dit kwartaal om thema’s te tonen.', 'Too few open answers this quarter to show themes.'))}</p>")
    if len(good):
        parts.append(f"<h3>{e(t('Wat goed gaat', 'What goes well'))}</h3><ul>")
        for r in good.itertuples():
            parts.append(f"<li><strong>{e(lexicon.label(r.theme, lang))}</strong>: "
                         + e(t(f"{nv.format_percent(r.share_positive, 0, 'nl')} van de opmerkingen was positief.",
                               f"{nv.format_percent(r.share_positive, 0, 'en')} of the comments were positive."))
                         + quote(r.theme, "pos") + "</li>")
        parts.append("</ul>")
    upto = [i for i in improvements if not ch.period or i.quarter <= ch.period]
    done = [i for i in upto if i.status == "gerealiseerd"]
    busy = [i for i in improvements if i.status != "gerealiseerd"]
    parts.append(f"<h3>{e(t('Wij deden', 'We did'))}</h3>")
    if done:
        items = []
        for i in sorted(done, key=lambda i: i.quarter, reverse=True):
            meta = ", ".join(x for x in (i.owner, nv.format_date(pd.Timestamp(i.date).date(), lang) if i.date else
                                         nv.period_text(i.quarter, lang)) if x)
            effect = measured_effect(ch, i)
            line = f"<li><strong>{did_html(i, lang)}</strong> <span class='jzwd-meta'>({e(meta)})</span>"
            if effect:
                label = ch.label(i.theme).lower()
                change = nv.change_clause(effect["before"], effect["after"], kind="mean", lang=lang)
                verdict = voc.change_label(effect["direction"], lang)
                line += "<br>" + e(t(f"Gemeten: de score voor {label} is {change} (1{nv.DASH}5), van "
                                     f"{nv.period_text(effect['before_q'], 'nl')} tot {nv.period_text(effect['after_q'], 'nl')}: {verdict}.",
                                     f"Measured: the score for {label} has {change} (1{nv.DASH}5), from "
                                     f"{nv.period_text(effect['before_q'], 'en')} to {nv.period_text(effect['after_q'], 'en')}: {verdict}."))
            items.append(line + "</li>")
        parts.append(f"<ul>{''.join(items)}</ul>")
    else:
        parts.append(f"<p>{e(t('Nog geen afgeronde verbeteringen.', 'No improvements completed yet.'))}</p>")
    if busy:
        parts.append(f"<h3>{e(t('Hier werken we aan', 'What we are working on'))}</h3><ul>")
        for i in busy:
            status = STATUS_WORDS.get(i.status, {}).get(lang, i.status)
            meta = ", ".join(x for x in (i.owner, status, (t("klaar ", "ready ") + nv.format_date(pd.Timestamp(i.date).date(), lang))
                                         if i.date else "") if x)
            parts.append(f"<li>{did_html(i, lang)} <span class='jzwd-meta'>({e(meta)})</span></li>")
        parts.append("</ul>")
    parts.append("</section>" + JZWD_END)
    return "".join(parts)


STATUS_WORDS = {"gerealiseerd": {"nl": "gerealiseerd", "en": "done"},
                "in uitvoering": {"nl": "in uitvoering", "en": "in progress"},
                "gepland": {"nl": "gepland", "en": "planned"}}


def show_jzwd(ch, themes: pd.DataFrame, improvements, lexicon: Lexicon) -> None:
    """Display the residents' page section (the report also writes it as ``jullie-zeiden-wij-deden.html``)."""
    from IPython.display import HTML, display

    quotes = example_quotes(ch.responses, lexicon, min_cell=ch.min_cell, lang=ch.lang)
    display(HTML(jzwd_html(ch, themes, quotes, improvements, lexicon)))


def feedback_summary(themes: pd.DataFrame, loop: pd.DataFrame, lang: str = "nl",
                     lexicon: Lexicon | None = None, start: int = 0, stop: int | None = None) -> str:
    """A few sentences for managers built from the theme table and the improvement log.

    Parameters
    ----------
    themes:
        :func:`theme_table` (protected; suppressed themes are not mentioned).
    loop:
        :func:`you_said_we_did` in the same ``lang``.
    lang:
        ``"nl"`` or ``"en"``.
    lexicon:
        For theme labels in ``lang`` (default: the package lexicon).
    start, stop:
        Which sentences (the chapter's answer is the first two, :func:`answer`).

    Returns
    -------
    str
        Markdown text.
    """
    from meethuis.common import narrative as nv

    lexicon = lexicon or load_lexicon()
    total = themes[(themes["group"] == "totaal") & ~themes["suppressed"].astype(bool)].copy()
    total["theme_label"] = [lexicon.label(t, lang) for t in total["theme"]]
    themes = themes.assign(theme_label=[lexicon.label(t, lang) for t in themes["theme"]])
    if total.empty:
        return ("Er zijn te weinig open antwoorden om thema's te tonen." if lang == "nl"
                else "There are too few open answers to show themes.") if start == 0 else ""
    most = total.sort_values("share", ascending=False).iloc[0]
    neg = total.sort_values(["share_negative", "n"], ascending=False).iloc[0]
    good = praise(themes, top=1)
    n_answers = int(total["n_answers"].max())
    if lang == "nl":
        parts = [f"Van de {nv.format_int(n_answers, 'nl')} open antwoorden gaat "
                 f"{nv.format_percent(most['share'], 0, 'nl')} over {most['theme_label'].lower()}."]
        parts.append(f"Het meest negatief zijn de opmerkingen over {neg['theme_label'].lower()} "
                     f"({nv.format_percent(neg['share_negative'], 0, 'nl')} negatief).")
        if len(good):
            parts.append(f"Het meest positief zijn inwoners over {good.iloc[0]['theme_label'].lower()} "
                         f"({nv.format_percent(good.iloc[0]['share_positive'], 0, 'nl')} positief).")
        if len(loop):
            done = int((loop["status"] == STATUSES["gerealiseerd"]["nl"]).sum())
            parts.append(f"In het verbeterlogboek staan {nv.format_int(len(loop), 'nl')} verbeteringen, "
                         f"waarvan {nv.format_int(done, 'nl')} gerealiseerd.")
        return " ".join(parts[start:stop])
    parts = [f"Of the {nv.format_int(n_answers, 'en')} open answers, "
             f"{nv.format_percent(most['share'], 0, 'en')} are about {most['theme_label'].lower()}."]
    parts.append(f"Comments about {neg['theme_label'].lower()} are the most negative "
                 f"({nv.format_percent(neg['share_negative'], 0, 'en')} negative).")
    if len(good):
        parts.append(f"Citizens are most positive about {good.iloc[0]['theme_label'].lower()} "
                     f"({nv.format_percent(good.iloc[0]['share_positive'], 0, 'en')} positive).")
    if len(loop):
        done = int((loop["status"] == STATUSES["gerealiseerd"]["en"]).sum())
        parts.append(f"The improvement log lists {nv.format_int(len(loop), 'en')} improvements, "
                     f"{nv.format_int(done, 'en')} of them done.")
    return " ".join(parts[start:stop])



def answer(themes: pd.DataFrame, lang: str = "nl", lexicon: Lexicon | None = None) -> str:
    """The chapter's answer: what the open answers are about most and where they are most negative (the first
    two sentences of :func:`feedback_summary`; ``feedback_summary(..., start=2)`` gives the rest)."""
    return feedback_summary(themes, pd.DataFrame(), lang, lexicon, stop=2)

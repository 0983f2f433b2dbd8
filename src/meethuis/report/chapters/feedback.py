"""Views, sentences and figures of ``notebooks/10_feedback.ipynb``: open answers: themes, quotes and "Jullie zeiden, wij deden"."""
from __future__ import annotations

import re

from typing import Any

import pandas as pd

from meethuis.improve.feedback.scrubbing import scrub
from meethuis.improve.feedback import (  # noqa: F401
    Lexicon, driver_importance, example_quotes, feedback_summary, load_improvements, load_lexicon, praise,
    theme_table, you_said_we_did,
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
    ax.barh(labels, pos, color=PALETTE["groen"], label="positief" if nl else "positive")
    ax.barh(labels, neu, left=pos, color="#BBBBBB", label="neutraal" if nl else "neutral")
    ax.barh(labels, neg, left=pos + neu, color=PALETTE["vermiljoen"], label="negatief" if nl else "negative")
    ax.legend(loc="lower right", frameon=False)
    return fig, int(total["n"].min())


def quotes_markdown(quotes: pd.DataFrame, lang: str = "nl") -> str:
    """Scrubbed quotes as Markdown block quotes, grouped by theme (HTML and Markdown escaped)."""
    import html as _html

    if quotes.empty:
        return ("Er zijn te weinig antwoorden per thema om citaten te tonen." if lang == "nl"
                else "There are too few answers per theme to show quotes.")
    out = []
    for label, group in quotes.groupby("theme_label", sort=False):
        out.append(f"**{label}**\n")
        for row in group.itertuples():
            quote = re.sub(r"([\\`*_\[\]])", r"\\\1", _html.escape(scrub(row.quote), quote=False))
            out.append(f"> *{row.sentiment}:* “{quote}”\n")
    return "\n".join(out)



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

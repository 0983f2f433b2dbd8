"""Views, sentences and figures of ``notebooks/01_intake.ipynb``: what the intake found: rows, periods, completeness per question."""
from __future__ import annotations


import numpy as np
import pandas as pd

from meethuis.common import narrative as nv


# -- intake (chapter 01) ---------------------------------------------------------------------------------
def intake_sentences(summary, lang: str = "nl") -> list[str]:
    """What the intake found, from ``Survey.summary`` (``validate.IntakeSummary``)."""
    t = (lambda a, b: a) if lang == "nl" else (lambda a, b: b)
    periods = list(summary.periods)
    span = (f"{nv.period_text(periods[0], lang)} {t('tot en met', 'to')} {nv.period_text(periods[-1], lang)}"
            if len(periods) > 1 else (nv.period_text(periods[0], lang) if periods else nv.MISSING))
    out = [t(f"Het bestand bevat {nv.format_int(summary.rows, 'nl')} respondenten uit {span}.",
             f"The file holds {nv.format_int(summary.rows, 'en')} respondents from {span}.")]
    dropped = summary.empty_rows + len(summary.duplicate_ids)
    if dropped:
        out.append(t(f"{nv.format_int(summary.empty_rows, 'nl')} lege en {len(summary.duplicate_ids)} dubbele rijen zijn "
                     "niet meegeteld.",
                     f"{nv.format_int(summary.empty_rows, 'en')} empty and {len(summary.duplicate_ids)} duplicate rows "
                     "were left out."))
    bad = sum(o.count for o in summary.out_of_range)
    if bad:
        out.append(t(f"{nv.format_int(bad, 'nl')} antwoorden lagen buiten de schaal en tellen als ontbrekend.",
                     f"{nv.format_int(bad, 'en')} answers were outside the scale and count as missing."))
    if summary.process is not None and summary.process.rows:
        p = summary.process
        share = p.matched / summary.rows if summary.rows else np.nan
        out.append(t(f"{nv.format_percent(share, 0, 'nl')} van de respondenten is gekoppeld aan procesgegevens "
                     f"({nv.format_int(p.matched, 'nl')} van {nv.format_int(summary.rows, 'nl')}).",
                     f"{nv.format_percent(share, 0, 'en')} of respondents are linked to process data "
                     f"({nv.format_int(p.matched, 'en')} of {nv.format_int(summary.rows, 'en')})."))
    warnings = len(summary.problems)
    out.append(t(f"Bij het inlezen zijn {warnings} waarschuwingen gegeven; zie `meethuis validate`." if warnings
                 else "Bij het inlezen zijn geen waarschuwingen gegeven.",
                 f"Reading the file gave {warnings} warning(s); see `meethuis validate`." if warnings
                 else "Reading the file gave no warnings."))
    return out

def completeness_view(table: pd.DataFrame, codebook, rows: int, lang: str = "nl") -> pd.DataFrame:
    """Per question: valid answers (n) and the shares n.v.t., weet niet and no answer."""
    t = (lambda a, b: a) if lang == "nl" else (lambda a, b: b)
    out = pd.DataFrame({
        t("Vraag", "Question"): [codebook.label(i, lang) if i in codebook.items else i for i in table["item"]],
        "n": table["n"],
        t("Geldig", "Valid"): [nv.format_percent(v / rows if rows else np.nan, 0, lang) for v in table["n"]],
        t("N.v.t.", "N/a"): [nv.format_percent(v / rows if rows else np.nan, 0, lang) for v in table["nvt"]],
        t("Weet niet", "Don't know"): [nv.format_percent(v / rows if rows else np.nan, 0, lang)
                                       for v in table["weet_niet"]],
        t("Geen antwoord", "No answer"): [nv.format_percent(v / rows if rows else np.nan, 0, lang)
                                          for v in table["missing"]],
        "suppressed": table["suppressed"],
    })
    return out


def answer(ch) -> str:
    """The chapter's answer: how many answers this report rests on (the period's), and how many the file holds."""
    t = (lambda a, b: a) if ch.lang == "nl" else (lambda a, b: b)
    n, rows = len(ch.responses), ch.survey.summary.rows
    when = nv.period_text(ch.period_shown, ch.lang)
    out = t(f"Dit rapport rust op {nv.format_int(n, 'nl')} antwoorden ({when}).",
            f"This report rests on {nv.format_int(n, 'en')} answers ({when}).")
    periods = len(ch.survey.summary.periods)
    if rows > n and periods > 1:
        out += " " + t(f"Het hele bestand bevat {nv.format_int(rows, 'nl')} antwoorden uit {periods} kwartalen; "
                       "de trends gebruiken ze allemaal.",
                       f"The whole file holds {nv.format_int(rows, 'en')} answers from {periods} quarters; "
                       "the trends use them all.")
    return out

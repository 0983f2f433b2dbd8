"""Views, sentences and figures of ``notebooks/11_volwassenheid.ipynb``: the maturity scan and the six-step checklist."""
from __future__ import annotations

import numpy as np
import pandas as pd

from meethuis.improve.maturity import (  # noqa: F401  (the notebook computes through this module)
    DIMENSIONS, LEVEL_NAMES, MaturityAssessment, checklist_markdown, improvement_checklist, maturity_for_config,
    maturity_table,
)
from meethuis.report.runner import chapters_available  # noqa: F401


def describe_maturity(assessment: MaturityAssessment, lang: str = "nl") -> str:
    """A short paragraph: average level, strongest and weakest dimensions (built from the scores)."""
    from meethuis.common.narrative import format_number, join_list

    s = assessment.scores
    mean = float(np.mean(list(s.values())))
    top, low = max(s.values()), min(s.values())
    strong = join_list([DIMENSIONS[d]["label"][lang].lower() for d, v in s.items() if v == top], lang)
    weak = join_list([DIMENSIONS[d]["label"][lang].lower() for d, v in s.items() if v == low], lang)
    if lang == "nl":
        text = f"Het gemiddelde volwassenheidsniveau is {format_number(mean, 1, lang)} op een schaal van 1 tot 5."
        if top == low:
            return text + f" Alle dimensies staan op niveau {top} ({LEVEL_NAMES[lang][top]})."
        return text + (f" Het sterkst: {strong} (niveau {top}). Het meeste te winnen valt bij {weak} (niveau {low}):"
                       f" begin daar.")
    text = f"The average maturity level is {format_number(mean, 1, lang)} on a scale of 1 to 5."
    if top == low:
        return text + f" All dimensions are at level {top} ({LEVEL_NAMES[lang][top]})."
    return text + f" Strongest: {strong} (level {top}). Most to gain in {weak} (level {low}): start there."


def plot_radar(assessment: MaturityAssessment, lang: str = "nl"):
    """Radar chart of the six levels (1–5), with the alt text listing every dimension's level.

    Parameters
    ----------
    assessment:
        Output of :func:`load_maturity`.
    lang:
        ``nl`` or ``en`` for labels and alt text.

    Returns
    -------
    matplotlib.figure.Figure
        Polar axes in the house style, with ``plots.alt_text``.
    """
    from matplotlib.figure import Figure

    from meethuis.common.plots import PALETTE, style, with_alt

    labels = [DIMENSIONS[d]["label"][lang] for d in DIMENSIONS]
    values = [assessment.scores[d] for d in DIMENSIONS]
    angles = np.linspace(0, 2 * np.pi, len(labels), endpoint=False)
    with style():
        fig = Figure(figsize=(5.5, 5.5), layout="constrained")
        ax = fig.add_subplot(projection="polar")
        ax.set_title("Volwassenheid klantbeleving" if lang == "nl" else "Customer-experience maturity", loc="left")
        closed_a, closed_v = np.append(angles, angles[0]), np.append(values, values[0])
        ax.plot(closed_a, closed_v, color=PALETTE["blauw"], linewidth=2)
        ax.fill(closed_a, closed_v, color=PALETTE["hemelsblauw"], alpha=0.35)
        ax.set_xticks(angles, labels)
        ax.set_ylim(0, 5)
        ax.set_yticks([1, 2, 3, 4, 5], ["1", "2", "3", "4", "5"])
        ax.set_theta_offset(np.pi / 2)
        ax.set_theta_direction(-1)
    listed = ", ".join(f"{lab} {v}" for lab, v in zip(labels, values))
    alt = (f"Radardiagram van de zelfbeoordeling op zes dimensies (niveau 1 tot 5): {listed}." if lang == "nl"
           else f"Radar chart of the self-assessment on six dimensions (level 1 to 5): {listed}.")
    return with_alt(fig, alt)


def maturity_view(assessment: MaturityAssessment, lang: str = "nl") -> pd.DataFrame:
    """Reader table of :func:`maturity_table` (no respondent data)."""
    t = maturity_table(assessment, lang)
    nl = lang == "nl"
    out = pd.DataFrame({
        "Dimensie" if nl else "Dimension": t["label"],
        "Niveau" if nl else "Level": [f"{lv} ({name})" for lv, name in zip(t["level"], t["level_name"])],
        "Wat dat betekent" if nl else "What it means": t["description"],
        "Advies" if nl else "Advice": t["advice"],
    })
    if t["note"].astype(bool).any():
        out["Toelichting" if nl else "Note"] = t["note"]
        out.attrs["text_lang"] = {"Toelichting" if nl else "Note": "nl"}  # the organisation's own notes are Dutch
    return out

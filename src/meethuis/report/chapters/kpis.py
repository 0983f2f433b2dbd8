"""Views, sentences and figures of ``notebooks/03_kpis.ipynb``: the KPIs with their margins and the organisation's goals."""
from __future__ import annotations

from typing import Sequence

import pandas as pd

from meethuis.common import narrative as nv
from meethuis.report.chapters.common import _ci_text


def kpi_view(table: pd.DataFrame, codebook, lang: str = "nl", by: Sequence[str] = ()) -> pd.DataFrame:
    """A KPI table for readers: indicator in words (left out when there is one), value and 95% CI, n."""
    by = [b for b in by if b in table.columns]
    one_kpi = table["kpi"].nunique() == 1 and by
    rows = []
    for _, r in table.iterrows():
        kind = nv.kpi_kind(r["kpi"])
        label = nv.kpi_label(r["kpi"], codebook, lang)
        row = {} if one_kpi else {("Kengetal" if lang == "nl" else "Indicator"): label[:1].upper() + label[1:]}
        for b in by:
            value = r[b]
            row[codebook.label(b, lang) if b in codebook.fields else b] = (
                codebook.value_label(b, value, lang) if b in codebook.fields and value != "totaal" else value)
        hidden = bool(r.get("suppressed", False))
        row[("Uitkomst" if lang == "nl" else "Estimate")] = (nv.MISSING if hidden
                                                             else nv.format_value(r["estimate"], kind, lang))
        row[nv.text("ci95", lang)] = nv.MISSING if hidden else _ci_text(r, kind, lang)
        row["n"] = r["n"]
        row["suppressed"] = bool(r.get("suppressed", False))
        rows.append(row)
    return pd.DataFrame(rows)

"""Results in the international frame: an OMB Circular A-11 §280-shaped summary of the organisation's survey.

A-11 §280 asks US agencies for the share of customers agreeing with a handful of 5-point statements
(satisfaction, confidence/trust, effectiveness, ease, efficiency, equity, employee helpfulness, transparency),
reported with the volume of customers served, the number offered the survey and the number of responses. Where
the codebook's crosswalk has a *same* or *close* counterpart, ``a11_summary`` gives that share from our item: the
top-2-box (4 or 5, "agree") of a 1-5 item, and for the report grade 1-10 the share 8 or higher. Every share passes
the disclosure rule through :func:`meethuis.stats.kpi.kpi_table`.
"""
from __future__ import annotations

from typing import Any

import pandas as pd

from meethuis.stats.kpi import kpi_table

STRONG = ("same", "close")


def a11_matches(config: Any) -> list:
    """The best same/close crosswalk match per A-11 item among the items the organisation measures (codebook
    order; ``same`` before ``close``)."""
    cb = config.codebook
    in_use = set(config.items_in_use())
    best: dict[str, Any] = {}
    for row in cb.counterparts("a11", strengths=STRONG):
        if row.id not in in_use or cb.items[row.id].scale.kind not in ("likert", "grade"):
            continue
        current = best.get(row.counterpart)
        if current is None or (current.strength == "close" and row.strength == "same"):
            best[row.counterpart] = row
    order = list(cb.crosswalk["frameworks"]["a11"]["counterparts"])
    return [best[k] for k in order if k in best]


def a11_summary(responses: pd.DataFrame, config: Any, weights: Any = None, min_cell: int = 10, *,
                volume: int | None = None, offered: int | None = None, lang: str = "nl") -> pd.DataFrame:
    """Share agreeing per A-11 item (where a same or close match exists), disclosure-protected.

    Parameters
    ----------
    responses:
        ``Survey.responses`` (usually one period).
    config:
        The organisation's config (its codebook carries the crosswalk).
    weights:
        Survey weights or None.
    min_cell:
        Smallest number of answers shown.
    volume, offered:
        Customers served and customers offered the survey in the period, when known (A-11 asks for both;
        config ``benchmark: {a11: {volume: N, offered: N}}`` in the report).
    lang:
        Language of the labels.

    Returns
    -------
    pandas.DataFrame
        One row per A-11 item: ``a11, a11_label, item, item_label, strength, statistic, estimate, ci_low, ci_high,
        n, n_eff, suppressed, reason``; ``attrs`` hold ``volume``, ``offered``, ``respondents``.
    """
    cb = config.codebook
    matches = a11_matches(config)
    rows = []
    for m in matches:
        statistic = "share8" if cb.items[m.id].scale.kind == "grade" else "top2"
        t = kpi_table(responses, [m.id], weights=weights, min_cell=min_cell, codebook=cb, statistics=[statistic])
        r = t.iloc[0]
        rows.append({"a11": m.counterpart, "a11_label": cb.counterpart_label("a11", m.counterpart, lang),
                     "item": m.id, "item_label": cb.label(m.id, lang), "strength": m.strength,
                     "statistic": statistic if cb.items[m.id].scale.id != "effort5" else "top2_effort",
                     **{k: r[k] for k in ("estimate", "ci_low", "ci_high", "n", "n_eff",
                                                                  "suppressed", "reason")}})
    out = pd.DataFrame(rows, columns=["a11", "a11_label", "item", "item_label", "strength", "statistic", "estimate",
                                      "ci_low", "ci_high", "n", "n_eff", "suppressed", "reason"])
    out.attrs.update({"volume": volume, "offered": offered, "respondents": int(len(responses)),
                      "dims": [], "keys": ["a11", "item", "statistic"]})
    # "top2_effort": the top-2-box of the effort scale (4-5 = little effort), read as agreeing that it was easy
    return out


def a11_options(config: Any) -> dict | None:
    """The opt-in for the A-11 summary in the report: config ``benchmark: {a11: true}`` or
    ``benchmark: {a11: {offered: 2000, volume: 3100}}``; None when not switched on.

    Raises
    ------
    ConfigError
        When ``benchmark.a11`` is not true/false or a mapping of whole numbers ``offered`` and ``volume``.
    """
    from meethuis.common.errors import ConfigError

    section = (config.raw or {}).get("benchmark") or {}
    spec = section.get("a11") if isinstance(section, dict) else None
    if spec in (None, False):
        return None
    if spec is True:
        return {}
    if isinstance(spec, dict) and set(spec) <= {"offered", "volume"} and all(
            isinstance(v, int) and not isinstance(v, bool) and v >= 0 for v in spec.values()):
        return dict(spec)
    raise ConfigError(f"benchmark.a11 must be true or {{offered: N, volume: N}}, got {spec!r}", file=str(config.path),
                      key="benchmark.a11", hint="e.g. benchmark: {a11: {offered: 2000}} (people invited this period)")

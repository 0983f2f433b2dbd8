"""Views, sentences and figures of ``notebooks/00_samenvatting.ipynb``: the summary: goals, headline KPIs, notable changes and the knobs to turn.

The summary also builds the report's first screen (:func:`show_first_screen`): tiles for the headline
KPIs (value, margin, change since the previous quarter with an arrow only when it holds up, goal status
in words and icon, a small trend line), the number of responses and the response rate (config key
``invited``), and the top three knobs. The HTML assembly lifts that block above the contents.
"""
from __future__ import annotations

import html
import math
import re
from typing import Any, Mapping, Sequence

import numpy as np
import pandas as pd

from meethuis.common import narrative as nv
from meethuis.common import vocabulary as voc
from meethuis.common.errors import ConfigError

FIRST_SCREEN_START = "<!--mh-first-screen-->"
FIRST_SCREEN_END = "<!--/mh-first-screen-->"
MAX_TILES = 4
DEFAULT_KPIS = ("tevredenheid_mean", "menselijkheid_top2", "effectiviteit_top2", "vertrouwen_top2")


def own_outcome_kpi(item) -> str:
    """The headline KPI of an own outcome: the share of 1 for a 0/1 (or text) outcome, else its mean."""
    return f"{item.id}_share" if item.scale.kind == "binary" or item.scale.positive is not None else f"{item.id}_mean"


def headline_kpis(config, columns) -> list[str]:
    """The KPIs on the tiles: the goals' KPIs in config order, else the core outcomes; then the organisation's
    own outcomes (share of a 0/1 outcome, mean of an own scale) while there is room; at most four."""
    wanted = [g.kpi for g in config.goals] or list(DEFAULT_KPIS)
    cb = config.codebook
    own = [cb.items[o] for o in config.outcomes() if o in cb.items and cb.items[o].own]
    goal_items = {g.kpi.rsplit("_", 1)[0] for g in config.goals}
    wanted += [own_outcome_kpi(it) for it in own if it.id not in goal_items]
    out = []
    for kpi in dict.fromkeys(wanted):
        item = "aanbeveling" if kpi == "nps" else kpi.rsplit("_", 1)[0]
        if item in columns:
            out.append(kpi)
    return out[:MAX_TILES]


def tile_label(kpi: str, codebook, lang: str = "nl") -> str:
    """A short tile title: "Rapportcijfer", "Menselijkheid: % positief", "NPS"."""
    if kpi == "nps":
        return "NPS"
    item, stat = kpi.rsplit("_", 1)
    label = codebook.label(item, lang) if item in codebook.items else item
    grade = item in codebook.items and codebook.items[item].scale.kind == "grade"
    if stat == "mean":
        if grade:
            return "Rapportcijfer" if lang == "nl" else "Grade"
        sc = codebook.items[item].scale if item in codebook.items else None
        if sc is None or re.search(rf"(?<!\d){sc.min}\s*[-{nv.DASH}]\s*{sc.max}(?!\d)", label):
            return label  # no scale known, or the label already names it ("... (0-10)?")
        return f"{label} ({sc.min}{nv.DASH}{sc.max})"
    if stat == "voldoende":
        return "Voldoende (6 of hoger)" if lang == "nl" else "Pass mark (6 or higher)"
    if stat == "share8":
        return "Cijfer 8 of hoger" if lang == "nl" else "Grade 8 or higher"
    sc = codebook.items[item].scale if item in codebook.items else None
    if stat == "share" and sc is not None and sc.positive is not None:
        return f"{label}: % {sc.positive}"
    if stat == "share" and sc is not None:  # a 0/1 outcome: the share answering its label of 1
        yes = (sc.labels.get(lang) or sc.labels.get("nl") or {}).get(1) or ("ja" if lang == "nl" else "yes")
        return f"{label}: % {yes}"
    return f"{label}: % positief" if lang == "nl" else f"{label}: % positive"


def invited_in(config, period: str) -> int | None:
    """Number invited in ``period`` from the config key ``invited`` (a number per quarter, or quarter: number).

    Raises
    ------
    ConfigError
        When ``invited`` is not a positive whole number or a mapping of quarters to such numbers.
    """
    raw = (getattr(config, "raw", None) or {}).get("invited")
    if raw is None or not period:
        return None
    hint = "write invited: 1250 (every quarter) or invited: {2026Q3: 1250, 2026Q2: 1190}"
    if isinstance(raw, Mapping):
        value = raw.get(period)
        if value is None:
            return None
    else:
        value = raw
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value <= 0 or value != int(value):
        raise ConfigError(f"invited must be a positive whole number, got {value!r}", file=str(config.path),
                          key="invited", hint=hint)
    return int(value)


def sparkline_svg(values: list[float], label: str, width: int = 96, height: int = 28) -> str:
    """A small inline SVG trend line (no outside resources) with its text alternative in ``aria-label``."""
    pts = [(k, v) for k, v in enumerate(values) if v is not None and not math.isnan(v)]
    if len(pts) < 2:
        return ""
    lo, hi = min(v for _, v in pts), max(v for _, v in pts)
    span = (hi - lo) or 1.0
    n = max(len(values) - 1, 1)
    xy = [(2 + (width - 4) * k / n, height - 3 - (height - 6) * (v - lo) / span) for k, v in pts]
    path = " ".join(f"{x:.1f},{y:.1f}" for x, y in xy)
    last_x, last_y = xy[-1]
    return (f'<svg class="spark" width="{width}" height="{height}" viewBox="0 0 {width} {height}" role="img" '
            f'aria-label="{html.escape(label, quote=True)}"><polyline points="{path}" fill="none" '
            f'stroke="#0b5394" stroke-width="2" stroke-linejoin="round"/>'
            f'<circle cx="{last_x:.1f}" cy="{last_y:.1f}" r="2.8" fill="#0b5394"/></svg>')


def tile_data(ch) -> list[dict[str, Any]]:
    """One dict per headline KPI: value, margin, change, goal status and the series, all as shown."""
    from meethuis.stats.kpi import compare_goals
    from meethuis.stats.trends import trend_changes, trend_table

    lang = ch.lang
    kpis = headline_kpis(ch.config, ch.responses.columns)
    if not kpis:
        return []
    items = sorted({"aanbeveling" if k == "nps" else k.rsplit("_", 1)[0] for k in kpis})
    table = ch.kpis(items=items)
    goals = {g.kpi: g for g in ch.config.goals}
    tw = ch.trend_weights()
    tiles = []
    for kpi in kpis:
        kind = nv.kpi_kind(kpi)
        row = table[table["kpi"] == kpi]
        r = row.iloc[0] if len(row) else None
        shown = r is not None and not bool(r["suppressed"]) and pd.notna(r["estimate"])
        tile = {"kpi": kpi, "label": tile_label(kpi, ch.codebook, lang), "kind": kind, "shown": shown,
                "value": nv.format_value(r["estimate"], kind, lang) if shown else nv.MISSING,
                "margin": (nv.range_text(nv.format_value(r["ci_low"], kind, lang),
                                         nv.format_value(r["ci_high"], kind, lang), lang)
                           if shown and pd.notna(r["ci_low"]) else ""),
                "direction": "none", "change": "", "goal": None, "series": [], "spark": ""}
        if kpi in goals:
            g = goals[kpi]
            status = (compare_goals(table, [g])["status"].iloc[0]) if len(row) else "unknown"
            op = {">=": "\u2265", ">": ">", "<=": "\u2264", "<": "<"}[g.op]
            tile["goal"] = {"status": status, "icon": voc.GOAL_ICON[status],
                            "text": f"{'Doel' if lang == 'nl' else 'Goal'} {op} {nv.format_value(g.target, kind, lang)}: "
                                    f"{voc.goal_label(status, lang)}"}
        try:
            trend = trend_table(ch.trend_responses, kpi, weights=tw, min_cell=ch.min_cell, codebook=ch.codebook,
                                hidden=ch.hidden_groups())
        except Exception:  # no quarters in the data: no trend line and no change
            trend = None
        if trend is not None and ch.period:
            published = trend[~trend["suppressed"].astype(bool)]
            tile["series"] = [float(v) for v in published["estimate"].tail(8)]
            changes = trend_changes(trend, lang=lang)
            prev = changes[(changes["periode"] == ch.period) & (changes["comparison"] == "vorig_kwartaal")]
            if shown and len(prev):
                c = prev.iloc[0]
                tile["direction"] = c["direction"]
                before = nv.period_text(c["compared_with"], lang)
                diff = nv.change_clause(c["before"], c["after"], kind=kind, lang=lang)
                if c["direction"] == "none":
                    tile["change"] = (f"geen duidelijk verschil met {before}" if lang == "nl"
                                      else f"no clear difference from {before}")
                else:
                    tile["change"] = (f"{diff} sinds {before}" if lang == "nl" else f"{diff} since {before}")
            if len(tile["series"]) >= 2:
                first, last = published.iloc[max(len(published) - 8, 0)], published.iloc[-1]
                spark_label = (f"Verloop over {len(tile['series'])} kwartalen: van "
                               f"{nv.format_value(first['estimate'], kind, lang)} naar "
                               f"{nv.format_value(last['estimate'], kind, lang)}" if lang == "nl" else
                               f"Course over {len(tile['series'])} quarters: from "
                               f"{nv.format_value(first['estimate'], kind, lang)} to "
                               f"{nv.format_value(last['estimate'], kind, lang)}")
                tile["spark"] = sparkline_svg(tile["series"], spark_label)
        tiles.append(tile)
    return tiles


def response_text(ch) -> str:
    """"respons 31% van 1.250 uitgenodigden" (when the config gives ``invited``), else "ingevulde vragenlijsten"."""
    n = len(ch.responses)
    invited = invited_in(ch.config, ch.period)
    if ch.lang == "nl":
        if invited:
            return f"respons {nv.format_percent(n / invited, 0, 'nl')} van {nv.format_int(invited, 'nl')} uitgenodigden"
        return "ingevulde vragenlijsten"
    if invited:
        return f"response rate {nv.format_percent(n / invited, 0, 'en')} of {nv.format_int(invited, 'en')} invited"
    return "completed questionnaires"


def first_screen_html(ch, knobs: pd.DataFrame | None, why_no_knobs: str = "") -> str:
    """The first-screen block (tiles, response, top three knobs), wrapped in the markers html.py lifts out."""
    lang = ch.lang
    t = (lambda a, b: a) if lang == "nl" else (lambda a, b: b)
    when = nv.period_text(ch.period_shown, lang)
    parts = [FIRST_SCREEN_START,
             f'<section class="mh-first-screen" aria-labelledby="mh-fs-title">'
             f'<h2 id="mh-fs-title" class="fs-title">{html.escape(t("In één oogopslag", "At a glance"))}: '
             f'{html.escape(when)}</h2><ul class="tiles">']
    for tile in tile_data(ch):
        arrow = voc.CHANGE_ARROW.get(tile["direction"], "")
        change = ""
        if tile["change"]:
            icon = f'<span aria-hidden="true">{arrow}</span> ' if arrow else ""
            change = f'<p class="tile-change tile-{tile["direction"]}">{icon}{html.escape(tile["change"])}</p>'
        goal = ""
        if tile["goal"]:
            g = tile["goal"]
            goal = (f'<p class="tile-goal goal-{g["status"]}"><span class="goal-icon" aria-hidden="true">'
                    f'{g["icon"]}</span> {html.escape(g["text"])}</p>')
        margin = (f'<p class="tile-margin">{html.escape(voc.margin_word(lang))} {html.escape(tile["margin"])}</p>'
                  if tile["margin"] else "")
        if not tile["shown"]:
            margin = f'<p class="tile-margin">{html.escape(t("te weinig antwoorden", "too few answers"))}</p>'
        parts.append(f'<li class="tile"><p class="tile-label">{html.escape(tile["label"])}</p>'
                     f'<p class="tile-value">{html.escape(tile["value"])}</p>{margin}{change}{goal}'
                     f'{tile["spark"]}</li>')
    parts.append(f'<li class="tile tile-response"><p class="tile-label">{html.escape(t("Antwoorden", "Responses"))}</p>'
                 f'<p class="tile-value">{nv.format_int(len(ch.responses), lang)}</p>'
                 f'<p class="tile-margin">{html.escape(response_text(ch))}</p></li></ul>')
    has_knobs = knobs is not None and len(knobs) > 0
    heading = (t("Knoppen om aan te draaien", "Knobs to turn") if not has_knobs or len(knobs) != 3
               else t("Drie knoppen om aan te draaien", "Three knobs to turn"))
    parts.append(f'<div class="fs-knobs"><h3>{html.escape(heading)}</h3>')
    if has_knobs:
        items = []
        for _, k in knobs.iterrows():
            often = (t(f" · {nv.format_percent(k['p_top3'], 0, 'nl')} van de herberekeningen in de top 3",
                       f" · in the top 3 in {nv.format_percent(k['p_top3'], 0, 'en')} of recalculations")
                     if pd.notna(k.get("p_top3")) else "")
            items.append(f"<li><strong>{html.escape(str(k['label']))}</strong>: "
                         f"{html.escape(t('score', 'score'))} {nv.format_number(k['score'], 0, lang)}/100"
                         f"{html.escape(often)}</li>")
        parts.append(f"<ol>{''.join(items)}</ol>")
    else:
        parts.append(f"<p>{html.escape(why_no_knobs or t('Geen drijfveer springt er duidelijk uit.', 'No driver clearly stands out.'))}</p>")
    parts.append("</div></section>" + FIRST_SCREEN_END)
    return "".join(parts)


def show_first_screen(ch, outcome: str | None = None) -> None:
    """Display the first-screen block; the report puts it above the contents (``report.html``).

    ``outcome`` defaults to the organisation's main outcome (``ch.outcome``: tevredenheid for the shared model).
    """
    from IPython.display import HTML, display
    from meethuis.stats.priority import clear_knobs

    outcome = outcome or ch.outcome
    result = ch.importance(outcome)
    knobs, why = None, ""
    if isinstance(result, str):
        why = result
    else:
        matrix = ch.priority(outcome, quiet=True)
        knobs = clear_knobs(matrix, ch.lang, top=3) if matrix is not None else None
        if knobs is not None and knobs.empty:
            why = ch.text("Geen drijfveer springt er duidelijk uit: de verschillen vallen binnen de marges.",
                          "No driver clearly stands out: the differences lie within the margins.")
    display(HTML(first_screen_html(ch, knobs, why)))


def notable_changes(ch, kpis: Sequence[str]) -> list[str]:
    """Significant changes of ``kpis`` in the latest quarter (vs. previous quarter, a year before, the start).

    All comparisons over all ``kpis`` are tested as one family with Benjamini-Hochberg
    (``trends.summary_changes``); one plain sentence says so in the chapter's method fold (chapter 00 only).
    """
    from meethuis.stats.trends import summary_changes

    changes = summary_changes(ch.trend_responses, kpis, weights=ch.trend_weights(), min_cell=ch.min_cell,
                              codebook=ch.codebook, lang=ch.lang, hidden=ch.hidden_groups())
    if changes.empty:
        return []
    ch.show_method(ch.text(  # method: folded under "Hoe is dit berekend?"
        f"We vergelijken hier {nv.format_int(len(changes), 'nl')} cijfers tegelijk. Dan lijkt er al snel iets "
        "veranderd door toeval. Daarom noemen we alleen veranderingen die ook na een correctie voor het aantal "
        "vergelijkingen overeind blijven (methode van Benjamini en Hochberg).",
        f"We compare {nv.format_int(len(changes), 'en')} figures at once, so some will seem to change by chance. "
        "We therefore only mention changes that hold after correcting for the number of comparisons "
        "(the Benjamini-Hochberg method)."))
    lines = []
    for _, c in changes[changes["significant"]].iterrows():
        kind = nv.kpi_kind(c["kpi"])
        label = nv.kpi_label(c["kpi"], ch.codebook, ch.lang)
        subject = label[:1].upper() + label[1:]
        if c["comparison"] == "sinds_begin":
            since = nv.period_text(c["compared_with"], ch.lang)
            clause = nv.change_clause(c["before"], c["after"], kind=kind, lang=ch.lang)
            lines.append(ch.text(f"{subject} is sinds het {since} duidelijk {clause}.",
                                   f"{subject} has clearly {clause} since {since}."))
            continue
        lines.append(f"{subject}: {c['conclusion']} "
                     f"({nv.format_value(c['before'], kind, ch.lang)} \u2192 "
                     f"{nv.format_value(c['after'], kind, ch.lang)}, {nv.period_text(c['periode'], ch.lang)}).")
    return lines

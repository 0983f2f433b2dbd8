"""The improvement log behind "Jullie zeiden, wij deden": what citizens said, what the organisation changed,
and how important the theme's driver is.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Iterable, Mapping

import numpy as np
import pandas as pd

from meethuis.common.errors import AnalysisError, ConfigError

from meethuis.improve.feedback.themes import Lexicon, load_lexicon

# ---------------------------------------------------------------------------------------------------
# Improvement log: "Jullie zeiden, wij deden"
# ---------------------------------------------------------------------------------------------------

STATUSES = {
    "gerealiseerd": {"nl": "gerealiseerd", "en": "done"},
    "in uitvoering": {"nl": "in uitvoering", "en": "in progress"},
    "gepland": {"nl": "gepland", "en": "planned"},
}
_QUARTER = re.compile(r"^(?P<year>20\d\d)\s*-?\s*Q(?P<q>[1-4])$", re.IGNORECASE)
_IMPROVEMENT_KEYS = {"quarter", "theme", "what", "status", "said", "owner", "date"}
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


@dataclass(frozen=True)
class Improvement:
    """One entry of the organisation's improvement log."""

    quarter: str
    theme: str
    what: Mapping[str, str]
    status: str
    said: Mapping[str, str] | None = None
    owner: str | None = None  # who is responsible (a team or role, never a person's private data)
    date: str | None = None  # ISO date: when it was done (gerealiseerd) or is planned

    def text(self, lang: str = "nl") -> str:
        """What changed, in ``lang`` (Dutch when no translation is given)."""
        return self.what.get(lang) or self.what["nl"]


def _bilingual(value: Any, fail) -> dict[str, str]:
    if isinstance(value, str) and value.strip():
        return {"nl": value.strip()}
    if isinstance(value, Mapping) and isinstance(value.get("nl"), str) and value["nl"].strip():
        extra = set(value) - {"nl", "en"}
        if extra:
            raise fail(f"unknown language(s) {sorted(map(str, extra))}", "use nl and en")
        if "en" in value and not (isinstance(value["en"], str) and value["en"].strip()):
            raise fail("'en' must be a non-empty text", "write the English text or leave 'en' out")
        return {k: v.strip() for k, v in value.items()}
    raise fail("expected a text or {nl: ..., en: ...} with at least the Dutch text",
               "e.g. what: {nl: \"Terugbelgarantie binnen 2 werkdagen\", en: \"Call back within 2 working days\"}")


def load_improvements(config: Any, lexicon: Lexicon | None = None) -> list[Improvement]:
    """The ``improvements:`` list of an organisation config, validated.

    Parameters
    ----------
    config:
        :class:`~meethuis.intake.config.OrgConfig`; reads ``config.raw["improvements"]`` (may be absent).
    lexicon:
        Known themes (default: :func:`load_lexicon` of the config); a theme must be one of them.

    Returns
    -------
    list[Improvement]
        In config order.

    Raises
    ------
    ConfigError
        With file (and line), key such as ``improvements[2].status`` and a hint.
    """
    raw = (getattr(config, "raw", {}) or {}).get("improvements")
    path = str(getattr(config, "path", "config"))
    lines = getattr(config, "lines", {}) or {}

    def failer(key: str):
        def fail(message: str, hint: str | None = None) -> ConfigError:
            line = lines.get(key)
            return ConfigError(message, file=f"{path}:{line}" if line else path, key=key, hint=hint)
        return fail

    if raw is None:
        return []
    if not isinstance(raw, list):
        raise failer("improvements")("'improvements' must be a list of entries",
                                     "start each entry with '- quarter: 2026Q2'")
    lexicon = lexicon or load_lexicon(config)
    out = []
    for k, entry in enumerate(raw):
        key = f"improvements[{k}]"
        if not isinstance(entry, Mapping):
            raise failer(key)("an improvement must be a mapping with quarter, theme, what, status",
                              "see the example in data/sample/molensloot.yml")
        unknown = set(entry) - _IMPROVEMENT_KEYS
        if unknown:
            raise failer(f"{key}.{sorted(map(str, unknown))[0]}")(
                f"unknown key(s) {sorted(map(str, unknown))}", f"allowed: {', '.join(sorted(_IMPROVEMENT_KEYS))}")
        for need in ("quarter", "theme", "what", "status"):
            if need not in entry:
                raise failer(key)(f"missing '{need}'", "every improvement needs quarter, theme, what and status")
        m = _QUARTER.match(str(entry["quarter"]).strip())
        if not m:
            raise failer(f"{key}.quarter")(f"'{entry['quarter']}' is not a quarter", "write it as 2026Q2")
        theme = entry["theme"]
        if not isinstance(theme, str) or theme not in lexicon.themes:
            raise failer(f"{key}.theme")(f"unknown theme {theme!r}",
                                         f"use one of: {', '.join(lexicon.themes)} (or add it under 'themes:')")
        status = str(entry["status"]).strip().lower().replace("_", " ")
        if status not in STATUSES:
            raise failer(f"{key}.status")(f"unknown status {entry['status']!r}",
                                          "use gepland, in uitvoering or gerealiseerd")
        what = _bilingual(entry["what"], failer(f"{key}.what"))
        said = _bilingual(entry["said"], failer(f"{key}.said")) if "said" in entry else None
        owner = entry.get("owner")
        if owner is not None and not (isinstance(owner, str) and owner.strip()):
            raise failer(f"{key}.owner")("'owner' must be a text", "e.g. owner: Klantcontactcentrum")
        date = entry.get("date")
        if date is not None:
            date = str(date).strip()
            if not _DATE.match(date):
                raise failer(f"{key}.date")(f"'{entry['date']}' is not a date", "write it as 2026-03-31")
        out.append(Improvement(quarter=f"{m['year']}Q{m['q']}", theme=theme, what=what, status=status, said=said,
                               owner=owner.strip() if owner else None, date=date))
    return out


def you_said_we_did(improvements: Iterable[Improvement], themes: pd.DataFrame | None = None,
                    importance: Mapping[str, float] | pd.Series | None = None, *, top: int = 5,
                    until: str = "", lexicon: Lexicon | None = None, lang: str = "nl") -> pd.DataFrame:
    """"Jullie zeiden, wij deden": the top improvements per quarter next to what citizens said.

    Per quarter the improvements are ranked by status (gerealiseerd, in uitvoering, gepland), then by
    the importance of their driver (higher first), then by the share of negative mentions of the
    theme; the first ``top`` are kept.

    Parameters
    ----------
    improvements:
        From :func:`load_improvements`.
    themes:
        :func:`theme_table` (its ``totaal`` rows are used); suppressed themes show no numbers.
    importance:
        Driver importance (e.g. Shapley shares) by theme id; optional.
    top:
        Improvements shown per quarter.
    until:
        Only quarters up to and including this one (``""``: all).
    lexicon, lang:
        For theme labels; language of the texts.

    Returns
    -------
    pandas.DataFrame
        ``quarter, theme, theme_label, said, did, status, importance_rank, share_negative,
        share_positive`` (newest quarter first). No respondent counts: nothing to suppress here.
    """
    lexicon = lexicon or load_lexicon()
    total = None
    if themes is not None and len(themes):
        total = themes[themes["group"] == "totaal"].set_index("theme")
    imp = pd.Series(importance, dtype=float) if importance is not None else pd.Series(dtype=float)
    ranks = imp.rank(ascending=False, method="min") if len(imp) else imp
    rows = []
    for item in improvements:
        if until and item.quarter > until:
            continue
        neg = pos = np.nan
        if total is not None and item.theme in total.index and not bool(total.at[item.theme, "suppressed"]):
            neg, pos = total.at[item.theme, "share_negative"], total.at[item.theme, "share_positive"]
        label = lexicon.label(item.theme, lang)
        said = (item.said.get(lang) or item.said["nl"]) if item.said else _said_text(label, neg, pos, lang)
        rows.append({
            "quarter": item.quarter, "theme": item.theme, "theme_label": label, "said": said,
            "did": item.text(lang), "status": STATUSES[item.status][lang],
            "importance_rank": ranks.get(item.theme, np.nan), "share_negative": neg, "share_positive": pos,
            "_status_order": list(STATUSES).index(item.status),
            "_importance": imp.get(item.theme, -np.inf),
        })
    cols = ["quarter", "theme", "theme_label", "said", "did", "status", "importance_rank",
            "share_negative", "share_positive"]
    if not rows:
        return pd.DataFrame(columns=cols)
    table = pd.DataFrame(rows)
    table["_neg"] = table["share_negative"].fillna(-1.0)
    table = table.sort_values(["quarter", "_status_order", "_importance", "_neg"],
                              ascending=[False, True, False, False], kind="stable")
    table = table.groupby("quarter", sort=False).head(top)
    return table[cols].reset_index(drop=True)


def _said_text(label: str, share_negative: float, share_positive: float, lang: str) -> str:
    from meethuis.common import narrative as nv

    if pd.isna(share_negative):
        return (f"Opmerkingen over {label.lower()}" if lang == "nl" else f"Comments about {label.lower()}")
    if lang == "nl":
        return (f"{nv.format_percent(share_negative, 0, 'nl')} van de opmerkingen over {label.lower()} "
                f"was negatief, {nv.format_percent(share_positive, 0, 'nl')} positief")
    return (f"{nv.format_percent(share_negative, 0, 'en')} of comments about {label.lower()} were negative, "
            f"{nv.format_percent(share_positive, 0, 'en')} positive")


def praise(themes: pd.DataFrame, *, top: int = 3) -> pd.DataFrame:
    """The themes citizens are most positive about (published ``totaal`` rows, most positive first)."""
    total = themes[(themes["group"] == "totaal") & ~themes["suppressed"].astype(bool)]
    total = total[total["share_positive"] > 0.5]
    return total.sort_values(["share_positive", "n"], ascending=False).head(top).reset_index(drop=True)


def driver_importance(responses: pd.DataFrame, config: Any, weights: pd.Series | None = None,
                      outcome: str = "tevredenheid") -> pd.Series:
    """Shapley share of each driver for ``outcome`` (no bootstrap), or an empty Series when the data
    cannot support it (too few complete answers)."""
    from meethuis.stats.drivers import shapley_importance

    names = [d for d in config.drivers() if d in responses.columns]
    if outcome not in responses.columns or not names:
        return pd.Series(dtype=float)
    try:
        table = shapley_importance(responses, outcome, names, weights=weights, missing="pairwise")
    except AnalysisError:
        return pd.Series(dtype=float)
    if int(table.attrs.get("n", len(responses))) < max(10 * len(names), 10):
        return pd.Series(dtype=float)
    return table.set_index("driver")["share"]

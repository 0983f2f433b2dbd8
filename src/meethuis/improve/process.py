"""Process data: link survey answers to case records on a pseudonymous key, and relate them.

The raw case number is replaced by a keyed hash (HMAC-SHA256) before anything else happens, so it never
reaches a table, figure or file. The salt comes from the environment variable ``MEETHUIS_SALT`` (the
same salt gives the same pseudonyms, e.g. across report runs) or is generated once per run. The analyses:
match rate (counts, never keys), satisfaction by bins of throughput time and number of contacts, an OLS
regression with controls (statsmodels formula, HC1 robust errors), the effect of being referred on
("van het kastje naar de muur"), and a 2×2 of perception against process (fast but unhappy, slow but
happy). Every published table passes :func:`meethuis.stats.disclosure.protect_table`.
"""
from __future__ import annotations

import hashlib
import math
import os
import secrets
from dataclasses import dataclass
from typing import Any, Mapping, Sequence

import numpy as np
import pandas as pd

from meethuis.stats.disclosure import protect_table
from meethuis.common.errors import AnalysisError, DataError

SALT_ENV = "MEETHUIS_SALT"
KEY = "zaak_sleutel"
PSEUDONYM = "koppel_id"
PROCESS_FIELDS = ("doorlooptijd_dagen", "aantal_contacten", "doorverwezen", "wachttijd_minuten", "uitkomst")
_RUN_SALT: bytes | None = None

# Default bins for satisfaction by process measure: (edges, labels per language).
DEFAULT_BINS: dict[str, tuple[list[float], dict[str, list[str]]]] = {
    "doorlooptijd_dagen": ([-math.inf, 7, 14, 28, 56, math.inf], {
        "nl": ["t/m 7 dagen", "8–14 dagen", "15–28 dagen", "29–56 dagen", "meer dan 56 dagen"],
        "en": ["up to 7 days", "8–14 days", "15–28 days", "29–56 days", "over 56 days"]}),
    "aantal_contacten": ([-math.inf, 1, 2, 3, math.inf], {
        "nl": ["1 contact", "2 contacten", "3 contacten", "4 of meer"],
        "en": ["1 contact", "2 contacts", "3 contacts", "4 or more"]}),
    "wachttijd_minuten": ([-math.inf, 2, 5, 10, math.inf], {
        "nl": ["t/m 2 min", "2–5 min", "5–10 min", "meer dan 10 min"],
        "en": ["up to 2 min", "2–5 min", "5–10 min", "over 10 min"]}),
}


def link_salt() -> bytes:
    """The salt of the pseudonymous key: ``$MEETHUIS_SALT`` if set, else a random one made once per run."""
    global _RUN_SALT
    env = os.environ.get(SALT_ENV)
    if env:
        return env.encode("utf-8")
    if _RUN_SALT is None:
        _RUN_SALT = secrets.token_bytes(32)
    return _RUN_SALT


def pseudonymise(keys: pd.Series, salt: bytes | str | None = None) -> pd.Series:
    """Replace raw link keys by ``HMAC-SHA256(salt, key)`` (hex); missing or empty keys stay missing.

    Parameters
    ----------
    keys:
        Raw keys (case numbers); compared after trimming spaces.
    salt:
        Secret salt; default :func:`link_salt`. The same salt always gives the same pseudonym.

    Returns
    -------
    pd.Series
        Pseudonyms (``string`` dtype), same index.
    """
    return _pseudonyms(_clean_keys(keys), salt)


def _clean_keys(keys: pd.Series) -> pd.Series:
    """Raw link keys as compared: text without surrounding spaces, NA for missing or empty keys."""
    clean = keys.astype("string").str.strip()
    return clean.mask(clean == "")


def _pseudonyms(clean: pd.Series, salt: bytes | str | None = None) -> pd.Series:
    """:func:`pseudonymise` of keys already cleaned by :func:`_clean_keys`."""
    salt = link_salt() if salt is None else (salt.encode("utf-8") if isinstance(salt, str) else salt)
    values = clean.to_numpy(dtype=object, na_value=None)
    digest = _hmac_sha256_hex(salt)
    return pd.Series([None if k is None else digest(k.encode("utf-8")) for k in values],
                     index=clean.index, dtype="string")


def _hmac_sha256_hex(salt: bytes):
    """HMAC-SHA256 under ``salt`` as a function of the message (hex digest): RFC 2104 with the keyed inner
    and outer hash states made once, so each key costs two state copies (2.4 times faster than
    ``hmac.digest``, which keys both states again for every message; the same digests, tested)."""
    key = hashlib.sha256(salt).digest() if len(salt) > 64 else salt
    key = key.ljust(64, b"\0")
    inner = hashlib.sha256(bytes(b ^ 0x36 for b in key))
    outer = hashlib.sha256(bytes(b ^ 0x5C for b in key))

    def digest(message: bytes) -> str:
        first = inner.copy()
        first.update(message)
        second = outer.copy()
        second.update(first.digest())
        return second.hexdigest()

    return digest


@dataclass(frozen=True)
class MatchReport:
    """How many survey responses found their process record (counts only, never keys)."""

    n_survey: int
    n_survey_without_key: int
    n_process: int
    n_matched: int
    n_matched_records: int

    @property
    def n_survey_unmatched(self) -> int:
        return self.n_survey - self.n_survey_without_key - self.n_matched

    @property
    def n_process_unmatched(self) -> int:
        return self.n_process - self.n_matched_records

    @property
    def rate(self) -> float:
        """Share of survey responses with a key that found a process record."""
        base = self.n_survey - self.n_survey_without_key
        return self.n_matched / base if base else math.nan

    def _hidden(self, min_cell: int) -> bool:
        """True when the unmatched (or missing-key) respondents are 1 .. min_cell - 1: then they and the
        matched count are not published (survey responses = without key + matched + unmatched)."""
        return any(0 < v < min_cell for v in (self.n_survey_unmatched, self.n_survey_without_key))

    def to_frame(self, lang: str = "nl", min_cell: int = 10) -> pd.DataFrame:
        """The counts as a two-column table for the report; respondent counts of 1 .. ``min_cell - 1`` are
        left out together with the counts they could be recovered from (``disclosure`` rule)."""
        labels = {
            "nl": ["Enquêteantwoorden", "  zonder koppelsleutel", "  gekoppeld aan een zaak", "  niet gevonden in procesdata",
                   "Zaken in procesdata", "  zonder enquêteantwoord"],
            "en": ["Survey responses", "  without link key", "  linked to a case", "  not found in process data",
                   "Cases in process data", "  without a survey response"],
        }[lang]
        values = [self.n_survey, self.n_survey_without_key, self.n_matched, self.n_survey_unmatched,
                  self.n_process, self.n_process_unmatched]
        if self._hidden(min_cell):  # hide every non-zero part of the survey responses (their sum is published)
            values = [float(v) for v in values]
            values[1:4] = [0.0 if v == 0 else math.nan for v in values[1:4]]
        counts = np.asarray(values, dtype=float)  # NaN where hidden (the report shows a dash)
        return pd.DataFrame({"onderdeel" if lang == "nl" else "part": labels,
                             "aantal" if lang == "nl" else "count": counts})

    def to_text(self, lang: str = "nl", min_cell: int = 10) -> str:
        """One sentence with the match rate, built from the counts (no count of 1 .. ``min_cell - 1``)."""
        from meethuis.common.narrative import format_int, format_percent

        base = self.n_survey - self.n_survey_without_key
        if self._hidden(min_cell):
            if lang == "nl":
                return (f"Hoeveel van de {format_int(self.n_survey, lang)} enquêteantwoorden precies gekoppeld zijn aan "
                        f"procesgegevens, noemen we niet: een van de aantallen is kleiner dan {min_cell}.")
            return (f"We do not say exactly how many of the {format_int(self.n_survey, lang)} survey responses were "
                    f"linked to process data: one of the counts is below {min_cell}.")
        if lang == "nl":
            return (f"Van de {format_int(base, lang)} enquêteantwoorden met een zaaknummer zijn er "
                    f"{format_int(self.n_matched, lang)} gekoppeld aan procesgegevens "
                    f"({format_percent(self.rate, 0, lang)}); {format_int(self.n_survey_unmatched, lang)} "
                    "zaaknummers kwamen niet voor in de procesdata.")
        return (f"Of the {format_int(base, lang)} survey responses with a case number, "
                f"{format_int(self.n_matched, lang)} were linked to process data ({format_percent(self.rate, 0, lang)}); "
                f"{format_int(self.n_survey_unmatched, lang)} case numbers were not found in the process data.")


@dataclass(frozen=True)
class LinkedData:
    """Survey responses with their process fields, keyed by the pseudonym only."""

    frame: pd.DataFrame
    report: MatchReport

    @property
    def matched(self) -> pd.DataFrame:
        return self.frame[self.frame["gekoppeld"]]


def link_process(responses: pd.DataFrame, process: pd.DataFrame, salt: bytes | str | None = None, *,
                 survey_key: str = KEY, process_key: str = KEY, file: str | None = None,
                 leave_out: Sequence[str] = (), pseudonyms: bool = True) -> LinkedData:
    """Link survey responses to process records through a salted hash of the case key.

    Parameters
    ----------
    responses:
        ``Survey.responses`` with the raw key in ``survey_key``.
    process:
        ``Survey.process``: one row per case with the raw key in ``process_key`` and process fields.
    salt:
        Secret salt (default :func:`link_salt`).
    file:
        Name of the process file, for error messages.
    leave_out:
        Survey columns the caller does not analyse (free text, ids): not copied into ``frame``.
    pseudonyms:
        ``False`` leaves ``koppel_id`` out (no key is hashed) for a caller that analyses no case identity.

    Returns
    -------
    LinkedData
        ``frame``: the responses without the raw key, plus ``koppel_id`` (pseudonym), the process fields
        (NaN when not matched) and ``gekoppeld`` (bool); ``report``: the match counts.

    Raises
    ------
    DataError
        A key column is missing; the process file has duplicate keys (rows named, keys not); no survey
        key matches any process record.
    """
    s_clean, proc, matched = _match_keys(responses, process, survey_key, process_key, file)
    # matched on the cleaned raw keys (the HMAC is one-to-one), so only the survey's keys are hashed
    s_ids = _pseudonyms(s_clean, salt) if pseudonyms else None
    n_with_key = int(s_clean.notna().sum())
    gone = [survey_key, *[c for c in leave_out if c in responses.columns and c != survey_key]]
    out = responses.drop(columns=gone)  # a new frame (drop copies): no second copy of the survey
    if s_ids is not None:
        out[PSEUDONYM] = s_ids.to_numpy()
    joined = proc.reindex(s_clean.where(matched).to_numpy())
    for c in proc.columns:
        out[c] = joined[c].to_numpy()
    out["gekoppeld"] = matched.to_numpy()
    report = MatchReport(n_survey=len(responses), n_survey_without_key=len(responses) - n_with_key,
                         n_process=len(proc), n_matched=int(matched.sum()),
                         n_matched_records=int(pd.Index(s_clean[matched]).nunique()))
    return LinkedData(out, report)


def _match_keys(responses: pd.DataFrame, process: pd.DataFrame, survey_key: str = KEY, process_key: str = KEY,
                file: str | None = None) -> tuple[pd.Series, pd.DataFrame, pd.Series]:
    """The cleaned survey keys, the process fields indexed by cleaned key and which responses match.

    Raises
    ------
    DataError
        As :func:`link_process`: a key column is missing, duplicate process keys, no key matches.
    """
    for frame, col, what in ((responses, survey_key, "survey"), (process, process_key, "process data")):
        if col not in frame.columns:
            raise DataError(f"the {what} has no link-key column '{col}'", file=file if what != "survey" else None,
                            column=col, hint="map the case number under process.survey_key / process.key")
    p_keys = _clean_keys(process[process_key])
    dup = p_keys.notna() & p_keys.duplicated(keep=False)
    if dup.any():
        rows = [int(i) + 1 for i in np.flatnonzero(dup.to_numpy())]
        shown = ", ".join(map(str, rows[:5])) + (", ..." if len(rows) > 5 else "")
        raise DataError(f"{int(dup.sum())} process records share a case key with another record (rows {shown})",
                        file=file, column=process_key, row=rows[0],
                        hint="give one row per case: aggregate repeated records (e.g. the last status) first")
    s_clean = _clean_keys(responses[survey_key])
    fields = [c for c in process.columns if c != process_key]
    proc = process[fields].copy()
    proc.index = pd.Index(p_keys, name=PSEUDONYM)
    proc = proc[proc.index.notna()]
    matched = s_clean.notna() & s_clean.isin(proc.index)
    n_with_key = int(s_clean.notna().sum())
    if n_with_key and not matched.any():
        raise DataError(f"none of the {n_with_key} survey case keys occurs among the {len(proc)} process records",
                        file=file, column=process_key,
                        hint="check that both files use the same case number (same format, prefixes and leading "
                             "zeros) and the same period")
    if not n_with_key:
        raise DataError("no survey response has a case key, so nothing can be linked", column=survey_key,
                        hint="map the case-number column of the survey as process.survey_key")
    return s_clean, proc, matched


def check_link(survey, config=None) -> None:
    """The checks of :func:`link_survey` without linking (no key is hashed): what a report run needs first.

    Raises
    ------
    DataError
        As :func:`link_process`.
    """
    _match_keys(survey.responses, survey.process, file=_process_file(survey, config))


def _as_float(series: pd.Series) -> pd.Series:
    if pd.api.types.is_bool_dtype(series) or series.dtype == object:
        mapped = series.map({True: 1.0, False: 0.0, "true": 1.0, "false": 0.0, "ja": 1.0, "nee": 0.0})
        return pd.to_numeric(mapped, errors="coerce")
    return pd.to_numeric(series, errors="coerce").astype(float)


def _weights(frame: pd.DataFrame, weights: pd.Series | np.ndarray | None) -> pd.Series:
    if weights is None:
        return pd.Series(1.0, index=frame.index)
    if isinstance(weights, pd.Series):
        return weights.reindex(frame.index).astype(float)
    w = np.asarray(weights, dtype=float)
    if w.size != len(frame):
        raise DataError(f"{w.size} weights for {len(frame)} respondents", hint="pass one weight per row")
    return pd.Series(w, index=frame.index)


def _design(linked: pd.DataFrame, weights: pd.Series | np.ndarray | None):
    """The raking design behind ``weights`` and which rows are linked.

    With raked weights (a Series from ``weights.survey_weights``) the linearised variance is residualised on
    the raking margins, as in ``kpi.kpi_table``; a group is a domain of the whole design, so pass every
    respondent of the period (``LinkedData.frame``): rows with ``gekoppeld`` False stay in the design.
    """
    from meethuis.stats.weights import calibration_of

    inside = linked["gekoppeld"].fillna(False).astype(bool).to_numpy() if "gekoppeld" in linked.columns \
        else np.ones(len(linked), bool)
    calibration = calibration_of(linked, weights) if isinstance(weights, pd.Series) else None
    return calibration, inside


def _domain_means(y: np.ndarray, w: pd.Series, masks: list[np.ndarray], calibration) -> list:
    """``kpi.domain_estimates`` of the mean of ``y`` in each mask (one design, linearised SEs)."""
    from meethuis.stats.kpi import domain_estimates

    if calibration is None:  # no design: each group is a sample of its own answered rows (kpi.mean_ci)
        from meethuis.stats.kpi import mean_ci

        return [mean_ci(y[m], w.to_numpy()[m]) for m in masks]
    return domain_estimates(y, "mean", w.to_numpy(dtype=float), masks, calibration)


def auto_bins(values: pd.Series) -> list[float]:
    """Whole-number edges (from, up to but not including) of about four equal groups from the quartiles;
    the lowest value gets a group of its own when a quarter or more of the cases have it (e.g. no delay)."""
    x = pd.to_numeric(values, errors="coerce").dropna()
    if x.empty:
        return [0.0, 1.0, 2.0]
    lo, hi = math.floor(float(x.min())), math.floor(float(x.max())) + 1
    edges = {lo, hi, *(int(round(q)) for q in x.quantile([0.25, 0.5, 0.75]))}
    if (x == x.min()).mean() >= 0.25:
        edges.add(lo + 1)
    edges = sorted(e for e in edges if lo <= e <= hi)
    return [float(e) for e in edges] if len(edges) >= 3 else [float(lo), float(lo + 1), float(max(hi, lo + 2))]


def bin_labels(edges: Sequence[float]) -> list[str]:
    """``[0, 1, 15, 60]`` → ``0``, ``1–14``, ``15–59``: left-closed groups of whole numbers (as segments)."""
    def num(v: float) -> str:
        return str(int(v)) if float(v).is_integer() else str(v)

    out = []
    for a, b in zip(edges, edges[1:]):
        whole = float(a).is_integer() and float(b).is_integer()
        if whole and b - 1 == a:
            out.append(num(a))
        elif whole:
            out.append(f"{num(a)}–{num(b - 1)}")
        else:
            out.append(f"{num(a)}–<{num(b)}")
    return out


def binned_effect(linked: pd.DataFrame, measure: str, outcome: str = "tevredenheid",
                  weights: pd.Series | None = None, min_cell: int = 10, lang: str = "nl",
                  bins: tuple[Sequence[float], Sequence[str]] | None = None, right: bool = True) -> pd.DataFrame:
    """Mean of ``outcome`` per bin of a process measure (or per category of a category measure), with CIs, protected.

    With raked weights (a Series from ``weights.survey_weights``) each bin is a domain of the raking design
    and its SE the linearised one of ``kpi.kpi_table``; unweighted, ``kpi.mean_ci`` per bin.

    Parameters
    ----------
    linked:
        ``LinkedData.frame`` (every respondent of the period; ``gekoppeld`` marks the linked rows, the others
        stay in the design) or its matched rows.
    measure:
        A process field, e.g. ``doorlooptijd_dagen`` or ``aantal_contacten``.
    bins:
        ``(edges, labels)``; default :data:`DEFAULT_BINS` (right-closed intervals); a category measure
        (pandas ``category``) is grouped by its own categories.
    right:
        Whether the bins are right-closed (the fixed fields) or left-closed (the config's own ``bins``).

    Returns
    -------
    pd.DataFrame
        ``bin, estimate, ci_low, ci_high, se, n, n_eff, suppressed, reason`` in bin order.
    """
    for col in (measure, outcome):
        if col not in linked.columns:
            raise DataError(f"column '{col}' is not in the linked data", column=col,
                            hint="map it under process.columns (process fields) or data.columns (items)")
    column = linked[measure]
    if bins is None and (isinstance(column.dtype, pd.CategoricalDtype) or column.dtype == object
                         or pd.api.types.is_string_dtype(column.dtype)):
        labels = ([str(c) for c in column.cat.categories] if isinstance(column.dtype, pd.CategoricalDtype)
                  else sorted({str(v) for v in column.dropna()}))
        cut = column.astype("string")
    else:
        if bins is None:
            if measure not in DEFAULT_BINS:
                raise AnalysisError(f"no default bins for '{measure}'", hint="pass bins=(edges, labels)")
            edges, labels = DEFAULT_BINS[measure][0], DEFAULT_BINS[measure][1][lang]
        else:
            edges, labels = bins
        x = _as_float(linked[measure])
        cut = pd.cut(x, edges, labels=list(labels), right=right)
    y = pd.to_numeric(linked[outcome], errors="coerce").to_numpy(dtype=float)
    w = _weights(linked, weights)
    calibration, inside = _design(linked, weights)
    masks = [(cut == label).to_numpy() & inside for label in labels]
    rows = []
    for label, est in zip(labels, _domain_means(y, w, masks, calibration)):
        rows.append({"bin": label, "estimate": est.estimate, "ci_low": est.ci_low, "ci_high": est.ci_high,
                     "se": est.se, "n": est.n, "n_eff": est.n_eff})
    table = pd.DataFrame(rows)
    table.attrs.update({"measure": measure, "outcome": outcome})
    return protect_table(table, min_cell, dims=["bin"], keys=[])


@dataclass(frozen=True)
class RegressionResult:
    """Coefficients (with 95% CIs, HC1 robust) of the outcome on process measures and controls."""

    table: pd.DataFrame
    n: int
    r2: float
    formula: str


_TERM_LABELS = {
    "log_doorlooptijd": {"nl": "Doorlooptijd (per verdubbeling, ongeveer)", "en": "Throughput time (per doubling, roughly)"},
    "aantal_contacten": {"nl": "Aantal contacten (per extra contact)", "en": "Number of contacts (per extra contact)"},
    "doorverwezen": {"nl": "Doorverwezen (ja tegenover nee)", "en": "Referred on (yes against no)"},
    "wachttijd_minuten": {"nl": "Wachttijd (per minuut)", "en": "Waiting time (per minute)"},
    "Intercept": {"nl": "Constante", "en": "Intercept"},
}


def _term_label(term: str, lang: str, reference: dict[str, str] | None = None,
                labels: Mapping[str, str] | None = None) -> str:
    labels = labels or {}
    if term in labels:
        return labels[term]
    if term in _TERM_LABELS:
        return _TERM_LABELS[term][lang]
    if term.startswith("C(") and "[T." in term:
        var = term[2:term.index(")")]
        level = term[term.index("[T.") + 3:-1]
        ref = (reference or {}).get(var, "referentie" if lang == "nl" else "reference")
        name = labels.get(var) or {"kanaal": {"nl": "Kanaal", "en": "Channel"}}.get(var, {}).get(lang, var)
        return f"{name} {level} (tegenover {ref})" if lang == "nl" else f"{name} {level} (against {ref})"
    return term


def process_regression(linked: pd.DataFrame, outcome: str = "tevredenheid",
                       measures: Sequence[str] = ("log_doorlooptijd", "aantal_contacten", "doorverwezen"),
                       controls: Sequence[str] = ("kanaal",), weights: pd.Series | None = None,
                       min_cell: int = 10, lang: str = "nl", hidden: Mapping[str, Any] | None = None,
                       labels: Mapping[str, str] | None = None) -> RegressionResult:
    """OLS (WLS with weights) of ``outcome`` on process measures plus categorical controls, HC1 errors.

    ``labels`` names the terms (own measures, control variables) for readers; the fixed fields have theirs.

    ``log_doorlooptijd`` is ``ln(1 + doorlooptijd_dagen)``; ``doorverwezen`` enters as 0/1. Rows with any
    missing value are dropped (listwise).

    Privacy: control levels that the report hides everywhere (``hidden``, from
    ``disclosure.run_hidden_groups``) or with fewer than ``min_cell`` respondents here are merged into
    ``overig`` (dropped when that group is still too small), and a 0/1 measure whose smaller group is below
    ``min_cell`` is left out, so no coefficient describes a small group, nor a group that other tables
    hide (a coefficient against a hidden channel would give its mean back).

    Returns
    -------
    RegressionResult
        ``table``: ``term, label, coef, se, ci_low, ci_high, p``; ``n``; ``r2``; ``formula``.

    Raises
    ------
    AnalysisError
        Fewer complete rows than ``max(min_cell, number of terms + 10)``.
    """
    import statsmodels.formula.api as smf

    data = pd.DataFrame(index=linked.index)
    data[outcome] = pd.to_numeric(linked[outcome], errors="coerce")
    for m in measures:
        src = "doorlooptijd_dagen" if m == "log_doorlooptijd" else m
        if src not in linked.columns:
            raise DataError(f"column '{src}' is not in the linked data", column=src,
                            hint="map it under process.columns in the organisation config")
        v = _as_float(linked[src])
        data[m] = np.log1p(v) if m == "log_doorlooptijd" else v
    for c in controls:
        if c not in linked.columns:
            raise DataError(f"control '{c}' is not in the survey data", column=c)
        data[c] = linked[c].astype("string")
    data["_w"] = _weights(linked, weights)
    data = data.dropna()
    # privacy: no coefficient may rest on fewer than min_cell respondents
    other = "overig" if lang == "nl" else "other"
    for c in controls:
        counts = data[c].value_counts()
        rare = counts[(counts < min_cell) | counts.index.isin([str(g) for g in (hidden or {}).get(c, ())])].index
        if len(rare):
            data.loc[data[c].isin(rare), c] = other
            if (data[c] == other).sum() < min_cell:
                data = data[data[c] != other]
    measures = [m for m in measures if not (set(data[m].dropna().unique()) <= {0.0, 1.0}
                                            and min((data[m] == 1).sum(), (data[m] == 0).sum()) < min_cell)]
    kept = [c for c in controls if data[c].nunique() > 1]
    rhs = " + ".join(list(measures) + [f"C({c})" for c in kept]) or "1"
    formula = f"{outcome} ~ {rhs}"
    n_terms = len(measures) + sum(data[c].nunique() - 1 for c in kept) + 1
    if len(data) < max(min_cell, n_terms + 10):
        raise AnalysisError(f"only {len(data)} linked respondents with complete data for the regression",
                            hint="link more responses to process data, or drop controls")
    for c in kept:  # patsy's levels of a text column (sorted), given at once: no per-value type sniffing
        data[c] = pd.Categorical(data[c].astype(object), categories=sorted(data[c].unique()))
    model = smf.wls(formula, data=data, weights=data["_w"]).fit(cov_type="HC1")
    ci = model.conf_int()
    table = pd.DataFrame({"term": model.params.index, "coef": model.params.to_numpy(), "se": model.bse.to_numpy(),
                          "ci_low": ci[0].to_numpy(), "ci_high": ci[1].to_numpy(), "p": model.pvalues.to_numpy()})
    reference = {c: sorted(data[c].unique())[0] for c in kept}  # patsy's default reference level
    table.insert(1, "label", [_term_label(t, lang, reference, labels) for t in table["term"]])
    return RegressionResult(table=table, n=int(model.nobs), r2=float(model.rsquared), formula=formula)


@dataclass(frozen=True)
class ReferralEffect:
    """Satisfaction of referred vs. not referred respondents ("van het kastje naar de muur")."""

    table: pd.DataFrame
    difference: float
    ci_low: float
    ci_high: float
    p: float


def referral_effect(linked: pd.DataFrame, outcome: str = "tevredenheid", weights: pd.Series | None = None,
                    min_cell: int = 10, lang: str = "nl") -> ReferralEffect:
    """Mean outcome for referred and not-referred respondents and the difference (Welch-type z-test).

    With raked weights (a Series from ``weights.survey_weights``) the two groups are domains of the raking
    design: linearised SEs as in ``kpi.kpi_table`` and the difference by ``kpi.domain_difference`` (t with
    the design df, R ``svyttest``). Unweighted, :func:`meethuis.stats.trends.two_sample_test` on the two
    ``kpi.mean_ci`` estimates. The difference is NaN when either group is suppressed.

    Parameters
    ----------
    linked:
        ``LinkedData.frame`` (every respondent of the period; ``gekoppeld`` marks the linked rows, the others
        stay in the design) or linked rows only, with ``doorverwezen`` and the outcome.
    outcome, weights, min_cell, lang:
        Outcome item, survey weights aligned with ``linked``, disclosure threshold, language.

    Returns
    -------
    ReferralEffect
        Protected two-row ``table`` (``groep, estimate, ci_low, ci_high, se, n, n_eff``) and the difference
        with its 95% interval and p-value.

    Raises
    ------
    DataError
        When ``doorverwezen`` is not in the linked data.
    """
    from meethuis.stats.trends import two_sample_test

    if "doorverwezen" not in linked.columns:
        raise DataError("column 'doorverwezen' is not in the linked data", column="doorverwezen",
                        hint="map it under process.columns in the organisation config")
    ref = _as_float(linked["doorverwezen"])
    y = pd.to_numeric(linked[outcome], errors="coerce").to_numpy(dtype=float)
    w = _weights(linked, weights)
    calibration, inside = _design(linked, weights)
    names = {"nl": {0.0: "niet doorverwezen", 1.0: "doorverwezen"}, "en": {0.0: "not referred", 1.0: "referred on"}}
    ests, rows = {}, []
    groups = (0.0, 1.0)
    found = _domain_means(y, w, [(ref == v).to_numpy() & inside for v in groups], calibration)
    for value, est in zip(groups, found):
        ests[value] = est
        rows.append({"groep": names[lang][value], "estimate": est.estimate, "ci_low": est.ci_low,
                     "ci_high": est.ci_high, "se": est.se, "n": est.n, "n_eff": est.n_eff})
    table = protect_table(pd.DataFrame(rows), min_cell, dims=["groep"], keys=[])
    if table["suppressed"].any():
        return ReferralEffect(table, math.nan, math.nan, math.nan, math.nan)
    if calibration is not None:  # two domains of one raked design: design-based t test (R svyttest)
        from meethuis.stats.kpi import domain_difference, t_quantile

        masks = [(ref == v).to_numpy() & inside for v in groups]
        d = domain_difference(y, masks[0], masks[1], w.to_numpy(dtype=float), calibration)
        half = t_quantile(d.df) * d.se
        return ReferralEffect(table, d.difference, d.difference - half, d.difference + half, d.p)
    diff, z, p = two_sample_test(ests[0.0], ests[1.0], "mean")
    se = math.hypot(ests[0.0].se, ests[1.0].se)
    return ReferralEffect(table, diff, diff - 1.959963984540054 * se, diff + 1.959963984540054 * se, p)


def perception_process_matrix(linked: pd.DataFrame, outcome: str = "tevredenheid", satisfied_from: float = 7,
                              fast_days: float | None = None, weights: pd.Series | None = None,
                              min_cell: int = 10, lang: str = "nl") -> pd.DataFrame:
    """2×2 of process (fast/slow throughput) against perception (satisfied/not), with shares.

    ``fast`` = ``doorlooptijd_dagen <= fast_days`` (default: the median of the linked rows);
    ``satisfied`` = ``outcome >= satisfied_from``. Shares are (weighted) shares of all classified rows.
    Cells below ``min_cell`` are suppressed (with secondary suppression across the 2×2).

    Returns
    -------
    pd.DataFrame
        ``doorlooptijd, oordeel, n, share, suppressed, reason``; ``attrs['fast_days']`` holds the threshold.
    """
    for col in ("doorlooptijd_dagen", outcome):
        if col not in linked.columns:
            raise DataError(f"column '{col}' is not in the linked data", column=col)
    days = _as_float(linked["doorlooptijd_dagen"])
    y = pd.to_numeric(linked[outcome], errors="coerce").astype(float)
    w = _weights(linked, weights)
    ok = days.notna() & y.notna()
    if not ok.any():
        raise AnalysisError("no linked respondents with both throughput time and an answer")
    threshold = float(days[ok].median()) if fast_days is None else float(fast_days)
    fast = days <= threshold
    happy = y >= satisfied_from
    speed_lab = {"nl": ("snel", "langzaam"), "en": ("fast", "slow")}[lang]
    mood_lab = {"nl": ("tevreden", "ontevreden"), "en": ("satisfied", "dissatisfied")}[lang]
    total_w = float(w[ok].sum())
    rows = []
    for f, sl in zip((True, False), speed_lab):
        for h, ml in zip((True, False), mood_lab):
            mask = ok & (fast == f) & (happy == h)
            rows.append({"doorlooptijd": sl, "oordeel": ml, "n": int(mask.sum()),
                         "share": float(w[mask].sum()) / total_w})
    table = protect_table(pd.DataFrame(rows), min_cell, dims=["doorlooptijd", "oordeel"], keys=[])
    table.attrs["fast_days"] = threshold
    table.attrs["fast_rule"] = "median" if fast_days is None else "given"
    return table


def link_survey(survey, config=None, salt: bytes | str | None = None,
                responses: pd.DataFrame | None = None, leave_out: Sequence[str] = (),
                pseudonyms: bool = True) -> LinkedData:
    """Link a loaded ``Survey`` (or a selection of its ``responses``) to its ``process`` records."""
    file = _process_file(survey, config)
    rows = survey.responses if responses is None else responses
    return link_process(rows, survey.process, salt, file=file, leave_out=leave_out, pseudonyms=pseudonyms)


def _process_file(survey, config=None) -> str | None:
    """The name of the survey's process file for error messages.

    Raises
    ------
    DataError
        When the survey has no process data.
    """
    if getattr(survey, "process", None) is None:
        raise DataError("this organisation has no process data", key="process",
                        hint="add a 'process:' section with file, key and columns to the organisation config")
    file = str(config.process.file) if config is not None and getattr(config, "process", None) else None
    return file


__all__: Sequence[str] = ("auto_bins", "bin_labels", "link_salt", "pseudonymise", "MatchReport", "LinkedData", "link_process", "link_survey", "check_link",
                          "binned_effect", "process_regression", "RegressionResult",
                          "referral_effect", "ReferralEffect", "perception_process_matrix")



def link_chapter(ch) -> LinkedData | None:
    """Link a chapter's responses (its period) to the organisation's process data; ``None`` without any.

    The open answers, respondent ids and case pseudonyms are not analysed against process data, so they are
    left out of the linked frame (at a million responses: no copy of their text in the chapter's process and
    no key hashed).
    """
    if getattr(ch.survey, "process", None) is None or ch.config.process is None:
        return None
    return link_survey(ch.survey, ch.config, responses=ch.responses, leave_out=("open_antwoord", "respondent_id"),
                       pseudonyms=False)


def smallest_shown(table: pd.DataFrame) -> int:
    """Smallest ``n`` among the published rows of a protected table (0 when nothing is published)."""
    n = pd.to_numeric(table.loc[~table["suppressed"], "n"], errors="coerce").dropna()
    return int(n.min()) if len(n) else 0

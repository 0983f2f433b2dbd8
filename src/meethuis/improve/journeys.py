"""Customer journeys: channel mix and switching, repeat contact, referrals, no-shows and step completion.

The contact log and appointments (:mod:`meethuis.intake.events`) are first reduced to one row per case by
:func:`case_features` — vectorised over numpy arrays, so a million contacts take seconds — with the raw
case number replaced by the same salted pseudonym as the process data (:func:`meethuis.improve.process.
pseudonymise`). Every measure is defined in the codebook (``journey_measures``) and the handbook, comes
with a 95% interval and passes :func:`meethuis.stats.disclosure.protect_table`. No output holds a key, a
timestamp or the contact sequence of a single case: paths are only listed when at least ``min_cell`` cases
follow them.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Mapping, Sequence

import numpy as np
import pandas as pd

from meethuis.common.errors import AnalysisError, DataError
from meethuis.improve.process import KEY, PSEUDONYM, pseudonymise
from meethuis.stats.disclosure import protect_table

PLANNED = ("verschenen", "niet_verschenen")  # appointments that were kept or missed (not cancelled/moved)
MAX_PATH = 4  # channel paths longer than this are cut with "…" (long sequences identify cases)
_Z = 1.959963984540054


# --------------------------------------------------------------------------------------------------
# Preparing the contact log: pseudonymise, sort, one row per case
# --------------------------------------------------------------------------------------------------
def prepare_contacts(contacts: pd.DataFrame, salt: bytes | str | None = None) -> pd.DataFrame:
    """The contact log sorted by case and time, with an integer ``case`` code and the pseudonym instead of the key.

    Parameters
    ----------
    contacts:
        ``EventData.frame`` of the contact log (raw ``zaak_sleutel``, ``contact_tijdstip``, ``contact_kanaal``
        and optional fields).
    salt:
        Salt of the pseudonym (default :func:`meethuis.improve.process.link_salt`, the same as the process link).

    Returns
    -------
    pd.DataFrame
        The contacts without ``zaak_sleutel``; ``case`` (0..n_cases-1), ``koppel_id`` (categorical pseudonym),
        ``periode`` (quarter of the contact).

    Raises
    ------
    DataError
        Without the key, time or channel column.
    """
    for col in (KEY, "contact_tijdstip", "contact_kanaal"):
        if col not in contacts.columns:
            raise DataError(f"the contact log has no '{col}' column", column=col,
                            hint="load it with meethuis.intake.events.load_events(config, 'contacts')")
    codes, uniques = pd.factorize(contacts[KEY], sort=False)
    pseud = pseudonymise(pd.Series(uniques, dtype=object), salt)  # one keyed hash per case, not per contact
    times = contacts["contact_tijdstip"].to_numpy(dtype="datetime64[ns]")
    order = np.lexsort((times, codes))
    out = contacts.drop(columns=[KEY]).iloc[order].reset_index(drop=True)
    out["case"] = codes[order]
    out[PSEUDONYM] = pd.Categorical.from_codes(codes[order], categories=pd.Index(pseud.to_numpy(dtype=object)))
    out["periode"] = quarter_of(out["contact_tijdstip"])
    return out


def quarter_of(times: pd.Series) -> pd.Categorical:
    """Quarter labels (``"2026Q3"``) of timestamps, computed once per distinct quarter."""
    t = pd.DatetimeIndex(times)
    code = t.year.to_numpy() * 4 + (t.quarter.to_numpy() - 1)
    uniq, inv = np.unique(code, return_inverse=True)
    labels = [f"{u // 4}Q{u % 4 + 1}" for u in uniq]
    return pd.Categorical.from_codes(inv.reshape(-1), categories=labels)


def _first_index(case: np.ndarray) -> np.ndarray:
    """Boolean: the row is the first of its case (rows sorted by case)."""
    start = np.ones(len(case), dtype=bool)
    start[1:] = case[1:] != case[:-1]
    return start


def case_features(prepared: pd.DataFrame, repeat_days: int = 7, digital: Sequence[str] = ("website", "e-mail", "chat"),
                  ) -> pd.DataFrame:
    """One row per case: channels, path, hand-offs, repeat contact and completion (all vectorised).

    Parameters
    ----------
    prepared:
        Output of :func:`prepare_contacts`.
    repeat_days:
        Window N of repeat contact (``journeys.repeat_days``).
    digital:
        Channels that count as digital (codebook ``digital_channels``).

    Returns
    -------
    pd.DataFrame
        Indexed by ``case``: ``koppel_id, onderwerp, periode, n_contacts, n_channels, first_channel,
        last_channel, path, path_length, handoffs, resolved, completion_channel, digital_completion,
        first_inbound_channel, repeat, repeat_known``. ``repeat`` is NaN when the case has no inbound contact
        or its first inbound contact lies within N days of the end of the log (censored).
    """
    case = prepared["case"].to_numpy()
    n_cases = int(case.max()) + 1 if len(case) else 0
    start = _first_index(case)
    same = ~start
    first_row = np.flatnonzero(start)
    last_row = np.r_[first_row[1:] - 1, len(case) - 1] if len(case) else first_row
    chan = prepared["contact_kanaal"].astype("category")
    chan_labels = np.asarray(chan.cat.categories, dtype=object)
    ch = chan.cat.codes.to_numpy().astype(np.int64)
    k = len(chan_labels) + 1
    times = prepared["contact_tijdstip"].to_numpy(dtype="datetime64[ns]")

    n_contacts = np.bincount(case, minlength=n_cases)
    n_channels = np.bincount(np.unique(case * k + ch) // k, minlength=n_cases)
    change = same & (ch != np.r_[-1, ch[:-1]])
    keep = start | change  # the collapsed path: a channel is listed again only after another one
    kc, kch = case[keep], ch[keep]
    kstart = np.flatnonzero(_first_index(kc))
    pos = np.arange(len(kc)) - np.repeat(kstart, np.diff(np.r_[kstart, len(kc)]))
    path_length = np.bincount(kc, minlength=n_cases)
    weights = np.where(pos < MAX_PATH, (kch + 1) * (k ** np.minimum(pos, MAX_PATH)), 0).astype(float)
    path_code = np.bincount(kc, weights=weights, minlength=n_cases).astype(np.int64)
    path_code = path_code * 2 + (path_length > MAX_PATH)
    codes, inverse = np.unique(path_code, return_inverse=True)
    names = []
    for c in codes:
        more, rest, parts = c % 2, c // 2, []
        while rest:
            parts.append(str(chan_labels[rest % k - 1]))
            rest //= k
        names.append(" → ".join(parts) + (" → …" if more else ""))
    path = pd.Categorical.from_codes(inverse.reshape(-1), categories=names)

    resolved = (prepared["opgelost"].fillna(False).to_numpy(dtype=bool) if "opgelost" in prepared
                else np.zeros(len(case), dtype=bool))
    res_case, res_idx = np.unique(case[resolved], return_index=True)
    first_res = np.full(n_cases, -1, dtype=np.int64)
    first_res[res_case] = np.flatnonzero(resolved)[res_idx]
    cutoff = np.where(first_res >= 0, first_res, last_row)
    if "team" in prepared:
        team = pd.factorize(prepared["team"].astype(object), use_na_sentinel=True)[0]
        handed = same & (team != np.r_[-1, team[:-1]]) & (team >= 0) & (np.r_[-1, team[:-1]] >= 0)
        handed &= np.arange(len(case)) <= cutoff[case]
        handoffs = np.bincount(case, weights=handed, minlength=n_cases).astype(float)
    else:
        handoffs = np.full(n_cases, np.nan)
    has_res = first_res >= 0
    completion = np.full(n_cases, -1)
    completion[has_res] = ch[first_res[has_res]]
    digital_codes = [i for i, c in enumerate(chan_labels) if c in set(digital)]

    inbound = (prepared["richting"].astype(object).fillna("in").to_numpy() == "in") if "richting" in prepared \
        else np.ones(len(case), dtype=bool)
    ic, it, ich = case[inbound], times[inbound], ch[inbound]
    istart = _first_index(ic)
    first_in = np.flatnonzero(istart)
    has_second = np.r_[first_in[1:] - 1, len(ic) - 1] > first_in
    window = np.timedelta64(int(repeat_days) * 24 * 3600, "s")
    repeat = np.full(n_cases, np.nan)
    first_in_channel = np.full(n_cases, -1)
    cases_in = ic[first_in]
    first_in_channel[cases_in] = ich[first_in]
    second_time = np.where(has_second, it[np.minimum(first_in + 1, len(ic) - 1)], np.datetime64("NaT"))
    quick = has_second & (second_time - it[first_in] <= window)
    end = times.max() if len(times) else np.datetime64("NaT")
    known = quick | (it[first_in] + window <= end)
    repeat[cases_in] = np.where(known, quick.astype(float), np.nan)

    def label(codes_: np.ndarray) -> pd.Categorical:
        return pd.Categorical.from_codes(codes_, categories=list(chan_labels))

    out = pd.DataFrame({
        PSEUDONYM: prepared[PSEUDONYM].to_numpy()[first_row] if len(case) else [],
        "periode": prepared["periode"].to_numpy()[first_row] if len(case) else [],
        "n_contacts": n_contacts, "n_channels": n_channels,
        "first_channel": label(ch[first_row]), "last_channel": label(ch[last_row]),
        "path": path, "path_length": path_length, "handoffs": handoffs, "resolved": has_res,
        "completion_channel": label(completion),
        "digital_completion": np.where(has_res, np.isin(completion, digital_codes), np.nan),
        "first_inbound_channel": label(first_in_channel), "repeat": repeat,
    })
    out["repeat_known"] = out["repeat"].notna()
    if "onderwerp" in prepared:
        out.insert(1, "onderwerp", prepared["onderwerp"].to_numpy()[first_row])
        out["onderwerp"] = out["onderwerp"].astype("category")
    out["periode"] = out["periode"].astype("category")
    out.index.name = "case"
    out.attrs.update({"repeat_days": int(repeat_days), "digital": tuple(digital),
                      "log_end": pd.Timestamp(end) if len(times) else None})
    return out


def link_cases(responses: pd.DataFrame, features: pd.DataFrame, salt: bytes | str | None = None,
               survey_key: str = KEY) -> pd.DataFrame:
    """Survey responses with their case features (matched on the pseudonym; the raw key is dropped).

    Raises
    ------
    DataError
        When the responses have no case key or no response matches a case of the contact log.
    """
    if survey_key not in responses.columns:
        raise DataError("the survey has no case key to link the contact log", column=survey_key,
                        hint="map the case number of the survey under process.survey_key")
    ids = pseudonymise(responses[survey_key], salt)
    feats = features.reset_index(drop=True).set_index(PSEUDONYM)
    feats.index = feats.index.astype(object)
    matched = ids.isin(feats.index)
    if not matched.any():
        raise DataError("no survey case key occurs in the contact log", column=survey_key,
                        hint="check that survey and contact log use the same case number (same format)")
    out = responses.drop(columns=[survey_key])
    joined = feats.drop(columns=[c for c in ("onderwerp", "periode") if c in feats]).reindex(ids.where(matched))
    for c in joined.columns:
        out[c] = joined[c].to_numpy()
    out["in_contactlog"] = matched.to_numpy()
    return out


# --------------------------------------------------------------------------------------------------
# Estimates
# --------------------------------------------------------------------------------------------------
def _share_row(successes: np.ndarray, base: int, level_z: float = _Z) -> dict:
    """A share with its Wilson interval (one observation per case)."""
    from meethuis.stats.kpi import proportion_ci

    est = proportion_ci(successes.astype(float))
    return {"estimate": est.estimate, "ci_low": est.ci_low, "ci_high": est.ci_high, "n": int(base)}


def _groups(frame: pd.DataFrame, by: Sequence[str]):
    if not by:
        yield (), frame
        return
    for key, g in frame.groupby(list(by), observed=True, sort=True):
        yield (key if isinstance(key, tuple) else (key,)), g


def channel_mix(prepared: pd.DataFrame, by: Sequence[str] = ("onderwerp",), min_cell: int = 10,
                inbound_only: bool = True) -> pd.DataFrame:
    """Share of (inbound) contacts per channel within each group, with a case-clustered 95% interval.

    ``p = Σ y_i / Σ m_i`` over the cases ``i`` of a group (``y_i`` contacts in the channel, ``m_i`` all
    contacts); ``Var = G/(G−1) · Σ (y_i − p m_i)² / (Σ m_i)²`` (``G`` cases: the cluster-robust variance of
    a ratio, identical to OLS of the contact indicator on a constant with errors clustered by case).

    Returns
    -------
    pd.DataFrame
        Protected; ``*by, kanaal, contacts, estimate, se, ci_low, ci_high, cases, n`` with ``cases`` the
        cases of the group and ``n`` those with a contact in that channel (a channel used by fewer than
        ``min_cell`` cases is suppressed).
    """
    by = [b for b in by if b in prepared.columns]
    d = prepared
    if inbound_only and "richting" in d:
        d = d[d["richting"].astype(object).fillna("in") == "in"]
    d = d[[*by, "case", "contact_kanaal"]]
    y = d.groupby([*by, "case", "contact_kanaal"], observed=True).size().rename("y").reset_index()
    m = y.groupby([*by, "case"], observed=True)["y"].sum().rename("m").reset_index()
    y = y.merge(m, on=[*by, "case"])
    gkeys = by or None
    if by:
        tot = m.groupby(by, observed=True).agg(M=("m", "sum"), M2=("m", lambda s: float(np.square(s).sum())),
                                               G=("m", "size")).reset_index()
    else:
        tot = pd.DataFrame({"M": [m["m"].sum()], "M2": [float(np.square(m["m"]).sum())], "G": [len(m)]})
    y["y2"] = y["y"].astype(float) ** 2
    y["ym"] = y["y"].astype(float) * y["m"]
    cell = y.groupby([*by, "contact_kanaal"], observed=True).agg(
        contacts=("y", "sum"), Y2=("y2", "sum"), YM=("ym", "sum"), n=("case", "nunique")).reset_index()
    cell = cell.merge(tot, on=by) if gkeys else cell.assign(M=tot["M"][0], M2=tot["M2"][0], G=tot["G"][0])
    p = cell["contacts"] / cell["M"]
    g = cell["G"].astype(float)
    var = np.where(g > 1, g / (g - 1) * (cell["Y2"] - 2 * p * cell["YM"] + p ** 2 * cell["M2"]) / cell["M"] ** 2, np.nan)
    se = np.sqrt(np.clip(var, 0, None))
    table = pd.DataFrame({**{b: cell[b] for b in by}, "kanaal": cell["contact_kanaal"].astype(str),
                          "contacts": cell["contacts"].astype(int), "estimate": p, "se": se,
                          "ci_low": np.clip(p - _Z * se, 0, 1), "ci_high": np.clip(p + _Z * se, 0, 1),
                          "cases": cell["G"].astype(int), "n": cell["n"].astype(int)})
    return protect_table(table.reset_index(drop=True), min_cell, dims=[], keys=list(by), secondary=False)


def digital_takeup(features: pd.DataFrame, by: Sequence[str] = (), min_cell: int = 10) -> pd.DataFrame:
    """Digital take-up: share of completed cases whose completing contact was digital (Wilson interval).

    Returns
    -------
    pd.DataFrame
        Protected; ``*by, estimate, ci_low, ci_high, n`` (``n`` completed cases).
    """
    done = features[features["resolved"]]
    rows = []
    for key, g in _groups(done, [b for b in by if b in done]):
        rows.append({**dict(zip(by, key)), **_share_row(g["digital_completion"].to_numpy(), len(g))})
    table = pd.DataFrame(rows, columns=[*by, "estimate", "ci_low", "ci_high", "n"])
    return protect_table(table, min_cell, dims=[], keys=list(by), secondary=False)


OTHER = "overig"


def _pool_small(table: pd.DataFrame, columns: Sequence[str], count: str, min_cell: int) -> pd.DataFrame:
    """Cells below ``min_cell`` cases pooled into one ``overig`` row (its own ``n``: the sum of the pooled cases)."""
    small = table["n"] < min_cell
    if not small.any():
        return table
    pooled = {c: OTHER for c in columns}
    pooled.update({count: int(table.loc[small, count].sum()), "n": int(table.loc[small, "n"].sum())})
    if "share" in table:
        pooled["share"] = float(table.loc[small, "share"].sum())
    return pd.concat([table[~small], pd.DataFrame([pooled])], ignore_index=True)


def transitions(prepared: pd.DataFrame, min_cell: int = 10) -> pd.DataFrame:
    """From→to table of consecutive contacts within a case (``share`` of all moves out of ``van``).

    Returns
    -------
    pd.DataFrame
        Protected; ``van, naar, moves, share, n`` with ``n`` the cases that made that move; moves made by
        fewer than ``min_cell`` cases are pooled in one ``overig`` row (suppressed when that is small too).
    """
    case = prepared["case"].to_numpy()
    chan = prepared["contact_kanaal"].astype("category")
    ch = chan.cat.codes.to_numpy()
    labels = list(chan.cat.categories)
    same = ~_first_index(case)
    frm, to, cs = ch[np.r_[same[1:], False]], ch[same], case[same]
    d = pd.DataFrame({"van": frm, "naar": to, "case": cs})
    cell = d.groupby(["van", "naar"]).agg(moves=("case", "size"), n=("case", "nunique")).reset_index()
    cell["share"] = cell["moves"] / cell.groupby("van")["moves"].transform("sum")
    table = pd.DataFrame({"van": [labels[i] for i in cell["van"]], "naar": [labels[i] for i in cell["naar"]],
                          "moves": cell["moves"].astype(int), "share": cell["share"], "n": cell["n"].astype(int)})
    table = _pool_small(table, ["van", "naar"], "moves", min_cell)
    table["share"] = np.where(table["van"] == OTHER, table["moves"] / max(int(table["moves"].sum()), 1), table["share"])
    return protect_table(table, min_cell, dims=[], keys=[], secondary=False)


def switching_summary(features: pd.DataFrame, min_cell: int = 10) -> pd.DataFrame:
    """Share of cases that used two or more channels: of all cases and of cases with two or more contacts."""
    rows = []
    for group, frame in (("alle_zaken", features), ("meer_contacten", features[features["n_contacts"] >= 2])):
        rows.append({"basis": group, **_share_row((frame["n_channels"] >= 2).to_numpy(), len(frame))})
    return protect_table(pd.DataFrame(rows), min_cell, dims=[], keys=["basis"], secondary=False)


def top_paths(features: pd.DataFrame, top: int = 10, min_cell: int = 10, multi_only: bool = False) -> pd.DataFrame:
    """The most common channel paths (collapsed repeats), only those followed by at least ``min_cell`` cases.

    Rarer paths are not listed at all (not even their names: a rare sequence can identify a case).

    Returns
    -------
    pd.DataFrame
        ``pad, n, estimate, ci_low, ci_high, suppressed`` (share of all cases, Wilson), at most ``top`` rows.
    """
    base = features[features["n_channels"] >= 2] if multi_only else features
    counts = base["path"].value_counts(sort=True)
    counts = counts[counts >= min_cell].head(top)
    total = len(base)
    rows = []
    for name, n in counts.items():
        ind = np.zeros(total)
        ind[:n] = 1
        rows.append({"pad": str(name), **_share_row(ind, total), "n": int(n)})
    table = pd.DataFrame(rows, columns=["pad", "estimate", "ci_low", "ci_high", "n"])
    table.attrs["cases"] = total
    return protect_table(table, min_cell, dims=[], keys=["pad"], secondary=False)


def channel_flows(features: pd.DataFrame, min_cell: int = 10) -> pd.DataFrame:
    """First → last channel of the cases with two or more contacts (the bands of the channel-path figure).

    Flows of fewer than ``min_cell`` cases are pooled in one ``overig`` row, which the figure does not draw.
    """
    multi = features[features["n_contacts"] >= 2]
    cell = multi.groupby(["first_channel", "last_channel"], observed=True).size().rename("n").reset_index()
    cell = cell[cell["n"] > 0]
    table = pd.DataFrame({"van": cell["first_channel"].astype(str), "naar": cell["last_channel"].astype(str),
                          "n": cell["n"].astype(int), "share": cell["n"] / max(len(multi), 1)})
    table = table.sort_values("n", ascending=False, kind="stable").reset_index(drop=True)
    table = _pool_small(table, ["van", "naar"], "n", min_cell)
    table.attrs["cases"] = len(multi)
    return protect_table(table, min_cell, dims=[], keys=[], secondary=False)


def repeat_contact(features: pd.DataFrame, by: Sequence[str] = (), min_cell: int = 10) -> pd.DataFrame:
    """Repeat contact (new inbound contact within N days of the first) and first-contact resolution (1 − it).

    Returns
    -------
    pd.DataFrame
        Protected; ``*by, estimate, ci_low, ci_high, fcr, n`` (``estimate`` is the repeat rate, ``n`` the
        cases whose first inbound contact can be followed for N days).
    """
    known = features[features["repeat_known"]]
    if "first_inbound_channel" in by:
        known = known[known["first_inbound_channel"].notna()]
    rows = []
    for key, g in _groups(known, [b for b in by if b in known]):
        rows.append({**dict(zip(by, key)), **_share_row(g["repeat"].to_numpy(), len(g))})
    table = pd.DataFrame(rows, columns=[*by, "estimate", "ci_low", "ci_high", "n"])
    table.insert(len(by) + 3, "fcr", 1 - table["estimate"])
    table.attrs["repeat_days"] = features.attrs.get("repeat_days", 7)
    return protect_table(table, min_cell, dims=[], keys=list(by), secondary=False)


# --------------------------------------------------------------------------------------------------
# Joined to experience: switchers vs one channel, hand-offs vs humanity and trust
# --------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class AdjustedComparison:
    """Means per group and the differences to the reference group adjusted for service (WLS, HC1)."""

    means: pd.DataFrame
    differences: pd.DataFrame


def _wls(data: pd.DataFrame, formula: str):
    import statsmodels.formula.api as smf

    return smf.wls(formula, data=data, weights=data["_w"]).fit(cov_type="HC1")


def _collapse_rare(data: pd.DataFrame, column: str, min_cell: int) -> pd.DataFrame:
    counts = data[column].value_counts()
    rare = counts[counts < min_cell].index
    if len(rare):
        data.loc[data[column].isin(rare), column] = "overig"
        if (data[column] == "overig").sum() < min_cell:
            data = data[data[column] != "overig"]
    return data


def switching_experience(linked: pd.DataFrame, outcomes: Sequence[str] = ("tevredenheid", "gemak"),
                         weights: pd.Series | None = None, min_cell: int = 10, lang: str = "nl",
                         service: str = "dienst") -> AdjustedComparison:
    """Satisfaction and effort of one-channel cases, website→phone switchers and other switchers.

    The difference to one-channel cases is adjusted for the service (``outcome ~ group + C(service)``, WLS
    with survey weights, HC1 errors). Groups below ``min_cell`` respondents are left out of the model.

    Returns
    -------
    AdjustedComparison
        ``means``: protected ``outcome, groep, estimate, ci_low, ci_high, n``; ``differences``:
        ``outcome, groep, difference, ci_low, ci_high, p, n``.
    """
    from meethuis.stats.kpi import mean_ci

    rows = linked[linked.get("in_contactlog", pd.Series(True, index=linked.index)).astype(bool)].copy()
    names = GROUP_NAMES[lang]
    wp = rows["path"].astype(str).str.startswith("website → telefoon")
    group = np.where(rows["n_channels"] >= 2, np.where(wp, names["web_phone"], names["other_switch"]), names["one"])
    rows["_groep"] = group
    w = pd.Series(1.0, index=linked.index) if weights is None else weights.reindex(linked.index).astype(float)
    rows["_w"] = w.reindex(rows.index).fillna(1.0)
    order = [names["one"], names["web_phone"], names["other_switch"]]
    means, diffs = [], []
    for outcome in outcomes:
        if outcome not in rows:
            continue
        y = pd.to_numeric(rows[outcome], errors="coerce")
        for g in order:
            mask = (rows["_groep"] == g).to_numpy() & y.notna().to_numpy()
            est = mean_ci(y[mask], rows["_w"][mask])
            means.append({"outcome": outcome, "groep": g, "estimate": est.estimate, "ci_low": est.ci_low,
                          "ci_high": est.ci_high, "n": est.n})
        data = pd.DataFrame({"y": y, "g": rows["_groep"], "s": rows[service].astype(str) if service in rows else "x",
                             "_w": rows["_w"]}).dropna()
        data = data[data["g"].map(data["g"].value_counts()) >= min_cell]
        if data["g"].nunique() < 2 or names["one"] not in set(data["g"]):
            continue
        data = _collapse_rare(data, "s", min_cell)
        formula = f"y ~ C(g, Treatment(reference={names['one']!r}))" + (" + C(s)" if data["s"].nunique() > 1 else "")
        fit = _wls(data, formula)
        ci = fit.conf_int()
        for g in order[1:]:
            term = f"C(g, Treatment(reference={names['one']!r}))[T.{g}]"
            if term in fit.params:
                diffs.append({"outcome": outcome, "groep": g, "difference": float(fit.params[term]),
                              "ci_low": float(ci.loc[term, 0]), "ci_high": float(ci.loc[term, 1]),
                              "p": float(fit.pvalues[term]), "n": int((data["g"] == g).sum())})
    means_t = protect_table(pd.DataFrame(means, columns=["outcome", "groep", "estimate", "ci_low", "ci_high", "n"]),
                            min_cell, dims=[], keys=["outcome", "groep"], secondary=False)
    diff_t = pd.DataFrame(diffs, columns=["outcome", "groep", "difference", "ci_low", "ci_high", "p", "n"])
    return AdjustedComparison(means_t, protect_table(diff_t, min_cell, dims=[], keys=["outcome", "groep"],
                                                     secondary=False))


GROUP_NAMES = {
    "nl": {"one": "één kanaal", "web_phone": "website → telefoon", "other_switch": "andere wisselaars"},
    "en": {"one": "one channel", "web_phone": "website → phone", "other_switch": "other switchers"},
}
HANDOFF_BINS = (0, 1, 2, 3)  # 0, 1, 2, 3 or more hand-offs


def handoff_experience(linked: pd.DataFrame, outcomes: Sequence[str] = ("menselijkheid", "vertrouwen"),
                       weights: pd.Series | None = None, min_cell: int = 10, lang: str = "nl",
                       service: str = "dienst") -> AdjustedComparison:
    """Perceived humanity and trust by number of hand-offs (0, 1, 2, 3+) and the change per extra hand-off.

    The slope comes from ``outcome ~ handoffs + n_contacts + C(service)`` (WLS, HC1), so a hand-off is
    compared at the same number of contacts and service.

    Returns
    -------
    AdjustedComparison
        ``means``: protected ``outcome, groep, estimate, ci_low, ci_high, n``; ``differences``: one row per
        outcome with ``groep`` = "per doorverwijzing" and the slope with its interval.
    """
    from meethuis.stats.kpi import mean_ci

    if "handoffs" not in linked or linked["handoffs"].isna().all():
        raise AnalysisError("the contact log has no team column, so hand-offs cannot be counted", key="team",
                            hint="map the handling team under journeys.contacts.columns.team")
    rows = linked[linked["in_contactlog"].astype(bool)].copy()
    w = pd.Series(1.0, index=linked.index) if weights is None else weights.reindex(linked.index).astype(float)
    rows["_w"] = w.reindex(rows.index).fillna(1.0)
    h = rows["handoffs"].to_numpy(dtype=float)
    labels = [("0", "0"), ("1", "1"), ("2", "2"), ("3 of meer", "3 or more")]
    binned = np.minimum(h, 3)
    per = "per doorverwijzing" if lang == "nl" else "per hand-off"
    means, diffs = [], []
    for outcome in outcomes:
        if outcome not in rows:
            continue
        y = pd.to_numeric(rows[outcome], errors="coerce")
        for b, lab in zip(HANDOFF_BINS, labels):
            mask = (binned == b) & y.notna().to_numpy()
            est = mean_ci(y[mask], rows["_w"][mask])
            means.append({"outcome": outcome, "groep": lab[0 if lang == "nl" else 1], "estimate": est.estimate,
                          "ci_low": est.ci_low, "ci_high": est.ci_high, "n": est.n})
        data = pd.DataFrame({"y": y, "h": h, "c": rows["n_contacts"].astype(float),
                             "s": rows[service].astype(str) if service in rows else "x", "_w": rows["_w"]}).dropna()
        if len(data) < max(min_cell, 30) or data["h"].nunique() < 2:
            continue
        data = _collapse_rare(data, "s", min_cell)
        fit = _wls(data, "y ~ h + c" + (" + C(s)" if data["s"].nunique() > 1 else ""))
        ci = fit.conf_int()
        diffs.append({"outcome": outcome, "groep": per, "difference": float(fit.params["h"]),
                      "ci_low": float(ci.loc["h", 0]), "ci_high": float(ci.loc["h", 1]), "p": float(fit.pvalues["h"]),
                      "n": int(len(data))})
    means_t = protect_table(pd.DataFrame(means, columns=["outcome", "groep", "estimate", "ci_low", "ci_high", "n"]),
                            min_cell, dims=[], keys=["outcome", "groep"], secondary=False)
    diff_t = pd.DataFrame(diffs, columns=["outcome", "groep", "difference", "ci_low", "ci_high", "p", "n"])
    return AdjustedComparison(means_t, protect_table(diff_t, min_cell, dims=[], keys=["outcome", "groep"],
                                                     secondary=False))


# --------------------------------------------------------------------------------------------------
# Appointments: no-shows and the effect of reminders
# --------------------------------------------------------------------------------------------------
def planned_appointments(appointments: pd.DataFrame, responses: pd.DataFrame | None = None,
                         salt: bytes | str | None = None) -> pd.DataFrame:
    """Kept or missed appointments with ``no_show`` (0/1) and ``leeftijdsgroep``; the raw key is dropped.

    The age group comes from the appointments file (``afspraak_leeftijdsgroep``) or, when it has none,
    from the linked survey answer (``responses`` with ``zaak_sleutel``).
    """
    a = appointments[appointments["afspraak_uitkomst"].astype(str).isin(PLANNED)].copy()
    a["no_show"] = (a["afspraak_uitkomst"].astype(str) == "niet_verschenen").astype(float)
    if "afspraak_leeftijdsgroep" in a:
        a["leeftijdsgroep"] = a["afspraak_leeftijdsgroep"].astype(object)
    elif responses is not None and KEY in responses and "leeftijdsgroep" in responses:
        age = pd.Series(responses["leeftijdsgroep"].astype(object).to_numpy(),
                        index=pseudonymise(responses[KEY], salt).to_numpy())
        age = age[~age.index.duplicated()]
        a["leeftijdsgroep"] = age.reindex(pseudonymise(a[KEY], salt).to_numpy()).to_numpy()
    if "herinnering" in a:
        a["herinnering"] = a["herinnering"].astype("boolean")
    return a.drop(columns=[KEY, "afspraak_tijdstip"], errors="ignore").reset_index(drop=True)


NO_SHOW_DIMENSIONS = ("onderwerp", "boekingskanaal", "herinnering", "leeftijdsgroep")


def no_show_rates(planned: pd.DataFrame, dims: Sequence[str] = NO_SHOW_DIMENSIONS, min_cell: int = 10,
                  lang: str = "nl") -> pd.DataFrame:
    """No-show rate (Wilson interval) overall and per service, booking channel, reminder and age group.

    Returns
    -------
    pd.DataFrame
        Protected; ``indeling, groep, estimate, ci_low, ci_high, n`` (``n`` planned appointments).
    """
    yes_no = {"nl": {True: "ja", False: "nee"}, "en": {True: "yes", False: "no"}}[lang]
    rows = [{"indeling": "totaal", "groep": "totaal" if lang == "nl" else "total",
             **_share_row(planned["no_show"].to_numpy(), len(planned))}]
    for dim in dims:
        if dim not in planned or planned[dim].isna().all():
            continue
        col = planned[dim].astype(object)
        for value, g in planned.groupby(col, sort=True):
            shown = yes_no.get(value, value) if dim == "herinnering" else str(value)
            rows.append({"indeling": dim, "groep": shown, **_share_row(g["no_show"].to_numpy(), len(g))})
    table = pd.DataFrame(rows, columns=["indeling", "groep", "estimate", "ci_low", "ci_high", "n"])
    return protect_table(table, min_cell, dims=[], keys=["indeling", "groep"], secondary=False)


def reminder_effect(planned: pd.DataFrame, min_cell: int = 10, lang: str = "nl", older: str = "65+") -> pd.DataFrame:
    """Odds ratio of a no-show with vs without a reminder, from a logistic regression with adjustment.

    Model: ``no_show ~ herinnering + herinnering:ouder + C(leeftijdsgroep) + C(onderwerp) + C(boekingskanaal)``
    (binomial GLM, Wald intervals), where ``ouder`` marks the age group ``older``. The odds ratio for the
    younger groups is ``exp(b_herinnering)``, for ``older`` ``exp(b_herinnering + b_interaction)`` with the
    variance of the sum from the covariance matrix; a second model without the interaction gives the OR for
    everyone. Levels of service and booking channel with fewer than ``min_cell`` appointments are pooled as
    "overig"; a row whose reminder or no-reminder group has fewer than ``min_cell`` appointments is suppressed.

    Returns
    -------
    pd.DataFrame
        ``groep, odds_ratio, ci_low, ci_high, p, rate_with, rate_without, n, suppressed, reason``.

    Raises
    ------
    AnalysisError
        Without a reminder column, or fewer than ``min_cell`` planned appointments with and without one.
    """
    import statsmodels.formula.api as smf

    if "herinnering" not in planned or planned["herinnering"].isna().all():
        raise AnalysisError("the appointments file has no reminder column", key="herinnering",
                            hint="map it under journeys.appointments.columns.herinnering")
    data = pd.DataFrame({"y": planned["no_show"].astype(float),
                         "r": planned["herinnering"].astype("float")})
    for col, src in (("s", "onderwerp"), ("b", "boekingskanaal"), ("a", "leeftijdsgroep")):
        data[col] = planned[src].astype(object) if src in planned else "x"
    data = data.dropna(subset=["y", "r"])
    has_age = data["a"].notna().any() and data["a"].nunique(dropna=True) > 1
    data["a"] = data["a"].fillna("onbekend")
    for col in ("s", "b"):
        data = _collapse_rare(data, col, min_cell)
    counts = data["r"].value_counts()
    if min(counts.get(0.0, 0), counts.get(1.0, 0)) < min_cell:
        raise AnalysisError("too few appointments with and without a reminder to estimate its effect",
                            hint=f"at least {min_cell} of each are needed")
    data["o"] = (data["a"] == older).astype(float)
    controls = "".join(f" + C({c})" for c in ("s", "b") if data[c].nunique() > 1)
    age_term = " + C(a)" if has_age else ""
    glm = smf.glm
    from statsmodels.genmod.families import Binomial

    family = Binomial()
    main = glm("y ~ r" + age_term + controls, data=data, family=family).fit(tol=1e-12)
    limit = older.rstrip("+")
    labels = {"nl": {"all": "iedereen", "young": f"jonger dan {limit}", "old": older},
              "en": {"all": "everyone", "young": f"under {limit}", "old": older}}[lang]
    rows = [_or_row(labels["all"], main.params["r"], main.bse["r"], data, min_cell)]
    old = data["o"] == 1
    if has_age and old.any() and (~old).any():
        inter = glm("y ~ r + r:o" + age_term + controls, data=data, family=family).fit(tol=1e-12)
        cov = inter.cov_params()
        b_y, v_y = inter.params["r"], cov.loc["r", "r"]
        b_o = inter.params["r"] + inter.params["r:o"]
        v_o = cov.loc["r", "r"] + cov.loc["r:o", "r:o"] + 2 * cov.loc["r", "r:o"]
        rows.append(_or_row(labels["young"], b_y, math.sqrt(v_y), data[~old], min_cell))
        rows.append(_or_row(labels["old"], b_o, math.sqrt(v_o), data[old], min_cell))
    table = pd.DataFrame(rows)
    table.attrs["formula"] = "no_show ~ herinnering" + (" * 65+" if has_age else "") + age_term + controls
    return protect_table(table, min_cell, dims=[], keys=["groep"], secondary=False)


def _or_row(label: str, beta: float, se: float, data: pd.DataFrame, min_cell: int) -> dict:
    from scipy import stats

    with_r, without = data[data["r"] == 1], data[data["r"] == 0]
    return {"groep": label, "odds_ratio": math.exp(beta), "ci_low": math.exp(beta - _Z * se),
            "ci_high": math.exp(beta + _Z * se), "p": float(2 * stats.norm.sf(abs(beta / se))),
            "rate_with": float(with_r["y"].mean()) if len(with_r) else math.nan,
            "rate_without": float(without["y"].mean()) if len(without) else math.nan,
            "n": int(min(len(with_r), len(without)))}


# --------------------------------------------------------------------------------------------------
# Journey steps
# --------------------------------------------------------------------------------------------------
def step_completion(prepared: pd.DataFrame, steps: Mapping[str, Sequence[str]], min_cell: int = 10) -> pd.DataFrame:
    """Per service with declared steps: share of the cases that started that reached each step, and drop-off.

    A case has reached step ``k`` when one of its contacts is at step ``k`` or a later one.

    Returns
    -------
    pd.DataFrame
        Protected; ``onderwerp, stap, volgorde, estimate, ci_low, ci_high, uitval, n`` (``n`` cases that
        reached the step; ``uitval`` the share lost since the previous step).
    """
    if "stap" not in prepared or "onderwerp" not in prepared:
        raise AnalysisError("the contact log has no step or service column", key="stap",
                            hint="map journeys.contacts.columns.stap and onderwerp")
    rows = []
    for service, names in steps.items():
        d = prepared[(prepared["onderwerp"].astype(object) == service) & prepared["stap"].notna()]
        index = {s: i for i, s in enumerate(names)}
        pos = d["stap"].astype(object).map(index)
        d = d[pos.notna()]
        reached = pos.dropna().groupby(d["case"].to_numpy()).max().to_numpy()
        base = len(reached)
        prev = None
        for i, name in enumerate(names):
            hit = reached >= i
            row = {"onderwerp": service, "stap": name, "volgorde": i + 1, **_share_row(hit, base)}
            row["n"] = int(hit.sum())
            row["uitval"] = (prev - row["estimate"]) if prev is not None else 0.0
            prev = row["estimate"]
            rows.append(row)
    table = pd.DataFrame(rows, columns=["onderwerp", "stap", "volgorde", "estimate", "ci_low", "ci_high", "uitval", "n"])
    return protect_table(table, min_cell, dims=[], keys=["onderwerp", "stap"], secondary=False)


__all__: Sequence[str] = (
    "prepare_contacts", "case_features", "link_cases", "channel_mix", "digital_takeup", "transitions",
    "switching_summary", "top_paths", "channel_flows", "repeat_contact", "switching_experience",
    "handoff_experience", "planned_appointments", "no_show_rates", "reminder_effect", "step_completion",
    "AdjustedComparison", "quarter_of",
)

"""Views, sentences and figures of ``notebooks/12_klantreis.ipynb``: channels, switching, repeat contact,
referrals, no-shows and journey steps, joined to the experience in the survey."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from meethuis.common import narrative as nv
from meethuis.common.errors import AnalysisError, DataError
from meethuis.improve import journeys as jr
from meethuis.improve.journeys import (  # noqa: F401  (used by the notebook through this module)
    OTHER, channel_flows, channel_mix, digital_takeup, handoff_experience, no_show_rates, reminder_effect,
    repeat_contact, step_completion, switching_experience, switching_summary, top_paths, transitions,
)
from meethuis.report.display import ci_text


@dataclass
class Journeys:
    """The chapter's journey data: contacts (prepared), one row per case, survey link and appointments."""

    contacts: pd.DataFrame | None  # the period's contacts (cases whose first contact lies in the period)
    features: pd.DataFrame | None  # one row per case of the period
    trend_features: pd.DataFrame | None  # every quarter up to the period
    linked: pd.DataFrame | None  # survey answers of the period with their case features
    planned: pd.DataFrame | None  # kept or missed appointments of the period
    repeat_days: int
    steps: dict
    linked_note: str = ""

    @property
    def empty(self) -> bool:
        return self.contacts is None and self.planned is None


def open_journeys(ch) -> Journeys | None:
    """Load, pseudonymise and summarise the organisation's contact log and appointments for chapter ``ch``.

    Returns ``None`` when the organisation maps no journey files (the chapter then steps aside).
    """
    from meethuis.intake.events import load_journeys

    spec = ch.config.journeys
    if spec is None or (spec.contacts is None and spec.appointments is None):
        return None
    files = load_journeys(ch.config)
    period = ch.period
    contacts = features = trend = linked = planned = None
    note = ""
    if files["contacts"] is not None:
        prepared = jr.prepare_contacts(files["contacts"].frame)
        all_features = jr.case_features(prepared, spec.repeat_days, ch.codebook.digital_channels)
        q = all_features["periode"].astype(str)
        keep = (q == period) if period else pd.Series(True, index=all_features.index)
        features = all_features[keep.to_numpy()]
        trend = all_features[(q <= period).to_numpy()] if period else all_features
        contacts = prepared[prepared["case"].isin(features.index)]
        try:
            linked = jr.link_cases(ch.responses, all_features)
        except DataError as exc:
            note = ch.text(f"De antwoorden zijn niet aan het contactlog gekoppeld: {exc.message}.",
                           f"The answers are not linked to the contact log: {exc.message}.")
    if files["appointments"] is not None:
        appointments = files["appointments"].frame
        if period:
            appointments = appointments[jr.quarter_of(appointments["afspraak_tijdstip"]).astype(str) == period]
        responses = ch.responses if "zaak_sleutel" in ch.responses else None
        planned = jr.planned_appointments(appointments, responses)
    return Journeys(contacts, features, trend, linked, planned, spec.repeat_days, dict(spec.steps), note)


def absent(ch, what: str) -> str:
    """The one sentence of a section whose data the organisation does not have."""
    texts = {
        "journeys": ("Deze organisatie heeft (nog) geen contactlog of afsprakenbestand gekoppeld; daarom is er geen "
                     "klantreisanalyse.", "This organisation has no contact log or appointments file linked (yet), "
                     "so there is no journey analysis."),
        "contacts": ("Zonder contactlog is deze stap niet te maken.", "Without a contact log this step cannot be made."),
        "linked": ("De enquête is niet aan het contactlog te koppelen (geen zaaknummer in de enquête), dus de "
                   "beleving is hier niet naast het kanaalgebruik te leggen.", "The survey cannot be linked to the "
                   "contact log (no case number in the survey), so experience cannot be set against channel use."),
        "team": ("Het contactlog heeft geen kolom met het behandelend team, dus doorverwijzingen zijn niet te tellen.",
                 "The contact log has no column with the handling team, so referrals cannot be counted."),
        "appointments": ("Zonder afsprakenbestand is er geen analyse van no-shows.",
                         "Without an appointments file there is no no-show analysis."),
        "steps": ("Er zijn geen stappen in de klantreis vastgelegd (journeys.steps in de config), dus er is geen "
                  "voltooiing per stap.", "No journey steps are declared (journeys.steps in the config), so there "
                  "is no completion per step."),
    }
    return ch.text(*texts[what])


# -- views ---------------------------------------------------------------------------------------------------
def _est(r: pd.Series, kind: str, lang: str) -> str:
    return nv.MISSING if r.get("suppressed", False) else nv.format_value(r["estimate"], kind, lang)


def share_view(table: pd.DataFrame, lang: str, columns: dict[str, str], codebook=None,
               channel_cols: tuple[str, ...] = ()) -> pd.DataFrame:
    """Reader table of a protected share table: the given label columns, share, margin and n."""
    rows = []
    for _, r in table.iterrows():
        row = {}
        for col, header in columns.items():
            v = r[col]
            if col in channel_cols and codebook:
                v = codebook.value_label("contact_kanaal", v, lang)
            elif col == "periode":
                v = nv.period_text(str(v), lang)  # "3e kwartaal 2026", as in the other chapters' tables
            row[header] = v
        row["Aandeel" if lang == "nl" else "Share"] = _est(r, "share", lang)
        row[nv.text("ci95", lang)] = nv.MISSING if r.get("suppressed", False) else ci_text(r, "share", lang)
        row["n"] = r["n"]
        row["suppressed"] = bool(r.get("suppressed", False))
        rows.append(row)
    return pd.DataFrame(rows)


def mix_view(codebook, lang: str = "nl"):
    """View of the channel mix as one row per service: the share per channel (— when suppressed) and the cases."""
    def view(t: pd.DataFrame) -> pd.DataFrame:
        rows = []
        group = "onderwerp" if "onderwerp" in t else None
        for key, g in (t.groupby(group, observed=True, sort=True) if group else [("", t)]):
            row = {codebook.label("onderwerp", lang): key} if group else {}
            for chan in codebook.fields["contact_kanaal"].values:
                r = g[g["kanaal"] == chan]
                if len(r):
                    row[codebook.value_label("contact_kanaal", chan, lang)] = _est(r.iloc[0], "share", lang)
            cases = pd.to_numeric(g["cases"], errors="coerce").dropna()
            row["n"] = int(cases.max()) if len(cases) else float("nan")
            row["suppressed"] = not len(cases)
            rows.append(row)
        return pd.DataFrame(rows).fillna({c: nv.MISSING for c in rows[0] if c not in ("n", "suppressed")}) if rows \
            else pd.DataFrame(columns=["n", "suppressed"])
    return view


def _chan(codebook, value: str, lang: str) -> str:
    if value == jr.OTHER:
        return "overig" if lang == "nl" else "other"
    return codebook.value_label("contact_kanaal", value, lang)


def flows_view(codebook, lang: str = "nl"):
    """The table beside the channel-path figure: first channel, last channel, cases, share."""
    def view(t: pd.DataFrame) -> pd.DataFrame:
        nl = lang == "nl"
        return pd.DataFrame({
            "Eerste kanaal" if nl else "First channel": [("overige stromen" if nl else "other flows") if v == jr.OTHER
                                                         else _chan(codebook, v, lang) for v in t["van"]],
            "Laatste kanaal" if nl else "Last channel": [("(samen; elk te klein om apart te tonen)" if nl else
                                                          "(together; each too small to show)") if v == jr.OTHER
                                                         else _chan(codebook, v, lang) for v in t["naar"]],
            "Aandeel" if nl else "Share": [nv.MISSING if s else nv.format_percent(v, 0, lang)
                                           for v, s in zip(t["share"], t["suppressed"])],
            "n": t["n"], "suppressed": t["suppressed"]})
    return view


def paths_view(codebook, lang: str = "nl"):
    """Top paths with channel labels."""
    def view(t: pd.DataFrame) -> pd.DataFrame:
        labels = [" → ".join(codebook.value_label("contact_kanaal", p, lang) if p != "…" else p for p in path.split(" → "))
                  for path in t["pad"]]
        out = share_view(t.assign(pad=labels), lang, {"pad": "Kanaalpad" if lang == "nl" else "Channel path"})
        return out
    return view


def transitions_view(codebook, lang: str = "nl"):
    """From→to moves with the share of moves out of the first channel."""
    def view(t: pd.DataFrame) -> pd.DataFrame:
        nl = lang == "nl"
        return pd.DataFrame({
            "Van" if nl else "From": [("overige stappen" if nl else "other moves") if v == jr.OTHER
                                      else _chan(codebook, v, lang) for v in t["van"]],
            "Naar" if nl else "To": [("(samen, aandeel van alle stappen)" if nl else "(together, share of all moves)")
                                     if v == jr.OTHER else _chan(codebook, v, lang) for v in t["naar"]],
            "Aandeel van de stappen vanuit dit kanaal" if nl else "Share of moves from this channel":
                [nv.MISSING if s else nv.format_percent(v, 0, lang) for v, s in zip(t["share"], t["suppressed"])],
            "n": t["n"], "suppressed": t["suppressed"]})
    return view


def comparison_view(codebook, lang: str = "nl"):
    """Means per group (switchers, hand-offs) with margins."""
    def view(t: pd.DataFrame) -> pd.DataFrame:
        nl = lang == "nl"
        return pd.DataFrame({
            "Uitkomst" if nl else "Outcome": [codebook.label(o, lang) for o in t["outcome"]],
            "Groep" if nl else "Group": t["groep"],
            "Gemiddelde" if nl else "Mean": [_est(r, "mean", lang) for _, r in t.iterrows()],
            nv.text("ci95", lang): [nv.MISSING if r["suppressed"] else ci_text(r, "mean", lang) for _, r in t.iterrows()],
            "n": t["n"], "suppressed": t["suppressed"]})
    return view


def odds_view(lang: str = "nl"):
    """Reminder odds ratios with their margins and the raw rates."""
    def view(t: pd.DataFrame) -> pd.DataFrame:
        nl = lang == "nl"
        hide = t["suppressed"].to_numpy()
        return pd.DataFrame({
            "Groep" if nl else "Group": t["groep"],
            "No-show met herinnering" if nl else "No-show with reminder":
                [nv.MISSING if h else nv.format_percent(v, 0, lang) for v, h in zip(t["rate_with"], hide)],
            "zonder" if nl else "without":
                [nv.MISSING if h else nv.format_percent(v, 0, lang) for v, h in zip(t["rate_without"], hide)],
            "Odds ratio (gecorrigeerd)" if nl else "Odds ratio (adjusted)":
                [nv.MISSING if h else nv.format_number(v, 2, lang) for v, h in zip(t["odds_ratio"], hide)],
            nv.text("ci95", lang): [nv.MISSING if h else nv.range_text(nv.format_number(a, 2, lang), nv.format_number(b, 2, lang), lang)
                                    for a, b, h in zip(t["ci_low"], t["ci_high"], hide)],
            "n": t["n"], "suppressed": t["suppressed"]})
    return view


def no_show_view(codebook, lang: str = "nl"):
    """No-show rates per dimension."""
    dims = {"totaal": ("Totaal", "Total"), "onderwerp": ("Dienst", "Service"), "boekingskanaal": ("Geboekt via", "Booked via"),
            "herinnering": ("Herinnering", "Reminder"), "leeftijdsgroep": ("Leeftijd", "Age")}

    def view(t: pd.DataFrame) -> pd.DataFrame:
        t = t.assign(indeling=[dims.get(d, (d, d))[0 if lang == "nl" else 1] for d in t["indeling"]],
                     groep=[codebook.value_label("boekingskanaal", g, lang) if d == "boekingskanaal" else g
                            for d, g in zip(t["indeling"], t["groep"])])
        return share_view(t, lang, {"indeling": "Indeling" if lang == "nl" else "Breakdown",
                                    "groep": "Groep" if lang == "nl" else "Group"})
    return view


def steps_view(lang: str = "nl"):
    """Completion per step with drop-off."""
    def view(t: pd.DataFrame) -> pd.DataFrame:
        out = share_view(t, lang, {"onderwerp": "Dienst" if lang == "nl" else "Service",
                                   "stap": "Stap" if lang == "nl" else "Step"})
        out.insert(4, "Uitval sinds vorige stap" if lang == "nl" else "Drop-off since previous step",
                   [nv.MISSING if s else nv.format_percent(v, 0, lang) for v, s in zip(t["uitval"], t["suppressed"])])
        return out
    return view


# -- sentences ------------------------------------------------------------------------------------------------
def describe_mix(mix: pd.DataFrame, takeup: pd.DataFrame, codebook, lang: str = "nl") -> str:
    """Which channel is used most overall and for which service, and the digital take-up."""
    shown = mix[~mix["suppressed"]]
    if shown.empty:
        return ch_text(lang, "Er zijn te weinig contacten om de kanaalmix te tonen.", "Too few contacts to show the channel mix.")
    parts = []
    for service, g in shown.groupby("onderwerp", observed=True, sort=True) if "onderwerp" in shown else [("", shown)]:
        top = g.sort_values("estimate", ascending=False).iloc[0]
        chan = codebook.value_label("contact_kanaal", top["kanaal"], lang).lower()
        parts.append(f"{service}: {chan} ({nv.format_percent(top['estimate'], 0, lang)})")
    t = takeup[~takeup["suppressed"]]
    digital = ""
    if len(t):
        r = t.iloc[-1]
        digital = ch_text(lang, f" Van de afgeronde zaken werd {nv.format_percent(r['estimate'], 0, lang)} digitaal afgerond "
                                f"(website, e-mail of chat; marge {ci_text(r, 'share', lang)}).",
                          f" Of the completed cases, {nv.format_percent(r['estimate'], 0, lang)} were completed digitally "
                          f"(website, e-mail or chat; margin {ci_text(r, 'share', lang)}).")
    return ch_text(lang, "Het meest gebruikte kanaal per dienst: " + "; ".join(parts) + "." + digital,
                   "The most used channel per service: " + "; ".join(parts) + "." + digital)


def ch_text(lang: str, nl: str, en: str) -> str:
    return nl if lang == "nl" else en


def describe_switching(summary: pd.DataFrame, comparison, codebook, lang: str = "nl") -> str:
    """How many cases switch channel, and how switchers' effort and satisfaction differ (adjusted)."""
    s = summary.set_index("basis")
    out = []
    if not s.loc["alle_zaken", "suppressed"]:
        out.append(ch_text(lang, f"{nv.format_percent(s.loc['alle_zaken', 'estimate'], 0, lang)} van de zaken liep via twee of "
                                 f"meer kanalen; van de zaken met meer dan één contact was dat "
                                 f"{nv.format_percent(s.loc['meer_contacten', 'estimate'], 0, lang)}.",
                           f"{nv.format_percent(s.loc['alle_zaken', 'estimate'], 0, lang)} of the cases went through two or "
                           f"more channels; of the cases with more than one contact it was "
                           f"{nv.format_percent(s.loc['meer_contacten', 'estimate'], 0, lang)}."))
    if comparison is not None:
        for _, r in comparison.differences[~comparison.differences["suppressed"]].iterrows():
            label = codebook.label(r["outcome"], lang).lower()
            clear = r["ci_high"] < 0 or r["ci_low"] > 0
            way = ch_text(lang, "lager" if r["difference"] < 0 else "hoger", "lower" if r["difference"] < 0 else "higher")
            size = nv.format_number(abs(r["difference"]), 2, lang)
            margin = nv.range_text(nv.format_number(r["ci_low"], 2, lang), nv.format_number(r["ci_high"], 2, lang), lang)
            if clear:
                out.append(ch_text(lang, f"Groep '{r['groep']}' scoort {size} punt {way} op {label} dan wie één kanaal "
                                         f"gebruikte, bij gelijke dienst (marge {margin}).",
                                   f"Group '{r['groep']}' scores {size} points {way} on {label} than one-channel cases, "
                                   f"for the same service (margin {margin})."))
            else:
                out.append(ch_text(lang, f"Groep '{r['groep']}': geen duidelijk verschil in {label} met wie één kanaal "
                                         f"gebruikte (marge {margin}).",
                                   f"Group '{r['groep']}': no clear difference in {label} from one-channel cases "
                                   f"(margin {margin})."))
    out.append(ch_text(lang, "Gemak is hoog als het weinig moeite kostte: een lager gemak betekent meer moeite.",
                       "Ease is high when it took little effort: lower ease means more effort."))
    return " ".join(out)


def describe_repeat(trend: pd.DataFrame, by_channel: pd.DataFrame, days: int, codebook, lang: str = "nl") -> str:
    """Repeat contact in the latest quarter, its first and last quarter, and the channel with most repeats."""
    shown = trend[~trend["suppressed"]]
    if shown.empty:
        return ch_text(lang, "Te weinig zaken om herhaalcontact te tonen.", "Too few cases to show repeat contact.")
    last = shown.iloc[-1]
    out = [ch_text(lang, f"In het {nv.period_text(last['periode'], lang)} kwam {nv.format_percent(last['estimate'], 0, lang)} "
                         f"van de klanten binnen {days} dagen terug over dezelfde zaak (marge {ci_text(last, 'share', lang)}); "
                         f"{nv.format_percent(last['fcr'], 0, lang)} was in één keer geholpen.",
                   f"In {nv.period_text(last['periode'], lang)}, {nv.format_percent(last['estimate'], 0, lang)} of customers "
                   f"came back within {days} days about the same case (margin {ci_text(last, 'share', lang)}); "
                   f"{nv.format_percent(last['fcr'], 0, lang)} were helped first time.")]
    if len(shown) >= 2:
        first = shown.iloc[0]
        if first["ci_low"] > last["ci_high"] or first["ci_high"] < last["ci_low"]:
            way = ch_text(lang, "gedaald" if last["estimate"] < first["estimate"] else "gestegen",
                          "fallen" if last["estimate"] < first["estimate"] else "risen")
            out.append(ch_text(lang, f"Dat is duidelijk {way} sinds het {nv.period_text(first['periode'], lang)} "
                                     f"({nv.format_percent(first['estimate'], 0, lang)}).",
                               f"That has clearly {way} since {nv.period_text(first['periode'], lang)} "
                               f"({nv.format_percent(first['estimate'], 0, lang)})."))
    b = by_channel[~by_channel["suppressed"]]
    if len(b):
        top = b.sort_values("estimate", ascending=False).iloc[0]
        chan = codebook.value_label("contact_kanaal", top["first_inbound_channel"], lang).lower()
        out.append(ch_text(lang, f"Na een eerste contact via {chan} komen klanten het vaakst terug "
                                 f"({nv.format_percent(top['estimate'], 0, lang)}).",
                           f"Customers come back most often after a first contact via {chan} "
                           f"({nv.format_percent(top['estimate'], 0, lang)})."))
    return " ".join(out)


def describe_handoffs(result, codebook, lang: str = "nl") -> str:
    """The change in humanity and trust per extra hand-off (adjusted), or why it is not shown."""
    d = result.differences[~result.differences["suppressed"]]
    if d.empty:
        return ch_text(lang, "Te weinig gekoppelde antwoorden om doorverwijzingen naast de beleving te leggen.",
                       "Too few linked answers to set referrals against experience.")
    parts = []
    for _, r in d.iterrows():
        margin = nv.range_text(nv.format_number(r["ci_low"], 2, lang), nv.format_number(r["ci_high"], 2, lang), lang)
        parts.append(f"{codebook.label(r['outcome'], lang).lower()} {nv.format_number(r['difference'], 2, lang)} "
                     f"({ch_text(lang, 'marge', 'margin')} {margin})")
    return ch_text(lang, "Elke extra doorverwijzing naar een ander team gaat samen met dit verschil op de schaal van 1 tot 5, "
                         f"bij gelijk aantal contacten en dienst: {nv.join_list(parts, lang)}. Dit is samenhang, geen bewezen oorzaak.",
                   "Each extra hand-off to another team goes with this difference on the 1 to 5 scale, for the same number "
                   f"of contacts and service: {nv.join_list(parts, lang)}. This is association, not proven cause.")


def describe_no_show(rates: pd.DataFrame, effect: pd.DataFrame | None, lang: str = "nl") -> str:
    """Overall no-show rate and what a reminder does per age group (adjusted odds ratios)."""
    total = rates[rates["indeling"] == "totaal"].iloc[0]
    out = [ch_text(lang, f"Bij {nv.format_percent(total['estimate'], 0, lang)} van de geplande afspraken kwam de klant niet "
                         f"(marge {ci_text(total, 'share', lang)}).",
                   f"At {nv.format_percent(total['estimate'], 0, lang)} of the planned appointments the customer did not show "
                   f"up (margin {ci_text(total, 'share', lang)}).")]
    if effect is not None:
        for _, r in effect[~effect["suppressed"]].iterrows():
            margin = nv.range_text(nv.format_number(r["ci_low"], 2, lang), nv.format_number(r["ci_high"], 2, lang), lang)
            if r["ci_high"] < 1:
                out.append(ch_text(lang, f"{r['groep'].capitalize()}: een herinnering verlaagt de kans op wegblijven duidelijk "
                                         f"(odds ratio {nv.format_number(r['odds_ratio'], 2, lang)}, marge {margin}).",
                                   f"{r['groep'].capitalize()}: a reminder clearly lowers the chance of a no-show "
                                   f"(odds ratio {nv.format_number(r['odds_ratio'], 2, lang)}, margin {margin})."))
            else:
                out.append(ch_text(lang, f"{r['groep'].capitalize()}: geen duidelijk effect van een herinnering (marge {margin}).",
                                   f"{r['groep'].capitalize()}: no clear effect of a reminder (margin {margin})."))
        out.append(ch_text(lang, "De odds ratio's zijn gecorrigeerd voor dienst, boekingskanaal en leeftijd; onder 1 "
                                 "betekent minder no-shows met een herinnering.",
                           "The odds ratios are adjusted for service, booking channel and age; below 1 means fewer "
                           "no-shows with a reminder."))
    return " ".join(out)


def describe_steps(table: pd.DataFrame, lang: str = "nl") -> str:
    """Where most cases drop out, per service."""
    parts = []
    for service, g in table[~table["suppressed"]].groupby("onderwerp", sort=False):
        g = g.sort_values("volgorde")
        worst = g.iloc[1:].sort_values("uitval", ascending=False)
        last = g.iloc[-1]
        if len(worst):
            w = worst.iloc[0]
            parts.append(ch_text(lang, f"{service}: {nv.format_percent(last['estimate'], 0, lang)} bereikt '{last['stap']}', "
                                       f"de grootste uitval zit voor '{w['stap']}' ({nv.format_percent(w['uitval'], 0, lang)})",
                                 f"{service}: {nv.format_percent(last['estimate'], 0, lang)} reach '{last['stap']}', the largest "
                                 f"drop-off is before '{w['stap']}' ({nv.format_percent(w['uitval'], 0, lang)})"))
    if not parts:
        return ch_text(lang, "Te weinig zaken per stap om voltooiing te tonen.", "Too few cases per step to show completion.")
    return "; ".join(parts) + "."


def improvement_quarter(config) -> str | None:
    """The first realised improvement in the organisation's log (a marker on the repeat-contact chart)."""
    try:
        from meethuis.improve.feedback.improvements import load_improvements

        log = load_improvements(config)
    except Exception:  # no or unusable log: the chart goes without a marker
        return None
    done = sorted(str(i.quarter) for i in log if i.status == "gerealiseerd")
    return done[0] if done else None


def smallest(table: pd.DataFrame) -> int:
    """Smallest published ``n`` of a protected table (0 when nothing is published)."""
    n = pd.to_numeric(table.loc[~table["suppressed"], "n"], errors="coerce").dropna()
    return int(n.min()) if len(n) else 0


def safe(func, *args: Any, **kwargs: Any):
    """Run an analysis; an ``AnalysisError`` (too little data) gives ``None`` instead of stopping the chapter."""
    try:
        return func(*args, **kwargs)
    except AnalysisError:
        return None


def plot_channel_flows(flows: pd.DataFrame, lang: str = "nl", codebook=None, min_cell: int = 10):
    """Static alluvial figure: first channel (left) to last channel (right) of cases with 2+ contacts.

    Only published (unsuppressed) flows are drawn; the alt text lists the largest flows and says how many
    cases sit in flows too small to show.
    """
    from matplotlib.patches import PathPatch
    from matplotlib.path import Path as MplPath

    from meethuis.common.narrative import format_int, format_percent
    from meethuis.common.plots import SEQUENCE, new_figure

    shown = flows[~flows["suppressed"] & (flows["van"] != OTHER)].copy()
    total = int(flows.attrs.get("cases", 0) or shown["n"].sum())
    hidden = total - int(shown["n"].sum())
    lab = lambda c: _channel_label(c, codebook, lang)  # noqa: E731
    top = shown.head(5)
    parts = "; ".join(f"{lab(r.van)} → {lab(r.naar)}: {format_int(r.n, lang)} ({format_percent(r.share, 0, lang)})"
                      for r in top.itertuples())
    if lang == "nl":
        title = "Kanaalpaden: eerste en laatste kanaal"
        alt = (f"Stroomdiagram van {format_int(total, lang)} zaken met twee of meer contacten, van het eerste "
               f"kanaal (links) naar het laatste kanaal (rechts). Grootste stromen: {parts}.")
        if hidden > 0:
            alt += f" {format_int(hidden, lang)} zaken in stromen van minder dan {min_cell} zaken zijn niet getekend."
    else:
        title = "Channel paths: first and last channel"
        alt = (f"Flow diagram of {format_int(total, lang)} cases with two or more contacts, from the first channel "
               f"(left) to the last channel (right). Largest flows: {parts}.")
        if hidden > 0:
            alt += f" {format_int(hidden, lang)} cases in flows of fewer than {min_cell} cases are not drawn."
    fig, ax = new_figure(title, "", "", alt, size=(7.5, 5.0))
    ax.axis("off")
    used = set(shown["van"]) | set(shown["naar"])
    order = list(codebook.fields["contact_kanaal"].values) if codebook is not None else sorted(used)
    channels = [c for c in order if c in used] + sorted(used - set(order))  # the codebook's channel order
    colour = {c: SEQUENCE[i % len(SEQUENCE)] for i, c in enumerate(channels)}
    gap = 0.02 * max(shown["n"].sum(), 1)
    scale = 1.0 / max(shown["n"].sum() + gap * max(len(channels) - 1, 0), 1)

    def stack(side: str) -> dict[str, float]:
        tops, y = {}, 1.0
        for c in channels:
            size = shown.loc[shown[side] == c, "n"].sum()
            if size:
                tops[c] = y
                y -= (size + gap) * scale
        return tops

    left, right = stack("van"), stack("naar")
    l_used, r_used = dict.fromkeys(left, 0.0), dict.fromkeys(right, 0.0)
    x0, x1, w = 0.18, 0.82, 0.035
    for r in shown.sort_values(["van", "naar"]).itertuples():
        h = r.n * scale
        ly, ry = left[r.van] - l_used[r.van], right[r.naar] - r_used[r.naar]
        l_used[r.van] += h
        r_used[r.naar] += h
        xm = (x0 + x1) / 2
        verts = [(x0 + w, ly), (xm, ly), (xm, ry), (x1, ry), (x1, ry - h), (xm, ry - h), (xm, ly - h),
                 (x0 + w, ly - h), (x0 + w, ly)]
        codes = [MplPath.MOVETO, MplPath.CURVE4, MplPath.CURVE4, MplPath.CURVE4, MplPath.LINETO,
                 MplPath.CURVE4, MplPath.CURVE4, MplPath.CURVE4, MplPath.CLOSEPOLY]
        ax.add_patch(PathPatch(MplPath(verts, codes), facecolor=colour[r.van], alpha=0.45, edgecolor="none"))
    for side, tops, x, ha, tx in (("van", left, x0, "right", x0 - 0.01), ("naar", right, x1, "left", x1 + w + 0.01)):
        for c, y in tops.items():
            size = shown.loc[shown[side] == c, "n"].sum()
            ax.add_patch(PathPatch(MplPath([(x, y), (x + w, y), (x + w, y - size * scale), (x, y - size * scale),
                                            (x, y)]), facecolor=colour[c], edgecolor="white"))
            ax.text(tx, y - size * scale / 2, f"{lab(c)} ({format_int(size, lang)})", ha=ha, va="center", fontsize=9)
    ax.text(x0 + w / 2, 1.03, "eerste kanaal" if lang == "nl" else "first channel", ha="center", fontsize=9)
    ax.text(x1 + w / 2, 1.03, "laatste kanaal" if lang == "nl" else "last channel", ha="center", fontsize=9)
    ax.set_xlim(-0.05, 1.05)
    ax.set_ylim(min(0.0, min([t - shown.loc[shown["naar"] == c, "n"].sum() * scale for c, t in right.items()] or [0])) - 0.02,
                1.08)
    return fig


def plot_repeat_contact(table: pd.DataFrame, lang: str = "nl", days: int = 7, marker: str | None = None):
    """Repeat-contact rate per quarter with its 95% interval; an optional dashed line at ``marker`` (a quarter)."""
    from meethuis.common.narrative import format_percent, period_text
    from meethuis.common.plots import PALETTE, amount_axis, new_figure

    t = table.reset_index(drop=True)
    shown = t[~t["suppressed"]]
    parts = ", ".join(f"{period_text(p, lang)}: {format_percent(e, 0, lang)}" for p, e in zip(shown["periode"], shown["estimate"]))
    hidden = int(t["suppressed"].sum())
    if lang == "nl":
        title = f"Herhaalcontact binnen {days} dagen per kwartaal"
        alt = f"Aandeel zaken met een nieuw contact binnen {days} dagen na het eerste contact, per kwartaal, met marges: {parts}."
        alt += f" {hidden} kwarta(a)l(en) niet getoond (te weinig zaken)." if hidden else ""
        alt += f" De stippellijn markeert {period_text(marker, lang)} (verbetering)." if marker else ""
    else:
        title = f"Repeat contact within {days} days per quarter"
        alt = f"Share of cases with a new contact within {days} days of the first contact, per quarter, with 95% intervals: {parts}."
        alt += f" {hidden} quarter(s) not shown (too few cases)." if hidden else ""
        alt += f" The dashed line marks {period_text(marker, lang)} (improvement)." if marker else ""
    fig, ax = new_figure(title, "Kwartaal van het eerste contact" if lang == "nl" else "Quarter of the first contact",
                         "Herhaalcontact (%)" if lang == "nl" else "Repeat contact (%)", alt)
    x = np.arange(len(t))
    est = 100 * t["estimate"].to_numpy(float)
    ax.errorbar(x, est, yerr=[est - 100 * t["ci_low"].to_numpy(float), 100 * t["ci_high"].to_numpy(float) - est],
                fmt="o-", color=PALETTE["blauw"], capsize=4)
    ax.set_xticks(x, list(t["periode"].astype(str)), rotation=0)
    ax.set_ylim(0, max(5.0, float(np.nanmax(100 * t["ci_high"].to_numpy(float))) * 1.15) if len(shown) else 100)
    amount_axis(ax, "y")  # a share: from zero (the layout check holds it to that)
    if marker and marker in list(t["periode"].astype(str)):
        pos = list(t["periode"].astype(str)).index(marker)
        ax.axvline(pos - 0.5, color=PALETTE["vermiljoen"], linestyle="--", linewidth=1.2)
        ax.text(pos - 0.45, ax.get_ylim()[1] * 0.95, "verbetering" if lang == "nl" else "improvement",
                color="#8a3a00", fontsize=9, va="top")
    return fig


def _channel_label(channel: str, codebook, lang: str) -> str:
    return codebook.value_label("contact_kanaal", channel, lang) if codebook is not None else channel

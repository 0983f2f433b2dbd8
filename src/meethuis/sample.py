"""Seeded generator of the fictional sample organisations in ``data/sample`` (synthetic, known truth).

``meethuis sample --out DIR`` rebuilds every data file byte-identically; the YAML configs next to them are
hand-written and committed, not generated.

Known truth built into the data (tests and the handbook rely on it):

- **Drivers** follow a latent factor model: one general service factor plus a family factor
  (menselijke maat / basis) and item noise, so drivers correlate r ≈ 0.3–0.7.
- **Satisfaction** (latent) = 0.34·empathie + 0.30·meedenken + 0.30·serieus_genomen + 0.12·luisteren
  + 0.08·vriendelijkheid + 0.07·snelheid + 0.07·juiste_informatie + 0.05·(other basics) (standardised
  driver scores) + channel effect (balie +0.25, telefoon 0, website −0.20, chat −0.10, e-mail −0.15,
  post −0.05) + age effect (18-34 −0.15, 35-49 −0.05, 50-64 +0.05, 65+ +0.20) + process effects + noise.
  The soft drivers empathie, meedenken and serieus_genomen have clearly the largest effects; the basics
  snelheid and juiste_informatie much smaller ones.
- **Process** (separate file, linked by a case key): throughput time lognormal (median ≈ 12 days),
  contacts 1 + Poisson(0.8), doorverwezen ≈ 20 %, waiting time lognormal (minutes), outcome toegekend /
  afgewezen / ingetrokken / informatie. Effects on satisfaction are non-linear: −0.45 when the throughput
  time exceeds 30 days (a threshold, not a slope), −0.15 per contact beyond the second, −0.25 when
  referred, −0.35 when the application was refused. About 6 % of survey rows have no process match and
  about 8 % of process rows have no survey response.
- **Trend**: Molensloot's latent satisfaction rises 0.07 SD per quarter over 2024Q4–2026Q3.
- **Quality**: item non-response 4–9 % blank plus n.v.t. (2–4 %) and weet niet (1–3 %) per driver;
  about 3 % straight-liners (every agree item the same answer).
- **Sample skew**: respondents over-represent young and digitally skilled people; the population margins
  in each config are the truth that weighting should restore.
- **Open answers** (about 30 % of respondents): varied Dutch remarks about the driver themes, positive and
  negative; about 4 % of them (at least 8 per organisation) contain planted personal data — a BSN that
  passes the 11-proef, an e-mail address, a phone number, an IBAN with a valid mod-97 check, a postcode
  with house number, or a name after "mijn naam is". :func:`planted_identifiers` lists them.
- **Journeys** (Molensloot and LUT only; a contact log and an appointments file drawn from a separate seeded
  stream, so the survey and process files stay as they were; :func:`journey_truth`): one case per process
  record with ``aantal_contacten`` contacts; the last contact is the surveyed one (survey channel and date).
  *Switching*: when a respondent's last contact was by phone and there were two or more, the first contact
  was the website with probability 0.70 / 0.60 / 0.35 / 0.15 / 0.10 for effort (gemak) 1 … 5, so
  website→phone switchers report more effort. *Repeat contact*: a follow-up contact comes within 7 days
  of the previous one with probability 0.60, and 0.30 from the improvement quarter on (Molensloot 2025Q3,
  the call-back guarantee; LUT 2026Q2); follow-ups are inbound, later contacts outbound with probability
  0.15. *Referrals*: each follow-up contact is handed to another team with probability
  0.6 − 0.1 × menselijkheid (0.3 without an answer), so every extra hand-off goes with lower perceived
  humanity. *No-shows*: base rate 18-34 0.12, 35-49 0.10, 50-64 0.08, 65+ 0.16, × 1.25 when booked via the
  website; a reminder halves the rate for 65+ (× 0.5) and lowers it × 0.8 for the others; 5 % of
  appointments are cancelled and 6 % rescheduled. *Steps*: services with declared steps drop out after
  each step with probability 0.15 (Molensloot omgevingsvergunning, bijstand; LUT terugvordering).
"""
from __future__ import annotations

import io
import re
import zipfile
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Callable

import numpy as np
import pandas as pd

from meethuis.common.errors import ConfigError

SOFT = ("empathie", "meedenken", "serieus_genomen", "luisteren", "vriendelijkheid")
BASICS = ("snelheid", "juiste_informatie", "duidelijkheid", "bereikbaarheid", "deskundigheid",
          "afspraken_nakomen", "eenvoud_proces", "transparantie")
EFFECTS = {
    "empathie": 0.34, "meedenken": 0.30, "serieus_genomen": 0.30, "luisteren": 0.12, "vriendelijkheid": 0.08,
    "snelheid": 0.07, "juiste_informatie": 0.07, "duidelijkheid": 0.05, "bereikbaarheid": 0.05,
    "deskundigheid": 0.05, "afspraken_nakomen": 0.05, "eenvoud_proces": 0.05, "transparantie": 0.05,
}
CHANNEL_EFFECT = {"telefoon": 0.0, "balie": 0.25, "website": -0.20, "e-mail": -0.15, "chat": -0.10, "post": -0.05}
AGE_EFFECT = {"18-34": -0.15, "35-49": -0.05, "50-64": 0.05, "65+": 0.20}
AGES = ("18-34", "35-49", "50-64", "65+")
SKILLS = ("laag", "midden", "hoog")
CHANNELS = ("telefoon", "balie", "website", "e-mail", "chat", "post")
OUTCOMES = ("toegekend", "afgewezen", "ingetrokken", "informatie")
# Population margins (truth) and the skewed sample shares; the configs carry the population margins.
POP_AGE = {"18-34": 0.27, "35-49": 0.24, "50-64": 0.26, "65+": 0.23}
SAMPLE_AGE = (0.31, 0.28, 0.27, 0.14)
POP_SKILL = {"laag": 0.25, "midden": 0.40, "hoog": 0.35}
SAMPLE_SKILL = (0.13, 0.39, 0.48)
AGREE_CUTS = np.array([-1.75, -1.0, -0.15, 0.85])  # latent -> 1..5, skewed positive as in real surveys
FIXED_TIMESTAMP = (2026, 1, 1, 0, 0, 0)

_JOURNEY_FILES = {
    "molensloot": ("molensloot_contacten.csv", "molensloot_afspraken.csv"),
    "lut": ("lut_contacthistorie.csv", "lut_afspraken.csv"),
}
_DATA_FILES = {
    "molensloot": ("molensloot_enquete.csv", "molensloot_zaken.csv"),
    "lut": ("lut_klantonderzoek.csv", "lut_procesdata.csv"),
    "lindewaard": ("lindewaard_enquete.xlsx", "lindewaard_zaken.csv"),
    "isr": ("isr_enquete.sav", "isr_zaken.csv"),
}


@dataclass(frozen=True)
class OrgSpec:
    """What to generate for one fictional organisation."""

    id: str
    n: int
    periods: tuple[str, ...]
    seed: int
    items: tuple[str, ...]
    trend: float = 0.0
    level: float = 0.0
    channel_probs: tuple[float, ...] = (0.35, 0.15, 0.25, 0.12, 0.08, 0.05)
    services: tuple[str, ...] = ("algemeen",)
    extra: dict = field(default_factory=dict)


CORE_DRIVERS = ("empathie", "meedenken", "serieus_genomen", "luisteren", "vriendelijkheid", "snelheid",
                "juiste_informatie", "duidelijkheid", "bereikbaarheid", "deskundigheid")

SPECS = {
    "molensloot": OrgSpec(
        "molensloot", 3000, ("2024Q4", "2025Q1", "2025Q2", "2025Q3", "2025Q4", "2026Q1", "2026Q2", "2026Q3"),
        seed=20241001, items=CORE_DRIVERS, trend=0.07, level=0.0,
        services=("paspoort en id-kaart", "bijstand", "parkeervergunning", "afval", "omgevingsvergunning",
                  "verhuizing"),
        extra={"aanbeveling": True, "own_item": True}),
    "lut": OrgSpec(
        "lut", 20000, ("2025Q4", "2026Q1", "2026Q2", "2026Q3"), seed=20251002,
        items=CORE_DRIVERS + ("afspraken_nakomen", "eenvoud_proces", "transparantie"), level=-0.05,
        channel_probs=(0.45, 0.0, 0.33, 0.12, 0.07, 0.03),
        services=("huurtoeslag", "zorgtegemoetkoming", "studietegemoetkoming", "terugvordering")),
    "lindewaard": OrgSpec(
        "lindewaard", 400, ("2025Q4", "2026Q1", "2026Q2", "2026Q3"), seed=20251003, items=CORE_DRIVERS,
        level=0.15, channel_probs=(0.35, 0.30, 0.20, 0.10, 0.0, 0.05),
        services=("burgerzaken", "wmo", "vergunningen")),
    "isr": OrgSpec(
        "isr", 150, ("2025Q4", "2026Q1", "2026Q2", "2026Q3"), seed=20251004, items=CORE_DRIVERS,
        level=-0.10, channel_probs=(0.45, 0.0, 0.10, 0.40, 0.0, 0.05),
        services=("inspectiebezoek", "melding")),
}
ORG_IDS = tuple(SPECS)


# --------------------------------------------------------------------------------------------------
# Simulation on the codebook's terms
# --------------------------------------------------------------------------------------------------
def _agree(latent: np.ndarray) -> np.ndarray:
    return (np.searchsorted(AGREE_CUTS, latent) + 1).astype(float)


def simulate(spec: OrgSpec) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Respondents (codebook ids; missing as tokens ``nvt``/``weet_niet``/``missing``) and process records.

    Parameters
    ----------
    spec:
        The organisation to generate.

    Returns
    -------
    (survey, process):
        Survey in codebook terms (items as floats or missing tokens as strings in ``<item>__reason``) and
        the process file in codebook terms, keyed by ``zaak_sleutel``.
    """
    rng = np.random.default_rng(spec.seed)
    n = spec.n
    period_idx = rng.integers(0, len(spec.periods), n)
    period_idx.sort()
    age = rng.choice(len(AGES), n, p=SAMPLE_AGE)
    skill_p = np.array([SAMPLE_SKILL, SAMPLE_SKILL, SAMPLE_SKILL, (0.35, 0.40, 0.25)])[age]
    skill = (rng.random(n)[:, None] > np.cumsum(skill_p, axis=1)).sum(axis=1).clip(0, 2)
    cp = np.array(spec.channel_probs) / sum(spec.channel_probs)
    channel = rng.choice(len(CHANNELS), n, p=cp)
    # low digital skill shifts website/chat to phone and desk
    shift = (skill == 0) & np.isin(channel, (2, 4)) & (rng.random(n) < 0.6)
    channel[shift] = rng.choice([0, 1], int(shift.sum())) if cp[1] > 0 else 0
    service = rng.integers(0, len(spec.services), n)

    # process records
    doorloop = np.round(rng.lognormal(np.log(12), 0.75, n), 1)
    contacts = 1 + rng.poisson(0.8, n)
    referred = rng.random(n) < 0.20
    wait = np.round(rng.lognormal(np.log(6), 0.8, n), 1)
    outcome = rng.choice(len(OUTCOMES), n, p=(0.62, 0.18, 0.05, 0.15))

    general = rng.normal(size=n)
    soft_f = rng.normal(size=n)
    basic_f = rng.normal(size=n)
    process_eff = (-0.45 * (doorloop > 30) - 0.15 * np.clip(contacts - 2, 0, None) - 0.25 * referred
                   - 0.35 * (outcome == 1))
    drivers = {}
    for name in SOFT + BASICS:
        fam = soft_f if name in SOFT else basic_f
        z = 0.72 * general + 0.40 * fam + 0.57 * rng.normal(size=n)
        if name == "snelheid":
            z = z - 0.5 * (doorloop > 30) - 0.15 * np.clip(contacts - 2, 0, None)
        drivers[name] = z
    chan_eff = np.array([CHANNEL_EFFECT[c] for c in CHANNELS])[channel]
    age_eff = np.array([AGE_EFFECT[a] for a in AGES])[age]
    sat = (sum(EFFECTS[d] * drivers[d] for d in drivers) + chan_eff + age_eff + process_eff
           + spec.trend * period_idx + spec.level + 0.55 * rng.normal(size=n))

    df = pd.DataFrame({
        "respondent_id": [f"{spec.id[:3].upper()}{i + 1:06d}" for i in range(n)],
        "periode": np.array(spec.periods)[period_idx],
        "kanaal": np.array(CHANNELS)[channel],
        "dienst": np.array(spec.services)[service],
        "leeftijdsgroep": np.array(AGES)[age],
        "digitale_vaardigheid": np.array(SKILLS)[skill],
        "contact_type": np.where(contacts > 1, "herhaald", "eerste"),
    })
    # dates within the quarter
    q_start = pd.PeriodIndex(list(spec.periods), freq="Q").start_time[period_idx]
    df["datum"] = q_start + pd.to_timedelta(rng.integers(0, 90, n), unit="D")
    df["tevredenheid"] = np.clip(np.round(7.0 + 1.25 * sat), 1, 10)
    soft_mean = sum(drivers[d] for d in SOFT[:3]) / 3
    df["menselijkheid"] = _agree(0.55 * soft_mean + 0.45 * sat + 0.5 * rng.normal(size=n))
    df["effectiviteit"] = _agree(0.6 * sat + 0.9 * (outcome == 0) - 0.5 + 0.6 * rng.normal(size=n))
    df["vertrouwen"] = _agree(0.55 * sat - 0.2 + 0.7 * rng.normal(size=n))
    df["gemak"] = _agree(0.4 * sat + 0.3 * drivers["eenvoud_proces"] - 0.3 * np.clip(contacts - 1, 0, None)
                         + 0.6 * rng.normal(size=n))
    for d in spec.items:
        df[d] = _agree(drivers[d])
    if spec.extra.get("own_item"):
        df["ms_terugbellen"] = _agree(0.7 * drivers["afspraken_nakomen"] + 0.5 * rng.normal(size=n))
    if spec.extra.get("aanbeveling"):
        df["aanbeveling"] = np.clip(np.round(6.3 + 1.9 * sat + 0.8 * rng.normal(size=n)), 0, 10)

    agree_items = [c for c in df.columns if c in spec.items or c in ("menselijkheid", "effectiviteit",
                                                                      "vertrouwen", "gemak", "ms_terugbellen")]
    # straight-liners: every agree item the same answer
    straight = rng.random(n) < 0.03
    value = rng.choice([5.0, 4.0, 3.0], n, p=(0.5, 0.3, 0.2))
    for c in agree_items:
        df.loc[straight, c] = value[straight]
    # missing: blank non-response; n.v.t. and weet niet on drivers
    reasons = {}
    for c in [c for c in df.columns if c in agree_items or c in ("tevredenheid", "aanbeveling")]:
        r = np.full(n, None, dtype=object)
        u = rng.random(n)
        blank_rate = rng.uniform(0.04, 0.09)
        r[u < blank_rate] = "missing"
        if c in spec.items or c == "ms_terugbellen":
            nvt = rng.uniform(0.02, 0.04)
            wn = rng.uniform(0.01, 0.03)
            r[(u >= blank_rate) & (u < blank_rate + nvt)] = "nvt"
            r[(u >= blank_rate + nvt) & (u < blank_rate + nvt + wn)] = "weet_niet"
        if c in agree_items:
            r[straight] = None  # straight-liners answered every statement
        reasons[c] = r
        df.loc[pd.notna(r), c] = np.nan
    for c, r in reasons.items():
        df[f"{c}__reason"] = r

    # link keys: ~6 % of survey rows lack a process record; ~8 % extra process rows without a survey
    keys = np.array([f"Z-{spec.seed % 10000:04d}-{k:07d}" for k in rng.permutation(np.arange(1, 3 * n + 1))[:n]])
    df["zaak_sleutel"] = keys
    has_proc = rng.random(n) >= 0.06
    extra_n = int(round(0.08 * n))
    extra_keys = np.array([f"Z-{spec.seed % 10000:04d}-{k:07d}" for k in range(3 * n + 1, 3 * n + 1 + extra_n)])
    proc = pd.DataFrame({
        "zaak_sleutel": np.concatenate([keys[has_proc], extra_keys]),
        "doorlooptijd_dagen": np.concatenate([doorloop[has_proc],
                                              np.round(rng.lognormal(np.log(12), 0.75, extra_n), 1)]),
        "aantal_contacten": np.concatenate([contacts[has_proc], 1 + rng.poisson(0.8, extra_n)]),
        "doorverwezen": np.concatenate([referred[has_proc], rng.random(extra_n) < 0.2]),
        "wachttijd_minuten": np.concatenate([wait[has_proc], np.round(rng.lognormal(np.log(6), 0.8, extra_n), 1)]),
        "uitkomst": np.array(OUTCOMES)[np.concatenate([outcome[has_proc], rng.choice(4, extra_n)])],
    })
    proc = proc.iloc[rng.permutation(len(proc))].reset_index(drop=True)

    df["open_antwoord"], planted = _open_answers(rng, drivers, sat, n)
    df.attrs["planted"] = planted
    return df, proc


# --------------------------------------------------------------------------------------------------
# Open answers with planted personal data
# --------------------------------------------------------------------------------------------------
_POS = {
    "empathie": ["De medewerker begreep echt hoe lastig mijn situatie was.",
                 "Ik merkte dat ze zich in mij verplaatsten, dat deed me goed.",
                 "Heel menselijk contact, niet als een nummer behandeld.",
                 "Er was oog voor mijn persoonlijke omstandigheden."],
    "meedenken": ["Er werd actief meegedacht over een oplossing die bij mij past.",
                  "Fijn dat de medewerker zelf met een alternatief kwam.",
                  "Ze dachten mee, ook buiten de regels om zochten ze naar mogelijkheden.",
                  "Er werd maatwerk geleverd voor mijn situatie."],
    "serieus_genomen": ["Ik voelde me serieus genomen met mijn klacht.",
                        "Eindelijk iemand die mijn probleem serieus nam.",
                        "Mijn melding werd serieus genomen en er is echt iets mee gedaan."],
    "luisteren": ["Er werd goed naar mij geluisterd.", "De medewerker liet me rustig uitpraten."],
    "snelheid": ["Snel geholpen, binnen een week geregeld.", "Alles was vlot afgehandeld.",
                 "Binnen een dag had ik antwoord."],
    "juiste_informatie": ["Ik kreeg meteen de juiste informatie.", "Duidelijke uitleg over wat ik moest doen."],
    "duidelijkheid": ["De brief was duidelijk en in gewone taal geschreven."],
    "deskundigheid": ["De medewerker had echt verstand van zaken."],
    "vriendelijkheid": ["Vriendelijke en geïnteresseerde medewerker aan de telefoon.",
                        "Heel vriendelijk ontvangen aan de balie.", "Een geduldige en beleefde medewerker."],
}
_NEG = {
    "empathie": ["Er was totaal geen begrip voor mijn persoonlijke situatie.",
                 "Ik voelde me een dossiernummer, niemand luisterde echt.",
                 "Het contact voelde kil en afstandelijk."],
    "meedenken": ["Niemand dacht mee, het was 'computer says no'.",
                  "Ik moest zelf alles uitzoeken, er werd niet meegedacht."],
    "serieus_genomen": ["Mijn klacht werd weggewuifd.", "Ik werd niet serieus genomen en afgescheept."],
    "luisteren": ["Ik werd steeds onderbroken en moest alles opnieuw uitleggen."],
    "snelheid": ["Het duurde veel te lang, ik wacht al maanden.", "Wachttijd aan de telefoon was erg lang.",
                 "Pas na drie keer bellen kwam er schot in."],
    "juiste_informatie": ["Ik kreeg tegenstrijdige informatie van twee medewerkers.",
                          "De brief was onbegrijpelijk en klopte niet."],
    "duidelijkheid": ["De brief stond vol ambtelijke taal."],
    "deskundigheid": ["De medewerker wist het niet en moest alles navragen."],
    "vriendelijkheid": ["De medewerker was kortaf en onvriendelijk."],
    "bereikbaarheid": ["Slecht bereikbaar, steeds in de wacht gezet.", "De website werkte niet op mijn telefoon."],
}
_OPENERS = ["", "", "", "Kortom: ", "Eerlijk gezegd: ", "Al met al: "]
_FIRST = ["Jan", "Fatima", "Sanne", "Mohammed", "Els", "Pieter", "Anouk", "Kees", "Yara", "Daan", "Ingrid", "Mehmet"]
_LAST = ["de Vries", "Jansen", "Bakker", "El Amrani", "Visser", "Smit", "Meijer", "van Dijk", "Yilmaz", "Mulder"]


def _bsn(rng: np.random.Generator) -> str:
    """A 9-digit number passing the 11-proef (sum of i*d_i - d_9 divisible by 11)."""
    while True:
        d = rng.integers(0, 10, 9)
        d[0] = rng.integers(1, 10)
        total = sum((9 - i) * int(d[i]) for i in range(8)) - int(d[8])
        if total % 11 == 0:
            return "".join(str(int(x)) for x in d)


def _iban(rng: np.random.Generator) -> str:
    bank = ["ABNA", "INGB", "RABO", "TRIO"][int(rng.integers(0, 4))]
    account = "".join(str(int(x)) for x in rng.integers(0, 10, 10))
    numeric = "".join(str(int(c, 36)) for c in bank + account + "NL00")
    check = 98 - int(numeric) % 97
    return f"NL{check:02d}{bank}{account}"


def _plant(rng: np.random.Generator) -> tuple[str, str]:
    kind = int(rng.integers(0, 6))
    if kind == 0:
        ident = _bsn(rng)
        return f"Mijn BSN is {ident}, kunt u dat nakijken?", ident
    if kind == 1:
        ident = f"{_FIRST[int(rng.integers(0, len(_FIRST)))].lower()}.{int(rng.integers(10, 99))}@voorbeeldmail.nl"
        return f"Mail mij gerust terug op {ident}.", ident
    if kind == 2:
        ident = f"06-{int(rng.integers(10000000, 99999999))}"
        return f"Bel me terug op {ident} want ik hoor niets.", ident
    if kind == 3:
        ident = _iban(rng)
        return f"Het geld moest naar {ident} maar kwam nooit aan.", ident
    if kind == 4:
        letters = "".join(chr(65 + int(x)) for x in rng.integers(0, 26, 2)).replace("SS", "ST").replace("SD", "SE")
        ident = f"{int(rng.integers(1000, 9999))} {letters} {int(rng.integers(1, 200))}"
        return f"Ik woon op {ident}, de brief kwam daar niet aan.", ident
    ident = f"{_FIRST[int(rng.integers(0, len(_FIRST)))]} {_LAST[int(rng.integers(0, len(_LAST)))]}"
    return f"Mijn naam is {ident} en ik wil graag teruggebeld worden.", ident


def _open_answers(rng: np.random.Generator, drivers: dict, sat: np.ndarray, n: int) -> tuple[list, list]:
    answers: list = [None] * n
    planted: list[str] = []
    writes = np.flatnonzero(rng.random(n) < 0.30)
    plant_at = set(writes[rng.random(len(writes)) < 0.04].tolist())
    if len(plant_at) < 8:  # small organisations still get a few planted identifiers to find
        plant_at |= set(writes[:8].tolist())
    for i in writes:
        bank = _POS if sat[i] > 0.1 else _NEG
        themes = list(bank)
        k = 1 + int(rng.random() < 0.35)
        chosen = [themes[int(j)] for j in rng.choice(len(themes), k, replace=False)]
        parts = [bank[t][int(rng.integers(0, len(bank[t])))] for t in chosen]
        opener = _OPENERS[int(rng.integers(0, len(_OPENERS)))]
        body = " ".join(parts)
        text = opener + (body[0].lower() + body[1:] if opener else body)
        if i in plant_at:
            sentence, ident = _plant(rng)
            text = f"{text} {sentence}"
            planted.append(ident)
        answers[i] = text
    return answers, planted


# --------------------------------------------------------------------------------------------------
# Writing in each organisation's own coding
# --------------------------------------------------------------------------------------------------
_AGREE_NL = {1: "Helemaal mee oneens", 2: "Mee oneens", 3: "Neutraal", 4: "Mee eens", 5: "Helemaal mee eens"}
_EFFORT_NL = {1: "Zeer veel moeite", 2: "Veel moeite", 3: "Neutraal", 4: "Weinig moeite", 5: "Zeer weinig moeite"}


def _item_frame(df: pd.DataFrame, items: list[str], encode: Callable[[str, float, str | None], object]) -> dict:
    out = {}
    for c in items:
        reasons = df[f"{c}__reason"] if f"{c}__reason" in df else pd.Series([None] * len(df))
        cache: dict = {}
        col = []
        for v, r in zip(df[c].tolist(), reasons.tolist()):
            key = (None if r else v, r)  # NaN never equals itself: key missing cells by their reason
            if key not in cache:
                cache[key] = encode(c, v, r)
            col.append(cache[key])
        out[c] = col
    return out


def _molensloot(df: pd.DataFrame, proc: pd.DataFrame) -> dict[str, bytes]:
    cols = {"tevredenheid": "Rapportcijfer", "menselijkheid": "Behandeld als mens",
            "effectiviteit": "Probleem opgelost",
            "vertrouwen": "Vertrouwen gemeente", "gemak": "Moeite", "aanbeveling": "Aanbevelen",
            "ms_terugbellen": "Teruggebeld"}
    cols.update({d: f"Stelling {d.replace('_', ' ')}" for d in CORE_DRIVERS})

    def enc(c: str, v: float, r: str | None) -> object:
        if r == "missing":
            return ""
        if c in ("tevredenheid", "aanbeveling"):
            return "" if r else str(int(v))
        if r == "nvt":
            return "n.v.t."
        if r == "weet_niet":
            return "Weet niet"
        return (_EFFORT_NL if c == "gemak" else _AGREE_NL)[int(v)]

    items = [c for c in cols if c in df]
    chan = {"telefoon": "Telefonisch", "balie": "Aan de balie", "website": "Via de website", "e-mail": "Per e-mail",
            "chat": "Chat", "post": "Per post"}
    out = pd.DataFrame({
        "Respnr": df["respondent_id"], "Kwartaal": df["periode"], "Kanaal": df["kanaal"].map(chan),
        "Product": df["dienst"], "Leeftijd": df["leeftijdsgroep"].map(lambda a: f"{a} jaar"),
        "Digitaal vaardig": df["digitale_vaardigheid"].str.capitalize(),
        "Eerder contact": df["contact_type"].map({"eerste": "Nee", "herhaald": "Ja"}),
    })
    for c, vals in _item_frame(df, items, enc).items():
        out[cols[c]] = vals
    out["Toelichting"] = df["open_antwoord"].fillna("")
    out["Zaaknummer"] = df["zaak_sleutel"]
    p = proc.rename(columns={"zaak_sleutel": "Zaaknummer", "doorlooptijd_dagen": "Doorlooptijd (dagen)",
                             "aantal_contacten": "Contactmomenten", "doorverwezen": "Doorverwezen",
                             "wachttijd_minuten": "Wachttijd (min)", "uitkomst": "Besluit"})
    p["Doorverwezen"] = p["Doorverwezen"].map({True: "ja", False: "nee"})
    return {"survey": _csv(out, ";", "utf-8-sig"), "process": _csv(p, ";", "utf-8", decimal=",")}


def _lut(df: pd.DataFrame, proc: pd.DataFrame) -> dict[str, bytes]:
    cols = {"tevredenheid": "V01_cijfer", "menselijkheid": "V02", "effectiviteit": "V03", "vertrouwen": "V04",
            "gemak": "V05"}
    names = list(CORE_DRIVERS) + ["afspraken_nakomen", "eenvoud_proces", "transparantie"]
    cols.update({d: f"V{10 + k:02d}" for k, d in enumerate(names)})

    def enc(c: str, v: float, r: str | None) -> object:
        return {"missing": 99, "nvt": 97, "weet_niet": 98}.get(r, None) if r else int(v)

    out = pd.DataFrame({
        "RESP_ID": df["respondent_id"], "CONTACTDATUM": df["datum"].dt.strftime("%d-%m-%Y"),
        "KANAAL": df["kanaal"].map({c: k + 1 for k, c in enumerate(CHANNELS)}),
        "REGELING": df["dienst"], "LFTKLASSE": df["leeftijdsgroep"].map({a: k + 1 for k, a in enumerate(AGES)}),
        "DIGI": df["digitale_vaardigheid"].map({s: k + 1 for k, s in enumerate(SKILLS)}),
        "HERHAALD": (df["contact_type"] == "herhaald").astype(int),
    })
    for c, vals in _item_frame(df, [c for c in cols if c in df], enc).items():
        out[cols[c]] = vals
    out["OPMERKING"] = df["open_antwoord"].fillna("")
    out["DOSSIER"] = df["zaak_sleutel"]
    p = proc.rename(columns={"zaak_sleutel": "dossier_id", "doorlooptijd_dagen": "doorlooptijd",
                             "aantal_contacten": "n_contacten", "doorverwezen": "doorverwijzing",
                             "wachttijd_minuten": "wachttijd_min", "uitkomst": "besluit"})
    p["doorverwijzing"] = p["doorverwijzing"].astype(int)
    p["besluit"] = p["besluit"].map({o: k + 1 for k, o in enumerate(OUTCOMES)})
    return {"survey": _csv(out, ",", "cp1252"), "process": _csv(p, ",", "utf-8")}


def _lindewaard(df: pd.DataFrame, proc: pd.DataFrame) -> dict[str, bytes]:
    cols = {"tevredenheid": "Cijfer", "menselijkheid": "Mens", "effectiviteit": "Geholpen", "vertrouwen": "Vertrouwen",
            "gemak": "Inspanning"}
    cols.update({d: d.replace("_", " ").capitalize() for d in CORE_DRIVERS})

    def enc(c: str, v: float, r: str | None) -> object:
        if r == "missing":
            return None
        if r == "nvt":
            return "nvt"
        if r == "weet_niet":
            return "weet niet"
        return int(v)

    out = pd.DataFrame({
        "Nr": df["respondent_id"].str.replace("LIN", "L-"),
        "Periode": df["periode"].str.replace(r"(\d{4})Q(\d)", r"\1 K\2", regex=True),
        "Contact via": df["kanaal"].map({"telefoon": "telefoon", "balie": "gemeentehuis", "website": "internet",
                                          "e-mail": "mail", "chat": "chat", "post": "brief"}),
        "Afdeling": df["dienst"], "Leeftijd": df["leeftijdsgroep"],
        "Digivaardig": df["digitale_vaardigheid"],
    })
    for c, vals in _item_frame(df, [c for c in cols if c in df], enc).items():
        out[cols[c]] = vals
    out["Opmerkingen"] = df["open_antwoord"]
    out["Zaak"] = df["zaak_sleutel"]
    p = proc.rename(columns={"zaak_sleutel": "zaak", "doorlooptijd_dagen": "dagen", "aantal_contacten": "contacten",
                             "doorverwezen": "doorverwezen", "wachttijd_minuten": "wachttijd", "uitkomst": "uitkomst"})
    p["doorverwezen"] = p["doorverwezen"].map({True: "J", False: "N"})
    return {"survey": _xlsx(out, "Enquête"), "process": _csv(p, ";", "utf-8", decimal=",")}


def _isr(df: pd.DataFrame, proc: pd.DataFrame) -> dict[str, bytes]:
    import pyreadstat

    cols = {"tevredenheid": "q1", "menselijkheid": "q2", "effectiviteit": "q3", "vertrouwen": "q4", "gemak": "q5"}
    cols.update({d: f"q{6 + k}" for k, d in enumerate(CORE_DRIVERS)})

    def enc(c: str, v: float, r: str | None) -> object:
        if r == "missing":
            return np.nan
        if r:
            return {"nvt": 8 if c != "tevredenheid" else 98, "weet_niet": 9 if c != "tevredenheid" else 99}[r]
        return float(v)

    out = pd.DataFrame({
        "respnr": df["respondent_id"],
        "kwartaal": df["periode"],
        "kanaal": df["kanaal"].map({"telefoon": 1, "website": 2, "e-mail": 3, "post": 4, "balie": 5,
                                    "chat": 6}).astype(float),
        "onderwerp": df["dienst"].map({"inspectiebezoek": 1, "melding": 2}).astype(float),
        "leeftijd": df["leeftijdsgroep"].map({a: k + 1 for k, a in enumerate(AGES)}).astype(float),
        "digi": df["digitale_vaardigheid"].map({s: k + 1 for k, s in enumerate(SKILLS)}).astype(float),
    })
    for c, vals in _item_frame(df, [c for c in cols if c in df], enc).items():
        out[cols[c]] = np.array(vals, dtype=float)
    out["toelichting"] = df["open_antwoord"].fillna("")
    out["zaakid"] = df["zaak_sleutel"]
    agree = {1.0: "helemaal mee oneens", 2.0: "mee oneens", 3.0: "neutraal", 4.0: "mee eens",
             5.0: "helemaal mee eens", 8.0: "n.v.t.", 9.0: "weet niet"}
    labels = {cols[c]: agree for c in cols if c != "tevredenheid"}
    labels["q1"] = {1.0: "zeer slecht", 10.0: "uitstekend", 98.0: "n.v.t.", 99.0: "weet niet"}
    labels["kanaal"] = {1.0: "Telefoon", 2.0: "Website", 3.0: "E-mail", 4.0: "Brief", 5.0: "Balie", 6.0: "Chat"}
    labels["onderwerp"] = {1.0: "Inspectiebezoek", 2.0: "Melding"}
    labels["leeftijd"] = {1.0: "18 t/m 34", 2.0: "35 t/m 49", 3.0: "50 t/m 64", 4.0: "65 of ouder"}
    labels["digi"] = {1.0: "Laag", 2.0: "Gemiddeld", 3.0: "Hoog"}
    var_labels = {cols[c]: c for c in cols}
    buf = _sav(out, labels, var_labels, pyreadstat)
    p = proc.rename(columns={"zaak_sleutel": "zaakid", "doorlooptijd_dagen": "doorlooptijd",
                             "aantal_contacten": "contacten", "doorverwezen": "doorverwezen",
                             "wachttijd_minuten": "wachttijd", "uitkomst": "uitkomst"})
    p["doorverwezen"] = p["doorverwezen"].map({True: "ja", False: "nee"})
    return {"survey": buf, "process": _csv(p, ",", "utf-8")}


def _csv(frame: pd.DataFrame, sep: str, encoding: str, decimal: str = ".") -> bytes:
    text = frame.to_csv(sep=sep, index=False, decimal=decimal, lineterminator="\n")
    return text.encode(encoding)


def _xlsx(frame: pd.DataFrame, sheet: str) -> bytes:
    """An Excel workbook with fixed properties and zip entry dates, so regeneration is byte-identical."""
    from datetime import datetime

    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.title = sheet
    ws.append(list(frame.columns))
    for row in frame.itertuples(index=False):
        ws.append([None if (isinstance(v, float) and np.isnan(v)) or v is None else
                   (int(v) if isinstance(v, (np.integer,)) else v) for v in row])
    fixed = datetime(*FIXED_TIMESTAMP)
    wb.properties.creator = "meethuis.sample"
    wb.properties.created = fixed
    raw = io.BytesIO()
    wb.save(raw)
    return _fix_zip(raw.getvalue())


def _fix_zip(data: bytes) -> bytes:
    """Rewrite a zip with fixed entry dates and a fixed ``dcterms:modified`` (openpyxl stamps 'now')."""
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            body = src.read(info.filename)
            if info.filename == "docProps/core.xml":
                body = re.sub(rb"(<dcterms:modified[^>]*>)[^<]*(<)", rb"\g<1>2026-01-01T00:00:00Z\2", body)
            zi = zipfile.ZipInfo(info.filename, date_time=FIXED_TIMESTAMP)
            zi.compress_type = zipfile.ZIP_DEFLATED
            zi.external_attr = 0o600 << 16
            dst.writestr(zi, body)
    return out.getvalue()


def _sav(frame: pd.DataFrame, labels: dict, var_labels: dict, pyreadstat) -> bytes:
    """An SPSS file with value labels; the header's creation date and time are patched to a fixed value."""
    import os
    import tempfile

    fd, tmp = tempfile.mkstemp(suffix=".sav")
    os.close(fd)
    try:
        pyreadstat.write_sav(frame, tmp, variable_value_labels=labels, column_labels=var_labels,
                             file_label="Meethuis synthetic sample")
        data = bytearray(Path(tmp).read_bytes())
    finally:
        os.unlink(tmp)
    # SAV header: "$FL2", product (60), layout, case size, compression, weight index, ncases (4 each),
    # bias (8), creation date "dd mmm yy" (9) at offset 92, creation time "hh:mm:ss" (8) at offset 101.
    assert data[:4] in (b"$FL2", b"$FL3")
    data[92:101] = b"01 Jan 26"
    data[101:109] = b"00:00:00"
    return bytes(data)


_WRITERS = {"molensloot": _molensloot, "lut": _lut, "lindewaard": _lindewaard, "isr": _isr}


# --------------------------------------------------------------------------------------------------
# Journeys: contact log and appointments (separate seeded stream; the survey files stay as they were)
# --------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class JourneySpec:
    """What to generate for one organisation's journeys (see the module docstring for the truth)."""

    seed: int
    improvement: str  # first quarter with fewer quick repeat contacts
    front_team: str
    teams: dict  # service -> back-office teams handed to, in order
    appointments: dict  # service -> share of cases with an appointment
    steps: dict  # service -> ordered step names
    booking: tuple = (("website", "telefoon", "balie"), (0.5, 0.35, 0.15))  # booking channels and shares


WEBSITE_FIRST = {1.0: 0.70, 2.0: 0.60, 3.0: 0.35, 4.0: 0.15, 5.0: 0.10}  # P(first = website | gemak), phone last
QUICK_REPEAT = (0.60, 0.30)  # P(follow-up within 7 days) before / from the improvement quarter
NO_SHOW_BASE = {"18-34": 0.12, "35-49": 0.10, "50-64": 0.08, "65+": 0.16}
NO_SHOW_WEBSITE = 1.25
REMINDER_EFFECT = {"65+": 0.5, "other": 0.8}
STEP_DROP = 0.15

JOURNEYS = {
    "molensloot": JourneySpec(
        seed=20241001 + 16, improvement="2025Q3", front_team="KCC",
        teams={"paspoort en id-kaart": ("Burgerzaken", "Backoffice Burgerzaken"),
               "bijstand": ("Werk en Inkomen", "Bijzondere Bijstand"),
               "parkeervergunning": ("Parkeren", "Burgerzaken"),
               "afval": ("Buitenruimte", "Afvalinzameling"),
               "omgevingsvergunning": ("Vergunningen", "Juridische Zaken"),
               "verhuizing": ("Burgerzaken", "Basisregistratie")},
        appointments={"paspoort en id-kaart": 1.0, "bijstand": 0.7, "omgevingsvergunning": 0.3, "verhuizing": 0.5},
        steps={"omgevingsvergunning": ("aanvraag", "aanvulling", "besluit"),
               "bijstand": ("melding", "intake", "aanvraag", "besluit")}),
    "lut": JourneySpec(
        seed=20251002 + 16, improvement="2026Q2", front_team="Klantcontact",
        teams={"huurtoeslag": ("Toeslagen", "Bezwaar"), "zorgtegemoetkoming": ("Toeslagen", "Bezwaar"),
               "studietegemoetkoming": ("Studie", "Bezwaar"), "terugvordering": ("Invordering", "Betalingsregelingen")},
        appointments={"huurtoeslag": 0.1, "zorgtegemoetkoming": 0.1, "studietegemoetkoming": 0.1,
                      "terugvordering": 0.7},
        steps={"terugvordering": ("brief", "betalingsregeling", "afgerond")},
        booking=(("website", "telefoon"), (0.6, 0.4))),
}


def simulate_journeys(org_id: str, df: pd.DataFrame, proc: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Contact log and appointments in codebook terms for the process cases of ``org_id`` (known truth).

    Parameters
    ----------
    org_id:
        ``molensloot`` or ``lut``.
    df, proc:
        The simulated survey and process records (:func:`simulate`); only read, never changed.

    Returns
    -------
    (contacts, appointments):
        One row per contact (``zaak_sleutel, contact_tijdstip, contact_kanaal, richting, onderwerp, team,
        opgelost, stap``) and per appointment (``zaak_sleutel, afspraak_tijdstip, boekingskanaal,
        herinnering, afspraak_uitkomst, onderwerp, afspraak_leeftijdsgroep``).
    """
    spec, js = SPECS[org_id], JOURNEYS[org_id]
    rng = np.random.default_rng(js.seed)
    keys = proc["zaak_sleutel"].to_numpy()
    m = len(keys)
    survey = df.set_index("zaak_sleutel").reindex(keys)
    answered = survey["periode"].notna().to_numpy()
    services = np.array(spec.services)
    service = np.where(answered, survey["dienst"].to_numpy(dtype=object),
                       services[rng.integers(0, len(services), m)])
    age = np.where(answered, survey["leeftijdsgroep"].to_numpy(dtype=object),
                   np.array(AGES)[rng.choice(4, m, p=list(POP_AGE.values()))])
    cp = np.array(spec.channel_probs) / sum(spec.channel_probs)
    drawn_last = np.array(CHANNELS)[rng.choice(len(CHANNELS), m, p=cp)]
    last = np.where(answered, survey["kanaal"].to_numpy(dtype=object), drawn_last)
    starts = pd.PeriodIndex(list(spec.periods), freq="Q").start_time
    drawn_day = starts[rng.integers(0, len(spec.periods), m)] + pd.to_timedelta(rng.integers(0, 90, m), unit="D")
    day = pd.DatetimeIndex(np.where(answered, survey["datum"].to_numpy(dtype="datetime64[ns]"),
                                    drawn_day.to_numpy()))
    minutes = rng.integers(8 * 60, 17 * 60, m)
    last_time = day + pd.to_timedelta(minutes, unit="min")
    gemak = survey["gemak"].to_numpy(dtype=float)
    humanity = survey["menselijkheid"].to_numpy(dtype=float)
    n_contacts = proc["aantal_contacten"].to_numpy().astype(int)
    p_web = np.array([WEBSITE_FIRST.get(g, 0.30) for g in gemak])
    p_hand = np.where(np.isnan(humanity), 0.3, 0.6 - 0.1 * np.nan_to_num(humanity))
    resolved_last = rng.random(m) < 0.92
    improvement = pd.Period(js.improvement, freq="Q").start_time

    rows: list[tuple] = []
    for i in range(m):
        n = n_contacts[i]
        u = rng.random(6 * n + 6)
        chans = [last[i]] * n
        if n >= 2:
            if last[i] == "telefoon":
                first = "website" if u[0] < p_web[i] else ("telefoon" if u[1] < 0.6 else
                                                         CHANNELS[int(np.searchsorted(np.cumsum(cp), u[2]))])
            else:
                first = last[i] if u[1] < 0.6 else CHANNELS[int(np.searchsorted(np.cumsum(cp), u[2]))]
            chans[0] = first
            for j in range(1, n - 1):
                chans[j] = chans[j - 1] if u[4 + j] < 0.7 else last[i]
        # times, backwards from the surveyed (last) contact
        times = [last_time[i]] * n
        for j in range(n - 1, 0, -1):
            q = QUICK_REPEAT[1] if times[j] >= improvement else QUICK_REPEAT[0]
            v = u[4 + n + j]
            gap = (1 + int(6 * v / q)) if v < q else (8 + int(33 * (v - q) / (1 - q)))  # whole days
            clock = 8 * 60 + int(540 * u[5 + 4 * n + j - 1]) if j - 1 < n else 600
            times[j - 1] = times[j].normalize() - pd.Timedelta(days=gap) + pd.Timedelta(minutes=clock)
        team_list = (js.front_team,) + js.teams[service[i]]
        teams, t = [], 0
        for j in range(n):
            if j > 0 and u[4 + 2 * n + j] < p_hand[i]:
                t = (t + 1) % len(team_list)
            teams.append(team_list[t])
        steps = js.steps.get(service[i])
        if steps:
            reached = 0
            while reached < len(steps) - 1 and u[4 + 3 * n] >= STEP_DROP * (reached + 1):
                reached += 1
            step_of = [steps[reached if n == 1 else int(round(j / (n - 1) * reached))] for j in range(n)]
        else:
            step_of = [None] * n
        for j in range(n):
            direction = "uit" if j >= 2 and u[5 + 3 * n + j] < 0.15 else "in"
            rows.append((keys[i], times[j], chans[j], direction, service[i], teams[j],
                         bool(resolved_last[i]) if j == n - 1 else False, step_of[j]))
    contacts = pd.DataFrame(rows, columns=["zaak_sleutel", "contact_tijdstip", "contact_kanaal", "richting",
                                           "onderwerp", "team", "opgelost", "stap"])
    contacts = contacts.sort_values("contact_tijdstip", kind="stable").reset_index(drop=True)  # as exported

    # appointments
    share = np.array([js.appointments.get(s, 0.0) for s in service])
    has = rng.random(m) < share
    idx = np.flatnonzero(has)
    k = len(idx)
    options, shares = js.booking
    booking = np.array(options)[rng.choice(len(options), k, p=shares)]
    p_rem = np.select([booking == "website", booking == "telefoon"], [0.8, 0.5], 0.4)
    reminder = rng.random(k) < p_rem
    base = np.array([NO_SHOW_BASE[a] for a in age[idx]]) * np.where(booking == "website", NO_SHOW_WEBSITE, 1.0)
    effect = np.where(age[idx] == "65+", REMINDER_EFFECT["65+"], REMINDER_EFFECT["other"])
    p_no_show = base * np.where(reminder, effect, 1.0)
    u = rng.random(k)
    w = rng.random(k)
    outcome = np.where(u < 0.05, "geannuleerd", np.where(u < 0.11, "verzet",
                                                         np.where(w < p_no_show, "niet_verschenen", "verschenen")))
    first_contact = contacts.groupby("zaak_sleutel", sort=False)["contact_tijdstip"].min()
    when = pd.DatetimeIndex(first_contact.reindex(keys[idx]).to_numpy()).normalize() + \
        pd.to_timedelta(rng.integers(3, 21, k), unit="D") + pd.to_timedelta(rng.integers(32, 68, k) * 15, unit="min")
    appointments = pd.DataFrame({"zaak_sleutel": keys[idx], "afspraak_tijdstip": when, "boekingskanaal": booking,
                                 "herinnering": reminder, "afspraak_uitkomst": outcome, "onderwerp": service[idx],
                                 "afspraak_leeftijdsgroep": age[idx]})
    appointments = appointments.sort_values("afspraak_tijdstip", kind="stable").reset_index(drop=True)
    return contacts, appointments


def journey_truth(org_id: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The simulated contact log and appointments of ``org_id`` in codebook terms (raw keys), for tests."""
    if org_id not in JOURNEYS:
        raise ConfigError(f"sample organisation '{org_id}' has no journey data", hint=f"known: {', '.join(JOURNEYS)}")
    df, proc = simulate(SPECS[org_id])
    return simulate_journeys(org_id, df, proc)


def _journey_files(org_id: str, contacts: pd.DataFrame, appointments: pd.DataFrame) -> dict[str, bytes]:
    """The journey files in the organisation's own coding (Molensloot Dutch labels, LUT numeric codes)."""
    if org_id == "molensloot":
        chan = {"telefoon": "Telefonisch", "balie": "Aan de balie", "website": "Via de website", "e-mail": "Per e-mail",
                "chat": "Chat", "post": "Per post"}
        c = pd.DataFrame({
            "Zaaknummer": contacts["zaak_sleutel"], "Datum en tijd": contacts["contact_tijdstip"].dt.strftime("%d-%m-%Y %H:%M"),
            "Kanaal": contacts["contact_kanaal"].map(chan), "Richting": contacts["richting"].map({"in": "Inkomend", "uit": "Uitgaand"}),
            "Product": contacts["onderwerp"], "Team": contacts["team"],
            "Afgehandeld": contacts["opgelost"].map({True: "ja", False: "nee"}), "Processtap": contacts["stap"].fillna("")})
        a = pd.DataFrame({
            "Zaaknummer": appointments["zaak_sleutel"],
            "Afspraak": appointments["afspraak_tijdstip"].dt.strftime("%d-%m-%Y %H:%M"),
            "Geboekt via": appointments["boekingskanaal"].map(chan),
            "Herinnering": appointments["herinnering"].map({True: "ja", False: "nee"}),
            "Resultaat": appointments["afspraak_uitkomst"].map({"verschenen": "Verschenen", "geannuleerd": "Geannuleerd",
                                                                "niet_verschenen": "Niet verschenen", "verzet": "Verzet"}),
            "Product": appointments["onderwerp"], "Leeftijd": appointments["afspraak_leeftijdsgroep"] + " jaar"})
        return {"contacts": _csv(c, ";", "utf-8"), "appointments": _csv(a, ";", "utf-8")}
    codes = {ch: k + 1 for k, ch in enumerate(CHANNELS)}
    c = pd.DataFrame({
        "dossier_id": contacts["zaak_sleutel"], "ts": contacts["contact_tijdstip"].dt.strftime("%Y-%m-%dT%H:%M:%S"),
        "kanaal": contacts["contact_kanaal"].map(codes), "richting": contacts["richting"].map({"in": "I", "uit": "U"}),
        "regeling": contacts["onderwerp"], "team": contacts["team"], "opgelost": contacts["opgelost"].astype(int),
        "fase": contacts["stap"].fillna("")})
    a = pd.DataFrame({
        "dossier_id": appointments["zaak_sleutel"],
        "afspraak_ts": appointments["afspraak_tijdstip"].dt.strftime("%Y-%m-%dT%H:%M:%S"),
        "boeking": appointments["boekingskanaal"].map(codes), "sms_herinnering": appointments["herinnering"].astype(int),
        "status": appointments["afspraak_uitkomst"].map({"verschenen": "A", "geannuleerd": "G", "niet_verschenen": "N",
                                                         "verzet": "V"}),
        "regeling": appointments["onderwerp"],
        "lftklasse": appointments["afspraak_leeftijdsgroep"].map({x: k + 1 for k, x in enumerate(AGES)})})
    return {"contacts": _csv(c, ",", "utf-8"), "appointments": _csv(a, ",", "utf-8")}


@lru_cache(maxsize=None)
def _generated(org_id: str) -> tuple[tuple[str, bytes], ...]:
    if org_id not in SPECS:
        raise ConfigError(f"unknown sample organisation '{org_id}'", hint=f"known: {', '.join(ORG_IDS)}")
    df, proc = simulate(SPECS[org_id])
    files = _WRITERS[org_id](df, proc)
    survey_name, process_name = _DATA_FILES[org_id]
    _PLANTED[org_id] = tuple(df.attrs["planted"])
    out = ((survey_name, files["survey"]), (process_name, files["process"]))
    if org_id in JOURNEYS:
        jfiles = _journey_files(org_id, *simulate_journeys(org_id, df, proc))
        contacts_name, appointments_name = _JOURNEY_FILES[org_id]
        out += ((contacts_name, jfiles["contacts"]), (appointments_name, jfiles["appointments"]))
    return out


_PLANTED: dict[str, tuple[str, ...]] = {}


def generate(org_id: str) -> dict[str, bytes]:
    """The data files of one sample organisation as ``{file name: bytes}`` (deterministic).

    Raises
    ------
    ConfigError
        If ``org_id`` is not a sample organisation.
    """
    return dict(_generated(org_id))


def truth(org_id: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The simulated survey (codebook terms, with ``<item>__reason`` columns) and process data, for tests."""
    if org_id not in SPECS:
        raise ConfigError(f"unknown sample organisation '{org_id}'", hint=f"known: {', '.join(ORG_IDS)}")
    return simulate(SPECS[org_id])


def planted_identifiers(org_id: str) -> list[str]:
    """Every identifier planted in ``org_id``'s open answers, in order (deterministic).

    Parameters
    ----------
    org_id:
        One of :data:`ORG_IDS` (``molensloot``, ``lut``, ``lindewaard``, ``isr``).

    Returns
    -------
    list[str]
        The identifiers exactly as they appear in the answers (BSN, e-mail, phone, IBAN, postcode with
        house number, names).
    """
    _generated(org_id)
    return list(_PLANTED[org_id])


def write_samples(out: str | Path, orgs: tuple[str, ...] = ORG_IDS) -> list[Path]:
    """Write the data files of the sample organisations into ``out`` (atomically, byte-identical each run).

    Parameters
    ----------
    out:
        Target folder (created if absent). Configs and README are not touched.

    Returns
    -------
    list[Path]
        The files written.
    """
    from meethuis.intake.io import write_bytes_atomic

    out = Path(out)
    written = []
    for org in orgs:
        for name, data in _generated(org):
            written.append(write_bytes_atomic(out / name, data))
    return written


def sample_dir() -> Path:
    """The ``data/sample`` folder of the source tree (resolved from this file, not the current directory)."""
    return Path(__file__).resolve().parents[2] / "data" / "sample"


def sample_config(name: str) -> Path:
    """Path of the config of sample organisation ``name`` (e.g. ``"molensloot"``).

    Raises
    ------
    ConfigError
        If the sample folder or the config is absent (e.g. an installed package without the source tree).
    """
    folder = sample_dir()
    path = folder / f"{name}.yml"
    if not path.is_file():
        known = sorted(p.stem for p in folder.glob("*.yml")) if folder.is_dir() else []
        raise ConfigError(f"no sample organisation '{name}'", file=str(path),
                          hint=f"known: {', '.join(known)}" if known else
                          "data/sample is only present in a source checkout of meethuis")
    return path

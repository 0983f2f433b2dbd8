"""Speed of scrubbing and theme assignment (issue #7): prints timings and ratios from one run.

Target: ``scrub_series`` on 20,000 open answers (all distinct, a third with personal data) in a second
or two on the 2-core CI machine; ``assign_themes`` on the same answers in the same range. The baseline
is the naive approach: ``Series.map(scrub)`` without the de-duplication and quick pre-filter (every
finder run on every answer).

Usage: ``python bench/bench_feedback.py [--n 20000]``.
"""
from __future__ import annotations

import argparse
import os
import time

import numpy as np
import pandas as pd

from meethuis.improve import feedback as fb

_SENTENCES = [
    "De medewerker was vriendelijk.", "Het duurde veel te lang.", "Niemand luisterde echt.",
    "Ik kreeg tegenstrijdige informatie.", "Snel geholpen, dank jullie wel!", "De brief was onbegrijpelijk.",
    "Ik moest drie keer bellen.", "Er werd goed meegedacht.", "De website werkte niet op mijn telefoon.",
    "Ik voelde me serieus genomen.", "Slecht bereikbaar, steeds in de wacht.", "Duidelijke uitleg gekregen.",
    "Ik ben van het kastje naar de muur gestuurd.", "Heel menselijk contact.", "De afspraak werd niet nagekomen.",
    "Het formulier was ingewikkeld.", "Prima geregeld.", "Ik weet nog steeds niet waarom.",
    "Na 3 weken nog geen antwoord.", "De wachttijd was 20 minuten.", "Ik ben 78 en heb geen computer.",
    "Goede service aan de balie.", "Geen begrip voor mijn situatie.", "Kortaf en onvriendelijk.",
    "Het besluit was goed onderbouwd.", "Mijn aanvraag van 12-03-2026 ligt stil.", "Complimenten!",
    "Ze hielden zich aan de afspraak.", "De chat gaf standaardantwoorden.", "Veel te veel formulieren.",
]
_PERSONAL = ["Mijn BSN is 111222333, graag terugbellen op 06-{:08d}.",
             "Stuur het naar Dorpsstraat {}, 1234 AB Molensloot.",
             "Met vriendelijke groet, Jan de Vries ({})",
             "IBAN NL91ABNA0417164300, klantnummer {}."]


def answers(n: int, seed: int = 0) -> pd.Series:
    """``n`` distinct answers of 2-4 sentences (some with numbers); a third carries personal data."""
    rng = np.random.default_rng(seed)
    out: dict[str, None] = {}
    i = 0
    while len(out) < n:
        k = int(rng.integers(2, 5))
        text = " ".join(_SENTENCES[int(j)] for j in rng.choice(len(_SENTENCES), k, replace=False))
        if i % 3 == 0:
            text += " " + _PERSONAL[int(rng.integers(0, len(_PERSONAL)))].format(int(rng.integers(1, 99999999)))
        i += 1
        out.setdefault(text, None)
    return pd.Series(list(out), name="open_antwoord")


def naive_scrub(texts: pd.Series) -> pd.Series:
    """Every finder on every answer, no de-duplication, no pre-filter."""
    def one(text: str) -> str:
        found = []
        for finder in fb._FINDERS:
            found.extend(finder(text))
        matches = fb._merge_addresses(text, fb._resolve(found))
        for m in reversed(matches):
            text = text[:m.start] + m.tag + text[m.end:]
        return text
    return texts.map(one)


def timed(fn, *args):
    """Result, wall seconds and CPU seconds of this process (CPU time is fairer on a busy machine)."""
    t0, c0 = time.perf_counter(), time.process_time()
    result = fn(*args)
    return result, time.perf_counter() - t0, time.process_time() - c0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=20_000)
    args = parser.parse_args()
    texts = answers(args.n)
    fb.scrub("warm-up 06-12345678")
    scrubbed, t_scrub, c_scrub = timed(fb.scrub_series, texts)
    baseline, t_naive, c_naive = timed(naive_scrub, texts)
    assert scrubbed.tolist() == baseline.tolist(), "fast and naive scrubbing must agree"
    repeated = pd.concat([texts] * 5, ignore_index=True)
    _, t_repeat, c_repeat = timed(fb.scrub_series, repeated)
    lexicon = fb.load_lexicon()
    hits, t_themes, c_themes = timed(fb.assign_themes, texts, lexicon)
    print("                                              wall s   CPU s")
    print(f"scrub_series, {args.n:,} distinct answers:     {t_scrub:6.2f}  {c_scrub:6.2f}"
          f"  ({args.n / c_scrub:,.0f} answers per CPU second)")
    print(f"naive map(all finders), same answers:        {t_naive:6.2f}  {c_naive:6.2f}"
          f"  (ratio {c_naive / c_scrub:.2f}x in CPU time)")
    print(f"scrub_series, {len(repeated):,} answers (5x repeated): {t_repeat:6.2f}  {c_repeat:6.2f}")
    print(f"assign_themes, {args.n:,} answers:             {t_themes:6.2f}  {c_themes:6.2f}"
          f"  ({len(hits):,} theme mentions)")
    removed = int(scrubbed.str.contains(r"\[(?:BSN|TELEFOON|ADRES|NAAM|IBAN)\]").sum())
    print(f"answers with a tag after scrubbing: {removed:,} of {args.n:,} (about a third were given personal data)")
    print(f"load average during the run: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")


if __name__ == "__main__":
    main()

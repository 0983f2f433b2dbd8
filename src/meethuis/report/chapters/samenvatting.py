"""Views, sentences and figures of ``notebooks/00_samenvatting.ipynb``: the summary: goals, headline KPIs, notable changes and the knobs to turn."""
from __future__ import annotations




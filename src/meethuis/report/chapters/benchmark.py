"""Views, sentences and figures of ``notebooks/08_benchmark.ipynb``: comparison with other organisations on shared aggregates."""
from __future__ import annotations



from meethuis.improve.benchmark import (  # noqa: F401
    benchmark_table, case_mix_adjust, case_mix_view, describe_case_mix, describe_funnel, describe_ranking,
    describe_sources, export_aggregates, funnel_table, plot_funnel, plot_ranking, rank_organisations, ranking_view,
)

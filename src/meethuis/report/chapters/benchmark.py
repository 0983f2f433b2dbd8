"""Views, sentences and figures of ``notebooks/08_benchmark.ipynb``: comparison with other organisations on shared aggregates."""
from __future__ import annotations



from meethuis.improve import benchmark as _bm
from meethuis.improve.benchmark import (  # noqa: F401
    case_mix_adjust, case_mix_view, describe_case_mix, describe_funnel, describe_ranking,
    describe_sources, funnel_table, plot_funnel, plot_ranking, rank_organisations, ranking_view,
)
from meethuis.improve.pool import pool_benchmark_table, pool_for_config


def export_aggregates(survey, config, **kwargs) -> dict:
    """The organisation's aggregates for the comparison (KPIs only: the chapter compares no drivers)."""
    return _bm.export_aggregates(survey, config, drivers=False, **kwargs)


def benchmark_table(own, benchmark_dir="", config=None, period="", min_cell=10):
    """The comparison table: from the pool named in the config (``benchmark: {pool: FILE}``), else as
    :func:`meethuis.improve.benchmark.benchmark_table` (a folder of aggregates files, or the samples)."""
    pool = pool_for_config(config) if config is not None and not benchmark_dir else None
    if pool is not None:
        return pool_benchmark_table(own, pool, period)
    return _bm.benchmark_table(own, benchmark_dir, config, period=period, min_cell=min_cell)
from meethuis.improve.international import a11_options, a11_summary, a11_view, describe_a11  # noqa: E402


def a11_section(ch) -> None:
    """The optional A-11-shaped summary (config ``benchmark: {a11: ...}``): heading, sentence and table; nothing
    when the organisation has not switched it on. Offered defaults to the config's ``invited`` for the period."""
    options = a11_options(ch.config)
    if options is None:
        return
    from meethuis.report.chapters.samenvatting import invited_in  # the one reader of config key `invited`

    offered = options.get("offered")
    if offered is None and ch.period and ch.period != "all":
        offered = invited_in(ch.config, ch.period)
    summary = a11_summary(ch.responses, ch.config, weights=ch.weights, min_cell=ch.min_cell,
                          volume=options.get("volume"), offered=offered, lang=ch.lang)
    ch.show_text(ch.text("## In het internationale kader (OMB A-11)", "## In the international frame (OMB A-11)")
                 + "\n\n" + describe_a11(summary, ch.lang))
    if not summary.empty:
        ch.show_table(summary, "benchmark_a11", ch.text("Aandeel eens per A-11-vraag", "Share agreeing per A-11 item"),
                      view=lambda t: a11_view(t, ch.lang),
                      formats={"estimate": "share", "ci_low": "share", "ci_high": "share"})

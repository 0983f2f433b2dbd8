"""Views, sentences and figures of ``notebooks/08_benchmark.ipynb``: comparison with other organisations on shared aggregates."""
from __future__ import annotations



from meethuis.improve.benchmark import (  # noqa: F401
    benchmark_table, case_mix_adjust, case_mix_view, describe_case_mix, describe_funnel, describe_ranking,
    describe_sources, export_aggregates, funnel_table, plot_funnel, plot_ranking, rank_organisations, ranking_view,
)
from meethuis.improve.international import a11_options, a11_summary, a11_view, describe_a11  # noqa: E402


def a11_section(ch) -> None:
    """The optional A-11-shaped summary (config ``benchmark: {a11: ...}``): heading, sentence and table; nothing
    when the organisation has not switched it on."""
    options = a11_options(ch.config)
    if options is None:
        return
    summary = a11_summary(ch.responses, ch.config, weights=ch.weights, min_cell=ch.min_cell,
                          volume=options.get("volume"),
                          offered=options.get("offered"), lang=ch.lang)
    ch.show_text(ch.text("## In het internationale kader (OMB A-11)", "## In the international frame (OMB A-11)")
                 + "\n\n" + describe_a11(summary, ch.lang))
    if not summary.empty:
        ch.show_table(summary, "benchmark_a11", ch.text("Aandeel eens per A-11-vraag", "Share agreeing per A-11 item"),
                      view=lambda t: a11_view(t, ch.lang),
                      formats={"estimate": "share", "ci_low": "share", "ci_high": "share"})

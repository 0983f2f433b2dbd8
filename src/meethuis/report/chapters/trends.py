"""Views, sentences and figures of ``notebooks/07_trends.ipynb``: the KPIs per quarter and the changes that hold up."""
from __future__ import annotations



from meethuis.stats.trends import (  # noqa: F401
    changes_view, describe_slope, describe_trend, goal_target, parse_kpi, plot_trend, trend_changes, trend_slope,
    trend_table,
)

"""Views, sentences and figures of ``notebooks/11_volwassenheid.ipynb``: the maturity scan and the six-step checklist."""
from __future__ import annotations



from meethuis.improve.maturity import (  # noqa: F401
    checklist_markdown, describe_maturity, improvement_checklist, maturity_for_config, maturity_view, plot_radar,
)
from meethuis.report.runner import chapters_available  # noqa: F401

"""Views, sentences and figures of ``notebooks/09_procesdata.ipynb``: process data linked to the survey: throughput time, contacts, referrals."""
from __future__ import annotations



from meethuis.improve.process import (  # noqa: F401
    binned_effect, describe_matrix, describe_referral, describe_regression, link_chapter, perception_process_matrix,
    plot_binned, process_regression, referral_effect, regression_view, smallest_shown,
)

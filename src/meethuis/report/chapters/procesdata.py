"""Views, sentences and figures of ``notebooks/09_procesdata.ipynb``: process data linked to the survey: throughput time, contacts, referrals."""
from __future__ import annotations



from meethuis.improve.process import (  # noqa: F401
    binned_effect, describe_matrix, describe_referral, describe_regression, link_chapter, perception_process_matrix,
    plot_binned, process_regression, referral_effect, regression_view, smallest_shown,
)


def measures_present(matched) -> list[str]:
    """The throughput time and number of contacts, as far as the organisation's process data hold them."""
    return [m for m in ("doorlooptijd_dagen", "aantal_contacten") if m in matched.columns and matched[m].notna().any()]


def regression_measures(matched) -> list[str]:
    """The regression's measures that the process data hold (``log_doorlooptijd`` from the throughput time)."""
    out = []
    for m, src in (("log_doorlooptijd", "doorlooptijd_dagen"), ("aantal_contacten", "aantal_contacten"),
                   ("doorverwezen", "doorverwezen")):
        if src in matched.columns and matched[src].notna().any():
            out.append(m)
    return out

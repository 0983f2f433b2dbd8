"""Meethuis: one measurement model for the customer experience of Dutch government services.

The library behind the handbook and the per-organisation reports: codebook, intake and validation,
weighting, KPIs, measurement quality, driver analysis, priority matrix, trends, benchmark, process
linkage, feedback loop and the report runner.
"""
from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("meethuis")
except PackageNotFoundError:  # running from a source tree without installation
    __version__ = "0.0.0+unknown"

__all__ = ["__version__"]

"""Stage 2, statistics: weighting, KPIs, disclosure control, measurement quality, trends, drivers, priorities."""

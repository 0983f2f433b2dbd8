"""Stage 4, the report: the runner, HTML assembly, the measurement-house figure and one view module per chapter."""

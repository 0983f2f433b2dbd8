"""Stage 5, the command line: ``meethuis validate|report|codebook|sample|...``."""

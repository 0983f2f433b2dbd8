"""Stage 1, intake: codebook, organisation config, reading files, validation into a typed survey."""

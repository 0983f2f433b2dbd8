"""Stage 3, from measuring to improving: process linkage, benchmark, feedback loop, maturity."""

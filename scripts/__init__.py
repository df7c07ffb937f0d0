"""Entry points: the skate-ledger command, the demo data builders, benchmarks."""

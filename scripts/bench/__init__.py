"""The benchmarks: the season (python -m scripts.bench), the board, before and after, and the
board's screenshots."""

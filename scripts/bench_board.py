"""The old path docs/benchmarks.md cites: python -m scripts.bench_board runs scripts/bench/board.py."""

if __name__ == "__main__":
    from scripts.bench.board import main

    raise SystemExit(main())

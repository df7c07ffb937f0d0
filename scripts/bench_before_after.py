"""The old path docs/benchmarks.md cites: python -m scripts.bench_before_after runs
scripts/bench/before_after.py."""

if __name__ == "__main__":
    from scripts.bench.before_after import main

    main()

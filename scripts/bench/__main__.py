"""python -m scripts.bench: the season benchmark (scripts/bench/season.py)."""

from scripts.bench.season import main

raise SystemExit(main())

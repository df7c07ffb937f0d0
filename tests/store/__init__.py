"""Store tests: recorders, the library's conformance suites, crash, concurrency, tamper, checkpoints."""

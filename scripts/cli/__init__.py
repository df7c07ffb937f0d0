"""The ``skate-ledger`` command: the group in main.py, one module per group of subcommands."""

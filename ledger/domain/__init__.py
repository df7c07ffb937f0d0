"""The domain: values, the race, competition, skater and record aggregates, and the rules that decide.

Pure: nothing here imports the store, the application or the composition root
(pyproject.toml's import-linter contracts check it).
"""

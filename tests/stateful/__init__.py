"""Stateful tests (Hypothesis rule-based state machines) of the ledger."""

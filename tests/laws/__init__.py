"""The Hypothesis property laws of the ledger and its questions, on generated race days."""

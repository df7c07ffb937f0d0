"""The read side of skate-ledger: pure folds over the log. Nothing here writes to the ledger."""

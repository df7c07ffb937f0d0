"""The store: our chained application recorders, the hash chain, signing and verifying, roles, the
checks of a store we open, and the transcoder (wired by :mod:`ledger.bootstrap`)."""

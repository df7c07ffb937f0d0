"""The write side of skate-ledger: values, rules, aggregates and the event store."""

"""Adapter tests: the command, the web board, file formats through the command, README examples."""

"""Unit tests: pure rules and values (ranking, timing, draw order, marks, qualification …); fast."""

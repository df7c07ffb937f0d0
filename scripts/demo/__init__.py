"""The demo data: the OKT 2017 builder and the season generator."""

"""Reusable UI pieces: `make_*()` factories that return Dash components. No database access here."""

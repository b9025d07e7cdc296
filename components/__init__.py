"""Reusable UI pieces: pure `make_*()` factories and figure builders that take plain values and return Dash
components. No database access, no login, no callbacks; nothing here imports `dashapp.ui`, `dashapp.auth` or
`pages` (docs/ui.md)."""

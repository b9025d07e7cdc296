"""Alembic migrations. `dashapp.migrate` runs them; `alembic.ini` at the top level serves the alembic CLI."""

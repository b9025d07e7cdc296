"""Accounts and contacts kept by other programs through the API: checks, changes, soft delete and purge."""

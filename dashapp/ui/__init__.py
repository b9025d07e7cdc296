"""Callbacks shared by every page (filter bar, URL state, saved views), registered once by the shell."""

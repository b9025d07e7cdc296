"""Helpers shared by the test suite: database set-up, factories, a live server, a browser."""

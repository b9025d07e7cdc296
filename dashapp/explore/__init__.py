"""Explore pages declared once (see `registry`): what saved views, exports, share links, the Views page and
the page header's menus know about a page all comes from its one declaration."""

"""Dash pages: one per file, each with `register_page(...)` and `layout(**query)`."""

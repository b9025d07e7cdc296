"""Small read-only query functions used by pages, the API and exports."""

"""UI code that needs the request or the database: the callbacks every page shares (filter bar, URL state,
saved views, export; registered once by the shell), the page header and the filtered-page scaffold. It may
import `components/`; components never import it (docs/ui.md)."""

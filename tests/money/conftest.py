"""The money tests call page code as a user, like the explore tests (same fixtures)."""

from tests.explore.conftest import as_user, page

__all__ = ["as_user", "page"]

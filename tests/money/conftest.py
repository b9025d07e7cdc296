"""Money test fixtures: page code called as a user (the explore tests' fixtures), and a committed database
for the commands run in child processes."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from models.db import Database
from tests.explore.conftest import as_user, page
from tests.support.database import truncate_all

__all__ = ["as_user", "committed", "page"]


@pytest.fixture
def committed(db: Database) -> Iterator[Database]:
    """For the CLI tests, whose child processes see only committed rows: emptied before and after."""
    truncate_all(db.engine)
    yield db
    truncate_all(db.engine)

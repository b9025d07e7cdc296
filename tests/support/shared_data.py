"""Where the real data sets are: `$HEALTHDASH_SHARED_DATA`, else `shared/data` beside the checkout (or
beside a folder holding it, for a worktree). They are read in place, never copied into the project."""

from __future__ import annotations

import os
from pathlib import Path


def shared_data() -> Path:
    explicit = os.environ.get("HEALTHDASH_SHARED_DATA")
    if explicit:
        return Path(explicit)
    for parent in Path(__file__).resolve().parents[2].parents:
        if (parent / "shared" / "data").is_dir():
            return parent / "shared" / "data"
    return Path("../shared/data")


PEYTON_MANNING = "example_wp_log_peyton_manning.csv"

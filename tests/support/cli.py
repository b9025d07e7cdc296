"""Run the `healthdash` command in a child process, the way a user does."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path


def healthdash(
    env: dict[str, str], *args: str, stdin: str | None = None, cwd: Path | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "dashapp.cli.entry", *args],
        env=env,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=600,
        cwd=cwd,
    )


def one_line_error(result: subprocess.CompletedProcess[str]) -> str:
    """The error a user sees: exactly one line, no traceback; returns it."""
    assert result.returncode != 0, result.stdout
    assert "Traceback" not in result.stderr, result.stderr
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    return lines[0]

"""Find `pg_dump` and `pg_restore` that can talk to the running server.

pg_dump refuses a server newer than itself, so the tool's major version must be at least the server's.
Candidates, best first: the Debian/Ubuntu cluster binaries for the server's major version
(/usr/lib/postgresql/N/bin), the binaries bundled with the embedded server (pgserver), then PATH.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from functools import cache
from pathlib import Path


class ToolError(RuntimeError):
    """No suitable PostgreSQL client tool is installed."""


def _bundled_bin() -> Path | None:
    try:
        import pgserver
    except ImportError:
        return None
    folder = Path(pgserver.__file__).parent / "pginstall" / "bin"
    return folder if folder.is_dir() else None


@cache
def tool_version(path: str) -> int | None:
    """The major version a PostgreSQL tool reports (`pg_dump (PostgreSQL) 15.20` -> 15)."""
    try:
        out = subprocess.run(
            [path, "--version"], capture_output=True, text=True, timeout=30, check=True
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    match = re.search(r"\)\s*(\d+)", out)
    return int(match.group(1)) if match else None


def _candidates(name: str, server_major: int) -> list[Path]:
    found: list[Path] = [Path(f"/usr/lib/postgresql/{server_major}/bin/{name}")]
    bundled = _bundled_bin()
    if bundled is not None:
        found.append(bundled / name)
    on_path = shutil.which(name)
    if on_path:
        found.append(Path(on_path))
    found += sorted(Path("/usr/lib/postgresql").glob(f"*/bin/{name}"), reverse=True)
    return [p for p in dict.fromkeys(found) if p.is_file()]


def find_tool(name: str, server_major: int) -> Path:
    """The best `name` (pg_dump, pg_restore) for a server of major version `server_major`."""
    usable = [
        (p, v) for p in _candidates(name, server_major) if (v := tool_version(str(p))) and v >= server_major
    ]
    if not usable:
        raise ToolError(
            f"no {name} for PostgreSQL {server_major} or newer is installed; install the PostgreSQL "
            f"{server_major} client (Debian: apt-get install postgresql-client-{server_major})"
        )
    exact = [p for p, v in usable if v == server_major]
    return exact[0] if exact else min(usable, key=lambda item: item[1])[0]

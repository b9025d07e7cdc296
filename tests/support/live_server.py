"""The real app under gunicorn (`healthdash serve`) in a child process, for browser tests and benchmarks."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path


def free_port() -> int:
    """A TCP port nobody listens on right now (the OS picks it)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def healthz(url: str, timeout: float = 2.0) -> dict | None:
    """The /healthz body when the server answers 200, else None."""
    try:
        with urllib.request.urlopen(f"{url}/healthz", timeout=timeout) as response:
            return json.loads(response.read()) if response.status == 200 else None
    except (urllib.error.URLError, ConnectionError, TimeoutError, json.JSONDecodeError):
        return None


def per_worker(path: Path) -> Path:
    """`path` with the pytest-xdist worker's name in it, so parallel workers never share a log file."""
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    return path.with_name(f"{path.stem}-{worker}{path.suffix}") if worker else path


class LiveServer:
    """`healthdash serve --port <free>` with the given environment; `url` once it answers /healthz."""

    def __init__(
        self,
        env: dict[str, str],
        *,
        log_path: Path,
        workers: int = 1,
        cwd: Path | None = None,
        startup_timeout: float = 300.0,  # generous: a busy machine may take minutes to import and fork
    ) -> None:
        self.log_path = per_worker(log_path)
        self.workers = workers
        self.cwd = cwd
        self.startup_timeout = startup_timeout
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        # Links the app writes (share links, emails) point at this server, as a deployment's base URL would.
        self.env = {"HEALTHDASH_BASE_URL": self.url, **env}
        self.process: subprocess.Popen | None = None

    def start(self) -> LiveServer:
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        log = self.log_path.open("wb")
        command = [sys.executable, "-m", "dashapp.cli.entry", "serve", "--host", "127.0.0.1"]
        command += ["--port", str(self.port), "--workers", str(self.workers)]
        self.process = subprocess.Popen(
            command,
            env=self.env,
            cwd=self.cwd,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        log.close()
        deadline = time.monotonic() + self.startup_timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"the server exited with {self.process.returncode}:\n{self.log_tail()}")
            if healthz(self.url) is not None:
                return self
            time.sleep(0.2)
        self.stop()
        raise RuntimeError(
            f"the server did not answer /healthz in {self.startup_timeout:.0f} s:\n{self.log_tail()}"
        )

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.terminate()  # gunicorn: graceful shutdown of its workers
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()

    def log_tail(self, lines: int = 40) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except FileNotFoundError:
            return "(no log)"

    def __enter__(self) -> LiveServer:
        return self.start()

    def __exit__(self, *_exc: object) -> None:
        self.stop()


def child_env(base: dict[str, str] | None = None, **changes: str | None) -> dict[str, str]:
    """A copy of `base` (default: this process's environment) with `changes`; None removes a variable."""
    env = dict(os.environ if base is None else base)
    for key, value in changes.items():
        if value is None:
            env.pop(key, None)
        else:
            env[key] = value
    return env

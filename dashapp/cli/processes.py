"""Child processes for `healthdash demo run`: start them, wait until the web app answers, stop them cleanly."""

from __future__ import annotations

import contextlib
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Sequence

STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)


def port_in_use(host: str, port: int) -> bool:
    """True when something already listens on host:port (so a server started there would fail)."""
    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError:
            return True
    return False


def local_address(host: str) -> str:
    """Where this machine reaches a server bound to `host` (0.0.0.0 means every interface)."""
    return "127.0.0.1" if host in ("0.0.0.0", "", "::") else host


def start(args: Sequence[str], env: dict[str, str]) -> subprocess.Popen:
    """`healthdash ARGS` with the same interpreter, in its own session: Ctrl-C reaches the parent only,
    which then stops each child in order (so the terminal shows one clean shutdown, not three)."""
    return subprocess.Popen(
        [sys.executable, "-m", "dashapp.cli.entry", *args],
        env=env,
        stdin=subprocess.DEVNULL,
        start_new_session=True,
    )


def wait_until_serving(url: str, procs: Sequence[subprocess.Popen], timeout: float = 120.0) -> bool:
    """Poll `url` until it answers 200; False if a child exits or time runs out first."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if any(p.poll() is not None for p in procs):
            return False
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return True
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.25)
    return False


def supervise(procs: Sequence[subprocess.Popen]) -> bool:
    """Run until Ctrl-C, SIGTERM or SIGHUP (True), or until a child exits on its own (False).

    Either way every child still running gets SIGTERM (gunicorn and RQ both shut down gracefully on it)
    and, after 30 s, SIGKILL.
    """
    stop_requested = False

    def on_signal(*_args: object) -> None:
        nonlocal stop_requested
        stop_requested = True

    previous = {sig: signal.signal(sig, on_signal) for sig in STOP_SIGNALS}
    try:
        while not stop_requested and all(p.poll() is None for p in procs):
            time.sleep(0.2)
    finally:
        stop(procs)
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    return stop_requested


def stop(procs: Sequence[subprocess.Popen], timeout: float = 30.0) -> None:
    for p in procs:
        if p.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                p.send_signal(signal.SIGTERM)
    deadline = time.monotonic() + timeout
    for p in procs:
        try:
            p.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()

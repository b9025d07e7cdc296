"""Sentry is used only when SENTRY_DSN is set; then errors reach the configured server (a local one here)."""

from __future__ import annotations

import gzip
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import brotli

SCRIPT = """
import sentry_sdk
from dashapp.settings import Settings
from dashapp.ops.errors import init_error_reporting
started = init_error_reporting(Settings.from_env(), component="worker")
print("started" if started else "off", sentry_sdk.get_client().is_active())
try:
    1 / 0
except ZeroDivisionError:
    sentry_sdk.capture_exception()
sentry_sdk.flush(timeout=10)
"""


class _Envelopes(BaseHTTPRequestHandler):
    received: list[tuple[str, bytes]] = []

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        encoding = self.headers.get("Content-Encoding")
        if encoding == "gzip":
            body = gzip.decompress(body)
        elif encoding == "br":  # the SDK prefers brotli when the module is installed (it is, for responses)
            body = brotli.decompress(body)
        self.received.append((self.path, body))
        self.send_response(200)
        self.end_headers()
        self.wfile.write(b"{}")

    def log_message(self, *_args: object) -> None:
        pass


def _run(env: dict[str, str]) -> str:
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT], env=env, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def test_without_a_dsn_nothing_is_initialised(test_env) -> None:
    assert _run({**test_env, "SENTRY_DSN": ""}) == "off False"


def test_with_a_dsn_errors_are_sent_to_that_server(test_env) -> None:
    _Envelopes.received = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Envelopes)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        dsn = f"http://publickey@127.0.0.1:{server.server_address[1]}/42"
        assert _run({**test_env, "SENTRY_DSN": dsn}) == "started True"
    finally:
        server.shutdown()
        server.server_close()
    paths = [path for path, _ in _Envelopes.received]
    assert paths and all(path.startswith("/api/42/envelope/") for path in paths)
    body = b"".join(body for _, body in _Envelopes.received)
    assert b"ZeroDivisionError" in body and b'"component":"worker"' in body.replace(b" ", b"")

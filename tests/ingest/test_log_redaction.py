"""Credentials never appear in a log line: the access log (write key as HTTP Basic user name, token query
parameters) and the app's own logging."""

from __future__ import annotations

import base64
import logging
import time
import urllib.error
import urllib.request

from dashapp import PROJECT_ROOT
from dashapp.logredact import RedactFilter, redact
from tests.support.live_server import per_worker

KEY = "hdwk_" + "S3cretWriteKeyValue0123456789abcdefABCDEF"


def _get(url: str, headers: dict[str, str] | None = None, data: bytes | None = None) -> int:
    req = urllib.request.Request(url, data=data, headers=headers or {})
    try:
        with urllib.request.urlopen(req, timeout=30) as response:
            return response.status
    except urllib.error.HTTPError as exc:
        return exc.code


def test_the_access_log_holds_no_write_key_and_no_token(live_url) -> None:
    basic = "Basic " + base64.b64encode(f"{KEY}:".encode()).decode()
    status = _get(f"{live_url}/v1/track", {"Authorization": basic, "Content-Type": "application/json"}, b"{}")
    assert status == 401
    assert _get(f"{live_url}/api/v1/accounts?limit=1&token=tok-Secret-Query-Value&api_key=abc123def") == 401
    marker = "/healthz?after=redaction-test"
    assert _get(live_url + marker) == 200  # the last line: the lines before it are written by then
    path = per_worker(PROJECT_ROOT / "test-artifacts" / "ingest-live-server.log")
    log = path.read_text(errors="replace")
    for _ in range(
        300
    ):  # gunicorn writes the access line after answering: wait for it, a busy machine is slow
        if marker in log:
            break
        time.sleep(0.1)
        log = path.read_text(errors="replace")
    assert marker in log
    assert "S3cretWriteKeyValue" not in log and "tok-Secret-Query-Value" not in log and "abc123def" not in log
    assert '"POST /v1/track HTTP/1.1" 401' in log and "token=[redacted]" in log


def test_the_logging_filter_redacts_credentials_in_messages_and_arguments() -> None:
    record = logging.LogRecord(
        "x",
        logging.INFO,
        __file__,
        1,
        "header %s, url %s, key %s",
        (f"Basic {KEY}", "/a?token=abc&b=1", KEY),
        None,
    )
    RedactFilter().filter(record)
    message = record.getMessage()
    assert "S3cret" not in message and "abc" not in message
    assert message == "header Basic [redacted], url /a?token=[redacted]&b=1, key hdwk_[redacted]"
    assert redact("Authorization: Bearer hd_abcdefgh12345678") == "Authorization: Bearer [redacted]"

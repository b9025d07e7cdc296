"""The guarded outbound client: refused addresses never get a connection; redirects are re-checked."""

from __future__ import annotations

import pytest

from dashapp.notify.http import OutboundPolicy, OutboundRefused, redact, send
from tests.notify.servers import Answer, Recorder, recording_server

STRICT = OutboundPolicy(timeout=2)
LOOPBACK = OutboundPolicy(allow_loopback=True, timeout=2)


@pytest.mark.parametrize(
    ("url", "why"),
    [
        ("http://10.1.2.3/hook", "private"),
        ("http://192.168.0.10/hook", "private"),
        ("http://169.254.169.254/latest/meta-data", "link-local"),
        ("http://127.0.0.1:9/hook", "loopback"),
        ("http://localhost:9/hook", "loopback"),
        ("http://[::1]:9/hook", "loopback"),
        ("http://[::ffff:10.0.0.1]/hook", "private"),
        ("http://0.0.0.0:9/", "reserved"),
    ],
)
def test_refused_addresses(url: str, why: str) -> None:
    with pytest.raises(OutboundRefused, match=why):
        send("POST", url, policy=STRICT, body=b"{}")


def test_link_local_stays_refused_even_when_private_is_allowed() -> None:
    policy = OutboundPolicy(allow_loopback=True, allow_private=True, timeout=2)
    with pytest.raises(OutboundRefused, match="link-local"):
        send("GET", "http://169.254.169.254/", policy=policy)


def test_loopback_when_allowed_and_only_http_urls() -> None:
    with recording_server() as server:
        result = send("POST", server.url + "/in?x=1", policy=LOOPBACK, body=b"hello")
        assert result.status == 200 and result.body == b"ok"
        assert server.requests[0].path == "/in?x=1" and server.requests[0].body == b"hello"
        with pytest.raises(OutboundRefused, match="loopback"):
            send("POST", server.url, policy=STRICT, body=b"x")
    assert len(server.requests) == 1
    for bad in ("ftp://example.com/x", "file:///etc/passwd", "http:///nohost", "not a url"):
        with pytest.raises(OutboundRefused):
            send("GET", bad, policy=LOOPBACK)


def test_redirects_are_not_followed_by_default_and_rechecked_when_followed() -> None:
    target = "http://10.20.30.40/internal"
    recorder = Recorder(answer=lambda r: Answer(302, b"", {"Location": target}))
    with recording_server(recorder) as server:
        result = send("POST", server.url + "/hook", policy=LOOPBACK, body=b"{}")
        assert result.status == 302  # returned as is: a failed delivery for the caller
        with pytest.raises(OutboundRefused, match="private"):
            send("POST", server.url + "/hook", policy=LOOPBACK, body=b"{}", max_redirects=3)
    assert len(server.requests) == 2


def test_redirect_within_allowed_space_is_followed() -> None:
    recorder = Recorder(
        answer=lambda r: Answer(307, b"", {"Location": "/final"}) if r.path == "/start" else Answer()
    )
    with recording_server(recorder) as server:
        result = send("POST", server.url + "/start", policy=LOOPBACK, body=b"{}", max_redirects=2)
    assert result.status == 200 and [r.path for r in server.requests] == ["/start", "/final"]


def test_redact_keeps_no_secret() -> None:
    url = "https://user:pw@hooks.slack.com/services/T000/B000/SECRET?token=abc"
    assert redact(url) == "https://hooks.slack.com"


def test_policy_from_settings(settings) -> None:
    policy = OutboundPolicy.from_settings(settings.with_overrides(outbound_allow_loopback=True))
    assert policy.allow_loopback and not policy.allow_private


def test_a_receiver_that_never_answers_times_out() -> None:
    import socket
    import threading

    import urllib3

    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)
    accepted: list[socket.socket] = []
    thread = threading.Thread(target=lambda: accepted.append(listener.accept()[0]), daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{listener.getsockname()[1]}/slow"
    try:
        with pytest.raises(urllib3.exceptions.ReadTimeoutError):
            send("POST", url, policy=OutboundPolicy(allow_loopback=True, timeout=0.5), body=b"{}")
    finally:
        for conn in accepted:
            conn.close()
        listener.close()


def test_logs_name_the_host_only(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level("INFO", logger="dashapp.notify.http")
    with recording_server() as server:
        secret_url = (
            server.url.replace("http://", "http://user:hunter2@") + "/services/T0/B0/XSECRET?token=abc"
        )
        send("POST", secret_url, policy=LOOPBACK, body=b"{}")
    assert server.requests[0].headers["Authorization"].startswith("Basic ")
    logged = caplog.text
    assert (
        "127.0.0.1" in logged
        and "XSECRET" not in logged
        and "hunter2" not in logged
        and "token" not in logged
    )


def test_credentials_do_not_follow_a_redirect_to_another_host() -> None:
    with recording_server() as final:
        # 127.0.0.1 and localhost are different hosts to the client (both loopback, both allowed here).
        target = final.url.replace("127.0.0.1", "localhost") + "/landing"
        recorder = Recorder(answer=lambda r: Answer(307, b"", {"Location": target}))
        with recording_server(recorder) as first:
            send(
                "POST",
                first.url + "/start",
                policy=LOOPBACK,
                body=b"{}",
                headers={"Authorization": "Bearer t"},
                max_redirects=1,
            )
    assert first.requests[0].headers["Authorization"] == "Bearer t"
    assert final.requests[0].path == "/landing" and "Authorization" not in final.requests[0].headers


def test_outbound_and_twilio_settings() -> None:
    from dashapp.settings import Settings, SettingsError

    production = Settings.from_env({"HEALTHDASH_ENV": "production", "SECRET_KEY": "x" * 32})
    assert not production.outbound_allow_loopback and not production.outbound_allow_private
    assert production.twilio_api_base == "https://api.twilio.com"
    development = Settings.from_env({"HEALTHDASH_ENV": "development", "SECRET_KEY": "x" * 32})
    assert development.outbound_allow_loopback
    custom = Settings.from_env(
        {
            "SECRET_KEY": "x" * 32,
            "TWILIO_API_BASE": "http://127.0.0.1:9999/",
            "HEALTHDASH_OUTBOUND_ALLOW_LOOPBACK": "0",
        }
    )
    assert custom.twilio_api_base == "http://127.0.0.1:9999" and not custom.outbound_allow_loopback
    with pytest.raises(SettingsError, match="TWILIO_API_BASE"):
        Settings.from_env({"SECRET_KEY": "x" * 32, "TWILIO_API_BASE": "ftp://twilio"})

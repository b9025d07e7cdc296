"""/metrics under gunicorn with several workers: prometheus-client's multiprocess mode adds up every process."""

from __future__ import annotations

import urllib.request
from pathlib import Path

from prometheus_client.parser import text_string_to_metric_families

from tests.ops.conftest import sample_value
from tests.support.live_server import LiveServer, child_env


def _get(url: str) -> tuple[int, str]:
    with urllib.request.urlopen(url, timeout=30) as response:
        return response.status, response.read().decode()


def test_metrics_add_up_requests_served_by_every_gunicorn_worker(test_env, tmp_path: Path) -> None:
    folder = tmp_path / "prometheus"
    folder.mkdir()
    (folder / "counter_999999.db").write_bytes(b"left by an earlier run")
    env = child_env(test_env, PROMETHEUS_MULTIPROC_DIR=str(folder))
    with LiveServer(env, log_path=tmp_path / "server.log", workers=2) as server:
        assert not (folder / "counter_999999.db").exists()  # emptied when the server started
        for _ in range(12):
            assert _get(f"{server.url}/login")[0] == 200
        status, body = _get(f"{server.url}/metrics")
    assert status == 200
    families = {f.name: f.samples for f in text_string_to_metric_families(body)}
    samples = families["healthdash_http_request_duration_seconds"]
    count = sample_value(
        samples, "healthdash_http_request_duration_seconds_count", route="/login", method="GET", status="200"
    )
    assert count == 12
    assert len({p.name.rsplit("_", 1)[-1] for p in folder.glob("histogram_*.db")}) >= 1
    assert "healthdash_queue_depth" in families

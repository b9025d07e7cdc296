"""The compose stack, read as YAML (no Docker engine here): web and worker share the export folder."""

from __future__ import annotations

from pathlib import PurePosixPath
from typing import Any

import yaml

from dashapp import PROJECT_ROOT
from dashapp.settings import Settings

COMPOSE: dict[str, Any] = yaml.safe_load((PROJECT_ROOT / "docker-compose.yml").read_text())
SERVICES: dict[str, Any] = COMPOSE["services"]


def _mounts(service: str) -> dict[str, str]:
    """{container path: named volume} of a service's named-volume mounts."""
    mounts = {}
    for entry in SERVICES[service].get("volumes", []):
        source, target = entry.split(":")[:2]
        mounts[target] = source
    return mounts


def _export_dir(service: str) -> PurePosixPath:
    """Where a service keeps exports, worked out as the app does (EXPORT_DIR, else HEALTHDASH_DATA_DIR/exports)."""
    env = SERVICES[service]["environment"]
    if env.get("EXPORT_DIR"):
        return PurePosixPath(env["EXPORT_DIR"])
    data_dir = env.get("HEALTHDASH_DATA_DIR") or _image_env("HEALTHDASH_DATA_DIR")
    return PurePosixPath(data_dir) / "exports"


def _image_env(name: str) -> str:
    dockerfile = (PROJECT_ROOT / "Dockerfile").read_text()
    for token in dockerfile.replace("\\\n", " ").split():
        if token.startswith(f"{name}="):
            return token.split("=", 1)[1]
    raise AssertionError(f"{name} is set neither in compose nor in the Dockerfile")


def _volume_holding(service: str, path: PurePosixPath) -> str | None:
    for target, source in _mounts(service).items():
        if path == PurePosixPath(target) or PurePosixPath(target) in path.parents:
            return source
    return None


def test_web_worker_and_scheduler_keep_exports_on_one_named_volume() -> None:
    volumes = {
        service: _volume_holding(service, _export_dir(service)) for service in ("web", "worker", "scheduler")
    }
    assert len(set(volumes.values())) == 1, volumes
    shared = volumes["web"]
    assert shared is not None and shared in COMPOSE["volumes"], "a named volume, declared at the top level"
    assert _export_dir("web") == _export_dir("worker")


def test_every_service_names_declared_volumes_only() -> None:
    for name in SERVICES:
        for source in _mounts(name).values():
            assert source in COMPOSE["volumes"], f"{name} mounts undeclared volume {source}"


def test_compose_settings_for_operations_are_real_settings() -> None:
    web = SERVICES["web"]["environment"]
    env = {k: str(v) for k, v in web.items() if not str(v).startswith("${")}
    env.update(SECRET_KEY="x" * 32, METRICS_TOKEN="t" * 32)
    settings = Settings.from_env(env)
    assert settings.prometheus_multiproc_dir is not None
    assert web["METRICS_TOKEN"].startswith("${METRICS_TOKEN")
    assert SERVICES["web"]["healthcheck"]["test"][-1].count("/healthz") == 1

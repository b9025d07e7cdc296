"""The Docker image and the compose file, checked by reading them (no Docker engine is needed)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from dashapp import PROJECT_ROOT

DOCKERFILE = (PROJECT_ROOT / "Dockerfile").read_text()
ENTRYPOINT = (PROJECT_ROOT / "docker" / "entrypoint.sh").read_text()
COMPOSE: dict[str, Any] = yaml.safe_load((PROJECT_ROOT / "docker-compose.yml").read_text())
SERVICES: dict[str, Any] = COMPOSE["services"]


def _stages(dockerfile: str) -> list[list[str]]:
    """Instructions per build stage, continuation lines joined."""
    joined = re.sub(r"\\\n\s*", " ", dockerfile)
    stages: list[list[str]] = []
    for line in joined.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        if line.upper().startswith("FROM "):
            stages.append([])
        if stages:
            stages[-1].append(line)
    return stages


def _instructions(stage: list[str], keyword: str) -> list[str]:
    return [line.split(None, 1)[1] for line in stage if line.split(None, 1)[0].upper() == keyword]


def test_dockerfile_builds_in_one_stage_and_runs_from_a_slim_one() -> None:
    stages = _stages(DOCKERFILE)
    assert len(stages) >= 2
    assert " AS builder" in stages[0][0]
    runtime = stages[-1]
    assert "slim" in runtime[0]
    assert any("--from=builder" in c for c in _instructions(runtime, "COPY"))
    assert not any("build-essential" in r for r in _instructions(runtime, "RUN")), "no compilers at run time"


def test_runtime_runs_as_a_non_root_user_in_production_mode() -> None:
    runtime = _stages(DOCKERFILE)[-1]
    users = _instructions(runtime, "USER")
    assert users, "the runtime stage sets a USER"
    assert users[-1] not in ("root", "0"), users
    env = " ".join(_instructions(runtime, "ENV"))
    assert "HEALTHDASH_ENV=production" in env
    # nothing after the last USER switches back to root
    last_user = max(i for i, line in enumerate(runtime) if line.upper().startswith("USER "))
    assert all(not line.upper().startswith("USER ") for line in runtime[last_user + 1 :])


def test_entrypoint_migrates_before_it_execs_gunicorn() -> None:
    runtime = _stages(DOCKERFILE)[-1]
    assert "healthdash-entrypoint" in _instructions(runtime, "ENTRYPOINT")[-1]
    assert "set -eu" in ENTRYPOINT, "a failed migration must stop the container"
    lines = [line.strip() for line in ENTRYPOINT.splitlines()]
    upgrade = lines.index("healthdash db upgrade")
    serve = next(i for i, line in enumerate(lines) if line.startswith("exec healthdash serve --host 0.0.0.0"))
    assert upgrade < serve
    assert (PROJECT_ROOT / "docker" / "entrypoint.sh").stat().st_mode & 0o111, "entrypoint is executable"


def test_dockerignore_keeps_local_state_out_of_the_image() -> None:
    ignored = (PROJECT_ROOT / ".dockerignore").read_text().split()
    for entry in (".git", ".venv", ".data", ".env", "test-artifacts"):
        assert entry in ignored


def test_compose_has_the_five_services() -> None:
    assert set(SERVICES) == {"postgres", "redis", "web", "worker", "scheduler"}
    assert SERVICES["worker"]["command"] == ["worker"]
    assert SERVICES["scheduler"]["command"] == ["scheduler"]
    assert SERVICES["web"]["command"] == ["web"]


@pytest.mark.parametrize(
    ("service", "probe"),
    [("postgres", "pg_isready"), ("redis", "redis-cli ping"), ("web", "/healthz")],
)
def test_compose_health_checks(service: str, probe: str) -> None:
    check = SERVICES[service]["healthcheck"]
    assert probe in " ".join(check["test"])
    assert check["retries"] >= 3


@pytest.mark.parametrize("service", ["web", "worker", "scheduler"])
def test_app_services_wait_for_healthy_servers_and_use_them(service: str) -> None:
    spec = SERVICES[service]
    assert spec["depends_on"]["postgres"]["condition"] == "service_healthy"
    assert spec["depends_on"]["redis"]["condition"] == "service_healthy"
    env = spec["environment"]
    assert env["DATABASE_URL"].startswith("postgresql://") and "@postgres:5432/" in env["DATABASE_URL"]
    assert env["REDIS_URL"].startswith("redis://redis:6379/")
    assert env["HEALTHDASH_ENV"] == "production"
    assert env["SECRET_KEY"].startswith("${SECRET_KEY:?"), "compose refuses to start without a secret"
    assert spec["build"] == "."


@pytest.mark.parametrize("service", ["worker", "scheduler"])
def test_background_services_start_after_web_has_migrated(service: str) -> None:
    assert SERVICES[service]["depends_on"]["web"]["condition"] == "service_healthy"


def test_web_publishes_its_port_and_data_is_kept_in_volumes() -> None:
    assert SERVICES["web"]["ports"] == ["${PORT:-8050}:8050"]
    assert set(COMPOSE["volumes"]) == {"postgres-data", "redis-data", "app-data"}
    assert Path(SERVICES["postgres"]["volumes"][0].split(":")[1]) == Path("/var/lib/postgresql/data")

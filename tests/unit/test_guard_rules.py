"""The guard's matching rules: which paths are public, which callback outputs need a permission."""

import pytest
from dash import ALL, MATCH

from dashapp.auth import guard


@pytest.mark.parametrize(
    ("path", "public"),
    [
        ("/login", True),
        ("/healthz", True),
        ("/assets/app.css", True),
        ("/_favicon.ico", True),
        ("/loginx", False),
        ("/login-backdoor/x", False),
        ("/healthzzz", False),
        ("/assets", True),
        ("/assetsx/app.css", False),
        ("/", False),
    ],
)
def test_public_entries_cover_their_path_and_below_only(path: str, public: bool) -> None:
    assert guard._is_public(path) is public


@pytest.fixture
def protected(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(guard, "_PROTECTED_OUTPUTS", {})
    monkeypatch.setattr(guard, "_PROTECTED_PATTERNS", [])
    guard._protect("users-table", "manage_users")
    guard._protect({"type": "override-delete", "index": ALL}, "override_scores")
    guard._protect({"type": "job-cancel", "index": MATCH, "queue": "scores"}, "run_jobs")


@pytest.mark.usefixtures("protected")
def test_plain_and_pattern_matching_outputs_need_their_permission() -> None:
    assert guard._permissions_needed("users-table") == ["manage_users"]
    assert guard._permissions_needed("something-else") == []
    assert guard._permissions_needed({"type": "override-delete", "index": 7}) == ["override_scores"]
    assert guard._permissions_needed({"type": "job-cancel", "index": 1, "queue": "scores"}) == ["run_jobs"]
    # a fixed value that differs, or another set of keys, is another component
    assert guard._permissions_needed({"type": "job-cancel", "index": 1, "queue": "exports"}) == []
    assert guard._permissions_needed({"type": "override-delete"}) == []


def test_output_ids_include_pattern_matching_lists() -> None:
    body = {
        "outputs": [
            {"id": "a", "property": "children"},
            [
                {"id": {"type": "t", "index": 1}, "property": "value"},
                {"id": {"type": "t", "index": 2}, "property": "value"},
            ],
        ]
    }
    ids = guard._output_ids(body)
    assert "a" in ids and {"type": "t", "index": 1} in ids and {"type": "t", "index": 2} in ids
    assert guard._output_ids({"outputs": {"id": "single", "property": "x"}}) == ["single"]
    assert guard._output_ids("not a dict") == []

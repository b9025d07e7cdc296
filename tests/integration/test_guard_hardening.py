"""The guard reads the callback Dash will run (not the client's output list); unknown files and API paths are
404s; a bad value in a shareable URL shows an error on the page instead of a 500 with error text."""

from __future__ import annotations

import pytest
from flask.testing import FlaskClient

from tests.support.dash_calls import callback_body, render_page


def test_a_forged_outputs_list_does_not_slip_a_protected_callback_past_the_guard(
    client: FlaskClient, logged_in
) -> None:
    logged_in("viewer")
    add = callback_body(
        [("new-user-message", "children"), ("users-table-wrap", "children")],
        [("new-user-submit", "n_clicks", 1)],
        [
            ("new-user-email", "value", "intruder@example.com"),
            ("new-user-name", "value", "x"),
            ("new-user-role", "value", "admin"),
            ("new-user-password", "value", "a-long-passphrase-123"),
        ],
        client=client,
    )
    add["outputs"] = [{"id": "theme-store", "property": "data"}, {"id": "url-sync", "property": "children"}]
    response = client.post("/_dash-update-component", json=add)
    assert response.status_code == 403
    assert response.content_type == "application/problem+json"


def test_a_missing_component_suite_file_is_a_404(client: FlaskClient, logged_in) -> None:
    for path in ["/_dash-component-suites/dash/no-such-file.js", "/_dash-component-suites/no_such_pkg/x.js"]:
        response = client.get(path)
        assert response.status_code == 404, path


@pytest.mark.parametrize(
    "path", ["/api/v1/no-such-thing", "/api/nothing", "/v1/nothing", "/api/v1/accounts/x/y/z"]
)
def test_unknown_api_paths_are_json_404s_not_the_app_shell(client: FlaskClient, logged_in, path: str) -> None:
    logged_in("viewer")
    response = client.get(path)
    assert response.status_code == 404
    assert response.content_type in ("application/problem+json", "application/json")
    assert "_dash-config" not in response.get_data(as_text=True)


@pytest.mark.parametrize(
    ("path", "search"),
    [
        ("/revenue-impact", "?as_of=0001-01-01"),
        ("/revenue-impact", "?as_of=9999-12-31"),
        ("/", "?as_of=0001-01-01"),
    ],
)
def test_a_bad_value_in_a_shareable_url_shows_an_error_not_a_500(
    client: FlaskClient, logged_in, path: str, search: str
) -> None:
    logged_in("manager")
    response = render_page(client, path, search)
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    text = response.get_data(as_text=True)
    for leak in ("Traceback", "psycopg", "OverflowError", "DataError", "sqlalchemy", "out of range for"):
        assert leak not in text

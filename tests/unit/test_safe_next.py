"""After login, `next` may only lead to a page of this site."""

import pytest

from dashapp.auth.views import _safe_next


@pytest.mark.parametrize(
    ("target", "expected"),
    [
        ("/accounts?segment=smb", "/accounts?segment=smb"),
        ("/admin/users", "/admin/users"),
        (None, "/"),
        ("", "/"),
        ("https://evil.example/", "/"),
        ("//evil.example", "/"),
        ("/\\evil.example", "/"),
        ("\\\\evil.example", "/"),
        ("/\t/evil.example", "/"),
        ("javascript:alert(1)", "/"),
        ("accounts", "/"),
    ],
)
def test_next_stays_on_the_site(target: str | None, expected: str) -> None:
    assert _safe_next(target) == expected

"""Passwords: at least 12 characters, and none of the commonly breached ones (a list shipped with the app)."""

import pytest

from dashapp.auth.passwords import MIN_PASSWORD_LENGTH, common_passwords, is_common
from dashapp.users import UserError, check_password
from tests.support.factories import PASSWORD


def test_the_minimum_is_twelve_characters() -> None:
    assert MIN_PASSWORD_LENGTH == 12
    with pytest.raises(UserError, match="at least 12"):
        check_password("eleven-char")
    assert check_password("twelve-chars") == "twelve-chars"


def test_the_bundled_list_holds_thousands_of_breached_passwords() -> None:
    common = common_passwords()
    assert len(common) > 5000
    assert {"password", "123456", "qwerty123456", "1q2w3e4r5t6y"} <= common


@pytest.mark.parametrize(
    "password",
    [
        "qwerty123456",
        "QWERTY123456",
        "1q2w3e4r5t6y",
        "password123456",
        "Password!!!!1234",
        "iloveyou2024!!",
        "123456789012",
    ],
)
def test_breached_passwords_and_a_common_word_padded_with_digits_are_refused(password: str) -> None:
    assert len(password) >= MIN_PASSWORD_LENGTH
    assert is_common(password)
    with pytest.raises(UserError, match="commonly used"):
        check_password(password)


@pytest.mark.parametrize("password", [PASSWORD, "a-long-password", "violet staple engine 42"])
def test_uncommon_passwords_pass(password: str) -> None:
    assert not is_common(password)
    assert check_password(password) == password

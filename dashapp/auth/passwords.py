"""Password hashing with Argon2id, and the rules a new password must meet."""

from __future__ import annotations

import gzip
import re
from functools import cache
from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

_hasher = PasswordHasher()

MIN_PASSWORD_LENGTH = 12
# 19,640 passwords most seen in breaches (lowercased; Royce Williams' list, as shipped by Django).
COMMON_PASSWORDS_FILE = Path(__file__).with_name("common-passwords.txt.gz")
_PADDING = re.compile(r"^[\d\W_]+|[\d\W_]+$")


@cache
def common_passwords() -> frozenset[str]:
    with gzip.open(COMMON_PASSWORDS_FILE, "rt", encoding="utf-8") as lines:
        return frozenset(line.strip() for line in lines if line.strip())


def is_common(password: str) -> bool:
    """In the breached list, or a listed word padded with digits and symbols (`Password!!!!1234`).

    An all-digit (or all-symbol) password counts as common whatever its length."""
    lowered = password.strip().lower()
    core = _PADDING.sub("", lowered)
    if not core:
        return True
    common = common_passwords()
    return lowered in common or core in common


@cache
def _dummy_hash() -> str:
    """Verified when the account does not exist, so a login takes as long whether or not the email is known."""
    return _hasher.hash("not-a-real-password")


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    try:
        return _hasher.verify(password_hash or _dummy_hash(), password) and password_hash is not None
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    return _hasher.check_needs_rehash(password_hash)

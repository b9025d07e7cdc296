"""Small builders for rows the tests need. They flush, never commit: the test's transaction is rolled back."""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy.orm import Session

from dashapp.users import create_user
from models.account import Account
from models.user import User

PASSWORD = "correct-horse-battery"
_seq = itertools.count(1)


def make_user(session: Session, role: str = "admin", email: str | None = None, **kw: Any) -> User:
    n = next(_seq)
    manager_id = kw.pop("manager_id", None)
    user = create_user(session, email=email or f"{role}{n}@example.com", password=PASSWORD, role=role, **kw)
    if manager_id is not None:
        user.manager_id = manager_id
        session.flush()
    return user


def make_account(session: Session, **kw: Any) -> Account:
    n = next(_seq)
    values: dict[str, Any] = {
        "external_id": f"acct-{n}",
        "name": f"Account {n}",
        "domain": f"account{n}.example.com",
        "segment": "smb",
        "plan": "growth",
        "industry": "Software",
        "region": "EMEA",
        "lifecycle_stage": "mature",
        "mrr": Decimal("1000.00"),
        "currency": "USD",
        "contract_start": date(2025, 1, 1),
        "renewal_date": date(2026, 12, 31),
    }
    values.update(kw)
    account = Account(**values)
    session.add(account)
    session.flush()
    return account


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)

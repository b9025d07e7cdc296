"""Fixtures for the explore pages: a small book with health history, and calling page code as a user."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from flask import Flask
from flask_login import login_user
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from dashapp.extensions import runtime as app_runtime
from models.billing import Invoice
from models.support import SupportTicket
from models.user import User
from tests.support.factories import make_account, make_user, utc
from tests.support.health_rows import make_history


@dataclass
class Book:
    ids: dict[str, int]
    names: dict[str, str]
    owner: User


@pytest.fixture
def book(session: Session) -> Book:
    """Four accounts: a red enterprise one falling fast, a green smb one, an unscored one, a churned one."""
    owner = make_user(session, role="csm", name="Casey Owner")
    today = date.today()
    acme = make_account(
        session,
        external_id="acme",
        name="Acme Falling",
        segment="enterprise",
        plan="pro",
        mrr=Decimal("5000"),
        owner_id=owner.id,
        renewal_date=today + timedelta(days=20),
        contract_start=date(today.year - 1, 1, 15),
        custom_attributes={"tier": "gold"},
    )
    beta = make_account(
        session,
        external_id="beta",
        name="Beta Thriving",
        segment="smb",
        plan="growth",
        mrr=Decimal("300"),
        renewal_date=today + timedelta(days=200),
        contract_start=date(today.year - 1, 3, 2),
    )
    gamma = make_account(
        session, external_id="gamma", name="Gamma Unscored", segment="mid-market", region="NA"
    )
    delta = make_account(
        session,
        external_id="delta",
        name="Delta Gone",
        segment="smb",
        churned_at=utc(today.year, 1, 2) if today.month > 1 else utc(today.year - 1, 12, 2),
        contract_start=date(today.year - 1, 1, 20),
    )
    make_history(
        session,
        acme,
        [80 - i * 0.5 for i in range(95)],
        explanation_text="Logins fell by half; two urgent tickets.",
    )
    make_history(
        session, beta, [60 + i * 0.3 for i in range(95)], explanation_text="Usage grew across three teams."
    )
    make_history(session, delta, [30.0] * 10)
    session.add(
        SupportTicket(
            external_id="t-1",
            account_id=acme.id,
            subject="Export broken",
            priority="urgent",
            status="open",
            opened_at=datetime.now(UTC) - timedelta(days=3),
        )
    )
    for m in range(1, 4):
        session.add(
            Invoice(
                external_id=f"inv-acme-{m}",
                account_id=acme.id,
                amount=Decimal("5000"),
                status="paid",
                issued_at=utc(today.year - 1, m, 15),
                paid_at=utc(today.year - 1, m, 16),
            )
        )
    session.flush()
    ids = {"acme": acme.id, "beta": beta.id, "gamma": gamma.id, "delta": delta.id}
    names = {"acme": acme.name, "beta": beta.name, "gamma": gamma.name, "delta": delta.name}
    return Book(ids, names, owner)


@pytest.fixture
def as_user(app: Flask, connection: Connection, session: Session) -> Iterator[Callable[..., Any]]:
    """`with as_user("viewer") as user:` runs page code inside a request by a logged-in user of that role."""
    with app.app_context():
        rt = app_runtime()
    rt.db.bind_to(connection)

    @contextmanager
    def _as(role: str = "admin", user: User | None = None) -> Iterator[User]:
        person = user or make_user(session, role=role)
        session.flush()
        with app.test_request_context("/"):
            login_user(person)
            yield person

    try:
        yield _as
    finally:
        rt.db.unbind()


@pytest.fixture
def page(app: Flask) -> Callable[[str], Any]:
    """A page module by file name, as Dash imported it (pages register themselves once the app exists)."""

    def _get(name: str) -> Any:
        for module_name, module in list(sys.modules.items()):
            if module_name.endswith(f"pages.{name}") and hasattr(module, "layout"):
                return module
        raise LookupError(f"page {name} is not loaded")

    return _get

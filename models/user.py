"""People who log in: role, password hash and preferences."""

from __future__ import annotations

import time
from datetime import datetime

from sqlalchemy import BigInteger, Boolean, CheckConstraint, ForeignKey, Index, Integer, String, func, text
from sqlalchemy.orm import Mapped, mapped_column

from models.db import Base, BigId, TimestampMixin

ROLES = ("admin", "manager", "csm", "viewer")
THEMES = ("light", "dark")


class User(TimestampMixin, Base):
    __tablename__ = "users"
    __table_args__ = (
        CheckConstraint(f"role IN ({', '.join(repr(r) for r in ROLES)})", name="role"),
        CheckConstraint(f"theme IN ({', '.join(repr(t) for t in THEMES)})", name="theme"),
        Index("uq_users_email_lower", func.lower(text("email")), unique=True),
    )

    id: Mapped[BigId]
    email: Mapped[str] = mapped_column(String(320))
    name: Mapped[str] = mapped_column(String(200), default="", server_default="")
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(16), index=True)
    is_active: Mapped[bool] = mapped_column(Boolean, default=True, server_default=text("true"))
    theme: Mapped[str] = mapped_column(String(8), default="light", server_default="light")
    last_login_at: Mapped[datetime | None]
    # Moves when every session of this user must end (logout, password or role change, deactivation):
    # session and remember cookies carry the value they were issued under.
    session_generation: Mapped[int] = mapped_column(Integer, default=0, server_default=text("0"))
    # Who this user reports to: "team=me" for a manager means the accounts of their direct reports (and their own).
    manager_id: Mapped[int | None] = mapped_column(
        BigInteger, ForeignKey("users.id", ondelete="SET NULL"), index=True
    )

    # flask-login's protocol, kept here so the model needs no Flask import.
    @property
    def is_authenticated(self) -> bool:
        return True

    @property
    def is_anonymous(self) -> bool:
        return False

    def get_id(self) -> str:
        return str(self.id)

    def login_token(self) -> str:
        """What a new login's cookies carry: id, session generation and issue time (see dashapp.auth.sessions)."""
        return f"{self.id}.{self.session_generation}.{int(time.time())}"

    @property
    def display_name(self) -> str:
        return self.name or self.email

    def __repr__(self) -> str:
        return f"<User {self.id} {self.email} {self.role}>"

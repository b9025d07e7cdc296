"""Personal API tokens: a user's key to the JSON API, acting with that user's role.

Only the SHA-256 of a token is stored (tokens are long random strings, so a fast hash is enough); the
first characters are kept in clear so people can tell their tokens apart.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, CheckConstraint, ForeignKey, String, func
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.db import Base, BigId
from models.user import User

SCOPES = ("read", "write")


class ApiToken(Base):
    __tablename__ = "api_tokens"
    __table_args__ = (CheckConstraint(f"scope IN ({', '.join(repr(s) for s in SCOPES)})", name="scope"),)

    id: Mapped[BigId]
    user_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("users.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    # The first characters of the token, shown in lists ("hd_Ab12Cd34").
    prefix: Mapped[str] = mapped_column(String(16))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    # `write` includes `read`.
    scope: Mapped[str] = mapped_column(String(8), default="read", server_default="read")
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())
    expires_at: Mapped[datetime | None]
    last_used_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]

    user: Mapped[User] = relationship()

    def allows(self, scope: str) -> bool:
        return scope == "read" or self.scope == "write"

    def __repr__(self) -> str:
        return f"<ApiToken {self.id} {self.prefix} {self.scope}>"

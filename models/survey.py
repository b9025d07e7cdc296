"""Survey answers (NPS 0-10, CSAT 1-5) with their comments."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, CheckConstraint, ForeignKey, Index, SmallInteger, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from models.db import Base, BigId, TimestampMixin

SURVEY_KINDS = ("nps", "csat")


class SurveyResponse(TimestampMixin, Base):
    __tablename__ = "survey_responses"
    __table_args__ = (
        CheckConstraint("kind IN ('nps', 'csat')", name="kind"),
        CheckConstraint(
            "(kind = 'nps' AND score BETWEEN 0 AND 10) OR (kind = 'csat' AND score BETWEEN 1 AND 5)",
            name="score_range",
        ),
        Index("ix_survey_responses_account_time", "account_id", "responded_at"),
    )

    id: Mapped[BigId]
    external_id: Mapped[str] = mapped_column(String(255), unique=True)
    account_id: Mapped[int | None] = mapped_column(BigInteger, ForeignKey("accounts.id", ondelete="CASCADE"))
    contact_id: Mapped[int | None] = mapped_column(
        BigInteger, ForeignKey("contacts.id", ondelete="SET NULL"), index=True
    )
    kind: Mapped[str] = mapped_column(String(8))
    score: Mapped[int] = mapped_column(SmallInteger)
    comment: Mapped[str | None] = mapped_column(Text)
    responded_at: Mapped[datetime]

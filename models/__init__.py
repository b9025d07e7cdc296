"""SQLAlchemy models, split by domain. Importing this package registers every table on `Base.metadata`."""

from models.account import Account, Contact
from models.activity import AccountDailyMetric, UsageEvent
from models.api_token import ApiToken
from models.audit import AuditLog
from models.billing import Invoice, Payment
from models.db import Base, Database
from models.health import AccountHealth, HealthSnapshot
from models.health_counts import HealthBandCount
from models.ingest import DataImport, ImportRowError, RollupPending, Subscription, WebhookEvent, WriteKey
from models.job import JobRun
from models.scoring import HealthOverride, ScoreBacktest, Scorecard, ScorecardVersion
from models.support import SupportTicket
from models.survey import SurveyResponse
from models.user import User
from models.view import SavedView, ShareLink

__all__ = [
    "Account",
    "AccountDailyMetric",
    "AccountHealth",
    "ApiToken",
    "AuditLog",
    "Base",
    "Contact",
    "DataImport",
    "Database",
    "HealthBandCount",
    "HealthOverride",
    "HealthSnapshot",
    "ImportRowError",
    "Invoice",
    "JobRun",
    "Payment",
    "RollupPending",
    "SavedView",
    "ScoreBacktest",
    "Scorecard",
    "ScorecardVersion",
    "ShareLink",
    "Subscription",
    "SupportTicket",
    "SurveyResponse",
    "UsageEvent",
    "User",
    "WebhookEvent",
    "WriteKey",
]

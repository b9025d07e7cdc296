"""SQLAlchemy models, split by domain. Importing this package registers every table on `Base.metadata`."""

from models.account import Account, Contact
from models.activity import AccountDailyMetric, UsageEvent
from models.alert import Alert, AlertChange, AlertEvent, AlertRule
from models.api_token import ApiToken
from models.audit import AccountChange, AuditLog
from models.billing import Invoice, Payment
from models.churn import ChurnModel, ChurnScore
from models.db import Base, Database
from models.export import Export, ReportDelivery, ReportSchedule
from models.forecast import ForecastResult, ForecastSeries
from models.fx import FxRate
from models.health import AccountHealth, HealthSnapshot
from models.health_counts import HealthBandCount
from models.ingest import DataImport, ImportRowError, RollupPending, Subscription, WebhookEvent, WriteKey
from models.job import JobRun
from models.notify import (
    DigestRun,
    EscalationStep,
    NotificationDelivery,
    NotificationPreference,
    WebhookAttempt,
    WebhookDelivery,
    WebhookEndpoint,
)
from models.scoring import HealthOverride, ScoreBacktest, Scorecard, ScorecardVersion
from models.segments import SegmentAssignment, SegmentRun
from models.support import SupportTicket
from models.survey import SurveyResponse
from models.task import AccountNote, Playbook, PlaybookStep, Task
from models.user import User
from models.view import SavedView, ShareLink

__all__ = [
    "Account",
    "AccountChange",
    "AccountDailyMetric",
    "AccountHealth",
    "AccountNote",
    "Alert",
    "AlertChange",
    "AlertEvent",
    "AlertRule",
    "ApiToken",
    "AuditLog",
    "Base",
    "ChurnModel",
    "ChurnScore",
    "Contact",
    "DataImport",
    "Database",
    "DigestRun",
    "EscalationStep",
    "Export",
    "ForecastResult",
    "ForecastSeries",
    "FxRate",
    "HealthBandCount",
    "HealthOverride",
    "HealthSnapshot",
    "ImportRowError",
    "Invoice",
    "JobRun",
    "NotificationDelivery",
    "NotificationPreference",
    "Payment",
    "Playbook",
    "PlaybookStep",
    "ReportDelivery",
    "ReportSchedule",
    "RollupPending",
    "SavedView",
    "ScoreBacktest",
    "Scorecard",
    "ScorecardVersion",
    "SegmentAssignment",
    "SegmentRun",
    "ShareLink",
    "Subscription",
    "SupportTicket",
    "SurveyResponse",
    "Task",
    "UsageEvent",
    "User",
    "WebhookAttempt",
    "WebhookDelivery",
    "WebhookEndpoint",
    "WebhookEvent",
    "WriteKey",
]

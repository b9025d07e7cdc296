"""The one settings object: read from the environment once, typed, validated.

`Settings.from_env()` is called by the application factory, the CLI and the worker; nothing reads
`os.environ` anywhere else. Unset `DATABASE_URL`/`REDIS_URL` mean "use the embedded servers"
(see `dashapp.services`).
"""

from __future__ import annotations

import ipaddress
import os
import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from urllib.parse import urlsplit

ENVIRONMENTS = ("development", "production", "test")
# Threads per gunicorn process (`healthdash serve`). Live alert streams may hold at most half of them, so
# pages and the API always have threads left (dashapp.ui.alert_stream).
WEB_THREADS = 8


class SettingsError(ValueError):
    """A setting is missing or malformed; the message says which and what to do."""


def normalise_database_url(url: str) -> str:
    """Accept the forms hosting providers hand out and return a SQLAlchemy psycopg 3 URL.

    `postgres://`, `postgresql://` and `postgresql+psycopg://` are accepted; anything else is refused.
    """
    url = url.strip()
    scheme, sep, rest = url.partition("://")
    if not sep or not rest:
        raise SettingsError(f"DATABASE_URL {url!r} is not a URL; expected postgresql://user@host:port/dbname")
    scheme = scheme.lower()
    if scheme in ("postgres", "postgresql", "postgresql+psycopg", "postgresql+psycopg3"):
        return f"postgresql+psycopg://{rest}"
    raise SettingsError(
        f"DATABASE_URL scheme {scheme!r} is not supported; healthdash needs PostgreSQL "
        "(postgresql://user@host:port/dbname)"
    )


def validate_redis_url(url: str) -> str:
    url = url.strip()
    parts = urlsplit(url)
    if parts.scheme not in ("redis", "rediss", "unix"):
        raise SettingsError(
            f"REDIS_URL {url!r} is not a Redis URL; expected redis://host:port/0 or unix:///path/redis.sock"
        )
    if parts.scheme != "unix" and not parts.hostname:
        raise SettingsError(f"REDIS_URL {url!r} has no host; expected redis://host:port/0")
    return url


def _int(env: Mapping[str, str], name: str, default: int, *, minimum: int = 0, maximum: int = 2**31) -> int:
    raw = env.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise SettingsError(f"{name}={raw!r} is not a whole number") from None
    if not minimum <= value <= maximum:
        raise SettingsError(f"{name}={value} is out of range ({minimum}..{maximum})")
    return value


def _bool(env: Mapping[str, str], name: str, default: bool) -> bool:
    raw = env.get(name)
    if raw is None or raw.strip() == "":
        return default
    lowered = raw.strip().lower()
    if lowered in ("1", "true", "yes", "on"):
        return True
    if lowered in ("0", "false", "no", "off"):
        return False
    raise SettingsError(f"{name}={raw!r} is not a boolean (use true or false)")


_RATE = re.compile(r"^\s*\d+\s*(/|per)\s*(\d+\s*)?(second|minute|hour|day)s?\s*$", re.IGNORECASE)


def _rate(name: str, raw: str | None, default: str) -> str:
    raw = (raw or "").strip()
    if not raw:
        return default
    if not _RATE.match(raw):
        raise SettingsError(f"{name}={raw!r} is not a rate limit; write it like 600/minute or 10 per second")
    return raw


def _http_base(name: str, raw: str | None, default: str) -> str:
    raw = (raw or "").strip().rstrip("/")
    if not raw:
        return default
    parts = urlsplit(raw)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise SettingsError(f"{name}={raw!r} is not an http(s) URL")
    return raw


def _currency(name: str, raw: str | None, default: str) -> str:
    raw = (raw or "").strip()
    if not raw:
        return default
    if not re.fullmatch(r"[A-Za-z]{3}", raw):
        raise SettingsError(f"{name}={raw!r} is not a currency code; use three letters like USD, EUR or GBP")
    return raw.upper()


def _list(env: Mapping[str, str], name: str) -> tuple[str, ...]:
    raw = env.get(name, "")
    return tuple(item.strip() for item in raw.split(",") if item.strip())


def _path(raw: str | None) -> Path | None:
    raw = (raw or "").strip()
    return Path(raw).expanduser().resolve() if raw else None


def _networks(name: str, raw: str | None, default: tuple[str, ...]) -> tuple[str, ...]:
    """Comma-separated addresses or CIDR networks; `none` allows no address."""
    if raw is None or not raw.strip():
        return default
    items = tuple(item.strip() for item in raw.split(",") if item.strip())
    if [i.lower() for i in items] == ["none"]:
        return ()
    for item in items:
        try:
            ipaddress.ip_network(item, strict=False)
        except ValueError:
            raise SettingsError(
                f"{name}: {item!r} is not an IP address or network (like 10.0.0.0/8)"
            ) from None
    return items


@dataclass(frozen=True)
class Settings:
    """Everything configurable about healthdash. Build it with `Settings.from_env()`."""

    env: str = "development"
    database_url: str | None = None
    redis_url: str | None = None
    secret_key: str = ""
    data_dir: Path = field(default_factory=lambda: Path.cwd() / ".data")
    host: str = "127.0.0.1"
    port: int = 8050
    base_url: str = ""
    log_level: str = "INFO"
    # Prefix for every Redis key and RQ queue name, so several installs (or test runs) can share a server.
    redis_namespace: str = ""
    # Failed logins allowed per window, per account and (a larger budget, for offices behind one address)
    # per client IP.
    login_max_failures: int = 5
    login_ip_max_failures: int = 50
    login_window_seconds: int = 900
    # "Keep me logged in" lasts this many days from the login (checked by the server, not only the browser).
    remember_days: int = 14
    # A session without "keep me logged in" ends after this many minutes without a request.
    session_idle_minutes: int = 120
    session_cookie_secure: bool = False
    web_workers: int = 2
    # Proxies whose X-Forwarded-* headers gunicorn trusts (comma-separated addresses, or * behind a private proxy).
    forwarded_allow_ips: str = "127.0.0.1"
    cors_origins: tuple[str, ...] = ()
    stripe_webhook_secret: str = ""
    support_webhook_secret: str = ""
    # The event API answers only once its commit is flushed to the WAL: acknowledged means durable. Opt-in fast
    # path, INGEST_SYNCHRONOUS_COMMIT=false: PostgreSQL's synchronous_commit=off for those transactions only,
    # about twice the throughput, but a database crash can lose the last fraction of a second of acknowledged
    # events (never corrupt anything).
    ingest_synchronous_commit: bool = True
    # Uploaded CSV files never imported (the page left before importing) are removed after this many hours.
    upload_retention_hours: int = 24
    smtp_host: str = ""
    smtp_port: int = 25
    smtp_user: str = ""
    smtp_password: str = ""
    smtp_sender: str = "healthdash@localhost"
    smtp_starttls: bool = False
    # Scheduled reports go to healthdash users, and to addresses in these domains (none by default).
    report_recipient_domains: tuple[str, ...] = ()
    export_retention_days: int = 7
    # Accounts and contacts deleted through the API can be restored for this many days, then are purged.
    deleted_retention_days: int = 30
    # Where exported files are kept; default: exports/ under the data directory.
    export_dir: Path | None = None
    # JSON API rate limits (e.g. 600/minute, 10 per second), per token (or logged-in user) and per client IP.
    api_rate_limit: str = "600/minute"
    api_ip_rate_limit: str = "1200/minute"
    # Outbound requests (webhooks, Slack, SMS) refuse loopback and private addresses unless allowed here;
    # loopback is allowed by default outside production (tests, the demo). Link-local (cloud metadata) and
    # multicast addresses are always refused.
    outbound_allow_loopback: bool = False
    outbound_allow_private: bool = False
    outbound_timeout_seconds: int = 10
    # SMS through Twilio's REST API; TWILIO_API_BASE points the official client elsewhere (tests).
    twilio_account_sid: str = ""
    twilio_auth_token: str = ""
    twilio_from_number: str = ""
    twilio_api_base: str = "https://api.twilio.com"
    # Operations (dashapp/ops): who may scrape /metrics, readiness, logs, error reporting.
    # Client addresses or networks allowed to read /metrics without a token (requests through a proxy never are).
    metrics_allowed_ips: tuple[str, ...] = ("127.0.0.1", "::1")
    # A bearer token that also opens /metrics (Authorization: Bearer ...); empty: addresses only.
    metrics_token: str = ""
    # Folder for prometheus-client's multiprocess files under gunicorn; emptied when the server starts.
    prometheus_multiproc_dir: Path | None = None
    # /readyz fails when no worker has sent a heartbeat for this long; workers beat at most every half of it.
    ready_worker_max_age_seconds: int = 120
    # "json" (one JSON object per line, with request_id) or "text"; default json in production.
    log_format: str = "text"
    # Error reporting to Sentry (or a compatible server); off when empty.
    sentry_dsn: str = ""
    # Where `healthdash backup create` writes archives when no --output is given; default: backups/ in the data dir.
    backup_dir: Path | None = None
    # Raw usage events older than this many days (by when they happened) are deleted nightly; 0 keeps them.
    # Daily roll-ups and scores already computed from them are kept.
    raw_event_retention_days: int = 0
    # Money: every ARR/MRR/invoice aggregate is converted to this currency (ISO 4217 code) at the day's rate;
    # a rate is looked for on the day, else on the latest earlier day up to `fx_lookback_days` before it.
    reporting_currency: str = "USD"
    fx_lookback_days: int = 7
    # Read cache (dashapp/cache): results of the expensive explore queries kept in Redis for this many seconds
    # at most (a safety net: entries are replaced as soon as the data version moves); 0 turns it off.
    read_cache_seconds: int = 900
    # An entry larger than this (compressed) is not kept: the query is simply run each time.
    read_cache_max_bytes: int = 2_000_000
    # Responses smaller than this are sent uncompressed (compressing them costs more than it saves).
    compress_min_bytes: int = 500

    @property
    def is_production(self) -> bool:
        return self.env == "production"

    @property
    def uses_embedded_database(self) -> bool:
        return self.database_url is None

    @property
    def uses_embedded_redis(self) -> bool:
        return self.redis_url is None

    @property
    def public_url(self) -> str:
        """The address users reach the app at (for links in emails and CLI output)."""
        if self.base_url:
            return self.base_url.rstrip("/")
        host = "localhost" if self.host in ("0.0.0.0", "127.0.0.1", "::") else self.host
        return f"http://{host}:{self.port}"

    def with_overrides(self, **changes: object) -> Settings:
        return replace(self, **changes)

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        """Read and validate the environment. Raises `SettingsError` with one clear line on bad input."""
        env = os.environ if environ is None else environ
        mode = env.get("HEALTHDASH_ENV", "development").strip().lower() or "development"
        if mode not in ENVIRONMENTS:
            raise SettingsError(f"HEALTHDASH_ENV={mode!r} must be one of {', '.join(ENVIRONMENTS)}")

        database_url = env.get("DATABASE_URL", "").strip() or None
        if database_url is not None:
            database_url = normalise_database_url(database_url)
        redis_url = env.get("REDIS_URL", "").strip() or None
        if redis_url is not None:
            redis_url = validate_redis_url(redis_url)

        data_dir = Path(env.get("HEALTHDASH_DATA_DIR", "").strip() or Path.cwd() / ".data").expanduser()
        secret_key = env.get("SECRET_KEY", "").strip()
        if not secret_key:
            if mode == "production":
                raise SettingsError(
                    "SECRET_KEY is not set; production mode needs one "
                    "(generate it with: python -c 'import secrets; print(secrets.token_hex(32))')"
                )
            secret_key = _development_secret(data_dir)
        elif mode == "production" and len(secret_key) < 16:
            raise SettingsError("SECRET_KEY is too short for production; use at least 16 random characters")

        log_level = env.get("LOG_LEVEL", "INFO").strip().upper()
        if log_level not in ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"):
            raise SettingsError(f"LOG_LEVEL={log_level!r} must be DEBUG, INFO, WARNING, ERROR or CRITICAL")

        log_format = env.get("LOG_FORMAT", "").strip().lower() or ("json" if mode == "production" else "text")
        if log_format not in ("json", "text"):
            raise SettingsError(f"LOG_FORMAT={log_format!r} must be json or text")
        metrics_allowed_ips = _networks(
            "METRICS_ALLOWED_IPS", env.get("METRICS_ALLOWED_IPS"), ("127.0.0.1", "::1")
        )

        return cls(
            env=mode,
            database_url=database_url,
            redis_url=redis_url,
            secret_key=secret_key,
            data_dir=data_dir.resolve(),
            host=env.get("HOST", "127.0.0.1").strip() or "127.0.0.1",
            port=_int(env, "PORT", 8050, minimum=1, maximum=65535),
            base_url=env.get("HEALTHDASH_BASE_URL", "").strip(),
            log_level=log_level,
            redis_namespace=env.get("HEALTHDASH_REDIS_NAMESPACE", "").strip(),
            login_max_failures=_int(env, "LOGIN_MAX_FAILURES", 5, minimum=1, maximum=1000),
            login_ip_max_failures=_int(env, "LOGIN_IP_MAX_FAILURES", 50, minimum=1, maximum=100000),
            login_window_seconds=_int(env, "LOGIN_WINDOW_SECONDS", 900, minimum=1, maximum=86400),
            remember_days=_int(env, "REMEMBER_DAYS", 14, minimum=1, maximum=365),
            session_idle_minutes=_int(env, "SESSION_IDLE_MINUTES", 120, minimum=1, maximum=7 * 24 * 60),
            session_cookie_secure=_bool(env, "SESSION_COOKIE_SECURE", mode == "production"),
            web_workers=_int(env, "WEB_CONCURRENCY", 2, minimum=1, maximum=64),
            forwarded_allow_ips=env.get("FORWARDED_ALLOW_IPS", "").strip() or "127.0.0.1",
            cors_origins=_list(env, "CORS_ORIGINS"),
            stripe_webhook_secret=env.get("STRIPE_WEBHOOK_SECRET", "").strip(),
            support_webhook_secret=env.get("SUPPORT_WEBHOOK_SECRET", "").strip(),
            ingest_synchronous_commit=_bool(env, "INGEST_SYNCHRONOUS_COMMIT", True),
            upload_retention_hours=_int(env, "UPLOAD_RETENTION_HOURS", 24, minimum=1, maximum=24 * 365),
            smtp_host=env.get("SMTP_HOST", "").strip(),
            smtp_port=_int(env, "SMTP_PORT", 25, minimum=1, maximum=65535),
            smtp_user=env.get("SMTP_USER", "").strip(),
            smtp_password=env.get("SMTP_PASSWORD", ""),
            smtp_sender=env.get("SMTP_SENDER", "healthdash@localhost").strip(),
            smtp_starttls=_bool(env, "SMTP_STARTTLS", False),
            report_recipient_domains=tuple(
                d.lower().lstrip("@") for d in _list(env, "REPORT_RECIPIENT_DOMAINS")
            ),
            export_retention_days=_int(env, "EXPORT_RETENTION_DAYS", 7, minimum=1, maximum=3650),
            deleted_retention_days=_int(env, "DELETED_RETENTION_DAYS", 30, minimum=1, maximum=3650),
            export_dir=Path(env["EXPORT_DIR"].strip()).expanduser().resolve()
            if env.get("EXPORT_DIR", "").strip()
            else None,
            api_rate_limit=_rate("API_RATE_LIMIT", env.get("API_RATE_LIMIT"), "600/minute"),
            api_ip_rate_limit=_rate("API_IP_RATE_LIMIT", env.get("API_IP_RATE_LIMIT"), "1200/minute"),
            outbound_allow_loopback=_bool(env, "HEALTHDASH_OUTBOUND_ALLOW_LOOPBACK", mode != "production"),
            outbound_allow_private=_bool(env, "HEALTHDASH_OUTBOUND_ALLOW_PRIVATE", False),
            outbound_timeout_seconds=_int(
                env, "HEALTHDASH_OUTBOUND_TIMEOUT_SECONDS", 10, minimum=1, maximum=120
            ),
            twilio_account_sid=env.get("TWILIO_ACCOUNT_SID", "").strip(),
            twilio_auth_token=env.get("TWILIO_AUTH_TOKEN", "").strip(),
            twilio_from_number=env.get("TWILIO_FROM_NUMBER", "").strip(),
            twilio_api_base=_http_base(
                "TWILIO_API_BASE", env.get("TWILIO_API_BASE"), "https://api.twilio.com"
            ),
            metrics_allowed_ips=metrics_allowed_ips,
            metrics_token=env.get("METRICS_TOKEN", "").strip(),
            prometheus_multiproc_dir=_path(env.get("PROMETHEUS_MULTIPROC_DIR")),
            ready_worker_max_age_seconds=_int(
                env, "READY_WORKER_MAX_AGE_SECONDS", 120, minimum=30, maximum=86400
            ),
            log_format=log_format,
            sentry_dsn=env.get("SENTRY_DSN", "").strip(),
            backup_dir=_path(env.get("BACKUP_DIR")),
            raw_event_retention_days=_int(env, "RAW_EVENT_RETENTION_DAYS", 0, minimum=0, maximum=36500),
            reporting_currency=_currency(
                "HEALTHDASH_REPORTING_CURRENCY", env.get("HEALTHDASH_REPORTING_CURRENCY"), "USD"
            ),
            fx_lookback_days=_int(env, "HEALTHDASH_FX_LOOKBACK_DAYS", 7, minimum=0, maximum=31),
            read_cache_seconds=_int(env, "HEALTHDASH_READ_CACHE_SECONDS", 900, minimum=0, maximum=7 * 86400),
            read_cache_max_bytes=_int(
                env, "HEALTHDASH_READ_CACHE_MAX_BYTES", 2_000_000, minimum=1024, maximum=64 * 1024 * 1024
            ),
            compress_min_bytes=_int(
                env, "HEALTHDASH_COMPRESS_MIN_BYTES", 500, minimum=0, maximum=1024 * 1024
            ),
        )

    @property
    def money(self) -> dict[str, object]:
        """What sessions carry so queries convert money the same way everywhere (see `dashapp.money`)."""
        return {"reporting_currency": self.reporting_currency, "fx_lookback_days": self.fx_lookback_days}


def _development_secret(data_dir: Path) -> str:
    """A random key kept under the data directory, so development sessions survive restarts.

    Only used outside production; production refuses to start without SECRET_KEY.
    """
    path = data_dir / "secret_key"
    try:
        return path.read_text().strip()
    except FileNotFoundError:
        pass
    data_dir.mkdir(parents=True, exist_ok=True)
    key = secrets.token_hex(32)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(key)
    tmp.chmod(0o600)
    tmp.replace(path)
    return path.read_text().strip()

"""Optional error reporting to Sentry: initialised only when SENTRY_DSN is set."""

from __future__ import annotations

import logging

from dashapp.settings import Settings

log = logging.getLogger(__name__)
_initialised = False


def init_error_reporting(settings: Settings, *, component: str) -> bool:
    """Start the Sentry client once per process when a DSN is configured. True when it is running."""
    global _initialised
    if not settings.sentry_dsn:
        return False
    if _initialised:
        return True
    import sentry_sdk

    sentry_sdk.init(
        dsn=settings.sentry_dsn,
        environment=settings.env,
        server_name=component,
        # No user identity, request bodies or local variables (customer data) leave the install.
        data_collection={"user_info": False, "http_bodies": [], "stack_frame_variables": False},
    )
    sentry_sdk.set_tag("component", component)
    _initialised = True
    log.info("error reporting to Sentry enabled", extra={"component": component})
    return True

"""Credentials never reach a log line.

- `RedactingGunicornLogger`: gunicorn's access log without the HTTP Basic user name (the event API's write
  key travels there), credential query parameters, or Authorization/Cookie header values.
- `RedactFilter`: the same rule on every record of Python logging (installed on the root handlers), for
  what the app, jobs or libraries might log: `Basic ...`/`Bearer ...` credentials, write keys, API tokens
  and credential query parameters.
"""

from __future__ import annotations

import logging
import re
from typing import Any

from gunicorn.glogging import Logger as GunicornLogger

REDACTED = "[redacted]"
# Query parameters that carry a credential (matched case-insensitively, `_` and `-` alike).
SECRET_PARAMS = ("token", "access_token", "api_key", "apikey", "key", "write_key", "writekey", "secret",
                 "password", "signature", "sig", "code", "session")  # fmt: skip
SECRET_HEADERS = ("authorization", "proxy-authorization", "cookie", "set-cookie", "x-api-key")

_PARAM = re.compile(r"(?i)([?&;](?:" + "|".join(re.escape(p) for p in SECRET_PARAMS) + r")=)[^&;#\s\"']*")
_AUTH = re.compile(r"(?i)\b(basic|bearer|token)(\s+)[A-Za-z0-9._~+/=-]+")
# healthdash's own credential formats: write keys (hdwk_...) and API tokens (hd_...).
_KEYS = re.compile(r"\b(hdwk_|hd_)[A-Za-z0-9_-]{8,}")


def redact(text: str) -> str:
    """`text` with every credential it carries replaced by `[redacted]`."""
    if not text:
        return text
    text = _PARAM.sub(lambda m: m.group(1) + REDACTED, text)
    text = _AUTH.sub(lambda m: m.group(1) + m.group(2) + REDACTED, text)
    return _KEYS.sub(lambda m: m.group(1) + REDACTED, text)


class RedactFilter(logging.Filter):
    """Rewrites each record's message (arguments merged in) through `redact`."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except (TypeError, ValueError):
            return True
        cleaned = redact(message)
        if cleaned != message or record.args:
            record.msg, record.args = cleaned, None
        if record.exc_info and not record.exc_text:
            record.exc_text = redact(logging.Formatter().formatException(record.exc_info))
        elif record.exc_text:
            record.exc_text = redact(record.exc_text)
        return True


def install(logger: logging.Logger | None = None) -> None:
    """Put a `RedactFilter` on every handler of `logger` (default: root) that has none yet."""
    target = logger or logging.getLogger()
    for handler in target.handlers:
        if not any(isinstance(f, RedactFilter) for f in handler.filters):
            handler.addFilter(RedactFilter())


class RedactingGunicornLogger(GunicornLogger):
    """gunicorn's logger (`--logger-class dashapp.logredact.RedactingGunicornLogger`) with credentials redacted
    from the access log's atoms and from its error log."""

    def setup(self, cfg: Any) -> None:
        super().setup(cfg)
        install(self.error_log)
        install(self.access_log)

    def atoms(self, resp: Any, req: Any, environ: dict[str, Any], request_time: Any) -> dict[str, Any]:
        atoms = super().atoms(resp, req, environ, request_time)
        if atoms.get("u", "-") != "-":
            atoms["u"] = REDACTED
        for name in ("r", "q", "f", "U"):
            if isinstance(atoms.get(name), str):
                atoms[name] = redact(atoms[name])
        for header in SECRET_HEADERS:
            for key in (f"{{{header}}}i", f"{{{header}}}o"):
                if key in atoms:
                    atoms[key] = REDACTED
        return atoms

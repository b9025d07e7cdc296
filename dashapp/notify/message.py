"""What a notification says, and how each channel renders it (plain text, HTML, Slack Block Kit, SMS)."""

from __future__ import annotations

from dataclasses import dataclass, field
from html import escape
from typing import Any

from models.notify import SEVERITIES

MAX_LISTED = 50  # items shown in one message; the rest are counted
SMS_LENGTH = 320


@dataclass(frozen=True)
class Item:
    account_id: int
    account_name: str
    line: str  # one sentence: what happened to this account


@dataclass(frozen=True)
class Notification:
    """One notification, possibly about many accounts (grouping: 30 accounts red -> one notification).

    `kind` says what it is about (e.g. "alert.opened", "escalation"), `link_path` is the page to open
    (e.g. "/alerts?state=open"); each item links to its account. `event_type`, when set, is also the
    outbound webhook event type the caller emits (not used for the channels here).
    """

    kind: str
    title: str
    severity: str
    items: tuple[Item, ...] = ()
    link_path: str = "/"
    event_type: str | None = None
    body: str = ""  # free text above the items (optional)

    def __post_init__(self) -> None:
        if self.severity not in SEVERITIES:
            raise ValueError(f"severity must be one of {', '.join(SEVERITIES)}, not {self.severity!r}")
        if not self.title.strip():
            raise ValueError("a notification needs a title")
        if not self.link_path.startswith("/"):
            raise ValueError("link_path is a path of this app, starting with /")

    def content(self) -> dict[str, Any]:
        return {
            "items": [
                {"account_id": i.account_id, "account_name": i.account_name, "line": i.line}
                for i in self.items
            ],
            "link": self.link_path,
            "body": self.body,
        }


@dataclass(frozen=True)
class Rendered:
    """A stored notification ready to send: built from a `NotificationDelivery` row."""

    title: str
    severity: str
    items: list[dict[str, Any]] = field(default_factory=list)
    link: str = "/"
    body: str = ""

    @classmethod
    def from_row(cls, title: str, severity: str, content: dict[str, Any]) -> Rendered:
        return cls(
            title,
            severity,
            list(content.get("items", [])),
            str(content.get("link", "/")),
            str(content.get("body", "")),
        )


def account_url(base: str, account_id: int) -> str:
    return f"{base}/accounts/{account_id}"


def text_body(message: Rendered, base: str) -> str:
    lines = [message.title, ""]
    if message.body:
        lines += [message.body, ""]
    for item in message.items[:MAX_LISTED]:
        lines.append(f"- {item['account_name']}: {item['line']}  {account_url(base, item['account_id'])}")
    hidden = len(message.items) - MAX_LISTED
    if hidden > 0:
        lines.append(f"... and {hidden} more")
    lines += ["", f"Open in healthdash: {base}{message.link}"]
    return "\n".join(lines)


def html_body(message: Rendered, base: str) -> str:
    rows = "".join(
        f'<li><a href="{escape(account_url(base, i["account_id"]))}">{escape(i["account_name"])}</a>: '
        f"{escape(i['line'])}</li>"
        for i in message.items[:MAX_LISTED]
    )
    hidden = len(message.items) - MAX_LISTED
    more = f"<p>... and {hidden} more</p>" if hidden > 0 else ""
    return (
        f"<html><body><h2>{escape(message.title)}</h2>"
        + (f"<p>{escape(message.body)}</p>" if message.body else "")
        + f"<ul>{rows}</ul>{more}"
        f'<p><a href="{escape(base + message.link)}">Open in healthdash</a></p></body></html>'
    )


def slack_blocks(message: Rendered, base: str) -> dict[str, Any]:
    """A Slack incoming-webhook body: Block Kit with a plain `text` fallback."""
    lines = [
        f"• <{account_url(base, i['account_id'])}|{_slack(i['account_name'])}>: {_slack(i['line'])}"
        for i in message.items[:20]
    ]
    if len(message.items) > 20:
        lines.append(f"… and {len(message.items) - 20} more")
    blocks: list[dict[str, Any]] = [
        {"type": "header", "text": {"type": "plain_text", "text": message.title[:150]}},
    ]
    if message.body:
        blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": _slack(message.body)[:3000]}})
    if lines:
        blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": "\n".join(lines)[:3000]}})
    blocks.append(
        {
            "type": "actions",
            "elements": [
                {"type": "button", "text": {"type": "plain_text", "text": "Open"}, "url": base + message.link}
            ],
        }
    )
    return {"text": message.title, "blocks": blocks}


def _slack(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def sms_text(message: Rendered, base: str) -> str:
    names = ", ".join(i["account_name"] for i in message.items[:5])
    more = f" +{len(message.items) - 5}" if len(message.items) > 5 else ""
    text = f"{message.title}" + (f": {names}{more}" if names else "") + f" {base}{message.link}"
    return text[:SMS_LENGTH]

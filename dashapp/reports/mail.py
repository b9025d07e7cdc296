"""The report email: a short text body with a link back to the live view, the PDF attached; sent over SMTP."""

from __future__ import annotations

import smtplib
from collections.abc import Sequence
from email.message import EmailMessage

from dashapp.settings import Settings


class MailNotConfigured(RuntimeError):
    """SMTP_HOST is not set."""


def report_message(
    settings: Settings,
    *,
    subject: str,
    recipients: Sequence[str],
    link: str,
    summary_lines: Sequence[str],
    pdf: bytes,
    filename: str,
) -> EmailMessage:
    message = EmailMessage()
    message["Subject"] = subject
    message["From"] = settings.smtp_sender
    message["To"] = ", ".join(recipients)
    body = "\n".join([*summary_lines, "", f"Open the live view: {link}", "", "The full report is attached."])
    message.set_content(body)
    message.add_attachment(pdf, maintype="application", subtype="pdf", filename=filename)
    return message


def send(settings: Settings, message: EmailMessage, timeout: float = 30.0) -> None:
    """Send over SMTP (STARTTLS and login when configured). Raises on any failure; the caller records it."""
    if not settings.smtp_host:
        raise MailNotConfigured("SMTP_HOST is not set; reports cannot be emailed")
    with smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=timeout) as smtp:
        if settings.smtp_starttls:
            smtp.starttls()
        if settings.smtp_user:
            smtp.login(settings.smtp_user, settings.smtp_password)
        smtp.send_message(message)

"""Sending email: one `send_email`, templates in tracker/emails, one EmailLog row per message."""

from __future__ import annotations

import hashlib
import json
import smtplib
from email.message import EmailMessage
from email.utils import make_msgid
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, select_autoescape
from sqlmodel import Session, select

from tracker.config import Settings
from tracker.models import utcnow
from tracker.models_web import EmailLog

TEMPLATES = Path(__file__).resolve().parent / "emails"
LOCALES = ("fi", "en")


def _environment() -> Environment:
    return Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(enabled_extensions=("html",), default_for_string=False),
        keep_trailing_newline=True,
    )


def render_email(template: str, context: dict[str, Any], locale: str) -> tuple[str, str, str]:
    """Subject, plain text and HTML of a template in a locale (Finnish when unknown)."""
    locale = locale if locale in LOCALES else "fi"
    env = _environment()
    text = env.get_template(f"{template}.{locale}.txt").render(context)
    html = env.get_template(f"{template}.{locale}.html").render(context)
    first, _, body = text.partition("\n")
    if not first.startswith("Subject: "):
        raise ValueError(f"{template}.{locale}.txt must start with a 'Subject: ' line")
    return first.removeprefix("Subject: ").strip(), body.lstrip("\n"), html


def send_email(
    settings: Settings,
    to: str,
    template: str,
    context: dict[str, Any],
    locale: str,
    *,
    session: Session,
    key: str | None = None,
) -> bool:
    """Send once: a message whose key (by default its content) was logged before is skipped."""
    subject, text, html = render_email(template, context, locale)
    key = key or _content_key(to, template, context, locale)
    if session.exec(select(EmailLog).where(EmailLog.key == key)).first() is not None:
        return False
    message = EmailMessage()
    message["Subject"], message["From"], message["To"] = subject, settings.mail.sender, to
    message["Message-ID"] = make_msgid(domain="hame-funding-radar")
    message.set_content(text)
    message.add_alternative(html, subtype="html")
    mail = settings.mail
    with smtplib.SMTP(mail.host, mail.port, timeout=mail.timeout_seconds) as smtp:
        if mail.starttls:
            smtp.starttls()
        if mail.username:
            smtp.login(mail.username, mail.password)
        smtp.send_message(message)
    session.add(
        EmailLog(
            key=key,
            recipient=to,
            template=template,
            locale=locale,
            subject=subject,
            sent_at=utcnow(),
        )
    )
    session.flush()
    return True


def _content_key(to: str, template: str, context: dict[str, Any], locale: str) -> str:
    text = json.dumps([to, template, context, locale], sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()

"""Sending email: one sender, one EmailLog row per message, templates in tracker/emails.

`send_email` renders a template of tracker/emails; `send_rendered` takes a message its caller
rendered (a digest, rendered by the web layer). A message the server does not take now stays
pending and is tried again (`retry_email`, run by `radar send-mail` and the scheduler); one it
refuses for good (5xx) is marked failed. A run of many messages (digests, retries) hands them
over one `Outbox` connection; a single message opens its own.
"""

from __future__ import annotations

import hashlib
import json
import logging
import smtplib
import ssl
from contextlib import suppress
from dataclasses import asdict, dataclass, field
from datetime import timedelta
from email.message import EmailMessage
from email.utils import make_msgid
from pathlib import Path
from typing import Any, Literal

from jinja2 import Environment, FileSystemLoader, select_autoescape
from sqlalchemy import func
from sqlmodel import Session, col, select

from tracker.config import MailSettings, Settings
from tracker.models import utcnow
from tracker.models_web import EmailLog

TEMPLATES = Path(__file__).resolve().parent / "emails"
LOCALES = ("fi", "en")
MailStatus = Literal["sent", "pending", "failed"]
RENDERED = "rendered"  # the context key of a message its caller rendered
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Mail:
    """A rendered message: subject, plain text, HTML, and headers of its own (List-Unsubscribe)."""

    subject: str
    text: str
    html: str
    headers: dict[str, str] = field(default_factory=dict)


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
    requested_ip: str | None = None,
) -> MailStatus | None:
    """Send once, logged: None when a message of this key (by default its content) was logged
    before; else "sent", "pending" (kept and retried by `retry_email`) or "failed" (refused)."""
    row = EmailLog(
        key=key or _content_key(to, template, context, locale),
        recipient=to,
        template=template,
        locale=locale,
        subject=render_email(template, context, locale)[0],
        context=context,
        requested_ip=requested_ip,
    )
    return _send(settings.mail, session, row)


def send_rendered(
    settings: Settings,
    to: str,
    mail: Mail,
    locale: str,
    *,
    session: Session,
    key: str,
    kind: str,
    outbox: Outbox | None = None,
) -> MailStatus | None:
    """Send a message its caller rendered (of `kind`, "digest") once under `key`, as
    `send_email` does, over `outbox` when given; it is kept whole until sent, so a retry sends
    the same message."""
    context = {RENDERED: asdict(mail)}
    row = EmailLog(
        key=key, recipient=to, template=kind, locale=locale, subject=mail.subject, context=context
    )
    return _send(settings.mail, session, row, outbox)


def _send(
    mail: MailSettings, session: Session, row: EmailLog, outbox: Outbox | None = None
) -> MailStatus | None:
    """Try a new message once and log it; None when its key was logged before."""
    if session.exec(select(EmailLog.id).where(EmailLog.key == row.key)).first() is not None:
        return None
    _attempt(mail, row, outbox)
    session.add(row)
    session.flush()
    return row.status  # type: ignore[return-value]


def retry_email(
    session: Session, settings: Settings, email_id: int, outbox: Outbox | None = None
) -> MailStatus | None:
    """Try a pending message again (locked while tried, on PostgreSQL), over `outbox` when
    given; None if not pending."""
    query = select(EmailLog).where(EmailLog.id == email_id, EmailLog.status == "pending")
    row = session.exec(query.with_for_update(skip_locked=True)).first()
    if row is None:
        return None
    _attempt(settings.mail, row, outbox)
    session.add(row)
    return row.status  # type: ignore[return-value]


def pending_emails(session: Session) -> list[int]:
    """The ids of the messages waiting to be tried again, oldest first."""
    query = select(EmailLog.id).where(EmailLog.status == "pending").order_by(col(EmailLog.id))
    return [email_id for email_id in session.exec(query) if email_id is not None]


def failed_emails(session: Session, limit: int) -> list[EmailLog]:
    """The newest messages the mail server refused for good (or that ran out of attempts)."""
    query = select(EmailLog).where(EmailLog.status == "failed")
    return list(session.exec(query.order_by(col(EmailLog.id).desc()).limit(limit)))


def mail_limited(session: Session, mail: MailSettings, to: str, ip: str | None) -> bool:
    """Whether `to`, or the client address `ip`, had as many messages within the last hour
    as the limits allow (each worker sees the same count: it is read from the database)."""
    recent = col(EmailLog.created_at) >= utcnow() - timedelta(hours=1)
    to_count = select(func.count()).where(EmailLog.recipient == to, recent)
    if session.exec(to_count).one() >= mail.max_per_recipient_per_hour:
        return True
    ip_count = select(func.count()).where(EmailLog.requested_ip == ip, recent)
    return ip is not None and session.exec(ip_count).one() >= mail.max_per_address_per_hour


def _message(mail: MailSettings, row: EmailLog) -> EmailMessage:
    """The row's message with both parts: rendered by its caller, or from its template."""
    context = row.context or {}
    if RENDERED in context:
        content = Mail(**context[RENDERED])
    else:
        content = Mail(*render_email(row.template, context, row.locale))
    message = EmailMessage()
    message["Subject"], message["From"], message["To"] = content.subject, mail.sender, row.recipient
    message["Message-ID"] = make_msgid(domain="hame-funding-radar")
    for name, value in content.headers.items():
        message[name] = value
    message.set_content(content.text)
    message.add_alternative(content.html, subtype="html")
    return message


class Outbox:
    """One connection to the mail server for many messages: opened for the first, checked
    (NOOP) before each later one and opened again when the server has closed it or a message
    broke it off; closed (QUIT) at the end of the `with` block."""

    def __init__(self, mail: MailSettings) -> None:
        self.mail = mail
        self._smtp: smtplib.SMTP | None = None

    def __enter__(self) -> Outbox:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def deliver(self, message: EmailMessage) -> None:
        """Hand one message over; the server's refusal or a broken connection is raised."""
        smtp = self._connected()
        try:
            smtp.send_message(message)
        except (smtplib.SMTPSenderRefused, smtplib.SMTPRecipientsRefused, smtplib.SMTPDataError):
            raise  # refused: smtplib has reset the transaction, the connection still serves
        except (OSError, smtplib.SMTPException):
            self._drop()
            raise

    def close(self) -> None:
        if self._smtp is not None:
            with suppress(OSError, smtplib.SMTPException):
                self._smtp.quit()
            self._drop()

    def _connected(self) -> smtplib.SMTP:
        if self._smtp is not None:
            try:
                alive = self._smtp.noop()[0] == 250
            except (OSError, smtplib.SMTPException):
                alive = False
            if not alive:
                self._drop()
        if self._smtp is None:
            self._smtp = _connection(self.mail)
        return self._smtp

    def _drop(self) -> None:
        if self._smtp is not None:
            self._smtp.close()
            self._smtp = None


def _connection(mail: MailSettings) -> smtplib.SMTP:
    """A connection to the mail server, signed in when `username`: over TLS from the start
    when `tls`, else plain, upgraded by STARTTLS when `starttls` (the server's certificate is
    checked either way)."""
    if mail.tls:
        smtp: smtplib.SMTP = smtplib.SMTP_SSL(
            mail.host, mail.port, timeout=mail.timeout_seconds, context=ssl.create_default_context()
        )
    else:
        smtp = smtplib.SMTP(mail.host, mail.port, timeout=mail.timeout_seconds)
    try:
        if mail.starttls:
            smtp.starttls(context=ssl.create_default_context())
        if mail.username:
            smtp.login(mail.username, mail.password)
    except BaseException:
        smtp.close()
        raise
    return smtp


def _attempt(mail: MailSettings, row: EmailLog, outbox: Outbox | None = None) -> None:
    """Hand the message to the SMTP server once, over `outbox` or a connection of its own;
    its status, attempts and error follow."""
    message = _message(mail, row)
    row.attempts += 1
    try:
        if outbox is not None:
            outbox.deliver(message)
        else:
            with Outbox(mail) as own:
                own.deliver(message)
    except (OSError, smtplib.SMTPException) as exc:  # SMTPException is an OSError too
        code = _refusal_code(exc)
        row.last_error = f"{type(exc).__name__}: {exc}"[:2000]
        if (code is not None and code >= 500) or row.attempts >= mail.max_attempts:
            row.status, row.context = "failed", None
            log.error("mail %s to %s failed for good: %s", row.key[:12], row.recipient, exc)
        else:
            log.warning("mail %s to %s kept to retry: %s", row.key[:12], row.recipient, exc)
        return
    row.status, row.sent_at, row.context, row.last_error = "sent", utcnow(), None, None


def _refusal_code(exc: Exception) -> int | None:
    """The SMTP code with which the server refused this message, not a passing trouble."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return max(code for code, _text in exc.recipients.values())
    if isinstance(exc, smtplib.SMTPSenderRefused | smtplib.SMTPDataError):
        return exc.smtp_code
    return None


def _content_key(to: str, template: str, context: dict[str, Any], locale: str) -> str:
    text = json.dumps([to, template, context, locale], sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()

"""A `radar digest` or `radar remind` killed half-way: the messages it sent are logged (with
their periods covered), and the next run sends the rest, so every subscriber has exactly one
message."""

from __future__ import annotations

import dataclasses
import os
import signal
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlmodel import Session, select

from tests.live import free_port, radar
from tests.tracker.helpers import export_record
from tests.webapp.conftest import Inbox, internship_subscribers, smtp_server
from tests.webapp.test_follows_and_reminders import LIFE
from tracker.accounts import create_user
from tracker.ingest import ingest
from tracker.models import Call, utcnow
from tracker.models_web import EmailLog
from tracker.subscriptions import start_following

SUBSCRIBERS = [f"tilaaja{n}@example.org" for n in range(1, 7)]
KILLED_AT = 3  # the third message: the process dies before it hands over the message


class Killing(Inbox):
    """A real SMTP server that kills the sending process when it starts its third message."""

    def __init__(self) -> None:
        super().__init__()
        self.pid: int | None = None
        self.started = 0

    async def handle_MAIL(self, server, session, envelope, address, options):  # noqa: N802
        self.started += 1
        if self.started == KILLED_AT and self.pid is not None:
            os.kill(self.pid, signal.SIGKILL)  # as an operator's `kill -9` or a crash would
        envelope.mail_from = address  # what aiosmtpd does without a handler
        return "250 OK"


class Killer:
    """A `radar` command run against a Killing server, and run again to its end."""

    def __init__(self, engine, server: Killing, port: int, tmp_path) -> None:
        self.url = engine.url.render_as_string(hide_password=False)
        self.env = {"RADAR_MAIL_HOST": "127.0.0.1", "RADAR_MAIL_PORT": str(port)}
        self.server, self.tmp_path = server, tmp_path

    def killed(self, command: str) -> None:
        log = self.tmp_path / "first.log"
        first = radar(self.url, command, log=log, env=self.env)
        self.server.pid = first.pid
        assert first.wait(timeout=300) == -signal.SIGKILL, log.read_text()

    def again(self, command: str) -> str:
        log = self.tmp_path / "again.log"
        assert radar(self.url, command, log=log, env=self.env).wait(timeout=300) == 0, (
            log.read_text()
        )
        return log.read_text()


@contextmanager
def killing(engine, tmp_path) -> Iterator[Killer]:
    port = free_port()
    with smtp_server(Killing(), port) as server:
        yield Killer(engine, server, port, tmp_path)


def test_a_digest_run_killed_half_way_sends_nothing_twice_and_misses_nobody(
    engine, settings, tmp_path
):
    with Session(engine, expire_on_commit=False) as session:
        internship_subscribers(session, settings, SUBSCRIBERS)

    with killing(engine, tmp_path) as run:
        run.killed("digest")
        sent_before = [m["To"] for m in run.server.messages]
        assert len(sent_before) == KILLED_AT - 1
        with Session(engine) as session:
            logged = session.exec(select(EmailLog.recipient, EmailLog.status)).all()
        assert sorted(logged) == sorted((to, "sent") for to in sent_before)
        assert "digests: 4 sent" in run.again("digest")
    server = run.server
    assert Counter(m["To"] for m in server.messages) == dict.fromkeys(SUBSCRIBERS, 1)
    with Session(engine) as session:
        assert len(session.exec(select(EmailLog)).all()) == len(SUBSCRIBERS)


def test_a_reminder_run_killed_half_way_sends_nothing_twice_and_misses_nobody(
    engine, settings, tmp_path
):
    # Six followers of the real LIFE topic whose stage 2 deadline a later run moved to three
    # days from today: each is due the 3-day reminder now.
    record = export_record(LIFE)
    first, second = record.deadlines
    soon = dataclasses.replace(
        second, date=datetime.now(ZoneInfo("Europe/Helsinki")).date() + timedelta(days=3)
    )
    with Session(engine, expire_on_commit=False) as session:
        now = utcnow()
        ingest(session, [dataclasses.replace(record, deadlines=(first, soon))],
               priority=["ft_portal_export"], today=now.date(), now=now)  # fmt: skip
        call = session.exec(select(Call).where(Call.identifier == LIFE)).one()
        for email in SUBSCRIBERS:
            start_following(session, create_user(session, email, "staff"), call.id, now)
        session.commit()

    with killing(engine, tmp_path) as run:
        run.killed("remind")
        assert len(run.server.messages) == KILLED_AT - 1
        assert "reminders: 4 sent" in run.again("remind")
    server = run.server
    assert Counter(m["To"] for m in server.messages) == dict.fromkeys(SUBSCRIBERS, 1)
    with Session(engine) as session:
        keys = session.exec(select(EmailLog.key)).all()
    assert len(keys) == len(SUBSCRIBERS) and all(
        k.endswith(f":stage-2:{soon.date}:3") for k in keys
    )

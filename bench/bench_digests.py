"""Benchmark: 1,000 email digests built and delivered to an SMTP server on localhost.

Data: 10,000 calls (the real recorded F&T records replicated, as bench_ingest.py does) stored
a week before the run, 600 more first seen the day before it, 60 of the older ones whose
deadlines moved within the period; 400 organisations with 60 matches each to older calls
(told by their digests already) and 6 to new ones. Subscriptions, all due: 400 members' match
digests, 50 staff digests of the region, 300 saved searches (calls-page URLs, of members and
staff) and 250 confirmed public subscriptions by keyword, theme or programme; Finnish and
English, daily and weekly. The SMTP server is aiosmtpd in a process of its own, counting what
it takes. Timed: `tracker.digest_run.send_digests` (what `radar digest` runs), on SQLite and on
PostgreSQL (a database made for the run at PG_ADMIN_URL's server, analysed as autovacuum would
have done after the scrape, and dropped after it).
Target: 1,000 digests in 30 s or less.
Run: .venv/bin/python bench/bench_digests.py [PG_ADMIN_URL] [--profile]
"""

from __future__ import annotations

import asyncio
import cProfile
import dataclasses
import os
import pstats
import random
import signal
import subprocess
import sys
import tempfile
import time
from contextlib import nullcontext
from datetime import datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from bench_dashboard import PG_ADMIN_URL, postgres  # noqa: E402
from bench_ingest import replicated  # noqa: E402
from bench_web import add_actors  # noqa: E402
from sqlalchemy import insert, text  # noqa: E402
from sqlmodel import Session, func, select  # noqa: E402

from matcher.explain import Evidence  # noqa: E402
from tests.live import free_port  # noqa: E402
from tracker.accounts import create_user  # noqa: E402
from tracker.config import load_settings  # noqa: E402
from tracker.db import make_engine, migrate, session_scope  # noqa: E402
from tracker.digest_run import send_digests  # noqa: E402
from tracker.digests import period_end  # noqa: E402
from tracker.ingest import ingest  # noqa: E402
from tracker.models import Call, CallTheme, Match, utcnow  # noqa: E402
from tracker.models_web import EmailLog  # noqa: E402
from tracker.subscriptions import confirm, subscribe_public, subscribe_user  # noqa: E402

OLD_CALLS, NEW_CALLS, MOVED = 10_000, 600, 60
MEMBERS, STAFF, SAVED, PUBLIC = 400, 50, 300, 250
OLD_MATCHES, NEW_MATCHES = 60, 6
THEMES = ("circular_economy", "food_system", "smart_services", "design")  # config.toml's
SEARCHES = (  # calls-page URLs, as the page saves them
    "programme=Horizon+Europe+%28HORIZON%29&status=",
    "programme=Digital+Europe+Programme+%28DIGITAL%29",
    "q=internships",
    "theme=smart_services&sort=newest",
    "q=digital&status=",
    "theme=circular_economy&status=open",
)
PUBLIC_CHOICES = (
    {"keywords": ["internships"]},
    {"themes": ["food_system"]},
    {"programmes": ["Horizon Europe (HORIZON)"]},
    {"keywords": ["digital", "semiconductors"], "themes": ["smart_services"]},
)


def build(url: str, end: datetime) -> None:
    """The calls, organisations, matches and subscriptions (the run's `end` is a Monday's send
    time, so daily and weekly digests are all due)."""
    engine = make_engine(url)
    migrate(engine)
    rng = random.Random(12)
    records = list(replicated(OLD_CALLS + NEW_CALLS))
    old, new = records[:OLD_CALLS], records[OLD_CALLS:]
    started = end - timedelta(days=6)  # the subscriptions made
    with session_scope(engine) as session:
        _store(session, old, end - timedelta(days=7))
        old_ids = list(session.exec(select(Call.id)))
        actor_ids = add_actors(session, MEMBERS)
        _match(session, rng, actor_ids, old_ids, OLD_MATCHES)
        members = [
            create_user(session, f"member{i}@bench.example", "member", actor_id=a, locale=_lang(i))
            for i, a in enumerate(actor_ids)
        ]
        staff = [
            create_user(session, f"staff{i}@bench.example", "staff", locale=_lang(i))
            for i in range(STAFF)
        ]
        session.flush()
        for i, user in enumerate(members):
            subscribe_user(session, user, "member_digest", started, frequency=_often(i))
        for user in staff:
            subscribe_user(session, user, "staff_digest", started, frequency="weekly")
        owners = members + staff
        for i in range(SAVED):
            subscribe_user(
                session, owners[i % len(owners)], "saved_search", started,
                name=f"Haku {i}", query=SEARCHES[i % len(SEARCHES)], frequency=_often(i),
            )  # fmt: skip
        for i in range(PUBLIC):
            subscription = subscribe_public(
                session, f"public{i}@bench.example", started - timedelta(hours=1),
                locale=_lang(i), frequency=_often(i), **PUBLIC_CHOICES[i % len(PUBLIC_CHOICES)],
            )  # fmt: skip
            confirm(subscription, started)
    with session_scope(engine) as session:
        _store(session, new, end - timedelta(days=1))
        new_ids = list(session.exec(select(Call.id).where(Call.id.not_in(old_ids))))
        _match(session, rng, actor_ids, new_ids, NEW_MATCHES)
        session.exec(insert(CallTheme), params=_themes(rng, old_ids + new_ids))
        _store(session, [_moved(r) for r in rng.sample(old, MOVED)], end - timedelta(hours=12))
    if engine.dialect.name == "postgresql":  # as autovacuum has done by the morning's run
        with engine.begin() as connection:
            connection.execute(text("ANALYZE"))
    engine.dispose()


def _store(session: Session, records: list, now: datetime) -> None:
    ingest(session, records, priority=["ft_search", "ft_bulk"], today=now.date(), now=now)


def _moved(record):
    """The record with its deadlines a fortnight later, as a source would publish it."""
    later = tuple(
        dataclasses.replace(d, date=d.date + timedelta(days=14)) for d in record.deadlines
    )
    return dataclasses.replace(record, deadlines=later)


def _match(session: Session, rng: random.Random, actors: list[int], calls: list, n: int) -> None:
    rows = []
    for actor_id in actors:
        for call_id in rng.sample(calls, n):
            score = rng.uniform(45, 95)
            evidence = Evidence(
                points=(("text", score * 0.6), ("theme", score * 0.3), ("time", score * 0.1))
            )
            rows.append({"actor_id": actor_id, "call_id": call_id, "score": score,
                         "components": {"text": 0.6, "theme": 0.5, "time": 1.0},
                         "evidence": evidence.to_json(), "call_hash": "", "computed_at": utcnow()})  # fmt: skip
    session.exec(insert(Match), params=rows)


def _themes(rng: random.Random, call_ids: list[int]) -> list[dict]:
    return [
        {"call_id": c, "theme": rng.choice(THEMES), "score": 0.5, "reason": {}}
        for c in call_ids[::3]
    ]


def _lang(i: int) -> str:
    return ("fi", "en")[i % 2]


def _often(i: int) -> str:
    return "weekly" if i % 5 == 0 else "daily"


def run(url: str, port: int, profile: bool) -> None:
    end = period_end(load_settings(env={}), "weekly", utcnow())
    started = time.perf_counter()
    build(url, end)
    print(f"{url.split(':')[0]}: built in {time.perf_counter() - started:.0f} s")
    settings = load_settings(env={"RADAR_DATABASE_URL": url})
    settings.mail.host, settings.mail.port = "127.0.0.1", port
    settings.web.secret_key = "bench-" + "k" * 40
    engine = make_engine(url)
    from webapp import create_app
    from webapp.digest_mail import DigestMail

    web = DigestMail(create_app(settings, engine=engine))
    print(f"load average before: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    profiler = cProfile.Profile() if profile else None
    started = time.perf_counter()
    if profiler:
        profiler.enable()
    result = send_digests(engine, settings, web, now=end + timedelta(minutes=1))
    if profiler:
        profiler.disable()
    spent = time.perf_counter() - started
    print(f"load average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    assert result is not None
    with Session(engine) as session:
        sent = session.exec(select(func.count()).where(EmailLog.status == "sent")).one()
    print(f"{result.message}; {sent} logged sent")
    print(f"send_digests: {spent:.1f} s, {spent / max(sent, 1) * 1000:.1f} ms a digest")
    if profiler:
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(40)
    engine.dispose()


def serve(port: int) -> None:
    """An aiosmtpd server that counts the messages it takes; the count printed at SIGTERM."""
    from aiosmtpd.controller import Controller

    class Counting:
        messages = 0
        size = 0

        async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's name)
            Counting.messages += 1
            Counting.size += len(envelope.content)
            return "250 OK"

    controller = Controller(Counting(), hostname="127.0.0.1", port=port)
    controller.start()
    stop = asyncio.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    print("ready", flush=True)
    while not stop.is_set():
        time.sleep(0.1)
    controller.stop()
    print(f"smtp server took {Counting.messages} messages, {Counting.size // 1024} kB", flush=True)


def main() -> None:
    if sys.argv[1:2] == ["--serve"]:
        serve(int(sys.argv[2]))
        return
    args = [a for a in sys.argv[1:] if a != "--profile"]
    admin_url = args[0] if args else PG_ADMIN_URL
    profile = "--profile" in sys.argv
    print(f"{datetime.now():%Y-%m-%d %H:%M}, {os.cpu_count()} cores")
    with tempfile.TemporaryDirectory() as tmp:
        for url_of in (
            lambda: nullcontext(f"sqlite:///{tmp}/bench.db"),
            lambda: postgres(admin_url),
        ):
            port = free_port()
            server = subprocess.Popen(
                [sys.executable, __file__, "--serve", str(port)], stdout=subprocess.PIPE, text=True
            )
            assert server.stdout is not None and server.stdout.readline().strip() == "ready"
            with url_of() as url:
                run(url, port, profile)
            server.send_signal(signal.SIGTERM)
            print(server.communicate(timeout=30)[0].strip())


if __name__ == "__main__":
    main()

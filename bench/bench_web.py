"""Benchmark: the calls list with two filters and an actor's matches page under gunicorn.

Data: 10,000 calls (the real recorded F&T records replicated, as bench_ingest.py does),
1,000 actors and 100,000 matches in SQLite. Load: wrk (Debian's package) with 8 connections
on localhost for each page. Target: p95 <= 100 ms for both.
Run: .venv/bin/python bench/bench_web.py [SECONDS]
"""

from __future__ import annotations

import os
import random
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path
from urllib.parse import quote

import requests

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from bench_ingest import replicated  # noqa: E402
from sqlalchemy import insert  # noqa: E402
from sqlmodel import Session, select  # noqa: E402

from tests.live import gunicorn, signed_in  # noqa: E402
from tracker.accounts import create_user  # noqa: E402
from tracker.db import make_engine, migrate, session_scope  # noqa: E402
from tracker.ingest import ingest  # noqa: E402
from tracker.models import Actor, Call, CallTheme, Match, User, utcnow  # noqa: E402

CALLS, ACTORS, MATCHES_PER_ACTOR = 10_000, 1_000, 100
THEMES = ("circular_economy", "food_system", "smart_services", "design")  # config.toml's
PASSWORD = "benchmark password"
PROGRAMME = "Digital Europe Programme (DIGITAL)"  # its cut-offs run to 2028
LUA = """
done = function(summary, latency, requests)
  io.write(string.format("p50 %.1f ms\\np95 %.1f ms\\np99 %.1f ms\\n",
    latency:percentile(50) / 1000, latency:percentile(95) / 1000, latency:percentile(99) / 1000))
end
"""


def build(url: str) -> None:
    """Calls from real records, themes, actors, matches and one staff user."""
    engine = make_engine(url)
    migrate(engine)
    with session_scope(engine) as session:
        call_ids = store_calls(session, CALLS)
        rng = random.Random(5)
        themes = [
            {"call_id": c, "theme": rng.choice(THEMES), "score": 0.5, "reason": {}}
            for c in call_ids[::3]
        ]
        session.exec(insert(CallTheme), params=themes)
        actor_ids = add_actors(session, ACTORS)
        matches = [
            {"actor_id": a, "call_id": c, "score": rng.uniform(20, 95), "components": {"text": 0.5, "themes": 0.3},
             "evidence": {"points": {"text": 35.0, "theme": 15.0}},
             "call_hash": "", "computed_at": utcnow()}
            for a in actor_ids
            for c in rng.sample(call_ids, MATCHES_PER_ACTOR)
        ]  # fmt: skip
        for start in range(0, len(matches), 20_000):
            session.exec(insert(Match), params=matches[start : start + 20_000])
        add_staff(session)
    engine.dispose()


def store_calls(session: Session, count: int) -> list[int]:
    """`count` calls from the real recorded F&T records (bench_ingest.replicated); their ids."""
    ingest(
        session,
        replicated(count),
        priority=["ft_search", "ft_bulk"],
        today=date(2026, 9, 1),
        now=utcnow(),
    )
    return list(session.exec(select(Call.id)))


def add_actors(session: Session, count: int) -> list[int]:
    """`count` small companies of Kanta-Häme; their ids."""
    actors = [{"name": f"Actor {i:04d}", "nuts3": "FI1C2", "country": "FI", "organisation_type": "sme_small",
               "industry_codes": [], "themes": [], "keywords": [], "programmes": [], "contacts": [],
               "preferred_role": "either", "profile_hash": "", "created_at": utcnow(), "updated_at": utcnow()}
              for i in range(count)]  # fmt: skip
    session.exec(insert(Actor), params=actors)
    return list(session.exec(select(Actor.id)))


def add_staff(session: Session) -> User:
    return create_user(session, "bench@hameenliitto.example", "staff", password=PASSWORD)


def session_cookie(base: str) -> str:
    return f"session={signed_in(base, 'bench@hameenliitto.example', PASSWORD).cookies['session']}"


def load(url: str, seconds: int, cookie: str, lua: Path) -> str:
    """wrk with 8 connections; its p50/p95/p99 and request rate."""
    command = [
        "wrk",
        "-t",
        "2",
        "-c",
        "8",
        "-d",
        f"{seconds}s",
        "-s",
        str(lua),
        "-H",
        f"Cookie: {cookie}",
        url,
    ]
    output = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    rate = re.search(r"Requests/sec:\s+([\d.]+)", output).group(1)
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    percentiles = " ".join(line for line in output.splitlines() if line.startswith("p"))
    return f"{percentiles}, {float(rate):.0f} req/s" + (
        f", {errors.group(1)} non-2xx" if errors else ""
    )


def percentiles_script(directory: str) -> Path:
    """The Lua script that makes wrk print p50, p95 and p99."""
    lua = Path(directory) / "percentiles.lua"
    lua.write_text(LUA, encoding="utf-8")
    return lua


def measure(base: str, pages: dict[str, str], seconds: int, lua: Path) -> str:
    """Each page alone (the median of 30 requests one after another), then under wrk's load;
    one line per page. The signed-in session's cookie."""
    cookie = session_cookie(base)
    for name, page in pages.items():
        alone = []
        for _ in range(30):
            started = time.perf_counter()
            answer = requests.get(page, headers={"Cookie": cookie}, timeout=30)
            alone.append(time.perf_counter() - started)
            assert answer.status_code == 200
        print(f"{name:40} alone {statistics.median(alone) * 1000:.0f} ms; "
              f"{load(page, seconds, cookie, lua)}", flush=True)  # fmt: skip
    return cookie


def main() -> None:
    seconds = int(sys.argv[1]) if len(sys.argv) > 1 else 20
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is missing: apt-get install -y wrk")
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{tmp}/bench.db"
        started = time.perf_counter()
        build(url)
        print(f"data: {CALLS} calls, {ACTORS} actors, {ACTORS * MATCHES_PER_ACTOR} matches "
              f"({time.perf_counter() - started:.0f} s to build)")  # fmt: skip
        with gunicorn(url, workers=os.cpu_count() or 2) as base:
            pages = {
                "calls, status + programme": f"{base}/?status=open&programme={quote(PROGRAMME)}",
                "calls, theme + deadline from": f"{base}/?theme=circular_economy&deadline_from=2026-10-01",
                "matches of an actor": f"{base}/actors/500/matches",
            }  # fmt: skip
            measure(base, pages, seconds, percentiles_script(tmp))


if __name__ == "__main__":
    main()

"""Web writes while a source run stores 10,000 records: gunicorn with 4 workers, `radar ingest`
in its own process, on SQLite and PostgreSQL (issue 9, section 3)."""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests
from sqlmodel import Session, func, select

from tests.conftest import FIXTURES
from tests.webapp.conftest import PASSWORD, TOKEN, rescore, store_calls
from tracker.models import Call, JobRun, Match

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
RECORDS = 10_000
BULK = FIXTURES / "grants_tenders" / "grantsTenders_excerpt_7records.json"


def replicated_bulk_file(path: Path, count: int) -> Path:
    """The real reference-file records, copied under new identifiers until there are `count`."""
    items = json.loads(BULK.read_text(encoding="utf-8"))["fundingData"]["GrantTenderObj"]
    grants = [item for item in items if item["type"] == 1]
    copies = []
    for i in range(count):
        item = dict(grants[i % len(grants)])
        item["identifier"] = f"{item['identifier']}-R{i:05d}"
        copies.append(item)
    path.write_text(json.dumps({"fundingData": {"GrantTenderObj": copies}}), encoding="utf-8")
    return path


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def environment(url: str) -> dict[str, str]:
    return dict(os.environ, RADAR_DATABASE_URL=url, RADAR_WEB_SECRET_KEY="test-" + "k" * 40)


@pytest.fixture
def gunicorn(engine):
    url = engine.url.render_as_string(hide_password=False)
    port = free_port()
    command = [str(BIN / "gunicorn"), "--workers", "4", "--bind", f"127.0.0.1:{port}",
               "--log-level", "warning", "webapp:app_from_environment()"]  # fmt: skip
    server = subprocess.Popen(command, cwd=ROOT, env=environment(url))
    base = f"http://127.0.0.1:{port}"
    for _ in range(150):
        try:
            requests.get(f"{base}/about", timeout=5)
            break
        except requests.RequestException:
            time.sleep(0.2)
    yield base, url
    server.terminate()
    server.wait(timeout=20)


def form_token(client: requests.Session, url: str) -> str:
    found = TOKEN.search(client.get(url, timeout=30).text)
    assert found, f"no CSRF token on {url}"
    return found.group(1) or found.group(2)


def signed_in(base: str, email: str) -> requests.Session:
    client = requests.Session()
    data = {"email": email, "password": PASSWORD, "csrf_token": form_token(client, f"{base}/login")}
    assert client.post(f"{base}/login", data=data, timeout=30).status_code in (200, 302)
    return client


def best_match(engine, actor_id: int) -> int:
    with Session(engine) as check:
        query = select(Match.call_id).where(Match.actor_id == actor_id)
        return check.exec(query.order_by(Match.score.desc())).first()


def test_web_writes_succeed_while_ten_thousand_records_are_ingested(
    engine, session, settings, people, tmp_path, gunicorn
):
    base, url = gunicorn
    calls = store_calls(session)
    actor_id = people["actor"].id
    assert rescore(session, settings, people["actor"]), "the member's organisation has matches"
    member = signed_in(base, "member@kone.example")
    token = form_token(member, f"{base}/actors/{actor_id}/matches")
    bulk = replicated_bulk_file(tmp_path / "grantsTenders.json", RECORDS)

    log = tmp_path / "ingest.log"
    with log.open("w") as out:
        run = subprocess.Popen(
            [str(BIN / "radar"), "ingest", "ft_bulk", str(bulk)],
            cwd=ROOT,
            env=environment(url),
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    statuses: dict[str, list[int]] = {"feedback": [], "language": [], "sign-in": []}
    n = 0
    while run.poll() is None:
        answer = member.post(  # the best match as the page shows it now: the run adds matches
            f"{base}/actors/{actor_id}/matches/{best_match(engine, actor_id)}/feedback",
            data={"verdict": "relevant", "csrf_token": token},
            allow_redirects=False,
            timeout=60,
        )
        statuses["feedback"].append(answer.status_code)
        answer = member.post(
            f"{base}/language",
            data={"locale": ("fi", "en")[n % 2], "next": "/", "csrf_token": token},
            allow_redirects=False,
            timeout=60,
        )
        statuses["language"].append(answer.status_code)
        visitor = requests.Session()
        answer = visitor.post(
            f"{base}/login",
            data={
                "email": "staff@hameenliitto.example",
                "password": PASSWORD,
                "csrf_token": form_token(visitor, f"{base}/login"),
            },
            allow_redirects=False,
            timeout=60,
        )
        statuses["sign-in"].append(answer.status_code)
        n += 1
    output = log.read_text(encoding="utf-8")
    assert run.returncode == 0, output

    # A match the run's re-score replaced between reading and posting is gone (404); nothing fails.
    failed = {kind: [s for s in codes if s not in (302, 404)] for kind, codes in statuses.items()}
    assert failed == {"feedback": [], "language": [], "sign-in": []}, statuses
    assert n >= 5, f"only {n} rounds of writes ran during the ingest"
    assert statuses["feedback"].count(302) >= n // 2, statuses
    assert 404 not in statuses["language"] + statuses["sign-in"], statuses
    with Session(engine) as check:
        stored = check.exec(select(func.count()).select_from(Call)).one()
        last = check.exec(select(JobRun).order_by(JobRun.id.desc())).first()
    assert stored == len(calls) + RECORDS
    assert last is not None and last.ok and last.new == RECORDS, output
    assert re.search(rf"\b{RECORDS}\b", output), output

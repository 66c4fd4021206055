"""Web writes while a source run stores 10,000 records: gunicorn with 4 workers, `radar ingest`
in its own process, on SQLite and PostgreSQL (issue 9, section 3)."""

from __future__ import annotations

from sqlmodel import Session, func, select

from tests.live import Writes, gunicorn, radar, replicated_bulk_file, signed_in
from tests.webapp.conftest import PASSWORD, rescore, store_calls
from tracker.models import Call, JobRun, Match

RECORDS = 10_000


def best_match(engine, actor_id: int) -> int | None:
    """The member's best match as the page shows it now: the run adds matches."""
    with Session(engine) as check:
        query = select(Match.call_id).where(Match.actor_id == actor_id)
        return check.exec(query.order_by(Match.score.desc())).first()


def test_web_writes_succeed_while_ten_thousand_records_are_ingested(
    engine, session, settings, people, tmp_path
):
    url = engine.url.render_as_string(hide_password=False)
    calls = store_calls(session)
    actor_id = people["actor"].id
    assert rescore(session, settings, people["actor"]), "the member's organisation has matches"
    bulk = replicated_bulk_file(tmp_path / "grantsTenders.json", RECORDS)
    with gunicorn(url, workers=4) as base:
        member = signed_in(base, "member@kone.example", PASSWORD)
        writes = Writes(base, member, actor_id, PASSWORD, "staff@hameenliitto.example")
        run = radar(url, "ingest", "ft_bulk", str(bulk), log=tmp_path / "ingest.log")
        n = 0
        while run.poll() is None:
            writes.round(best_match(engine, actor_id), n)
            n += 1
    output = (tmp_path / "ingest.log").read_text(encoding="utf-8")
    assert run.returncode == 0, output

    # A match the run's re-score replaced between reading and posting is gone (404); nothing fails.
    statuses = writes.statuses
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

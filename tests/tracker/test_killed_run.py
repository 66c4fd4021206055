"""A `radar ingest` killed half-way: the batches it committed are whole, its run is marked
interrupted at the next start, and the next run stores the rest (issue 9, sections 3 and 6)."""

from __future__ import annotations

import os
import signal
import time

from sqlalchemy import func
from sqlmodel import Session, col, select

from tests.live import radar, replicated_bulk_file
from tracker.jobs import mark_interrupted
from tracker.models import Call, CallDeadline, CallSource, CallVersion, JobRun

RECORDS = 3_000  # six batches


def count(engine, model) -> int:
    with Session(engine) as session:
        return session.exec(select(func.count()).select_from(model)).one()


def test_a_run_killed_half_way_leaves_whole_batches_and_the_next_run_stores_the_rest(
    engine, tmp_path
):
    url = engine.url.render_as_string(hide_password=False)
    bulk = replicated_bulk_file(tmp_path / "grantsTenders.json", RECORDS)
    run = radar(url, "ingest", "ft_bulk", str(bulk), log=tmp_path / "first.log")
    deadline = time.monotonic() + 120
    while count(engine, Call) == 0 and run.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    os.kill(run.pid, signal.SIGKILL)  # as an operator's `kill -9` or a crash would
    run.wait(timeout=30)
    stored = count(engine, Call)
    assert 0 < stored < RECORDS, "killed after a batch was stored and before the last"

    with Session(engine) as session:
        left = session.exec(select(JobRun)).one()
        assert left.finished_at is None  # still "running": nobody could say otherwise
        # Every stored call is whole: its version, its source record and its deadlines.
        versioned = select(CallVersion.call_id)
        sourced = select(CallSource.call_id)
        assert session.exec(select(Call.id).where(col(Call.id).not_in(versioned))).all() == []
        assert session.exec(select(Call.id).where(col(Call.id).not_in(sourced))).all() == []
        dated = select(CallDeadline.call_id)
        undated = session.exec(select(Call).where(col(Call.id).not_in(dated))).all()
        assert all(not c.deadlines for c in undated)
    assert mark_interrupted(engine) == 1  # as the next scheduler start does

    again = radar(url, "ingest", "ft_bulk", str(bulk), log=tmp_path / "again.log")
    assert again.wait(timeout=600) == 0, (tmp_path / "again.log").read_text()
    assert count(engine, Call) == RECORDS
    with Session(engine) as session:
        runs = session.exec(select(JobRun).order_by(JobRun.id)).all()
    assert [r.ok for r in runs] == [False, True]
    assert runs[0].message.startswith("interrupted")
    assert (runs[1].new, runs[1].unchanged) == (RECORDS - stored, stored)
    assert count(engine, CallVersion) == RECORDS  # nothing stored twice

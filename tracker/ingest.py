"""Upsert source records into calls, keeping a version and change events for every change."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, fields
from datetime import date, datetime
from itertools import islice
from typing import Any

from sqlalchemy import delete, func, text, update
from sqlmodel import Session, select

from callrules.deadlines import open_to_applicant
from scrapers.record import CallRecord
from tracker.changes import diff
from tracker.db import among, analyse, column_rows, insert_rows
from tracker.merge import content_hash, merge
from tracker.models import (
    ELIGIBILITY_KINDS,
    Call,
    CallDeadline,
    CallEligibility,
    CallSearch,
    CallSource,
    CallVersion,
    ChangeEvent,
)
from tracker.models import (
    ELIGIBILITY_VALUE_CHARS as VALUE_CHARS,
)
from tracker.queries import kept_call
from tracker.search_index import refresh_search

BATCH = 500
ANALYSE_AFTER = 1_000  # new calls, at least, before PostgreSQL's statistics are gathered again
Checkpoint = Callable[[Session, set[int]], None]
DATE_FIELDS = ("opening_date", "final_deadline", "technical_end")


@dataclass
class IngestStats:
    fetched: int = 0
    new: int = 0
    changed: int = 0
    unchanged: int = 0
    duplicates: int = 0
    withdrawn: int = 0  # calls withdrawn after the run (tracker.withdrawals)
    back: int = 0  # withdrawn calls listed again
    call_ids: set[int] = field(default_factory=set)  # calls that are new or changed

    def add(self, other: IngestStats) -> None:
        for name in (f.name for f in fields(self)):
            mine, theirs = getattr(self, name), getattr(other, name)
            setattr(self, name, mine | theirs if isinstance(mine, set) else mine + theirs)


@dataclass
class _Touched:
    """A record that is new or differs from what its source gave last time."""

    record: CallRecord
    digest: str
    row: dict[str, Any] | None  # the stored CallSource row, if any


def ingest(
    session: Session,
    records: Iterable[CallRecord],
    *,
    priority: Sequence[str],
    today: date,
    now: datetime,
    checkpoint: Checkpoint | None = None,
) -> IngestStats:
    """Store records in batches of `BATCH`.

    After each batch, `checkpoint(session, ids of the calls it stored)` may add to the batch and
    commit it, as a job does so that other writers never wait for a whole run; without one, the
    caller's transaction holds the whole run.
    """
    stats = IngestStats()
    statistics = _Statistics(session)
    seen: set[tuple[str, str]] = set()
    iterator = iter(records)
    while batch := list(islice(iterator, BATCH)):
        unique = []
        for record in batch:
            stats.fetched += 1
            key = (record.source, record.source_key)
            if key in seen:
                stats.duplicates += 1  # the same record served twice in one run
                continue
            seen.add(key)
            unique.append(record)
        stored = _Batch(session, priority, today, now).run(unique)
        stats.add(stored)
        statistics.grown(stored.new)
        if checkpoint is not None:
            checkpoint(session, stored.call_ids)
    return stats


class _Statistics:
    """PostgreSQL's planner statistics kept up with a run that grows the calls: gathered again
    whenever the run has added as many calls as there were when they were last gathered (at
    least ANALYSE_AFTER). A server whose autovacuum is off, or has not yet run, keeps none, and
    without them a batch's look-up of its stored records (`_Batch._stored_sources`) read every
    record of the source: 134 ms a batch instead of 4 ms at 50,000 calls."""

    def __init__(self, session: Session) -> None:
        self.session, self.added = session, 0
        self.postgres = session.get_bind().dialect.name == "postgresql"
        estimate = "SELECT reltuples FROM pg_class WHERE oid = 'call'::regclass"
        self.basis = max(0.0, session.execute(text(estimate)).scalar_one()) if self.postgres else 0

    def grown(self, new: int) -> None:
        self.added += new
        if self.postgres and self.added >= max(ANALYSE_AFTER, self.basis):
            analyse(
                self.session,
                Call,
                CallSource,
                CallVersion,
                CallDeadline,
                CallEligibility,
                CallSearch,
            )
            self.basis, self.added = self.basis + self.added, 0


class _Batch:
    """One batch of records: a few set-based queries instead of one per record."""

    def __init__(self, session: Session, priority: Sequence[str], today: date, now: datetime):
        self.session, self.priority, self.today, self.now = session, priority, today, now
        self.stats = IngestStats()

    def run(self, records: list[CallRecord]) -> IngestStats:
        stored = self._stored_sources(records)
        touched, unchanged = [], []
        for record in records:
            digest = hashlib.sha256(record.fingerprint.encode()).hexdigest()
            row = stored.get((record.source, record.source_key))
            if row is not None and row["record_hash"] == digest:
                unchanged.append(row["id"])
            else:
                touched.append(_Touched(record, digest, row))
        self._touch_unchanged(unchanged)
        self.stats.unchanged += len(unchanged)
        if touched:
            self._apply(touched)
        return self.stats

    def _stored_sources(self, records: list[CallRecord]) -> dict[tuple[str, str], dict[str, Any]]:
        by_source: dict[str, list[str]] = {}
        for record in records:
            by_source.setdefault(record.source, []).append(record.source_key)
        columns = (
            CallSource.id,
            CallSource.source,
            CallSource.source_key,
            CallSource.call_id,
            CallSource.record_hash,
        )
        stored = {}
        for source, keys in by_source.items():
            query = select(*columns).where(
                CallSource.source == source, among(self.session, CallSource.source_key, keys)
            )
            for row in self.session.exec(query):
                stored[(row.source, row.source_key)] = row._asdict()
        return stored

    def _touch_unchanged(self, source_ids: list[int]) -> None:
        if not source_ids:
            return
        self.session.exec(
            update(CallSource)
            .where(among(self.session, CallSource.id, source_ids))
            .values(last_seen=self.now, missed_runs=0)
        )

    def _apply(self, touched: list[_Touched]) -> None:
        calls = self._existing_calls(touched)
        groups: dict[Any, list[_Touched]] = {}
        for item in touched:
            call = calls.get(item.row["call_id"]) if item.row else calls.get(item.record.identifier)
            groups.setdefault(call.id if call else item.record.identifier, []).append(item)
        existing_ids = [key for key in groups if isinstance(key, int)]
        siblings = self._sibling_records(
            existing_ids, {(t.record.source, t.record.source_key) for t in touched}
        )
        inputs = {
            key: list(
                (
                    siblings.get(key, {})
                    | {(t.record.source, t.record.source_key): t.record for t in items}
                ).values()
            )
            for key, items in groups.items()
        }
        call_ids = self._store(
            inputs, calls, {key: items[0].record.source for key, items in groups.items()}
        )
        self._write_sources(touched, call_ids, groups)

    def remerge(self, call_ids: list[int], source: str) -> None:
        """Merge the stored records of these calls again, e.g. after two calls became one."""
        calls = {
            call.id: call
            for call in self.session.exec(
                select(Call).where(among(self.session, Call.id, call_ids))
            )
        }
        inputs = {
            key: list(records.values())
            for key, records in self._sibling_records(call_ids, set()).items()
        }
        self._store(inputs, calls, dict.fromkeys(inputs, source))

    def _store(
        self, inputs: dict[Any, list[CallRecord]], calls: dict[Any, Call], sources: dict[Any, str]
    ) -> dict[Any, int]:
        """Merged content for each call (key: call id, or identifier of a new call); returns ids."""
        numbers = self._version_numbers([key for key in inputs if isinstance(key, int)])
        versions, old_contents, created = [], {}, []
        changed_rows = []
        for key, records in inputs.items():
            content, origin = merge(records, self.priority)
            digest = content_hash(content)
            row = self._call_row(content, origin, digest)
            if isinstance(key, str):
                created.append((row | {"identifier": key, "first_seen": self.now}, content))
                self.stats.new += 1
            elif digest != calls[key].content_hash:
                changed_rows.append(row | {"id": key})
                old_contents[key] = _stored_content(calls[key], content)
                versions.append(
                    {"call_id": key, "number": numbers.get(key, 0) + 1, "content": content}
                )
                self.stats.changed += 1
            else:
                self.stats.unchanged += 1
        ids = self._insert_calls([row for row, _ in created])
        versions += [
            {"call_id": ids[row["identifier"]], "number": 1, "content": c} for row, c in created
        ]
        if changed_rows:
            self.session.execute(update(Call), changed_rows)
        call_ids = {key: ids.get(key, key) for key in inputs}
        stored = {call_ids[key] for key in inputs if key in ids or key in old_contents}
        refresh_deadlines(self.session, stored)  # the index of deadlines the call list sorts by
        refresh_eligibility(self.session, stored)  # and of the eligibility it filters by
        refresh_search(self.session, stored)  # and of the words it searches
        self.stats.call_ids |= stored
        self._write_versions(
            versions, old_contents, {call_ids[key]: sources[key] for key in inputs}
        )
        return call_ids

    def _existing_calls(self, touched: list[_Touched]) -> dict[Any, Call]:
        ids = {t.row["call_id"] for t in touched if t.row}
        identifiers = {t.record.identifier for t in touched if not t.row}
        query = select(Call).where(
            among(self.session, Call.id, ids) | among(self.session, Call.identifier, identifiers)
        )
        calls: dict[Any, Call] = {}
        for found in self.session.exec(query):
            # A call staff merged into another: its records go to the call that was kept.
            kept = kept_call(self.session, found)
            calls[found.id] = calls[found.identifier] = calls[kept.id] = kept
        return calls

    def _sibling_records(
        self, call_ids: list[int], replaced: set[tuple[str, str]]
    ) -> dict[int, dict[Any, CallRecord]]:
        """The stored records of these calls but the `replaced` ones, keyed by (source, key)."""
        grouped: dict[int, dict[Any, CallRecord]] = {}
        query = select(
            CallSource.call_id, CallSource.source, CallSource.source_key, CallSource.record
        )
        for row in self.session.exec(
            query.where(among(self.session, CallSource.call_id, call_ids))
        ):
            if (row.source, row.source_key) not in replaced:
                grouped.setdefault(row.call_id, {})[(row.source, row.source_key)] = (
                    CallRecord.from_json(row.record)
                )
        return grouped

    def _version_numbers(self, call_ids: list[int]) -> dict[int, int]:
        query = select(CallVersion.call_id, func.max(CallVersion.number)).group_by(
            CallVersion.call_id
        )
        return dict(
            self.session.exec(query.where(among(self.session, CallVersion.call_id, call_ids))).all()
        )

    def _call_row(
        self, content: dict[str, Any], origin: dict[str, str], digest: str
    ) -> dict[str, Any]:
        row = {
            k: date.fromisoformat(v) if k in DATE_FIELDS and v else v for k, v in content.items()
        }
        return row | {
            "field_sources": origin,
            "content_hash": digest,
            "last_changed": self.now,
        }

    def _insert_calls(self, rows: list[dict[str, Any]]) -> dict[str, int]:
        if not rows:
            return {}
        # Every row has every merged field (None as NULL), so the rows go in at once. The new
        # ids are read back by identifier: RETURNING made SQLite insert a row per statement
        # (for the parameters' order) and psycopg parse one statement of thousands of
        # parameters per page of rows.
        insert_rows(self.session, Call, rows)
        identifiers = [row["identifier"] for row in rows]
        query = select(Call.identifier, Call.id).where(
            among(self.session, Call.identifier, identifiers)
        )
        return dict(self.session.execute(query).all())

    def _write_sources(
        self, touched: list[_Touched], call_ids: dict[Any, int], groups: dict[Any, list[_Touched]]
    ) -> None:
        call_of = {id(item): call_ids[key] for key, items in groups.items() for item in items}
        new, changed = [], []
        for item in touched:
            values = {
                "call_id": call_of[id(item)],
                "url": item.record.url,
                "record": item.record.to_json(),
                "record_hash": item.digest,
                "last_seen": self.now,
                "missed_runs": 0,
            }
            if item.row:
                changed.append(values | {"id": item.row["id"]})
            else:
                new.append(
                    values
                    | {
                        "source": item.record.source,
                        "source_key": item.record.source_key,
                        "first_seen": self.now,
                    }
                )
        insert_rows(self.session, CallSource, new)
        if changed:
            self.session.execute(update(CallSource), changed)

    def _write_versions(
        self,
        versions: list[dict[str, Any]],
        old_contents: dict[int, dict[str, Any]],
        sources: dict[int, str],
    ) -> None:
        if not versions:
            return
        rows = [v | {"created_at": self.now, "source": sources[v["call_id"]]} for v in versions]
        version_ids = insert_versions(self.session, rows)
        events = [
            event | {"call_id": call_id, "version_id": version_ids[call_id], "created_at": self.now}
            for row in rows
            if (call_id := row["call_id"]) in old_contents
            for event in diff(old_contents[call_id], row["content"], self.today)
        ]
        insert_rows(self.session, ChangeEvent, events)


def insert_versions(session: Session, rows: list[dict[str, Any]]) -> dict[int, int]:
    """Insert versions, one per call, and return each call's new version id, read back by call
    and number (as the calls' ids are, see _Batch._insert_calls)."""
    insert_rows(session, CallVersion, rows)
    query = select(CallVersion.call_id, CallVersion.number, CallVersion.id).where(
        among(session, CallVersion.call_id, {row["call_id"] for row in rows})
    )
    ids = {(call_id, number): id_ for call_id, number, id_ in session.execute(query)}
    return {row["call_id"]: ids[row["call_id"], row["number"]] for row in rows}


def _stored_content(call: Call, like: dict[str, Any]) -> dict[str, Any]:
    """The content a call holds now, in the JSON form of `like`."""
    stored = {name: getattr(call, name) for name in like}
    return {k: v.isoformat() if k in DATE_FIELDS and v else v for k, v in stored.items()}


def remerge(
    session: Session,
    call_ids: list[int],
    *,
    priority: Sequence[str],
    today: date,
    now: datetime,
    source: str,
) -> IngestStats:
    """Merge the stored source records of these calls again; a change makes a version."""
    batch = _Batch(session, priority, today, now)
    batch.remerge(call_ids, source)
    return batch.stats


def refresh_deadlines(session: Session, call_ids: Iterable[int]) -> None:
    """Rewrite the deadline index of these calls: every deadline, marked when a new applicant
    may use it."""
    ids = list(call_ids)
    if not ids:
        return
    session.exec(delete(CallDeadline).where(among(session, CallDeadline.call_id, ids)))
    rows = column_rows(
        session,
        select(Call.id, Call.deadlines, Call.deadline_model).where(among(session, Call.id, ids)),
    )
    values = [
        {"call_id": call_id, "deadline": day, "newcomer": newcomer}
        for call_id, deadlines, model in rows
        for day, newcomer in deadline_days(deadlines, model)
    ]
    insert_rows(session, CallDeadline, values)


def deadline_days(
    deadlines: list[dict[str, Any]] | None, model: str | None
) -> list[tuple[date, bool]]:
    """The days of stored deadlines (JSON), sorted, each with whether a new applicant may
    submit on it."""
    days = sorted(date.fromisoformat(d["date"]) for d in deadlines or [])
    usable = len(open_to_applicant(days, model))  # the first ones: stage 1 of a two-stage call
    return [(day, number < usable) for number, day in enumerate(days)]


def refresh_eligibility(session: Session, call_ids: Iterable[int]) -> None:
    """Rewrite the eligibility index of these calls from their stored eligibility."""
    ids = list(call_ids)
    if not ids:
        return
    session.exec(delete(CallEligibility).where(among(session, CallEligibility.call_id, ids)))
    rows = column_rows(
        session, select(Call.id, Call.eligibility).where(among(session, Call.id, ids))
    )
    values = [row for call_id, rules in rows for row in eligibility_rows(call_id, rules)]
    insert_rows(session, CallEligibility, values)


def eligibility_rows(call_id: int, rules: dict[str, Any] | None) -> list[dict[str, Any]]:
    """The index rows of one call's eligibility (its JSON as stored)."""
    return [
        {"call_id": call_id, "kind": kind, "value": value}
        for key, kind in ELIGIBILITY_KINDS.items()
        for value in sorted({str(v) for v in (rules or {}).get(key) or ()})
        if len(value) <= VALUE_CHARS  # codes: anything longer names no place or kind
    ]

"""The full-text index of calls: each call's terms (matcher.search_terms), rewritten whenever
ingest stores the call; the engines index the terms (migration 0018, read by tracker.search)."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import delete
from sqlmodel import Session, select

from matcher.search_terms import DOCUMENT_FIELDS, document
from tracker.db import among, column_rows, insert_rows
from tracker.models import Call, CallSearch


def refresh_search(session: Session, call_ids: Iterable[int]) -> None:
    """Rewrite the terms of these calls from their stored texts."""
    ids = list(call_ids)
    if not ids:
        return
    session.exec(delete(CallSearch).where(among(session, CallSearch.call_id, ids)))
    fields = [getattr(Call, name) for name in DOCUMENT_FIELDS]
    rows = column_rows(session, select(Call.id, *fields).where(among(session, Call.id, ids)))
    values = []
    for row in rows:
        terms = document(**{name: getattr(row, name) for name in DOCUMENT_FIELDS})
        values.append({"call_id": row.id, "title": terms.title, "body": terms.body})
    insert_rows(session, CallSearch, values)

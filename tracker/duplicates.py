"""The same call reached through two sources under different ids: found, then confirmed by staff."""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from difflib import SequenceMatcher
from itertools import combinations

from sqlalchemy import delete, update
from sqlmodel import Session, col, select

from tracker.follows import move_follows
from tracker.ingest import remerge
from tracker.models import (
    Application,
    Call,
    CallSource,
    CallTheme,
    DuplicateCandidate,
    Feedback,
    Match,
)

TITLE_SIMILARITY = 0.88
_WORD = re.compile(r"[a-z0-9]+")


def normalise(text: str | None) -> str:
    """Lower case, accents and punctuation removed, one space between words."""
    plain = unicodedata.normalize("NFKD", text or "").encode("ascii", "ignore").decode().lower()
    return " ".join(_WORD.findall(plain))


@dataclass(frozen=True)
class _Call:
    id: int
    title: str
    programme: str
    dates: frozenset[str]
    sources: frozenset[str]


def find_candidates(
    session: Session, call_ids: Iterable[int] | None = None
) -> list[DuplicateCandidate]:
    """Mark pairs of calls from different sources with a similar title, programme and deadline."""
    calls = _active_calls(session)
    focus = set(call_ids) if call_ids is not None else None
    known = {(c.call_id, c.other_id) for c in session.exec(select(DuplicateCandidate))}
    blocks: dict[str, list[_Call]] = defaultdict(list)
    for call in calls:
        for day in call.dates:
            blocks[day].append(call)  # a duplicate shares at least one deadline day
    found: dict[tuple[int, int], DuplicateCandidate] = {}
    for day, members in blocks.items():
        for a, b in combinations(members, 2):
            pair = (min(a.id, b.id), max(a.id, b.id))
            if pair in known or pair in found or (focus is not None and not focus & set(pair)):
                continue
            candidate = _compare(a, b, day)
            if candidate is not None:
                found[pair] = candidate
    session.add_all(found.values())
    session.flush()
    return list(found.values())


def _compare(a: _Call, b: _Call, day: str) -> DuplicateCandidate | None:
    if a.sources & b.sources:
        return None  # one source does not list one call twice under two ids
    if not _same_programme(a.programme, b.programme):
        return None
    similarity = SequenceMatcher(None, a.title, b.title).ratio()
    if similarity < TITLE_SIMILARITY:
        return None
    kept, other = sorted((a, b), key=lambda c: c.id)
    reasons = {
        "title_similarity": round(similarity, 3),
        "deadline": day,
        "programme": a.programme or b.programme,
    }
    return DuplicateCandidate(
        call_id=kept.id, other_id=other.id, similarity=similarity, reasons=reasons
    )


def _same_programme(a: str, b: str) -> bool:
    """Unknown, equal, or one name inside the other ("Horizon Europe" in "Horizon Europe (HORIZON)")."""
    if not a or not b:
        return True
    words_a, words_b = set(a.split()), set(b.split())
    return words_a <= words_b or words_b <= words_a


def _active_calls(session: Session) -> list[_Call]:
    sources: dict[int, set[str]] = defaultdict(set)
    for call_id, source in session.exec(select(CallSource.call_id, CallSource.source)):
        sources[call_id].add(source)
    rows = session.exec(
        select(Call.id, Call.title, Call.programme, Call.deadlines).where(
            col(Call.merged_into_id).is_(None)
        )
    )
    return [
        _Call(
            id=row.id,
            title=normalise(row.title),
            programme=normalise(row.programme),
            dates=frozenset(d["date"] for d in row.deadlines),
            sources=frozenset(sources[row.id]),
        )
        for row in rows
    ]


def confirm(
    session: Session,
    candidate_id: int,
    *,
    user_id: int | None,
    priority: Sequence[str],
    today: date,
    now: datetime,
) -> Call:
    """Make the two calls one: the other call's source links, feedback, applications,
    followers and history point to the kept one. Of two people confirming at once, the second is told it is
    done; on PostgreSQL the two calls' rows are locked until the merge commits, so no ingest
    changes them half-way."""
    candidate = _decide(session, candidate_id, "confirmed", user_id, now)
    kept, other = candidate.call_id, candidate.other_id
    session.exec(
        select(Call.id).where(col(Call.id).in_([kept, other])).order_by(Call.id).with_for_update()
    )
    session.exec(update(CallSource).where(CallSource.call_id == other).values(call_id=kept))
    for followed in (Feedback, Application):
        session.exec(update(followed).where(followed.call_id == other).values(call_id=kept))
    move_follows(session, other, kept)
    for model in (Match, CallTheme):  # recomputed for the kept call
        session.exec(delete(model).where(model.call_id == other))
    session.exec(update(Call).where(Call.id == other).values(merged_into_id=kept, last_changed=now))
    remerge(session, [kept], priority=priority, today=today, now=now, source="staff-merge")
    session.flush()
    return session.get(Call, kept)


def reject(session: Session, candidate_id: int, *, user_id: int | None, now: datetime) -> None:
    """Keep the two calls apart; the pair is never suggested again."""
    _decide(session, candidate_id, "rejected", user_id, now)


def _decide(
    session: Session, candidate_id: int, status: str, user_id: int | None, now: datetime
) -> DuplicateCandidate:
    """Decide a pending candidate once: a compare-and-set, so that of two decisions at once the
    second waits for the first and is refused, on both engines."""
    decided = session.execute(
        update(DuplicateCandidate)
        .where(col(DuplicateCandidate.id) == candidate_id, DuplicateCandidate.status == "pending")
        .values(status=status, decided_by=user_id, decided_at=now)
    )
    candidate = session.get(DuplicateCandidate, candidate_id, populate_existing=True)
    if candidate is None:
        raise LookupError(f"no duplicate candidate {candidate_id}")
    if decided.rowcount != 1:  # type: ignore[attr-defined]
        raise ValueError(f"duplicate candidate {candidate_id} is already {candidate.status}")
    return candidate


def pending(session: Session) -> list[DuplicateCandidate]:
    """Candidates waiting for a decision, most similar first."""
    query = select(DuplicateCandidate).where(DuplicateCandidate.status == "pending")
    return list(session.exec(query.order_by(col(DuplicateCandidate.similarity).desc())))

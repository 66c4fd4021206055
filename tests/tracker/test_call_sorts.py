"""The calls list sorted by newest and by budget (0027's indexes, the count apart), on real
calls first seen by two ingests a day apart: page after page, every call found in Python's
order of those columns, on both engines."""

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlmodel import select

from tests.tracker.helpers import bulk_records, feed_records, sedia_records
from tracker.ingest import ingest
from tracker.models import Call
from tracker.search import CallQuery, found_calls, search_calls

FIRST = datetime(2026, 8, 21, 6, 0, tzinfo=UTC)
TODAY = date(2026, 8, 22)
PRIORITY = ["ft_search", "ft_bulk", "eu_grants_feed"]
ORDERS = {  # Python's order of each sort: the newest, the largest budget first; ties by id
    "newest": lambda call: (-call.first_seen.timestamp(), -call.id),
    "budget": lambda call: (call.budget_total_eur is None, -(call.budget_total_eur or 0), -call.id),
}


@pytest.fixture
def stored(session):
    """The feed's calls seen first, the Funding & Tenders ones a day later."""
    for records, now in (
        (feed_records(), FIRST),
        (sedia_records() + bulk_records(), FIRST + timedelta(days=1)),
    ):
        ingest(session, records, priority=PRIORITY, today=now.date(), now=now)
        session.commit()
    return list(session.exec(select(Call)))


@pytest.mark.parametrize("sort", list(ORDERS))
@pytest.mark.parametrize("status", ["current", "open", "closed", ""])
def test_sorted_by_newest_or_budget_every_page_lists_the_next_calls(session, stored, sort, status):
    found = found_calls(session, CallQuery(status=status), TODAY)  # by deadline
    assert len({call.first_seen for call in found}) == 2 or status == "closed"
    listed, page = [], CallQuery(status=status, sort=sort, page=1, page_size=4)
    while True:
        result = search_calls(session, page, TODAY)
        assert result.total == len(found)
        listed += [row.call.id for row in result.rows]
        if page.page >= result.pages:
            break
        page.page += 1
    assert listed == [call.id for call in sorted(found, key=ORDERS[sort])]
    assert [
        c.id for c in found_calls(session, CallQuery(status=status, sort=sort), TODAY)
    ] == listed

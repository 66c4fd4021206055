"""Records beyond the columns' bounds through the real scrape path, alike on both engines."""

from __future__ import annotations

import json
from typing import Any

from sqlmodel import Session, select

from tests.tracker.helpers import FEED_FILE
from tests.tracker.test_no_silent_loss import TODAY, drifted
from tracker.jobs import ingest_files
from tracker.models import LARGEST_AMOUNT, TEXT_CHARS, TITLE_CHARS, Call, CallSource

GRANTS = json.loads(FEED_FILE.read_bytes())["grants"]
LONG, CUT, NUL, RICH = (GRANTS[i]["identifier"] for i in range(4))


def beyond_bounds(data: dict[str, Any]) -> None:
    """Four real grants of the feed pushed past a bound each."""
    long, cut, nul, rich = data["grants"][:4]
    long["identifier"] += "-" * 200
    cut["title"] = cut["title"] * (TITLE_CHARS // len(cut["title"]) + 2)
    cut["abstract"] = cut["abstract"] * (TEXT_CHARS // len(cut["abstract"]) + 2)
    nul["title"] = nul["title"].replace(" ", "\x00 ", 1)
    nul["abstract"] = "\x00" + nul["abstract"]
    rich["budget"]["totalBudgetEur"] = LARGEST_AMOUNT + 1


def test_records_beyond_bounds_are_cut_cleaned_or_left_out(engine, settings, tmp_path):
    path = drifted(tmp_path, FEED_FILE, beyond_bounds)
    run = ingest_files(engine, settings, "eu_grants_feed", [path], today=TODAY)

    assert run.ok, run.message  # no database error on either engine
    assert run.new == len(GRANTS) - 2 and run.errors == 2
    problems = {(e["key"], e["field"], e["problem"]) for e in run.record_errors}
    long_key = next(e["key"] for e in run.record_errors if e["field"] == "identifier")
    assert problems == {
        (long_key, "identifier", "long"),
        (GRANTS[3]["id"], "budget.total_eur", "value"),
        (GRANTS[1]["id"], "title", "cut"),
        (GRANTS[1]["id"], "description_html", "cut"),
    }
    with Session(engine) as session:
        calls = {call.identifier: call for call in session.exec(select(Call))}
        assert LONG not in calls and not any(key.startswith(LONG + "-") for key in calls)
        assert RICH not in calls
        cut = calls[CUT]
        assert len(cut.title) == TITLE_CHARS and cut.title.startswith(GRANTS[1]["title"])
        assert len(cut.description_html or "") <= TEXT_CHARS + 1000  # cut, then sanitised
        cleaned = calls[NUL]
        assert cleaned.title == GRANTS[2]["title"] and "\x00" not in (
            cleaned.description_html or ""
        )
        stored = session.exec(select(CallSource).where(CallSource.call_id == cleaned.id)).one()
        assert "\x00" not in json.dumps(stored.record)

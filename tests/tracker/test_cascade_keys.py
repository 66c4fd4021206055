"""One cascade (FSTP) open call has one identifier whichever F&T source carries it."""

from __future__ import annotations

import json
from collections import Counter
from datetime import date
from pathlib import Path

from sqlmodel import select

from scrapers.base import Page
from scrapers.eu_grants_feed import EuGrantsFeed
from scrapers.fields import RecordError
from scrapers.ft_bulk import FtBulk
from scrapers.ft_codes import cascade_identifier
from scrapers.ft_search import FtSearch
from tests.conftest import FIXTURES
from tests.tracker.helpers import BULK_FILE, FEED_FILE, parse_file
from tracker.ingest import ingest
from tracker.models import Call, CallSource, utcnow

CASCADE_FILE = FIXTURES / "sedia" / "search_cascade_type8_reduced-fields.json"
PRIORITY = ["ft_search", "ft_bulk", "eu_grants_feed"]


def test_every_real_cascade_call_is_keyed_by_its_reference_in_both_sources():
    search = parse_file(FtSearch(FtSearch.Settings()), CASCADE_FILE)
    feed = [r for r in parse_file(EuGrantsFeed(EuGrantsFeed.Settings()), FEED_FILE)]
    cascades = [r for r in search + feed if r.kind == "cascade"]
    assert len(cascades) == 4 + 83
    for record in cascades:
        assert record.identifier == cascade_identifier(dict(record.extra)["reference"])
    # Open calls sharing a parent topic and a portal page stay apart (METU and Gnomon share
    # /competitive-calls-cs/46214053; four feed calls share /48939726).
    assert len({r.identifier for r in cascades}) == len(cascades)
    pages = Counter(r.url for r in cascades)
    assert pages.most_common(1)[0][1] > 1


def test_the_same_cascade_call_from_the_search_api_and_the_feed_is_one_call(session, tmp_path):
    (metu,) = [
        r
        for r in json.loads(CASCADE_FILE.read_bytes())["results"]
        if r["reference"] == "11143COMPETITIVE_CALLen"
    ]
    feed_file = _as_feed_mirrors_it(metu, tmp_path)
    records = parse_file(FtSearch(FtSearch.Settings()), CASCADE_FILE) + parse_file(
        EuGrantsFeed(EuGrantsFeed.Settings()), feed_file
    )
    ingest(session, records, priority=PRIORITY, today=date(2026, 8, 22), now=utcnow())
    session.commit()
    call = session.exec(select(Call).where(Call.identifier == "FSTP-11143")).one()
    sources = session.exec(select(CallSource.source).where(CallSource.call_id == call.id)).all()
    assert sorted(sources) == ["eu_grants_feed", "ft_search"]
    assert call.title == "METU Internships Offer"
    assert len(session.exec(select(Call)).all()) == 4  # the other three calls of the fixture


def test_a_bulk_cascade_record_without_a_reference_is_refused_not_keyed_by_a_shared_id(tmp_path):
    data = json.loads(BULK_FILE.read_bytes())
    # Test construction: the real file's first grant as a cascade record (type 8).
    data["fundingData"]["GrantTenderObj"] = [
        {**data["fundingData"]["GrantTenderObj"][0], "type": 8}
    ]
    path = tmp_path / "grantsTenders.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    (error,) = FtBulk(FtBulk.Settings()).parse(Page("ft_bulk", path.as_uri(), path))
    assert isinstance(error, RecordError) and error.field == "reference"


def _as_feed_mirrors_it(doc: dict, tmp_path: Path) -> Path:
    """Test construction: the real search-API document as eu-grants-feed mirrors such documents
    (its field names; values taken from the document), in the real snapshot's envelope."""
    meta = {key: values[0] for key, values in doc["metadata"].items()}
    snapshot = json.loads(FEED_FILE.read_bytes())
    snapshot["grants"] = [
        {
            "id": doc["reference"],
            "identifier": meta["identifier"],
            "title": meta["title"],
            "summary": doc["summary"],
            "url": doc["url"],
            "callTitle": meta["callTitle"],
            "kind": {"id": meta["type"], "label": "Cascade funding calls"},
            "status": {"id": meta["status"], "label": "Open for submission"},
            "startDate": meta["startDate"].replace("+0000", "Z"),
            "deadlineDate": doc["metadata"]["deadlineDate"][2].replace("+0000", "Z"),
            "frameworkProgrammes": [{"id": meta["frameworkProgramme"], "label": ""}],
            "programmeDivisions": [],
        }
    ]
    path = tmp_path / "feed.json"
    path.write_text(json.dumps(snapshot), encoding="utf-8")
    return path

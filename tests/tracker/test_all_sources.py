"""Every source's recorded responses ingested together: one call per call, its source links kept."""

import json
from collections import Counter
from datetime import UTC, date, datetime

from sqlmodel import select

from scrapers import SOURCES
from scrapers.base import Page
from scrapers.eu_grants_feed import EuGrantsFeed
from scrapers.eura2021 import Eura2021
from scrapers.euro_access import EuroAccess, list_rows
from scrapers.ft_codes import programme_named
from scrapers.haeavustuksia import Haeavustuksia
from scrapers.interreg import Interreg
from tests.conftest import FIXTURES
from tests.scrapers.test_eura2021 import CODES, ROW, page_html
from tests.scrapers.test_euro_access import LIST, LIST_URL
from tests.tracker.helpers import bulk_records, parse_file, sedia_records
from tracker.ingest import ingest
from tracker.models import Call, CallSource
from tracker.search import CallQuery, filter_options, search_calls

PRIORITY = [s.name for s in SOURCES]
NOW = datetime(2026, 9, 1, 6, 0, tzinfo=UTC)
FEED = FIXTURES / "sedia" / "derived" / "eu_grants_feed_snapshot_2026-08-22.json"


def all_records():
    hae_item = json.loads((FIXTURES / "finland" / "haeavustuksia_list_item.json").read_text())
    # Test construction: the recorded item in the list envelope the API wraps it in.
    hae_page = json.dumps({"totalCount": 1, "pageCount": 1, "hakuilmoitukset": [hae_item]}).encode()
    regional_row = {**ROW, "viranomainen": "2605", "hakutunnus": "HL-TEST-1", "id": "hl-test-1"}
    return [
        *sedia_records(),
        *bulk_records(),
        *parse_file(EuGrantsFeed(EuGrantsFeed.Settings()), FEED),
        *parse_file(
            Interreg(Interreg.Settings()),
            FIXTURES / "interreg" / "interreg_eu_algolia_open_calls.json",
        ),
        *parse_file(
            EuroAccess(EuroAccess.Settings()), FIXTURES / "euro_access" / "call_detail_135.html"
        ),
        *Haeavustuksia(Haeavustuksia.Settings()).parse(
            Page("haeavustuksia", "https://www.haeavustuksia.fi/", hae_page)
        ),
        # Test construction: the recorded EURA row as the page embeds it, and the same row as
        # a Hämeen liitto (authority 2605) call to see the regional marking survive ingest.
        *Eura2021(Eura2021.Settings()).parse(
            Page("eura2021", "https://eura2021.fi/", page_html([ROW, regional_row], CODES))
        ),
    ]


def test_all_sources_merge_into_one_list_without_duplicates(session):
    records = all_records()
    stats = ingest(session, records, priority=PRIORITY, today=date(2026, 9, 1), now=NOW)
    session.commit()
    calls = session.exec(select(Call)).all()
    identifiers = Counter(call.identifier for call in calls)
    assert max(identifiers.values()) == 1
    assert len(calls) == stats.new == len({r.identifier for r in records})
    # The grantsTenders excerpt and the SEDIA pages overlap the eu-grants-feed snapshot.
    assert len(records) - len(calls) == 9  # 5 bulk topics and 4 SEDIA topics
    links = {
        call.identifier: sorted(
            s.source for s in session.exec(select(CallSource).where(CallSource.call_id == call.id))
        )
        for call in calls
    }
    assert links["HORIZON-MISS-2026-02-CANCER-05"] == ["eu_grants_feed", "ft_bulk"]
    assert links["HORIZON-CL5-2026-09-D4-03"] == ["eu_grants_feed", "ft_search"]
    assert Counter(len(v) for v in links.values())[2] == 9


def test_merged_call_takes_each_field_from_the_richest_source(session):
    ingest(session, all_records(), priority=PRIORITY, today=date(2026, 9, 1), now=NOW)
    call = session.exec(
        select(Call).where(Call.identifier == "HORIZON-MISS-2026-02-CANCER-05")
    ).one()
    # The bulk file has no description and no budget; the feed has both.
    assert call.field_sources["title"] == "ft_bulk"
    assert call.field_sources["description_html"] == "eu_grants_feed"
    assert call.field_sources["budget"] == "eu_grants_feed"
    assert call.description_text and call.budget_total_eur
    assert call.programme_part == "Health"  # only the bulk file names the division


def test_a_programme_is_one_value_to_filter_by_whichever_source_named_it(session):
    """euro-access's "Erasmus+" is F&T's "Erasmus+ (ERASMUS+)": the calls page offers one."""
    ingest(session, all_records(), priority=PRIORITY, today=date(2026, 9, 1), now=NOW)
    offered = filter_options(session)["programme"]
    assert "Erasmus+ (ERASMUS+)" in offered and "Erasmus+" not in offered
    erasmus = search_calls(session, CallQuery(programme="Erasmus+ (ERASMUS+)"), date(2026, 1, 1))
    assert "ERASMUS-EDU-2022-ECHE-CERT-FP" in {row.call.identifier for row in erasmus.rows}
    names = Counter(
        row.programme for row in list_rows(Page("euro_access", LIST_URL, LIST.read_bytes()))
    )
    mapped = {name: programme_named(name) for name in names}  # every name of the real list
    assert (
        mapped["Horizon Europe: Cluster 5 - Climate, Energy and Mobility"]
        == "Horizon Europe (HORIZON)"
    )
    assert mapped["Digital Europe"] == "Digital Europe Programme (DIGITAL)"
    assert mapped["Connecting Europe Facility for Transport"] == "Connecting Europe Facility (CEF)"
    unknown = (
        "Interreg Czechia-Poland",
        "EU4Health programme 2021-2027",
        "New European Bauhaus Facility",
    )
    assert all(mapped[name] == name for name in unknown)


def test_eligibility_is_structured_where_the_sources_give_it(session):
    ingest(session, all_records(), priority=PRIORITY, today=date(2026, 9, 1), now=NOW)
    by_id = {call.identifier: call for call in session.exec(select(Call))}
    sudoe = [call for call in by_id.values() if call.identifier.startswith("INTERREG-")]
    assert len(sudoe) == 3
    assert all(
        "ES" in call.eligibility["countries"] and call.eligibility["regions"] for call in sudoe
    )
    assert not any(call.regional for call in sudoe)
    charter = by_id["ERASMUS-EDU-2022-ECHE-CERT-FP"]
    assert set(charter.eligibility["organisation_types"]) == {"research", "higher_education"}
    assert by_id["HL-TEST-1"].regional and by_id["HL-TEST-1"].eligibility["regions"] == ["FI1C2"]
    assert not by_id[ROW["hakutunnus"]].regional
    continuous = [call for call in by_id.values() if call.continuous]
    assert continuous and all(
        call.deadlines == [] and call.status(date(2026, 9, 1)) == "open" for call in continuous
    )

from datetime import date

from tests.tracker.helpers import sedia_records
from tracker.ingest import ingest
from tracker.models import utcnow
from webapp import create_app


def test_calls_page_lists_stored_calls_with_status_and_next_deadline(engine, settings, session):
    ingest(session, sedia_records(), priority=["ft_search"], today=date.today(), now=utcnow())
    session.commit()
    client = create_app(settings, engine=engine).test_client()
    page = client.get("/").get_data(as_text=True)
    assert "HORIZON-CL5-2026-09-D4-03" in page
    assert "Advanced data platforms to integrate whole life carbon" in page
    closed = client.get("/?status=closed").get_data(as_text=True)
    # The Horizon topic closed on 2025-10-02 whatever its source said.
    assert "HORIZON-CL4-2025-04-DATA-03" in closed

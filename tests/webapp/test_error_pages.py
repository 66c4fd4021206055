"""Error pages of the service's own in the user's language; a crash logged under the request id
its page shows (issue 10)."""

from __future__ import annotations

import logging
import re
from contextlib import contextmanager

from sqlalchemy import text

from tracker.accounts import issue_api_token

FI = {"Accept-Language": "fi"}
EN = {"Accept-Language": "en"}


@contextmanager
def calls_table_gone(engine):
    """A database failure as an operator may cause one: the calls' table renamed away."""
    with engine.begin() as connection:
        connection.execute(text('ALTER TABLE "call" RENAME TO call_away'))
    try:
        yield
    finally:
        with engine.begin() as connection:
            connection.execute(text('ALTER TABLE call_away RENAME TO "call"'))


def test_a_crash_is_the_services_own_page_with_the_reference_it_is_logged_under(
    app, client, engine, caplog
):
    app.config["PROPAGATE_EXCEPTIONS"] = False  # as served: the test client re-raises otherwise
    with calls_table_gone(engine), caplog.at_level(logging.ERROR):
        fi = client.get("/", headers=FI)
        en = client.get("/", headers=EN)
    assert fi.status_code == en.status_code == 500
    page = fi.get_data(as_text=True)
    assert '<html lang="fi">' in page and "Jokin meni vikaan" in page
    reference = re.search(r'<code class="reference">([0-9a-f]{12})</code>', page).group(1)
    assert fi.headers["X-Request-ID"] == reference
    assert "Internal Server Error" not in page  # never Werkzeug's English page
    assert "Something went wrong" in en.get_data(as_text=True)
    logged = [r for r in caplog.records if reference in r.getMessage()]
    assert len(logged) == 1 and logged[0].exc_info is not None
    assert "GET /" in logged[0].getMessage()


def test_an_api_crash_is_problem_details_with_the_request_id(
    app, client, engine, session, people, caplog
):
    app.config["PROPAGATE_EXCEPTIONS"] = False
    staff = {"Authorization": f"Bearer {issue_api_token(session, people['staff'])}"}
    session.commit()
    with calls_table_gone(engine), caplog.at_level(logging.ERROR):
        answer = client.get("/api/calls", headers=staff)
    assert answer.status_code == 500 and answer.mimetype == "application/problem+json"
    body = answer.get_json()
    assert body["request_id"] == answer.headers["X-Request-ID"]
    assert any(body["request_id"] in r.getMessage() for r in caplog.records)


def test_every_error_page_speaks_the_users_language(client):
    gone = client.get("/no/such/page", headers=FI).get_data(as_text=True)
    assert "Sivua ei löydy" in gone and "Not Found" not in gone
    wrong_method = client.get("/logout", headers=FI)
    assert wrong_method.status_code == 405
    assert "Method Not Allowed" not in wrong_method.get_data(as_text=True)
    assert '<html lang="fi">' in wrong_method.get_data(as_text=True)
    forged = client.post("/language", data={"locale": "en"}, headers=EN)  # no CSRF token
    assert forged.status_code == 400
    said = forged.get_data(as_text=True)
    assert "Reload the page and send it again." in said and "token is missing" not in said

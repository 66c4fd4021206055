"""Staff overview and sources, the about page, language, headers, the JSON API and the mailer."""

import csv
import io
from datetime import UTC, datetime, timedelta

from babel.messages.pofile import read_po
from sqlmodel import select

from tests.tracker.helpers import sedia_records
from tests.webapp.conftest import add_matches, csrf, service_today, sign_in
from tracker.accounts import issue_api_token
from tracker.ingest import ingest
from tracker.mailer import render_email, send_email
from tracker.models import Call, JobRun, User, utcnow
from webapp.i18n import TRANSLATIONS


def test_staff_overview_shows_every_actor_with_best_and_newest_matches(
    client, session, people, calls
):
    add_matches(session, people["actor"], [calls["HORIZON-CL5-2026-09-D4-03"], calls["FSTP-11143"]])
    sign_in(client, "staff@hameenliitto.example")
    page = client.get("/staff/", headers={"Cookie": "lang=en"}).get_data(as_text=True)
    assert "Hämeen Kone Oy" in page and "Forssan Ruoka ry" in page
    assert "HORIZON-CL5-2026-09-D4-03</a> (90)" in page
    assert "Tämän viikon uudet haut" in page  # every call was first seen just now


def test_staff_see_the_matching_actors_of_a_call(client, session, people, calls):
    call = calls["FSTP-11143"]
    add_matches(session, people["actor"], [call])
    url = f"/calls/{call.id}"
    assert "Hämeen Kone Oy" not in client.get(url).get_data(as_text=True)
    sign_in(client, "member@kone.example")
    assert "Hämeen Kone Oy" not in client.get(url).get_data(as_text=True)
    client.post("/logout", data={"csrf_token": csrf(client, "/")})
    sign_in(client, "staff@hameenliitto.example")
    assert "Hämeen Kone Oy" in client.get(url).get_data(as_text=True)


def test_sources_page_shows_last_runs_and_errors(client, session, people):
    start = utcnow() - timedelta(hours=2)
    session.add_all(
        [
            JobRun(
                job="scrape",
                source="ft_search",
                started_at=start,
                finished_at=start,
                ok=True,
                fetched=120,
                new=7,
            ),
            JobRun(
                job="scrape",
                source="ft_bulk",
                started_at=start,
                finished_at=start,
                ok=False,
                message="ft_bulk: no 'fundingData' in the response",
            ),
        ]
    )
    session.commit()
    sign_in(client, "staff@hameenliitto.example")
    page = client.get("/staff/sources").get_data(as_text=True)
    assert "EU:n Funding &amp; Tenders -portaali (haku)" in page and "120" in page
    assert "ft_bulk: no &#39;fundingData&#39; in the response" in page
    assert "epäonnistui" in page


def test_about_page_shows_the_contacts_from_config(client, settings):
    page = client.get("/about").get_data(as_text=True)
    assert "Maria Jokinen" in page and "Elinkeinopäällikkö" in page and "+358 50 342 4902" in page
    settings.about.contacts[0].name = "Testi Henkilö"
    assert "Testi Henkilö" in client.get("/about").get_data(as_text=True)


def test_switching_language_is_remembered(client, session, people):
    page = client.get("/about").get_data(as_text=True)
    assert '<html lang="fi">' in page and "Tietoa palvelusta" in page
    response = client.post(
        "/language", data={"locale": "en", "next": "/about", "csrf_token": csrf(client, "/about")}
    )
    assert response.status_code == 302 and response.headers["Location"] == "/about"
    assert "About the service" in client.get("/about").get_data(as_text=True)
    sign_in(client, "member@kone.example")
    evil = client.post(
        "/language",
        data={"locale": "en", "next": "//evil.example", "csrf_token": csrf(client, "/")},
    )
    assert evil.headers["Location"] == "/"
    session.expire_all()
    assert session.get(User, people["member"].id).locale == "en"


def test_security_headers(client):
    headers = client.get("/").headers
    assert "frame-ancestors 'none'" in headers["Content-Security-Policy"]
    assert "unsafe-inline" not in headers["Content-Security-Policy"]
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "strict-origin-when-cross-origin"


def test_every_finnish_message_is_translated():
    with (TRANSLATIONS / "fi" / "LC_MESSAGES" / "messages.po").open("rb") as source:
        catalog = read_po(source, locale="fi")
    missing = [
        m.id
        for m in catalog
        if m.id and not (all(m.string) if isinstance(m.string, tuple) else m.string)
    ]
    assert missing == []


def _token(session, user):
    token = issue_api_token(session, user)
    session.commit()
    return {"Authorization": f"Bearer {token}"}


def test_api_requires_a_token(client, calls):
    assert client.get("/api/calls").status_code == 401
    assert client.get("/api/calls", headers={"Authorization": "Bearer nonsense"}).status_code == 401


def test_api_calls_with_the_page_filters(client, session, people, calls):
    headers = _token(session, people["member"])
    data = client.get("/api/calls?status=closed&page_size=200", headers=headers).get_json()
    assert "HORIZON-CL4-2025-04-DATA-03" in [c["identifier"] for c in data["calls"]]
    assert all(c["status"] == "closed" for c in data["calls"])
    one = client.get(
        f"/api/calls/{calls['HORIZON-CL4-2025-04-DATA-03'].id}", headers=headers
    ).get_json()
    assert (
        one["programme"] == "Horizon Europe (HORIZON)" and "<script" not in one["description_html"]
    )
    assert client.get("/api/calls/999999", headers=headers).status_code == 404


def test_api_matches_only_of_the_members_own_actor(client, session, people, calls):
    add_matches(session, people["actor"], [calls["FSTP-11143"]])
    member = _token(session, people["member"])
    own = client.get(f"/api/actors/{people['actor'].id}/matches", headers=member).get_json()
    assert own["total"] == 1
    told = own["matches"][0]
    assert told["explanation_en"].startswith("Score: Text 60\u00a0%, themes 20\u00a0%, time 10")
    assert told["explanation_fi"].startswith("Pisteet: Teksti 60\u00a0%, teemat 20\u00a0%")
    assert told["evidence"]["points"] == {"text": 60.0, "theme": 20.0, "time": 10.0}
    assert (
        client.get(f"/api/actors/{people['other_actor'].id}/matches", headers=member).status_code
        == 403
    )
    staff = _token(session, people["staff"])
    assert (
        client.get(f"/api/actors/{people['other_actor'].id}/matches", headers=staff).status_code
        == 200
    )


def _utc(text: str) -> datetime:
    """An ISO 8601 time as the API and the download write it, naive (SQLite) or not, in UTC."""
    when = datetime.fromisoformat(text)
    return when.replace(tzinfo=UTC) if when.tzinfo is None else when.astimezone(UTC)


def test_the_api_and_the_download_tell_when_a_source_last_listed_each_call(client, session, people):
    records = sedia_records()
    first, second = (datetime(2026, 9, day, 6, tzinfo=UTC) for day in (1, 2))
    for listed, now in ((records, first), (records[1:], second)):
        ingest(session, listed, priority=["ft_search"], today=service_today(), now=now)
        session.commit()
    expected = {record.identifier: second for record in records[1:]}
    expected[records[0].identifier] = first  # left out of the second run
    calls = {c.identifier: c for c in session.exec(select(Call))}
    add_matches(
        session, people["actor"], [calls[records[0].identifier], calls[records[1].identifier]]
    )
    headers = _token(session, people["member"])

    listed = client.get("/api/calls?status=&page_size=200", headers=headers).get_json()["calls"]
    assert {c["identifier"]: _utc(c["last_seen"]) for c in listed} == expected
    one = client.get(f"/api/calls/{calls[records[0].identifier].id}", headers=headers).get_json()
    assert _utc(one["last_seen"]) == first
    matched = client.get(f"/api/actors/{people['actor'].id}/matches", headers=headers).get_json()
    assert {m["call"]["identifier"]: _utc(m["call"]["last_seen"]) for m in matched["matches"]} == {
        records[0].identifier: first,
        records[1].identifier: second,
    }
    download = client.get("/calls/export.csv?status=").get_data(as_text=True)
    rows = csv.DictReader(io.StringIO(download))
    assert {row["Tunniste"]: _utc(row["Nähty viimeksi lähteessä"]) for row in rows} == expected


def test_api_token_is_shown_once_on_the_account_page(client, session, people):
    sign_in(client, "member@kone.example")
    page = client.post("/account", data={"csrf_token": csrf(client, "/account")}).get_data(
        as_text=True
    )
    token = page.split('id="api-token">')[1].split("<")[0]
    assert client.get("/api/calls", headers={"Authorization": f"Bearer {token}"}).status_code == 200
    assert token not in client.get("/account").get_data(as_text=True)


def test_openapi_document_describes_the_endpoints(client):
    document = client.get("/api/openapi.json").get_json()
    assert document["openapi"].startswith("3.")
    assert {"/api/calls", "/api/calls/{call_id}", "/api/actors/{actor_id}/matches"} <= set(
        document["paths"]
    )


def test_an_email_goes_out_once(settings, session, inbox):
    context = {
        "link": "http://x/p",
        "hours": 2,
        "email": "a@example.org",
        "inviter": "",
        "actor": "",
    }
    assert send_email(settings, "a@example.org", "reset", context, "en", session=session)
    assert not send_email(settings, "a@example.org", "reset", context, "en", session=session)
    assert len(inbox.messages) == 1
    message = inbox.messages[0]
    assert message["Subject"] == "Password reset, Häme Funding Radar"
    assert message.get_body(preferencelist=("html",)).get_content().count('href="http://x/p"') == 1


def test_email_templates_exist_in_both_languages():
    for template in ("invite", "reset"):
        subjects = {
            render_email(template, {"link": "l", "hours": 1}, locale)[0] for locale in ("fi", "en")
        }
        assert len(subjects) == 2

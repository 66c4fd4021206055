"""The Atom feed of a saved search, read as a feed reader reads it (feedparser): the calls the
search finds on the real recorded records, newest first, in the subscriber's language; its
secret URL shown on the calls page and the subscriptions page, renewed or revoked by its owner
alone; a revoked, altered or orphaned URL answers 404."""

from __future__ import annotations

import re
from datetime import timedelta

import feedparser
from sqlmodel import select

from tests.tracker.helpers import bulk_records, sedia_records
from tests.webapp.conftest import csrf, sign_in
from tracker.ingest import ingest
from tracker.models import Call, User, utcnow
from tracker.models_web import Subscription

HORIZON = "programme=Horizon+Europe+%28HORIZON%29&status="
FEED_URL = re.compile(r'href="http://127\.0\.0\.1:8000(/feeds/searches/[\w.-]+\.atom)"')


def store(session, records, days_ago: int) -> None:
    now = utcnow() - timedelta(days=days_ago)
    ingest(session, records, priority=["ft_search", "ft_bulk"], today=now.date(), now=now)
    session.commit()


def save_search(client, name: str, query: str) -> None:
    data = {"name": name, "frequency": "weekly", "query": query, "csrf_token": csrf(client, "/")}
    assert client.post("/subscriptions/searches", data=data).status_code == 302


def feed_path(page: str) -> str:
    found = FEED_URL.findall(page)
    assert found, page
    return found[0]


def read(client, path: str):
    answer = client.get(path)
    assert answer.status_code == 200 and answer.mimetype == "application/atom+xml"
    parsed = feedparser.parse(answer.get_data())
    assert not parsed.bozo, parsed.bozo_exception  # well-formed Atom
    return parsed


def test_a_saved_search_has_a_feed_of_its_calls_newest_first_in_its_language(
    app, client, session, people
):
    store(session, sedia_records(), days_ago=2)  # Horizon Europe topics of the search API
    store(session, bulk_records(), days_ago=1)  # then the reference file's, some new
    sign_in(client, "member@kone.example")
    save_search(client, "Horisontti", HORIZON)

    # The calls page of the search says it is saved and links its feed, as does the
    # subscriptions page.
    page = client.get(f"/?{HORIZON}").get_data(as_text=True)
    assert (
        "Tallensit tämän hakurajauksen nimellä ”Horisontti”." in page and "Sen Atom-syöte" in page
    )
    path = feed_path(page)
    assert feed_path(client.get("/subscriptions").get_data(as_text=True)) == path

    # A feed reader fetches it without signing in.
    reader = app.test_client()
    feed = read(reader, path)
    assert feed.feed.title == "Häme Funding Radar: Horisontti"
    assert feed.feed.language == "fi"
    calls = {
        c.id: c for c in session.exec(select(Call).where(Call.programme.startswith("Horizon")))
    }
    assert len(calls) > 2
    urls = {f"http://127.0.0.1:8000/calls/{call_id}": call for call_id, call in calls.items()}
    assert {entry.id for entry in feed.entries} == set(urls)
    assert all(entry.link == entry.id for entry in feed.entries)
    assert [entry.title for entry in feed.entries] == [urls[e.id].title for e in feed.entries]
    # Newest first: the reference file's new topics before those the search API gave a day
    # earlier.
    seen = [urls[entry.id].first_seen for entry in feed.entries]
    assert seen == sorted(seen, reverse=True) and seen[0] > seen[-1]
    for entry in feed.entries:
        call = urls[entry.id]
        assert entry.updated_parsed[:6] == call.last_changed.utctimetuple()[:6]
        assert entry.summary.startswith("Horizon Europe (HORIZON) · ")
        assert "Määräaika uudelle hakijalle:" in entry.summary or (
            "Uudelle hakijalle ei ole tulevaa määräaikaa." in entry.summary
        )
    assert any("Määräaika uudelle hakijalle: " in e.summary for e in feed.entries)

    # In English once the subscriber chooses English; the entries' ids stay.
    (search,) = session.exec(select(Subscription)).all()
    edit = {f"s{search.id}-frequency": "weekly", f"s{search.id}-locale": "en",
            f"s{search.id}-name": "Horizon", f"s{search.id}-csrf_token": csrf(client, "/subscriptions")}  # fmt: skip
    assert client.post(f"/subscriptions/{search.id}", data=edit).status_code == 302
    english = read(reader, path)
    assert english.feed.title == "Häme Funding Radar: Horizon" and english.feed.language == "en"
    assert [e.id for e in english.entries] == [e.id for e in feed.entries]
    assert any("Deadline for a new applicant: " in e.summary for e in english.entries)

    # A token changed by one character of its signature is no token.
    token = path.removeprefix("/feeds/searches/").removesuffix(".atom")
    cut = token.index(".") + 5
    forged = token[:cut] + ("A" if token[cut] != "A" else "B") + token[cut + 1 :]
    assert reader.get(f"/feeds/searches/{forged}.atom").status_code == 404

    # A new address: the old one stops working, the new one lists the same entries.
    token = csrf(client, "/subscriptions")
    assert (
        client.post(f"/subscriptions/{search.id}/feed", data={"csrf_token": token}).status_code
        == 302
    )
    renewed = feed_path(client.get("/subscriptions").get_data(as_text=True))
    assert renewed != path and reader.get(path).status_code == 404
    again = read(reader, renewed)
    assert again.feed.id == english.feed.id
    assert [e.id for e in again.entries] == [e.id for e in english.entries]

    # Revoked: no address works, and the page offers to make one.
    revoke = f"/subscriptions/{search.id}/feed/revoke"
    assert client.post(revoke).status_code == 400  # no form token
    assert reader.get(renewed).status_code == 200
    assert client.post(revoke, data={"csrf_token": token}).status_code == 302
    assert reader.get(renewed).status_code == 404
    page = client.get("/subscriptions").get_data(as_text=True)
    assert "Tee syötteen osoite" in page
    assert not FEED_URL.search(page)


def test_only_its_owner_changes_a_feed_and_it_ends_with_the_owners_access(
    app, client, session, people
):
    store(session, sedia_records(), days_ago=1)
    sign_in(client, "member@kone.example")
    save_search(client, "Kaikki", "status=")
    (search,) = session.exec(select(Subscription)).all()
    path = feed_path(client.get("/subscriptions").get_data(as_text=True))
    reader = app.test_client()
    assert len(read(reader, path).entries) == len(sedia_records())

    # Another organisation's member sees no feed of it and can neither renew nor revoke it.
    other = app.test_client()
    sign_in(other, "other@ruoka.example")
    assert path not in other.get("/subscriptions").get_data(as_text=True)
    assert path not in other.get("/?status=").get_data(as_text=True)
    token = {"csrf_token": csrf(other, "/subscriptions")}
    assert other.post(f"/subscriptions/{search.id}/feed", data=token).status_code == 404
    assert other.post(f"/subscriptions/{search.id}/feed/revoke", data=token).status_code == 404
    assert reader.get(path).status_code == 200

    # Its owner deactivated: the feed ends with their access.
    member = session.exec(select(User).where(User.email == "member@kone.example")).one()
    member.active = False
    session.commit()
    assert reader.get(path).status_code == 404


def test_a_saved_search_naming_a_programme_as_another_source_did_keeps_to_that_programme(
    app, client, session, people
):
    """A search saved when euro-access's "Horizon Europe" was a value of its own: its feed
    lists the Horizon Europe calls, now stored under F&T's name, not every call."""
    store(session, sedia_records() + bulk_records(), days_ago=1)
    sign_in(client, "member@kone.example")
    save_search(client, "Vanha kirjanmerkki", "programme=Horizon+Europe&status=")
    feed = read(app.test_client(), feed_path(client.get("/subscriptions").get_data(as_text=True)))
    horizon = session.exec(select(Call.id).where(Call.programme == "Horizon Europe (HORIZON)"))
    assert {entry.id.rsplit("/", 1)[1] for entry in feed.entries} == {str(i) for i in horizon}
    assert session.exec(select(Call).where(Call.programme != "Horizon Europe (HORIZON)")).first()


def test_a_saved_search_with_a_filter_no_longer_understood_has_one_entry_saying_why(
    app, client, session, people
):
    """A theme since taken out of the configuration: the feed lists no calls (left out, the
    theme would have widened the search to all), only an entry naming the filter."""
    store(session, sedia_records() + bulk_records(), days_ago=1)
    sign_in(client, "member@kone.example")
    save_search(client, "Luovat alat", "theme=creative_industries&status=")
    feed = read(app.test_client(), feed_path(client.get("/subscriptions").get_data(as_text=True)))
    (entry,) = feed.entries
    assert entry.title == "Tämä tallennettu hakurajaus ei enää toimi"
    assert "Tuntematon teema: creative_industries" in entry.summary
    assert entry.link == "http://127.0.0.1:8000/?theme=creative_industries&status="

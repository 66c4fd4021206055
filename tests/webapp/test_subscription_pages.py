"""Digests as people choose them on the pages: a member's and a staff member's digest, a saved
search from the calls page, a public subscription confirmed by its emailed link; each changed
or ended only by its owner. Mail goes to a real SMTP server on localhost."""

from __future__ import annotations

import re
import time
from datetime import timedelta

from itsdangerous import TimestampSigner
from sqlmodel import select

from tests.tracker.helpers import bulk_records, sedia_records
from tests.webapp.conftest import csrf, sign_in
from tracker.digest_run import send_digests
from tracker.ingest import ingest
from tracker.jobs import clean_subscriptions
from tracker.models import utcnow
from tracker.models_web import Subscription
from tracker.subscriptions import (
    CONFIRM,
    confirm,
    manage_token,
    remove_unconfirmed,
    subscribe_public,
    subscription_token,
)
from webapp.digest_mail import DigestMail

SAVE_FORM = re.compile(r'name="query" type="hidden" value="([^"]*)"')


def store(session, records) -> None:
    """Records stored as a scrape would, now."""
    now = utcnow()
    ingest(session, records, priority=["ft_search", "ft_bulk"], today=now.date(), now=now)
    session.commit()


def subscriptions(session) -> list[Subscription]:
    session.expire_all()
    return list(session.exec(select(Subscription).order_by(Subscription.id)))


def test_members_and_staff_turn_on_their_own_digest_and_only_they_change_it(
    app, client, session, people
):
    sign_in(client, "member@kone.example")
    page = client.get("/subscriptions").get_data(as_text=True)
    assert "Organisaatiosi uudet osumat" in page and "Ota kooste käyttöön" in page
    token = csrf(client, "/subscriptions")
    assert client.post("/subscriptions", data={"frequency": "daily"}).status_code == 400  # no token
    form = {"frequency": "daily", "locale": "en", "min_score": "65", "csrf_token": token}
    assert client.post("/subscriptions", data=form).status_code == 302
    (digest,) = subscriptions(session)
    assert (digest.kind, digest.user_id, digest.email) == (
        "member_digest",
        people["member"].id,
        "member@kone.example",
    )
    assert (digest.frequency, digest.locale, digest.min_score) == ("daily", "en", 65.0)
    assert "Ota kooste käyttöön" not in client.get("/subscriptions").get_data(as_text=True)
    assert client.post("/subscriptions", data=form).status_code == 302  # one is enough
    assert len(subscriptions(session)) == 1

    edit = {f"s{digest.id}-frequency": "weekly", f"s{digest.id}-locale": "fi",
            f"s{digest.id}-min_score": "40", f"s{digest.id}-csrf_token": token}  # fmt: skip
    assert client.post(f"/subscriptions/{digest.id}", data=edit).status_code == 302
    (digest,) = subscriptions(session)
    assert (digest.frequency, digest.locale, digest.min_score) == ("weekly", "fi", 40.0)

    # Another organisation's member neither sees, changes nor ends it.
    other = app.test_client()
    sign_in(other, "other@ruoka.example")
    assert "Hämeen Kone" not in other.get("/subscriptions").get_data(as_text=True)
    theirs = {"csrf_token": csrf(other, "/subscriptions")}
    assert other.post(f"/subscriptions/{digest.id}/delete", data=theirs).status_code == 404
    assert other.post(f"/subscriptions/{digest.id}", data=theirs).status_code == 404
    assert len(subscriptions(session)) == 1
    assert (
        client.post(f"/subscriptions/{digest.id}/delete", data={"csrf_token": token}).status_code
        == 302
    )
    assert subscriptions(session) == []

    staff = app.test_client()
    sign_in(staff, "staff@hameenliitto.example")
    data = {"frequency": "weekly", "locale": "fi", "csrf_token": csrf(staff, "/subscriptions")}
    assert staff.post("/subscriptions", data=data).status_code == 302
    assert [s.kind for s in subscriptions(session)] == ["staff_digest"]


def test_a_search_saved_on_the_calls_page_sends_only_the_calls_new_to_it(
    app, client, engine, session, settings, inbox, people
):
    store(session, sedia_records())  # Horizon Europe topics known before the search is saved
    sign_in(client, "member@kone.example")
    page = client.get("/?programme=Horizon+Europe+%28HORIZON%29&status=").get_data(as_text=True)
    query = SAVE_FORM.search(page).group(1).replace("&amp;", "&")
    assert query == "programme=Horizon+Europe+%28HORIZON%29&status="
    data = {
        "name": "Horisontti",
        "frequency": "daily",
        "query": query,
        "csrf_token": csrf(client, "/"),
    }
    assert client.post("/subscriptions/searches", data=data).status_code == 302
    (search,) = subscriptions(session)
    assert (search.kind, search.name, search.query) == ("saved_search", "Horisontti", query)
    assert "Horisontti" in client.get("/subscriptions").get_data(as_text=True)

    time.sleep(0.01)  # the clock moves on between the save and the next scrape
    store(session, bulk_records())  # the reference file: new topics, some Horizon Europe
    web = DigestMail(app)
    first = send_digests(engine, settings, web, now=utcnow() + timedelta(days=2))
    assert (first.fetched, first.new) == (1, 1)
    (message,) = inbox.messages
    known = {r.identifier for r in sedia_records()}
    new = [r for r in bulk_records() if r.identifier not in known]
    horizon = [r.title for r in new if r.programme == "Horizon Europe (HORIZON)"]
    assert 0 < len(horizon) < len(new)
    assert (
        message["Subject"]
        == f"Häme Funding Radar: {len(horizon)} uutta hakua rajauksella ”Horisontti”"
    )
    text = message.get_body(preferencelist=("plain",)).get_content()
    listed = {r.title for r in sedia_records() + bulk_records() if r.title in text}
    assert listed == set(horizon)
    # Nothing new to it since: the next digest is not sent.
    second = send_digests(engine, settings, web, now=utcnow() + timedelta(days=3))
    assert (second.fetched, second.new) == (1, 0) and len(inbox.messages) == 1


def test_anyone_subscribes_by_keyword_and_gets_nothing_until_they_confirm(
    app, engine, session, settings, inbox
):
    visitor = app.test_client()
    form = {"email": "tilaaja@example.org", "keywords": "internships", "frequency": "daily",
            "locale": "fi", "csrf_token": csrf(visitor, "/subscribe")}  # fmt: skip
    empty = visitor.post("/subscribe", data={**form, "keywords": ""})
    assert "Valitse vähintään yksi teema, ohjelma tai avainsana." in empty.get_data(as_text=True)
    answer = visitor.post("/subscribe", data=form, follow_redirects=True)
    assert "vahvista tilaus linkillä" in answer.get_data(as_text=True)
    (confirmation,) = inbox.messages
    assert confirmation["To"] == "tilaaja@example.org"
    assert confirmation["Subject"] == "Vahvista Häme Funding Radarin tilaus"
    (subscription,) = subscriptions(session)
    assert subscription.confirmed_at is None and subscription.keywords == ["internships"]

    store(session, bulk_records())
    web = DigestMail(app)
    assert send_digests(engine, settings, web, now=utcnow() + timedelta(days=2)).fetched == 0
    link = inbox.link()
    assert link.startswith("/subscribe/confirm/")
    assert visitor.get(link).status_code == 200  # a page with a button: opening it is not consent
    assert subscriptions(session)[0].confirmed_at is None
    confirmed = visitor.post(link, data={"csrf_token": csrf(visitor, link)})
    manage = confirmed.headers["Location"]
    assert manage.startswith("/subscriptions/manage/")
    assert "internships" in visitor.get(manage).get_data(as_text=True)
    assert subscriptions(session)[0].confirmed_at is not None

    store(session, sedia_records())  # the internship offers among them
    run = send_digests(engine, settings, web, now=utcnow() + timedelta(days=2))
    assert (run.fetched, run.new) == (1, 1)
    digest = inbox.messages[-1]
    assert digest["To"] == "tilaaja@example.org"
    text = digest.get_body(preferencelist=("plain",)).get_content()
    offers = [r.title for r in sedia_records() if "internships" in r.title.lower()]
    assert offers and all(title in text for title in offers)
    assert not any(r.title in text for r in bulk_records())  # stored before the confirmation
    assert digest["Subject"] == f"Häme Funding Radar: {len(offers)} uutta hakua"
    # The digest's management link is the subscriber's page, without signing in.
    # (signed anew for each message: the same page, whatever second the signature holds)
    emailed = re.search(r"https?://[^/\s]+(/subscriptions/manage/\S+)", text).group(1)
    page = app.test_client().get(emailed)
    assert page.status_code == 200 and "internships" in page.get_data(as_text=True)
    assert emailed.rsplit(".", 2)[0] == manage.rsplit(".", 2)[0]  # the same subscription


def test_a_confirmation_link_expires_and_a_management_link_reaches_only_its_address(
    app, session, settings, inbox, monkeypatch
):
    visitor = app.test_client()
    for email in ("eka@example.org", "toka@example.org"):
        form = {"email": email, "keywords": "robotics", "frequency": "weekly", "locale": "en",
                "csrf_token": csrf(visitor, "/subscribe")}  # fmt: skip
        visitor.post("/subscribe", data=form)
    first, second = subscriptions(session)
    secret = str(app.config["SECRET_KEY"])
    hours = settings.digests.confirm_valid_hours
    past = int(time.time()) - (hours + 1) * 3600
    monkeypatch.setattr(TimestampSigner, "get_timestamp", lambda self: past)
    old = subscription_token(secret, first, CONFIRM)
    monkeypatch.undo()
    assert visitor.get(f"/subscribe/confirm/{old}").status_code == 400
    mine = f"/subscriptions/manage/{manage_token(secret, first.email)}"
    assert visitor.get(mine).status_code == 200
    token = csrf(visitor, mine)
    assert visitor.post(f"{mine}/{second.id}/delete", data={"csrf_token": token}).status_code == 404
    assert visitor.post(f"{mine}/{first.id}/delete", data={"csrf_token": token}).status_code == 302
    assert [s.email for s in subscriptions(session)] == ["toka@example.org"]
    assert visitor.get("/subscriptions/manage/not-a-token").status_code == 404


def test_a_public_subscription_not_confirmed_within_a_week_is_removed(
    app, engine, session, settings, inbox
):
    visitor = app.test_client()
    page = visitor.get("/subscribe").get_data(as_text=True)
    assert "Tilaus, jota ei vahvisteta 7 päivässä, poistetaan." in page
    form = {"email": "uusi@example.org", "keywords": "robotics", "frequency": "weekly",
            "locale": "en", "csrf_token": csrf(visitor, "/subscribe")}  # fmt: skip
    assert visitor.post("/subscribe", data=form).status_code == 302
    (confirmation,) = inbox.messages
    plain = confirmation.get_body(preferencelist=("plain",)).get_content()
    html = confirmation.get_body(preferencelist=("html",)).get_content()
    assert "an unconfirmed subscription is removed after 7 days" in plain
    assert "an unconfirmed subscription is removed after 7 days" in html
    # Two made eight days ago: one confirmed since, one never.
    week_ago = utcnow() - timedelta(days=8)
    forgotten = subscribe_public(session, "unohti@example.org", week_ago, keywords=["food"])
    kept = subscribe_public(session, "vahvisti@example.org", week_ago, keywords=["food"])
    confirm(kept, week_ago + timedelta(hours=1))
    session.commit()
    forgotten_id = forgotten.id

    run = clean_subscriptions(engine, settings)
    assert (run.job, run.ok, run.new) == ("clean-subscriptions", True, 1)
    remaining = {s.email for s in subscriptions(session)}
    assert remaining == {"uusi@example.org", "vahvisti@example.org"}
    assert session.get(Subscription, forgotten_id) is None
    assert clean_subscriptions(engine, settings) is None  # nothing more to remove
    # The one made now goes once its week has passed, unless confirmed.
    assert remove_unconfirmed(session, utcnow() + timedelta(days=7, minutes=1), 7) == 1
    assert {s.email for s in subscriptions(session)} == {"vahvisti@example.org"}


def test_a_saved_search_with_a_filter_no_longer_understood_lists_nothing_and_says_why(
    app, client, engine, session, settings, inbox, people
):
    """A search saved with a theme since taken out of the configuration: left out of the
    search, the theme would have widened it to every new call. Its digest lists none, names
    the filter and links the search; the subscriptions page says the same."""
    store(session, sedia_records())
    sign_in(client, "member@kone.example")
    gone = "theme=creative_industries&status="  # not among config.toml's themes
    data = {"name": "Luovat alat", "frequency": "daily", "query": gone}
    data["csrf_token"] = csrf(client, "/")
    assert client.post("/subscriptions/searches", data=data).status_code == 302
    page = client.get("/subscriptions").get_data(as_text=True)
    assert "Tämä hakurajaus ei enää toimi: Älykäs Häme -teema: Tuntematon teema" in page

    time.sleep(0.01)
    store(session, bulk_records())  # new calls, which the search without its theme would list
    first = send_digests(engine, settings, DigestMail(app), now=utcnow() + timedelta(days=2))
    assert (first.fetched, first.new) == (1, 1)
    (message,) = inbox.messages
    assert (
        message["Subject"]
        == "Häme Funding Radar: tallentamasi hakurajaus ”Luovat alat” ei enää toimi"
    )
    text = message.get_body(preferencelist=("plain",)).get_content()
    assert "Tuntematon teema: creative_industries" in text
    assert f"http://127.0.0.1:8000/?{gone}" in text
    assert not [r.title for r in bulk_records() if r.title in text]

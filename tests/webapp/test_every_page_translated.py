"""Every page in Finnish and in English, as each role sees it: no text of the other language, no
raw value (a role, status, verdict, reason, theme key, source name or deadline label key)."""

from __future__ import annotations

import pytest
from flask import url_for
from sqlmodel import Session, select

from scrapers import SOURCES
from scrapers.record import ORGANISATION_TYPES as SCRAPED_TYPES
from tests.language import problems_of
from tests.webapp.conftest import EMAILS, INVITED, sign_in
from tracker.accounts import ROLES, link_token
from tracker.applications import REASONS, STAGES
from tracker.digests import FREQUENCIES, KINDS
from tracker.models import User
from tracker.models_web import Subscription
from tracker.subscriptions import (
    CONFIRM,
    UNSUBSCRIBE,
    manage_token,
    reminders_token,
    subscription_token,
)
from webapp.application_forms import REASON_NAMES, STAGE_NAMES
from webapp.labels import ELIGIBLE_TYPES, ROLE_NAMES, SOURCE_NAMES
from webapp.subscription_forms import FREQUENCY_NAMES, KIND_NAMES

FEEDS = ("feeds.calendar", "search_feeds.atom")


def paths(app, engine, ids) -> list[str]:
    """Every GET page of the app's url_map, with real ids; the JSON API, downloads, calendar
    and Atom feeds are not pages."""
    with Session(engine) as session:
        invited = session.exec(select(User).where(User.email == INVITED)).one()
        member = session.exec(select(User).where(User.email == EMAILS["member"])).one()
    secret = str(app.config["SECRET_KEY"])
    found = []
    for rule in app.url_map.iter_rules():
        if "GET" not in (rule.methods or ()) or rule.endpoint in ("static",):
            continue
        if rule.rule.startswith("/api/"):
            continue
        if rule.endpoint.startswith("exports.") or rule.endpoint in FEEDS:
            continue  # files to save or subscribe to, not pages (test_exports_..., test_search_feeds)
        if rule.endpoint == "auth.set_password_page":
            found.append(f"/password/invite/{link_token(secret, invited, 'invite')}")
            found.append(f"/password/reset/{link_token(secret, member, 'reset')}")
            continue
        if rule.endpoint == "follows.stop_page":  # the link of every reminder
            gone = User(id=invited.id + 100, email="pois@example.org")
            found += [f"/reminders/stop/{reminders_token(secret, u)}" for u in (member, gone)]
            continue
        if "token" in rule.arguments:  # the links of digests and their confirmation emails
            found += subscription_links(engine, secret, rule.endpoint, ids["subscription_ids"])
            continue
        call_ids = ids["call_ids"] if "call_id" in rule.arguments else [None]
        for call_id in call_ids:
            values = {
                "actor_id": ids["actor_id"],
                "call_id": call_id,
                "application_id": ids["application_id"],
            }
            with app.test_request_context():
                found.append(url_for(rule.endpoint, **{k: values[k] for k in rule.arguments}))
    return found


def subscription_links(
    engine, secret: str, endpoint: str, subscription_ids: list[int]
) -> list[str]:
    """The emailed links of the demo's subscriptions (a member's digest, a saved search, a
    public subscription), and a link of a subscription that has ended."""
    with Session(engine) as session:
        made = [session.get(Subscription, i) for i in subscription_ids]
    public = made[-1]
    gone = Subscription(id=max(subscription_ids) + 1, kind="public", email="pois@example.org")
    if endpoint == "subscribers.manage":
        return [f"/subscriptions/manage/{manage_token(secret, public.email)}"]
    if endpoint == "subscribers.confirm_page":
        return [
            f"/subscribe/confirm/{subscription_token(secret, s, CONFIRM)}" for s in (public, gone)
        ]
    assert endpoint == "subscribers.unsubscribe_page", endpoint
    return [f"/unsubscribe/{subscription_token(secret, s, UNSUBSCRIBE)}" for s in (*made, gone)]


def test_every_stored_key_has_a_name():
    assert set(SOURCE_NAMES) == {s.name for s in SOURCES}
    assert set(ROLE_NAMES) == set(ROLES)
    assert set(ELIGIBLE_TYPES) == set(SCRAPED_TYPES)
    assert set(STAGE_NAMES) == set(STAGES) and set(REASON_NAMES) == set(REASONS)
    assert set(KIND_NAMES) == set(KINDS) and set(FREQUENCY_NAMES) == set(FREQUENCIES)


@pytest.mark.parametrize("language", ["fi", "en"])
def test_every_page_is_in_one_language_without_raw_values(demo_site, language):
    app, engine, ids = demo_site
    with Session(engine) as session:
        for user in session.exec(select(User)):
            user.locale = language
        session.commit()
    problems = []
    visited = 0
    for role in (None, *EMAILS):
        client = app.test_client()
        client.set_cookie("lang", language)
        if role:
            assert sign_in(client, EMAILS[role]).status_code == 302
        for path in paths(app, engine, ids):
            response = client.get(path, follow_redirects=True)
            assert response.status_code in (200, 400, 403, 404), (role, path)
            assert response.mimetype == "text/html", (role, path)
            visited += 1
            problems += [
                f"{role or 'anonymous'} {path}: {problem}"
                for problem in problems_of(response.get_data(as_text=True), language)
            ]
    assert visited > 60
    assert problems == [], "\n".join(sorted(set(problems)))

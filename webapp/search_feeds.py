"""The Atom feed of a saved search, for those who read feeds rather than mail: the calls the
search finds, newest first, in the subscriber's language. Feed readers fetch it by its secret
URL without signing in; its owner makes a new URL (the old one stops working) or turns it off
on the subscriptions page."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, time
from typing import Any
from urllib.parse import urlsplit

from feedgen.feed import FeedGenerator
from flask import Blueprint, Response, abort, flash, redirect, url_for
from flask_babel import gettext as _
from flask_login import login_required
from werkzeug.wrappers import Response as Redirect

from tracker.digests import SAVED_SEARCH
from tracker.models import Actor, Call, User
from tracker.models_web import Subscription
from tracker.search import search_calls
from tracker.subscriptions import close_feed, feed_token, renew_feed, subscription_for_feed_token
from webapp.calls import REFUSED_SEARCH, applicant, saved_query, saved_search_url
from webapp.forms import ActionForm
from webapp.i18n import format_deadline, in_language
from webapp.subscriptions import owned
from webapp.web import absolute_url, db, secret_key, settings, today

search_feeds = Blueprint("search_feeds", __name__)
FEED_ENTRIES = 50  # the newest calls a feed lists
NOTHING_FOUND = datetime(2026, 1, 1, tzinfo=UTC)  # an empty feed's time: fixed, it never changes


@search_feeds.get("/feeds/searches/<token>.atom")
def atom(token: str) -> Response:
    """The feed of a secret URL; a revoked or altered one, or one whose owner may no longer
    sign in, is a 404. The search runs as its owner's: with their organisation, no other."""
    session = db()
    subscription = subscription_for_feed_token(session, secret_key(), token)
    if subscription is None:
        abort(404)
    owner = session.get(User, subscription.user_id)
    actor = session.get(Actor, owner.actor_id) if owner and owner.actor_id else None
    query, refused = saved_query(subscription.query or "", actor)
    query.sort, query.page, query.page_size = "newest", 1, FEED_ENTRIES
    calls = []
    if not refused:
        found = search_calls(session, query, today(), settings().matching.min_days_to_prepare)
        calls = [row.call for row in found.rows]
    with in_language(subscription.locale):
        body = _feed(subscription, token, calls, refused)
    return Response(body, mimetype="application/atom+xml", headers={"Cache-Control": "no-store"})


@search_feeds.post("/subscriptions/<id:subscription_id>/feed")
@login_required
def renew(subscription_id: int) -> Redirect:
    """A new feed URL for the user's saved search; the one before stops working."""
    said = _("The search has a new feed address; the one before no longer works.")
    return _changed(subscription_id, renew_feed, said)


@search_feeds.post("/subscriptions/<id:subscription_id>/feed/revoke")
@login_required
def revoke(subscription_id: int) -> Redirect:
    """The saved search's feed URL stops working."""
    said = _("The feed address is revoked: feed readers using it get nothing more.")
    return _changed(subscription_id, close_feed, said)


@search_feeds.app_context_processor
def _feed_urls() -> dict[str, Any]:
    return {"search_feed_url": search_feed_url}


def search_feed_url(subscription: Subscription) -> str | None:
    """The secret feed URL of a saved search, for its owner's pages; None without one."""
    token = feed_token(secret_key(), subscription)
    return absolute_url("search_feeds.atom", token=token) if token else None


def _feed(subscription: Subscription, token: str, calls: list[Call], refused: str) -> bytes:
    feed = FeedGenerator()
    host = urlsplit(settings().web.base_url).hostname or "localhost"
    feed.id(f"tag:{host},2026:saved-search/{subscription.id}")  # the same for every new URL
    feed.title(_("Häme Funding Radar: %(name)s", name=subscription.name or ""))
    feed.subtitle(_("The calls your saved search finds, newest first."))
    feed.author({"name": "Häme Funding Radar"})
    feed.language(subscription.locale)
    feed.link(href=absolute_url("search_feeds.atom", token=token), rel="self")
    feed.link(href=saved_search_url(subscription), rel="alternate")
    read_on = datetime.combine(today(), time(), UTC)
    feed.updated(
        read_on if refused else max((c.last_changed for c in calls), default=NOTHING_FOUND)
    )
    for call in calls:
        entry = feed.add_entry(order="append")
        url = absolute_url("calls.show", call_id=call.id)
        entry.id(url)
        entry.title(call.title)
        entry.link(href=url)
        entry.published(call.first_seen)
        entry.updated(call.last_changed)
        entry.summary(_summary(call))
    if refused:  # its only entry, dated the day it is read
        entry = feed.add_entry()
        entry.id(f"tag:{host},2026:saved-search/{subscription.id}/refused")
        entry.title(_("This saved search no longer works"))
        entry.link(href=saved_search_url(subscription))
        entry.updated(read_on)
        entry.summary(f"{refused} {REFUSED_SEARCH}")
    return bytes(feed.atom_str(pretty=True))


def _summary(call: Call) -> str:
    """The call's programme and its deadline for a new applicant, in the feed's language."""
    upcoming = applicant(call, today()).deadline
    deadline = (
        _("Deadline for a new applicant: %(deadline)s", deadline=format_deadline(upcoming))
        if upcoming
        else _("No deadline ahead for a new applicant.")
    )
    return " · ".join([*([call.programme] if call.programme else []), deadline])


def _changed(subscription_id: int, change: Callable[[Subscription], None], said: str) -> Redirect:
    """Change the feed of the signed-in user's saved search (404 for anyone else's, 400
    without the form's CSRF token) and go back to the subscriptions page."""
    subscription = owned(subscription_id)
    if subscription.kind != SAVED_SEARCH:
        abort(404)
    if not ActionForm().validate_on_submit():
        abort(400)
    change(subscription)
    db().commit()
    flash(said)
    return redirect(url_for("subscriptions.index"))

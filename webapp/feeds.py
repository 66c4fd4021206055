"""Calendar feeds: their owners make and revoke them on the account or actor page; calendar
applications fetch them by their secret URL, without signing in."""

from __future__ import annotations

from flask import Blueprint, Response, abort, flash, redirect, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response as Redirect

from scrapers.record import Deadline
from tracker.calendars import DeadlineItem, EventText, feed_calendar
from tracker.feeds import USER_FEEDS, feed_for_token, feed_items, feed_key, issue_feed, revoke_feed
from tracker.models import Actor, User, utcnow
from tracker.models_web import CalendarFeed
from webapp.actors import show_page
from webapp.application_history import stage_name
from webapp.auth import account_page
from webapp.forms import ActionForm
from webapp.i18n import current_locale, deadline_label, in_language
from webapp.labels import VERDICT_NAMES
from webapp.web import absolute_url, check_actor_access, db, roles_required, today

feeds = Blueprint("feeds", __name__)


@feeds.get("/calendar/<token>.ics")
def calendar(token: str) -> Response:
    """The feed of a secret URL, in the language it was made in; a revoked URL is a 404."""
    session = db()
    feed = feed_for_token(session, token)
    if feed is None:
        abort(404)
    with in_language(feed.locale):
        body = feed_calendar(
            _feed_name(feed), feed_items(session, feed, today()), feed_key(feed), describe, utcnow()
        )
    return Response(body, mimetype="text/calendar", headers={"Cache-Control": "no-store"})


def describe(item: DeadlineItem, deadline: Deadline) -> EventText:
    """An event's words: the stage and the call, whose application it is or who follows the
    call, and links to the call's and the application's pages."""
    label = deadline_label(deadline.label)
    call_url = absolute_url("calls.show", call_id=item.call_id) if item.call_id else None
    if item.application is not None:
        of = item.application
        summary = _(
            "%(deadline)s: %(title)s (application of %(actor)s, %(stage)s)",
            deadline=label,
            title=item.title,
            actor=of.actor,
            stage=stage_name(of.stage),
        )
        url = absolute_url("applications.show", application_id=of.id)
        return EventText(summary, "\n".join([summary, *([call_url] if call_url else []), url]), url)
    followers = [
        f"{name} – {VERDICT_NAMES[mark]}" if mark in VERDICT_NAMES else name
        for name, mark in item.followers
    ]
    return EventText(
        summary=f"{label}: {item.title}",
        description="\n".join([item.title, *followers, *([call_url] if call_url else [])]),
        url=call_url,
    )


def _feed_name(feed: CalendarFeed) -> str:
    if feed.kind == "actor":
        actor = db().get(Actor, feed.actor_id)
        return str(_("Deadlines of %(name)s", name=actor.name if actor else ""))
    if feed.kind == "staff":
        return str(_("Deadlines of the applications you are responsible for"))
    return str(_("Open calls for Kanta-Häme"))


@feeds.post("/account/calendars/<kind>")
@roles_required("staff", "admin")
def create_user_feed(kind: str) -> str:
    """A new secret URL for the staff member's own or the region's calendar, shown once."""
    _check(kind in USER_FEEDS)
    url = _issue(kind)
    return account_page(feed_url=(kind, url))


@feeds.post("/account/calendars/<kind>/revoke")
@roles_required("staff", "admin")
def revoke_user_feed(kind: str) -> Redirect:
    """The URL of the staff member's own or the region's calendar stops working."""
    _check(kind in USER_FEEDS)
    _revoke(kind, user_id=current_user.id)
    return redirect(url_for("auth.account"))


@feeds.post("/actors/<id:actor_id>/calendar")
def create_actor_feed(actor_id: int) -> str:
    """A new secret URL for the organisation's calendar (replacing the old one), shown once."""
    check_actor_access(actor_id)
    _check(db().get(Actor, actor_id) is not None)
    url = _issue("actor", actor_id=actor_id)
    return show_page(actor_id, feed_url=url)


@feeds.post("/actors/<id:actor_id>/calendar/revoke")
def revoke_actor_feed(actor_id: int) -> Redirect:
    """The URL of the organisation's calendar stops working."""
    check_actor_access(actor_id)
    _check(True)
    _revoke("actor", user_id=None, actor_id=actor_id)
    return redirect(url_for("actors.show", actor_id=actor_id))


def _check(found: bool) -> None:
    """404 for what does not exist, 400 without the form's CSRF token."""
    if not found:
        abort(404)
    if not ActionForm().validate_on_submit():
        abort(400)


def _issue(kind: str, actor_id: int | None = None) -> str:
    session = db()
    user = session.get(User, current_user.id)
    assert user is not None
    token = issue_feed(session, kind, user, actor_id=actor_id, locale=current_locale())
    session.commit()
    return absolute_url("feeds.calendar", token=token)


def _revoke(kind: str, *, user_id: int | None, actor_id: int | None = None) -> None:
    session = db()
    if revoke_feed(session, kind, user_id=user_id, actor_id=actor_id):
        session.commit()
        flash(_("The calendar address is revoked: calendars using it get nothing more."))

"""Following calls: the button on a call's page and on its match, the page of what a user
follows, and the link in every deadline reminder that stops them (RFC 8058 one-click)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from tracker.applications import application_call
from tracker.digests import own_digest
from tracker.follows import followed_calls, team_applications, unfollow
from tracker.models import Actor, Call, utcnow
from tracker.subscriptions import (
    alerts_digest,
    start_following,
    turn_on_alerts,
    user_for_reminders_token,
)
from webapp.forms import ActionForm
from webapp.web import db, safe_next, secret_key, settings, signed_in_user, today

follows = Blueprint("follows", __name__)


@follows.get("/follows")
@login_required
def index() -> str:
    """The calls the user follows, the applications their team follows, and their alerts."""
    session, user = db(), signed_in_user()
    applications = team_applications(session, user)
    return render_template(
        "follows/index.html",
        calls=followed_calls(session, int(user.id or 0)),
        applications=[
            (a, application_call(session, a), session.get(Actor, a.actor_id)) for a in applications
        ],
        carrier=own_digest(session, user) or alerts_digest(session, user),
        reminders=user.reminders,
        ladder=", ".join(map(str, sorted(settings().reminders.days_before, reverse=True))),
        today=today(),
        action=ActionForm(),
    )


@follows.post("/calls/<id:call_id>/follow")
@login_required
def follow(call_id: int) -> Response:
    """Follow a call: its changes in the user's digest, its deadlines as reminders."""
    _checked()
    session = db()
    if session.get(Call, call_id) is None:
        abort(404)
    start_following(session, signed_in_user(), call_id, utcnow())
    session.commit()
    flash(_("You follow this call: its changes come in your digest, its deadlines as reminders."))
    return _back(call_id)


@follows.post("/calls/<id:call_id>/unfollow")
@login_required
def stop_following(call_id: int) -> Response:
    _checked()
    session = db()
    unfollow(session, int(current_user.id), call_id)
    session.commit()
    flash(_("You no longer follow this call."))
    return _back(call_id)


@follows.post("/follows/reminders")
@login_required
def reminders() -> Response:
    """Turn the user's deadline reminders on or off."""
    _checked()
    session, user = db(), signed_in_user()
    user.reminders = request.form.get("reminders") == "on"
    session.add(user)
    session.commit()
    flash(_("Deadline reminders are on.") if user.reminders else _("Deadline reminders are off."))
    return redirect(url_for(".index"))


@follows.post("/follows/alerts")
@login_required
def alerts() -> Response:
    """Turn on the digest of the changes to followed calls (for a user with no digest)."""
    _checked()
    session, user = db(), signed_in_user()
    if own_digest(session, user) is None and alerts_digest(session, user) is None:
        turn_on_alerts(session, user, utcnow())
        session.commit()
    return redirect(url_for(".index"))


@follows.get("/reminders/stop/<token>")
def stop_page(token: str) -> tuple[str, int]:
    """The link in every reminder: a page with one button, so a link checker stops nothing."""
    user = user_for_reminders_token(db(), secret_key(), token)
    if user is None:
        return render_template("subscriptions/link_invalid.html"), 404
    return render_template("follows/stop.html", email=user.email), 200


@follows.post("/reminders/stop/<token>")
def stop(token: str) -> tuple[str, int]:
    """One-click stop of the reminders (RFC 8058): the signed token is the proof."""
    session = db()
    user = user_for_reminders_token(session, secret_key(), token)
    if user is None:
        return render_template("subscriptions/link_invalid.html"), 404
    user.reminders = False
    session.add(user)
    session.commit()
    return render_template("follows/stopped.html"), 200


@follows.record_once
def _exempt_one_click(state: Any) -> None:
    state.app.extensions["csrf"].exempt(stop)


def _checked() -> None:
    """The form's CSRF token, as every form of the app is checked."""
    if not ActionForm().validate_on_submit():
        abort(400)


def _back(call_id: int) -> Response:
    """Back where the button was: the call's page or the match list (`next`)."""
    return redirect(safe_next(request.form.get("next"), url_for("calls.show", call_id=call_id)))


def _calls(session: Any, ids: list[int | None]) -> list[Call]:
    return [c for i in set(ids) if i and (c := session.get(Call, i)) is not None]


def _actors(session: Any, ids: list[int]) -> list[Actor]:
    return [a for i in set(ids) if (a := session.get(Actor, i)) is not None]

"""An actor's matched calls, best first, with triage that updates in place."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf.csrf import generate_csrf
from markupsafe import Markup, escape
from werkzeug.wrappers import Response

from tracker.actors import actor_matches, dismissed_calls, find_match
from tracker.follows import follows_of
from tracker.matching import record_feedback, undo_feedback
from tracker.models import Actor, Call, utcnow
from webapp.forms import REASON_LABELS, ActionForm, FeedbackForm, PageForm, errors_text
from webapp.i18n import lazy_text as _l
from webapp.labels import VERDICT_NAMES
from webapp.web import check_actor_access, db, is_htmx, settings, today

matches = Blueprint("matches", __name__, url_prefix="/actors")
TRIAGED = {
    "relevant": _l("The call was marked relevant."),
    "applied": _l("The call was marked applied."),
    "not_relevant": _l("The call was marked not relevant and removed from the list."),
}


def _page() -> int:
    """The page in the URL; a page no list can have is a 400 naming the field."""
    form = PageForm(request.args)
    if not form.validate():
        abort(400, errors_text(form))
    return form.page.data or 1


def row_texts(actor_id: int) -> dict[str, Any]:
    """The words of a match row, translated once per page rather than once per row, and the
    page's own address and CSRF token."""
    options = "".join(
        f'<option value="{escape(c.value)}">{escape(str(c.label))}</option>'
        for c in FeedbackForm().reason.choices
    )
    return {
        "csrf": generate_csrf(),
        "here": url_for("matches.index", actor_id=actor_id),
        "score": _("Score %(score)s / 100"),
        "next_deadline": _("Next deadline"),
        "components": _("Shares of the score"),
        "more": _("Why, and the shares of the score"),
        "relevant": _("Relevant"),
        "applied": _("Applied"),
        "not_relevant": _("Not relevant"),
        "reason": _("Reason"),
        "application": _("The application"),
        "reasons": Markup(options),
        "verdicts": {key: str(name) for key, name in VERDICT_NAMES.items()},
    }


@matches.get("/<id:actor_id>/matches")
def index(actor_id: int) -> str:
    """Ranked matches with score, explanation and components; judged-irrelevant calls hidden."""
    check_actor_access(actor_id)
    session = db()
    actor = session.get(Actor, actor_id) or abort(404)
    page, size = _page(), settings().web.page_size
    rows, total = actor_matches(session, actor_id, limit=size, offset=(page - 1) * size)
    return render_template(
        "matches/index.html",
        actor=actor,
        rows=rows,
        total=total,
        page=page,
        pages=max(1, -(-total // size)),
        today=today(),
        t=row_texts(actor_id),
        offset=(page - 1) * size,
        actor_id=actor_id,
        followed=_followed([row.call for row in rows]),
    )


@matches.post("/<id:actor_id>/matches/<id:call_id>/feedback")
def feedback(actor_id: int, call_id: int) -> str | Response:
    """Store a verdict; htmx gets the updated row (nothing when the call is not relevant)."""
    check_actor_access(actor_id)
    form = FeedbackForm()
    if not form.validate_on_submit():
        abort(400)
    session = db()
    if find_match(session, actor_id, call_id) is None:
        abort(404)
    record_feedback(
        session,
        settings(),
        actor_id=actor_id,
        call_id=call_id,
        verdict=form.verdict.data,
        reason=form.reason.data or None,
        user_id=current_user.id,
        today=today(),
        now=utcnow(),
    )  # also re-scores the actor, so similar calls rise or fall
    session.commit()
    if not is_htmx():
        return redirect(url_for("matches.index", actor_id=actor_id))
    # What happened, for screen readers (aria-live), beside the row or in place of it.
    status = render_template("matches/status.html", message=TRIAGED[form.verdict.data])
    rows, _total = actor_matches(session, actor_id, limit=1, call_id=call_id)
    if form.verdict.data == "not_relevant" or not rows:
        return status
    context = {
        "row": rows[0],
        "actor_id": actor_id,
        "today": today(),
        "t": row_texts(actor_id),
        "followed": _followed([rows[0].call]),
    }
    return render_template("matches/row.html", **context) + status


def _followed(calls: list[Call]) -> set[int]:
    """Which of these calls the signed-in user follows, for the rows' buttons."""
    return follows_of(db(), int(current_user.id), [int(c.id or 0) for c in calls])


@matches.get("/<id:actor_id>/dismissed")
def dismissed(actor_id: int) -> str:
    """The calls this organisation marked not relevant, with the reason and an undo button."""
    check_actor_access(actor_id)
    session = db()
    actor = session.get(Actor, actor_id) or abort(404)
    rows = dismissed_calls(session, actor_id)
    return render_template(
        "matches/dismissed.html", actor=actor, rows=rows, labels=REASON_LABELS, form=ActionForm()
    )


@matches.post("/<id:actor_id>/matches/<id:call_id>/undo")
def undo(actor_id: int, call_id: int) -> Response:
    """Take back this organisation's marks on a call; the call is scored again."""
    check_actor_access(actor_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    session = db()
    undo_feedback(session, settings(), actor_id, call_id, today(), utcnow())
    session.commit()
    return redirect(url_for("matches.dismissed", actor_id=actor_id))

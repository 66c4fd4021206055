"""Managing people: staff invite members by email, admins change roles and deactivate."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response

from tracker.accounts import AccountError, create_user, list_users, normalise_email, update_user
from tracker.actors import list_actors
from tracker.mailer import MailStatus, mail_limited
from tracker.models import Actor
from webapp.auth import send_link
from webapp.forms import InviteForm, UserForm, options
from webapp.labels import account_error
from webapp.web import client, db, roles_required, settings

admin = Blueprint("admin", __name__)


@admin.get("/users")
@roles_required("staff", "admin")
def users() -> str:
    """Everyone with an account; admins get a form per user."""
    session = db()
    people = list_users(session)
    actors = {actor.id: actor.name for actor in list_actors(session)}
    forms = {user.id: UserForm(prefix=f"u{user.id}", obj=user) for user in people}
    return render_template("admin/users.html", people=people, actors=actors, forms=forms)


@admin.post("/users/<id:user_id>")
@roles_required("admin")
def change_user(user_id: int) -> Response:
    form = UserForm(prefix=f"u{user_id}")
    if not form.validate_on_submit():
        abort(400)
    if user_id == current_user.id and (form.role.data != "admin" or not form.active.data):
        flash(_("You cannot remove your own admin rights."), "error")
        return redirect(url_for("admin.users"))
    session = db()
    try:
        user = update_user(session, user_id, role=form.role.data, active=form.active.data)
    except AccountError as exc:
        flash(account_error(exc), "error")
        return redirect(url_for("admin.users"))
    session.commit()
    flash(_("Saved %(email)s.", email=user.email))
    return redirect(url_for("admin.users"))


@admin.route("/users/invite", methods=["GET", "POST"])
@roles_required("staff", "admin")
def invite() -> str | Response | tuple[str, int]:
    """Create a member of an actor and email them a link to choose their password."""
    session = db()
    form = InviteForm()
    form.actor_id.choices = options((a.id, a.name) for a in list_actors(session))
    if form.validate_on_submit():
        if mail_limited(session, settings().mail, normalise_email(form.email.data), client()):
            form.email.errors = [_("Too many emails within the hour. Please try again later.")]
            return render_template("admin/invite.html", form=form), 429
        try:
            user = create_user(
                session,
                form.email.data,
                "member",
                actor_id=form.actor_id.data,
                name=form.name.data or None,
                locale=form.locale.data,
            )
        except AccountError as exc:
            form.email.errors = [account_error(exc)]
            return render_template("admin/invite.html", form=form)
        actor = session.get(Actor, form.actor_id.data)
        inviter = current_user.name or current_user.email
        status = send_link(user, "invite", inviter=inviter, actor=actor.name)
        session.commit()
        _flash_invitation(status, user.email)
        return redirect(url_for("admin.users"))
    return render_template("admin/invite.html", form=form)


def _flash_invitation(status: MailStatus | None, email: str) -> None:
    """Whether the invitation went out, waits to be sent again, or was refused by the server."""
    if status == "pending":
        flash(
            _(
                "The invitation to %(email)s could not be sent now: the mail server did not "
                "take it. It will be sent again automatically.",
                email=email,
            ),
            "error",
        )
    elif status == "failed":
        flash(
            _(
                "The mail server refused the invitation to %(email)s. Check the address.",
                email=email,
            ),
            "error",
        )
    else:
        flash(_("Invitation sent to %(email)s.", email=email))

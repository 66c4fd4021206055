"""Actor profiles: staff list and create them, members edit their own."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from sqlalchemy.exc import IntegrityError
from werkzeug.wrappers import Response

from tracker.actors import actor_projects, list_actors, save_actor
from tracker.feeds import find_feed
from tracker.matching import rescore_actor
from tracker.models import Actor, utcnow
from webapp.explanations import theme_choices
from webapp.forms import (
    ORGANISATION_TYPES,
    ROLES_OF_ACTOR,
    ActionForm,
    ActorForm,
    lines,
    options,
    words,
)
from webapp.web import check_actor_access, db, roles_required, settings, today

actors = Blueprint("actors", __name__, url_prefix="/actors")
LIST_FIELDS = ("keywords", "programmes")


@actors.get("/")
@roles_required("staff", "admin")
def index() -> str:
    return render_template("actors/index.html", actors=list_actors(db()))


@actors.get("/<id:actor_id>")
def show(actor_id: int) -> str:
    """A profile with its past EU projects and its calendar feed."""
    check_actor_access(actor_id)
    return show_page(actor_id)


def show_page(actor_id: int, feed_url: str | None = None) -> str:
    """The profile page; a new calendar URL is shown this once."""
    actor = db().get(Actor, actor_id) or abort(404)
    return render_template(
        "actors/show.html",
        actor=actor,
        projects=actor_projects(db(), actor_id),
        types=dict(ORGANISATION_TYPES),
        roles=dict(ROLES_OF_ACTOR),
        feed=find_feed(db(), "actor", user_id=None, actor_id=actor_id),
        feed_url=feed_url,
        form=ActionForm(),
    )


@actors.route("/new", methods=["GET", "POST"])
@roles_required("staff", "admin")
def create() -> str | Response:
    return _edit(None)


@actors.route("/<id:actor_id>/edit", methods=["GET", "POST"])
def edit(actor_id: int) -> str | Response:
    check_actor_access(actor_id)
    return _edit(db().get(Actor, actor_id) or abort(404))


def _edit(actor: Actor | None) -> str | Response:
    form = ActorForm(data=profile_data(actor) if actor else None)
    form.themes.choices = options(theme_choices())
    if form.validate_on_submit():
        session = db()
        try:
            saved = save_actor(session, actor, profile_values(form))
            # A changed profile is scored again against the open calls.
            rescore_actor(session, settings(), saved.id, today(), utcnow())
            session.commit()
        except IntegrityError:
            session.rollback()
            form.business_id.errors = [_("Another actor has this business ID.")]
        else:
            flash(_("The profile is saved."))
            return redirect(url_for("actors.show", actor_id=saved.id))
    return render_template("actors/edit.html", form=form, actor=actor)


def profile_data(actor: Actor) -> dict[str, Any]:
    """An actor's fields as the form shows them: lists as text."""
    data = {name: getattr(actor, name) for name in ActorForm().data if hasattr(actor, name)}
    data["organisation_type"] = actor.organisation_type.removeprefix("sme_")
    for name in LIST_FIELDS:
        data[name] = ", ".join(getattr(actor, name) or [])
    data["industry_codes"] = "\n".join(
        f"{c.get('code', '')} {c.get('version', '')}" for c in actor.industry_codes
    )
    data["contacts"] = "\n".join(
        "; ".join(c.get(key, "") for key in ("name", "email", "phone")).rstrip("; ")
        for c in actor.contacts
    )
    return data


def profile_values(form: ActorForm) -> dict[str, Any]:
    """The form's text turned into the profile's values."""
    values = {name: field.data for name, field in form._fields.items() if name != "csrf_token"}
    for name in ("business_id", "pic", "municipality", "nuts3", "description"):
        values[name] = (values[name] or "").strip() or None
    for name in LIST_FIELDS:
        values[name] = words(values[name])
    values["industry_codes"] = [
        {"code": code, "version": version}
        for code, version in (line.split() for line in lines(values["industry_codes"]))
    ]
    values["contacts"] = [_contact(line) for line in lines(values["contacts"])]
    return values


def _contact(line: str) -> dict[str, str]:
    parts = [p.strip() for p in line.split(";")] + ["", ""]
    return {"name": parts[0], "email": parts[1], "phone": parts[2]}

"""Applications: a table with filters, a board with a column per stage, one application with
its history, and the forms to start, edit and move one. Members reach only their own
organisation's applications; staff reach all."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response

from tracker.actors import actor_names
from tracker.application_queries import (
    ApplicationFilter,
    ApplicationRow,
    application_page,
    application_row,
    applications_state,
    call_by_identifier,
    find_applications,
    history,
    programmes,
    staff_members,
    users_by_id,
)
from tracker.applications import (
    NEEDS_REASON,
    STAGES,
    ApplicationError,
    add_partner,
    create_application,
    move,
    next_stages,
    update_application,
)
from tracker.models import Application, Call, utcnow
from tracker.partners import consortium_partner, suggest_partners
from webapp.application_forms import (
    APPLICATION_ERRORS,
    STAGE_NAMES,
    ApplicationFilterForm,
    ApplicationForm,
    StageForm,
    SuggestedPartnerForm,
    partner_lines,
)
from webapp.application_history import describe_event, reason_name, role_name, stage_name, who
from webapp.forms import lines, options
from webapp.web import check_actor_access, db, is_staff, kept, safe_next, settings, today

applications = Blueprint("applications", __name__, url_prefix="/applications")
applications.add_app_template_filter(describe_event, "application_change")
applications.add_app_template_filter(stage_name, "stage_name")
applications.add_app_template_filter(reason_name, "application_reason")
applications.add_app_template_filter(role_name, "application_role")
FILTERS = ("actor_id", "programme", "stage", "staff_id", "deadline_from", "deadline_to")


def _scope() -> int | None:
    """The organisation whose applications the user reaches; None for staff, who reach all."""
    if not current_user.is_authenticated:
        abort(current_app.login_manager.unauthorized())  # type: ignore[attr-defined]
    if is_staff():
        return None
    if not current_user.actor_id:
        abort(403)
    return int(current_user.actor_id)


def _application(application_id: int) -> Application:
    _scope()
    application = db().get(Application, application_id) or abort(404)
    check_actor_access(application.actor_id)
    return application


def chosen_filter() -> tuple[ApplicationFilterForm, ApplicationFilter]:
    """The filters in the URL, within the applications the user reaches (a member's own
    organisation's whatever the URL says); a filter not understood is left out."""
    scope, session = _scope(), db()
    form = ApplicationFilterForm(request.args, meta={"csrf": False})
    anything = [("", _("Any"))]
    # Read again only when applications, calls or organisations have changed.
    actors, found = kept(
        f"application-choices-{scope}",
        applications_state(session),
        lambda: (actor_names(session) if scope is None else [], programmes(session, scope)),
    )
    if scope is None:
        form.actor_id.choices = options(anything + actors)
    else:
        del form.actor_id
    form.programme.choices = options(anything + [(p, p) for p in found])
    form.staff_id.choices = options(anything + _staff_choices())
    form.validate()
    value = {n: (None if f.errors else f.data) for n, f in form._fields.items()}
    chosen = ApplicationFilter(
        actor_id=scope if scope is not None else value["actor_id"],
        programme=value["programme"] or "",
        stage=value["stage"] or "",
        staff_id=value["staff_id"],
        deadline_from=value["deadline_from"],
        deadline_to=value["deadline_to"],
    )
    return form, chosen


def _staff_choices() -> list[tuple[Any, str]]:
    return [(u.id, u.name or u.email) for u in staff_members(db())]


def _listing(template: str, page_size: int | None = None, **context: Any) -> tuple[str, int]:
    """The page of `template` with the applications the filters select: `page_size` of them
    a page, or all."""
    form, chosen = chosen_filter()
    session, page = db(), (None if form.page.errors else form.page.data) or 1
    if page_size is None:
        rows = find_applications(session, chosen)
        total, pages = len(rows), 1
    else:
        rows, total = application_page(session, chosen, page_size, (page - 1) * page_size)
        pages = max(1, -(-total // page_size))
    args = {k: v for k, v in request.args.items() if k in FILTERS and v}
    html = render_template(
        template,
        form=form,
        rows=rows,
        total=total,
        page=page,
        pages=pages,
        args=args,
        today=today(),
        **context,
    )
    return html, 400 if form.errors else 200


@applications.get("/")
def index() -> tuple[str, int]:
    """The applications in a table, a page at a time, filtered by actor, programme, stage,
    staff and deadline."""
    return _listing("applications/index.html", page_size=settings().web.page_size)


@applications.get("/board")
def board() -> tuple[str, int]:
    """A column per stage, each application a card with buttons to its next stages."""
    return _listing(
        "applications/board.html",
        stages=STAGES,
        next_stages=next_stages,
        needs_reason=NEEDS_REASON,
    )


@applications.route("/new", methods=["GET", "POST"])
def new() -> str | Response | tuple[str, int]:
    """Start an application, to a stored call (from its page) or to one typed in by hand."""
    scope = _scope()
    call = db().get(Call, request.args.get("call_id", 0, type=int))
    data = {"call_identifier": call.identifier if call else None, "actor_id": scope}
    form = _offered(ApplicationForm(data=data), new=scope is None)
    return _save(form, None, scope)


@applications.route("/<id:application_id>/edit", methods=["GET", "POST"])
def edit(application_id: int) -> str | Response | tuple[str, int]:
    application = _application(application_id)
    row = application_row(db(), application)
    form = _offered(ApplicationForm(data=_form_data(row)), new=False)
    return _save(form, application, application.actor_id)


def _offered(form: ApplicationForm, *, new: bool) -> ApplicationForm:
    """The form with its choices: the organisation only when staff start an application."""
    if new:
        form.actor_id.choices = options(actor_names(db()))
    else:
        del form.actor_id
    form.staff_id.choices = options([("", "–"), *_staff_choices()])
    return form


def _save(
    form: ApplicationForm, application: Application | None, actor_id: int | None
) -> str | Response | tuple[str, int]:
    session = db()
    if form.validate_on_submit() and (values := _values(form)) is not None:
        try:
            if application is None:
                owner = actor_id if actor_id is not None else form.actor_id.data
                application = create_application(
                    session, owner, values, user_id=current_user.id, now=utcnow()
                )
            else:
                update_application(
                    session, application, values, user_id=current_user.id, now=utcnow()
                )
        except ApplicationError as error:
            session.rollback()
            form.call_title.errors = [str(APPLICATION_ERRORS.get(error.reason, error))]
        else:
            session.commit()
            flash(_("The application is saved."))
            return redirect(url_for("applications.show", application_id=application.id))
    page = render_template("applications/edit.html", form=form, application=application)
    return (page, 400) if form.errors else page


def _values(form: ApplicationForm) -> dict[str, Any] | None:
    """The form's fields as the application keeps them; None when the identifier is unknown."""
    call = None
    if identifier := (form.call_identifier.data or "").strip():
        call = call_by_identifier(db(), identifier)
        if call is None:
            form.call_identifier.errors = [
                _("No stored call has this identifier. Leave it empty and type the call's title.")
            ]
            return None
    return {
        "call_id": call.id if call else None,
        "call_title": text(form.call_title.data),
        "call_programme": text(form.call_programme.data),
        "call_deadline": form.call_deadline.data,
        "role": form.role.data,
        "partners": partner_lines(form.partners.data),
        "staff_id": form.staff_id.data,
        "requested_eur": form.requested_eur.data,
        "granted_eur": form.granted_eur.data,
        "regional_funding_applied": form.regional_funding_applied.data,
        "regional_funding_received": form.regional_funding_received.data,
        "notes": text(form.notes.data),
        "links": lines(form.links.data),
    }


def text(value: str | None) -> str | None:
    """A text field's value, None when it holds only spaces."""
    return (value or "").strip() or None


def _form_data(row: ApplicationRow) -> dict[str, Any]:
    """An application's fields as the form shows them: partners and links a line each."""
    application = row.application
    data = {name: getattr(application, name, None) for name in ApplicationForm().data}
    data["call_identifier"] = row.call.identifier if row.call else None
    data["partners"] = "\n".join(
        "; ".join(p[k] for k in ("name", "country", "role", "pic")).rstrip("; ")
        for p in application.partners
    )
    data["links"] = "\n".join(application.links)
    return data


@applications.get("/<id:application_id>")
def show(application_id: int) -> Any:
    """One application: its call and deadlines, figures, partners, links and history."""
    application = _application(application_id)
    form = StageForm(stage=request.args.get("to"))
    return _page(application, form)


def _page(application: Application, form: StageForm, status: int = 200) -> Any:
    session = db()
    row = application_row(session, application)
    moves = next_stages(application, row.call)
    form.stage.choices = options((s, STAGE_NAMES[s]) for s in moves)
    events = history(session, row)
    users = users_by_id(session, {getattr(e, "user_id", None) or 0 for e in events})
    page = render_template(
        "applications/show.html",
        row=row,
        application=application,
        form=form,
        moves=moves,
        events=events,
        who=lambda event: who(event, users),
        today=today(),
        # the call page's suggestions, the actor's own past partners first; none for a call
        # typed in by hand, whose topic series is not known
        partners=suggest_partners(session, row.call.identifier, row.actor) if row.call else None,
        partners_of=row.actor,
        in_consortium={p["pic"] for p in application.partners if p["pic"]},
    )
    return page, status


@applications.post("/<id:application_id>/partners")
def add_suggested_partner(application_id: int) -> Response:
    """Add an organisation the page suggests to the consortium partners, as a partner."""
    application = _application(application_id)
    form = SuggestedPartnerForm()
    if not form.validate_on_submit():
        abort(400)
    session = db()
    partner = consortium_partner(session, form.pic.data) or abort(404)
    try:
        added = add_partner(session, application, partner, user_id=current_user.id, now=utcnow())
    except ApplicationError as error:  # the most partners an application holds
        session.rollback()
        flash(str(APPLICATION_ERRORS[error.reason]), "error")
    else:
        session.commit()
        name = partner["name"]
        if added:
            flash(_("%(name)s is added to the consortium partners.", name=name))
        else:
            flash(_("%(name)s is a consortium partner already.", name=name))
    return redirect(url_for("applications.show", application_id=application_id, _anchor="partners"))


@applications.post("/<id:application_id>/stage")
def stage(application_id: int) -> Any:
    """Move the application to a next stage; a no-go or a rejection with its reason."""
    application = _application(application_id)
    form = StageForm()
    form.stage.choices = options((s, STAGE_NAMES[s]) for s in STAGES)
    if not form.validate_on_submit():
        return _page(application, form, 400)
    session = db()
    try:
        move(
            session,
            application,
            form.stage.data,
            user_id=current_user.id,
            now=utcnow(),
            reason=form.reason.data or None,
            reason_text=form.reason_text.data,
            score=form.score.data,
        )
    except ApplicationError as error:
        session.rollback()
        field = {"reason": form.reason, "no_reason": form.reason, "score": form.score}
        field.get(error.reason, form.stage).errors = [str(APPLICATION_ERRORS[error.reason])]
        return _page(application, form, 400)
    session.commit()
    flash(_("Moved to “%(stage)s”.", stage=stage_name(form.stage.data)))
    fallback = url_for("applications.show", application_id=application_id)
    return redirect(safe_next(form.next.data, fallback))

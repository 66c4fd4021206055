"""Pages of calls: the searchable list and one call in full."""

from __future__ import annotations

from datetime import date
from time import monotonic
from typing import Any
from urllib.parse import parse_qsl, urlencode

from flask import Blueprint, abort, current_app, redirect, render_template, request, url_for
from flask_login import current_user
from werkzeug.datastructures import MultiDict

from callrules.deadlines import ForApplicant
from scrapers.record import Deadline
from tracker.actors import call_matches, list_actors
from tracker.follows import follows_of
from tracker.html import is_web_link
from tracker.models import Actor, Call
from tracker.models_web import Subscription
from tracker.overview import call_history, call_sources
from tracker.partners import suggest_partners
from tracker.queries import kept_call, topics_sharing_budget
from tracker.search import (
    SORTS,
    CallQuery,
    Organisation,
    call_themes,
    filter_options,
    search_calls,
)
from tracker.subscriptions import saved_searches
from webapp.changes import describe_change
from webapp.explanations import theme_choices
from webapp.forms import STATUS_LABELS, CallSearchForm, errors_text
from webapp.i18n import lazy_text as _l
from webapp.labels import source_name
from webapp.subscription_forms import SaveSearchForm
from webapp.web import absolute_url, db, is_staff, settings, today

calls = Blueprint("calls", __name__)
calls.add_app_template_filter(describe_change, "change")
OPTIONS_SECONDS = 60.0


calls.add_app_template_filter(is_web_link, "web_link")


@calls.app_template_filter("applicant")
def applicant(call: Call, day: date) -> ForApplicant[Deadline]:
    """The call as a new applicant sees it on `day`, given the configured preparation time."""
    return call.for_applicant(day, settings().matching.min_days_to_prepare)


def call_query(
    args: MultiDict[str, str], page_size: int, actor: Actor | None
) -> tuple[CallQuery, CallSearchForm]:
    """The search in the URL's arguments as a CallQuery; a filter not understood is left out of
    the query and carries its error in the form (the caller answers 400 naming it)."""
    form = CallSearchForm(args, meta={"csrf": False})
    form.offer(stored_options(), theme_choices())
    for choice in form.source.choices or ():
        choice.label = source_name(choice.value) if choice.value else choice.label
    form.validate()
    value = {name: (None if field.errors else field.data) for name, field in form._fields.items()}
    query = CallQuery(
        text=(value["q"] or "").strip(),
        programme=value["programme"] or "",
        status=value["status"] or "",
        deadline_from=value["deadline_from"],
        deadline_to=value["deadline_to"],
        theme=value["theme"] or "",
        type_of_action=value["type_of_action"] or "",
        source=value["source"] or "",
        new_since=value["new_since"],
        budget_min=value["budget_min"],
        budget_max=value["budget_max"],
        sort=value["sort"] if value["sort"] in SORTS else "deadline",
        page=value["page"] or 1,
        page_size=value["page_size"] or page_size,
    )
    if actor is not None:
        query.actor_id = actor.id
        if value["eligible"]:
            query.eligible_for = Organisation(actor.country, actor.nuts3, actor.organisation_type)
    return query, form


def saved_query(query: str, actor: Actor | None) -> tuple[CallQuery, str]:
    """The search of a saved search's query string, as the calls page reads it from its URL,
    and the filters it no longer understands (a theme no longer configured, say), named with
    their reasons; "" when it understands them all. Left out, such a filter would widen the
    search to calls its owner never asked for."""
    args = MultiDict(parse_qsl(query, keep_blank_values=True))
    found, form = call_query(args, settings().web.page_size, actor)
    return found, errors_text(form)


# What a saved search with filters no longer understood says besides them, in its digest and feed.
REFUSED_SEARCH = _l("It lists no calls until its filters are chosen again and it is saved anew.")


@calls.app_template_filter("refused_filters")
def refused_filters(subscription: Subscription) -> str:
    """A saved search's filters no longer understood, named with their reasons; "" if none."""
    return saved_query(subscription.query or "", None)[1]


def saved_search_url(subscription: Subscription) -> str:
    """The calls page of a saved search, for its emails and its feed."""
    return f"{absolute_url('calls.index')}?{subscription.query or ''}"


def stored_options() -> dict[str, list[str]]:
    """The values of the search selects, read again at most once a minute per worker."""
    cache = current_app.extensions["radar"].setdefault("options", {})
    if cache.get("until", 0.0) < monotonic():
        cache.update(values=filter_options(db()), until=monotonic() + OPTIONS_SECONDS)
    return cache["values"]


def own_actor() -> Actor | None:
    """The signed-in member's organisation, for its eligibility and match scores."""
    if not current_user.is_authenticated or not current_user.actor_id:
        return None
    return db().get(Actor, current_user.actor_id)


def _partners_of() -> Actor | None:
    """Whose past partners the suggestions put first: a member's own organisation, or the
    actor a staff member chose on the page."""
    if not is_staff():
        return own_actor()
    chosen = request.args.get("partners_for", type=int)
    return db().get(Actor, chosen) if chosen else None


@calls.get("/")
def index() -> tuple[str, int]:
    """Calls matching the filters in the URL, one page at a time; a filter not understood is
    shown with its reason, the page answered with 400 and searched without it."""
    query, form = call_query(request.args, settings().web.page_size, own_actor())
    day = today()
    found = search_calls(db(), query, day, settings().matching.min_days_to_prepare)
    # The filters for the pager and the downloads; an empty status ("any") is one: its default
    # is "open or forthcoming".
    args = {k: v for k, v in request.args.items() if k != "page" and (v or k == "status")}
    save_form, saved_here = None, []
    if current_user.is_authenticated:  # the search to save: the same filters
        save_form = SaveSearchForm(formdata=None, query=urlencode(args))
        saved_here = saved_searches(db(), current_user.id, urlencode(args))
    page = render_template(
        "calls/index.html",
        form=form,
        found=found,
        today=day,
        args=args,
        save_form=save_form,
        saved_here=saved_here,
        can_filter_eligible=current_user.is_authenticated and bool(current_user.actor_id),
        status_labels={key: str(label) for key, label in STATUS_LABELS.items()},
    )
    return page, 400 if form.errors else 200


@calls.get("/calls/<id:call_id>")
def show(call_id: int) -> Any:
    """One call: texts, deadlines, budget, eligibility, sources, history; matches for staff."""
    session = db()
    call = session.get(Call, call_id)
    if call is None:
        abort(404)
    kept = kept_call(session, call)
    if kept.id != call.id:  # merged into another: its page is the kept call's
        return redirect(url_for("calls.show", call_id=kept.id), code=301)
    partners_of = _partners_of()
    partners = suggest_partners(session, call.identifier, partners_of)
    context: dict[str, Any] = {
        "call": call,
        "today": today(),
        "sources": call_sources(session, call_id),
        "history": call_history(session, call_id),
        "shared_by": topics_sharing_budget(session, call),
        "themes": call_themes(session, [call_id]).get(call_id, []),
        "matches": call_matches(session, call_id) if is_staff() else [],
        "partners": partners,
        "partners_of": partners_of,
        "actors": list_actors(session) if partners and is_staff() else [],
        "status_labels": STATUS_LABELS,
        "min_days": settings().matching.min_days_to_prepare,
        "following": current_user.is_authenticated
        and bool(follows_of(session, int(current_user.id), [call_id])),
    }
    return render_template("calls/show.html", **context)

"""The JSON API: calls with the page's filters, one call, an actor's matches; token required."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from functools import wraps
from typing import Any

from flask import Blueprint, abort, g, jsonify, request, url_for
from werkzeug.wrappers import Response

from tracker.accounts import STAFF_ROLES, user_for_api_token
from tracker.actors import actor_matches
from tracker.models import Actor, Call
from tracker.queries import call_summary, last_seen
from tracker.search import call_themes, search_calls
from webapp.calls import call_query
from webapp.explanations import explanation
from webapp.forms import MAX_PAGE_SIZE
from webapp.i18n import safe_html
from webapp.openapi import openapi_document
from webapp.problems import field_problem, problem
from webapp.web import db, settings, today

api = Blueprint("api", __name__, url_prefix="/api")


def token_required(view: Callable[..., Any]) -> Callable[..., Any]:
    """A valid `Authorization: Bearer TOKEN` header, else 401."""

    @wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        scheme, _, token = request.headers.get("Authorization", "").partition(" ")
        user = user_for_api_token(db(), token.strip()) if scheme.lower() == "bearer" else None
        if user is None:
            response = problem(401, "A valid API token is required.")
            response.headers["WWW-Authenticate"] = "Bearer"
            return response
        g.api_user = user
        return view(*args, **kwargs)

    return wrapper


def _call_json(call: Call, themes: list[str], seen: dict[int, datetime]) -> dict[str, Any]:
    """The call's summary; `seen`: when a source last listed it, by call id (`last_seen`)."""
    data = call_summary(call, today(), settings().matching.min_days_to_prepare, seen.get(call.id))
    data.update(
        id=call.id, themes=themes, link=url_for("calls.show", call_id=call.id, _external=True)
    )
    return data


@api.get("/calls")
@token_required
def calls() -> Response:
    """Calls with the same filters as the calls page, one page at a time."""
    user = g.api_user
    actor = db().get(Actor, user.actor_id) if user.actor_id else None
    query, form = call_query(request.args, settings().web.page_size, actor)
    if form.errors:
        return field_problem(form.errors)
    found = search_calls(db(), query, today(), settings().matching.min_days_to_prepare)
    seen = last_seen(db(), [row.call.id for row in found.rows if row.call.id])
    return jsonify(
        total=found.total,
        page=found.page,
        pages=found.pages,
        page_size=found.page_size,
        unsearched=found.unsearched,
        calls=[_call_json(row.call, row.themes, seen) for row in found.rows],
    )


@api.get("/calls/<id:call_id>")
@token_required
def call(call_id: int) -> Response:
    found = db().get(Call, call_id)
    if found is None:
        abort(404, "No such call.")
    data = _call_json(
        found, call_themes(db(), [call_id]).get(call_id, []), last_seen(db(), [call_id])
    )
    data.update(
        description_html=str(safe_html(found.description_html)),
        conditions_html=str(safe_html(found.conditions_html)),
        eligibility=found.eligibility,
        budget_min_grant_eur=found.budget_min_grant_eur,
        budget_max_grant_eur=found.budget_max_grant_eur,
    )
    return jsonify(data)


@api.get("/actors/<id:actor_id>/matches")
@token_required
def matches(actor_id: int) -> Response:
    """An actor's matches, best first; members reach only their own organisation."""
    user = g.api_user
    if user.role not in STAFF_ROLES and user.actor_id != actor_id:
        abort(403, "Members reach only their own organisation.")
    if db().get(Actor, actor_id) is None:
        abort(404, "No such actor.")
    rows, total = actor_matches(db(), actor_id, limit=MAX_PAGE_SIZE)
    seen = last_seen(db(), [row.call.id for row in rows if row.call.id])
    items = [
        {
            "call": _call_json(row.call, [], seen),
            "score": row.match.score,
            "components": row.match.components,
            "evidence": row.match.evidence,
            "explanation_fi": explanation(row.match, "fi").text,
            "explanation_en": explanation(row.match, "en").text,
            "verdict": row.verdict,
        }
        for row in rows
    ]
    return jsonify(total=total, matches=items)


@api.get("/openapi.json")
def openapi() -> Response:
    return jsonify(openapi_document())

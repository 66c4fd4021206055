"""Downloads of calls, matches and applications, with the filters of the page they are taken
from."""

from __future__ import annotations

import io
from typing import Any

from flask import Blueprint, Response, abort, request

from matcher.text import Language
from tracker.export import (
    FORMATS,
    Table,
    applications_table,
    calls_table,
    matches_table,
    write_table,
)
from tracker.models import Actor
from webapp.application_forms import APPLICATION_ROLES, STAGE_NAMES
from webapp.applications import chosen_filter
from webapp.calls import call_query, own_actor
from webapp.explanations import configured_themes
from webapp.forms import STATUS_LABELS, errors_text
from webapp.i18n import current_locale
from webapp.i18n import lazy_text as _l
from webapp.labels import VERDICT_NAMES
from webapp.web import check_actor_access, db, settings, today

exports = Blueprint("exports", __name__)
MIMETYPES = {
    "csv": "text/csv",
    "json": "application/json",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
# The columns of the downloads people open (CSV, xlsx) named in their language; JSON, read by
# programs, keeps the names of tracker.export and its codes.
COLUMNS = {
    "actor": _l("Organisation"),
    "identifier": _l("Identifier"),
    "title": _l("Title"),
    "programme": _l("Programme"),
    "status": _l("Status"),
    "next_deadline": _l("Next deadline"),
    "deadlines": _l("Deadlines"),
    "opening_date": _l("Opens"),
    "budget_eur": _l("Budget (EUR)"),
    "type_of_action": _l("Type of action"),
    "url": _l("Web address"),
    "first_seen": _l("First seen"),
    "last_seen": _l("Last seen in a source"),
    "score": _l("Score"),
    "reasons": _l("Why"),
    "verdict": _l("Feedback"),
    "stage": _l("Stage"),
    "role": _l("Our role"),
    "staff": _l("Responsible staff member"),
    "requested_eur": _l("EU contribution requested (EUR)"),
    "granted_eur": _l("EU contribution granted (EUR)"),
    "preparation_funding_applied": _l("Regional preparation funding applied for"),
    "preparation_funding_received": _l("Regional preparation funding received"),
    "partner_count": _l("Partners"),
    "last_change": _l("Last changed"),
}
YES, NO = _l("Yes"), _l("No")
# The coded values of those columns, in words.
CODED: dict[str, dict[str, Any]] = {
    "status": STATUS_LABELS,
    "stage": STAGE_NAMES,
    "role": APPLICATION_ROLES,
    "verdict": VERDICT_NAMES,
}


@exports.get("/calls/export.<fmt>")
def calls(fmt: str) -> Response:
    """The calls the calls page finds with the filters in the URL, every page of them."""
    query, form = call_query(request.args, settings().web.page_size, own_actor())
    if form.errors:
        abort(400, errors_text(form))
    table = calls_table(db(), today(), settings().matching.min_days_to_prepare, query)
    return download(table, fmt, "calls")


@exports.get("/actors/<id:actor_id>/matches/export.<fmt>")
def matches(actor_id: int, fmt: str) -> Response:
    """The organisation's matches as its matches page lists them; a member only their own."""
    check_actor_access(actor_id)
    session = db()
    if session.get(Actor, actor_id) is None:
        abort(404)
    min_days = settings().matching.min_days_to_prepare
    language: Language = "fi" if current_locale() == "fi" else "en"
    table = matches_table(session, [actor_id], today(), min_days, language, configured_themes())
    return download(table, fmt, f"matches-{actor_id}")


@exports.get("/applications/export.<fmt>")
def applications(fmt: str) -> Response:
    """The applications the applications table finds with the filters in the URL; a member's
    own organisation's only."""
    form, chosen = chosen_filter()
    if form.errors:
        abort(400, errors_text(form))
    return download(applications_table(db(), [chosen], today()), fmt, "applications")


def download(table: Table, fmt: str, stem: str) -> Response:
    """`table` as a file to save, named after what it holds and today."""
    if fmt not in FORMATS:
        abort(404)
    out: io.BytesIO | io.StringIO = io.BytesIO() if fmt == "xlsx" else io.StringIO(newline="")
    write_table(table if fmt == "json" else in_words(table), out, fmt)
    body = out.getvalue()
    name = f"{stem}-{today().isoformat()}.{fmt}"
    return Response(
        body,
        mimetype=MIMETYPES[fmt],
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


def in_words(table: Table) -> Table:
    """`table` for people: its columns named and its coded values (a stage, a role, a status,
    a mark, yes or no) said in the user's language."""
    names = {column: str(COLUMNS[column]) for column in table.columns}
    rows = [
        {names[column]: _said(column, row.get(column)) for column in table.columns}
        for row in table.rows
    ]
    return Table(table.name, tuple(names.values()), rows)


def _said(column: str, value: Any) -> Any:
    if isinstance(value, bool):  # the preparation funding's yes or no, not "True"
        return str(YES if value else NO)
    words = CODED.get(column, {}).get(value) if isinstance(value, str) else None
    return str(words) if words is not None else value

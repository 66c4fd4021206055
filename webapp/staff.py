"""Staff pages: the region at a glance and the status of the sources."""

from __future__ import annotations

from datetime import timedelta

from flask import Blueprint, render_template

from tracker.mailer import failed_emails
from tracker.overview import actors_overview, calls_changed_since, first_load_since, source_status
from tracker.search import CallQuery, day_start, search_calls
from webapp.web import db, roles_required, settings, today

staff = Blueprint("staff", __name__, url_prefix="/staff")
SHOWN_RECORD_ERRORS = 50  # per source; the run keeps more and counts them all
SHOWN_NEW = 50
SHOWN_FAILED_EMAILS = 20


@staff.get("/")
@roles_required("staff", "admin")
def overview() -> str:
    """Every actor with its best and newest matches, and this week's new and changed calls."""
    session = db()
    day = today()
    # The calls page's own search, so the count and the list it links to are the same calls.
    first_day = day - timedelta(days=7)
    week = CallQuery(status="", new_since=first_day, sort="newest", page_size=SHOWN_NEW)
    since = day_start(first_day)
    return render_template(
        "staff/overview.html",
        summaries=actors_overview(session),
        new=search_calls(session, week, day, settings().matching.min_days_to_prepare),
        new_args={"status": "", "new_since": first_day, "sort": "newest"},
        first_load=first_load_since(session, since),
        changed=calls_changed_since(session, since),
        today=day,
        sources=source_status(session),
    )


@staff.get("/sources")
@roles_required("staff", "admin")
def sources() -> str:
    """Each source's last run, counts and errors; the emails the mail server refused."""
    return render_template(
        "staff/sources.html",
        sources=source_status(db()),
        max_shown=SHOWN_RECORD_ERRORS,
        failed_emails=failed_emails(db(), SHOWN_FAILED_EMAILS),
    )

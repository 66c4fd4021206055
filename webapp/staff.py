"""Staff pages: the region at a glance and the status of the sources."""

from __future__ import annotations

from datetime import timedelta

from flask import Blueprint, render_template

from tracker.models import utcnow
from tracker.overview import actors_overview, calls_since, source_status
from webapp.web import db, roles_required, today

staff = Blueprint("staff", __name__, url_prefix="/staff")
SHOWN_RECORD_ERRORS = 50  # per source; the run keeps more and counts them all


@staff.get("/")
@roles_required("staff", "admin")
def overview() -> str:
    """Every actor with its best and newest matches, and this week's new and changed calls."""
    session = db()
    new, changed = calls_since(session, utcnow() - timedelta(days=7))
    return render_template(
        "staff/overview.html",
        summaries=actors_overview(session),
        new=new,
        changed=changed,
        today=today(),
        sources=source_status(session),
    )


@staff.get("/sources")
@roles_required("staff", "admin")
def sources() -> str:
    """Each source's last run, counts and errors."""
    return render_template(
        "staff/sources.html", sources=source_status(db()), max_shown=SHOWN_RECORD_ERRORS
    )

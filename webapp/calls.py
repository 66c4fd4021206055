"""Pages of calls."""

from __future__ import annotations

from datetime import date

from flask import Blueprint, current_app, render_template, request
from sqlmodel import Session

from tracker.queries import calls as stored_calls

calls = Blueprint("calls", __name__)
STATUSES = ("open", "forthcoming", "closed")


@calls.get("/")
def index() -> str:
    """Stored calls with their computed status and next deadline."""
    status = request.args.get("status")
    status = status if status in STATUSES else None
    today = date.today()
    engine = current_app.extensions["radar"]["engine"]
    with Session(engine) as session:
        rows = stored_calls(session, today, status=status)
    return render_template("calls.html", calls=rows, today=today, status=status, statuses=STATUSES)

"""The regional dashboard for staff: each figure of tracker/dashboard.py as a chart with the
same figures in a table beside it, and the region's direct EU funding before the service."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from babel.dates import format_interval
from flask import Blueprint, render_template
from flask_babel import format_decimal, get_locale
from flask_babel import gettext as _

from tracker.application_queries import applications_state
from tracker.applications import FUNDER_DECIDED
from tracker.baseline import Funding, funding_by_year, region_funding
from tracker.dashboard import DEADLINE_WEEKS, Dashboard, Figures, dashboard
from webapp.application_history import stage_name
from webapp.charts import Chart, Series, bar_chart
from webapp.i18n import format_eur
from webapp.web import db, kept, roles_required, today

region = Blueprint("dashboard", __name__, url_prefix="/staff/dashboard")


@region.get("/")
@roles_required("staff", "admin")
def index() -> str:
    """The region's applications by stage, outcome, programme, year, deadline and organisation,
    beside the region's Horizon Europe funding in CORDIS."""
    session, day = db(), today()
    # Computed again only when what the figures read has changed since this process did.
    figures = kept("dashboard", (day, applications_state(session)), lambda: dashboard(session, day))
    rows = labelled(figures, figures.beside(funding_by_year(session)))
    return render_template(
        "staff/dashboard.html",
        d=figures,
        rows=rows,
        charts=charts(figures, rows),
        funding=region_funding(session),
        today=day,
        weeks=DEADLINE_WEEKS,
        decided=FUNDER_DECIDED,
        last_day=figures.weeks[-1][0] + timedelta(days=6),
    )


def labelled(
    d: Dashboard, baseline: list[tuple[int | None, Funding | None, Figures]]
) -> dict[str, list[tuple[Any, ...]]]:
    """The rows of the page's tables keyed by what people read: a programme, year or week."""
    return {
        "programmes": [(p or _("Programme not given"), f) for p, f in d.by_programme],
        "years": [(year_label(y), f) for y, f in d.by_year],
        "weeks": [(week_label(w), n) for w, n in d.weeks],
        "baseline": [(year_label(y), c, f) for y, c, f in baseline],
    }


def charts(d: Dashboard, rows: dict[str, list[tuple[Any, ...]]]) -> dict[str, Chart]:
    """Each figure of the page as a chart, its numbers written as its table writes them."""
    requested_granted = [Series("requested", _("Requested")), Series("granted", _("Granted"))]

    def money(key: str) -> Chart:
        return bar_chart(
            [(label, [f.requested_eur, f.granted_eur]) for label, f in rows[key]],
            format_eur,
            requested_granted,
        )

    return {
        "stages": bar_chart(
            [(stage_name(s), [f.applications]) for s, f in d.stages.items()], format_decimal
        ),
        "outcome": bar_chart(
            [(stage_name(s), [d.stages[s].applications]) for s in FUNDER_DECIDED], format_decimal
        ),
        "pipeline": bar_chart([(stage_name(s), [eur]) for s, _n, eur in d.pipeline], format_eur),
        "programmes": money("programmes"),
        "years": money("years"),
        "weeks": bar_chart([(week, [n]) for week, n in rows["weeks"]], format_decimal),
        "actors": bar_chart(
            [(name, [f.applications]) for _id, name, f in d.actors], format_decimal
        ),
        "baseline": bar_chart(
            [
                (year, [c.ec_contribution_eur if c else 0, f.requested_eur, f.granted_eur])
                for year, c, f in rows["baseline"]
            ],
            format_eur,
            [Series("cordis", _("EU contribution in CORDIS")), *requested_granted],
        ),
    }


def year_label(year: int | None) -> str:
    return str(year) if year is not None else _("Year not known")


def week_label(monday: date) -> str:
    """A week, Monday to Sunday, as its days: "Sep 7 – 13" in English."""
    return format_interval(monday, monday + timedelta(days=6), "MMMd", locale=get_locale())

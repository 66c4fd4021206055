"""Searching stored calls: filters, sorting and paging in SQL, as the web page and the API need."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import String, and_, case, func, literal, or_, true
from sqlalchemy.orm import load_only
from sqlmodel import Session, col, select

from callrules.deadlines import PREPARATION_DAYS
from matcher import search_terms
from matcher.profile import eligibility_type
from tracker.models import Call, CallDeadline, CallEligibility, CallSource, CallTheme, Match
from tracker.queries import UNMERGED, current_clause, last_day, not_ended_clause, status_clause
from tracker.text_search import TextMatch, text_match

SORTS = ("deadline", "newest", "budget", "relevance")
# Sorts whose order an index holds, ties by id (0027): without a text, a page reads its calls
# from that index's end and stops, and the calls are counted apart.
IN_INDEX_ORDER = ("newest", "budget")
STATUSES = ("open", "forthcoming", "closed")
CURRENT = "current"  # open or forthcoming: what the calls page shows first
# What a list of calls shows (and call_row needs); the rest is not loaded.
LISTED = (
    "id", "identifier", "title", "programme", "type_of_action", "opening_date", "deadlines",
    "deadline_model", "final_deadline", "continuous", "technical_end", "withdrawn_at",
    "budget_total_eur", "url", "first_seen",
)  # fmt: skip


@dataclass(frozen=True)
class Organisation:
    """What eligibility depends on: the applicant's country, NUTS-3 region and kind."""

    country: str
    nuts3: str | None
    organisation_type: str


@dataclass
class CallQuery:
    """One search: every filter optional, as in the URL of the calls page."""

    text: str = ""
    programme: str = ""
    status: str = ""
    deadline_from: date | None = None
    deadline_to: date | None = None
    theme: str = ""
    type_of_action: str = ""
    source: str = ""
    budget_min: int | None = None
    budget_max: int | None = None
    new_since: date | None = None  # first seen on this day (UTC) or later
    # First seen after the first moment and at or before the second: new to a digest's period.
    seen_between: tuple[datetime, datetime] | None = None
    eligible_for: Organisation | None = None
    actor_id: int | None = None  # ranks by this actor's match scores when sorting by relevance
    sort: str = "deadline"
    page: int = 1
    page_size: int = 50

    @property
    def filters_deadlines(self) -> bool:
        """Whether it keeps a range of a new applicant's next deadline: a condition computed
        for each call, so the page starts from the calls with a deadline in it
        (`_deadline_in_range`), neither from an index's order nor from `_within_reach`."""
        return bool(self.deadline_from or self.deadline_to)


@dataclass
class CallRow:
    """A call as a list shows it, with its deadline for a new applicant and themes."""

    call: Call
    next_deadline: date | None
    themes: list[str] = field(default_factory=list)
    eligibility_stated: bool = True  # some source states who may apply (filtered by it)


@dataclass
class CallPage:
    rows: list[CallRow]
    total: int
    page: int
    page_size: int
    # What the text was searched as: its terms, or None when it named identifiers.
    terms: search_terms.Query | None = None
    unstated: int = 0  # calls kept by the eligibility filter although no source states theirs
    # A text that holds nothing to search for (punctuation, stop words): the filters alone listed.
    unsearched: str = ""

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.page_size))


def search_calls(
    session: Session, query: CallQuery, today: date, min_days: int = PREPARATION_DAYS
) -> CallPage:
    """One page of calls matching every filter of `query`, with the total count."""
    plan = _plan(session, query, today, min_days)
    text, conditions = plan.text, plan.filters()
    page = max(1, query.page)
    tallies = {"total": func.count()}
    if query.eligible_for is not None:  # how many of them no source states the eligibility of
        tallies["unstated"] = func.count(case((~_stated(), 1)))
    reach = _within_reach(session, plan, conditions, page * query.page_size)
    in_order = text is None and query.sort in IN_INDEX_ORDER and not query.filters_deadlines
    # Ids first: sorting narrow rows is fast, whole calls (long texts inline) are not. The
    # window counts give the totals in the same pass over the filtered calls, unless only
    # those within reach are sorted, or none is.
    apart = reach is not None or in_order
    windows = (tally.over().label(name) for name, tally in tallies.items() if not apart)
    columns = plan.searched(select(Call.id, plan.upcoming.label("next"), *windows))
    statement, order = plan.ordered(columns)
    read = plan.filters(most=True) if in_order else conditions
    chosen = session.exec(
        statement.where(*read, *([] if reach is None else [reach]))
        .order_by(*order)
        .offset((page - 1) * query.page_size)
        .limit(query.page_size)
    ).all()
    counted: Any = chosen[0] if chosen and not apart else None
    if counted is None:  # counted apart, past the last page, or nothing found
        totals = select(*(tally.label(name) for name, tally in tallies.items())).select_from(Call)
        counted = session.execute(plan.searched(totals).where(*conditions)).one()
    loaded = session.exec(
        select(Call)
        .where(col(Call.id).in_([row[0] for row in chosen]))
        .options(load_only(*(getattr(Call, name) for name in LISTED)))
    )
    by_id = {call.id: call for call in loaded}
    found = [(by_id[row[0]], row[1]) for row in chosen]
    ids = [call.id for call, _ in found]
    themes = call_themes(session, ids)
    stated = _stated_of(session, ids) if query.eligible_for is not None else set(ids)
    rows = [CallRow(c, nxt, themes.get(c.id, []), c.id in stated) for c, nxt in found]
    return CallPage(
        rows=rows,
        total=counted.total,
        page=page,
        page_size=query.page_size,
        terms=text.terms if text else None,
        unstated=counted.unstated if query.eligible_for is not None else 0,
        unsearched=query.text.strip() if text is None else "",
    )


def _within_reach(session: Session, plan: _Plan, conditions: list[Any], reach: int) -> Any:
    """Listed by deadline without a text (the page as it opens): a condition that keeps the
    calls that can be among the first `reach`, all of them; None where every call found is
    sorted.

    A call's deadline for a new applicant is one of its deadlines still ahead, none later than
    its last day (`closes_on`: its last deadline open to a newcomer). So the `reach`th last day
    of the calls with a deadline ahead bounds the deadlines of the first `reach`: only the calls
    with a deadline up to that day are sorted. For the first page at 50,000 calls that is 67
    of the 19,573 current calls, instead of looking up the deadlines of all of them: the page's
    queries took 50-95 ms on PostgreSQL, and take 15 ms with the count apart."""
    query, today = plan.query, plan.today
    if query.sort != "deadline" or plan.text is not None or query.filters_deadlines:
        return None
    if query.status == "closed":  # a few withdrawn calls have a deadline ahead, no other
        return None
    ahead = (CallDeadline.newcomer == true(), CallDeadline.deadline >= today)
    has_ahead = select(CallDeadline.id).where(CallDeadline.call_id == Call.id, *ahead).exists()
    bound = session.exec(
        select(last_day())
        .where(*conditions, not_ended_clause(today), has_ahead)  # implied, as a range to seek
        .order_by(last_day())
        .offset(reach - 1)
        .limit(1)
    ).first()
    if bound is None:  # fewer calls with a deadline ahead: every one may be listed
        return None
    within = select(CallDeadline.call_id).where(*ahead, CallDeadline.deadline <= bound)
    return col(Call.id).in_(within)


def found_calls(
    session: Session, query: CallQuery, today: date, min_days: int = PREPARATION_DAYS
) -> list[Call]:
    """Every call matching the filters of `query`, in its order, unpaged (for exports)."""
    listed = load_only(*(getattr(Call, name) for name in LISTED))
    every = _every(session, lambda _: select(Call), query, today, min_days)
    return list(session.exec(every.options(listed)))


def found_ids(
    session: Session, query: CallQuery, today: date, min_days: int = PREPARATION_DAYS
) -> list[tuple[int, date | None]]:
    """The id of every call matching the filters of `query` with its next deadline for a new
    applicant, in the query's order: narrow rows, for those who load only a few calls."""

    def columns(upcoming: Any) -> Any:
        return select(Call.id, upcoming.label("next"))

    return [
        (int(i), nxt) for i, nxt in session.exec(_every(session, columns, query, today, min_days))
    ]


def _every(session: Session, columns: Any, query: CallQuery, today: date, min_days: int) -> Any:
    """`columns(next deadline)` of every call matching the filters of `query`, in its order."""
    plan = _plan(session, query, today, min_days)
    statement, order = plan.ordered(plan.searched(columns(plan.upcoming)))
    return statement.where(*plan.filters()).order_by(*order)


@dataclass(frozen=True)
class _Plan:
    """How the calls of a query are read: the text's match, the column of a call's next
    deadline for a new applicant and, on PostgreSQL with a range of deadlines, the calls the
    list starts from (`ranged`, each with that deadline computed once; else None)."""

    query: CallQuery
    today: date
    text: TextMatch | None
    upcoming: Any
    ranged: Any

    def searched(self, statement: Any) -> Any:
        """`statement` (of calls) narrowed to those the text finds and those `ranged` holds."""
        if self.ranged is not None:
            statement = statement.join(self.ranged, self.ranged.c.call_id == Call.id)
        return statement if self.text is None else self.text.apply(statement)

    def filters(self, most: bool = False) -> list[Any]:
        """The query's conditions; `most`: its status told to SQLite as true of most calls (a
        page read in an index's order, `IN_INDEX_ORDER`)."""
        query = self.query
        conditions = _conditions(query, self.today, self.upcoming, most)
        if query.filters_deadlines and self.ranged is None:
            conditions.append(_deadline_in_range(query, self.today))
        if query.eligible_for is not None:
            conditions.append(eligible_clause(query.eligible_for))
        return conditions

    def ordered(self, statement: Any) -> tuple[Any, list[Any]]:
        """The statement (joined to the scores when ranked by them) and its whole order, ties
        broken by id."""
        query, text = self.query, self.text
        soonest = [func.coalesce(self.upcoming, date.max), col(Call.id)]  # none ahead: last
        if query.sort == "newest":  # both as 0027's indexes hold them, read from the end
            return statement, [col(Call.first_seen).desc(), col(Call.id).desc()]
        if query.sort == "budget":
            return statement, [col(Call.budget_total_eur).desc().nulls_last(), col(Call.id).desc()]
        if query.sort == "relevance" and text is not None:
            return statement, [*text.best_first(), *soonest]
        if query.sort == "relevance" and query.actor_id is not None:
            statement = statement.outerjoin(
                Match, (Match.call_id == Call.id) & (Match.actor_id == query.actor_id)
            )
            return statement, [col(Match.score).is_(None), col(Match.score).desc(), *soonest]
        return statement, soonest


def _plan(session: Session, query: CallQuery, today: date, min_days: int) -> _Plan:
    """The query's plan. With a range of deadlines on PostgreSQL, the calls the text finds with
    a newcomer deadline in the range are a materialized CTE with their next deadline: in a
    condition, PostgreSQL looks up a call's deadlines again for each use (both ends, the list,
    the order). SQLite is slower so, and keeps the conditions (bench/RESULTS.md, 2026-12-07,
    late night)."""
    text = None
    if query.text.strip():
        text = text_match(session, query.text, ranked=query.sort == "relevance")
    upcoming = applicant_deadline(today, min_days)
    plan = _Plan(query, today, text, upcoming, None)
    if not query.filters_deadlines or session.get_bind().dialect.name != "postgresql":
        return plan
    found = plan.searched(select(col(Call.id).label("call_id"), upcoming.label("next")))
    ranged = found.where(_deadline_in_range(query, today)).cte("ranged").prefix_with("MATERIALIZED")
    return _Plan(query, today, text, ranged.c.next, ranged)


def _deadline_in_range(query: CallQuery, today: date) -> Any:
    """The calls with a newcomer deadline in the query's range (never before today), which the
    next deadline is one of: the engines start from those in the deadlines' index, instead of
    looking up the next deadline of every call (bench/RESULTS.md, 2026-12-07, night)."""
    start, end = query.deadline_from, query.deadline_to
    ahead = [CallDeadline.newcomer == true(), CallDeadline.deadline >= max(start or today, today)]
    if end:
        ahead.append(CallDeadline.deadline <= end)
    return col(Call.id).in_(select(CallDeadline.call_id).where(*ahead))


def applicant_deadline(today: date, min_days: int) -> Any:
    """SQL of `Call.for_applicant(today, min_days).deadline`'s date: the earliest deadline
    that leaves `min_days` to prepare, else the next one (of the newcomer's in CallDeadline)."""
    roomy = today + timedelta(days=min_days)
    return func.coalesce(_first_deadline_from(roomy), _first_deadline_from(today))


def _first_deadline_from(day: date) -> Any:
    # Correlated, so only the filtered calls look up their deadline (an index seek each).
    return (
        select(func.min(CallDeadline.deadline))
        .where(
            CallDeadline.call_id == Call.id,
            CallDeadline.newcomer == true(),  # `=`: an index serves it, `IS TRUE` not
            CallDeadline.deadline >= day,
        )
        .correlate(Call)
        .scalar_subquery()
    )


def _conditions(query: CallQuery, today: date, next_deadline: Any, most: bool) -> list[Any]:
    conditions: list[Any] = [UNMERGED]
    if query.programme:
        conditions.append(Call.programme == query.programme)
    if query.status in STATUSES:
        conditions.append(status_clause(query.status, today, most))  # type: ignore[arg-type]
    elif query.status == CURRENT:
        conditions.append(current_clause(today, most))
    if query.deadline_from:
        conditions.append(next_deadline >= query.deadline_from)
    if query.deadline_to:
        conditions.append(next_deadline <= query.deadline_to)
    if query.theme:
        themed = select(CallTheme.call_id).where(CallTheme.theme == query.theme)
        conditions.append(col(Call.id).in_(themed))
    if query.type_of_action:
        conditions.append(Call.type_of_action == query.type_of_action)
    if query.source:
        sourced = select(CallSource.call_id).where(CallSource.source == query.source)
        conditions.append(col(Call.id).in_(sourced))
    if query.new_since is not None:
        conditions.append(col(Call.first_seen) >= day_start(query.new_since))
    if query.seen_between is not None:
        # The few calls of a period, by the index of first_seen: SQLite, without statistics,
        # weighs the range below the other filters' equalities unless it is a list of ids too.
        after, until = query.seen_between
        period = (col(Call.first_seen) > after, col(Call.first_seen) <= until)
        conditions += [*period, col(Call.id).in_(select(Call.id).where(*period))]
    if query.budget_min is not None:
        conditions.append(col(Call.budget_total_eur) >= query.budget_min)
    if query.budget_max is not None:
        conditions.append(col(Call.budget_total_eur) <= query.budget_max)
    return conditions


def day_start(day: date) -> datetime:
    """The first moment of a day, as stored times are kept (UTC)."""
    return datetime.combine(day, time.min, tzinfo=UTC)


def _stated() -> Any:
    """Whether any source states the call's eligibility: a row of it in the index."""
    return select(CallEligibility.call_id).where(CallEligibility.call_id == Call.id).exists()


def _stated_of(session: Session, call_ids: list[Any]) -> set[int]:
    """Those of these calls whose eligibility some source states."""
    query = select(CallEligibility.call_id).where(col(CallEligibility.call_id).in_(call_ids))
    return set(session.exec(query.distinct()))


def eligible_clause(who: Organisation) -> Any:
    """Calls whose countries, regions and organisation types admit `who`: the matcher's rule
    (matcher.filters.admits) in SQL over the eligibility index, the same on both engines.

    A country listed alone admits all of it, a country listed with regions of its own only
    those regions (a region admits the NUTS codes it starts), empty lists restrict nothing."""
    kind = CallEligibility.kind

    def names(*conditions: Any) -> Any:
        return col(Call.id).in_(select(CallEligibility.call_id).where(*conditions))

    value = col(CallEligibility.value)
    nuts3 = literal(who.nuts3 or "", String)
    in_region = names(kind == "region", func.substr(nuts3, 1, func.length(value)) == value)
    whole_country = names(kind == "country", value == who.country) & ~names(
        kind == "region", func.substr(value, 1, 2) == who.country
    )
    place = or_(~names(col(kind).in_(("country", "region"))), in_region, whole_country)
    org_type = call_organisation_type(who.organisation_type)
    of_kind = or_(~names(kind == "org_type"), names(kind == "org_type", value == org_type))
    return and_(place, of_kind)


def call_organisation_type(profile_type: str) -> str:
    """The calls' organisation type of a profile's type ("sme_small", an older spelling, too)."""
    return eligibility_type(profile_type.removeprefix("sme_"))


def call_themes(session: Session, call_ids: list[Any]) -> dict[int, list[str]]:
    """The Smart Häme themes of these calls, best first."""
    themes: dict[int, list[str]] = {}
    if not call_ids:
        return themes
    rows = session.exec(
        select(CallTheme.call_id, CallTheme.theme)
        .where(col(CallTheme.call_id).in_(call_ids))
        .order_by(col(CallTheme.score).desc())
    )
    for call_id, theme in rows:
        themes.setdefault(call_id, []).append(theme)
    return themes


def filter_options(session: Session) -> dict[str, list[str]]:
    """The values each select of the search form offers, as stored."""
    return {
        "programme": _distinct(session, Call.programme),
        "type_of_action": _distinct(session, Call.type_of_action),
        "source": _distinct(session, CallSource.source),
    }


def _distinct(session: Session, column: Any) -> list[str]:
    rows = session.exec(select(column).where(col(column).is_not(None)).distinct())
    return sorted(rows)

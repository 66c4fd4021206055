"""What is stored: calls with their source records, versions and change events, and job runs."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Column, Index, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from callrules.deadlines import PREPARATION_DAYS, ForApplicant
from scrapers.record import Deadline, Status, for_applicant

# Bounds every engine holds to (PostgreSQL enforces VARCHAR lengths and integer ranges, SQLite
# does not): the columns below, the ingest of source records and the web forms read them here.
LARGEST_INTEGER = 2**31 - 1  # ids and counts are `integer` columns
LARGEST_AMOUNT = 2**63 - 1  # money is BIGINT
IDENTIFIER_CHARS = 200  # a call's identifier, a source's record key, a call identifier, a programme
DEADLINE_MODEL_CHARS = 40
TITLE_CHARS = 2_000  # titles of calls and their parts
TEXT_CHARS = 200_000  # a call's description or conditions (HTML)
EMAIL_CHARS = 320
PERSON_CHARS = 200  # a person's name; a contact's name or phone
ACTOR_NAME_CHARS = 300
PROFILE_TEXT_CHARS = 5_000  # an actor's description of itself
PROFILE_LIST_ITEMS = 50  # keywords, programmes of interest
PROFILE_WORD_CHARS = 100  # one keyword or programme
PROFILE_CONTACTS = 20
PROFILE_INDUSTRY_CODES = 20


def utcnow() -> datetime:
    return datetime.now(UTC)


def json_column() -> Any:
    return Field(default_factory=list, sa_column=Column(JSON, nullable=False))


def money() -> Any:
    """EUR amounts are BIGINT on every engine: calls of billions exist (1.78 bn in the feed)."""
    return Field(default=None, sa_type=BigInteger)


class Call(SQLModel, table=True):
    """One funding call, merged from every source record that describes it."""

    id: int | None = Field(default=None, primary_key=True)
    identifier: str = Field(index=True, unique=True, max_length=IDENTIFIER_CHARS)
    title: str = Field(sa_column=Column(Text, nullable=False))
    call_identifier: str | None = Field(default=None, max_length=IDENTIFIER_CHARS)
    call_title: str | None = Field(default=None, sa_column=Column(Text))
    programme: str | None = Field(default=None, max_length=IDENTIFIER_CHARS)
    programme_part: str | None = Field(default=None, sa_column=Column(Text))
    type_of_action: str | None = Field(default=None, sa_column=Column(Text))
    kind: str = Field(default="grant", max_length=20)
    description_html: str | None = Field(default=None, sa_column=Column(Text))
    description_text: str | None = Field(default=None, sa_column=Column(Text))
    conditions_html: str | None = Field(default=None, sa_column=Column(Text))
    conditions_text: str | None = Field(default=None, sa_column=Column(Text))
    keywords: list[str] = json_column()
    tags: list[str] = json_column()
    opening_date: date | None = Field(default=None, index=True)
    deadlines: list[dict[str, Any]] = json_column()
    deadline_model: str | None = Field(default=None, max_length=DEADLINE_MODEL_CHARS)
    # The last day a new applicant can submit (stage 1 of a two-stage call): status in SQL.
    final_deadline: date | None = Field(default=None)
    continuous: bool = False
    technical_end: date | None = None  # closes a call without deadlines (CallRecord.technical_end)
    budget_total_eur: int | None = money()  # indexed in the list's order (0027)
    budget_min_grant_eur: int | None = money()
    budget_max_grant_eur: int | None = money()
    expected_grants: int | None = None
    eligibility: dict[str, Any] = Field(
        default_factory=dict, sa_column=Column(JSON, nullable=False)
    )
    regional: bool = Field(default=False, index=True)
    url: str | None = Field(default=None, sa_column=Column(Text))
    # Indexed for the merged calls alone, as `withdrawn_at` for the withdrawn (migration 0025).
    merged_into_id: int | None = Field(default=None, foreign_key="call.id")
    # Set when every source that listed the call dropped it for [ingest] withdraw_after_runs
    # complete runs (tracker.withdrawals); cleared when a source lists it again.
    withdrawn_at: datetime | None = None
    field_sources: dict[str, str] = Field(
        default_factory=dict, sa_column=Column(JSON, nullable=False)
    )
    content_hash: str = Field(default="", max_length=64)
    first_seen: datetime = Field(default_factory=utcnow)  # indexed in the list's order (0027)
    # When a source last listed the call is its sources' (tracker.queries.last_seen): a run
    # that finds the call unchanged writes nothing to this wide row.
    last_changed: datetime = Field(default_factory=utcnow, index=True)

    def deadline_list(self) -> list[Deadline]:
        return deadlines_of(self.deadlines)

    def status(self, today: date) -> Status:
        return self.for_applicant(today).status

    def for_applicant(
        self, today: date, min_days: int = PREPARATION_DAYS
    ) -> ForApplicant[Deadline]:
        """Status and deadline for a new applicant who needs `min_days` to prepare."""
        return for_applicant(
            self.opening_date,
            self.deadline_list(),
            self.deadline_model,
            today,
            min_days,
            technical_end=self.technical_end,
            withdrawn=self.withdrawn_at is not None,
        )


class CallSource(SQLModel, table=True):
    """The record one source gave for a call, as last seen."""

    __table_args__ = (UniqueConstraint("source", "source_key"),)

    id: int | None = Field(default=None, primary_key=True)
    call_id: int = Field(foreign_key="call.id", index=True)
    source: str = Field(max_length=50)
    source_key: str = Field(max_length=IDENTIFIER_CHARS)
    url: str | None = Field(default=None, sa_column=Column(Text))
    record: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    record_hash: str = Field(max_length=64)
    first_seen: datetime = Field(default_factory=utcnow)
    last_seen: datetime = Field(default_factory=utcnow)
    # Complete runs of the source since one last listed this record (tracker.withdrawals).
    missed_runs: int = 0


class DuplicateCandidate(SQLModel, table=True):
    """Two calls that look like one (similar title, same deadline) for staff to confirm or reject."""

    __table_args__ = (UniqueConstraint("call_id", "other_id"),)

    id: int | None = Field(default=None, primary_key=True)
    call_id: int = Field(foreign_key="call.id", index=True)  # the call that stays
    other_id: int = Field(foreign_key="call.id", index=True)  # merged into call_id on confirm
    similarity: float
    reasons: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    status: str = Field(
        default="pending", max_length=10, index=True
    )  # pending, confirmed, rejected
    decided_by: int | None = Field(default=None, foreign_key="user.id")
    decided_at: datetime | None = None
    created_at: datetime = Field(default_factory=utcnow)


ELIGIBILITY_KINDS = {"countries": "country", "regions": "region", "organisation_types": "org_type"}
ELIGIBILITY_VALUE_CHARS = 40


class CallEligibility(SQLModel, table=True):
    """Each country, NUTS region and organisation type a call's eligibility names, so "eligible
    for my organisation" is a query at any size (tracker.search.eligible_clause)."""

    __table_args__ = (Index("ix_calleligibility_kind_value_call", "kind", "value", "call_id"),)

    id: int | None = Field(default=None, primary_key=True)
    call_id: int = Field(foreign_key="call.id", index=True)
    kind: str = Field(max_length=12)  # ELIGIBILITY_KINDS
    value: str = Field(max_length=ELIGIBILITY_VALUE_CHARS)


class CallSearch(SQLModel, table=True):
    """A call's texts as terms of full-text search (matcher.search_terms), written with the
    call. Migration 0018 indexes them: on SQLite the FTS5 table `callsearch_fts` that
    triggers keep, on PostgreSQL the `document` tsvector computed from them, with a GIN index
    (tracker.search reads both). Identifiers are searched by prefix on indexes of
    lower(identifier) and lower(call_identifier)."""

    call_id: int = Field(foreign_key="call.id", primary_key=True)
    title: str = Field(sa_column=Column(Text, nullable=False))
    body: str = Field(sa_column=Column(Text, nullable=False))


class CallDeadline(SQLModel, table=True):
    """Each deadline of a call, so lists sort and filter by it in SQL: the call list by those a
    new applicant may submit to (`newcomer`: all but stage 2 of a two-stage call), the
    applications by every stage."""

    __table_args__ = (
        Index("ix_calldeadline_call_newcomer_deadline", "call_id", "newcomer", "deadline"),
        Index("ix_calldeadline_deadline_call", "deadline", "call_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    call_id: int = Field(foreign_key="call.id")
    deadline: date
    newcomer: bool = True


class CallVersion(SQLModel, table=True):
    """A snapshot of a call's content, stored each time the content changes."""

    __table_args__ = (UniqueConstraint("call_id", "number"),)

    id: int | None = Field(default=None, primary_key=True)
    call_id: int = Field(foreign_key="call.id")  # first in the unique index
    number: int
    created_at: datetime = Field(default_factory=utcnow)
    source: str = Field(max_length=50)
    content: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))


class ChangeEvent(SQLModel, table=True):
    """One field that changed between two versions: deadline moved from A to B, and so on."""

    __table_args__ = (Index("ix_changeevent_call_at", "call_id", "created_at"),)

    id: int | None = Field(default=None, primary_key=True)
    call_id: int = Field(foreign_key="call.id")
    version_id: int = Field(foreign_key="callversion.id")
    created_at: datetime = Field(default_factory=utcnow, index=True)
    kind: str = Field(max_length=20)  # deadline, status, budget, text, dates, other
    field_name: str = Field(max_length=50)
    old_value: Any = Field(default=None, sa_column=Column(JSON))
    new_value: Any = Field(default=None, sa_column=Column(JSON))


class JobRun(SQLModel, table=True):
    """One run of a scheduled or manual job, with its counts and error."""

    id: int | None = Field(default=None, primary_key=True)
    job: str = Field(max_length=50, index=True)  # scrape, ingest
    source: str | None = Field(default=None, max_length=50, index=True)
    started_at: datetime = Field(default_factory=utcnow)
    finished_at: datetime | None = None
    ok: bool = False
    fetched: int = 0
    new: int = 0
    changed: int = 0
    unchanged: int = 0
    errors: int = 0
    message: str | None = Field(default=None, sa_column=Column(Text))
    # The records left out of the run: {"source", "key", "field", "problem", "value"} each.
    record_errors: list[dict[str, str]] = json_column()


class SourceState(SQLModel, table=True):
    """What a source or job keeps between runs, such as HTTP validators for conditional GET."""

    source: str = Field(primary_key=True, max_length=50)
    data: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    updated_at: datetime = Field(default_factory=utcnow)


class Actor(SQLModel, table=True):
    """A Kanta-Häme organisation with the profile its calls are matched against."""

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=ACTOR_NAME_CHARS, index=True)
    business_id: str | None = Field(default=None, max_length=9, unique=True)  # Y-tunnus 1234567-8
    pic: str | None = Field(default=None, max_length=9, index=True)
    organisation_type: str = Field(default="small", max_length=30)  # matcher.profile.ORG_TYPES
    municipality: str | None = Field(default=None, max_length=50)
    nuts3: str | None = Field(default="FI1C2", max_length=5)
    country: str = Field(default="FI", max_length=2)
    industry_codes: list[dict[str, str]] = (
        json_column()
    )  # [{"code": "10110", "version": "TOL2008"}]
    themes: list[str] = json_column()
    keywords: list[str] = json_column()
    description: str | None = Field(default=None, sa_column=Column(Text))
    programmes: list[str] = json_column()
    preferred_role: str = Field(default="either", max_length=20)
    budget_min_eur: int | None = money()
    budget_max_eur: int | None = money()
    cofinancing_eur: int | None = money()
    contacts: list[dict[str, str]] = json_column()
    profile_hash: str = Field(default="", max_length=64)
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)


class ActorProject(SQLModel, table=True):
    """A past EU project of an actor, e.g. from CORDIS."""

    __table_args__ = (UniqueConstraint("actor_id", "project_id"),)

    id: int | None = Field(default=None, primary_key=True)
    actor_id: int = Field(foreign_key="actor.id", index=True)
    project_id: str = Field(max_length=50)
    acronym: str | None = Field(default=None, max_length=100)
    title: str | None = Field(default=None, sa_column=Column(Text))
    topic_id: str | None = Field(default=None, max_length=200)
    programme_part: str | None = Field(default=None, max_length=300)
    role: str | None = Field(default=None, max_length=30)
    call_year: int | None = None
    ec_contribution_eur: int | None = money()
    source: str = Field(default="cordis", max_length=30)


class CordisParticipation(SQLModel, table=True):
    """One organisation in one Horizon Europe project, as the last CORDIS import read it: whom
    to apply with (tracker.partners) and the region's funding before the service (baseline)."""

    __table_args__ = (
        Index("ix_cordisparticipation_series_pic", "series", "pic"),
        Index("ix_cordisparticipation_part_pic", "programme_part", "pic"),
    )

    id: int | None = Field(default=None, primary_key=True)
    project_id: str = Field(max_length=50, index=True)
    topic_id: str | None = Field(default=None, max_length=200)
    series: str | None = Field(default=None, max_length=200)  # matcher.calls.theme_series
    programme_part: str | None = Field(default=None, max_length=200)  # identifier prefix
    call_year: int | None = None
    pic: str = Field(max_length=9)
    name: str = Field(max_length=ACTOR_NAME_CHARS)
    country: str = Field(max_length=2)
    nuts3: str | None = Field(default=None, max_length=5, index=True)
    activity_type: str = Field(default="", max_length=10)  # CORDIS HES, REC, PRC, PUB, OTH
    role: str = Field(max_length=30)
    ec_contribution_eur: int | None = money()


class Match(SQLModel, table=True):
    """A scored pairing of an actor and a call, with the components behind the score."""

    __table_args__ = (
        UniqueConstraint("actor_id", "call_id"),
        Index("ix_match_actor_score", "actor_id", "score"),
    )

    id: int | None = Field(default=None, primary_key=True)
    actor_id: int = Field(foreign_key="actor.id")
    call_id: int = Field(foreign_key="call.id", index=True)
    score: float
    components: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    # What the score rests on (matcher.explain.Evidence), told in the reader's language when read.
    evidence: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    call_hash: str = Field(default="", max_length=64)
    computed_at: datetime = Field(default_factory=utcnow)


class MatchPrior(SQLModel, table=True):
    """How much more often than by chance an eligibility type joins an action kind (CORDIS)."""

    org_type: str = Field(primary_key=True, max_length=30)  # matcher.profile eligibility type
    kind: str = Field(primary_key=True, max_length=200)  # action kind or identifier prefix
    lift: float


class Feedback(SQLModel, table=True):
    """An actor's or staff member's verdict on a matched call: relevant, not relevant, applied."""

    id: int | None = Field(default=None, primary_key=True)
    actor_id: int = Field(foreign_key="actor.id", index=True)
    call_id: int = Field(foreign_key="call.id")
    user_id: int | None = Field(default=None, foreign_key="user.id")
    verdict: str = Field(max_length=20)  # relevant, not_relevant, applied
    reason: str | None = Field(default=None, sa_column=Column(Text))
    call_hash: str = Field(default="", max_length=64)  # the call's content when judged
    created_at: datetime = Field(default_factory=utcnow)


class CallTheme(SQLModel, table=True):
    """A Smart Häme theme a call serves, and why."""

    __table_args__ = (UniqueConstraint("call_id", "theme"),)

    id: int | None = Field(default=None, primary_key=True)
    call_id: int = Field(foreign_key="call.id")  # first in the unique index
    theme: str = Field(max_length=50, index=True)
    score: float = 0.0
    reason: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))


class User(SQLModel, table=True):
    """A person who signs in: admin, staff, or member of one actor."""

    id: int | None = Field(default=None, primary_key=True)
    email: str = Field(max_length=EMAIL_CHARS, unique=True, index=True)
    name: str | None = Field(default=None, max_length=PERSON_CHARS)
    password_hash: str | None = Field(
        default=None, max_length=300
    )  # None until the invite is accepted
    role: str = Field(default="member", max_length=10)  # admin, staff, member
    actor_id: int | None = Field(default=None, foreign_key="actor.id", index=True)
    locale: str = Field(default="fi", max_length=5)
    active: bool = True
    reminders: bool = (
        True  # deadline reminders of followed calls and applications (tracker/reminders.py)
    )
    api_token_hash: str | None = Field(default=None, max_length=64, index=True)
    # Kept in each sign-in session: a new password or a deactivation raises it, which ends the
    # sessions signed in before (webapp.security).
    session_generation: int = 0
    created_at: datetime = Field(default_factory=utcnow)
    last_login_at: datetime | None = None


# An application's own texts and lists (tracker/applications.py validates them, the form says so).
NOTES_CHARS = 20_000
APPLICATION_LINKS = 20
LINK_CHARS = 2_000
APPLICATION_PARTNERS = 50


class Application(SQLModel, table=True):
    """An actor's application to a call, from the idea to the outcome.

    The call is a stored one (`call_id`) or, when no source has it, typed in by hand
    (`call_title`, `call_programme`, `call_deadline`). Its deadlines are the call's, read when
    shown, so they move with the call. `stage` and the moves between stages belong to
    tracker/applications.py; every change is an ApplicationEvent. Money is EUR, BIGINT.
    """

    __table_args__ = (Index("ix_application_actor_stage", "actor_id", "stage"),)

    id: int | None = Field(default=None, primary_key=True)
    actor_id: int = Field(foreign_key="actor.id")
    call_id: int | None = Field(default=None, foreign_key="call.id", index=True)
    call_title: str | None = Field(default=None, sa_column=Column(Text))
    call_programme: str | None = Field(default=None, max_length=IDENTIFIER_CHARS)
    call_deadline: date | None = None
    role: str = Field(default="partner", max_length=20)  # coordinator, partner
    # [{"name", "country" (ISO 3166 alpha-2), "role", "pic" (nine digits or "")}]
    partners: list[dict[str, str]] = json_column()
    staff_id: int | None = Field(default=None, foreign_key="user.id", index=True)
    requested_eur: int | None = money()
    granted_eur: int | None = money()
    regional_funding_applied: bool = False  # regional preparation funding for this application
    regional_funding_received: bool = False
    notes: str | None = Field(default=None, sa_column=Column(Text))
    links: list[str] = json_column()  # http and https addresses of documents
    stage: str = Field(default="idea", max_length=20, index=True)
    reason: str | None = Field(default=None, max_length=30)  # of a no-go or a rejection
    reason_text: str | None = Field(default=None, sa_column=Column(Text))
    evaluation_score: float | None = None  # given with a rejection
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)


class ApplicationEvent(SQLModel, table=True):
    """One change of an application, by whom and when.

    kind "created" (new_value: {"stage", "from_match"}), "stage" (old and new stage, `detail`:
    reason, reason text, evaluation score), or "field" (`field_name` with old and new value).
    """

    __table_args__ = (Index("ix_applicationevent_application_at", "application_id", "created_at"),)

    id: int | None = Field(default=None, primary_key=True)
    application_id: int = Field(foreign_key="application.id")
    user_id: int | None = Field(default=None, foreign_key="user.id")
    created_at: datetime = Field(default_factory=utcnow)
    kind: str = Field(max_length=20)
    field_name: str | None = Field(default=None, max_length=50)
    old_value: Any = Field(default=None, sa_column=Column(JSON))
    new_value: Any = Field(default=None, sa_column=Column(JSON))
    detail: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))


def deadlines_of(stored: list[dict[str, Any]]) -> list[Deadline]:
    """A call's deadlines as its `deadlines` column keeps them."""
    return [Deadline.from_json(d) for d in stored]

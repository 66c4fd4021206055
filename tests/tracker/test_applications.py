"""Applications: the moves between stages and their rules, reason codes, the history, the
call's deadlines followed when they move, and the "applied" verdict starting one; both engines."""

import dataclasses
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlmodel import select

from scrapers.record import Deadline
from tests.tracker.helpers import bulk_records, export_record, sedia_records
from tracker.accounts import create_user
from tracker.application_queries import (
    ApplicationFilter,
    application_page,
    application_row,
    find_applications,
    history,
    programmes,
)
from tracker.applications import (
    MOVES,
    NEEDS_REASON,
    STAGES,
    ApplicationError,
    create_application,
    move,
    next_stages,
    team_clause,
    update_application,
)
from tracker.ingest import ingest
from tracker.matching import record_feedback
from tracker.models import Actor, Application, ApplicationEvent, Call, ChangeEvent

DAY1 = datetime(2026, 8, 1, 6, 0, tzinfo=UTC)
DAY2 = datetime(2026, 8, 20, 6, 0, tzinfo=UTC)
TOPIC = "HORIZON-CL5-2026-09-D4-03"  # single stage, 15 September 2026
LIFE = "LIFE-2024-STRAT-ENV-SIP-two-stage"  # stage 1 2024-09-05, stage 2 2025-03-06


def store(session, records, now):
    ingest(session, records, priority=["ft_search"], today=now.date(), now=now)
    session.commit()
    return {c.identifier: c for c in session.exec(select(Call))}


@pytest.fixture
def setting(session):
    """The real F&T topics, an actor and a staff member."""
    calls = store(session, sedia_records(), DAY1)
    actor = Actor(name="Hämeen Kone Oy", municipality="Hämeenlinna")
    session.add(actor)
    session.flush()
    staff = create_user(session, "kirsi@hameenliitto.example", "staff", password="x" * 12)
    staff.name = "Kirsi Staff"
    session.commit()
    return calls, actor, staff


def started(session, setting, stage="idea", identifier=TOPIC):
    calls, actor, staff = setting
    values = {"call_id": calls[identifier].id, "requested_eur": 350_000}
    application = create_application(
        session, actor.id, values, user_id=staff.id, now=DAY1, stage=stage
    )
    session.commit()
    return application


def walk(session, application, stages, user_id, now=DAY1):
    for stage in stages:
        move(session, application, stage, user_id=user_id, now=now)
    session.commit()


def test_a_single_stage_application_goes_from_idea_to_grant(session, setting):
    staff = setting[2]
    application = started(session, setting)
    assert next_stages(application, setting[0][TOPIC]) == ["decision", "withdrawn"]
    walk(session, application, ["decision", "preparing", "submitted"], staff.id)
    # A single-stage call has no stage 2.
    assert next_stages(application, setting[0][TOPIC]) == ["evaluation", "rejected", "withdrawn"]
    with pytest.raises(ApplicationError, match="cannot move to submitted_2"):
        move(session, application, "submitted_2", user_id=staff.id, now=DAY1)
    walk(session, application, ["evaluation", "granted"], staff.id)
    assert session.get(Application, application.id).stage == "granted"
    assert next_stages(application, None) == []


def test_a_two_stage_call_has_a_second_submission(session, setting):
    calls = store(session, [export_record(LIFE)], DAY1)
    application = started(session, (calls, *setting[1:]), stage="preparing", identifier=LIFE)
    walk(session, application, ["submitted"], setting[2].id)
    assert "submitted_2" in next_stages(application, calls[LIFE])
    walk(session, application, ["submitted_2", "evaluation"], setting[2].id)
    assert application.stage == "evaluation"


def test_only_the_moves_of_the_table_are_allowed(session, setting):
    application = started(session, setting)
    for stage in set(STAGES) - set(MOVES["idea"]):
        with pytest.raises(ApplicationError) as refused:
            move(session, application, stage, user_id=None, now=DAY1)
        assert refused.value.reason == "move"
    assert application.stage == "idea"
    assert session.exec(select(ApplicationEvent.kind)).all() == ["created"]


def test_a_no_go_or_a_rejection_needs_a_reason_from_the_list(session, setting):
    staff = setting[2]
    no_go = started(session, setting, stage="decision")
    for reason in (None, "other", "topic"):
        with pytest.raises(ApplicationError) as refused:
            move(session, no_go, "withdrawn", user_id=staff.id, now=DAY1, reason=reason)
        assert refused.value.reason == "reason"
    move(
        session,
        no_go,
        "withdrawn",
        user_id=staff.id,
        now=DAY1,
        reason="no_partners",
        reason_text="No coordinator found in time.",
    )
    assert (no_go.stage, no_go.reason, no_go.reason_text) == (
        "withdrawn",
        "no_partners",
        "No coordinator found in time.",
    )
    # A move forward takes no reason; only a rejection carries the evaluation score.
    going = started(session, setting, stage="decision")
    with pytest.raises(ApplicationError, match="takes no reason"):
        move(session, going, "preparing", user_id=staff.id, now=DAY1, reason="low_fit")
    walk(session, going, ["preparing", "submitted", "evaluation"], staff.id)
    with pytest.raises(ApplicationError, match="only a rejection"):
        move(session, going, "granted", user_id=staff.id, now=DAY1, score=12.5)
    move(
        session,
        going,
        "rejected",
        user_id=staff.id,
        now=DAY2,
        reason="score_below_threshold",
        score=9.5,
    )
    session.commit()
    assert (going.stage, going.reason, going.evaluation_score) == (
        "rejected",
        "score_below_threshold",
        9.5,
    )
    assert set(NEEDS_REASON) == {"withdrawn", "rejected"}


def test_every_change_is_recorded_with_who_and_when(session, setting):
    calls, _actor, staff = setting
    application = started(session, setting)
    walk(session, application, ["decision"], staff.id, now=DAY2)
    update_application(
        session,
        application,
        {
            "requested_eur": 420_000,
            "partners": [{"name": "Tampere University", "country": "fi", "role": "coordinator"}],
            "links": ["https://example.org/proposal.pdf"],
        },
        user_id=staff.id,
        now=DAY2,
    )
    session.commit()
    events = history(session, application_row(session, application))
    said = [(e.kind, e.field_name, e.old_value, e.new_value) for e in events]
    assert said[-1] == ("created", None, None, {"stage": "idea", "from_match": False})
    assert ("stage", None, "idea", "decision") in said
    assert ("field", "requested_eur", 350_000, 420_000) in said
    assert application.partners == [
        {"name": "Tampere University", "country": "FI", "role": "coordinator", "pic": ""}
    ]
    assert {e.user_id for e in events} == {staff.id}
    assert {e.created_at for e in events} == {DAY1, DAY2}
    # Saving the same values again records nothing.
    assert (
        update_application(session, application, {"requested_eur": 420_000}, user_id=1, now=DAY2)
        == []
    )


@pytest.mark.parametrize(
    ("values", "reason"),
    [
        ({"call_title": " "}, "no_call"),
        ({"call_title": "A call", "links": ["javascript:alert(1)"]}, "link_scheme"),
        (
            {"call_title": "A call", "partners": [{"name": "X", "country": "Suomi"}]},
            "partner_country",
        ),
        (
            {
                "call_title": "A call",
                "partners": [{"name": "X", "country": "FI", "role": "partner", "pic": "12"}],
            },
            "partner_pic",
        ),
    ],
)
def test_what_an_application_holds_is_checked(session, setting, values, reason):
    with pytest.raises(ApplicationError) as refused:
        create_application(session, setting[1].id, values, user_id=None, now=DAY1)
    assert refused.value.reason == reason


def test_the_deadlines_follow_the_call_and_the_move_is_in_the_history(session, setting):
    """The source moves the topic's deadline, as a later run of the same search would."""
    application = started(session, setting, stage="preparing")
    row = application_row(session, application)
    assert [d.date for d in row.deadlines] == [date(2026, 9, 15)]
    target = next(r for r in sedia_records() if r.identifier == TOPIC)
    moved = dataclasses.replace(target, deadlines=(Deadline(date(2026, 11, 17)),))
    store(session, [moved], DAY2)
    row = application_row(session, session.get(Application, application.id))
    assert [d.date for d in row.deadlines] == [date(2026, 11, 17)]
    assert row.next_deadline(date(2026, 10, 1)).date == date(2026, 11, 17)
    moves = [e for e in history(session, row) if isinstance(e, ChangeEvent)]
    assert [(e.old_value[0]["date"], e.new_value[0]["date"]) for e in moves] == [
        ("2026-09-15", "2026-11-17")
    ]
    # The deadline filter finds it by the new day, not by the old one.
    september = ApplicationFilter(deadline_from=date(2026, 9, 1), deadline_to=date(2026, 9, 30))
    november = dataclasses.replace(september, deadline_from=date(2026, 11, 1), deadline_to=None)
    assert find_applications(session, september) == []
    assert [r.application.id for r in find_applications(session, november)] == [application.id]


def test_a_deadline_moved_before_the_application_is_not_its_history(session, setting):
    target = next(r for r in sedia_records() if r.identifier == TOPIC)
    store(session, [dataclasses.replace(target, deadlines=(Deadline(date(2026, 11, 17)),))], DAY1)
    application = started(session, setting)
    application.created_at = DAY1 + timedelta(hours=1)
    session.commit()
    row = application_row(session, application)
    assert [e.kind for e in history(session, row)] == ["created"]


def test_marking_a_match_applied_starts_one_application_at_preparing(session, setting, settings):
    calls, actor, staff = setting
    member = create_user(session, "m@kone.example", "member", actor_id=actor.id, password="x" * 12)
    session.commit()
    for verdict in ("applied", "relevant", "applied"):
        record_feedback(
            session,
            settings,
            actor_id=actor.id,
            call_id=calls[TOPIC].id,
            verdict=verdict,
            reason=None,
            user_id=member.id,
            today=DAY1.date(),
            now=DAY1,
        )
    session.commit()
    found = session.exec(select(Application)).all()
    assert [(a.actor_id, a.call_id, a.stage) for a in found] == [
        (actor.id, calls[TOPIC].id, "preparing")
    ]
    created = session.exec(select(ApplicationEvent)).one()
    assert (created.user_id, created.new_value) == (
        member.id,
        {"stage": "preparing", "from_match": True},
    )
    assert found[0].staff_id is None  # a member of the organisation is not its staff


def test_a_staff_member_marking_a_match_applied_is_on_the_application_s_team(
    session, setting, settings
):
    calls, actor, staff = setting
    record_feedback(session, settings, actor_id=actor.id, call_id=calls[TOPIC].id,
                    verdict="applied", reason=None, user_id=staff.id, today=DAY1.date(), now=DAY1)  # fmt: skip
    session.commit()
    application = session.exec(select(Application).where(team_clause(staff))).one()
    assert (application.call_id, application.staff_id) == (calls[TOPIC].id, staff.id)


def test_the_filters_select_by_actor_stage_staff_and_programme(session, setting):
    calls, actor, staff = setting
    other = Actor(name="Forssan Ruoka ry", organisation_type="ngo")
    session.add(other)
    session.flush()
    mine = started(session, setting)
    update_application(session, mine, {"staff_id": staff.id}, user_id=staff.id, now=DAY1)
    typed = create_application(
        session,
        other.id,
        {"call_title": "Kanta-Hämeen maakuntaohjelma", "call_programme": "AKKE"},
        user_id=staff.id,
        now=DAY1,
    )
    session.commit()

    def ids(**chosen):
        return [r.application.id for r in find_applications(session, ApplicationFilter(**chosen))]

    assert sorted(ids()) == sorted([mine.id, typed.id])
    assert ids(actor_id=other.id) == [typed.id]
    assert ids(staff_id=staff.id) == [mine.id]
    assert ids(stage="idea", programme="AKKE") == [typed.id]
    assert ids(programme=calls[TOPIC].programme) == [mine.id]
    assert ids(stage="granted") == []


def test_the_sql_filters_select_what_the_rows_show(session, setting):
    """Programme and deadline run in SQL; they select exactly the rows whose programme and
    deadlines (every stage of the call, or the day typed in) the pages show."""
    calls, actor, staff = setting
    calls = store(session, bulk_records() + [export_record(LIFE)], DAY1)
    for identifier in (TOPIC, LIFE, "FSTP-11265", "EDF-EDIP-P-2026-2027-FNLC-SA-SEAP"):
        started(session, (calls, actor, staff), identifier=identifier)
    for typed in ({"call_deadline": date(2026, 10, 1)}, {}):
        values = {"call_title": "Kanta-Hämeen maakuntaohjelma", "call_programme": "AKKE", **typed}
        create_application(session, actor.id, values, user_id=staff.id, now=DAY1)
    session.commit()
    rows = find_applications(session, ApplicationFilter())
    days = sorted({d.date for row in rows for d in row.deadlines})
    assert date(2025, 3, 6) in days  # stage 2 of the two-stage call

    def ids(**chosen):
        return [r.application.id for r in find_applications(session, ApplicationFilter(**chosen))]

    bounds = [None, *days, *(d + timedelta(days=1) for d in days)]
    for start in bounds:
        for end in bounds:
            expected = [
                row.application.id
                for row in rows
                if any(
                    (start is None or d.date >= start) and (end is None or d.date <= end)
                    for d in row.deadlines
                )
            ]
            if start is None and end is None:
                expected = [row.application.id for row in rows]
            assert ids(deadline_from=start, deadline_to=end) == expected, (start, end)
    assert programmes(session, None) == sorted({row.programme for row in rows} - {""})
    assert programmes(session, actor.id + 1) == []
    for programme in programmes(session, None):
        expected = [row.application.id for row in rows if row.programme == programme]
        assert ids(programme=programme) == expected


def test_a_page_is_a_slice_of_the_whole_list_with_its_total(session, setting):
    calls, actor, staff = setting
    for identifier in (TOPIC, "HORIZON-CL5-2026-09-D4-08", "HORIZON-JU-CBE-2026-IA-05"):
        started(session, setting, identifier=identifier)
    every = [r.application.id for r in find_applications(session, ApplicationFilter())]
    pages = [application_page(session, ApplicationFilter(), 2, offset) for offset in (0, 2, 4)]
    assert [([r.application.id for r in rows], total) for rows, total in pages] == [
        (every[:2], 3),
        (every[2:], 3),
        ([], 3),
    ]
    assert application_page(session, ApplicationFilter(stage="granted"), 2, 0) == ([], 0)

"""Exports that a spreadsheet opens safely, with the filters of the search, read back."""

import csv
import dataclasses
import io
import json
from datetime import UTC, date, datetime

from openpyxl import load_workbook
from sqlmodel import Session, select

from tests.tracker.helpers import bulk_records, radar_on, sedia_records
from tests.webapp.conftest import add_matches
from tracker.accounts import create_user
from tracker.actors import actor_matches
from tracker.application_queries import ApplicationFilter
from tracker.applications import create_application, move, update_application
from tracker.config import load_settings
from tracker.export import (
    APPLICATION_FIELDS,
    MATCH_FIELDS,
    applications_table,
    calls_table,
    matches_table,
    write_table,
)
from tracker.ingest import ingest
from tracker.match_inputs import themes
from tracker.matching import record_feedback
from tracker.models import Actor, Call
from tracker.queries import SUMMARY_FIELDS
from tracker.search import CallQuery

TODAY = date(2026, 9, 1)


def _ingest(session, records, today=TODAY):
    ingest(session, records, priority=["ft_search", "ft_bulk"], today=today, now=datetime.now(UTC))
    session.commit()


def _csv(table) -> list[dict[str, str]]:
    out = io.StringIO(newline="")
    write_table(table, out, "csv")
    return list(csv.DictReader(io.StringIO(out.getvalue())))


def _xlsx(table) -> list[dict]:
    out = io.BytesIO()
    write_table(table, out, "xlsx")
    sheet = load_workbook(io.BytesIO(out.getvalue())).active
    header, *rows = list(sheet.iter_rows())
    assert [cell.value for cell in header] == list(table.columns)
    return [dict(zip(table.columns, row, strict=True)) for row in rows]


def test_a_cell_a_spreadsheet_would_run_as_a_formula_is_exported_as_text(session):
    record = sedia_records()[0]
    hostile = dataclasses.replace(record, title='=HYPERLINK("http://evil.example","Apply")')
    _ingest(session, [hostile])
    (row,) = _csv(calls_table(session, TODAY, 14))
    assert row["title"] == "'" + hostile.title
    assert row["identifier"] == record.identifier  # ordinary cells untouched


def test_the_xlsx_export_has_the_csv_columns_typed_and_formulas_neutralised(session):
    records = sedia_records()
    hostile = dataclasses.replace(records[1], title="@SUM(1+1)*cmd|' /C calc'!A0")
    _ingest(session, [records[0], hostile])
    open_day = date(2025, 9, 1)  # both calls still open: a next deadline to read
    table = calls_table(session, open_day, 14)
    assert table.columns == SUMMARY_FIELDS
    by_id = {row["identifier"].value: row for row in _xlsx(table)}
    assert len(by_id) == 2
    data = by_id["HORIZON-CL4-2025-04-DATA-03"]
    assert data["budget_eur"].value == 15_000_000 and data["budget_eur"].data_type == "n"
    assert data["opening_date"].is_date and data["opening_date"].value.date() == date(2025, 6, 10)
    assert data["next_deadline"].is_date
    assert data["next_deadline"].value.date() == date(2025, 10, 2)
    assert data["first_seen"].is_date and data["first_seen"].value.tzinfo is None
    cascade = by_id[hostile.identifier]
    assert cascade["title"].value == "'" + hostile.title and cascade["title"].data_type == "s"
    assert cascade["deadlines"].value == "; ".join(d.iso() for d in hostile.deadlines)
    assert cascade["budget_eur"].value == hostile.budget.total_eur == 30_500


def test_calls_are_exported_with_the_filters_of_the_search(session):
    _ingest(session, sedia_records() + bulk_records())
    stored = {c.identifier: c for c in session.exec(select(Call))}
    digital = {i for i, c in stored.items() if c.programme == "Digital Europe Programme (DIGITAL)"}
    query = CallQuery(programme="Digital Europe Programme (DIGITAL)", status="open")
    expected = {i for i in digital if stored[i].status(TODAY) == "open"}
    assert expected and expected != set(stored)
    rows = _csv(calls_table(session, TODAY, 14, query))
    assert {row["identifier"] for row in rows} == expected
    assert {row["status"] for row in rows} == {"open"}
    out = io.StringIO()
    write_table(calls_table(session, TODAY, 14, query), out, "json")
    assert {row["identifier"] for row in json.loads(out.getvalue())} == expected


def test_a_calls_last_seen_is_the_latest_run_of_its_sources_that_listed_it(session):
    records = sedia_records()
    first, second = (datetime(2026, 9, day, 6, tzinfo=UTC) for day in (1, 2))
    for listed, now in ((records, first), (records[1:], second)):
        ingest(session, listed, priority=["ft_search"], today=TODAY, now=now)
        session.commit()
    seen = {
        row["identifier"]: datetime.fromisoformat(row["last_seen"]).replace(tzinfo=UTC)
        for row in _csv(calls_table(session, TODAY, 14, CallQuery(status="")))
    }
    assert seen.pop(records[0].identifier) == first  # left out of the second run
    assert set(seen.values()) == {second} and len(seen) == len(records) - 1


def _actor_with_marked_matches(session):
    """An actor's matches on three real calls: one marked applied, one not relevant."""
    _ingest(session, sedia_records())
    actor = Actor(name="Hämeen Kone Oy", business_id="0112038-9", municipality="Hämeenlinna")
    session.add(actor)
    session.commit()
    calls = list(session.exec(select(Call).order_by(Call.identifier).limit(3)))
    add_matches(session, actor, calls)
    settings = load_settings(env={})
    for call, verdict in ((calls[0], "applied"), (calls[1], "not_relevant")):
        record_feedback(
            session,
            settings,
            actor_id=actor.id,
            call_id=call.id,
            verdict=verdict,
            reason="capacity" if verdict == "not_relevant" else None,
            user_id=None,
            today=TODAY,
            now=datetime.now(UTC),
        )
    session.commit()
    return actor, calls, settings


def test_matches_are_exported_as_the_matches_page_lists_them(session):
    actor, calls, settings = _actor_with_marked_matches(session)
    known = {t.name: t for t in themes(settings)}
    table = matches_table(session, [actor.id], TODAY, 14, "en", known)
    assert table.columns == MATCH_FIELDS
    rows = _csv(table)
    # as the matches page lists them: the call marked not relevant is left out
    listed, _total = actor_matches(session, actor.id, limit=None)
    assert [row["identifier"] for row in rows] == [r.call.identifier for r in listed]
    verdicts = {row["identifier"]: row["verdict"] for row in rows}
    assert verdicts[calls[0].identifier] == "applied" and calls[1].identifier not in verdicts
    assert {row["actor"] for row in rows} == {"Hämeen Kone Oy"}
    assert all(row["reasons"] and float(row["score"]) > 0 for row in rows)
    book = {row["identifier"].value: row for row in _xlsx(table)}
    applied = book[calls[0].identifier]
    assert applied["score"].data_type == "n" and applied["verdict"].value == "applied"
    assert applied["next_deadline"].value.date() == date(2027, 1, 3)  # a cut-off 14 days away
    finnish = _csv(matches_table(session, [actor.id], TODAY, 14, "fi", known))
    assert finnish[0]["reasons"] != rows[0]["reasons"]  # the reasons told in Finnish


def test_radar_export_matches_writes_a_workbook_and_names_an_unknown_actor(engine, tmp_path):
    with Session(engine, expire_on_commit=False) as session:
        actor, calls, _settings = _actor_with_marked_matches(session)
        later = date(2030, 1, 1)
        closed = {c.identifier for c in session.exec(select(Call)) if c.status(later) == "closed"}
    radar = radar_on(engine)
    book = tmp_path / "matches.xlsx"
    result = radar("export", "matches", "--format", "xlsx", "--out", book, "--today", TODAY)
    assert result.exit_code == 0, result.output
    sheet = load_workbook(book).active
    identifiers = [row[1] for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert calls[0].identifier in identifiers and calls[1].identifier not in identifiers
    csv_out = radar("export", "matches", "--actor", actor.id, "--language", "fi").output
    assert list(csv.DictReader(io.StringIO(csv_out)))[0]["verdict"] == "applied"
    missing = radar("export", "matches", "--actor", actor.id + 1)
    assert missing.exit_code == 1 and f"no actor {actor.id + 1}" in missing.output
    calls_out = radar("export", "calls", "--status", "closed", "--today", later).output
    assert {row["identifier"] for row in csv.DictReader(io.StringIO(calls_out))} == closed


TOPIC = "HORIZON-CL5-2026-09-D4-03"  # one deadline, a date alone: 2026-09-15
DATA = "HORIZON-CL4-2025-04-DATA-03"  # closed on 2025-10-02
HOSTILE = '=HYPERLINK("http://evil.example","Apply")'  # a title typed in by hand


def _applications(session):
    """Three applications on real calls and one to a call typed in by hand, of two actors."""
    _ingest(session, sedia_records())
    stored = {c.identifier: c for c in session.exec(select(Call))}
    kone = Actor(name="Hämeen Kone Oy", municipality="Hämeenlinna")
    ruoka = Actor(name="Forssan Ruoka ry", municipality="Forssa")
    session.add_all([kone, ruoka])
    session.flush()
    staff = create_user(session, "kirsi@hameenliitto.example", "staff", password="x" * 12)
    staff.name = "Kirsi Staff"
    now = datetime(2026, 8, 3, 9, 30, tzinfo=UTC)
    partners = [
        {"name": "Tampere University", "country": "FI", "role": "coordinator"},
        {"name": "VTT", "country": "FI", "role": "partner"},
    ]
    preparing = create_application(
        session,
        kone.id,
        {
            "call_id": stored[TOPIC].id,
            "requested_eur": 350_000,
            "staff_id": staff.id,
            "partners": partners,
            "regional_funding_applied": True,
        },
        user_id=staff.id,
        now=now,
        stage="preparing",
    )
    granted = create_application(
        session, kone.id, {"call_id": stored[DATA].id, "role": "coordinator"}, user_id=None, now=now
    )
    for stage in ("decision", "preparing", "submitted", "evaluation", "granted"):
        move(session, granted, stage, user_id=None, now=now)
    update_application(session, granted, {"granted_eur": 1_200_000}, user_id=None, now=now)
    typed = create_application(
        session,
        ruoka.id,
        {"call_title": HOSTILE, "call_programme": "AKKE", "call_deadline": date(2026, 10, 30)},
        user_id=None,
        now=now,
    )
    session.commit()
    return {"kone": kone, "ruoka": ruoka, "staff": staff}, (preparing, granted, typed)


def test_applications_are_exported_with_their_figures_read_back(session):
    _who, _applied = _applications(session)
    table = applications_table(session, [ApplicationFilter()], TODAY)
    assert table.columns == APPLICATION_FIELDS
    rows = _csv(table)
    # as the applications table lists them: by the actor's name, then newest first
    assert [(r["actor"], r["identifier"]) for r in rows] == [
        ("Forssan Ruoka ry", ""),
        ("Hämeen Kone Oy", DATA),
        ("Hämeen Kone Oy", TOPIC),
    ]
    typed_row, granted_row, preparing_row = rows
    assert typed_row["title"] == "'" + HOSTILE  # neutralised as every export's cells are
    assert (typed_row["programme"], typed_row["next_deadline"]) == ("AKKE", "2026-10-30")
    assert {k: preparing_row[k] for k in ("stage", "role", "staff", "requested_eur")} == {
        "stage": "preparing",
        "role": "partner",
        "staff": "Kirsi Staff",
        "requested_eur": "350000",
    }
    assert preparing_row["next_deadline"] == "2026-09-15"
    assert preparing_row["partner_count"] == "2"
    assert preparing_row["preparation_funding_applied"] == "True"
    assert preparing_row["preparation_funding_received"] == "False"
    assert preparing_row["last_change"].startswith("2026-08-03T09:30:00")
    assert (granted_row["stage"], granted_row["granted_eur"]) == ("granted", "1200000")
    assert granted_row["next_deadline"] == ""  # its call closed before TODAY

    book = {row["actor"].value + (row["identifier"].value or ""): row for row in _xlsx(table)}
    kept = book["Hämeen Kone Oy" + TOPIC]
    assert kept["requested_eur"].value == 350_000 and kept["requested_eur"].data_type == "n"
    assert kept["next_deadline"].is_date and kept["next_deadline"].value.date() == date(2026, 9, 15)
    assert kept["last_change"].value == datetime(2026, 8, 3, 9, 30)  # UTC
    assert kept["preparation_funding_applied"].value is True
    assert kept["partner_count"].value == 2
    hostile = book["Forssan Ruoka ry"]["title"]
    assert hostile.value == "'" + HOSTILE and hostile.data_type == "s"

    out = io.StringIO()
    write_table(table, out, "json")
    parsed = {row["title"]: row for row in json.loads(out.getvalue())}
    assert parsed[HOSTILE]["identifier"] is None  # JSON keeps values as they are
    topic = next(row for row in parsed.values() if row["identifier"] == TOPIC)
    assert topic["requested_eur"] == 350_000 and topic["preparation_funding_applied"] is True
    assert topic["next_deadline"] == "2026-09-15" and topic["partner_count"] == 2


def test_the_applications_export_takes_the_filters_of_the_table(session):
    who, (preparing, granted, _typed) = _applications(session)

    def titles_of(*filters):
        return [r["title"] for r in _csv(applications_table(session, filters, TODAY))]

    kone, ruoka = who["kone"].id, who["ruoka"].id
    topic, data = preparing.call_id, granted.call_id
    titles = {c.id: c.title for c in session.exec(select(Call).where(Call.id.in_([topic, data])))}
    assert titles_of(ApplicationFilter(actor_id=ruoka)) == ["'" + HOSTILE]
    assert titles_of(ApplicationFilter(stage="granted")) == [titles[data]]
    assert titles_of(ApplicationFilter(staff_id=who["staff"].id)) == [titles[topic]]
    assert titles_of(ApplicationFilter(programme="AKKE")) == ["'" + HOSTILE]
    october = ApplicationFilter(deadline_from=date(2026, 10, 1), deadline_to=date(2026, 10, 31))
    assert titles_of(october) == ["'" + HOSTILE]
    both = titles_of(ApplicationFilter(actor_id=ruoka), ApplicationFilter(actor_id=kone))
    assert both == ["'" + HOSTILE, titles[data], titles[topic]]


def test_radar_export_applications_with_filters(engine, tmp_path):
    with Session(engine, expire_on_commit=False) as session:
        who, _applied = _applications(session)
    radar = radar_on(engine)
    book = tmp_path / "applications.xlsx"
    result = radar("export", "applications", "--format", "xlsx", "--out", book, "--today", TODAY)
    assert result.exit_code == 0, result.output
    assert "3 applications written" in result.output
    sheet = load_workbook(book).active
    assert [c.value for c in next(sheet.iter_rows(max_row=1))] == list(APPLICATION_FIELDS)
    assert sheet.max_row == 4

    def exported(*args):
        out = radar("export", "applications", "--format", "json", "--today", TODAY, *args)
        assert out.exit_code == 0, out.output
        return [(row["actor"], row["stage"]) for row in json.loads(out.output)]

    assert exported("--actor", who["ruoka"].id) == [("Forssan Ruoka ry", "idea")]
    assert exported("--stage", "granted") == [("Hämeen Kone Oy", "granted")]
    assert exported("--staff", "kirsi@hameenliitto.example") == [("Hämeen Kone Oy", "preparing")]
    assert exported("--deadline-from", "2026-09-01", "--deadline-to", "2026-09-30") == [
        ("Hämeen Kone Oy", "preparing")
    ]
    assert exported("--actor", who["kone"].id, "--programme", "AKKE") == []
    unknown = radar("export", "applications", "--staff", "nobody@example.org")
    assert unknown.exit_code == 1 and "no user nobody@example.org" in unknown.output

"""CORDIS organization.csv import: real rows of ../shared/data/cordis."""

import csv

import pytest
from sqlmodel import select

from tests.conftest import SHARED
from tracker.cordis import business_id_from_vat, import_cordis
from tracker.models import Actor, ActorProject

CORDIS = SHARED / "data" / "cordis"
ORGANISATIONS = CORDIS / "horizon_organization_2024-05.csv"
TOPICS = CORDIS / "horizon_topics_2026-04.csv"


def test_region_import_creates_an_actor_for_every_kanta_hame_organisation(session):
    report = import_cordis(session, ORGANISATIONS, region="FI1C2", topics=TOPICS)
    session.commit()
    assert report.rows == 80276 and report.skipped == []
    actors = {a.pic: a for a in session.exec(select(Actor))}
    assert report.actors_created == len(actors) == 7
    hamk = actors["949666473"]
    assert (hamk.name, hamk.business_id, hamk.organisation_type) == (
        "HAMEEN AMMATTIKORKEAKOULU OY",
        "2617489-3",
        "higher_education",
    )
    assert (hamk.municipality, hamk.nuts3) == ("Hämeenlinna", "FI1C2")
    assert actors["970126392"].organisation_type == "small"  # Fincoat, an SME company
    (project,) = session.exec(select(ActorProject).where(ActorProject.actor_id == hamk.id)).all()
    assert (project.project_id, project.acronym, project.topic_id) == (
        "101100509",
        "SYNBEE",
        "HORIZON-EIE-2022-SCALEUP-01-01",
    )
    assert (project.call_year, project.role, project.ec_contribution_eur) == (
        2022,
        "participant",
        162087,
    )


def test_existing_actor_is_matched_by_vat_number_and_import_is_idempotent(session):
    session.add(Actor(name="HAMK", business_id="2617489-3", organisation_type="higher_education"))
    session.commit()
    first = import_cordis(session, ORGANISATIONS)
    second = import_cordis(session, ORGANISATIONS)
    session.commit()
    assert (first.projects_added, first.actors_created, second.projects_added) == (1, 0, 0)
    assert session.exec(select(ActorProject.project_id)).all() == ["101100509"]


def region_rows(count: int) -> list[dict[str, str]]:
    """The first real rows of Kanta-Häme organisations in the CORDIS file."""
    with ORGANISATIONS.open(encoding="utf-8", newline="") as handle:
        return [r for r in csv.DictReader(handle, delimiter=";") if r["nutsCode"] == "FI1C2"][
            :count
        ]


def written(tmp_path, rows: list[dict[str, str]]):
    """The rows as an organization.csv, quoted as CORDIS quotes it."""
    path = tmp_path / "organization.csv"
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(
            handle, fieldnames=list(rows[0]), delimiter=";", quoting=csv.QUOTE_ALL
        )
        writer.writeheader()
        writer.writerows(rows)
    return path


def test_bad_rows_are_reported_and_skipped_never_half_imported(session, tmp_path):
    rows = region_rows(3)
    # Test construction: two real rows broken the way exports break.
    rows[1] = {**rows[1], "organisationID": "12AB"}
    rows[2] = {**rows[2], "ecContribution": "n/a"}
    path = written(tmp_path, rows)
    report = import_cordis(session, path, region="FI1C2")
    assert report.rows == 3 and report.actors_created == 1 and report.projects_added == 1
    assert report.skipped == [
        (3, "organisationID '12AB' is not a 9-digit PIC"),
        (4, "ecContribution 'n/a' is not a number"),
    ]
    assert len(session.exec(select(Actor)).all()) == 1


def test_values_longer_than_their_columns_skip_the_row_on_both_engines(engine, session, tmp_path):
    rows = region_rows(4)
    # Test construction: real rows with a value grown past its column.
    rows[1] = {**rows[1], "name": rows[1]["name"] * 40}
    rows[2] = {**rows[2], "projectAcronym": rows[2]["projectAcronym"] * 30}
    rows[3] = {**rows[3], "nutsCode": "FI1C2X"}
    path = written(tmp_path, rows)
    report = import_cordis(session, path, region="FI1C2")
    session.commit()  # PostgreSQL refuses an over-long value; nothing of the kind reaches it
    assert report.skipped == [
        (3, "name is longer than 300 characters"),
        (4, "projectAcronym is longer than 100 characters"),
        (5, "nutsCode is longer than 5 characters"),
    ]
    assert [a.name for a in session.exec(select(Actor))] == [rows[0]["name"]]


def test_a_file_that_is_not_an_organisation_export_fails(session):
    with pytest.raises(ValueError, match="no column organisationID"):
        import_cordis(session, TOPICS)


def test_vat_number_becomes_business_id_only_with_a_valid_check_digit():
    assert business_id_from_vat("FI26174893") == "2617489-3"
    assert business_id_from_vat("FI26174894") is None
    assert business_id_from_vat("SE556000000001") is None

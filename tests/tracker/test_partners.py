"""Partner suggestions and the region's baseline from the real CORDIS files, checked against
figures computed here from the same CSV rows with the csv module."""

import csv
import re
from collections import defaultdict

import pytest
from sqlmodel import select

from tests.tracker.test_cordis import ORGANISATIONS, TOPICS
from tracker.baseline import Funding, funding_by_year, region_funding
from tracker.cordis import import_cordis
from tracker.models import Actor
from tracker.partners import suggest_partners

BIODIV = "HORIZON-CL6-2027-01-BIODIV-07"  # a forthcoming topic of the F&T feed snapshot
HAMK = "949666473"  # Hämeen ammattikorkeakoulu, PIC


def read(path):
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle, delimiter=";"))


@pytest.fixture(scope="module")
def cordis():
    """The organisation rows and each project's topic, as the files have them."""
    return read(ORGANISATIONS), {r["projectID"]: r["topic"] for r in read(TOPICS)}


@pytest.fixture
def imported(session):
    import_cordis(session, ORGANISATIONS, region="FI1C2", topics=TOPICS)
    session.commit()
    return session


def ranked(rows, topic_of, in_scope, first=frozenset()):
    """PIC -> (projects, coordinated) over the rows of the topics in scope, ranked as the
    suggestions promise: the given PICs first, then by projects and coordinations."""
    projects, led = defaultdict(set), defaultdict(set)
    for row in rows:
        if in_scope(topic_of.get(row["projectID"], "")):
            projects[row["organisationID"]].add(row["projectID"])
            if row["role"] == "coordinator":
                led[row["organisationID"]].add(row["projectID"])
    counts = {pic: (len(projects[pic]), len(led[pic])) for pic in projects}
    order = sorted(
        counts, key=lambda pic: (pic not in first, -counts[pic][0], -counts[pic][1], pic)
    )
    return order, counts


def in_biodiv(topic):  # Cluster 6 topics of the BIODIV destination, any year and number
    return bool(re.fullmatch(r"HORIZON-CL6-20\d\d-(\d+-)?BIODIV-.*", topic))


def test_partners_of_a_real_topic_series_are_its_cordis_participants(imported, cordis):
    rows, topic_of = cordis
    order, counts = ranked(rows, topic_of, in_biodiv)
    found = suggest_partners(imported, BIODIV, limit=15)
    assert (found.scope, found.key, found.total) == ("series", "HORIZON-CL6|BIODIV", len(order))
    assert [p.pic for p in found.partners] == order[:15]
    assert {p.pic: (p.projects, p.coordinated) for p in found.partners} == {
        pic: counts[pic] for pic in order[:15]
    }
    first = found.partners[0]
    row = next(r for r in rows if r["organisationID"] == first.pic)
    assert (first.country, first.activity_type) == (row["country"], row["activityType"])


def test_the_actors_own_past_partners_come_first(imported, cordis):
    rows, topic_of = cordis
    hamk = imported.exec(select(Actor).where(Actor.pic == HAMK)).one()
    own = {r["projectID"] for r in rows if r["organisationID"] == HAMK}
    past = {r["organisationID"] for r in rows if r["projectID"] in own} - {HAMK}
    order, _ = ranked(rows, topic_of, in_biodiv, first=past)
    found = suggest_partners(imported, BIODIV, hamk, limit=10)
    assert [p.pic for p in found.partners] == order[:10]
    marked = [p.pic for p in found.partners if p.past_partner]
    assert marked == [p.pic for p in found.partners[: len(marked)]]  # all of them first
    assert set(marked) == past & set(order) and 0 < len(marked) < 10
    assert suggest_partners(imported, BIODIV, limit=10).partners[0].pic not in marked


def test_a_series_without_projects_falls_back_to_its_programme_part(imported, cordis):
    rows, topic_of = cordis
    # A topic of the F&T feed snapshot whose destination code no funded CORDIS topic has.
    identifier = "HORIZON-CL2-2027-01-TRANSFO-05"
    assert not any("-TRANSFO-" in t for t in topic_of.values())
    order, _ = ranked(rows, topic_of, lambda t: t.startswith("HORIZON-CL2-20"))
    found = suggest_partners(imported, identifier, limit=5)
    assert (found.scope, found.key, found.total) == ("programme_part", "HORIZON-CL2", len(order))
    assert [p.pic for p in found.partners] == order[:5]
    assert suggest_partners(imported, "ESAELY-002") is None  # no year, no series


def test_the_kanta_hame_baseline_sums_the_regions_rows_of_the_file(imported, cordis):
    rows, topic_of = cordis
    region = [r for r in rows if r["nutsCode"].startswith("FI1C2")]
    by_group = defaultdict(list)
    for row in region:
        year, part = re.match(r"(.*?)-(20\d\d)-", topic_of[row["projectID"]]).group(2, 1)
        by_group[(int(year), part)].append(row)

    def figures(group):
        euros = sum(round(float(r["ecContribution"] or 0)) for r in group)
        return euros, len(group), len({r["organisationID"] for r in group})

    funding = region_funding(imported)
    assert [(year, part) for year, part, _ in funding.rows] == sorted(by_group)
    for year, part, found in funding.rows:
        assert (
            found.ec_contribution_eur,
            found.participations,
            found.organisations,
        ) == figures(by_group[(year, part)])
    total = funding.total
    assert (total.ec_contribution_eur, total.participations, total.organisations) == figures(region)
    assert total.ec_contribution_eur > 0 and total.participations == 7
    by_year = defaultdict(list)
    for (year, _part), group in by_group.items():
        by_year[year] += group
    assert funding_by_year(imported) == {y: Funding(*figures(g)) for y, g in by_year.items()}


def test_no_import_no_baseline(session):
    assert region_funding(session) is None
    assert suggest_partners(session, BIODIV) is None

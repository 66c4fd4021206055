"""Past EU participation from a CORDIS organization.csv, attached to actors."""

from __future__ import annotations

import csv
import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import delete, insert
from sqlmodel import Session, select

from matcher.calls import call_year, identifier_prefix, theme_series
from matcher.cordis import Participation, org_type_of
from matcher.identifiers import is_valid_ytunnus
from matcher.profile import MUNICIPALITIES
from tracker.models import Actor, ActorProject, CordisParticipation, utcnow
from tracker.priors import learn_with_stored_kinds, replace_priors

ROLES = {"coordinator", "participant", "associatedpartner", "thirdparty", "partner"}
REQUIRED = ("projectID", "organisationID", "name", "country")
# Values stored as they come: a row whose value is longer than its column is skipped, named.
LIMITED = (
    ("projectID", ActorProject.__table__.c.project_id),
    ("projectAcronym", ActorProject.__table__.c.acronym),
    ("name", Actor.__table__.c.name),
    ("country", Actor.__table__.c.country),
    ("nutsCode", Actor.__table__.c.nuts3),
    ("activityType", CordisParticipation.__table__.c.activity_type),
)


@dataclass
class ImportReport:
    rows: int = 0
    projects_added: int = 0
    actors_created: int = 0
    actors_matched: set[int] = field(default_factory=set)
    skipped: list[tuple[int, str]] = field(default_factory=list)  # (line, why)
    priors: int | None = None  # organisation-type priors learned (with topics only)


@dataclass(frozen=True)
class _Row:
    line: int
    project_id: str
    acronym: str
    pic: str
    vat: str
    name: str
    activity: str
    sme: bool
    city: str
    country: str
    nuts: str
    role: str
    contribution: int | None


def import_cordis(
    session: Session, path: Path, *, region: str | None = None, topics: Path | None = None
) -> ImportReport:
    """Attach each row's project to its actor (by PIC, VAT number or name); with `region`,
    create actors for the organisations of that NUTS region. Bad rows are reported and skipped.

    Every row replaces the stored participations (tracker.partners, tracker.baseline). With
    `topics`, every row of a known topic is history: the organisation-type priors are learned
    from them and replace the stored ones."""
    report = ImportReport()
    topic_of = _topics(topics) if topics else {}
    history: list[Participation] = []
    participations: list[dict[str, object]] = []
    actors = _ActorIndex(session)
    for row in _rows(path, report):
        participations.append(_participation(row, topic_of.get(row.project_id)))
        if row.project_id in topic_of:
            history.append((row.activity, row.sme, topic_of[row.project_id][0]))
        actor = actors.find(row)
        if actor is None and region and row.nuts.startswith(region):
            actor = actors.create(row)
            report.actors_created += 1
        if actor is None:
            continue
        report.actors_matched.add(actor.id)
        if actors.add_project(actor, row, topic_of.get(row.project_id)):
            report.projects_added += 1
    session.flush()
    session.exec(delete(CordisParticipation))
    if participations:
        session.exec(insert(CordisParticipation), params=participations)
    if topics:
        report.priors = replace_priors(session, learn_with_stored_kinds(session, history))
    return report


def _rows(path: Path, report: ImportReport) -> Iterator[_Row]:
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle, delimiter=";")
        missing = [name for name in REQUIRED if name not in (reader.fieldnames or [])]
        if missing:
            raise ValueError(
                f"{path}: not a CORDIS organization.csv, no column {', '.join(missing)}"
            )
        for record in reader:
            report.rows += 1
            line = reader.line_num
            try:
                yield _row(record, line)
            except ValueError as exc:
                report.skipped.append((line, str(exc)))


def _row(record: dict[str, str], line: int) -> _Row:
    """One validated row; ValueError says what is wrong with it."""
    values = {k: (v or "").strip() for k, v in record.items() if k}
    if not values["projectID"].isdigit():
        raise ValueError(f"projectID {values['projectID']!r} is not a number")
    if not re.fullmatch(r"\d{9}", values["organisationID"]):
        raise ValueError(f"organisationID {values['organisationID']!r} is not a 9-digit PIC")
    if not values["name"]:
        raise ValueError("name is empty")
    for name, column in LIMITED:
        limit = column.type.length
        if len(values.get(name, "")) > limit:
            raise ValueError(f"{name} is longer than {limit} characters")
    role = values.get("role", "").lower()
    if role and role not in ROLES:
        raise ValueError(f"role {values['role']!r} is unknown")
    contribution = values.get("ecContribution", "")
    try:
        amount = round(float(contribution)) if contribution else None
    except ValueError:
        raise ValueError(f"ecContribution {contribution!r} is not a number") from None
    return _Row(
        line=line,
        project_id=values["projectID"],
        acronym=values.get("projectAcronym", ""),
        pic=values["organisationID"],
        vat=values.get("vatNumber", "").replace(" ", "").upper(),
        name=values["name"],
        activity=values.get("activityType", ""),
        sme=values.get("SME", "").lower() == "true",
        city=values.get("city", ""),
        country=values["country"].upper(),
        nuts=values.get("nutsCode", "").upper(),
        role=values.get("role") or "participant",
        contribution=amount,
    )


def _participation(row: _Row, topic: tuple[str, str] | None) -> dict[str, object]:
    """The row as a CordisParticipation, with its topic's series, programme part and year."""
    topic_id = topic[0] if topic else ""
    return {
        "project_id": row.project_id,
        "topic_id": topic_id or None,
        "series": theme_series(topic_id) or None,
        "programme_part": identifier_prefix(topic_id) or None,
        "call_year": call_year(topic_id),
        "pic": row.pic,
        "name": row.name,
        "country": row.country,
        "nuts3": row.nuts or None,
        "activity_type": row.activity,
        "role": row.role,
        "ec_contribution_eur": row.contribution,
    }


def _topics(path: Path) -> dict[str, tuple[str, str]]:
    """projectID -> (topic id, topic title) from a CORDIS topics.csv."""
    with path.open(encoding="utf-8", newline="") as handle:
        return {
            r["projectID"]: (r["topic"], r["title"]) for r in csv.DictReader(handle, delimiter=";")
        }


def business_id_from_vat(vat: str) -> str | None:
    """FI12345678 -> 1234567-8 when the check digit holds."""
    if re.fullmatch(r"FI\d{8}", vat):
        candidate = f"{vat[2:9]}-{vat[9]}"
        return candidate if is_valid_ytunnus(candidate) else None
    return None


def _fold(text: str) -> str:
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    return " ".join(re.findall(r"[a-z0-9]+", plain))


_MUNICIPALITY = {_fold(name): name for name in MUNICIPALITIES}


class _ActorIndex:
    """Existing actors by PIC, business id and folded name; projects already attached."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.by_pic: dict[str, Actor] = {}
        self.by_business_id: dict[str, Actor] = {}
        self.by_name: dict[str, Actor] = {}
        for actor in session.exec(select(Actor)):
            self._remember(actor)
        self.projects = {(p.actor_id, p.project_id) for p in session.exec(select(ActorProject))}

    def _remember(self, actor: Actor) -> None:
        if actor.pic:
            self.by_pic[actor.pic] = actor
        if actor.business_id:
            self.by_business_id[actor.business_id] = actor
        self.by_name.setdefault(_fold(actor.name), actor)

    def find(self, row: _Row) -> Actor | None:
        business_id = business_id_from_vat(row.vat)
        return (
            self.by_pic.get(row.pic)
            or (self.by_business_id.get(business_id) if business_id else None)
            or self.by_name.get(_fold(row.name))
        )

    def create(self, row: _Row) -> Actor:
        actor = Actor(
            name=row.name,
            pic=row.pic,
            business_id=business_id_from_vat(row.vat),
            organisation_type=org_type_of(row.activity, row.sme),
            municipality=_MUNICIPALITY.get(_fold(row.city), "other"),
            nuts3=row.nuts or None,
            country=row.country,
        )
        self.session.add(actor)
        self.session.flush()
        self._remember(actor)
        return actor

    def add_project(self, actor: Actor, row: _Row, topic: tuple[str, str] | None) -> bool:
        if (actor.id, row.project_id) in self.projects:
            return False
        topic_id, title = topic or (None, None)
        self.session.add(
            ActorProject(
                actor_id=actor.id,
                project_id=row.project_id,
                acronym=row.acronym or None,
                title=title,
                topic_id=topic_id,
                role=row.role,
                call_year=call_year(topic_id or ""),
                ec_contribution_eur=row.contribution,
            )
        )
        self.projects.add((actor.id, row.project_id))
        actor.updated_at = utcnow()
        return True

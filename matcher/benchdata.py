"""Benchmark and CORDIS files as matcher inputs: topics as calls, cases as profiles, priors."""

from __future__ import annotations

import csv
import re
import zipfile
from collections.abc import Iterator, Mapping, Sequence
from datetime import date
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

from matcher.calls import CallInput, action_kind, call_year, normalise_topic_id
from matcher.cordis import org_type_of, participation_priors
from matcher.profile import PastProject, Profile
from matcher.settings import Priors

HISTORY_YEARS = (2021, 2022)  # only calls that closed before the benchmark's 2023 calls
_LINE = re.compile(r"^(?P<acronym>.*?) \((?P<year>\d{4}) call\): (?P<body>.*)$")
_PART = re.compile(r"\. (Call context|Programme|Fields): ")
_XLSX = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"


def topic_call(topic: Mapping[str, Any]) -> CallInput:
    """A benchmark topic (topics.json record) as a call."""
    context = "; ".join(x for x in (topic.get("cluster"), topic.get("destination")) if x)
    close = topic.get("close_date")
    opening = topic.get("open_date")
    return CallInput(
        id=topic["topic_id"],
        identifier=topic["topic_id"],
        title=topic["title"],
        description=topic.get("description") or "",
        programme="Horizon Europe",
        programme_part=context,
        call_title=topic.get("call_title") or "",
        type_of_action=topic.get("action_type") or "",
        opening_date=date.fromisoformat(opening) if opening else None,
        deadlines=(date.fromisoformat(close),) if close else (),
    )


def parse_profile_line(line: str) -> dict[str, str]:
    """Acronym, year, topic title, programme parts and fields of one profile_text line."""
    match = _LINE.match(line.strip())
    if not match:
        return {"title": line.strip()}
    pieces = _PART.split(match.group("body"))
    out = {"acronym": match.group("acronym"), "year": match.group("year"), "title": pieces[0]}
    for name, value in zip(pieces[1::2], pieces[2::2], strict=True):
        out[name] = value.rstrip(".")
    return out


def case_profile(case: Mapping[str, Any], topic_titles: Mapping[str, str] | None = None) -> Profile:
    """A benchmark case as the CORDIS import would make it: past projects, no description."""
    lines = [parse_profile_line(x) for x in case["profile_text"].splitlines() if x.strip()]
    projects = []
    for i, p in enumerate(case["profile_projects"]):
        line = lines[i] if i < len(lines) else {}
        topic_id = normalise_topic_id(p["topic_id"])
        title = line.get("title") or (topic_titles or {}).get(topic_id, "")
        fields = tuple(f.strip() for f in line.get("Fields", "").split(",") if f.strip())
        projects.append(
            PastProject(
                topic_id=topic_id,
                programme_part=line.get("Programme", ""),
                acronym=p.get("acronym", ""),
                title=title,
                role=p.get("role", "participant"),
                year=p.get("call_year"),
                fields=fields,
            )
        )
    return Profile(
        id=case["case_id"],
        name=case["org_name"],
        org_type=org_type_of(case["activity_type"], bool(case["sme"])),
        country=case["country"],
        past_projects=tuple(projects),
    )


def is_coldstart(cases: Sequence[Mapping[str, Any]]) -> bool:
    """True for cold-start cases: a self-description, no past projects."""
    return all("description" in c and "profile_projects" not in c for c in cases)


def coldstart_profile(case: Mapping[str, Any]) -> Profile:
    """A cold-start case as the profile form makes it: description, keywords, type, country."""
    return Profile(
        id=case["case_id"],
        name=case["org_name"],
        org_type=org_type_of(case["activity_type"], bool(case["sme"])),
        country=case["country"],
        description=case["description"],
        keywords=tuple(case["keywords"]),
    )


def read_csv(path: Path, delimiter: str = ";") -> Iterator[dict[str, str]]:
    """Rows of a CORDIS CSV file as dicts of strings."""
    with path.open(encoding="utf-8", newline="") as handle:
        yield from csv.DictReader(handle, delimiter=delimiter)


def topic_titles(data_dir: Path) -> dict[str, str]:
    """CORDIS topic id -> topic title, from the topics table."""
    rows = read_csv(data_dir / "cordis" / "horizon_topics_2026-04.csv")
    return {normalise_topic_id(r["topic"]): r["title"] for r in rows}


def history_priors(data_dir: Path) -> Priors:
    """Organisation type x action kind lifts of the 2021-2022 Horizon Europe calls.

    Learned as `radar import-cordis` learns them (matcher.cordis), from the participations of
    2021-2022 calls only and with action kinds from the F&T call list.
    """
    project_topic = {
        r["projectID"]: normalise_topic_id(r["topic"])
        for r in read_csv(data_dir / "cordis" / "horizon_topics_2026-04.csv")
        if call_year(r["topic"]) in HISTORY_YEARS
    }
    kinds = _topic_kinds(data_dir, set(project_topic.values()))
    rows = (
        (r["activityType"], r["SME"] == "true", project_topic[r["projectID"]])
        for r in read_csv(data_dir / "cordis" / "horizon_organization_2024-05.csv")
        if r["projectID"] in project_topic  # participations of 2023 and later calls are never read
    )
    return participation_priors(rows, lambda topic: kinds.get(topic, ""))


def _topic_kinds(data_dir: Path, topics: set[str]) -> dict[str, str]:
    """Action kind of historical topics, joined with the F&T call list on call id + title."""
    titles = topic_titles(data_dir)
    listed: dict[tuple[str, str], str] = {}
    for row in read_xlsx(data_dir / "ft_portal" / "HE_calls_2024-07-11.xlsx"):
        key = (normalise_topic_id(row.get("callId", "")), _plain(row.get("topicTitle", "")))
        listed[key] = row.get("actionType", "")
    kinds = {}
    for topic in topics:
        parts = topic.split("-")
        for end in range(len(parts), 2, -1):  # the call id is a prefix of the topic id
            action = listed.get(("-".join(parts[:end]), _plain(titles.get(topic, ""))))
            if action:
                kinds[topic] = action_kind(action, topic)
                break
    return kinds


def _plain(text: str) -> str:
    return re.sub(r"\W+", " ", text.lower()).strip()


def read_xlsx(path: Path) -> list[dict[str, str]]:
    """The first sheet of an xlsx file as dicts keyed by the header row (stdlib only)."""
    with zipfile.ZipFile(path) as book:
        shared = []
        if "xl/sharedStrings.xml" in book.namelist():
            root = ElementTree.fromstring(book.read("xl/sharedStrings.xml"))
            shared = ["".join(t.text or "" for t in si.iter(_XLSX + "t")) for si in root]
        sheet = sorted(n for n in book.namelist() if n.startswith("xl/worksheets/sheet"))[0]
        root = ElementTree.fromstring(book.read(sheet))
    table = []
    for row in root.iter(_XLSX + "row"):
        cells = {}
        for cell in row.iter(_XLSX + "c"):
            column = re.sub(r"\d", "", cell.get("r", ""))
            value = cell.find(_XLSX + "v")
            text = value.text or "" if value is not None else ""
            cells[column] = shared[int(text)] if cell.get("t") == "s" and text else text
        table.append(cells)
    header = table[0] if table else {}
    return [{name: r.get(col, "") for col, name in header.items()} for r in table[1:]]

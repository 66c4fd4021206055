"""The fields of a euro-access.eu detail page (#calldata) and the wording of their values."""

from __future__ import annotations

import re
from datetime import date, time

from bs4 import Tag

from scrapers.eligibility import country_codes, organisation_types
from scrapers.fields import MISSING, RecordError
from scrapers.ft_codes import programme_named
from scrapers.parsing import extra_pairs
from scrapers.record import Budget, CallRecord, Deadline, Eligibility

NAME = "euro_access"
DOTTED = re.compile(r"(\d{1,2})\.(\d{1,2})\.(\d{4})(?:,?\s+(\d{1,2}):(\d{2}))?")
# F&T topic ids: upper-case programme prefix, hyphenated parts, a year among them
# ("ERASMUS-EDU-2022-ECHE-CERT-FP", "HORIZON-CL5-2027-04-Two-Stage-D5-09", "EU4H-2024-PJ-03-5").
FT_IDENTIFIER = re.compile(r"[A-Z][A-Z0-9]*(?:-[A-Za-z0-9_]+)*-20\d\d(?:-[A-Za-z0-9_]+)+")
NUMBER = r"(\d+(?:[.,]\d+)?)"
EUROS = re.compile(r"€\s*([\d,]+(?:\.\d+)?)|([\d,]+(?:\.\d+)?)\s*(?:€|EUR)")


def is_ft_identifier(text: str) -> bool:
    """The call number looks like an F&T topic id, so the tracker can merge on it."""
    return FT_IDENTIFIER.fullmatch(text) is not None


def dotted_dates(text: str) -> list[tuple[date, time | None]]:
    """Every "DD.MM.YYYY" or "DD.MM.YYYY HH:MM" in a text, in order."""
    found = []
    for day, month, year, hour, minute in DOTTED.findall(text):
        clock = time(int(hour), int(minute)) if hour else None
        found.append((date(int(year), int(month), int(day)), clock))
    return found


def funding_rate(text: str) -> tuple[float | None, float | None]:
    """Minimum and maximum percent of "50-65 %", "80 %" or "up to 70 %"."""
    span = re.search(rf"{NUMBER}\s*%?\s*(?:-|–|to)\s*{NUMBER}\s*%", text)
    if span:
        return _number(span[1]), _number(span[2])
    single = re.search(rf"{NUMBER}\s*%", text)
    if not single:
        return None, None
    value = _number(single[1])
    return (None, value) if re.search(r"up to|max", text, re.IGNORECASE) else (value, value)


def contribution(text: str) -> Budget:
    """The EU contribution per project: "min. € 60,000.00", "€ 10,000 - € 50,000", "max. € 1,000"."""
    amounts = [int(float((a or b).replace(",", ""))) for a, b in EUROS.findall(text)]
    if not amounts:
        return Budget()
    if len(amounts) >= 2:
        return Budget(min_grant_eur=min(amounts), max_grant_eur=max(amounts))
    if re.search(r"\bmin", text, re.IGNORECASE):
        return Budget(min_grant_eur=amounts[0])
    if re.search(r"\bmax|up to", text, re.IGNORECASE):
        return Budget(max_grant_eur=amounts[0])
    return Budget(min_grant_eur=amounts[0], max_grant_eur=amounts[0])


def call_record(calldata: Tag, call_id: str, url: str) -> CallRecord:
    """The CallRecord of a detail page's #calldata (comments already removed)."""
    rows = _labelled_rows(calldata)
    heading = calldata.find("h1")
    if not isinstance(heading, Tag) or not rows:
        raise RecordError(NAME, call_id, "h1" if rows else "div.tr", MISSING)
    number = _text(rows.get("call number"))
    # The ids hold a space ("call-deadline td"), so CSS #call-deadline would match nothing.
    opening = dotted_dates(_text(calldata.find(id="call-opening td")))
    deadline_text = _text(calldata.find(id="call-deadline td"))
    programme = _text(rows.get("funding program"))  # "Horizon Europe: Cluster 5 - Climate, ..."
    named = programme_named(programme)
    return CallRecord(
        source=NAME,
        source_key=call_id,
        identifier=number if is_ft_identifier(number) else f"EA-{call_id}",
        title=heading.get_text(" ", strip=True),
        url=url,
        programme=named or None,
        # What a name F&T's stands for adds after a colon: "Cluster 5 - Climate, ...".
        programme_part=(programme.partition(":")[2].strip() or None)
        if named != programme
        else None,
        description_html=_html(rows, "short description", "call objectives"),
        conditions_html=_html(rows, "project partnership"),
        tags=tuple(t.strip() for t in _text(rows.get("topics")).split(",") if t.strip()),
        opening_date=opening[0][0] if opening else None,
        # The page gives local times without a zone (the programme's own), so none is assumed.
        deadlines=tuple(Deadline(day, clock) for day, clock in dotted_dates(deadline_text)),
        budget=contribution(_text(_row_like(rows, "contribution"))),
        eligibility=_eligibility(rows),
        extra=extra_pairs(
            {
                "call_number": number,
                "call_link": _link(rows.get("link to the call")),
                "submission_link": _link(rows.get("link to the submission")),
                "mandatory_partnership": _text(rows.get("mandatory partnership")),
            }
        ),
    )


def _eligibility(rows: dict[str, Tag]) -> Eligibility:
    regions = _text(rows.get("regions / countries for funding"))
    entities = _text(rows.get("eligible entities"))
    low, high = funding_rate(_text(_row_like(rows, "funding rate")))
    wording = (("Eligible entities", entities), ("Regions / countries for funding", regions))
    return Eligibility(
        countries=country_codes(regions),
        organisation_types=organisation_types(entities.split(",")),
        funding_rate_min=low,
        funding_rate_max=high,
        text="\n".join(f"{label}: {value}" for label, value in wording if value) or None,
    )


def _labelled_rows(calldata: Tag) -> dict[str, Tag]:
    """Label (lower case) -> its div.tr row, across every .subtable."""
    rows: dict[str, Tag] = {}
    for row in calldata.select(".subtable div.tr"):
        label = row.find(class_="title")
        if isinstance(label, Tag):
            rows.setdefault(" ".join(label.get_text(" ", strip=True).casefold().split()), row)
    return rows


def _row_like(rows: dict[str, Tag], word: str) -> Tag | None:
    return next((row for label, row in rows.items() if word in label), None)


def _value(row: Tag) -> list[Tag]:
    """The value cells of a row: every child element but the label."""
    return [c for c in row.find_all(recursive=False) if "title" not in (c.get("class") or [])]


def _text(element: object) -> str:
    """Visible text of a row's value (or of any element), lines kept, spaces collapsed."""
    if not isinstance(element, Tag):
        return ""
    parts = _value(element) if "tr" in (element.get("class") or []) else [element]
    lines = "\n".join(p.get_text("\n", strip=True) for p in parts)
    return "\n".join(" ".join(line.split()) for line in lines.splitlines() if line.strip())


def _html(rows: dict[str, Tag], *labels: str) -> str | None:
    """Inner HTML of the rows' values, "read more" buttons dropped."""
    parts = []
    for label in labels:
        for cell in _value(rows[label]) if label in rows else []:
            for button in cell.select(".readmore"):
                button.decompose()
            for wrapper in cell.select(".readmorewrap"):
                wrapper.unwrap()  # the collapsing box is page furniture
            parts.append("".join(str(child) for child in cell.contents).strip())
    return "\n".join(p for p in parts if p) or None


def _link(row: Tag | None) -> str | None:
    anchor = row.find("a", href=True) if row is not None else None
    return str(anchor["href"]) if isinstance(anchor, Tag) else None


def _number(text: str) -> float:
    return float(text.replace(",", "."))

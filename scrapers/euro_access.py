"""euro-access.eu (EuroVienna): the call list and each call's detail page, crawled politely."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import urljoin
from urllib.robotparser import RobotFileParser

from bs4 import BeautifulSoup, Comment, Tag

from scrapers.base import Page, SourceSettings
from scrapers.errors import SourceError
from scrapers.euro_access_fields import call_record
from scrapers.fields import Parsed, each
from scrapers.http import HttpClient
from scrapers.parsing import http_status

NAME = "euro_access"
CALL_ID = re.compile(r"/calls/(\d+)(?:/|$)")
SAVED_FROM = re.compile(r"saved from url=\(\d+\)(https?://\S+)")
FOUND = re.compile(r"(\d+)\s+Calls? found", re.IGNORECASE)


@dataclass
class EuroAccessSettings(SourceSettings):
    list_url: str = "https://www.euro-access.eu/en/calls?keyword=&submit=&sent=search"
    interval_minutes: int = 1440
    pause_seconds: float = 3.0  # robots.txt's Crawl-delay wins when it is longer


@dataclass(frozen=True)
class ListRow:
    """One row of table#calls-overview."""

    key: str  # euro-access's call id, from the call's URL
    programme: str
    title: str
    url: str
    deadline: str  # "27.01.2026 17:00" as shown

    def fingerprint(self) -> str:
        """What the list says of the call; a change means the detail page is fetched again."""
        return "|".join((self.programme, self.title, self.url, self.deadline))


class EuroAccess:
    """Calls from the detail pages; the list only says which detail pages are new or changed."""

    name = NAME
    Settings = EuroAccessSettings
    # Unchanged rows' detail pages are not fetched, so they yield no record: no evidence.
    complete_listing = False

    def __init__(self, settings: EuroAccessSettings) -> None:
        self.settings = settings

    def fetch(self, http: HttpClient, state: dict[str, Any]) -> Iterator[Page]:
        """The list, then the detail pages of rows new or changed since the last run."""
        robots = robots_rules(http, self.settings.list_url)
        agent = http.settings.user_agent
        if not robots.can_fetch(agent, self.settings.list_url):
            raise SourceError(self.name, f"robots.txt disallows {self.settings.list_url}")
        pause = max(self.settings.pause_seconds, float(robots.crawl_delay(agent) or 0))
        response = http.request(self.name, "GET", self.settings.list_url, pause=pause)
        listing = Page(self.name, response.url, response.content)
        rows = list_rows(listing)
        yield listing
        known: dict[str, str] = state.setdefault("rows", {})
        for row in rows:
            if known.get(row.key) == row.fingerprint() or not robots.can_fetch(agent, row.url):
                continue
            response = http.request(self.name, "GET", row.url, pause=pause)
            yield Page(self.name, response.url, response.content)
            known[row.key] = row.fingerprint()  # only once the page was taken
        current = {row.key for row in rows}
        for key in [key for key in known if key not in current]:
            del known[key]  # a row that comes back is fetched again

    def parse(self, page: Page) -> Iterator[Parsed]:
        """A detail page's call; the list page is checked but holds no call of its own."""
        soup = BeautifulSoup(page.read(), "html.parser")
        calldata = soup.find(id="calldata")
        if isinstance(calldata, Tag):
            url = page.url if CALL_ID.search(page.url) else _saved_from(soup, page.url)
            found = CALL_ID.search(url)
            if not found:
                raise SourceError(NAME, f"{page.url}: no call id in the URL of a detail page")
            yield from each(
                [calldata], lambda data, _: call_record(_without_comments(data), found[1], url)
            )
        elif _rows_of(soup, page.url) is None:
            raise SourceError(NAME, f"{page.url}: neither #calldata nor table#calls-overview")


def _saved_from(soup: BeautifulSoup, where: str) -> str:
    """The page's own address, for a page read from a file (`radar ingest`, `radar parse`)."""
    for comment in soup.find_all(string=lambda text: isinstance(text, Comment)):
        if found := SAVED_FROM.search(str(comment)):
            return found[1]
    return where


def robots_rules(http: HttpClient, url: str) -> RobotFileParser:
    """The site's robots.txt; a missing one (4xx) allows everything, as RFC 9309 says."""
    robots_url = urljoin(url, "/robots.txt")
    rules = RobotFileParser(robots_url)
    try:
        response = http.request(NAME, "GET", robots_url)
    except SourceError as exc:
        status = http_status(exc)
        if status is None or not 400 <= status < 500:
            raise  # unreachable or 5xx: RFC 9309 says assume everything is disallowed
        rules.parse([])  # no rules: everything allowed
        return rules
    rules.parse(response.text.splitlines())
    return rules


def list_rows(page: Page) -> list[ListRow]:
    """The rows of table#calls-overview; fails when the table or its row layout changed."""
    soup = BeautifulSoup(page.read(), "html.parser")
    rows = _rows_of(soup, page.url)
    if rows is None:
        raise SourceError(NAME, f"{page.url}: no table#calls-overview")
    return rows


def _rows_of(soup: BeautifulSoup, where: str) -> list[ListRow] | None:
    table = soup.select_one("table#calls-overview")
    if table is None:
        return None
    rows = [_row(tr, where) for tr in table.select("tbody > tr")]
    heading = table.find_previous("h3")
    found = FOUND.search(heading.get_text()) if heading else None
    # The site says how many calls it found; fewer rows means the list got paged or cut.
    if found and int(found[1]) != len(rows):
        raise SourceError(NAME, f"{where}: the page says {found[1]} calls but lists {len(rows)}")
    return rows


def _row(tr: Tag, where: str) -> ListRow:
    cells = tr.find_all("td", recursive=False)
    link = cells[1].find("a", href=True) if len(cells) >= 3 else None
    found = CALL_ID.search(str(link["href"])) if isinstance(link, Tag) else None
    if not isinstance(link, Tag) or not found:
        raise SourceError(NAME, f"{where}: a calls-overview row without a call link: {tr!s:.120}")
    return ListRow(
        key=found[1],
        programme=cells[0].get_text(" ", strip=True),
        title=str(link.get("title") or link.get_text(" ", strip=True)),
        url=urljoin(where, str(link["href"])),
        deadline=cells[2].get_text(" ", strip=True),
    )


def _without_comments(tag: Tag) -> Tag:
    # The page repeats its data in a commented-out legacy <table>; it must never be read.
    for comment in tag.find_all(string=lambda text: isinstance(text, Comment)):
        comment.extract()
    return tag

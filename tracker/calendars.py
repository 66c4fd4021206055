"""iCalendar (RFC 5545) from deadline items: each deadline stage one event with an alarm, its
UID stable so that a calendar moves the event when the deadline moves."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from icalendar import Alarm, Calendar, Event

from scrapers.record import Deadline

ALARM_BEFORE = timedelta(days=7)  # time to finish an application once reminded
PRODID = "-//Hame Funding Radar//Calendar feed//EN"
UID_DOMAIN = "hame-funding-radar"


@dataclass(frozen=True)
class ApplicationOf:
    """Whose application an item is, and at which stage."""

    id: int
    actor: str
    stage: str


@dataclass(frozen=True)
class DeadlineItem:
    """Something with deadlines a calendar shows: a call, or an actor's application to one.

    `key` names it for good ("call-12", "application-3"): with the stage and the feed it makes
    each event's UID.
    """

    key: str
    title: str
    deadlines: tuple[Deadline, ...]
    call_id: int | None = None
    followers: tuple[tuple[str, str | None], ...] = ()  # organisations following it, their mark
    application: ApplicationOf | None = None


@dataclass(frozen=True)
class EventText:
    """What an event says, in the feed's language."""

    summary: str
    description: str = ""
    url: str | None = None


Describe = Callable[[DeadlineItem, Deadline], EventText]


def feed_calendar(
    name: str, items: Iterable[DeadlineItem], feed_key: str, describe: Describe, now: datetime
) -> bytes:
    """The feed `feed_key` as an iCalendar file: an event per deadline of each item, told by
    `describe`; a deadline with a time is timed in its zone (floating when the source gave
    none), a date alone an all-day event."""
    calendar = Calendar.new(name=name, prodid=PRODID, uid=f"{feed_key}@{UID_DOMAIN}")
    for item in items:
        for deadline in item.deadlines:
            calendar.add_component(_event(item, deadline, feed_key, describe(item, deadline), now))
    calendar.add_missing_timezones()  # a VTIMEZONE for each zone the timed events use
    return calendar.to_ical()


def event_uid(item: DeadlineItem, deadline: Deadline, feed_key: str) -> str:
    """The same item, stage and feed give the same UID whatever the deadline's date."""
    stage = re.sub(r"[^a-z0-9]+", "-", (deadline.label or "deadline").lower()).strip("-")
    return f"{item.key}.{stage}.{feed_key}@{UID_DOMAIN}"


def _event(
    item: DeadlineItem, deadline: Deadline, feed_key: str, text: EventText, now: datetime
) -> Event:
    moment = deadline.moment()
    event = Event.new(
        uid=event_uid(item, deadline, feed_key),
        summary=text.summary,
        description=text.description or None,
        url=text.url,
        start=moment or deadline.date,
        end=None if moment else deadline.date + timedelta(days=1),
        stamp=now,
    )
    alarm = Alarm.new(description=text.summary)
    alarm.add("action", "DISPLAY")
    alarm.add("trigger", -ALARM_BEFORE)
    event.add_component(alarm)
    return event

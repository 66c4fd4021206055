"""Digests told in words: subject, plain text and HTML from webapp/templates/digests, in the
subscriber's language with dates in Europe/Helsinki, the one-click unsubscribe link and its
headers (RFC 8058). The `radar` command lends it to tracker/digest_run.py."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from flask import Flask, render_template
from flask_babel import gettext as _
from flask_babel import ngettext

from scrapers.record import Deadline
from tracker.digests import FOLLOWS, PUBLIC, SAVED_SEARCH, Digest
from tracker.mailer import Mail
from tracker.models import Actor, Call, ChangeEvent, Match
from tracker.search import CallQuery
from tracker.subscriptions import UNSUBSCRIBE, manage_token, subscription_token
from webapp.application_forms import STAGE_NAMES
from webapp.calls import REFUSED_SEARCH, applicant, saved_query, saved_search_url
from webapp.changes import describe_change
from webapp.explanations import explanation
from webapp.i18n import days_left, deadline_label, format_deadline, format_moment, in_language
from webapp.web import absolute_url, secret_key, today

TOP_REASONS = 3


@dataclass
class Item:
    """One thing a digest tells: a call, a match or an application, with its lines and link."""

    title: str
    url: str
    lines: list[str] = field(default_factory=list)


@dataclass
class Section:
    heading: str
    items: list[Item]
    more: str = ""  # what was left out, said in words
    more_url: str = ""  # where to see it


class AppMail:
    """Emails rendered with the app's templates, texts and links, outside any request."""

    def __init__(self, app: Flask) -> None:
        self.app = app

    @contextmanager
    def _context(self) -> Iterator[None]:
        """A request context of its own: links (on `[web] base_url`), texts and the search
        work as in a request."""
        with self.app.test_request_context():
            yield


def one_click(link: str) -> dict[str, str]:
    """The headers of a one-click unsubscribe at `link` (RFC 8058)."""
    return {"List-Unsubscribe": f"<{link}>", "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"}


class DigestMail(AppMail):
    """Digests rendered with the app's templates, texts and search."""

    def search(self, query: str, actor: Actor | None) -> tuple[CallQuery, str]:
        """The calls page's search of a saved query string, as the page reads its URL, and
        the filters it no longer understands."""
        with self._context():
            return saved_query(query, actor)

    def render(self, digest: Digest) -> Mail:
        subscription = digest.subscription
        with self._context(), in_language(subscription.locale):
            secret = secret_key()
            token = subscription_token(secret, subscription, UNSUBSCRIBE)
            unsubscribe = absolute_url("subscribers.unsubscribe_page", token=token)
            if subscription.kind == PUBLIC:
                own = manage_token(secret, subscription.email)
                manage = absolute_url("subscribers.manage", token=own)
            else:
                manage = absolute_url("subscriptions.index")
            context = {
                "subject": subject(digest),
                "intro": _intro(digest),
                "period": _(
                    "What is new from %(start)s to %(end)s.",
                    start=format_moment(digest.start),
                    end=format_moment(digest.end),
                ),
                "sections": sections(digest),
                "manage": manage,
                "unsubscribe": unsubscribe,
            }
            text = render_template("digests/digest.txt", **context)
            html = render_template("digests/digest.html", **context)
        return Mail(str(context["subject"]), text, html, one_click(unsubscribe))


def calls_count(digest: Digest) -> int:
    return len(digest.calls) + digest.more_calls


def subject(digest: Digest) -> str:
    """The subject line: what the digest has, in a few words."""
    kind = digest.subscription.kind
    if kind == "staff_digest":
        return _("Häme Funding Radar: news of the region's calls and applications")
    if kind == FOLLOWS or (kind == "member_digest" and not digest.matches):
        return _("Häme Funding Radar: changes to the calls you follow")
    if kind == "member_digest":
        count = len(digest.matches)
        return ngettext(
            "Häme Funding Radar: %(num)d new match for %(name)s",
            "Häme Funding Radar: %(num)d new matches for %(name)s",
            count,
            name=digest.actor.name if digest.actor else "",
        )
    if kind == SAVED_SEARCH and digest.refused:
        return _(
            "Häme Funding Radar: your saved search “%(name)s” no longer works",
            name=digest.subscription.name or "",
        )
    if kind == SAVED_SEARCH:
        return ngettext(
            "Häme Funding Radar: %(num)d new call for “%(name)s”",
            "Häme Funding Radar: %(num)d new calls for “%(name)s”",
            calls_count(digest),
            name=digest.subscription.name or "",
        )
    return ngettext(
        "Häme Funding Radar: %(num)d new call",
        "Häme Funding Radar: %(num)d new calls",
        calls_count(digest),
    )


def _intro(digest: Digest) -> str:
    subscription = digest.subscription
    if subscription.kind == "member_digest":
        return _("You get this email because you turned on the digest of your organisation.")
    if subscription.kind == "staff_digest":
        return _("You get this email because you turned on the region's digest.")
    if subscription.kind == SAVED_SEARCH:
        return _(
            "You get this email because you saved the search “%(name)s”.",
            name=subscription.name or "",
        )
    if subscription.kind == FOLLOWS:
        return _("You get this email because you follow calls or work on an application to them.")
    return _("You get this email because you subscribed to new calls of your choice.")


def sections(digest: Digest) -> list[Section]:
    """What the digest tells, a section per kind of news; empty ones left out."""
    found = [
        Section(_("A saved search that no longer works"), _refused(digest)),
        Section(_("Calls you follow that changed"), [_changed(c, e) for c, e in digest.followed]),
        Section(_("New matches"), [_match(m, c) for m, c in digest.matches]),
        Section(_("New calls"), [_call(c) for c in digest.calls], *_more(digest)),
        Section(_("Calls that changed"), [_changed(c, events) for c, events in digest.changes]),
        Section(_("Deadlines within a week"), [_deadline(c, d) for c, d in digest.deadlines]),
        Section(
            _("Applications that moved"),
            [
                Item(
                    f"{moved.actor}: {moved.title}",
                    absolute_url("applications.show", application_id=moved.application_id),
                    [
                        _(
                            "Moved from %(old)s to %(new)s.",
                            old=STAGE_NAMES.get(moved.old, moved.old),
                            new=STAGE_NAMES.get(moved.new, moved.new),
                        )
                    ],
                )
                for moved in digest.moves
            ],
        ),
    ]
    return [section for section in found if section.items]


def _match(match: Match, call: Call) -> Item:
    """A new match: its score, the call's next deadline with the days left (said once: not
    again by the reasons) and the top reasons of the score."""
    reasons = explanation(match, time=False).reasons[:TOP_REASONS]
    score = _("Score %(score)s", score=round(match.score))
    return Item(call.title, _call_url(call), [score, *_next_deadline(call), *reasons])


def _call(call: Call) -> Item:
    programme = [call.programme] if call.programme else []
    return Item(call.title, _call_url(call), [*programme, *_next_deadline(call)])


def _changed(call: Call, events: list[ChangeEvent]) -> Item:
    """A changed call with its changes in words, as its page's history tells them."""
    return Item(call.title, _call_url(call), [describe_change(event) for event in events])


def _deadline(call: Call, deadline: Deadline) -> Item:
    label = deadline_label(deadline.label)
    return Item(call.title, _call_url(call), [f"{label}: {format_deadline(deadline)}"])


def _next_deadline(call: Call) -> list[str]:
    upcoming = applicant(call, today()).deadline
    if upcoming is None:
        return []
    left = days_left(upcoming.date, today())
    return [
        _("Next deadline %(deadline)s (%(left)s)", deadline=format_deadline(upcoming), left=left)
    ]


def _more(digest: Digest) -> tuple[str, str]:
    """How many new calls were left out, and the saved search that finds them all."""
    if not digest.more_calls:
        return "", ""
    more = ngettext(
        "%(num)d more new call is not listed here.",
        "%(num)d more new calls are not listed here.",
        digest.more_calls,
    )
    subscription = digest.subscription
    saved = subscription.kind == SAVED_SEARCH and subscription.query
    return more, saved_search_url(subscription) if saved else ""


def _refused(digest: Digest) -> list[Item]:
    """A saved search with filters no longer understood lists nothing: it says which, and
    links the search on the calls page, to choose them again and save it anew."""
    if not digest.refused:
        return []
    subscription = digest.subscription
    lines = [digest.refused, str(REFUSED_SEARCH)]
    return [Item(subscription.name or "", saved_search_url(subscription), lines)]


def _call_url(call: Call) -> str:
    return absolute_url("calls.show", call_id=call.id)

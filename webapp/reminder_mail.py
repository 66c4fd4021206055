"""Deadline reminders told in words: subject, plain text and HTML from
webapp/templates/reminders, in the recipient's language with the deadline in Europe/Helsinki,
and the one-click link that stops the reminders (RFC 8058). The `radar` command lends it to
tracker/reminders.py."""

from __future__ import annotations

from flask import render_template
from flask_babel import gettext as _
from flask_babel import ngettext

from tracker.mailer import Mail
from tracker.models import Actor
from tracker.reminders import Reminder
from tracker.subscriptions import reminders_token
from webapp.digest_mail import AppMail, one_click
from webapp.i18n import days_left, deadline_label, format_deadline, in_language
from webapp.web import absolute_url, db, secret_key


class ReminderMail(AppMail):
    """Reminders rendered with the app's templates and texts."""

    def render(self, reminder: Reminder) -> Mail:
        with self._context(), in_language(reminder.user.locale):
            stop = absolute_url(
                "follows.stop_page", token=reminders_token(secret_key(), reminder.user)
            )
            deadline, days = reminder.deadline, (reminder.deadline.date - reminder.today).days
            title = _title(reminder)
            context = {
                "subject": ngettext(
                    "Deadline in %(num)d day: %(title)s",
                    "Deadline in %(num)d days: %(title)s",
                    days,
                    title=title,
                ),
                "title": title,
                "deadline": _(
                    "%(which)s: %(deadline)s (%(left)s)",
                    which=deadline_label(deadline.label),
                    deadline=format_deadline(deadline),
                    left=days_left(deadline.date, reminder.today),
                ),
                "link": _link(reminder),
                "why": _why(reminder),
                "manage": absolute_url("follows.index"),
                "stop": stop,
            }
            text = render_template("reminders/reminder.txt", **context)
            html = render_template("reminders/reminder.html", **context)
        return Mail(context["subject"], text, html, one_click(stop))


def _title(reminder: Reminder) -> str:
    if reminder.call is not None:
        return reminder.call.title
    return reminder.application.call_title or "" if reminder.application else ""


def _link(reminder: Reminder) -> str:
    if reminder.application is not None:
        return absolute_url("applications.show", application_id=reminder.application.id)
    return absolute_url("calls.show", call_id=reminder.call.id if reminder.call else 0)


def _why(reminder: Reminder) -> str:
    if reminder.application is None:
        return _("You get this reminder because you follow this call.")
    actor = db().get(Actor, reminder.application.actor_id)
    return _(
        "You get this reminder because you are on the team of the application of %(actor)s.",
        actor=actor.name if actor else "",
    )

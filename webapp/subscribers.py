"""Anyone's subscription to new calls by theme, programme or keyword, confirmed by an emailed
link (double opt-in); its page reached by the signed link in every digest; and the one-click
unsubscribe of every digest (RFC 8058)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from tracker.digests import PUBLIC
from tracker.mailer import mail_limited, send_email
from tracker.models import utcnow
from tracker.models_web import Subscription
from tracker.subscriptions import (
    CONFIRM,
    UNSUBSCRIBE,
    SubscriptionError,
    confirm,
    email_for_manage_token,
    manage_token,
    public_subscriptions,
    subscribe_public,
    subscription_for_token,
    subscription_token,
)
from webapp.calls import stored_options
from webapp.explanations import theme_choices
from webapp.forms import ActionForm, options
from webapp.subscription_forms import SUBSCRIPTION_ERRORS, DigestForm, PublicSubscribeForm
from webapp.subscriptions import Edited, changed, edit_forms, ended, form_prefix
from webapp.web import absolute_url, client, db, secret_key, settings

subscribers = Blueprint("subscribers", __name__)


@subscribers.route("/subscribe", methods=["GET", "POST"])
def subscribe() -> Response | str:
    """A subscription to new calls for anyone; nothing is sent until the subscriber follows
    the confirmation link emailed to them. The answer is the same whether the mail went out."""
    form = _public_form()
    if not form.validate_on_submit():
        return _subscribe_page(form)
    session = db()
    try:
        subscription = subscribe_public(
            session, form.email.data.strip(), utcnow(), **form.choices()
        )
    except SubscriptionError as exc:
        form.themes.errors = [SUBSCRIPTION_ERRORS[exc.reason]]
        return _subscribe_page(form)
    if not mail_limited(session, settings().mail, subscription.email, client()):
        _send_confirmation(subscription)
    session.commit()
    flash(_("Almost done: confirm the subscription with the link we emailed to you."))
    return redirect(url_for(".subscribe"))


@subscribers.get("/subscribe/confirm/<token>")
def confirm_page(token: str) -> str | tuple[str, int]:
    """The emailed link: a page with one button, so a link checker confirms nothing."""
    subscription = _confirmable(token)
    if subscription is None:
        return render_template("subscriptions/link_invalid.html"), 400
    return render_template(
        "subscriptions/confirm.html", subscription=subscription, form=ActionForm()
    )


@subscribers.post("/subscribe/confirm/<token>")
def confirm_subscription(token: str) -> Response | tuple[str, int]:
    subscription = _confirmable(token)
    if subscription is None:
        return render_template("subscriptions/link_invalid.html"), 400
    if not ActionForm().validate_on_submit():
        abort(400)
    confirm(subscription, utcnow())
    db().commit()
    flash(_("Your subscription is confirmed. The first digest brings the calls new from now on."))
    return redirect(url_for(".manage", token=manage_token(secret_key(), subscription.email)))


@subscribers.get("/subscriptions/manage/<token>")
def manage(token: str) -> tuple[str, int]:
    """A public subscriber's subscriptions, reached by the signed link in their emails."""
    return _page(_email(token), token)


@subscribers.post("/subscriptions/manage/<token>/<id:subscription_id>")
def edit(token: str, subscription_id: int) -> Response | tuple[str, int]:
    email = _email(token)
    subscription = _owned(subscription_id, email)
    form = DigestForm(prefix=form_prefix(subscription))
    if not form.validate_on_submit():
        return _page(email, token, edited=(subscription.id, form), status=400)
    return changed(subscription, form, url_for(".manage", token=token))


@subscribers.post("/subscriptions/manage/<token>/<id:subscription_id>/delete")
def delete(token: str, subscription_id: int) -> Response:
    subscription = _owned(subscription_id, _email(token))
    return ended(subscription, url_for(".manage", token=token))


@subscribers.get("/unsubscribe/<token>")
def unsubscribe_page(token: str) -> str | tuple[str, int]:
    """The link in every digest: a page with one button, so a link checker that opens every
    link of an email unsubscribes nobody."""
    subscription = subscription_for_token(db(), secret_key(), token, UNSUBSCRIBE)
    if subscription is None:
        return render_template("subscriptions/unsubscribed.html", ended=True), 404
    return render_template("subscriptions/unsubscribe.html", subscription=subscription)


@subscribers.post("/unsubscribe/<token>")
def unsubscribe(token: str) -> str:
    """One-click unsubscribe (RFC 8058): the signed token is the proof, no CSRF token or
    session is asked for; a subscription ended already is answered the same."""
    session = db()
    subscription = subscription_for_token(session, secret_key(), token, UNSUBSCRIBE)
    if subscription is not None:
        session.delete(subscription)
        session.commit()
    return render_template("subscriptions/unsubscribed.html", ended=False)


@subscribers.record_once
def _exempt_one_click(state: Any) -> None:
    state.app.extensions["csrf"].exempt(unsubscribe)


def _page(
    email: str, token: str, edited: Edited | None = None, status: int = 200
) -> tuple[str, int]:
    subscribed = public_subscriptions(db(), email)
    page = render_template(
        "subscriptions/manage.html",
        email=email,
        token=token,
        subscriptions=subscribed,
        forms=edit_forms(subscribed, edited),
        action=ActionForm(),
    )
    return page, status


def _owned(subscription_id: int, email: str) -> Subscription:
    """A public subscription of `email`; else 404."""
    subscription = db().get(Subscription, subscription_id)
    if subscription is None or subscription.kind != PUBLIC or subscription.email != email:
        abort(404)
    return subscription


def _subscribe_page(form: PublicSubscribeForm) -> str:
    days = settings().digests.unconfirmed_days
    return render_template("subscriptions/subscribe.html", form=form, unconfirmed_days=days)


def _public_form() -> PublicSubscribeForm:
    form = PublicSubscribeForm()
    form.themes.choices = options(theme_choices())
    form.programmes.choices = options((p, p) for p in stored_options()["programme"])
    return form


def _send_confirmation(subscription: Subscription) -> None:
    digests = settings().digests
    token = subscription_token(secret_key(), subscription, CONFIRM)
    link = absolute_url("subscribers.confirm_page", token=token)
    context = {
        "link": link,
        "hours": digests.confirm_valid_hours,
        "days": digests.unconfirmed_days,
        "email": subscription.email,
    }
    send_email(
        settings(),
        subscription.email,
        "confirm",
        context,
        subscription.locale,
        session=db(),
        requested_ip=client(),
    )


def _confirmable(token: str) -> Subscription | None:
    hours = settings().digests.confirm_valid_hours
    found = subscription_for_token(db(), secret_key(), token, CONFIRM, timedelta(hours=hours))
    return found if found is not None and found.kind == PUBLIC else None


def _email(token: str) -> str:
    email = email_for_manage_token(secret_key(), token)
    if email is None:
        abort(404)
    return email

"""Email digests as people choose them: a signed-in user's digest and saved searches, anyone's
subscription to new calls (confirmed by an emailed link), and the one-click unsubscribe."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from flask import Blueprint, abort, current_app, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from tracker.mailer import mail_limited, send_email
from tracker.models import User, utcnow
from tracker.models_web import Subscription
from tracker.subscriptions import (
    CONFIRM,
    UNSUBSCRIBE,
    SubscriptionError,
    confirm,
    email_for_manage_token,
    manage_token,
    own_digest,
    own_digest_kind,
    public_subscriptions,
    subscribe_public,
    subscribe_user,
    subscription_for_token,
    subscription_token,
    update,
    user_subscriptions,
)
from webapp.calls import stored_options
from webapp.explanations import theme_choices
from webapp.forms import ActionForm, options
from webapp.subscription_forms import (
    KIND_NAMES,
    SUBSCRIPTION_ERRORS,
    DigestForm,
    PublicSubscribeForm,
    SaveSearchForm,
)
from webapp.web import absolute_url, client, db, settings

subscriptions = Blueprint("subscriptions", __name__)


@subscriptions.get("/subscriptions")
@login_required
def index() -> str:
    """The signed-in user's digests and saved searches, each to change or end."""
    return _own_page()


@subscriptions.post("/subscriptions")
@login_required
def create() -> Response | tuple[str, int]:
    """Turn on the user's own digest: their organisation's matches, or the region's."""
    form = DigestForm()
    user = _user()
    kind = own_digest_kind(user)
    if kind is None:
        abort(403)
    if not form.validate_on_submit():
        return _own_page(new_form=form), 400
    return _subscribed(lambda: subscribe_user(db(), user, kind, utcnow(), **form.values(kind)))


@subscriptions.post("/subscriptions/searches")
@login_required
def save_search() -> Response | tuple[str, int]:
    """Save the calls page's search, named, as a digest of the calls new to it."""
    form = SaveSearchForm()
    if not form.validate_on_submit():
        return _own_page(search_form=form), 400
    values = {"name": form.name.data.strip(), "frequency": form.frequency.data}
    return _subscribed(
        lambda: subscribe_user(
            db(), _user(), "saved_search", utcnow(), query=form.query.data or "", **values
        )
    )


@subscriptions.post("/subscriptions/<id:subscription_id>")
@login_required
def edit(subscription_id: int) -> Response | tuple[str, int]:
    subscription = _owned(subscription_id)
    form = DigestForm(prefix=_prefix(subscription))
    if not form.validate_on_submit():
        return _own_page(edited=(subscription.id, form)), 400
    return _changed(subscription, form, url_for(".index"))


@subscriptions.post("/subscriptions/<id:subscription_id>/delete")
@login_required
def delete(subscription_id: int) -> Response:
    return _ended(_owned(subscription_id), url_for(".index"))


@subscriptions.route("/subscribe", methods=["GET", "POST"])
def subscribe() -> Response | str:
    """Anyone's subscription to new calls by theme, programme or keyword; nothing is sent
    until the subscriber follows the confirmation link emailed to them."""
    form = _public_form()
    if not form.validate_on_submit():
        return render_template("subscriptions/subscribe.html", form=form)
    session = db()
    try:
        subscription = subscribe_public(
            session, form.email.data.strip(), utcnow(), **form.choices()
        )
    except SubscriptionError as exc:
        form.themes.errors = [SUBSCRIPTION_ERRORS[exc.reason]]
        return render_template("subscriptions/subscribe.html", form=form)
    if not mail_limited(session, settings().mail, subscription.email, client()):
        _send_confirmation(subscription)
    session.commit()
    flash(_("Almost done: confirm the subscription with the link we emailed to you."))
    return redirect(url_for(".subscribe"))


@subscriptions.get("/subscribe/confirm/<token>")
def confirm_page(token: str) -> str | tuple[str, int]:
    subscription = _confirmable(token)
    if subscription is None:
        return render_template("subscriptions/link_invalid.html"), 400
    return render_template(
        "subscriptions/confirm.html", subscription=subscription, form=ActionForm()
    )


@subscriptions.post("/subscribe/confirm/<token>")
def confirm_subscription(token: str) -> Response | tuple[str, int]:
    subscription = _confirmable(token)
    if subscription is None:
        return render_template("subscriptions/link_invalid.html"), 400
    if not ActionForm().validate_on_submit():
        abort(400)
    confirm(subscription, utcnow())
    db().commit()
    flash(_("Your subscription is confirmed. The first digest brings the calls new from now on."))
    return redirect(_manage_url(subscription.email))


@subscriptions.get("/subscriptions/manage/<token>")
def manage_public(token: str) -> str | tuple[str, int]:
    """A public subscriber's subscriptions, reached by the signed link in their emails."""
    email = _manage_email(token)
    return _public_page(email, token)


@subscriptions.post("/subscriptions/manage/<token>/<id:subscription_id>")
def edit_public(token: str, subscription_id: int) -> Response | tuple[str, int]:
    email = _manage_email(token)
    subscription = _owned(subscription_id, email=email)
    form = DigestForm(prefix=_prefix(subscription))
    if not form.validate_on_submit():
        return _public_page(email, token, edited=(subscription.id, form), status=400)
    return _changed(subscription, form, url_for(".manage_public", token=token))


@subscriptions.post("/subscriptions/manage/<token>/<id:subscription_id>/delete")
def delete_public(token: str, subscription_id: int) -> Response:
    subscription = _owned(subscription_id, email=_manage_email(token))
    return _ended(subscription, url_for(".manage_public", token=token))


@subscriptions.get("/unsubscribe/<token>")
def unsubscribe_page(token: str) -> str | tuple[str, int]:
    """The link in every digest: a page with one button, so a link checker that opens every
    link of an email unsubscribes nobody."""
    subscription = subscription_for_token(db(), _secret(), token, UNSUBSCRIBE)
    if subscription is None:
        return render_template("subscriptions/unsubscribed.html", ended=True), 404
    return render_template("subscriptions/unsubscribe.html", subscription=subscription)


@subscriptions.post("/unsubscribe/<token>")
def unsubscribe(token: str) -> str:
    """One-click unsubscribe (RFC 8058): the signed token is the proof, no CSRF token or
    session is asked for; a subscription ended already is answered the same."""
    session = db()
    subscription = subscription_for_token(session, _secret(), token, UNSUBSCRIBE)
    if subscription is not None:
        session.delete(subscription)
        session.commit()
    return render_template("subscriptions/unsubscribed.html", ended=False)


@subscriptions.record_once
def _exempt_one_click(state: Any) -> None:
    state.app.extensions["csrf"].exempt(unsubscribe)


@subscriptions.context_processor
def _names() -> dict[str, Any]:
    return {"kind_names": KIND_NAMES}


def _own_page(
    new_form: DigestForm | None = None,
    search_form: SaveSearchForm | None = None,
    edited: tuple[int | None, DigestForm] | None = None,
) -> str:
    session, user = db(), _user()
    kind = own_digest_kind(user) if own_digest(session, user) is None else None
    subscribed = user_subscriptions(session, int(user.id or 0))
    return render_template(
        "subscriptions/index.html",
        subscriptions=subscribed,
        forms=_edit_forms(subscribed, edited),
        new_kind=kind,
        new_form=new_form or DigestForm(locale=user.locale),
        search_form=search_form,
        action=ActionForm(),
    )


def _public_page(
    email: str,
    token: str,
    edited: tuple[int | None, DigestForm] | None = None,
    status: int = 200,
) -> tuple[str, int]:
    subscribed = public_subscriptions(db(), email)
    page = render_template(
        "subscriptions/manage.html",
        email=email,
        token=token,
        subscriptions=subscribed,
        forms=_edit_forms(subscribed, edited),
        action=ActionForm(),
    )
    return page, status


def _edit_forms(
    subscribed: list[Subscription], edited: tuple[int | None, DigestForm] | None
) -> dict[int | None, DigestForm]:
    """A form per subscription with its values; the one just posted with its errors."""
    forms = {s.id: DigestForm(obj=s, prefix=_prefix(s), formdata=None) for s in subscribed}
    if edited is not None:
        forms[edited[0]] = edited[1]
    return forms


def _prefix(subscription: Subscription) -> str:
    return f"s{subscription.id}"  # ids of the fields differ between the forms of one page


def _subscribed(make: Any) -> Response:
    try:
        make()
    except SubscriptionError as exc:
        flash(SUBSCRIPTION_ERRORS[exc.reason], "error")
        return redirect(url_for(".index"))
    db().commit()
    flash(_("Subscribed. The first digest brings what is new from now on."))
    return redirect(url_for(".index"))


def _changed(subscription: Subscription, form: DigestForm, target: str) -> Response:
    try:
        update(subscription, form.values(subscription.kind))
    except SubscriptionError as exc:
        flash(SUBSCRIPTION_ERRORS[exc.reason], "error")
        return redirect(target)
    db().commit()
    flash(_("Your choices are saved."))
    return redirect(target)


def _ended(subscription: Subscription, target: str) -> Response:
    if not ActionForm().validate_on_submit():
        abort(400)
    session = db()
    session.delete(subscription)
    session.commit()
    flash(_("The subscription has ended: no more emails of it."))
    return redirect(target)


def _owned(subscription_id: int, email: str | None = None) -> Subscription:
    """A subscription of the signed-in user, or a public one of `email`; else 404."""
    subscription = db().get(Subscription, subscription_id)
    if email is not None:
        owner = subscription is not None and subscription.kind == "public"
        owner = owner and subscription.email == email  # type: ignore[union-attr]
    else:
        owner = subscription is not None and subscription.user_id == current_user.id
    if not owner:
        abort(404)
    assert subscription is not None
    return subscription


def _user() -> User:
    user = db().get(User, current_user.id)
    assert user is not None
    return user


def _public_form() -> PublicSubscribeForm:
    form = PublicSubscribeForm()
    form.themes.choices = options(theme_choices())
    form.programmes.choices = options((p, p) for p in stored_options()["programme"])
    return form


def _send_confirmation(subscription: Subscription) -> None:
    hours = settings().digests.confirm_valid_hours
    token = subscription_token(_secret(), subscription, CONFIRM)
    link = absolute_url("subscriptions.confirm_page", token=token)
    context = {"link": link, "hours": hours, "email": subscription.email}
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
    found = subscription_for_token(db(), _secret(), token, CONFIRM, timedelta(hours=hours))
    return found if found is not None and found.kind == "public" else None


def _manage_email(token: str) -> str:
    email = email_for_manage_token(_secret(), token)
    if email is None:
        abort(404)
    return email


def _manage_url(email: str) -> str:
    return url_for(".manage_public", token=manage_token(_secret(), email))


def _secret() -> str:
    return str(current_app.config["SECRET_KEY"])

"""A signed-in user's email digests: their organisation's or the region's, and the searches
they saved on the calls page; each changed or ended by its owner alone. Anyone's subscription
and the links in digests are webapp/subscribers.py."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from tracker.digests import SAVED_SEARCH
from tracker.models import utcnow
from tracker.models_web import Subscription
from tracker.subscriptions import (
    SubscriptionError,
    own_digest,
    own_digest_kind,
    subscribe_user,
    update,
    user_subscriptions,
)
from webapp.calls import REFUSED_SEARCH
from webapp.forms import ActionForm
from webapp.subscription_forms import (
    FREQUENCY_NAMES,
    KIND_NAMES,
    SUBSCRIPTION_ERRORS,
    DigestForm,
    SaveSearchForm,
)
from webapp.web import db, signed_in_user

subscriptions = Blueprint("subscriptions", __name__)
Edited = tuple[int | None, DigestForm]  # a subscription's id and its form as just posted


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
    user = signed_in_user()
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
    query = form.query.data or ""
    return _subscribed(
        lambda: subscribe_user(
            db(), signed_in_user(), SAVED_SEARCH, utcnow(), query=query, **values
        )
    )


@subscriptions.post("/subscriptions/<id:subscription_id>")
@login_required
def edit(subscription_id: int) -> Response | tuple[str, int]:
    subscription = owned(subscription_id)
    form = DigestForm(prefix=form_prefix(subscription))
    if not form.validate_on_submit():
        return _own_page(edited=(subscription.id, form)), 400
    return changed(subscription, form, url_for(".index"))


@subscriptions.post("/subscriptions/<id:subscription_id>/delete")
@login_required
def delete(subscription_id: int) -> Response:
    return ended(owned(subscription_id), url_for(".index"))


@subscriptions.app_context_processor
def _names() -> dict[str, Any]:
    return {
        "kind_names": KIND_NAMES,
        "frequency_names": FREQUENCY_NAMES,
        "refused_search": REFUSED_SEARCH,
    }


def edit_forms(
    subscribed: list[Subscription], edited: Edited | None
) -> dict[int | None, DigestForm]:
    """A form per subscription with its values; the one just posted with its errors."""
    forms = {s.id: DigestForm(obj=s, prefix=form_prefix(s), formdata=None) for s in subscribed}
    if edited is not None:
        forms[edited[0]] = edited[1]
    return forms


def form_prefix(subscription: Subscription) -> str:
    return f"s{subscription.id}"  # the ids of the fields differ between the forms of one page


def changed(subscription: Subscription, form: DigestForm, target: str) -> Response:
    """Save a subscription's new choices and go back to its page."""
    try:
        update(subscription, form.values(subscription.kind))
    except SubscriptionError as exc:
        flash(SUBSCRIPTION_ERRORS[exc.reason], "error")
        return redirect(target)
    db().commit()
    flash(_("Your choices are saved."))
    return redirect(target)


def ended(subscription: Subscription, target: str) -> Response:
    """End a subscription (the form's CSRF token checked) and go back to its page."""
    if not ActionForm().validate_on_submit():
        abort(400)
    session = db()
    session.delete(subscription)
    session.commit()
    flash(_("The subscription has ended: no more emails of it."))
    return redirect(target)


def _own_page(
    new_form: DigestForm | None = None,
    search_form: SaveSearchForm | None = None,
    edited: Edited | None = None,
) -> str:
    session, user = db(), signed_in_user()
    kind = own_digest_kind(user) if own_digest(session, user) is None else None
    subscribed = user_subscriptions(session, int(user.id or 0))
    return render_template(
        "subscriptions/index.html",
        subscriptions=subscribed,
        forms=edit_forms(subscribed, edited),
        new_kind=kind,
        new_form=new_form or DigestForm(locale=user.locale),
        search_form=search_form,
        action=ActionForm(),
    )


def _subscribed(make: Callable[[], Subscription]) -> Response:
    try:
        make()
    except SubscriptionError as exc:
        flash(SUBSCRIPTION_ERRORS[exc.reason], "error")
        return redirect(url_for(".index"))
    db().commit()
    flash(_("Subscribed. The first digest brings what is new from now on."))
    return redirect(url_for(".index"))


def owned(subscription_id: int) -> Subscription:
    """A subscription of the signed-in user; else 404."""
    subscription = db().get(Subscription, subscription_id)
    if subscription is None or subscription.user_id != current_user.id:
        abort(404)
    return subscription

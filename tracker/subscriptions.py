"""Email digest subscriptions: who may have which, made, changed and ended, and the signed
links their emails carry (one-click unsubscribe, a public subscriber's confirmation and
management page)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from itsdangerous import BadSignature, URLSafeTimedSerializer
from sqlalchemy import delete
from sqlmodel import Session, col, select

from tracker.accounts import STAFF_ROLES
from tracker.digests import FREQUENCIES, matches_above
from tracker.mailer import LOCALES
from tracker.models import User
from tracker.models_web import Subscription

# The digest a signed-in user may turn on for themself: a member's of their organisation's
# matches, a staff member's of the region. Saved searches are as many as they save.
OWN_DIGESTS = ("member_digest", "staff_digest")
DEFAULT_MIN_SCORE = 50.0
# What each signed link is for; only the confirmation link expires ([digests]
# confirm_valid_hours): the others are in every digest sent.
UNSUBSCRIBE, MANAGE, CONFIRM = "unsubscribe", "manage", "confirm"


class SubscriptionError(ValueError):
    """A subscription cannot be made as asked; `reason` is a key the web app tells in words."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def own_digest_kind(user: User) -> str | None:
    """The digest kind `user` may turn on: staff the region's, a member their organisation's."""
    if user.role in STAFF_ROLES:
        return "staff_digest"
    return "member_digest" if user.actor_id else None


def subscribe_user(
    session: Session, user: User, kind: str, now: datetime, **values: Any
) -> Subscription:
    """A signed-in user's digest or saved search; a match digest starts with the matches of
    now told, so its first email has only matches new since."""
    if kind in OWN_DIGESTS and kind != own_digest_kind(user):
        raise SubscriptionError("not_allowed")
    if kind in OWN_DIGESTS and own_digest(session, user) is not None:
        raise SubscriptionError("exists")
    if kind == "saved_search" and values.get("query") is None:
        raise SubscriptionError("no_query")
    if kind not in (*OWN_DIGESTS, "saved_search"):
        raise SubscriptionError("not_allowed")
    subscription = Subscription(
        kind=kind, user_id=user.id, email=user.email, created_at=now, covered_until=now
    )
    update(subscription, {"locale": user.locale, **values})
    if kind == "member_digest" and user.actor_id:
        subscription.told = matches_above(session, user.actor_id, subscription.min_score)
    session.add(subscription)
    session.flush()
    return subscription


def subscribe_public(session: Session, email: str, now: datetime, **values: Any) -> Subscription:
    """A public subscription by themes, programmes and keywords, unconfirmed until its
    subscriber follows the emailed link (nothing is sent before)."""
    if not any(values.get(name) for name in ("themes", "programmes", "keywords")):
        raise SubscriptionError("nothing_chosen")
    subscription = Subscription(kind="public", email=email, created_at=now, covered_until=now)
    update(subscription, values)
    session.add(subscription)
    session.flush()
    return subscription


def update(subscription: Subscription, values: dict[str, Any]) -> None:
    """Set the fields given; a frequency or language not offered is refused."""
    if values.get("frequency", FREQUENCIES[0]) not in FREQUENCIES:
        raise SubscriptionError("frequency")
    if values.get("locale", LOCALES[0]) not in LOCALES:
        raise SubscriptionError("locale")
    for name, value in values.items():
        setattr(subscription, name, value)


def confirm(subscription: Subscription, now: datetime) -> None:
    """A public subscriber confirmed: digests cover what is new from now on."""
    if subscription.confirmed_at is None:
        subscription.confirmed_at = subscription.covered_until = now


def remove_unconfirmed(session: Session, now: datetime, days: int) -> int:
    """Remove the public subscriptions not confirmed within `days` of being made; how many."""
    query = delete(Subscription).where(
        col(Subscription.kind) == "public",
        col(Subscription.confirmed_at).is_(None),
        col(Subscription.created_at) < now - timedelta(days=days),
    )
    return int(session.execute(query).rowcount or 0)  # type: ignore[attr-defined]


def own_digest(session: Session, user: User) -> Subscription | None:
    query = select(Subscription).where(
        Subscription.user_id == user.id, col(Subscription.kind).in_(OWN_DIGESTS)
    )
    return session.exec(query).first()


def user_subscriptions(session: Session, user_id: int) -> list[Subscription]:
    """A signed-in user's digests and saved searches, oldest first."""
    query = select(Subscription).where(Subscription.user_id == user_id)
    return list(session.exec(query.order_by(col(Subscription.id))))


def public_subscriptions(session: Session, email: str) -> list[Subscription]:
    """The public subscriptions of an address, confirmed or not, oldest first."""
    query = select(Subscription).where(Subscription.kind == "public", Subscription.email == email)
    return list(session.exec(query.order_by(col(Subscription.id))))


def subscription_token(secret: str, subscription: Subscription, purpose: str) -> str:
    """A signed token naming one subscription, for an unsubscribe or confirmation link."""
    return _serializer(secret, purpose).dumps([subscription.id, subscription.email])


def subscription_for_token(
    session: Session, secret: str, token: str, purpose: str, max_age: timedelta | None = None
) -> Subscription | None:
    """The subscription a genuine token names (not expired, when `max_age` is given); None
    once it has ended."""
    try:
        sub_id, email = _serializer(secret, purpose).loads(
            token, max_age=int(max_age.total_seconds()) if max_age else None
        )
    except (BadSignature, ValueError, TypeError):  # SignatureExpired is a BadSignature
        return None
    subscription = session.get(Subscription, sub_id) if isinstance(sub_id, int) else None
    # The address too: a row id an ended subscription had may be given to a new one.
    return subscription if subscription is not None and subscription.email == email else None


def manage_token(secret: str, email: str) -> str:
    """A signed token for a public subscriber's page of their subscriptions."""
    return _serializer(secret, MANAGE).dumps(email)


def email_for_manage_token(secret: str, token: str) -> str | None:
    try:
        email = _serializer(secret, MANAGE).loads(token)
    except BadSignature:
        return None
    return email if isinstance(email, str) else None


def _serializer(secret: str, purpose: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(secret, salt=f"radar-subscription-{purpose}")

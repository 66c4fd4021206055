"""Email digest subscriptions: who may have which, made, changed and ended, and the signed
links their emails carry (one-click unsubscribe, a public subscriber's confirmation and
management page)."""

from __future__ import annotations

from datetime import datetime, timedelta
from hmac import compare_digest
from typing import Any, TypeVar

from itsdangerous import BadSignature, URLSafeSerializer, URLSafeTimedSerializer
from sqlalchemy import delete
from sqlmodel import Session, col, select

from tracker.accounts import STAFF_ROLES, new_token
from tracker.digests import (
    FOLLOWS,
    FREQUENCIES,
    OWN_DIGESTS,
    PUBLIC,
    SAVED_SEARCH,
    matches_above,
    own_digest,
)
from tracker.follows import follow
from tracker.mailer import LOCALES
from tracker.models import User
from tracker.models_web import Subscription

DEFAULT_MIN_SCORE = 50.0
# What each signed link is for; only the confirmation link expires ([digests]
# confirm_valid_hours): the others are in every digest sent.
UNSUBSCRIBE, MANAGE, CONFIRM = "unsubscribe", "manage", "confirm"
REMINDERS = "reminders"  # a reminder's link that stops the reminders
Row = TypeVar("Row", Subscription, User)
FEED = "feed"  # a saved search's Atom feed URL: signed without a time, so a page shows it again


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
    if kind == SAVED_SEARCH and values.get("query") is None:
        raise SubscriptionError("no_query")
    if kind not in (*OWN_DIGESTS, SAVED_SEARCH):
        raise SubscriptionError("not_allowed")
    subscription = Subscription(
        kind=kind, user_id=user.id, email=user.email, created_at=now, covered_until=now
    )
    update(subscription, {"locale": user.locale, **values})
    if kind == SAVED_SEARCH:
        renew_feed(subscription)
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
    subscription = Subscription(kind=PUBLIC, email=email, created_at=now, covered_until=now)
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


def start_following(session: Session, user: User, call_id: int, now: datetime) -> None:
    """`user` follows the call; one with no digest to carry its changes gets the alerts digest,
    daily, in their language (ended, changed or turned on again on the digests page)."""
    follow(session, int(user.id or 0), call_id, now)
    if alerts_digest(session, user) is None and own_digest(session, user) is None:
        turn_on_alerts(session, user, now)


def renew_feed(subscription: Subscription) -> None:
    """A new feed URL for a saved search: the one before stops working."""
    subscription.feed_key = new_token()


def close_feed(subscription: Subscription) -> None:
    """The saved search's feed URL stops working, and no other is made."""
    subscription.feed_key = None


def feed_token(secret: str, subscription: Subscription) -> str | None:
    """The signed token of a saved search's feed URL, the same each time; None without one."""
    if subscription.kind != SAVED_SEARCH or subscription.feed_key is None:
        return None
    return URLSafeSerializer(secret, salt=_salt(FEED)).dumps(
        [subscription.id, subscription.feed_key]
    )


def subscription_for_feed_token(session: Session, secret: str, token: str) -> Subscription | None:
    """The saved search a genuine feed token names, while its URL is the current one and its
    owner an active user; else None."""
    try:
        sub_id, key = URLSafeSerializer(secret, salt=_salt(FEED)).loads(token)
    except (BadSignature, ValueError, TypeError):
        return None
    subscription = session.get(Subscription, sub_id) if isinstance(sub_id, int) else None
    if subscription is None or feed_token(secret, subscription) is None:
        return None
    if not compare_digest(str(subscription.feed_key), str(key)):
        return None  # revoked: a new URL was made since
    owner = session.get(User, subscription.user_id) if subscription.user_id else None
    return subscription if owner is not None and owner.active else None


def remove_unconfirmed(session: Session, now: datetime, days: int) -> int:
    """Remove the public subscriptions not confirmed within `days` of being made; how many."""
    query = delete(Subscription).where(
        col(Subscription.kind) == PUBLIC,
        col(Subscription.confirmed_at).is_(None),
        col(Subscription.created_at) < now - timedelta(days=days),
    )
    return int(session.execute(query).rowcount or 0)  # type: ignore[attr-defined]


def alerts_digest(session: Session, user: User) -> Subscription | None:
    query = select(Subscription).where(
        Subscription.user_id == user.id, Subscription.kind == FOLLOWS
    )
    return session.exec(query).first()


def turn_on_alerts(session: Session, user: User, now: datetime) -> Subscription:
    """The digest of the changes to the calls `user` follows, from now on."""
    subscription = Subscription(
        kind=FOLLOWS,
        user_id=user.id,
        email=user.email,
        locale=user.locale,
        frequency="daily",
        created_at=now,
        covered_until=now,
    )
    session.add(subscription)
    session.flush()
    return subscription


def user_subscriptions(session: Session, user_id: int) -> list[Subscription]:
    """A signed-in user's digests and saved searches, oldest first."""
    query = select(Subscription).where(Subscription.user_id == user_id)
    return list(session.exec(query.order_by(col(Subscription.id))))


def saved_searches(session: Session, user_id: int, query: str) -> list[Subscription]:
    """A user's saved searches of the calls-page query string `query`, oldest first."""
    found = select(Subscription).where(
        Subscription.user_id == user_id,
        Subscription.kind == SAVED_SEARCH,
        Subscription.query == query,
    )
    return list(session.exec(found.order_by(col(Subscription.id))))


def public_subscriptions(session: Session, email: str) -> list[Subscription]:
    """The public subscriptions of an address, confirmed or not, oldest first."""
    query = select(Subscription).where(Subscription.kind == PUBLIC, Subscription.email == email)
    return list(session.exec(query.order_by(col(Subscription.id))))


def subscription_token(secret: str, subscription: Subscription, purpose: str) -> str:
    """A signed token naming one subscription, for an unsubscribe or confirmation link."""
    return _serializer(secret, purpose).dumps([subscription.id, subscription.email])


def subscription_for_token(
    session: Session, secret: str, token: str, purpose: str, max_age: timedelta | None = None
) -> Subscription | None:
    """The subscription a genuine token names (not expired, when `max_age` is given); None
    once it has ended."""
    return _named(session, Subscription, secret, token, purpose, max_age)


def reminders_token(secret: str, user: User) -> str:
    """A signed token naming a user, for the link that stops their deadline reminders."""
    return _serializer(secret, REMINDERS).dumps([user.id, user.email])


def user_for_reminders_token(session: Session, secret: str, token: str) -> User | None:
    return _named(session, User, secret, token, REMINDERS, None)


def _named(
    session: Session,
    model: type[Row],
    secret: str,
    token: str,
    purpose: str,
    max_age: timedelta | None,
) -> Row | None:
    """The row of `model` a genuine token names by id and address."""
    try:
        row_id, email = _serializer(secret, purpose).loads(
            token, max_age=int(max_age.total_seconds()) if max_age else None
        )
    except (BadSignature, ValueError, TypeError):  # SignatureExpired is a BadSignature
        return None
    row = session.get(model, row_id) if isinstance(row_id, int) else None
    # The address too: a row id an ended subscription had may be given to a new one.
    return row if row is not None and row.email == email else None


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
    return URLSafeTimedSerializer(secret, salt=_salt(purpose))


def _salt(purpose: str) -> str:
    return f"radar-subscription-{purpose}"

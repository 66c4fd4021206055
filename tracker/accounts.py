"""People who sign in: users and roles, passwords, login limits, signed links and API tokens."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache
from typing import Literal

from itsdangerous import BadSignature, URLSafeTimedSerializer
from sqlalchemy import delete, func
from sqlmodel import Session, col, select
from werkzeug.security import check_password_hash, generate_password_hash

from tracker.models import Actor, User
from tracker.models_web import LoginAttempt

ROLES = ("admin", "staff", "member")
STAFF_ROLES = ("admin", "staff")  # see every actor
MIN_PASSWORD = 10
LoginResult = Literal["ok", "invalid", "limited"]


@cache
def dummy_hash() -> str:
    """Compared against when the email is unknown, so both cases take the same time; made once
    per process, by the web app as it starts (not by every `radar` command: 0.1 s of scrypt),
    else at the first such sign-in."""
    return generate_password_hash("not a password", method="scrypt")


class AccountError(ValueError):
    """A user cannot be created or changed as asked; the message says why, and `reason` is a
    key the web app tells in the reader's language."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason


@dataclass(frozen=True)
class LoginLimits:
    """Failed sign-ins allowed within the window: per account and address, so one person's
    mistakes never lock out another; and a much higher ceiling per address against spraying."""

    max_failures: int = 5
    max_failures_per_address: int = 100
    window: timedelta = timedelta(minutes=15)


def normalise_email(email: str) -> str:
    return email.strip().lower()


def hash_password(password: str) -> str:
    """A salted scrypt hash of `password`."""
    if len(password) < MIN_PASSWORD:
        raise AccountError("short_password", f"a password needs at least {MIN_PASSWORD} characters")
    return generate_password_hash(password, method="scrypt")


def create_user(
    session: Session,
    email: str,
    role: str,
    *,
    actor_id: int | None = None,
    password: str | None = None,
    name: str | None = None,
    locale: str = "fi",
) -> User:
    """A new user; without a password they sign in only after following an invitation link."""
    email = normalise_email(email)
    if "@" not in email:
        raise AccountError("not_email", f"not an email address: {email!r}")
    if role not in ROLES:
        raise AccountError("unknown_role", f"role must be one of {', '.join(ROLES)}")
    if role == "member" and actor_id is None:
        raise AccountError("member_without_actor", "a member belongs to an actor")
    if actor_id is not None and session.get(Actor, actor_id) is None:
        raise AccountError("no_actor", f"no actor {actor_id} (`radar actors` lists them)")
    if find_user(session, email) is not None:
        raise AccountError("exists", f"a user {email} exists already")
    user = User(email=email, role=role, actor_id=actor_id, name=name, locale=locale)
    if password is not None:
        user.password_hash = hash_password(password)
    session.add(user)
    session.flush()
    return user


def find_user(session: Session, email: str) -> User | None:
    return session.exec(select(User).where(User.email == normalise_email(email))).first()


def set_password(session: Session, user: User, password: str) -> None:
    """A new password; it ends the user's sessions signed in before."""
    user.password_hash = hash_password(password)
    user.session_generation += 1
    session.add(user)


def authenticate(
    session: Session, email: str, password: str, ip: str, now: datetime, limits: LoginLimits
) -> tuple[LoginResult, User | None]:
    """Check a sign-in; failures are counted in the database, so every web worker sees them."""
    email = normalise_email(email)
    since = now - limits.window
    if _limited(session, email, ip, since, limits):
        return "limited", None
    user = find_user(session, email)
    stored = user.password_hash if user and user.active and user.password_hash else None
    if not check_password_hash(stored or dummy_hash(), password) or stored is None:
        session.add(LoginAttempt(email=email, ip=ip, created_at=now))
        return "invalid", None
    assert user is not None
    user.last_login_at = now
    session.add(user)
    session.exec(delete(LoginAttempt).where(LoginAttempt.email == email, LoginAttempt.ip == ip))
    session.exec(delete(LoginAttempt).where(col(LoginAttempt.created_at) < since))
    return "ok", user


def _limited(session: Session, email: str, ip: str, since: datetime, limits: LoginLimits) -> bool:
    recent = col(LoginAttempt.created_at) >= since
    by_pair = select(func.count()).where(LoginAttempt.email == email, LoginAttempt.ip == ip, recent)
    by_ip = select(func.count()).where(LoginAttempt.ip == ip, recent)
    return (
        session.exec(by_pair).one() >= limits.max_failures
        or session.exec(by_ip).one() >= limits.max_failures_per_address
    )


def link_token(secret: str, user: User, purpose: str) -> str:
    """A signed token for an emailed link; it stops working once the password changes."""
    serializer = URLSafeTimedSerializer(secret, salt=f"radar-{purpose}")
    return serializer.dumps({"id": user.id, "pw": _fingerprint(user.password_hash)})


def user_for_link(
    session: Session, secret: str, token: str, purpose: str, max_age: timedelta
) -> User | None:
    """The active user a link token was made for, if it is genuine, unused and not expired."""
    serializer = URLSafeTimedSerializer(secret, salt=f"radar-{purpose}")
    try:
        data = serializer.loads(token, max_age=int(max_age.total_seconds()))
    except BadSignature:  # also SignatureExpired
        return None
    user = session.get(User, data.get("id"))
    if user is None or not user.active or data.get("pw") != _fingerprint(user.password_hash):
        return None
    return user


def _fingerprint(password_hash: str | None) -> str:
    return hashlib.sha256((password_hash or "").encode()).hexdigest()[:16]


def issue_api_token(session: Session, user: User) -> str:
    """A new API token for `user`, replacing any earlier one; only its hash is kept."""
    token = new_token()
    user.api_token_hash = token_digest(token)
    session.add(user)
    return token


def new_token() -> str:
    """A secret that cannot be guessed, for a URL or a header (256 random bits)."""
    return secrets.token_urlsafe(32)


def token_digest(token: str) -> str:
    """What is stored of a secret token: its SHA-256, so a copy of the database reveals none."""
    return hashlib.sha256(token.encode()).hexdigest()


def user_for_api_token(session: Session, token: str) -> User | None:
    digest = token_digest(token)
    user = session.exec(select(User).where(User.api_token_hash == digest)).first()
    return user if user is not None and user.active else None


def list_users(session: Session) -> list[User]:
    return list(session.exec(select(User).order_by(col(User.role), col(User.email))))


def update_user(
    session: Session, user_id: int, *, role: str | None = None, active: bool | None = None
) -> User:
    """Change a user's role or deactivate them (their sessions and API token go with it)."""
    user = session.get(User, user_id)
    if user is None:
        raise AccountError("no_user", f"no user {user_id}")
    if role is not None:
        if role not in ROLES:
            raise AccountError("unknown_role", f"role must be one of {', '.join(ROLES)}")
        if role == "member" and user.actor_id is None:
            raise AccountError("member_without_actor", "a member belongs to an actor")
        user.role = role
    if active is not None:
        if user.active and not active:  # their sessions and API token end with the account
            user.api_token_hash = None
            user.session_generation += 1
        user.active = active
    session.add(user)
    return user

"""What every view needs: the request's database session, settings, today, and access checks."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from functools import wraps
from typing import Any
from urllib.parse import urlsplit

from flask import abort, current_app, g, request, url_for
from flask_login import current_user, login_required
from sqlmodel import Session

from tracker.accounts import STAFF_ROLES
from tracker.config import Settings
from tracker.models import User


def settings() -> Settings:
    return current_app.extensions["radar"]["settings"]


def db() -> Session:
    """One session per request, closed when the request ends."""
    if "db" not in g:
        g.db = Session(current_app.extensions["radar"]["engine"], expire_on_commit=False)
    return g.db


def close_db(_exc: BaseException | None = None) -> None:
    session = g.pop("db", None)
    if session is not None:
        session.close()


def signed_in_user() -> User:
    """The signed-in user's row in this request's session."""
    user = db().get(User, current_user.id)
    assert user is not None
    return user


def secret_key() -> str:
    """The app's secret, which signs the links of emails."""
    return str(current_app.config["SECRET_KEY"])


def today() -> date:
    """Today in the service's time zone: deadlines are Helsinki days."""
    return settings().today()


def is_staff() -> bool:
    return current_user.is_authenticated and current_user.role in STAFF_ROLES


def roles_required(*roles: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Signed in with one of `roles`, else 403 (or the login page when not signed in)."""

    def decorate(view: Callable[..., Any]) -> Callable[..., Any]:
        @wraps(view)
        @login_required
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            if current_user.role not in roles:
                abort(403)
            return view(*args, **kwargs)

        return wrapper

    return decorate


def check_actor_access(actor_id: int) -> None:
    """Staff reach every actor; a member only their own organisation."""
    if not current_user.is_authenticated:
        abort(current_app.login_manager.unauthorized())  # type: ignore[attr-defined]
    if not is_staff() and current_user.actor_id != actor_id:
        abort(403)


def kept(name: str, key: Any, compute: Callable[[], Any]) -> Any:
    """`compute()`, kept by this process under `name` and computed again when `key` changes
    (the state of what it reads, e.g. tracker.dashboard.state)."""
    store = current_app.extensions["radar"].setdefault("kept", {})
    if name not in store or store[name][0] != key:
        store[name] = (key, compute())
    return store[name][1]


def client() -> str:
    """The client's address: the peer's, or the one the configured proxies name (create_app)."""
    return request.remote_addr or "?"


def is_htmx() -> bool:
    return request.headers.get("HX-Request") == "true"


def absolute_url(endpoint: str, **values: Any) -> str:
    """A link for outside the site (an email, a calendar app): on `[web] base_url`, never on
    a host a request named."""
    return settings().web.base_url.rstrip("/") + url_for(endpoint, **values)


def safe_next(target: str | None, fallback: str) -> str:
    """A redirect target on this site only, never another host."""
    if not target:
        return fallback
    parts = urlsplit(target)
    # "//host" and "/\\host" lead browsers to another site.
    foreign = parts.scheme or parts.netloc or "\\" in target or target.startswith("//")
    return fallback if foreign or not target.startswith("/") else target

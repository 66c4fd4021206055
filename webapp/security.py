"""Sign-in sessions, CSRF on every form and htmx request, and the security headers."""

from __future__ import annotations

from dataclasses import dataclass

from flask import Flask, Response
from flask_login import LoginManager, UserMixin
from flask_wtf.csrf import CSRFProtect

from tracker.accounts import dummy_hash
from tracker.models import User
from webapp.i18n import lazy_text as _l
from webapp.web import close_db, db

CSP = "; ".join(
    (
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    )
)
HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "strict-origin-when-cross-origin",
    "Cross-Origin-Opener-Policy": "same-origin",
}


@dataclass
class SignedIn(UserMixin):
    """The signed-in user as views see them, detached from the database session."""

    id: int
    email: str
    name: str | None
    role: str
    actor_id: int | None
    locale: str
    generation: int

    @classmethod
    def of(cls, user: User) -> SignedIn:
        assert user.id is not None
        return cls(
            user.id,
            user.email,
            user.name,
            user.role,
            user.actor_id,
            user.locale,
            user.session_generation,
        )

    def get_id(self) -> str:
        """What the session keeps: the user and their session generation (Flask-Login's
        alternative token), so a new password or a deactivation ends older sessions."""
        return f"{self.id}:{self.generation}"


def init_app(app: Flask) -> None:
    CSRFProtect(app)
    login = LoginManager(app)
    login.login_view = "auth.login"
    login.login_message = _l("Please sign in to see this page.")
    login.session_protection = "basic"
    login.user_loader(_load_user)
    app.teardown_appcontext(close_db)
    app.after_request(_headers)
    dummy_hash()  # before the first sign-in, which would otherwise take longer for an unknown email


def _load_user(session_id: str) -> SignedIn | None:
    """The session's user while active and on the session generation they signed in with."""
    user_id, _, generation = session_id.partition(":")
    user = db().get(User, int(user_id)) if user_id.isdigit() else None
    if user is None or not user.active or generation != str(user.session_generation):
        return None
    return SignedIn.of(user)


def _headers(response: Response) -> Response:
    for name, value in HEADERS.items():
        response.headers.setdefault(name, value)
    if response.mimetype == "text/html":
        response.headers.setdefault("Cache-Control", "no-store")
    return response

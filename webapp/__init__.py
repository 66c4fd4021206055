"""What people see: the Flask app factory."""

from __future__ import annotations

import secrets
from datetime import timedelta
from pathlib import Path
from typing import Any

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from tracker.config import Settings, load_settings
from tracker.db import make_engine, require_current_schema
from tracker.match_index import INDEXES
from webapp.errors import LoggingFlask
from webapp.inputs import CleanRequest


def create_app(settings: Settings, *, engine: Any = None, warm: bool = False) -> Flask:
    """A Flask app for these settings; the engine is made here unless one is given, reading
    SQLite through mmap as every process that serves pages does (tracker.db's `mapped`).

    `warm`, for an app that serves pages: a database whose schema is not the code's stops it
    with the reason, and the calls' match index is built in a thread, so no request fits it.
    """
    app = LoggingFlask(__name__)
    app.request_class = CleanRequest
    web = settings.web
    app.config.update(
        # The key comes only from RADAR_WEB_SECRET_KEY (`radar serve` keeps one under instance/);
        # without it, as in tests, sessions last one process.
        SECRET_KEY=web.secret_key or secrets.token_hex(32),
        PERMANENT_SESSION_LIFETIME=timedelta(minutes=web.session_lifetime_minutes),
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=web.secure_cookies,
        # A form stays valid as long as the session that rendered it.
        WTF_CSRF_TIME_LIMIT=web.session_lifetime_minutes * 60,
    )
    if web.proxies:  # only behind proxies that set these headers: else a client forges them
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=web.proxies, x_proto=web.proxies)  # type: ignore[method-assign]
    engine = engine or make_engine(settings.database.url, mapped=True)
    if warm:
        require_current_schema(engine)  # gunicorn stops with the reason; `radar init` migrates
    app.extensions["radar"] = {"settings": settings, "engine": engine}
    from webapp import errors, explanations, forms, i18n, labels, security
    from webapp.blueprints import register

    i18n.init_app(app, settings)
    explanations.init_app(app)
    labels.init_app(app)
    forms.init_app(app)
    security.init_app(app)
    errors.init_app(app)
    register(app)
    if warm:
        INDEXES.warm(engine, settings, settings.today())
    return app


def app_from_environment() -> Flask:
    """The app for gunicorn: `gunicorn 'webapp:app_from_environment()'`."""
    settings = load_settings()
    if not settings.web.secret_key:
        raise RuntimeError(
            "RADAR_WEB_SECRET_KEY is not set: production signs sessions with a key of its own"
        )
    return create_app(settings, warm=True)


def development_secret(directory: Path) -> str:
    """The development server's session key, made once and kept in `directory/secret_key`
    (readable by its owner alone), so that sessions survive a restart."""
    path = directory / "secret_key"
    if not path.exists():
        directory.mkdir(parents=True, exist_ok=True)
        path.touch(mode=0o600)
        path.write_text(secrets.token_hex(32), encoding="utf-8")
    return path.read_text(encoding="utf-8").strip()

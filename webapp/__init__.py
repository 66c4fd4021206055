"""What people see: the Flask app factory."""

from __future__ import annotations

import secrets
from datetime import timedelta
from typing import Any

from flask import Flask

from tracker.config import Settings, load_settings
from tracker.db import make_engine, require_current_schema
from tracker.match_index import INDEXES


def create_app(settings: Settings, *, engine: Any = None, warm: bool = False) -> Flask:
    """A Flask app for these settings; the engine is made here unless one is given.

    `warm` builds the calls' match index in a thread, so no request of a served app fits it.
    """
    app = Flask(__name__)
    web = settings.web
    app.config.update(
        # The key comes only from RADAR_WEB_SECRET_KEY; without it, sessions last one process.
        SECRET_KEY=web.secret_key or secrets.token_hex(32),
        PERMANENT_SESSION_LIFETIME=timedelta(minutes=web.session_lifetime_minutes),
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=web.secure_cookies,
        # A form stays valid as long as the session that rendered it.
        WTF_CSRF_TIME_LIMIT=web.session_lifetime_minutes * 60,
    )
    app.extensions["radar"] = {
        "settings": settings,
        "engine": engine or make_engine(settings.database.url),
    }
    from webapp import explanations, i18n, security
    from webapp.blueprints import register

    i18n.init_app(app, settings)
    explanations.init_app(app)
    security.init_app(app)
    register(app)
    if warm:
        INDEXES.warm(app.extensions["radar"]["engine"], settings, settings.today())
    return app


def app_from_environment() -> Flask:
    """The app for gunicorn: `gunicorn 'webapp:app_from_environment()'`."""
    settings = load_settings()
    engine = make_engine(settings.database.url)
    require_current_schema(engine)  # gunicorn stops with the reason; `radar init` migrates
    return create_app(settings, engine=engine, warm=True)

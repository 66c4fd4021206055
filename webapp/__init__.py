"""What people see: the Flask app factory."""

from __future__ import annotations

import secrets
from typing import Any

from flask import Flask

from tracker.config import Settings, load_settings
from tracker.db import make_engine


def create_app(settings: Settings, *, engine: Any = None) -> Flask:
    """A Flask app for these settings; the engine is made here unless one is given."""
    app = Flask(__name__)
    # The key comes only from RADAR_WEB_SECRET_KEY; without it, sessions last one process.
    app.config["SECRET_KEY"] = settings.web.secret_key or secrets.token_hex(32)
    app.extensions["radar"] = {
        "settings": settings,
        "engine": engine or make_engine(settings.database.url),
    }
    from webapp.calls import calls

    app.register_blueprint(calls)
    return app


def app_from_environment() -> Flask:
    """The app for gunicorn: `gunicorn 'webapp:app_from_environment()'`."""
    return create_app(load_settings())

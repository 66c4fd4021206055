"""Every blueprint of the app, registered in one place."""

from __future__ import annotations

from flask import Flask


def register(app: Flask) -> None:
    from webapp.actors import actors
    from webapp.admin import admin
    from webapp.api import api
    from webapp.auth import auth
    from webapp.calls import calls
    from webapp.matches import matches
    from webapp.pages import pages
    from webapp.staff import staff

    for blueprint in (calls, auth, admin, actors, matches, staff, pages, api):
        app.register_blueprint(blueprint)

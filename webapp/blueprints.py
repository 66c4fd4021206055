"""Every blueprint of the app, registered in one place."""

from __future__ import annotations

from typing import Any

from flask import Flask
from werkzeug.routing import IntegerConverter

from tracker.models import LARGEST_INTEGER


class RowId(IntegerConverter):
    """A row id in a path (`<id:call_id>`): an id no row can have is a 404, not a database error."""

    def __init__(self, url_map: Any) -> None:
        super().__init__(url_map, min=1, max=LARGEST_INTEGER)


def register(app: Flask) -> None:
    app.url_map.converters["id"] = RowId  # before the rules that use it
    from webapp.actors import actors
    from webapp.admin import admin
    from webapp.api import api
    from webapp.applications import applications
    from webapp.auth import auth
    from webapp.calls import calls
    from webapp.dashboard import region
    from webapp.exports import exports
    from webapp.feeds import feeds
    from webapp.follows import follows
    from webapp.matches import matches
    from webapp.pages import pages
    from webapp.search_feeds import search_feeds
    from webapp.staff import staff
    from webapp.subscribers import subscribers
    from webapp.subscriptions import subscriptions

    for blueprint in (
        calls,
        auth,
        admin,
        actors,
        matches,
        applications,
        staff,
        region,
        pages,
        api,
        exports,
        feeds,
        subscriptions,
        subscribers,
        follows,
        search_feeds,
    ):
        app.register_blueprint(blueprint)

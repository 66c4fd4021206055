"""Fixture chain config -> engine -> session -> app -> client, and the replay server."""

from __future__ import annotations

import os
import shutil
import uuid
from pathlib import Path

import pytest
from sqlalchemy import create_engine, make_url, text
from sqlalchemy.exc import OperationalError
from sqlmodel import Session, SQLModel

from tests.replay import ReplayServer
from tracker.config import load_settings
from tracker.db import make_engine, migrate
from tracker.match_index import INDEXES

SHARED = Path(os.environ.get("RADAR_SHARED", Path(__file__).resolve().parents[1].parent / "shared"))
FIXTURES = SHARED / "fixtures"


@pytest.fixture
def replay_server():
    server = ReplayServer().start()
    yield server
    server.stop()


# --- data layer: every test that takes `engine` runs on SQLite and on PostgreSQL ---

PG_ADMIN_URL = os.environ.get(
    "RADAR_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
IN_CI = os.environ.get("CI", "").lower() == "true"


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory):
    """A migrated SQLite file, copied for each test instead of migrating every time."""
    path = tmp_path_factory.mktemp("db") / "template.db"
    engine = make_engine(f"sqlite:///{path}")
    migrate(engine)
    engine.dispose()
    return path


@pytest.fixture(scope="session")
def pg_database():
    """A fresh PostgreSQL database for this test session, migrated once, dropped at the end."""
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            name = f"radar_test_{uuid.uuid4().hex[:12]}"
            connection.execute(text(f'CREATE DATABASE "{name}"'))
    except OperationalError as exc:
        if IN_CI:
            pytest.fail(f"PostgreSQL is required in CI and unreachable: {exc}")
        pytest.skip(f"PostgreSQL unreachable at {PG_ADMIN_URL}")
    url = make_url(PG_ADMIN_URL).set(database=name).render_as_string(hide_password=False)
    engine = make_engine(url)
    migrate(engine)
    yield engine
    engine.dispose()
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def engine(request, tmp_path, sqlite_template):
    INDEXES.clear()  # each test's database is new, at an address an earlier test may have used
    if request.param == "sqlite":
        path = tmp_path / "radar.db"
        shutil.copyfile(sqlite_template, path)
        engine = make_engine(f"sqlite:///{path}")
        yield engine
        engine.dispose()
        return
    engine = request.getfixturevalue("pg_database")
    yield engine
    empty_postgres(engine)


def empty_postgres(engine) -> None:
    """The session's PostgreSQL database as `radar init` left it, for the next test."""
    tables = ", ".join(f'"{t.name}"' for t in SQLModel.metadata.sorted_tables)
    with engine.begin() as connection:
        connection.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))


@pytest.fixture
def session(engine):
    with Session(engine, expire_on_commit=False) as session:
        yield session


@pytest.fixture
def settings(tmp_path, engine):
    """Settings of the committed config.toml, pointed at the test database."""
    settings = load_settings(env={})
    settings.database.url = engine.url.render_as_string(hide_password=False)
    return settings


# --- web: the app on the test database, with CSRF on as in production ---


@pytest.fixture(scope="session")
def catalogs():
    """Compiled translations, as `make install` builds them."""
    from webapp.i18n import compile_catalogs

    compile_catalogs()


@pytest.fixture
def app(settings, engine, catalogs):
    from webapp import create_app

    app = create_app(settings, engine=engine)
    app.config.update(TESTING=True)
    return app


@pytest.fixture
def client(app):
    return app.test_client()

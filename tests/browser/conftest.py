"""A real server thread on a real SQLite database, and Debian's Chromium driven by Playwright."""

from __future__ import annotations

import os
import shutil
import threading
from pathlib import Path

import pytest
from sqlmodel import Session, select
from werkzeug.serving import make_server

from tests.conftest import SHARED
from tests.live import free_port
from tests.webapp.conftest import Inbox, add_matches, smtp_server
from tracker.accounts import create_user
from tracker.config import load_settings
from tracker.db import make_engine
from tracker.demo import load_recordings, load_region_actors
from tracker.models import Actor, Call

CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
PASSWORD = "correct horse battery"
TELESTE = "TELESTE INFORMATION SOLUTIONS OY"  # a Kanta-Häme organisation of the CORDIS file


@pytest.fixture(scope="module")
def mailbox():
    """A real SMTP server on localhost that the served app sends its mail to."""
    port = free_port()
    with smtp_server(Inbox(), port) as inbox:
        yield inbox, port


@pytest.fixture(scope="module")
def site(served):
    """The served app's address."""
    return served[0]


@pytest.fixture(scope="module")
def served(tmp_path_factory, sqlite_template, catalogs, mailbox):
    """The app served on a free port, on the data `make run` loads without a network (every
    recording, the Kanta-Häme organisations of CORDIS with their matches), with two more
    actors and a user of each kind; its address and the app."""
    path = tmp_path_factory.mktemp("browser") / "radar.db"
    shutil.copyfile(sqlite_template, path)
    engine = make_engine(f"sqlite:///{path}")
    settings = load_settings(env={})
    settings.database.url = f"sqlite:///{path}"
    settings.mail.host, settings.mail.port = "127.0.0.1", mailbox[1]
    assert all(run.ok for run in load_recordings(engine, settings, SHARED))
    assert load_region_actors(engine, settings, SHARED)[1].ok
    with Session(engine, expire_on_commit=False) as session:
        kone = Actor(name="Hämeen Kone Oy", municipality="Hämeenlinna")
        ruoka = Actor(name="Forssan Ruoka ry", organisation_type="ngo", municipality="Forssa")
        session.add_all([kone, ruoka])
        session.flush()
        teleste = session.exec(select(Actor).where(Actor.name == TELESTE)).one()
        create_user(session, "member@kone.example", "member", actor_id=kone.id, password=PASSWORD)
        create_user(
            session, "member@teleste.example", "member", actor_id=teleste.id, password=PASSWORD
        )
        create_user(session, "staff@hameenliitto.example", "staff", password=PASSWORD)
        create_user(session, "admin@hameenliitto.example", "admin", password=PASSWORD)
        session.commit()
        # The company's matches come from the real matcher once its profile is complete.
        cascade = session.exec(select(Call).where(Call.identifier == "FSTP-11143")).one()
        add_matches(session, ruoka, [cascade])
    from webapp import create_app

    app = create_app(settings, engine=engine)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}", app
    server.shutdown()
    thread.join(timeout=5)
    engine.dispose()


@pytest.fixture(scope="module")
def browser():
    if not Path(CHROMIUM).exists():
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"{CHROMIUM} is required in CI (make browser installs it)")
        pytest.skip(f"{CHROMIUM} missing: run `make browser`")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser):
    """A fresh browser page that fails the test on any CSP violation or script error."""
    context = browser.new_context(locale="fi-FI", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    problems: list[str] = []
    page.on("pageerror", lambda error: problems.append(str(error)))
    page.on(
        "console",
        lambda message: problems.append(message.text) if message.type == "error" else None,
    )
    yield page
    context.close()
    assert problems == []


def shot(page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def sign_in(page, site: str, email: str, password: str = PASSWORD) -> None:
    page.goto(f"{site}/login")
    page.get_by_label("Sähköposti").fill(email)
    page.get_by_label("Salasana").fill(password)
    page.get_by_role("button", name="Kirjaudu").click()
    page.wait_for_url(f"{site}/")

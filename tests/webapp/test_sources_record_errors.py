"""A drifted source run, ingested for real, shows its left-out records on the sources page."""

from __future__ import annotations

import json
from datetime import date

from tests.tracker.helpers import FEED_FILE
from tests.tracker.test_bounds import beyond_bounds
from tests.tracker.test_no_silent_loss import drifted
from tests.webapp.conftest import csrf, sign_in
from tracker.jobs import ingest_files


def test_record_errors_of_a_failed_run_are_on_the_sources_page(
    client, engine, settings, people, tmp_path
):
    data = json.loads(FEED_FILE.read_bytes())
    for grant in data["grants"]:
        if grant.get("budget") is not None:
            grant["budget"] = json.dumps(grant["budget"])
    path = tmp_path / "drifted.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    run = ingest_files(engine, settings, "eu_grants_feed", [path], today=date(2026, 9, 1))
    assert not run.ok

    sign_in(client, "staff@hameenliitto.example")
    finnish = client.get("/staff/sources").get_data(as_text=True)
    token = csrf(client, "/staff/sources")
    client.post("/language", data={"locale": "en", "next": "/", "csrf_token": token})
    english = client.get("/staff/sources").get_data(as_text=True)
    assert "Records left out by the last runs" in english
    assert (
        "<td>50129698TOPICSen</td><td><code>budget</code></td><td>unexpected type</td>" in english
    )
    assert "615 records could not be read, more than the share allowed" in english
    assert "565 more not shown" in english  # 50 listed of the 615 kept with the run
    assert (
        "<td>50129698TOPICSen</td><td><code>budget</code></td><td>odottamaton tyyppi</td>"
        in finnish
    )
    assert "Viimeisistä ajoista pois jätetyt tietueet" in finnish


def test_texts_cut_and_keys_too_long_are_on_the_sources_page(
    client, engine, settings, people, tmp_path
):
    path = drifted(tmp_path, FEED_FILE, beyond_bounds)
    assert ingest_files(engine, settings, "eu_grants_feed", [path], today=date(2026, 9, 1)).ok
    sign_in(client, "staff@hameenliitto.example")
    finnish = client.get("/staff/sources").get_data(as_text=True)
    token = csrf(client, "/staff/sources")
    client.post("/language", data={"locale": "en", "next": "/", "csrf_token": token})
    english = client.get("/staff/sources").get_data(as_text=True)
    cut = "<td><code>title</code></td><td>too long: cut, the record kept</td>"
    assert cut in english and "<td><code>identifier</code></td><td>too long</td>" in english
    assert (
        "<td><code>title</code></td><td>liian pitkä: lyhennetty, tietue tallennettu</td>" in finnish
    )


def test_members_do_not_see_the_sources_page(client, people):
    sign_in(client, "member@kone.example")
    assert client.get("/staff/sources").status_code in (403, 404)

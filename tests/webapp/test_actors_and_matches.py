"""Actor profiles, matches and triage: members reach only their own organisation."""

from sqlmodel import select

from tests.webapp.conftest import add_matches, csrf, post_verdict, rescore, sign_in
from tracker.models import Actor, ActorProject, Feedback

PROFILE = {
    "name": "Hämeen Kone Oy",
    "business_id": "0112038-9",
    "pic": "999999999",
    "organisation_type": "small",
    "municipality": "Hämeenlinna",
    "nuts3": "FI1C2",
    "country": "FI",
    "industry_codes": "28990 TOL2008\n62010 TOL2025",
    "themes": ["circular_economy", "smart_services"],
    "keywords": "robotics, recycling",
    "description": "Robots that sort construction waste.",
    "programmes": "Horizon Europe, LIFE",
    "preferred_role": "partner",
    "budget_min_eur": "100000",
    "budget_max_eur": "2000000",
    "cofinancing_eur": "150000",
    "contacts": "Maija Meikäläinen; maija@kone.example; +358 40 123 4567",
}


def test_member_completes_the_profile(client, session, people):
    sign_in(client, "member@kone.example")
    actor_id = people["actor"].id
    url = f"/actors/{actor_id}/edit"
    response = client.post(url, data={**PROFILE, "csrf_token": csrf(client, url)})
    assert response.status_code == 302
    session.expire_all()
    actor = session.get(Actor, actor_id)
    assert actor.industry_codes == [
        {"code": "28990", "version": "TOL2008"},
        {"code": "62010", "version": "TOL2025"},
    ]
    assert actor.themes == ["circular_economy", "smart_services"]
    assert actor.contacts == [
        {"name": "Maija Meikäläinen", "email": "maija@kone.example", "phone": "+358 40 123 4567"}
    ]
    assert (actor.budget_min_eur, actor.budget_max_eur, actor.preferred_role) == (
        100000,
        2000000,
        "partner",
    )
    page = client.get(f"/actors/{actor_id}").get_data(as_text=True)
    assert "Robots that sort construction waste." in page
    # The form comes back filled with what was saved.
    again = client.get(url).get_data(as_text=True)
    assert (
        "28990 TOL2008" in again
        and "Maija Meikäläinen; maija@kone.example; +358 40 123 4567" in again
    )


def test_validation_errors_sit_next_to_their_field(client, people):
    sign_in(client, "member@kone.example")
    url = f"/actors/{people['actor'].id}/edit"
    bad = {**PROFILE, "business_id": "0112038-8", "budget_max_eur": "10", "industry_codes": "62010"}
    page = client.post(url, data={**bad, "csrf_token": csrf(client, url)}).get_data(as_text=True)
    assert 'id="business_id-error"' in page and "Virheellinen Y-tunnus" in page
    assert 'aria-describedby="business_id-hint business_id-error"' in page
    assert 'id="budget_max_eur-error"' in page
    assert 'id="industry_codes-error"' in page
    assert 'id="name-error"' not in page


def test_past_projects_are_listed(client, session, people):
    session.add(
        ActorProject(
            actor_id=people["actor"].id,
            project_id="101056875",
            acronym="ROBOSORT",
            title="Robotic sorting of waste",
            call_year=2022,
            ec_contribution_eur=450000,
        )
    )
    session.commit()
    sign_in(client, "member@kone.example")
    page = client.get(f"/actors/{people['actor'].id}").get_data(as_text=True)
    assert "ROBOSORT" in page and "Robotic sorting of waste" in page


def test_a_member_cannot_reach_another_organisation(client, session, people, calls):
    add_matches(session, people["other_actor"], [calls["HORIZON-CL5-2026-09-D4-03"]])
    sign_in(client, "member@kone.example")
    other = people["other_actor"].id
    assert client.get(f"/actors/{other}").status_code == 403
    assert client.get(f"/actors/{other}/edit").status_code == 403
    assert client.get(f"/actors/{other}/matches").status_code == 403
    token = csrf(client, "/")
    call_id = calls["HORIZON-CL5-2026-09-D4-03"].id
    assert post_verdict(client, other, call_id, "applied", token).status_code == 403
    assert client.get("/actors/").status_code == 403
    assert client.get("/actors/new").status_code == 403
    assert client.get("/staff/").status_code == 403
    assert client.get("/staff/sources").status_code == 403


def test_staff_create_actors_and_see_all(client, session, people):
    sign_in(client, "staff@hameenliitto.example")
    listing = client.get("/actors/").get_data(as_text=True)
    assert "Hämeen Kone Oy" in listing and "Forssan Ruoka ry" in listing
    data = {
        **PROFILE,
        "name": "Riihimäen Lasi Oy",
        "business_id": "",
        "csrf_token": csrf(client, "/actors/new"),
    }
    assert client.post("/actors/new", data=data).status_code == 302
    assert session.exec(select(Actor).where(Actor.name == "Riihimäen Lasi Oy")).one()
    duplicate = {**PROFILE, "name": "Copy", "csrf_token": csrf(client, "/actors/new")}
    client.post(
        f"/actors/{people['actor'].id}/edit",
        data={**PROFILE, "csrf_token": csrf(client, "/actors/new")},
    )
    page = client.post("/actors/new", data=duplicate).get_data(as_text=True)
    assert 'id="business_id-error"' in page


def test_matches_ranked_with_reasons_and_components(client, session, people, calls):
    ordered = [calls["HORIZON-CL5-2026-09-D4-03"], calls["FSTP-11143"], calls["FSTP-11265"]]
    add_matches(session, people["actor"], ordered)
    sign_in(client, "member@kone.example")
    page = client.get(f"/actors/{people['actor'].id}/matches").get_data(as_text=True)
    positions = [page.index(f'id="match-{call.id}"') for call in ordered]
    assert positions == sorted(positions)
    assert "Pisteet 90 / 100" in page
    assert "Pisteiden osuudet: Teksti 60\u00a0%, teemat 20\u00a0%, aika 10\u00a0%" in page
    english = client.get(f"/actors/{people['actor'].id}/matches", headers={"Cookie": "lang=en"})
    assert "Teksti 60" in english.get_data(as_text=True)  # the user's choice (fi) wins


def test_triage_updates_in_place_and_not_relevant_disappears(
    client, session, settings, people, calls
):
    scored = rescore(session, settings, people["actor"])  # the real matcher, on the open calls
    assert len(scored) >= 2 and scored[0].evidence["points"]
    first, second = scored[0].call_id, scored[1].call_id
    sign_in(client, "member@kone.example")
    actor_id = people["actor"].id
    headers = {"HX-Request": "true", "X-CSRFToken": csrf(client, "/")}
    relevant = client.post(
        f"/actors/{actor_id}/matches/{first}/feedback",
        data={"verdict": "relevant"},
        headers=headers,
    )
    fragment = relevant.get_data(as_text=True)
    assert fragment.strip().startswith(f'<li class="match" id="match-{first}"')
    assert "Merkitty kiinnostavaksi" in fragment
    # Screen readers hear what happened to the row, not that it was removed.
    assert ">Haku merkittiin kiinnostavaksi.</div>" in fragment and "poistettiin" not in fragment
    gone = client.post(
        f"/actors/{actor_id}/matches/{second}/feedback",
        data={"verdict": "not_relevant", "reason": "eligibility"},
        headers=headers,
    )
    assert 'hx-swap-oob="true"' in gone.get_data(as_text=True)
    assert "merkittiin epäkiinnostavaksi ja poistettiin listalta" in gone.get_data(as_text=True)
    assert f'id="match-{second}"' not in gone.get_data(as_text=True)
    page = client.get(f"/actors/{actor_id}/matches").get_data(as_text=True)
    assert f'id="match-{second}"' not in page and f'id="match-{first}"' in page
    verdicts = session.exec(select(Feedback.verdict, Feedback.reason).order_by(Feedback.id)).all()
    assert verdicts == [("relevant", None), ("not_relevant", "eligibility")]
    # Without htmx the same form posts and comes back to the list.
    plain = post_verdict(client, actor_id, first, "applied", headers["X-CSRFToken"])
    assert plain.status_code == 302


def test_feedback_on_an_unmatched_call_is_404(client, people, calls):
    sign_in(client, "member@kone.example")
    token = csrf(client, "/")
    call_id = calls["FSTP-11143"].id
    assert post_verdict(client, people["actor"].id, call_id, "relevant", token).status_code == 404

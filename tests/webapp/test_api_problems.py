"""Every error of the JSON API is RFC 9457 problem details, never an HTML page."""

from __future__ import annotations

from tracker.accounts import issue_api_token

PROBLEM = "application/problem+json"


def _problem(response, status: int) -> dict:
    assert response.status_code == status and response.mimetype == PROBLEM, response.data[:200]
    body = response.get_json(force=True)
    assert body["status"] == status and body["type"] == "about:blank"
    assert body["title"] and body["detail"]
    return body


def test_api_errors_are_problem_details(app, client, session, people, calls, monkeypatch):
    member = {"Authorization": f"Bearer {issue_api_token(session, people['member'])}"}
    session.commit()
    unsigned = client.get("/api/calls")
    assert _problem(unsigned, 401)["title"] == "Unauthorized"
    assert unsigned.headers["WWW-Authenticate"] == "Bearer"
    other = people["other_actor"].id
    assert (
        "own organisation"
        in _problem(client.get(f"/api/actors/{other}/matches", headers=member), 403)["detail"]
    )
    assert _problem(client.get("/api/calls/999999", headers=member), 404)["detail"] == (
        "No such call."
    )
    _problem(client.get("/api/calls/99999999999999999999", headers=member), 404)
    _problem(client.get("/api/no-such-thing", headers=member), 404)
    not_allowed = client.post("/api/calls", headers=member)
    _problem(not_allowed, 405)
    assert "GET" in not_allowed.headers["Allow"]
    # The pages keep their own error page.
    assert client.get("/no-such-page").mimetype == "text/html"

    def crash(*_args, **_kwargs):
        raise RuntimeError("the database went away")

    monkeypatch.setattr("webapp.api.search_calls", crash)
    app.config["PROPAGATE_EXCEPTIONS"] = False  # as in production: the crash is answered
    crashed = _problem(client.get("/api/calls", headers=member), 500)
    assert "database" not in crashed["detail"]  # nothing of the inside is told


def test_the_openapi_document_declares_the_problems(client):
    document = client.get("/api/openapi.json").get_json()
    assert "Problem" in document["components"]["schemas"]
    calls = document["paths"]["/api/calls"]["get"]["responses"]
    assert {"200", "400", "401", "500"} <= set(calls)
    assert PROBLEM in calls["400"]["content"]
    matches = document["paths"]["/api/actors/{actor_id}/matches"]["get"]["responses"]
    assert {"403", "404"} <= set(matches)
    page = next(
        p for p in document["paths"]["/api/calls"]["get"]["parameters"] if p["name"] == "page"
    )
    assert page["schema"] == {"type": "integer", "minimum": 1, "maximum": 100_000}

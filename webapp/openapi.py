"""The OpenAPI 3.1 description of the JSON API, served at /api/openapi.json."""

from __future__ import annotations

from typing import Any

from tracker.matching import VERDICTS

FILTERS = (
    ("q", "string", "Search words, each must occur in the title, identifier or description"),
    ("programme", "string", "Programme, as stored (e.g. Horizon Europe)"),
    (
        "status",
        "string",
        "current (open or forthcoming, the default), open, forthcoming, closed, or empty for any; computed for today for a new applicant (a two-stage call closes after stage 1)",
    ),
    (
        "deadline_from",
        "string",
        "A new applicant's next deadline on or after this date (YYYY-MM-DD)",
    ),
    (
        "deadline_to",
        "string",
        "A new applicant's next deadline on or before this date (YYYY-MM-DD)",
    ),
    ("theme", "string", "Smart Häme theme"),
    ("type_of_action", "string", "Type of action, as stored"),
    ("source", "string", "Source name, e.g. ft_search"),
    ("budget_min", "integer", "Budget at least (EUR)"),
    ("budget_max", "integer", "Budget at most (EUR)"),
    ("eligible", "boolean", "Only calls the token owner's organisation is eligible for (y)"),
    ("sort", "string", "deadline, newest, budget or relevance"),
    ("page", "integer", "Page number, from 1"),
    ("page_size", "integer", "Calls per page, at most 200"),
)
CALL = {
    "type": "object",
    "properties": {
        "id": {"type": "integer"},
        "identifier": {"type": "string"},
        "title": {"type": "string"},
        "programme": {"type": ["string", "null"]},
        "status": {"type": "string", "enum": ["forthcoming", "open", "closed"]},
        "next_deadline": {
            "type": ["string", "null"],
            "description": "A new applicant's deadline: stage 1 of a two-stage call, the first "
            "cut-off leaving the preparation time, else the next one",
        },
        "deadlines": {"type": "array", "items": {"type": "string"}},
        "opening_date": {"type": ["string", "null"]},
        "budget_eur": {"type": ["integer", "null"]},
        "type_of_action": {"type": ["string", "null"]},
        "themes": {"type": "array", "items": {"type": "string"}},
        "url": {"type": ["string", "null"]},
        "link": {"type": "string"},
    },
}
MATCH = {
    "type": "object",
    "properties": {
        "call": {"$ref": "#/components/schemas/Call"},
        "score": {"type": "number"},
        "components": {"type": "object", "description": "Each component's value, 0 to 1"},
        "evidence": {
            "type": "object",
            "description": "What the score rests on: `points` (each component's signed points "
            "of the 0-100 score), shared `words`, chosen `themes` with their own `terms`, "
            "similar `projects`, `deadline` (YYYY-MM-DD) and more",
        },
        "explanation_fi": {"type": "string", "description": "Told in Finnish today"},
        "explanation_en": {"type": "string", "description": "Told in English today"},
        "verdict": {
            "type": ["string", "null"],
            "enum": [*VERDICTS, None],
        },
    },
}


def _ok(schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {
        "200": {"description": description, "content": {"application/json": {"schema": schema}}},
        "401": {"description": "No valid API token"},
    }


def openapi_document() -> dict[str, Any]:
    """The API's description; the paths and filters are the ones webapp/api.py serves."""
    parameters = [
        {
            "name": name,
            "in": "query",
            "required": False,
            "schema": {"type": kind},
            "description": text,
        }
        for name, kind, text in FILTERS
    ]
    page = {
        "type": "object",
        "properties": {
            "total": {"type": "integer"},
            "page": {"type": "integer"},
            "pages": {"type": "integer"},
            "page_size": {"type": "integer"},
            "calls": {"type": "array", "items": {"$ref": "#/components/schemas/Call"}},
        },
    }
    matches = {
        "type": "object",
        "properties": {
            "total": {"type": "integer"},
            "matches": {"type": "array", "items": {"$ref": "#/components/schemas/Match"}},
        },
    }
    call_id = {"name": "call_id", "in": "path", "required": True, "schema": {"type": "integer"}}
    actor_id = {"name": "actor_id", "in": "path", "required": True, "schema": {"type": "integer"}}
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Häme Funding Radar API",
            "version": "1",
            "description": "EU funding calls and the matches of Kanta-Häme actors. "
            "Create a token on the account page and send it as `Authorization: Bearer TOKEN`.",
        },
        "security": [{"bearer": []}],
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
            "schemas": {"Call": CALL, "Match": MATCH},
        },
        "paths": {
            "/api/calls": {
                "get": {
                    "summary": "Search calls",
                    "parameters": parameters,
                    "responses": _ok(page, "A page of calls"),
                }
            },
            "/api/calls/{call_id}": {
                "get": {
                    "summary": "One call with its texts and eligibility",
                    "parameters": [call_id],
                    "responses": {
                        **_ok({"$ref": "#/components/schemas/Call"}, "The call"),
                        "404": {"description": "No such call"},
                    },
                }
            },
            "/api/actors/{actor_id}/matches": {
                "get": {
                    "summary": "An actor's matches, best first (members: their own actor only)",
                    "parameters": [actor_id],
                    "responses": {
                        **_ok(matches, "The matches"),
                        "403": {"description": "Another organisation's actor"},
                        "404": {"description": "No such actor"},
                    },
                }
            },
        },
    }

"""The OpenAPI 3.1 description of the JSON API, served at /api/openapi.json."""

from __future__ import annotations

from typing import Any

from wtforms import Field
from wtforms.validators import Length, NumberRange

from tracker.matching import VERDICTS
from tracker.models import LARGEST_INTEGER
from tracker.search import CURRENT, SORTS, STATUSES
from webapp.forms import CallSearchForm
from webapp.problems import PROBLEM_TYPE

# What each filter of the calls page means; its type and bounds are read from the form.
FILTERS = {
    "q": "Search words, each must occur in the title, identifier, description or keywords "
    "(Finnish by base form or English meaning, English by stem); or the start of identifiers",
    "programme": "Programme, as stored (e.g. Horizon Europe); another value is a 400",
    "status": "current (open or forthcoming, the default), open, forthcoming, closed, or empty "
    "for any; computed for today for a new applicant (a two-stage call closes after stage 1)",
    "deadline_from": "A new applicant's next deadline on or after this date (YYYY-MM-DD)",
    "deadline_to": "A new applicant's next deadline on or before this date (YYYY-MM-DD)",
    "theme": "Smart Häme theme",
    "type_of_action": "Type of action, as stored; another value is a 400",
    "source": "Source name, e.g. ft_search, among those stored; another value is a 400",
    "budget_min": "Budget at least (EUR)",
    "budget_max": "Budget at most (EUR)",
    "eligible": "Only calls the token owner's organisation is eligible for (y)",
    "sort": "deadline, newest, budget or relevance",
    "page": "Page number, from 1",
    "page_size": "Calls per page",
}
ENUMS = {"status": [CURRENT, "", *STATUSES], "sort": list(SORTS)}
TYPES = {"IntegerField": "integer", "BooleanField": "boolean"}
PROBLEM = {
    "type": "object",
    "description": "RFC 9457 problem details",
    "required": ["type", "title", "status", "detail"],
    "properties": {
        "type": {"type": "string"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "request_id": {
            "type": "string",
            "description": "Of a server failure: the id it is logged under (X-Request-ID)",
        },
        "errors": {
            "type": "array",
            "description": "Each query parameter not understood, with the reason",
            "items": {
                "type": "object",
                "required": ["field", "detail"],
                "properties": {"field": {"type": "string"}, "detail": {"type": "string"}},
            },
        },
    },
}
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


def _problem(description: str) -> dict[str, Any]:
    schema = {"$ref": "#/components/schemas/Problem"}
    return {"description": description, "content": {PROBLEM_TYPE: {"schema": schema}}}


def _responses(
    schema: dict[str, Any], description: str, errors: dict[str, str] | None = None
) -> dict[str, Any]:
    """The answer and the errors ({status code: description}) of an operation."""
    every = {"401": "No valid API token", **(errors or {}), "500": "The server failed"}
    return {
        "200": {"description": description, "content": {"application/json": {"schema": schema}}},
        **{code: _problem(text) for code, text in every.items()},
    }


def _schema(field: Field) -> dict[str, Any]:
    """A filter's JSON schema, from the form field that reads it."""
    schema: dict[str, Any] = {"type": TYPES.get(field.type, "string")}
    if field.type == "DateField":
        schema["format"] = "date"
    if field.name in ENUMS:
        schema["enum"] = ENUMS[field.name]
    for check in field.validators:
        if isinstance(check, NumberRange):
            schema.update(minimum=check.min, maximum=check.max)
        if isinstance(check, Length):
            schema["maxLength"] = check.max
    return schema


def _id(name: str) -> dict[str, Any]:
    schema = {"type": "integer", "minimum": 1, "maximum": LARGEST_INTEGER}
    return {"name": name, "in": "path", "required": True, "schema": schema}


def openapi_document() -> dict[str, Any]:
    """The API's description; the paths and filters are the ones webapp/api.py serves."""
    form = CallSearchForm()
    parameters = [
        {
            "name": name,
            "in": "query",
            "required": False,
            "schema": _schema(form[name]),
            "description": text,
        }
        for name, text in FILTERS.items()
    ]
    page = {
        "type": "object",
        "properties": {
            "total": {"type": "integer"},
            "page": {"type": "integer"},
            "pages": {"type": "integer"},
            "page_size": {"type": "integer"},
            "unsearched": {
                "type": "string",
                "description": "`q` when it holds nothing to search for (punctuation, stop "
                "words only): the calls are those of the other filters; else empty",
            },
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
            "schemas": {"Call": CALL, "Match": MATCH, "Problem": PROBLEM},
        },
        "paths": {
            "/api/calls": {
                "get": {
                    "summary": "Search calls",
                    "parameters": parameters,
                    "responses": _responses(
                        page, "A page of calls", {"400": "A filter not understood, named"}
                    ),
                }
            },
            "/api/calls/{call_id}": {
                "get": {
                    "summary": "One call with its texts and eligibility",
                    "parameters": [_id("call_id")],
                    "responses": _responses(
                        {"$ref": "#/components/schemas/Call"}, "The call", {"404": "No such call"}
                    ),
                }
            },
            "/api/actors/{actor_id}/matches": {
                "get": {
                    "summary": "An actor's matches, best first (members: their own actor only)",
                    "parameters": [_id("actor_id")],
                    "responses": _responses(
                        matches,
                        "The matches",
                        {"403": "Another organisation's actor", "404": "No such actor"},
                    ),
                }
            },
        },
    }

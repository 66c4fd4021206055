"""Errors of the JSON API as RFC 9457 problem details, never an HTML page."""

from __future__ import annotations

from typing import Any

from flask import Response, current_app, json, request
from werkzeug.exceptions import HTTPException
from werkzeug.http import HTTP_STATUS_CODES

PROBLEM_TYPE = "application/problem+json"
API_PREFIX = "/api/"


def is_api_request() -> bool:
    return request.path.startswith(API_PREFIX)


def problem(status: int, detail: str, **extensions: Any) -> Response:
    """A problem details response: type, title, status and detail, and any extensions."""
    body = {
        "type": "about:blank",  # the status code says it all; `title` is its phrase
        "title": HTTP_STATUS_CODES.get(status, "Error"),
        "status": status,
        "detail": detail,
        **extensions,
    }
    return current_app.response_class(json.dumps(body), status=status, mimetype=PROBLEM_TYPE)


def field_problem(errors: dict[str, list[Any]]) -> Response:
    """A 400 naming each field not understood, with its reasons."""
    items = [
        {"field": name, "detail": " ".join(str(m) for m in messages)}
        for name, messages in errors.items()
    ]
    detail = "; ".join(f"{item['field']}: {item['detail']}" for item in items)
    return problem(400, f"Not understood: {detail}", errors=items)


def http_problem(error: HTTPException, **extensions: Any) -> Response:
    """An HTTP error (401, 403, 404, 405, 429, 500 and the others) as problem details."""
    code = error.code or 500
    detail = error.description or HTTP_STATUS_CODES.get(code, "Error")
    response = problem(code, detail, **extensions)
    headers = dict(error.get_headers())
    for name in ("Allow", "Retry-After", "WWW-Authenticate"):
        if name in headers:
            response.headers[name] = headers[name]
    return response

"""Error pages of the service's own, in the user's language; a crash logged under a request id
that its page shows. Under /api/ the same errors are problem details (webapp.problems)."""

from __future__ import annotations

import secrets
from typing import Any

from flask import Flask, Response, g, render_template, request
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from webapp.problems import http_problem, is_api_request

REQUEST_ID_HEADER = "X-Request-ID"


def init_app(app: Flask) -> None:
    app.after_request(_tag)
    app.register_error_handler(CSRFError, _csrf)
    # Every HTTP error, and a crash as a 500 (its InternalServerError carries the exception).
    app.register_error_handler(HTTPException, _error)


def request_id() -> str:
    """This request's id: in the X-Request-ID header of every answer, and on a 500's page."""
    if "request_id" not in g:
        g.request_id = secrets.token_hex(6)
    return str(g.request_id)


def _tag(response: Response) -> Response:
    response.headers[REQUEST_ID_HEADER] = request_id()
    return response


class LoggingFlask(Flask):
    """Flask whose log line of a crash names the request id that the error page shows."""

    def log_exception(self, exc_info: Any) -> None:
        self.logger.error(
            "request %s: %s %s failed",
            request_id(),
            request.method,
            request.path,
            exc_info=exc_info,
        )


def _error(error: HTTPException) -> Any:
    failed = {"request_id": request_id()} if (error.code or 500) >= 500 else {}
    if is_api_request():
        return http_problem(error, **failed)
    return _page(error)


def _csrf(_error: CSRFError) -> tuple[str, int]:
    message = _("The form had expired or came from elsewhere. Reload the page and send it again.")
    return render_template("error.html", code=400, message=message), 400


def _page(error: HTTPException) -> tuple[str, int]:
    code = error.code or 500
    # A view's own reason (abort(400, reason)) is shown; Werkzeug's generic English one is not.
    message = error.description if error.description != type(error).description else None
    failed = request_id() if code >= 500 else None
    return render_template("error.html", code=code, message=message, request_id=failed), code

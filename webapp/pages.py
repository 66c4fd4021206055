"""The about page and the language switch."""

from __future__ import annotations

from flask import Blueprint, make_response, redirect, render_template, request, url_for
from flask_login import current_user
from werkzeug.wrappers import Response

from tracker.models import User
from webapp.forms import LanguageForm
from webapp.i18n import LOCALE_COOKIE
from webapp.web import db, safe_next, settings

pages = Blueprint("pages", __name__)


@pages.get("/about")
def about() -> str:
    """What the service is, and the programmes' contacts from config."""
    return render_template("pages/about.html", about=settings().about)


@pages.post("/language")
def language() -> Response:
    """Switch the language; remembered in a cookie and in the signed-in user's account."""
    form = LanguageForm()
    target = safe_next(request.form.get("next"), url_for("calls.index"))
    response = make_response(redirect(target))
    if form.validate_on_submit():
        locale = form.locale.data
        response.set_cookie(
            LOCALE_COOKIE, locale, max_age=365 * 24 * 3600, samesite="Lax", httponly=True
        )
        if current_user.is_authenticated:
            session = db()
            user = session.get(User, current_user.id)
            user.locale = locale
            session.commit()
    return response

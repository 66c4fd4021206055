"""Signing in and out, password links by email, and the account page with its API token."""

from __future__ import annotations

from datetime import timedelta

from flask import (
    Blueprint,
    abort,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user
from werkzeug.wrappers import Response

from tracker.accounts import (
    LoginLimits,
    authenticate,
    find_user,
    issue_api_token,
    link_token,
    set_password,
    user_for_link,
)
from tracker.feeds import USER_FEEDS, find_feed
from tracker.mailer import MailStatus, mail_limited, send_email
from tracker.models import User, utcnow
from webapp.forms import ActionForm, ChangePasswordForm, ForgotForm, LoginForm, SetPasswordForm
from webapp.security import SignedIn
from webapp.web import absolute_url, client, db, is_staff, safe_next, secret_key, settings

auth = Blueprint("auth", __name__)
PURPOSES = ("reset", "invite")


@auth.route("/login", methods=["GET", "POST"])
def login() -> str | Response | tuple[str, int]:
    """Sign in; failures per account and address are limited across all workers."""
    form = LoginForm()
    if request.method == "GET":
        form.next.data = request.args.get("next", "")
    if not form.validate_on_submit():
        return render_template("auth/login.html", form=form)
    session_db = db()
    result, user = authenticate(
        session_db, form.email.data, form.password.data, client(), utcnow(), _login_limits()
    )
    session_db.commit()
    if result == "limited":
        form.email.errors = [_("Too many failed attempts. Please wait and try again later.")]
        return render_template("auth/login.html", form=form), 429
    if user is None:
        form.password.errors = [_("Wrong email or password.")]
        return render_template("auth/login.html", form=form), 401
    session.clear()  # a fresh session on sign-in, against session fixation
    session.permanent = True
    login_user(SignedIn.of(user))
    return redirect(safe_next(form.next.data, url_for("calls.index")))


@auth.post("/logout")
def logout() -> Response:
    if ActionForm().validate_on_submit():
        logout_user()
        session.clear()
    return redirect(url_for("calls.index"))


@auth.route("/password/forgot", methods=["GET", "POST"])
def forgot() -> str | Response:
    """Email a reset link; the answer is the same whether the address is known or not, over
    the hourly limits or not, and whether the mail server takes the message now or not."""
    form = ForgotForm()
    if form.validate_on_submit():
        session_db = db()
        user = find_user(session_db, form.email.data)
        if (
            user is not None
            and user.active
            and user.password_hash
            and not mail_limited(session_db, settings().mail, user.email, client())
        ):
            send_link(user, "reset")  # kept to retry if the mail server does not take it now
            session_db.commit()
        flash(_("If the address has an account, a link to reset the password is on its way."))
        return redirect(url_for("auth.login"))
    return render_template("auth/forgot.html", form=form)


def send_link(user: User, purpose: str, inviter: str = "", actor: str = "") -> MailStatus | None:
    """Email a signed, expiring link to set the password (an invitation or a reset)."""
    config = settings()
    hours = config.web.invite_valid_hours if purpose == "invite" else config.web.reset_valid_hours
    token = link_token(secret_key(), user, purpose)
    link = absolute_url("auth.set_password_page", purpose=purpose, token=token)
    context = {
        "link": link,
        "hours": hours,
        "email": user.email,
        "inviter": inviter,
        "actor": actor,
    }
    return send_email(
        config, user.email, purpose, context, user.locale, session=db(), requested_ip=client()
    )


@auth.route("/password/<purpose>/<token>", methods=["GET", "POST"])
def set_password_page(purpose: str, token: str) -> str | Response | tuple[str, int]:
    """Choose a password through an emailed link; a used or expired link stops working."""
    if purpose not in PURPOSES:
        abort(404)
    web = settings().web
    hours = web.invite_valid_hours if purpose == "invite" else web.reset_valid_hours
    session_db = db()
    user = user_for_link(session_db, secret_key(), token, purpose, timedelta(hours=hours))
    if user is None:
        return render_template("auth/link_invalid.html"), 400
    form = SetPasswordForm()
    if form.validate_on_submit():
        set_password(session_db, user, form.password.data)
        session_db.commit()
        if current_user.is_authenticated and current_user.id == user.id:
            login_user(SignedIn.of(user))  # this session stays; the user's others end
            flash(_("Your password is changed. Your other sessions are signed out."))
            return redirect(url_for("auth.account"))
        flash(_("Your password is set. Please sign in."))
        return redirect(url_for("auth.login"))
    return render_template("auth/set_password.html", form=form, purpose=purpose, email=user.email)


@auth.route("/account/password", methods=["GET", "POST"])
@login_required
def change_password() -> str | Response | tuple[str, int]:
    """A new password, given the current one; it signs out the user's other sessions."""
    form = ChangePasswordForm()
    if not form.validate_on_submit():
        return render_template("auth/set_password.html", form=form, email=current_user.email)
    session_db = db()  # the current password is checked as a sign-in is, with its limits
    result, user = authenticate(
        session_db, current_user.email, form.current.data, client(), utcnow(), _login_limits()
    )
    session_db.commit()
    if user is None:
        limited = result == "limited"
        form.current.errors = [
            _("Too many failed attempts. Please wait and try again later.")
            if limited
            else _("Wrong password.")
        ]
        page = render_template("auth/set_password.html", form=form, email=current_user.email)
        return page, 429 if limited else 400
    set_password(session_db, user, form.password.data)
    session_db.commit()
    login_user(SignedIn.of(user))  # this session stays; the user's others end
    flash(_("Your password is changed. Your other sessions are signed out."))
    return redirect(url_for("auth.account"))


@auth.route("/account", methods=["GET", "POST"])
@login_required
def account() -> str:
    """The signed-in user's details, and a new API token shown once."""
    token = None
    if ActionForm().validate_on_submit():
        session_db = db()
        user = session_db.get(User, current_user.id)
        token = issue_api_token(session_db, user)
        session_db.commit()
    return account_page(token=token)


def account_page(token: str | None = None, feed_url: tuple[str, str] | None = None) -> str:
    """The account page; a new API token or calendar URL (kind, URL) is shown this once."""
    feeds = {}
    if is_staff():
        feeds = {kind: find_feed(db(), kind, user_id=current_user.id) for kind in USER_FEEDS}
    return render_template(
        "auth/account.html", form=ActionForm(), token=token, feeds=feeds, feed_url=feed_url
    )


def _login_limits() -> LoginLimits:
    web = settings().web
    return LoginLimits(
        web.login_max_failures,
        web.login_max_failures_per_address,
        timedelta(minutes=web.login_window_minutes),
    )

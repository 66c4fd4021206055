"""Signing in, limits, sessions, CSRF, invitations and password resets by real email."""

from datetime import timedelta

import pytest
from sqlmodel import select

from tests.webapp.conftest import PASSWORD, csrf, sign_in
from tracker.accounts import AccountError, create_user, find_user
from tracker.models import User
from tracker.models_web import EmailLog, LoginAttempt


def test_sign_in_and_out(client, people):
    response = sign_in(client, "member@kone.example")
    assert response.status_code == 302
    page = client.get("/").get_data(as_text=True)
    assert "Kirjaudu ulos" in page or "Sign out" in page
    logout = client.post("/logout", data={"csrf_token": csrf(client, "/")})
    assert logout.status_code == 302
    assert client.get(f"/actors/{people['actor'].id}/matches").status_code == 302  # to sign in


def test_wrong_password_is_refused_and_counted(client, session, people):
    response = sign_in(client, "member@kone.example", "wrong password!")
    assert response.status_code == 401
    assert "Väärä sähköposti tai salasana." in response.get_data(as_text=True)
    assert len(session.exec(select(LoginAttempt)).all()) == 1


def test_the_login_page_answers_429_when_limited(client, settings, people):
    settings.web.login_max_failures = 2
    for _ in range(2):
        sign_in(client, "member@kone.example", "wrong password!")
    assert sign_in(client, "member@kone.example").status_code == 429


@pytest.mark.parametrize(("proxies", "limited_elsewhere"), [(1, False), (0, True)])
def test_the_sign_in_limit_reads_the_address_the_configured_proxies_give(
    settings, engine, catalogs, people, proxies, limited_elsewhere
):
    """Behind one proxy the limit counts X-Forwarded-For's address; with none configured the
    header is ignored, so a forged one cannot dodge the limit."""
    from webapp import create_app

    settings.web.proxies = proxies
    client = create_app(settings, engine=engine).test_client()
    client.environ_base["HTTP_X_FORWARDED_FOR"] = "203.0.113.5"
    for _ in range(settings.web.login_max_failures):
        assert sign_in(client, "member@kone.example", "wrong password!").status_code == 401
    assert sign_in(client, "member@kone.example").status_code == 429
    client.environ_base["HTTP_X_FORWARDED_FOR"] = "203.0.113.6"  # another address, or forged
    expected = 429 if limited_elsewhere else 302
    assert sign_in(client, "member@kone.example").status_code == expected


def test_a_password_change_ends_the_users_other_sessions(app, people):
    here, elsewhere, colleague = app.test_client(), app.test_client(), app.test_client()
    for client, email in ((here, "member@kone.example"), (elsewhere, "member@kone.example")):
        assert sign_in(client, email).status_code == 302
    sign_in(colleague, "other@ruoka.example")
    new = "a long new password"
    wrong = here.post(
        "/account/password",
        data={
            "current": "not my password",
            "password": new,
            "confirm": new,
            "csrf_token": csrf(here, "/account/password"),
        },
    )
    assert wrong.status_code == 400
    assert elsewhere.get("/account").status_code == 200  # nothing changed yet
    done = here.post(
        "/account/password",
        data={
            "current": PASSWORD,
            "password": new,
            "confirm": new,
            "csrf_token": csrf(here, "/account/password"),
        },
    )
    assert done.status_code == 302
    page = here.get("/account").get_data(as_text=True)
    assert "Muut istuntosi on kirjattu ulos." in page  # this session stays signed in
    assert elsewhere.get("/account").status_code == 302  # to the sign-in page
    assert colleague.get("/account").status_code == 200  # another user is untouched
    assert sign_in(elsewhere, "member@kone.example", new).status_code == 302


def test_a_password_reset_ends_the_users_sessions(app, inbox, people):
    signed_in, resetting = app.test_client(), app.test_client()
    sign_in(signed_in, "member@kone.example")
    resetting.post(
        "/password/forgot",
        data={"email": "member@kone.example", "csrf_token": csrf(resetting, "/password/forgot")},
    )
    link = inbox.link()
    new = "another long password"
    done = resetting.post(
        link, data={"password": new, "confirm": new, "csrf_token": csrf(resetting, link)}
    )
    assert done.status_code == 302
    assert signed_in.get("/account").status_code == 302


def test_a_deactivation_ends_sessions_for_good(app, client, session, people):
    from tracker.accounts import update_user

    sign_in(client, "member@kone.example")
    assert client.get("/account").status_code == 200
    update_user(session, people["member"].id, active=False)
    session.commit()
    assert client.get("/account").status_code == 302
    update_user(session, people["member"].id, active=True)  # back, but the old session is not
    session.commit()
    assert client.get("/account").status_code == 302
    assert sign_in(client, "member@kone.example").status_code == 302


def test_a_deactivated_user_cannot_sign_in(client, session, people):
    people["member"].active = False
    session.add(people["member"])
    session.commit()
    assert sign_in(client, "member@kone.example").status_code == 401


def test_sessions_expire(app, client, people):
    assert app.permanent_session_lifetime == timedelta(minutes=480)
    sign_in(client, "member@kone.example")
    cookie = client.get_cookie("session")
    assert cookie is not None and cookie.expires is not None


def test_post_without_csrf_token_is_rejected(client, people):
    response = client.post("/login", data={"email": "member@kone.example", "password": PASSWORD})
    assert response.status_code == 400
    sign_in(client, "member@kone.example")
    actor_id = people["actor"].id
    edit = client.post(f"/actors/{actor_id}/edit", data={"name": "Hijacked", "country": "FI"})
    assert edit.status_code == 400
    htmx = client.post(
        f"/actors/{actor_id}/matches/1/feedback",
        data={"verdict": "relevant"},
        headers={"HX-Request": "true"},
    )
    assert htmx.status_code == 400


def test_htmx_sends_the_token_in_a_header(client, session, people, calls):
    from tests.webapp.conftest import add_matches

    add_matches(session, people["actor"], [calls["HORIZON-CL5-2026-09-D4-03"]])
    sign_in(client, "member@kone.example")
    token = csrf(client, "/")
    call_id = calls["HORIZON-CL5-2026-09-D4-03"].id
    response = client.post(
        f"/actors/{people['actor'].id}/matches/{call_id}/feedback",
        data={"verdict": "relevant"},
        headers={"HX-Request": "true", "X-CSRFToken": token},
    )
    assert response.status_code == 200


def test_staff_invites_a_member_who_sets_a_password(client, session, inbox, people):
    sign_in(client, "staff@hameenliitto.example")
    response = client.post(
        "/users/invite",
        data={
            "email": "New.Person@Kone.example",
            "name": "Uusi Henkilö",
            "actor_id": people["actor"].id,
            "locale": "fi",
            "csrf_token": csrf(client, "/users/invite"),
        },
    )
    assert response.status_code == 302
    (message,) = inbox.messages
    assert message["To"] == "new.person@kone.example"
    assert message["Subject"] == "Kutsu Häme Funding Radariin"
    assert "Hämeen Kone Oy" in message.get_body(preferencelist=("html",)).get_content()
    link = inbox.link()
    client.post("/logout", data={"csrf_token": csrf(client, "/")})
    form = client.get(link)
    assert form.status_code == 200
    new = "a long new password"
    done = client.post(
        link, data={"password": new, "confirm": new, "csrf_token": csrf(client, link)}
    )
    assert done.status_code == 302
    assert client.get(link).status_code == 400  # used once, then dead
    assert sign_in(client, "new.person@kone.example", new).status_code == 302
    assert session.exec(select(EmailLog)).one().template == "invite"


def test_password_reset_by_email(client, session, inbox, people):
    response = client.post(
        "/password/forgot",
        data={"email": "member@kone.example", "csrf_token": csrf(client, "/password/forgot")},
    )
    assert response.status_code == 302
    unknown = client.post(
        "/password/forgot",
        data={"email": "nobody@x.example", "csrf_token": csrf(client, "/password/forgot")},
    )
    assert unknown.status_code == 302 and len(inbox.messages) == 1
    link = inbox.link()
    new = "another long password"
    client.post(
        link, data={"password": new, "confirm": "different!!!", "csrf_token": csrf(client, link)}
    )
    assert sign_in(client, "member@kone.example", new).status_code == 401
    client.post(link, data={"password": new, "confirm": new, "csrf_token": csrf(client, link)})
    assert sign_in(client, "member@kone.example", new).status_code == 302


def test_a_forged_or_expired_link_does_not_work(client, app, session, people):
    from tracker.accounts import link_token, user_for_link

    assert client.get("/password/reset/not-a-token").status_code == 400
    token = link_token(app.config["SECRET_KEY"], people["member"], "reset")
    assert (
        user_for_link(session, app.config["SECRET_KEY"], token, "invite", timedelta(hours=1))
        is None
    )
    assert user_for_link(session, "another secret", token, "reset", timedelta(hours=1)) is None
    assert (
        user_for_link(session, app.config["SECRET_KEY"], token, "reset", timedelta(seconds=-1))
        is None
    )
    assert (
        user_for_link(session, app.config["SECRET_KEY"], token, "reset", timedelta(hours=1)).id
        == people["member"].id
    )


def test_admin_changes_roles_and_deactivates(client, session, people):
    target = people["other"]
    sign_in(client, "staff@hameenliitto.example")
    token = csrf(client, "/users")
    assert (
        client.post(
            f"/users/{target.id}", data={f"u{target.id}-role": "staff", "csrf_token": token}
        ).status_code
        == 403
    )
    client.post("/logout", data={"csrf_token": token})
    sign_in(client, "admin@hameenliitto.example")
    token = csrf(client, "/users")
    response = client.post(
        f"/users/{target.id}",
        data={f"u{target.id}-role": "staff", f"u{target.id}-active": "", "csrf_token": token},
    )
    assert response.status_code == 302
    session.expire_all()
    changed = session.get(User, target.id)
    assert (changed.role, changed.active) == ("staff", False)


def test_members_cannot_see_users(client, people):
    sign_in(client, "member@kone.example")
    assert client.get("/users").status_code == 403


def test_create_user_rules(session, people):
    user = create_user(session, " Boss@Example.org ", "admin", password="a long password")
    assert find_user(session, "boss@example.org").id == user.id
    assert user.password_hash.startswith("scrypt:")
    for args, kwargs in [
        (("boss@example.org", "admin"), {}),
        (("x@example.org", "king"), {}),
        (("x@example.org", "member"), {}),
        (("x@example.org", "staff"), {"password": "short"}),
    ]:
        try:
            create_user(session, *args, **kwargs)
        except AccountError:
            continue
        raise AssertionError(f"accepted {args} {kwargs}")

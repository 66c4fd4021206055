"""Password links and invitations against a real SMTP server on localhost: down, refusing or
answering; messages kept and retried, limited per recipient and per client address."""

import re
import ssl
import subprocess
import time

import pytest
from sqlmodel import select

from tests.webapp.conftest import Inbox, csrf, free_port, sign_in, smtp_server
from tracker.jobs import send_mail
from tracker.mailer import send_email
from tracker.models import User
from tracker.models_web import EmailLog

FLASH = re.compile(r'<p class="flash ([^"]*)">([^<]*)</p>')


class Refusing:
    """A server that answers every recipient with the same refusal."""

    def __init__(self, reply: str) -> None:
        self.reply = reply

    async def handle_RCPT(self, server, session, envelope, address, options):  # noqa: N802
        return self.reply


def flashes(response) -> list[tuple[str, str]]:
    return FLASH.findall(response.get_data(as_text=True))


def forgot(client, email: str):
    return client.post(
        "/password/forgot",
        data={"email": email, "csrf_token": csrf(client, "/password/forgot")},
        follow_redirects=True,
    )


def invite(client, email: str, actor_id: int):
    return client.post(
        "/users/invite",
        data={
            "email": email,
            "name": "",
            "actor_id": actor_id,
            "locale": "fi",
            "csrf_token": csrf(client, "/users/invite"),
        },
        follow_redirects=True,
    )


def logged(session) -> list[EmailLog]:
    session.expire_all()
    return list(session.exec(select(EmailLog).order_by(EmailLog.id)))


def test_a_reset_asked_while_the_mail_server_is_down_is_sent_once_when_it_is_back(
    client, engine, session, settings, people
):
    port = free_port()
    settings.mail.host, settings.mail.port = "127.0.0.1", port  # nothing listens there
    known = forgot(client, "member@kone.example")
    unknown = forgot(client, "nobody@kone.example")
    assert known.status_code == unknown.status_code == 200
    assert flashes(known) == flashes(unknown) != []  # the same answer, no error page
    (row,) = logged(session)
    assert (row.status, row.attempts, row.recipient) == ("pending", 1, "member@kone.example")
    assert "Connection" in row.last_error and row.sent_at is None
    with smtp_server(Inbox(), port) as inbox:
        run = send_mail(engine, settings)
        assert (run.ok, run.new, run.errors) == (True, 1, 0)
        assert send_mail(engine, settings) is None  # nothing waits any more
    (message,) = inbox.messages
    assert message["To"] == "member@kone.example"
    (row,) = logged(session)
    assert (row.status, row.attempts, row.context) == ("sent", 2, None)
    assert client.get(inbox.link()).status_code == 200  # the kept link still works


@pytest.mark.parametrize(
    ("reply", "status", "said"),
    [
        ("550 5.1.1 No such mailbox", "failed", "Sähköpostipalvelin hylkäsi kutsun"),
        ("451 4.3.0 Try again later", "pending", "lähetetään uudelleen automaattisesti"),
    ],
)
def test_an_invitation_the_mail_server_refuses_says_so_on_the_page(
    client, engine, session, settings, people, reply, status, said
):
    port = free_port()
    settings.mail.host, settings.mail.port = "127.0.0.1", port
    sign_in(client, "staff@hameenliitto.example")
    with smtp_server(Refusing(reply), port):
        page = invite(client, "uusi@kone.example", people["actor"].id)
        assert page.status_code == 200
        ((category, text),) = flashes(page)
        assert category == "error" and said in text and "uusi@kone.example" in text
        (row,) = logged(session)
        assert row.status == status and reply[:3] in row.last_error
        retried = send_mail(engine, settings)
    # A permanent refusal is not tried again; a passing one is, and still waits.
    assert (retried is None) == (status == "failed")
    assert logged(session)[0].status == status
    assert session.exec(select(User).where(User.email == "uusi@kone.example")).one()


def test_an_invitation_while_the_mail_server_is_down_is_kept_to_retry(
    client, session, settings, people
):
    settings.mail.host, settings.mail.port = "127.0.0.1", free_port()
    sign_in(client, "staff@hameenliitto.example")
    page = invite(client, "toinen@kone.example", people["actor"].id)
    assert page.status_code == 200
    (row,) = logged(session)
    assert row.status == "pending" and row.template == "invite"
    assert "lähetetään uudelleen automaattisesti" in flashes(page)[0][1]


def test_password_links_are_limited_per_recipient(client, session, settings, inbox, people):
    settings.mail.max_per_recipient_per_hour = 1
    first = forgot(client, "member@kone.example")
    time.sleep(1.1)  # a link made a second later is another message, not the same one again
    second = forgot(client, "member@kone.example")
    assert flashes(first) == flashes(second)
    assert len(inbox.messages) == len(logged(session)) == 1


def test_password_links_are_limited_per_client_address(app, session, settings, inbox, people):
    settings.mail.max_per_address_per_hour = 2
    office = app.test_client()
    office.environ_base["REMOTE_ADDR"] = "192.0.2.10"
    for email in ("member@kone.example", "other@ruoka.example", "staff@hameenliitto.example"):
        assert forgot(office, email).status_code == 200
    assert [m["To"] for m in inbox.messages] == ["member@kone.example", "other@ruoka.example"]
    home = app.test_client()
    home.environ_base["REMOTE_ADDR"] = "198.51.100.7"
    forgot(home, "staff@hameenliitto.example")
    assert inbox.messages[-1]["To"] == "staff@hameenliitto.example"
    assert {row.requested_ip for row in logged(session)} == {"192.0.2.10", "198.51.100.7"}


def test_invitations_count_toward_the_inviters_address(client, session, settings, inbox, people):
    settings.mail.max_per_address_per_hour = 1
    sign_in(client, "staff@hameenliitto.example")
    invite(client, "eka@kone.example", people["actor"].id)
    refused = invite(client, "toka@kone.example", people["actor"].id)
    assert refused.status_code == 429
    assert "Liian monta sähköpostia tunnin sisällä." in refused.get_data(as_text=True)
    assert [m["To"] for m in inbox.messages] == ["eka@kone.example"]
    assert session.exec(select(User).where(User.email == "toka@kone.example")).first() is None


def self_signed(directory) -> tuple[str, str]:
    """A certificate for 127.0.0.1 and its key, made by openssl for this test."""
    cert, key = str(directory / "cert.pem"), str(directory / "key.pem")
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
         "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
         "-keyout", key, "-out", cert],
        check=True, capture_output=True,
    )  # fmt: skip
    return cert, key


def test_mail_goes_over_tls_to_a_server_whose_certificate_is_trusted(
    session, settings, tmp_path, monkeypatch
):
    from aiosmtpd.controller import Controller

    cert, key = self_signed(tmp_path)
    served = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    served.load_cert_chain(cert, key)
    port = free_port()
    settings.mail.host, settings.mail.port, settings.mail.tls = "127.0.0.1", port, True
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=port, ssl_context=served)
    controller.start()
    try:
        context = {"link": "https://example.org/x", "hours": 1, "email": "a@example.org"}
        # A certificate nobody vouches for: the message waits, nothing is sent in the clear.
        untrusted = send_email(settings, "a@example.org", "confirm", context, "en", session=session)
        assert (
            untrusted == "pending" and "CERTIFICATE_VERIFY_FAILED" in logged(session)[0].last_error
        )
        monkeypatch.setenv("SSL_CERT_FILE", cert)  # the certificate trusted, as a CA's would be
        trusted = send_email(settings, "b@example.org", "confirm", context, "en", session=session)
    finally:
        controller.stop()
    assert trusted == "sent"
    assert [m["To"] for m in inbox.messages] == ["b@example.org"]

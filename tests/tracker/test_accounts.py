"""Sign-in limits per account and address, and the session generation a password change raises."""

from datetime import timedelta

import pytest
from sqlmodel import select

from tracker.accounts import LoginLimits, authenticate, create_user, set_password, update_user
from tracker.models import utcnow
from tracker.models_web import LoginAttempt

PASSWORD = "correct horse battery"
LIMITS = LoginLimits(max_failures=5, max_failures_per_address=12, window=timedelta(minutes=15))
OFFICE, HOME = "192.0.2.10", "198.51.100.7"


@pytest.fixture
def colleagues(session):
    """Two staff members of one office, each with a password."""
    for email in ("aino@hameenliitto.example", "bertta@hameenliitto.example"):
        create_user(session, email, "staff", password=PASSWORD)
    session.commit()


def sign_in(session, email, password, ip, now, limits=LIMITS):
    result = authenticate(session, email, password, ip, now, limits)[0]
    session.commit()
    return result


def test_one_persons_mistakes_limit_only_that_account_from_that_address(session, colleagues):
    now = utcnow()
    for _ in range(5):
        assert sign_in(session, "aino@hameenliitto.example", "wrong!", OFFICE, now) == "invalid"
    # Aino is limited at the office, even with the right password ...
    assert sign_in(session, "aino@hameenliitto.example", PASSWORD, OFFICE, now) == "limited"
    # ... her colleague at the same address is not, and Aino from home is not.
    assert sign_in(session, "bertta@hameenliitto.example", PASSWORD, OFFICE, now) == "ok"
    assert sign_in(session, "aino@hameenliitto.example", PASSWORD, HOME, now) == "ok"
    # The window passes: Aino signs in at the office again.
    later = now + timedelta(minutes=16)
    assert sign_in(session, "aino@hameenliitto.example", PASSWORD, OFFICE, later) == "ok"


def test_an_attacker_cannot_lock_out_an_account_from_another_address(session, colleagues):
    now = utcnow()
    for _ in range(20):
        sign_in(session, "aino@hameenliitto.example", "guess", "203.0.113.66", now)
    assert sign_in(session, "aino@hameenliitto.example", PASSWORD, OFFICE, now) == "ok"
    # The attacker's own failures were counted, and only up to the limit: then refused unread.
    tried = session.exec(select(LoginAttempt).where(LoginAttempt.ip == "203.0.113.66")).all()
    assert len(tried) == 5


def test_spraying_many_accounts_from_one_address_meets_the_ceiling(session, colleagues):
    now = utcnow()
    for i in range(12):
        assert sign_in(session, f"guess{i}@hameenliitto.example", "Summer2026!", HOME, now) == (
            "invalid"
        )
    assert sign_in(session, "bertta@hameenliitto.example", PASSWORD, HOME, now) == "limited"
    assert sign_in(session, "bertta@hameenliitto.example", PASSWORD, OFFICE, now) == "ok"


def test_a_new_password_or_a_deactivation_raises_the_session_generation(session, colleagues):
    from tracker.accounts import find_user

    user = find_user(session, "aino@hameenliitto.example")
    assert user.session_generation == 0
    set_password(session, user, "a brand new password")
    assert user.session_generation == 1
    update_user(session, user.id, role="admin")  # a new role is read on each request
    assert user.session_generation == 1
    update_user(session, user.id, active=False)
    assert user.session_generation == 2
    update_user(session, user.id, active=False)
    assert user.session_generation == 2

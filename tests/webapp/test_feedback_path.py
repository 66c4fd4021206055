"""The matches page's feedback form, posted as a member does, through the stored row to the next
score; the dismissed calls page and undo."""

from alembic import command
from bs4 import BeautifulSoup
from sqlmodel import select

from matcher.feedback import REASONS
from tests.webapp.conftest import csrf, sign_in
from tracker.db import alembic_config, migrate
from tracker.match_index import INDEXES
from tracker.models import Feedback, Match


def match_scores(session, actor_id):
    session.expire_all()
    rows = session.exec(select(Match).where(Match.actor_id == actor_id))
    return {m.call_id: m for m in rows}


def dismiss_from_page(client, actor_id, call_id, reason):
    """Fill in the row's form as the page renders it and post it."""
    page = BeautifulSoup(client.get(f"/actors/{actor_id}/matches").data, "html.parser")
    form = page.select_one(f"#match-{call_id} form.triage")
    offered = [o["value"] for o in form.select("select[name=reason] option") if o["value"]]
    assert offered == list(REASONS)  # the form offers the matcher's reasons, no others
    data = {"csrf_token": form.select_one("input[name=csrf_token]")["value"]}
    return client.post(form["action"], data={**data, "verdict": "not_relevant", "reason": reason})


def test_not_our_field_posted_from_the_page_lowers_similar_calls(
    client, session, signed_in_with_matches
):
    actor_id, before, dismissed = signed_in_with_matches
    assert dismiss_from_page(client, actor_id, dismissed, "topic").status_code == 302
    stored = session.exec(select(Feedback).where(Feedback.call_id == dismissed)).one()
    assert (stored.verdict, stored.reason) == ("not_relevant", "topic")
    after = match_scores(session, actor_id)
    assert dismissed not in after
    pushed = {c: m for c, m in after.items() if m.components.get("feedback", 0) < 0}
    assert pushed, "a topic dismissal must push similar calls down"
    assert all(m.score < before[c] for c, m in pushed.items() if c in before)


def test_a_click_rescores_with_the_kept_index_and_never_fits_one(
    client, session, signed_in_with_matches
):
    actor_id, before, dismissed = signed_in_with_matches
    fitted = INDEXES.fits  # the index the first scoring fitted is kept by this process
    dismiss_from_page(client, actor_id, dismissed, "topic")
    assert INDEXES.fits == fitted
    assert dismissed not in match_scores(session, actor_id)


def test_a_budget_reason_dismisses_that_call_only(client, session, signed_in_with_matches):
    actor_id, before, dismissed = signed_in_with_matches
    dismiss_from_page(client, actor_id, dismissed, "budget")
    after = match_scores(session, actor_id)
    assert dismissed not in after
    assert {c: m.score for c, m in after.items()} == {
        c: s for c, s in before.items() if c != dismissed
    }


def test_dismissed_calls_are_listed_and_undo_brings_them_back(
    client, session, signed_in_with_matches
):
    actor_id, before, dismissed = signed_in_with_matches
    dismiss_from_page(client, actor_id, dismissed, "eligibility")
    page = BeautifulSoup(client.get(f"/actors/{actor_id}/dismissed").data, "html.parser")
    row = page.select_one(f"#dismissed-{dismissed}")
    assert "Emme ole kelpoisia" in row.get_text()
    action = row.select_one("form")["action"]
    assert client.post(action, data={}).status_code == 400  # no CSRF token
    token = row.select_one("input[name=csrf_token]")["value"]
    undone = client.post(action, data={"csrf_token": token})
    assert undone.status_code == 302
    assert session.exec(select(Feedback).where(Feedback.call_id == dismissed)).all() == []
    assert match_scores(session, actor_id)[dismissed].score == before[dismissed]
    again = client.get(f"/actors/{actor_id}/dismissed").get_data(as_text=True)
    assert f"dismissed-{dismissed}" not in again


def test_a_reason_the_matcher_does_not_know_is_refused_and_nothing_stored(
    client, session, signed_in_with_matches
):
    actor_id, before, call_id = signed_in_with_matches
    token = csrf(client, f"/actors/{actor_id}/matches")
    url = f"/actors/{actor_id}/matches/{call_id}/feedback"
    for reason in ("not_our_field", "x" * 10_000, "top\x00ical"):  # NUL removed: "topical"
        data = {"csrf_token": token, "verdict": "not_relevant", "reason": reason}
        assert client.post(url, data=data).status_code == 400
    assert session.exec(select(Feedback)).all() == []
    assert {c: m.score for c, m in match_scores(session, actor_id).items()} == before
    # A reason chosen before pressing "relevant" is not kept: it explains dismissals only.
    data = {"csrf_token": token, "verdict": "relevant", "reason": "budget"}
    assert client.post(url, data=data).status_code == 302
    assert session.exec(select(Feedback.verdict, Feedback.reason)).all() == [("relevant", None)]


def test_another_organisation_cannot_see_or_undo_the_dismissals(client, people, calls):
    sign_in(client, "other@ruoka.example")
    actor_id = people["actor"].id
    assert client.get(f"/actors/{actor_id}/dismissed").status_code == 403
    token = csrf(client, "/")
    undo = client.post(f"/actors/{actor_id}/matches/1/undo", data={"csrf_token": token})
    assert undo.status_code == 403


def test_the_migration_maps_the_reasons_the_old_form_stored(engine, session, people, calls):
    """Rows stored by the old form (its own reason names) read as the matcher's reasons."""
    command.downgrade(alembic_config(engine), "0004")
    old = ["not_our_field", "not_eligible", "no_capacity", "deadline", "budget", "whatever", None]
    call_ids = [c.id for c in list(calls.values())[: len(old)]]
    for call_id, reason in zip(call_ids, old, strict=True):
        session.add(
            Feedback(
                actor_id=people["actor"].id, call_id=call_id, verdict="not_relevant", reason=reason
            )
        )
    session.commit()
    migrate(engine)
    session.expire_all()
    stored = session.exec(select(Feedback.reason).order_by(Feedback.id)).all()
    assert stored == ["topic", "eligibility", "capacity", "timing", "budget", "other", "other"]


def test_undo_with_an_id_no_row_can_have_is_not_found(client, signed_in_with_matches):
    actor_id, _, _ = signed_in_with_matches
    huge = 2**63
    assert client.post(f"/actors/{actor_id}/matches/{huge}/undo").status_code == 404
    assert client.post(f"/actors/{huge}/matches/1/feedback").status_code == 404

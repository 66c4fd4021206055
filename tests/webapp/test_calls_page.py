"""The calls list and a call's page, on the real recorded calls."""

import re
from datetime import date, timedelta

import pytest
from bs4 import BeautifulSoup
from sqlmodel import col, select

from matcher.filters import admits
from tests.tracker.helpers import export_record, feed_records
from tests.webapp.conftest import service_today, sign_in
from tracker.accounts import issue_api_token
from tracker.config import load_settings
from tracker.ingest import ingest, refresh_eligibility
from tracker.models import Call, CallTheme, ChangeEvent, utcnow
from tracker.search import CallQuery, Organisation, call_organisation_type, search_calls

LIFE = "LIFE-2024-STRAT-ENV-SIP-two-stage"  # stage 1 2024-09-05, stage 2 2025-03-06


def test_calls_page_lists_stored_calls_with_next_deadline(client, calls):
    # First the calls one can still apply to: a cascade call with cut-offs until 2028 is open,
    # the CL5 topic that closed on 2026-09-15 is left out until "any status" is chosen.
    page = client.get("/").get_data(as_text=True)
    assert "FSTP-11143" in page and "HORIZON-CL5-2026-09-D4-03" not in page
    assert '<option value="current" selected>' in page
    anything = client.get("/?status=").get_data(as_text=True)
    assert "HORIZON-CL5-2026-09-D4-03" in anything
    assert "Advanced data platforms to integrate whole life carbon" in anything
    closed = client.get("/?status=closed").get_data(as_text=True)
    # The Horizon topic closed on 2025-10-02 whatever its source said.
    assert "HORIZON-CL4-2025-04-DATA-03" in closed


def test_filters_live_in_the_url_and_count_the_results(client, session, calls):
    everything = search_calls(session, CallQuery(page_size=500), service_today())
    horizon = [r for r in everything.rows if r.call.programme == everything.rows[0].call.programme]
    programme = horizon[0].call.programme
    query = {"programme": programme, "sort": "budget", "status": ""}  # any status
    page = client.get("/", query_string=query).get_data(as_text=True)
    assert f'<option value="{programme}" selected>' in page
    found = search_calls(session, CallQuery(programme=programme, sort="budget"), service_today())
    assert found.total == len(horizon)
    assert f"{found.total} " in page and (
        "calls found" in page or "hakua löytyi" in page or "haku löytyi" in page
    )
    budgets = [r.call.budget_total_eur for r in found.rows if r.call.budget_total_eur]
    assert budgets == sorted(budgets, reverse=True)


def test_text_search_theme_source_and_budget_filters(session, calls):
    today = service_today()
    call = calls["HORIZON-CL5-2026-09-D4-03"]
    by_words = search_calls(session, CallQuery(text="whole life carbon"), today)
    assert call.identifier in [r.call.identifier for r in by_words.rows]
    session.add(CallTheme(call_id=call.id, theme="circular_economy", score=0.9))
    session.commit()
    themed = search_calls(session, CallQuery(theme="circular_economy"), today)
    assert [r.call.identifier for r in themed.rows] == [call.identifier]
    assert themed.rows[0].themes == ["circular_economy"]
    bulk_only = search_calls(session, CallQuery(source="ft_bulk", page_size=500), today)
    assert 0 < bulk_only.total < len(calls)
    floor = 5_000_000
    rich = search_calls(session, CallQuery(budget_min=floor, page_size=500), today)
    assert rich.total and all(r.call.budget_total_eur >= floor for r in rich.rows)


def test_deadline_range_uses_the_next_deadline(session, calls):
    today = date(2026, 6, 1)  # a day when the recorded calls were open
    soon = search_calls(session, CallQuery(status="open", sort="deadline", page_size=500), today)
    nexts = [r.next_deadline for r in soon.rows if r.next_deadline]
    assert nexts == sorted(nexts)
    first = nexts[0]
    window = search_calls(session, CallQuery(deadline_from=first, deadline_to=first), today)
    assert window.total >= 1
    assert all(r.next_deadline == first for r in window.rows)


def test_pages_of_results(session, calls):
    today = service_today()
    one = search_calls(session, CallQuery(page_size=2, page=1), today)
    two = search_calls(session, CallQuery(page_size=2, page=2), today)
    assert one.pages == -(-one.total // 2)
    assert {r.call.id for r in one.rows}.isdisjoint({r.call.id for r in two.rows})


def test_a_page_past_the_end_says_where_the_list_ends_and_links_there(client, session, calls):
    """A bookmark of a list that has since shrunk: the calls are counted, the last page linked."""
    found = search_calls(session, CallQuery(status="current", page_size=4), service_today())
    assert found.pages > 1 and found.total % 4
    client.set_cookie("lang", "en")
    past = BeautifulSoup(client.get("/?page=999&page_size=4").get_data(as_text=True), "html.parser")
    assert f"{found.total} calls found" in past.get_text() and not past.select("tbody tr")
    assert "No call matches these filters." not in past.get_text()
    assert f"This list ends on page {found.pages}." in past.select_one(".pager").get_text()
    last = past.select_one(".pager a")
    assert last.get_text() == "Last page" and f"page={found.pages}" in last["href"]
    shown = BeautifulSoup(client.get(last["href"]).get_data(as_text=True), "html.parser")
    expected = found.total - (found.pages - 1) * 4
    assert len(shown.select("tbody tr")) == expected and shown.select_one('a[rel="prev"]')


RULES = [  # (eligibility as stored, admits an SME of Hämeenlinna)
    ({}, True),
    ({"countries": ["FI", "SE"]}, True),
    ({"countries": ["SE"]}, False),
    ({"regions": ["FI1C"]}, True),
    ({"countries": ["FI"], "regions": ["FI1D"]}, False),
    ({"countries": ["FI"], "regions": ["FI1C2"]}, True),
    ({"organisation_types": ["research"]}, False),
    ({"organisation_types": ["sme", "research"]}, True),
]
WHO = [
    Organisation("FI", "FI1C2", "sme_small"),
    Organisation("FI", "FI1B1", "large"),
    Organisation("FI", "FI1D7", "public"),
    Organisation("SE", "SE110", "research"),
    Organisation("DE", None, "ngo"),
]


def admitted(call, who: Organisation) -> bool:
    """The matcher's own rule on one call."""
    rules = call.eligibility or {}
    rule = tuple(tuple(rules.get(k) or ()) for k in ("countries", "regions", "organisation_types"))
    kind = call_organisation_type(who.organisation_type)
    return admits(rule, who.country, who.nuts3 or "", kind)  # type: ignore[arg-type]


def eligible_ids(session, who: Organisation) -> set[int]:
    found = search_calls(session, CallQuery(eligible_for=who, page_size=200), date(2026, 6, 1))
    assert found.total <= 200
    return {row.call.id for row in found.rows}


def test_eligible_for_runs_the_matchers_rule_in_sql(session, calls):
    """Real calls, some given the rules of the cases (test construction), filtered in SQL and
    compared with the matcher's own rule for five organisations."""
    stored = list(calls.values())
    for call, (rules, _admits) in zip(stored, RULES, strict=False):
        call.eligibility = rules
        session.add(call)
    session.flush()
    refresh_eligibility(session, [c.id for c in stored])
    session.commit()
    sme = WHO[0]
    found = eligible_ids(session, sme)
    assert [call.id in found for call in stored[: len(RULES)]] == [ok for _, ok in RULES]
    open_now = {
        r.call.id for r in search_calls(session, CallQuery(page_size=200), date(2026, 6, 1)).rows
    }
    for who in WHO:
        expected = {call.id for call in stored if call.id in open_now and admitted(call, who)}
        assert eligible_ids(session, who) == expected, who


def test_call_page_shows_timeline_budget_sources_and_history(client, session, calls):
    call = calls["HORIZON-CL5-2026-09-D4-03"]
    session.add(
        ChangeEvent(
            call_id=call.id,
            version_id=1,
            kind="deadline",
            field_name="deadlines",
            old_value=[{"date": "2026-09-01", "time": None, "timezone": None, "label": None}],
            new_value=[{"date": "2026-09-15", "time": None, "timezone": None, "label": None}],
            created_at=utcnow(),
        )
    )
    session.commit()
    page = client.get(f"/calls/{call.id}", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "<h1>Advanced data platforms" in page
    assert "The deadline moved from 1 Sept 2026 to 15 Sept 2026." in page
    assert "EU Funding &amp; Tenders (search)</a>" in page  # the source's name, not its key
    assert 'rel="noopener noreferrer"' in page
    fi = client.get(f"/calls/{call.id}", headers={"Accept-Language": "fi"}).get_data(as_text=True)
    assert "Määräaika siirtyi: 1.9.2026 → 15.9.2026." in fi


def test_a_script_in_a_description_is_shown_harmless(client, session, calls):
    call = calls["HORIZON-CL5-2026-09-D4-03"]
    call.description_html = '<p>Fund<script>alert("x")</script><img src=x onerror="alert(1)"></p>'
    session.add(call)
    session.commit()
    response = client.get(f"/calls/{call.id}")
    page = response.get_data(as_text=True)
    assert "<script>alert" not in page and "onerror" not in page
    assert "<p>Fund" in page
    assert "script-src 'self'" in response.headers["Content-Security-Policy"]


def test_only_web_addresses_of_a_source_become_links(client, session, calls):
    call = calls["HORIZON-CL5-2026-09-D4-03"]
    call.url = "javascript:alert(document.cookie)"
    session.add(call)
    session.commit()
    page = client.get(f"/calls/{call.id}").get_data(as_text=True)
    assert "javascript:" not in page
    call.url = "https://ec.europa.eu/info/funding-tenders/opportunities/portal/"
    session.add(call)
    session.commit()
    assert f'href="{call.url}"' in client.get(f"/calls/{call.id}").get_data(as_text=True)


def test_merged_calls_are_not_listed_and_their_pages_lead_to_the_kept_call(client, session, calls):
    first, middle, kept = (
        calls[i] for i in ("FSTP-11143", "HORIZON-CL5-2026-09-D4-03", "HORIZON-CL4-2025-04-DATA-03")
    )
    before = search_calls(session, CallQuery(page_size=500), service_today()).total
    first.merged_into_id, middle.merged_into_id = middle.id, kept.id  # a chain of two merges
    session.add_all([first, middle])
    session.commit()
    found = search_calls(session, CallQuery(page_size=500), service_today())
    assert found.total == before - 2
    assert {first.id, middle.id}.isdisjoint(r.call.id for r in found.rows)
    page = client.get("/?status=").get_data(as_text=True)
    assert "FSTP-11143" not in page and "HORIZON-CL5-2026-09-D4-03" not in page
    response = client.get(f"/calls/{first.id}")
    assert response.status_code == 301 and response.location.endswith(f"/calls/{kept.id}")


def test_unknown_call_is_404(client, calls):
    assert client.get("/calls/999999").status_code == 404


def test_eligible_filter_uses_the_members_organisation(client, session, calls, people):
    sign_in(client, "member@kone.example")
    page = client.get("/?eligible=y").get_data(as_text=True)
    assert 'name="eligible"' in page
    who = Organisation("FI", "FI1C2", "sme_small")
    found = search_calls(session, CallQuery(eligible_for=who, page_size=500), service_today())
    everything = search_calls(session, CallQuery(page_size=500), service_today())
    assert found.total <= everything.total
    for row in found.rows:
        assert admitted(row.call, who)
    assert session.exec(select(CallTheme)).all() == []  # nothing written by reading


def test_filters_not_understood_are_shown_as_such(client, calls):
    response = client.get("/?deadline_from=notadate&budget_min=-5&sort=evil&page=0")
    assert response.status_code == 400
    alert = response.get_data(as_text=True).split('role="alert"')[1].split("</div>")[0]
    for label in ("Seuraava määräaika alkaen", "Budjetti vähintään (EUR)", "Järjestys", "Sivu"):
        assert f"<li>{label}: " in alert
    recent = (service_today() - timedelta(days=1)).isoformat()
    assert client.get(f"/?deadline_from={recent}").status_code == 200


def test_a_call_page_shows_each_stage_and_the_one_for_a_new_applicant(
    client, session, settings, monkeypatch
):
    """A real two-stage LIFE topic, the days around stage 1, in both languages."""
    life = export_record(LIFE)
    ingest(session, [life], priority=["ft_portal_export"], today=date(2024, 9, 1), now=utcnow())
    session.commit()
    call = session.exec(select(Call).where(Call.identifier == LIFE)).one()

    def page(day: date, lang: str) -> str:
        monkeypatch.setattr(settings, "today", lambda: day)
        client.set_cookie("lang", lang)
        return client.get(f"/calls/{call.id}").get_data(as_text=True)

    before = page(date(2024, 9, 4), "en")
    assert "Stage 1" in before and "Stage 2" in before and "stage 1:" not in before
    assert re.search(r'class="applies"[^>]*>\s*Stage 1', before)
    assert "Closed to new applicants" not in before
    after = page(date(2024, 9, 6), "en")
    assert "Closed to new applicants" in after and "applies" not in after
    assert "Stage 2: " in after  # still shown, for those who applied
    fi = page(date(2024, 9, 6), "fi")
    assert "Vaihe 1" in fi and "Vaihe 2" in fi
    assert "Suljettu uusilta hakijoilta" in fi
    # The list agrees: closed the day after stage 1, open the day of it.
    monkeypatch.setattr(settings, "today", lambda: date(2024, 9, 6))
    assert LIFE in client.get("/?status=closed").get_data(as_text=True)
    assert LIFE not in client.get("/?status=open").get_data(as_text=True)
    monkeypatch.setattr(settings, "today", lambda: date(2024, 9, 5))
    assert LIFE in client.get("/?status=open").get_data(as_text=True)


@pytest.mark.parametrize("call_id", ["2147483648", "99999999999999999999999", "0"])
def test_an_id_no_row_can_have_is_not_found(client, calls, call_id):
    assert client.get(f"/calls/{call_id}").status_code == 404
    assert client.get(f"/api/calls/{call_id}").status_code == 404


@pytest.mark.parametrize(
    ("asked", "served"),
    [
        (None, "fi"),
        ("en-GB,en;q=0.9", "en"),
        ("fi-FI,fi;q=0.9,en;q=0.5", "fi"),
        ("sv-FI,sv;q=0.9,en;q=0.8", "fi"),  # Swedish falls back to Finnish, not to English
        ("de-DE,de;q=0.9", "fi"),
    ],
)
def test_a_first_visit_is_in_finnish_unless_the_browser_asks_for_english(client, asked, served):
    headers = {"Accept-Language": asked} if asked else {}
    page = client.get("/", headers=headers).get_data(as_text=True)
    assert f'<html lang="{served}">' in page


def test_a_call_whose_sources_state_no_last_day_is_listed_open_until_it_is_withdrawn(
    client, session, people, calls
):
    """The feed's EuropeAid calls state an opening day and no deadline (no final deadline
    stored): the calls page and the API list the opened ones as open and current, never as
    closed; a status the page does not know is a 400 naming the field, the list still shown;
    of two statuses in the URL the first applies."""
    today = service_today()
    ingest(session, feed_records(), priority=["eu_grants_feed"], today=today, now=utcnow())
    session.commit()
    endless = session.exec(select(Call).where(col(Call.final_deadline).is_(None))).all()
    opened = [c for c in endless if c.status(today) == "open"]
    assert len(opened) >= 3 and all(c.identifier.startswith("EuropeAid/") for c in endless)
    for call in opened:  # searched by its identifier, as a user who knows it would
        listed = {
            status: f'href="/calls/{call.id}"'
            in client.get("/", query_string={"q": call.identifier, "status": status}).get_data(
                as_text=True
            )
            for status in ("open", "current", "closed", "forthcoming")
        }
        assert listed == {"open": True, "current": True, "closed": False, "forthcoming": False}
    token = {"Authorization": f"Bearer {issue_api_token(session, people['member'])}"}
    session.commit()
    for status, listed in (("open", True), ("closed", False)):
        query = {"status": status, "page_size": 200}
        api = client.get("/api/calls", query_string=query, headers=token).get_json()
        found = {item["identifier"] for item in api["calls"]}
        assert all((c.identifier in found) == listed for c in opened), status
    client.set_cookie("lang", "en")
    careless = client.get("/?status=opne")
    assert careless.status_code == 400
    text = careless.get_data(as_text=True)
    assert "These filters were not understood" in text and "<li>Status: " in text
    assert "calls found" in text
    # Two statuses at once: the first is applied and shown as the one chosen.
    twice = client.get(f"/?q={opened[0].identifier}&status=closed&status=open")
    text = twice.get_data(as_text=True)
    assert twice.status_code == 200 and '<option value="closed" selected>' in text
    assert f'href="/calls/{opened[0].id}"' not in text


def listed_ids(page: str) -> list[int]:
    """The calls a list page links to, in its order."""
    return [int(i) for i in dict.fromkeys(re.findall(r'href="/calls/(\d+)"', page))]


def test_newest_first_and_a_range_of_deadlines_as_a_user_picks_them(client, calls):
    """The calls page's own answer: newest first lists every call, the latest seen (then the
    newest id) first; a range of next deadlines lists exactly the calls whose deadline for a
    new applicant is in it; a range given backwards is a 400 that says why, and the list is
    searched without that end."""
    today, min_days = service_today(), load_settings().matching.min_days_to_prepare
    newest = client.get("/", query_string={"sort": "newest", "status": "", "page_size": 200})
    stored = [c for c in calls.values() if c.merged_into_id is None]
    order = sorted(stored, key=lambda c: (c.first_seen, c.id), reverse=True)
    assert listed_ids(newest.get_data(as_text=True)) == [c.id for c in order]
    ahead = {c.id: c.for_applicant(today, min_days).deadline for c in stored}
    first = min(d.date for d in ahead.values() if d)
    window = {"deadline_from": first, "deadline_to": first + timedelta(days=60), "status": ""}
    page = client.get("/", query_string={**window, "page_size": 200}).get_data(as_text=True)
    within = {i for i, d in ahead.items() if d and first <= d.date <= window["deadline_to"]}
    assert within and set(listed_ids(page)) == within
    # With a text too: the calls the text finds, kept to those in the range.
    worded = {"q": "support", "status": "", "page_size": 200}
    by_text = set(listed_ids(client.get("/", query_string=worded).get_data(as_text=True)))
    both = client.get("/", query_string={**worded, **window}).get_data(as_text=True)
    assert len(by_text) < 200 and by_text - within and by_text & within
    assert set(listed_ids(both)) == by_text & within
    client.set_cookie("lang", "en")
    for backwards in (
        {"deadline_from": first, "deadline_to": first - timedelta(days=1), "status": ""},
        {"budget_min": 1, "budget_max": 0, "status": ""},
    ):
        response = client.get("/", query_string=backwards)
        text = response.get_data(as_text=True)
        assert response.status_code == 400 and "The range ends before it starts." in text
        assert listed_ids(text)  # the other end alone still lists calls


def test_a_programme_named_as_another_source_names_it_is_read_as_the_stored_name(client, calls):
    """A bookmark from before the sources' programme names were made one ("Horizon Europe", as
    euro-access gave it) lists the calls stored under F&T's name; a programme no source has
    is still refused, naming the field."""
    client.set_cookie("lang", "en")
    stored = client.get("/?programme=Horizon+Europe+%28HORIZON%29&status=").get_data(as_text=True)
    old = client.get("/?programme=Horizon+Europe&status=")
    assert old.status_code == 200
    page = old.get_data(as_text=True)
    assert '<option value="Horizon Europe (HORIZON)" selected>' in page
    found = re.compile(r"(\d+) calls? found")
    assert found.search(page)[1] == found.search(stored)[1]
    assert found.search(page)[1] != found.search(client.get("/?status=").get_data(as_text=True))[1]
    unknown = client.get("/?programme=Nothing+like+it")
    assert unknown.status_code == 400 and "Programme" in unknown.get_data(as_text=True)

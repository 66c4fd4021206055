"""End to end in headless Chromium: what a company member and staff do, in both languages."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

import feedparser
import pytest
import requests
from playwright.sync_api import expect
from sqlmodel import Session, func, select

from tests.browser.conftest import TELESTE, shot, sign_in
from tests.language import problems_of
from tracker.digest_run import send_digests
from tracker.models import Call, User, utcnow
from tracker.models_web import Follow, Subscription
from webapp.digest_mail import DigestMail

# The development server serving these pages leaves a static file open when the browser drops
# the connection by navigating on (as a language switch does while htmx still loads): the
# server's own handling of a dropped client, not the app's, so only that warning is let pass.
pytestmark = pytest.mark.filterwarnings(
    "ignore:Exception ignored in. <_io.FileIO name='[^']*/webapp/static/"
    ":pytest.PytestUnraisableExceptionWarning"
)

AXE = Path(__file__).resolve().parent / "vendor" / "axe-4.14.1.min.js"


def axe_violations(page) -> list[str]:
    """Serious and critical axe-core findings on the current page."""
    page.evaluate(AXE.read_text(encoding="utf-8"))  # through DevTools: the page's CSP stays strict
    result = page.evaluate("axe.run(document, {resultTypes: ['violations']})")
    return [
        f"{v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes']][:3]}"
        for v in result["violations"]
        if v["impact"] in ("serious", "critical")
    ]


def test_member_completes_profile_sees_matches_and_triages(page, site):
    sign_in(page, site, "member@kone.example")
    page.get_by_role("link", name="Profiilimme").click()
    page.get_by_role("link", name="Muokkaa profiilia").click()
    page.get_by_label("Y-tunnus").fill("0112038-8")
    page.get_by_role("button", name="Tallenna profiili").click()
    # A wrong check digit is named next to the field, and the field says so to screen readers.
    error = page.locator("#business_id-error")
    assert "Virheellinen Y-tunnus" in error.inner_text()
    assert page.get_by_label("Y-tunnus").get_attribute("aria-invalid") == "true"
    page.get_by_label("Y-tunnus").fill("0112038-9")
    page.get_by_label("Avainsanat").fill("internships, digital skills, semiconductors, scholarship")
    page.get_by_label("Kuvaus").fill("Digital skills, chips and internships for students.")
    page.get_by_label("Toimialakoodit").fill("62010 TOL2008")
    page.get_by_label("Hankkeen budjetti vähintään (EUR)").fill("10000")
    page.get_by_label("Hankkeen budjetti enintään (EUR)").fill("200000")
    page.get_by_label("Toivottu rooli").select_option("partner")
    page.get_by_label("Yhteyshenkilöt").fill(
        "Maija Meikäläinen; maija@kone.example; +358 40 123 4567"
    )
    shot(page, "profile-edit")
    page.get_by_role("button", name="Tallenna profiili").click()
    assert page.get_by_role("heading", level=1).inner_text() == "Hämeen Kone Oy"
    assert "Profiili on tallennettu." in page.locator(".messages").inner_text()

    # Saving the profile scored it against the open calls: matches with their reasons.
    page.get_by_role("link", name="Meille sopivat haut").click()
    matches = page.locator("li.match")
    assert matches.count() >= 2
    assert "Pisteet" in matches.first.inner_text() and "internships" in matches.first.inner_text()
    assert_one_row_each(matches)
    shot(page, "matches")
    second = matches.nth(1)
    second_id = second.get_attribute("id")
    second.get_by_label("Syy").select_option(label="Emme ole kelpoisia")
    second.get_by_role("button", name="Ei kiinnosta").click()
    page.locator(f"#{second_id}").wait_for(state="detached")
    assert "poistettiin listalta" in page.locator("#triage-status").inner_text()
    first = page.locator("li.match").first
    first_id = first.get_attribute("id")
    first.get_by_role("button", name="Kiinnostava").click()
    page.locator(f"#{first_id} .verdict").wait_for()
    assert page.locator(f"#{first_id} .verdict").inner_text() == "Merkitty kiinnostavaksi"
    assert page.locator("#triage-status").inner_text() == "Haku merkittiin kiinnostavaksi."
    page.reload()
    assert page.locator(f"#{second_id}").count() == 0  # stays gone
    # The dismissed call waits on a page of its own, with the reason, until it is undone.
    page.get_by_role("link", name="Epäkiinnostaviksi merkitsemänne haut").click()
    dismissed = page.locator("li.match")
    expect(dismissed).to_have_count(1)  # waits for the page the link opens
    assert "Emme ole kelpoisia" in dismissed.first.inner_text()
    dismissed.first.get_by_role("button", name="Peru").click()
    expect(page.locator("li.match")).to_have_count(0)
    page.get_by_role("link", name="Takaisin osuviin hakuihin").click()
    expect(page.locator(f"#{second_id}")).to_have_count(1)  # back among the matches


def assert_one_row_each(matches) -> None:
    """Each match shows its score, title, programme, next deadline and first reason side by
    side on one line; the rest waits behind "Perustelut"."""
    for i in range(matches.count()):
        row = matches.nth(i).locator(".match-row")
        cells = [row.locator(c) for c in (".score", "h2", ".programme", ".deadline", ".top-reason")]
        assert all(cell.inner_text().strip() for cell in cells), matches.nth(i).inner_text()
        boxes = [cell.bounding_box() for cell in cells]
        assert [b["x"] for b in boxes] == sorted(b["x"] for b in boxes)
        assert max(b["y"] for b in boxes) - min(b["y"] for b in boxes) < 12
        details = matches.nth(i).locator("details")
        assert not details.evaluate("d => d.open")
    details.locator("summary").click()  # the last match's reasons and shares, on demand
    assert "Pisteiden osuudet" in details.inner_text()


def test_the_eligible_filter_sits_beside_its_label(page, site):
    sign_in(page, site, "member@kone.example")
    box = page.get_by_label("Vain haut, joihin organisaationi voi hakea").bounding_box()
    label = page.locator("label[for=eligible]").bounding_box()
    assert 0 <= label["x"] - (box["x"] + box["width"]) < 16
    assert abs((label["y"] + label["height"] / 2) - (box["y"] + box["height"] / 2)) < 8


def test_member_keyboard_reaches_the_content(page, site):
    page.goto(f"{site}/")
    page.keyboard.press("Tab")
    skip = page.locator(":focus")
    assert skip.inner_text() == "Siirry sisältöön"
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"#main$"))  # the jump lands after the key's events


def test_staff_sees_all_actors(page, site):
    sign_in(page, site, "staff@hameenliitto.example")
    page.get_by_role("link", name="Yleiskuva").click()
    table = page.locator("table").first
    assert "Hämeen Kone Oy" in table.inner_text() and "Forssan Ruoka ry" in table.inner_text()
    shot(page, "staff-overview")
    page.get_by_role("link", name="Lähteet").click()
    shot(page, "sources")
    page.get_by_role("link", name="Toimijat").click()
    assert page.get_by_role("link", name="Forssan Ruoka ry", exact=True).count() == 1


def test_switching_language_changes_the_page(page, site):
    page.goto(f"{site}/")
    assert page.get_by_role("heading", level=1).inner_text() == "Rahoitushaut"
    shot(page, "calls-fi")
    page.get_by_role("button", name="In English").click()
    assert page.get_by_role("heading", level=1).inner_text() == "Funding calls"
    assert page.locator("html").get_attribute("lang") == "en"
    page.goto(f"{site}/about")
    assert page.get_by_role("heading", level=1).inner_text() == "About the service"
    shot(page, "about-en")
    page.get_by_role("button", name="Suomeksi").click()
    assert page.get_by_role("heading", level=1).inner_text() == "Tietoa palvelusta"


def test_search_filters_stay_in_the_url(page, site):
    page.goto(f"{site}/")
    page.get_by_label("Hakusanat").fill("carbon")
    page.get_by_label("Järjestys").select_option("budget")
    # The list opens on calls one can apply to; this topic closed, so search any status.
    assert page.get_by_label("Tila").input_value() == "current"
    page.get_by_label("Tila").select_option("")
    page.get_by_role("button", name="Hae", exact=True).click()
    assert "q=carbon" in page.url and "sort=budget" in page.url and "status=&" in page.url
    assert "HORIZON-CL5-2026-09-D4-03" in page.locator("table").inner_text()
    page.get_by_role(
        "link", name="Advanced data platforms to integrate whole life carbon", exact=False
    ).first.click()
    assert page.get_by_role("heading", level=2, name="Määräajat").count() == 1
    shot(page, "call-detail")


def test_a_finnish_search_says_it_searched_in_both_languages(page, site):
    """A Finnish word typed in the form finds the English calls of its English words and the
    Finnish state grant, and the page says what it searched, in Finnish and in English."""
    page.goto(f"{site}/")
    page.get_by_label("Hakusanat").fill("valtionavustus")
    page.get_by_label("Tila").select_option("")
    page.get_by_role("button", name="Hae", exact=True).click()
    expect(page.locator("p.searched-in")).to_have_text(
        "Haettu suomeksi ja englanniksi: valtionavustus → state aid, government grant"
    )
    expect(page.get_by_role("link", name="Yksityisteiden valtionavustukset")).to_be_visible()
    page.get_by_label("Hakusanat").fill("kiertotalous")
    page.get_by_role("button", name="Hae", exact=True).click()
    expect(page.locator("p.searched-in")).to_have_text(
        "Haettu suomeksi ja englanniksi: kiertotalous → circular economy"
    )
    assert page.locator("table tbody tr").count() > 1
    page.get_by_role("button", name="In English").click()
    expect(page.locator("p.searched-in")).to_have_text(
        "Searched in Finnish and English: kiertotalous → circular economy"
    )
    shot(page, "search-both-languages")


@pytest.mark.parametrize(
    ("path", "who"),
    [
        ("/", None),
        ("/about", None),
        ("/login", None),
        ("/subscribe", None),
        ("/calls/1", None),
        ("OWN/matches", "member@kone.example"),
        ("OWN/edit", "member@kone.example"),
        ("/staff/", "staff@hameenliitto.example"),
        ("/staff/dashboard/", "staff@hameenliitto.example"),
        ("/staff/sources", "staff@hameenliitto.example"),
        ("/users", "staff@hameenliitto.example"),
    ],
)
def test_main_pages_have_no_serious_accessibility_violations(page, site, path, who):
    if who:
        sign_in(page, site, who)
    if path.startswith("OWN"):  # the member's own organisation, as the menu links it
        own = page.get_by_role("link", name="Profiilimme").get_attribute("href")
        path = path.replace("OWN", own)
    page.goto(f"{site}{path}")
    assert page.locator("h1").count() == 1
    assert axe_violations(page) == []


def checked(page, language: str) -> None:
    """The page as it stands: no serious accessibility finding, and in one language only."""
    assert axe_violations(page) == [], page.url
    assert problems_of(page.content(), language) == [], page.url


def in_both_languages(page) -> None:
    """Check the page in Finnish, switch to English and check it again, then back."""
    checked(page, "fi")
    page.get_by_role("button", name="In English").click()
    checked(page, "en")
    page.get_by_role("button", name="Suomeksi").click()


def test_staff_meets_the_regions_real_actors_and_their_matches(page, site):
    """From `make run`'s data: the Kanta-Häme organisations of CORDIS, matched."""
    sign_in(page, site, "staff@hameenliitto.example")
    page.get_by_role("link", name="Yleiskuva").click()
    overview = page.locator("main").inner_text()
    assert TELESTE in overview and "TERVAKOSKI OY" in overview
    in_both_languages(page)
    page.get_by_role("link", name="Toimijat").click()
    in_both_languages(page)
    page.get_by_role("link", name=TELESTE, exact=True).click()
    in_both_languages(page)
    page.get_by_role("link", name="Sopivat haut").first.click()
    matches = page.locator("li.match")
    assert matches.count() >= 1
    assert "Pisteet" in matches.first.inner_text()
    in_both_languages(page)


def test_member_of_a_region_actor_edits_the_profile_and_the_list_changes(page, site):
    sign_in(page, site, "member@teleste.example")
    page.get_by_role("link", name="Meille sopivat haut").click()
    in_both_languages(page)
    before = page.locator("li.match h2").all_inner_texts()
    page.get_by_role("link", name="Profiilimme").click()
    page.get_by_role("link", name="Muokkaa profiilia").click()
    in_both_languages(page)
    page.get_by_label("Avainsanat").fill("biogas, circular economy, bioeconomy, food waste")
    page.get_by_label("Kuvaus").fill(
        "We turn farm residues and food waste into biogas and bio-based products."
    )
    page.get_by_role("button", name="Tallenna profiili").click()
    assert "Profiili on tallennettu." in page.locator(".messages").inner_text()
    page.get_by_role("link", name="Meille sopivat haut").click()
    after = page.locator("li.match h2").all_inner_texts()
    assert after and after != before
    assert any("bio" in title.lower() or "circular" in title.lower() for title in after[:5])
    in_both_languages(page)


def test_admin_invites_a_member_of_a_region_actor_who_chooses_a_password(page, site, mailbox):
    inbox, _port = mailbox
    sign_in(page, site, "admin@hameenliitto.example")
    page.get_by_role("link", name="Käyttäjät").click()
    in_both_languages(page)
    page.get_by_role("link", name="Kutsu jäsen").click()
    in_both_languages(page)
    page.get_by_label("Sähköposti", exact=True).fill("tiina@tervakoski.example")
    page.get_by_label("Organisaatio").select_option(label="TERVAKOSKI OY")
    page.get_by_role("button", name="Lähetä kutsu").click()
    assert "tiina@tervakoski.example" in page.locator(".messages").inner_text()
    assert "tiina@tervakoski.example" in page.locator("table").inner_text()
    checked(page, "fi")
    invitation = inbox.messages[-1]
    assert invitation["To"] == "tiina@tervakoski.example"
    page.get_by_role("button", name="Kirjaudu ulos").click()

    page.goto(f"{site}{inbox.link()}")  # the invited member follows the emailed link
    checked(page, "fi")
    page.get_by_label("Uusi salasana", exact=True).fill("a long enough secret")
    page.get_by_label("Uusi salasana uudelleen").fill("a long enough secret")
    page.get_by_role("button").filter(has_text="salasana").first.click()
    sign_in(page, site, "tiina@tervakoski.example", "a long enough secret")
    page.get_by_role("link", name="Meille sopivat haut").click()
    assert "TERVAKOSKI OY" in page.locator("main").inner_text()
    in_both_languages(page)


def test_member_starts_an_application_and_moves_it_across_the_board(page, site):
    """From a call's page to a grant, with the board's buttons; each page checked in both
    languages."""
    sign_in(page, site, "member@teleste.example")
    page.locator("table tbody a").first.click()
    title = page.get_by_role("heading", level=1).inner_text()
    page.get_by_role("link", name="Aloita hakemus tähän hakuun").click()
    in_both_languages(page)
    page.get_by_label("Haettu EU-rahoitus (EUR)").fill("480000")
    page.get_by_label("Konsortion kumppanit").fill("Tampereen yliopisto; FI; koordinaattori")
    page.get_by_role("button", name="Tallenna hakemus").click()
    assert page.get_by_role("heading", level=1).inner_text() == title
    assert "Hakemus on tallennettu." in page.locator(".messages").inner_text()
    in_both_languages(page)
    page.get_by_role("link", name="Hakemukset tauluna vaiheittain").click()
    card = page.locator(".board li.card", has_text=title)
    stages = {
        "decision": "Go / no-go -päätös",
        "preparing": "Valmistelussa",
        "submitted": "Jätetty",
        "evaluation": "Arvioitavana",
        "granted": "Myönnetty",
    }
    for key, stage in stages.items():
        card.get_by_role("button", name=f"Vaiheeseen “{stage}”").click()
        page.locator(f'.column[data-stage="{key}"] li.card', has_text=title).wait_for()
        assert f"Siirretty vaiheeseen “{stage}”." in page.locator(".messages").inner_text()
        assert page.locator("li.card", has_text=title).count() == 1  # in one column only
    shot(page, "applications-board")
    in_both_languages(page)
    page.get_by_role("link", name="Hakemukset taulukkona").click()
    row = page.locator("table tbody tr", has_text=title)
    assert "Myönnetty" in row.inner_text() and "480" in row.inner_text()
    in_both_languages(page)
    row.get_by_role("link", name=title).click()
    history = page.locator(".history").inner_text()
    assert "Siirretty vaiheesta “Arvioitavana” vaiheeseen “Myönnetty”." in history
    in_both_languages(page)


def test_staff_turns_on_the_region_digest_and_unsubscribes_by_its_emailed_link(
    page, served, mailbox
):
    """The digest page, a digest delivered to the SMTP server, its unsubscribe link followed
    in the browser: a page with one button, then the subscription has ended."""
    site, app = served
    inbox, _port = mailbox
    sign_in(page, site, "staff@hameenliitto.example")
    page.get_by_role("link", name="Oma tili").click()
    page.get_by_role("link", name="Sähköpostikoosteet ja tallennetut hakurajaukset").click()
    in_both_languages(page)
    page.get_by_label("Kuinka usein").select_option(label="Päivittäin")
    page.get_by_role("button", name="Ota kooste käyttöön").click()
    expect(page.locator(".messages")).to_contain_text("Tilattu.")
    checked(page, "fi")

    engine, settings = app.extensions["radar"]["engine"], app.extensions["radar"]["settings"]
    with Session(engine) as session:
        (digest,) = session.exec(select(Subscription)).all()
        # Made a month before the calls were loaded: every call of the region is new to it.
        digest.covered_until = session.exec(select(func.min(Call.first_seen))).one() - timedelta(
            days=30
        )
        session.add(digest)
        session.commit()
    run = send_digests(engine, settings, DigestMail(app), now=utcnow() + timedelta(days=1))
    assert run.new == 1
    message = inbox.messages[-1]
    assert message["To"] == "staff@hameenliitto.example"
    link = re.search(r"/unsubscribe/\S+", message.get_body(preferencelist=("plain",)).get_content())

    page.goto(f"{site}{link.group(0)}")
    checked(page, "fi")
    page.get_by_role("button", name="Peru tilaus").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Tilaus peruttu")
    checked(page, "fi")
    with Session(engine) as session:
        assert session.exec(select(Subscription)).all() == []


def titled(scope, action: str, title: str):
    """The button `action` of the call `title` (its title is for screen readers only)."""
    return scope.get_by_role("button", name=re.compile(rf"^{action}\W+{re.escape(title)}$"))


def test_member_follows_a_call_from_its_page_and_from_a_match_and_stops(page, site, served):
    engine = served[1].extensions["radar"]["engine"]
    with Session(engine) as session:
        call = session.exec(select(Call).where(Call.identifier == "FSTP-11143")).one()
    sign_in(page, site, "member@teleste.example")
    page.goto(f"{site}/calls/{call.id}")
    titled(page, "Seuraa", call.title).click()
    expect(page.locator("#follow")).to_contain_text("Seuraat tätä hakua")
    # From a match: back on the list, the row's button now stops following.
    page.get_by_role("link", name="Meille sopivat haut").click()
    first = page.locator("li.match").first
    title = first.locator("h2").inner_text()
    titled(first, "Seuraa", title).click()
    expect(titled(page, "Lopeta seuraaminen", title)).to_be_visible()
    page.get_by_role("link", name="Seuratut").click()
    followed = page.locator("ul.followed")
    expect(followed).to_contain_text(call.title)
    expect(followed).to_contain_text(title)
    expect(page.get_by_role("main")).to_contain_text("Seuraamiesi hakujen muutokset")
    assert problems_of(page.content(), "fi") == []
    titled(page, "Lopeta seuraaminen", call.title).click()
    expect(followed).not_to_contain_text(call.title)
    with Session(engine) as session:
        user = session.exec(select(User).where(User.email == "member@teleste.example")).one()
        kept = session.exec(select(Follow.call_id).where(Follow.user_id == user.id)).all()
        alerts = session.exec(select(Subscription).where(Subscription.user_id == user.id)).all()
    assert call.id not in kept and len(kept) == 1
    assert [(s.kind, s.frequency, s.locale) for s in alerts] == [("follows", "daily", "fi")]


def test_member_saves_a_search_reads_its_feed_and_revokes_it(page, site):
    """A search saved on the calls page: its Atom feed linked there and on the subscriptions
    page, read by a feed reader (no session), then revoked by a click."""
    sign_in(page, site, "member@kone.example")
    page.goto(f"{site}/")
    page.get_by_label("Hakusanat").fill("carbon")
    page.get_by_label("Tila").select_option("")
    page.get_by_role("button", name="Hae", exact=True).click()
    page.get_by_text("Tallenna tämä hakurajaus").click()
    page.get_by_label("Hakurajauksen nimi").fill("Hiili")
    page.get_by_role("button", name="Tallenna hakurajaus").click()
    expect(page.locator(".messages")).to_contain_text("Tilattu.")
    page.go_back()
    page.reload()
    expect(page.locator(".saved-search")).to_contain_text(
        "Tallensit tämän hakurajauksen nimellä ”Hiili”."
    )
    href = page.get_by_role("link", name="Sen Atom-syöte").get_attribute("href")
    checked(page, "fi")
    served_at = f"{site}{urlsplit(href).path}"  # the link is on [web] base_url

    feed = feedparser.parse(requests.get(served_at, timeout=30).content)  # a reader: no cookie
    assert feed.feed.title == "Häme Funding Radar: Hiili" and not feed.bozo
    assert any("carbon" in entry.title.lower() for entry in feed.entries)

    page.goto(f"{site}/subscriptions")
    expect(page.locator(f'a[href="{href}"]')).to_have_count(1)
    page.get_by_role("button", name="Peru syötteen osoite").click()
    expect(page.locator(".messages")).to_contain_text("Syötteen osoite on peruttu")
    checked(page, "fi")
    assert requests.get(served_at, timeout=30).status_code == 404
    page.get_by_role("button", name="Tee syötteen osoite").click()
    renewed = page.locator("a.feed-url").get_attribute("href")
    assert renewed != href
    assert requests.get(f"{site}{urlsplit(renewed).path}", timeout=30).status_code == 200

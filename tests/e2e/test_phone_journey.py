"""A mechanic on a phone (390 × 844, touch), in Dutch: logs in, opens a car and records a full
status check one-handed, with taps only, then sees the result. No page may be wider than the
phone, and every rating button is a tap target of at least 44 × 44 px.

Selectors use values and URLs, not words, so the journey reads the Dutch pages a Dutch
mechanic sees. Viewport screenshots (not full pages) of the steps are kept beside the others
in e2e-screenshots/phone-mechanic-records-a-full-check-390/; the copies in docs/screenshots/ come
from there."""

import re

import pytest
from playwright.sync_api import Locator, Page, expect

from autopaspoort.forms import CHECKLIST
from autopaspoort.models import StatusCheck, StatusCheckItem
from tests.accounts.factories import PASSWORD
from tests.autopaspoort.factories import PassportFactory
from tests.e2e.conftest import E2E

pytestmark = E2E

Rating = StatusCheckItem.Rating
PHONE = {"width": 390, "height": 844}
MIN_TAP = 44  # px, WCAG 2.5.5 and the platforms' own guidelines
# What the mechanic finds, item by item: mostly fine, some soon, the rear brakes now.
FINDINGS = {
    "tyres_front": Rating.SOON,
    "brakes_rear": Rating.NOW,
    "wipers": Rating.SOON,
    "battery": Rating.NOW,
}


@pytest.fixture
def viewport_width() -> int:
    """This journey is the phone's: at 390 px only (the harness runs the others at every width)."""
    return PHONE["width"]


def phone_page(journey) -> Page:
    """A new person on a phone (the harness's 390 px context: touch screen, mobile), in Dutch."""
    return journey.page(locale="nl-NL")


def assert_fits(page: Page) -> None:
    """Nothing on the page reaches past the right edge of the screen."""
    page.wait_for_load_state()
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"{page.url} is {width} px wide on a {PHONE['width']} px phone"


def snap(journey, page: Page, name: str) -> None:
    """What the phone's screen shows (not the full page): small pictures for the README."""
    page.screenshot(path=journey.folder / f"phone-check-{name}.png")


def rating_button(card: Locator, rating: str) -> Locator:
    """The big button (the label) of one rating on one item's card."""
    return card.locator(f"label:has(input[type=radio][value={rating}])")


def test_phone_mechanic_records_a_full_check(journey, garage, mechanic):
    PassportFactory(garage=garage, plate="GJ-555-K", initial_odometer_km=84_250)
    phone = phone_page(journey)

    # Logging in needs the keyboard (email and password); the rest is taps.
    phone.goto("/accounts/login/")
    assert_fits(phone)
    phone.locator("input[name=username]").fill(mechanic.email)
    phone.locator("input[name=password]").fill(PASSWORD)
    phone.locator("main form button[type=submit]").tap()
    expect(phone).to_have_url(re.compile(rf"/garage/{garage.pk}/$"))
    assert_fits(phone)

    # The dashboard lists the car as a card; a tap on its plate opens it.
    phone.locator("main table a.plate", has_text="GJ-555-K").tap()
    expect(phone).to_have_url(re.compile(r"/passports/GJ-555-K/$"))
    assert_fits(phone)
    phone.locator("main a[href$='/checks/new/']").tap()
    expect(phone).to_have_url(re.compile(r"/checks/new/$"))
    assert_fits(phone)
    journey.shot(phone, "check-form")
    snap(journey, phone, "top")

    # One card per item of the checklist (and three free rows after them).
    cards = phone.locator(".check-card")
    expect(cards).to_have_count(len(CHECKLIST) + 3)
    save = phone.locator(".save-bar button[type=submit]")
    for number, component in enumerate(CHECKLIST):
        card = cards.nth(number)
        expect(card.locator(f"input[type=hidden][value={component}]")).to_have_count(1)
        for rating in Rating.values:
            box = rating_button(card, rating).bounding_box()
            assert box["width"] >= MIN_TAP, (component, rating, box)
            assert box["height"] >= MIN_TAP, (component, rating, box)
        chosen = FINDINGS.get(component, Rating.OK)
        rating_button(card, chosen).tap()
        expect(card.locator(f"input[value={chosen}]")).to_be_checked()
        # The chosen button says so with a check mark, not only with its colour.
        mark = rating_button(card, chosen).evaluate(
            "label => getComputedStyle(label, '::before').content"
        )
        assert "✓" in mark, mark
        # The save button stays on the screen while the mechanic works down the list.
        expect(save).to_be_in_viewport()
        if component == "brakes_rear":
            card.scroll_into_view_if_needed()
            snap(journey, phone, "card")
        if component == "lights":
            snap(journey, phone, "sticky-save")
    box = save.bounding_box()
    assert box["height"] >= MIN_TAP, box
    assert box["y"] + box["height"] <= PHONE["height"], box
    assert_fits(phone)

    save.tap()
    expect(phone).to_have_url(re.compile(r"/passports/GJ-555-K/$"))
    expect(phone.locator("section.messages .message-success")).to_be_visible()
    # The latest check, with the two items to fix now and the two for soon.
    expect(phone.locator(".check-items .badge-now")).to_have_count(2)
    expect(phone.locator(".check-items .badge-soon")).to_have_count(2)
    expect(phone.locator(".check-items .badge-ok")).to_have_count(len(CHECKLIST) - 4)
    assert_fits(phone)
    journey.shot(phone, "check-saved")
    # The picture: the latest check's costs and findings, under the "saved" message.
    phone.locator("article", has=phone.locator(".check-items")).evaluate(
        "article => article.scrollIntoView({block: 'start'})"
    )
    snap(journey, phone, "result")

    check = StatusCheck.objects.get(passport__plate="GJ-555-K")
    assert check.performed_by == mechanic
    assert check.odometer_km == 84_250
    assert {item.component: item.rating for item in check.items.all()} == {
        component: FINDINGS.get(component, Rating.OK) for component in CHECKLIST
    }

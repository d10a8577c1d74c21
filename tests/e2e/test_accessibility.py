"""A garage admin's day done with the keyboard only (Tab, Shift+Tab, arrows, Space, typing,
Enter: no clicks): log in, find a car, record a status check, sell the car. At every step the
control with the focus shows a focus ring (:focus-visible, an outline). Every step's page is also
scanned by axe-core and measured at every width (tests/e2e/conftest.py, `Journey.shot`); here
the form pages must in addition have had form controls for axe's "label" rule to check."""

import re

import pytest
from playwright.sync_api import Locator, Page, expect

from autopaspoort.models import StatusCheckItem
from notifications.models import Notification
from tests.accounts.factories import PASSWORD
from tests.autopaspoort.factories import PassportFactory, item, record_check
from tests.e2e.conftest import E2E, field, message
from tests.transfers.factories import customer_passport

pytestmark = E2E

Component = StatusCheckItem.Component
Rating = StatusCheckItem.Rating
MAX_TABS = 80

# The focused control (or the label around it: the check form's rating buttons are labels
# around their radio) must match :focus-visible and show an outline of at least 2 px.
FOCUS_RING = """() => {
  const focused = document.activeElement;
  if (!focused || focused === document.body) return "nothing has the focus";
  const html = focused.outerHTML.slice(0, 160);
  if (!focused.matches(":focus-visible")) return `not :focus-visible: ${html}`;
  const ring = node => {
    if (!node) return false;
    const style = getComputedStyle(node);
    return style.outlineStyle !== "none" && parseFloat(style.outlineWidth) >= 2;
  };
  return ring(focused) || ring(focused.closest("label")) ? null : `no focus ring: ${html}`;
}"""


def expect_focus_ring(page: Page) -> None:
    problem = page.evaluate(FOCUS_RING)
    assert problem is None, f"{page.url}: {problem}"


def tab_to(page: Page, target: Locator) -> None:
    """Press Tab until `target` has the focus, as a keyboard user does."""
    for _ in range(MAX_TABS):
        page.keyboard.press("Tab")
        if target.evaluate("element => element === document.activeElement"):
            expect_focus_ring(page)
            return
    pytest.fail(f"{target} cannot be reached with Tab ({MAX_TABS} presses)")


def type_into(page: Page, target: Locator, text: str) -> None:
    """The focus is on `target` (reached by Tab); type like a person."""
    expect(target).to_be_focused()
    expect_focus_ring(page)
    page.keyboard.type(text)


def log_in_with_keyboard(journey, page: Page, email: str, password: str, *, step: str) -> None:
    page.goto("/accounts/login/")
    type_into(page, field(page, "Email address"), email)  # the field has the focus
    page.keyboard.press("Tab")
    type_into(page, field(page, "Password"), password)
    journey.shot(page, step)
    page.keyboard.press("Enter")
    expect(page).not_to_have_url(re.compile(r"/accounts/login/"))


def choose_rating(page: Page, component: str, rating: str) -> Locator:
    """Into the component's rating group with Tab (the focus lands on the chosen radio button,
    or the first), then the arrow keys until `rating` is chosen, as in any radio group. The
    same with the check form's table rows and its cards of large buttons. Returns the radio."""
    group = page.get_by_role("group", name=f"Rating: {component}", exact=True)
    radios = group.get_by_role("radio")
    checked = group.locator("input[type=radio]:checked")
    tab_to(page, checked if checked.count() else radios.first)
    # "Soon (within ~3 months)" in a table row, "Soon" on a card button: the words it starts with.
    wanted = group.get_by_role("radio", name=re.compile(rf"^\s*{re.escape(rating)}\b"))
    for _ in range(radios.count()):
        if wanted.is_checked():
            break
        page.keyboard.press("ArrowDown")
    expect(wanted).to_be_checked()
    expect(wanted).to_be_focused()
    expect_focus_ring(page)
    return wanted


def item_field(page: Page, radio: Locator, name: str) -> Locator:
    """Another field of the radio button's item (the formset prefix of its name: items-3-)."""
    prefix = radio.get_attribute("name").removesuffix("rating")
    return page.locator(f'[name="{prefix}{name}"]')


def scanned(journey, step: str):
    """The axe scan of the step (labels are numbered: 03-status-check-form)."""
    return next(result for label, result in journey.scans.items() if label.endswith(f"-{step}"))


def test_a_garage_day_with_the_keyboard_only(journey, garage, garage_admin, owner):
    passport = PassportFactory(garage=garage, plate="GJ-555-K")
    record_check(passport, items=[item(Component.WIPERS, Rating.SOON, "34.95")])
    owned = customer_passport(garage, owner, plate="HX-123-B")
    record_check(owned, items=[item(Component.WIPERS, Rating.SOON, "34.95")])

    # Log in.
    admin = journey.page()
    log_in_with_keyboard(journey, admin, garage_admin.email, PASSWORD, step="login")
    expect(admin.get_by_role("heading", name="Garage A")).to_be_visible()

    # Find the car: the search field, the plate, Enter; then the car's link.
    tab_to(admin, field(admin, "Search plate, name or VIN"))
    type_into(admin, field(admin, "Search plate, name or VIN"), "gj555")
    admin.keyboard.press("Enter")
    expect(admin).to_have_url(re.compile(r"\?q=gj555"))
    expect(admin.get_by_role("link", name="HX-123-B")).to_have_count(0)
    journey.shot(admin, "found")
    tab_to(admin, admin.get_by_role("link", name="GJ-555-K"))
    admin.keyboard.press("Enter")
    expect(admin.get_by_text("Stock", exact=True)).to_be_visible()
    journey.shot(admin, "profile")

    # Record a status check: brakes rear "now" with a cost, tyres front "soon".
    tab_to(admin, admin.get_by_role("button", name="New status check"))
    admin.keyboard.press("Enter")
    expect(admin.get_by_role("heading", name="New status check")).to_be_visible()
    journey.shot(admin, "status-check-form")
    brakes = choose_rating(admin, "Brakes rear", "Now")
    tab_to(admin, item_field(admin, brakes, "estimated_cost"))
    type_into(admin, item_field(admin, brakes, "estimated_cost"), "185.50")
    admin.keyboard.press("Shift+Tab")  # back, and forth again: the focus ring both ways
    expect_focus_ring(admin)
    admin.keyboard.press("Tab")
    tyres = choose_rating(admin, "Tyres front", "Soon")
    tab_to(admin, item_field(admin, tyres, "estimated_cost"))
    type_into(admin, item_field(admin, tyres, "estimated_cost"), "240.00")
    journey.shot(admin, "status-check-typed")
    tab_to(admin, admin.get_by_role("button", name="Save status check"))
    admin.keyboard.press("Enter")
    expect(message(admin, "Status check saved.")).to_be_visible()
    expect(admin.locator(".stat-value").first).to_have_text("€425.50 incl. VAT")
    journey.shot(admin, "status-check-saved")

    # Sell it: the back arrow asks "transfer to a customer?"; the form; "did you mean";
    # the confirmation; all with the keyboard.
    tab_to(admin, admin.get_by_role("link", name="Close and back to the dashboard"))
    admin.keyboard.press("Enter")
    dialog = admin.locator("dialog[open]")
    expect(dialog).to_contain_text("Transfer it to a customer?")
    journey.shot(admin, "transfer-prompt")
    tab_to(admin, dialog.get_by_role("button", name="Yes, transfer"))
    admin.keyboard.press("Space")  # a button, pressed as one
    expect(admin.get_by_role("heading", name="Transfer to a new owner")).to_be_visible()
    journey.shot(admin, "transfer-details")
    tab_to(admin, field(admin, "Name"))
    for label, text in (
        ("Name", "Piet Koper"),
        ("Email address", "piet@gmial.com"),
        ("Street", "Kerkstraat"),
        ("House number", "12"),
        ("Postcode", "3511 AB"),
        ("City", "Utrecht"),
        ("Phone", "0612345678"),
    ):
        if label != "Name":
            admin.keyboard.press("Tab")  # the fields come in the order a person reads them
        type_into(admin, field(admin, label), text)
    journey.shot(admin, "details-typed")
    admin.keyboard.press("Enter")  # submits with the form's first button, "Next"
    suggestion = admin.locator(".suggestion")
    expect(suggestion).to_contain_text("Did you mean piet@gmail.com?")
    journey.shot(admin, "did-you-mean")
    tab_to(admin, suggestion.get_by_role("button", name="Use piet@gmail.com"))
    admin.keyboard.press("Enter")
    expect(admin.locator(".email-large")).to_have_text("piet@gmail.com")
    journey.shot(admin, "confirm")
    tab_to(admin, admin.get_by_role("button", name="Confirm transfer"))
    admin.keyboard.press("Enter")
    expect(
        message(admin, "GJ-555-K is transferred. piet@gmail.com receives an email")
    ).to_be_visible()
    journey.shot(admin, "transferred")
    journey.inbox.delivered(kind=Notification.Kind.OWNER_ACTIVATION, recipient="piet@gmail.com")

    # The owner's car in the portal.
    portal = journey.page()
    log_in_with_keyboard(journey, portal, owner.email, PASSWORD, step="owner-login")
    tab_to(portal, portal.get_by_role("link", name="HX-123-B"))
    portal.keyboard.press("Enter")
    expect(portal.get_by_text("Expected costs", exact=True)).to_be_visible()
    journey.shot(portal, "portal-car")

    # The forms had controls for axe's "label" rule to check (and each had its label; the
    # serious violations fail the journey in `Journey.shot`).
    for form_page in ("login", "status-check-form", "transfer-details"):
        assert "label" in scanned(journey, form_page).passed, form_page

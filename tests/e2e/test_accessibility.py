"""The transfer done with the keyboard only (Tab, typing, Enter: no clicks), and an axe-core
scan (vendored, tests/e2e/vendor) of the pages people fill in or read most: no serious or
critical violations, so every form control has a label a screen reader can read."""

import json
import re

import pytest
from playwright.sync_api import Locator, Page, expect

from autopaspoort.models import StatusCheckItem
from notifications.models import Notification
from tests.accounts.factories import PASSWORD
from tests.autopaspoort.factories import PassportFactory, item, record_check
from tests.e2e.conftest import E2E, axe_scan, field, message
from tests.transfers.factories import customer_passport

pytestmark = E2E

Component = StatusCheckItem.Component
Rating = StatusCheckItem.Rating
MAX_TABS = 60


def tab_to(page: Page, target: Locator) -> None:
    """Press Tab until `target` has the focus, as a keyboard user does."""
    for _ in range(MAX_TABS):
        page.keyboard.press("Tab")
        if target.evaluate("element => element === document.activeElement"):
            return
    pytest.fail(f"{target} cannot be reached with Tab ({MAX_TABS} presses)")


def type_into(page: Page, target: Locator, text: str) -> None:
    """The focus is on `target` (reached by Tab); type like a person."""
    expect(target).to_be_focused()
    page.keyboard.type(text)


def log_in_with_keyboard(journey, page: Page, email: str, password: str, *, step: str) -> None:
    page.goto("/accounts/login/")
    type_into(page, field(page, "Email address"), email)  # the field has the focus
    page.keyboard.press("Tab")
    type_into(page, field(page, "Password"), password)
    journey.shot(page, step)
    page.keyboard.press("Enter")
    expect(page).not_to_have_url(re.compile(r"/accounts/login/"))


def test_transfer_with_the_keyboard_only_and_no_serious_axe_violations(
    journey, garage, garage_admin, owner
):
    passport = PassportFactory(garage=garage, plate="GJ-555-K")
    record_check(passport, items=[item(Component.BRAKES_REAR, Rating.NOW, "185.50")])
    owned = customer_passport(garage, owner, plate="HX-123-B")
    record_check(owned, items=[item(Component.WIPERS, Rating.SOON, "34.95")])
    scans = {}

    def scan(page: Page, label: str) -> None:
        scans[label] = axe_scan(journey, page, label)

    # The login page, then logging in with the keyboard.
    admin = journey.page()
    admin.goto("/accounts/login/")
    scan(admin, "login")
    log_in_with_keyboard(journey, admin, garage_admin.email, PASSWORD, step="login-keyboard")

    # The create form and the status check form.
    admin.goto(f"/garage/{garage.pk}/passports/new/")
    expect(admin.get_by_role("heading", name="New AutoPaspoort")).to_be_visible()
    scan(admin, "create-form")
    journey.shot(admin, "create-form")
    admin.goto(f"/garage/{garage.pk}/passports/GJ-555-K/checks/new/")
    expect(admin.get_by_role("heading", name="New status check")).to_be_visible()
    scan(admin, "status-check-form")
    journey.shot(admin, "status-check-form")

    # From the profile (its back arrow asks "transfer to a customer?") to the transfer form,
    # and through it, with the keyboard only.
    admin.goto(f"/garage/{garage.pk}/passports/GJ-555-K/")
    tab_to(admin, admin.get_by_role("link", name="Close and back to the dashboard"))
    admin.keyboard.press("Enter")
    dialog = admin.locator("dialog[open]")
    expect(dialog).to_contain_text("Transfer it to a customer?")
    scan(admin, "transfer-prompt")
    journey.shot(admin, "transfer-prompt")
    tab_to(admin, dialog.get_by_role("button", name="Yes, transfer"))
    admin.keyboard.press("Enter")
    expect(admin.get_by_role("heading", name="Transfer to a new owner")).to_be_visible()
    scan(admin, "transfer-details")
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
    scan(admin, "transfer-suggestion")
    journey.shot(admin, "did-you-mean")
    tab_to(admin, suggestion.get_by_role("button", name="Use piet@gmail.com"))
    admin.keyboard.press("Enter")
    expect(admin.locator(".email-large")).to_have_text("piet@gmail.com")
    scan(admin, "transfer-confirm")
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
    log_in_with_keyboard(journey, portal, owner.email, PASSWORD, step="owner-login-keyboard")
    portal.goto("/mijn/HX-123-B/")
    expect(portal.get_by_text("Expected costs", exact=True)).to_be_visible()
    scan(portal, "portal-car")
    journey.shot(portal, "portal-car")

    # Form controls were found and every one has a label; nothing serious or critical anywhere.
    for form_page in ("login", "create-form", "status-check-form", "transfer-details"):
        assert "label" in scans[form_page].passed, form_page
    serious = [violation for result in scans.values() for violation in result.serious]
    assert serious == [], json.dumps(serious, indent=2)

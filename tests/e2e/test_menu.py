"""The main menu (issue 16, section 3): a row of links on a tablet or a wide screen, folded
behind "Menu" on a phone, where one tap opens it (no script needed)."""

import re

from playwright.sync_api import expect

from tests.e2e.conftest import E2E, PHONES, log_in

pytestmark = E2E


def test_the_menu_is_a_row_on_a_wide_screen_and_folds_on_a_phone(journey, garage):
    page = journey.page()
    log_in(journey, page, garage.account_user.email)
    menu = page.get_by_role("navigation", name="Menu")
    toggle = page.get_by_text("Menu", exact=True)

    if journey.width in PHONES:
        expect(menu.get_by_role("link", name="Promotions")).to_be_hidden()
        toggle.click()
        journey.shot(page, "menu-open")
    else:
        expect(toggle).to_be_hidden()
    expect(menu.get_by_role("link", name="Promotions")).to_be_visible()
    menu.get_by_role("link", name="Reminders").click()
    expect(page.get_by_role("heading", name="Reminders", level=1)).to_be_visible()
    journey.shot(page, "reminders")

    if journey.width in PHONES:
        toggle.click()
    menu.get_by_role("link", name="Promotions").click()
    expect(page).to_have_url(re.compile(rf"/garage/{garage.pk}/acties/$"))
    journey.shot(page, "promotions")

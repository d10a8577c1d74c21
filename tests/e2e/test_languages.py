"""The same pages in Dutch (the default) and in English, switched with the NL/EN buttons in the
header. The strings are the catalogue's (locale/nl/LC_MESSAGES/django.po)."""

import re

from playwright.sync_api import Page, expect

from autopaspoort.models import StatusCheckItem
from tests.accounts.factories import PASSWORD
from tests.autopaspoort.factories import HistoryEntryFactory, PassportFactory, item, record_check
from tests.e2e.conftest import E2E, field, menu_link

pytestmark = E2E

Component = StatusCheckItem.Component
Rating = StatusCheckItem.Rating


def switch_to(page: Page, code: str) -> None:
    """Press the language button in the header; the same page comes back in that language."""
    url = page.url
    page.get_by_role("banner").get_by_role("button", name=code.upper(), exact=True).click()
    expect(page.locator("html")).to_have_attribute("lang", code)
    expect(page).to_have_url(url)
    current = page.get_by_role("banner").get_by_role("button", name=code.upper(), exact=True)
    expect(current).to_have_attribute("aria-current", "true")


def expect_texts(page: Page, *texts: str) -> None:
    for text in texts:
        expect(page.get_by_text(text, exact=True).first).to_be_visible()


def test_the_same_pages_in_dutch_and_in_english(journey, garage, garage_admin):
    passport = PassportFactory(garage=garage, plate="GJ-555-K")
    HistoryEntryFactory(passport=passport, description="Kleine beurt")
    record_check(passport, items=[item(Component.BRAKES_REAR, Rating.NOW, "185.50")])

    # A Dutch browser gets Dutch; EN switches the same page to English, NL back.
    page = journey.page(locale="nl-NL")
    page.goto("/accounts/login/")
    expect(page.locator("html")).to_have_attribute("lang", "nl")
    expect(page.get_by_role("heading", name="Inloggen")).to_be_visible()
    expect_texts(page, "E-mailadres:", "Wachtwoord vergeten?")
    expect(page.get_by_role("contentinfo")).to_contain_text("Het digitale paspoort van uw auto")
    journey.shot(page, "login-nl")
    switch_to(page, "en")
    expect(page.get_by_role("heading", name="Log in")).to_be_visible()
    expect_texts(page, "Email address:", "Forgot your password?")
    expect(page.get_by_role("contentinfo")).to_contain_text("The digital passport of your car")
    journey.shot(page, "login-en")
    switch_to(page, "nl")
    field(page, "E-mailadres").fill(garage_admin.email)
    field(page, "Wachtwoord").fill(PASSWORD)
    page.locator("main form").get_by_role("button", name="Inloggen").click()

    # The garage's pages in Dutch.
    expect(page.get_by_role("heading", name="Garage A")).to_be_visible()
    expect_texts(page, "Voorraadauto's", "Klantauto's")
    expect(page.get_by_role("button", name="Nieuw AutoPaspoort")).to_be_visible()
    journey.shot(page, "dashboard-nl")
    page.get_by_role("link", name="GJ-555-K").click()
    expect_texts(page, "Voertuig", "Historie", "Verwachte kosten voor de eigenaar")
    expect(page.get_by_role("button", name="Gegevens eigenaar en bestuurder")).to_be_visible()
    expect(page.get_by_text("€\u00a0185,50").first).to_be_visible()  # Dutch number format
    journey.shot(page, "profile-nl")
    page.get_by_role("button", name="Overschrijven naar nieuwe eigenaar").click()
    expect(page.get_by_role("heading", name="Overschrijven naar nieuwe eigenaar")).to_be_visible()
    expect(field(page, "Naam")).to_be_visible()
    expect(field(page, "Straat")).to_be_visible()
    expect(page.get_by_role("button", name="Volgende: controleren en bevestigen")).to_be_visible()
    journey.shot(page, "transfer-nl")

    # The same pages in English, on the way back.
    switch_to(page, "en")
    expect(page.get_by_role("heading", name="Transfer to a new owner")).to_be_visible()
    expect(field(page, "Name")).to_be_visible()
    expect(field(page, "Street")).to_be_visible()
    expect(page.get_by_role("button", name="Next: check and confirm")).to_be_visible()
    journey.shot(page, "transfer-en")
    page.get_by_role("link", name="Back").click()
    expect_texts(page, "Vehicle", "History", "Expected costs for the owner")
    expect(page.get_by_role("button", name="Owner and driver details")).to_be_visible()
    expect(page.get_by_text("€185.50").first).to_be_visible()
    journey.shot(page, "profile-en")
    menu_link(page, "Garage A").click()
    expect_texts(page, "Stock cars", "Customer cars")
    expect(page.get_by_role("button", name="New AutoPaspoort")).to_be_visible()
    expect(page).to_have_url(re.compile(rf"/garage/{garage.pk}/$"))
    journey.shot(page, "dashboard-en")

"""The owner shares the car in the portal; a buyer opens the link on a phone (390 px), sees the
history and no person, and checks the PDF's verification code. The owner then revokes the link
and the buyer's next visit says so. One width only: the buyer's phone."""

import re

import pytest
from playwright.sync_api import expect

from sharing.models import PassportDocument, ShareLink
from tests.autopaspoort.factories import HistoryEntryFactory, record_check
from tests.e2e.conftest import E2E, log_in
from tests.transfers.factories import customer_passport

pytestmark = E2E


@pytest.fixture
def viewport_width() -> int:
    """The buyer's phone (the harness runs the other journeys at every width)."""
    return 390


def test_owner_shares_and_a_buyer_opens_the_link_on_a_phone(journey, garage, owner):
    car = customer_passport(garage, owner, plate="GJ-555-K", driver_name="Dirk Bestuurder")
    record_check(car, odometer_km=61_000)
    HistoryEntryFactory(passport=car, odometer_km=55_000, description="Grote beurt")

    seller = journey.page()
    log_in(journey, seller, owner.email)
    seller.goto(f"/mijn/{car.plate}/")
    share = seller.locator("#share")
    share.get_by_label("Valid for (days)").fill("14")
    journey.shot(seller, "owner-car-page")
    share.get_by_role("button", name="Make a share link").click()
    expect(seller.locator("#share .share-links li")).to_have_count(1)
    journey.shot(seller, "link-made")
    link = ShareLink.objects.get()
    url = seller.locator("#share .share-links input[readonly]").input_value()
    assert url.endswith(f"/p/{link.token}/")

    buyer = journey.page()
    buyer.goto(url)
    expect(buyer.locator("main h1")).to_contain_text("VOLKSWAGEN")
    expect(buyer.locator("main")).to_contain_text("61,000")
    expect(buyer.locator("main")).to_contain_text("Grote beurt")
    text = buyer.locator("body").inner_text()
    for secret in (owner.full_name, owner.email, "Dirk Bestuurder"):
        assert secret not in text
    journey.shot(buyer, "buyer-share-page")

    with buyer.expect_download() as download:
        buyer.evaluate(f"window.location.href = '/p/{link.token}/pdf'")
    assert download.value.suggested_filename.endswith(".pdf")
    code = PassportDocument.objects.get().code
    buyer.goto("/verify/")
    buyer.get_by_label("Verification code").fill(code.lower())
    buyer.get_by_role("button", name="Check").click()
    expect(buyer.locator("#document")).to_contain_text(car.plate)
    journey.shot(buyer, "buyer-verifies-the-pdf")

    seller.get_by_role("button", name="Revoke").click()
    expect(seller.locator("#share .share-links")).to_have_count(0)
    response = buyer.goto(url)
    assert response.status == 410
    expect(buyer.locator("main h1")).to_have_text(re.compile("revoked"))
    journey.shot(buyer, "buyer-link-revoked")

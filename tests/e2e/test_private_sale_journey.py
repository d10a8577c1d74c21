"""A private sale (issue 17, part 3), from share link to activation: the owner shares the car's
history, the buyer reads it from the link, the owner hands the passport over in the portal (the
same "did you mean" guard and two steps as the garage) and loses the car at once, the buyer
activates it from the email link, and the seller's share link died with the sale.
One phone width (CI time); the other journeys cover the rest.
"""

import re

import pytest
from playwright.sync_api import expect

from notifications.models import Notification
from tests.e2e.conftest import E2E, field, link_in, log_in, message
from tests.transfers.factories import NEW_PASSWORD, customer_passport
from transfers.models import Transfer

pytestmark = E2E

Kind = Notification.Kind
ACTIVATION_PATH = r"^/mijn/activeren/[^/]+/[^/]+/$"


@pytest.fixture
def viewport_width():
    return 390


def test_the_owner_sells_the_car_and_the_buyer_activates_it(journey, garage, owner):
    car = customer_passport(garage, owner, plate="GJ-555-K")

    seller = journey.page()
    log_in(journey, seller, owner.email, step="seller-logs-in")
    seller.goto(f"/mijn/{car.plate}/")
    journey.shot(seller, "car-page")

    # Before paying, the buyer reads the car's history from a share link (no seller in it).
    seller.locator("#share").get_by_role("button", name="Make a share link").click()
    shared = seller.locator("#share .share-links input[readonly]").input_value()
    buyer = journey.page()
    assert buyer.goto(shared).status == 200
    expect(buyer.locator("main")).to_contain_text("GJ-555-K")
    expect(buyer.locator("body")).not_to_contain_text(owner.full_name)
    journey.shot(buyer, "buyer-reads-the-share-link")

    seller.get_by_role("button", name="Transfer to a buyer").click()

    # The buyer's details, with a mistyped domain: the form suggests the right one.
    field(seller, "Name").fill("Koper Drie")
    field(seller, "Email address").fill("koper@gmial.com")
    seller.get_by_role("button", name="Next: check and confirm").click()
    suggestion = seller.locator(".suggestion")
    expect(suggestion).to_contain_text("Did you mean koper@gmail.com?")
    journey.shot(seller, "did-you-mean")
    suggestion.get_by_role("button", name="Use koper@gmail.com").click()

    expect(seller.locator(".email-large")).to_have_text("koper@gmail.com")
    expect(seller.locator(".confirm-transfer")).to_contain_text("cancel the transfer")
    journey.shot(seller, "confirm")
    seller.get_by_role("button", name="✔ Confirm transfer").click()

    # The car left the seller's account at once; the sale waits for the buyer.
    expect(message(seller, "GJ-555-K is transferred.")).to_be_visible()
    expect(seller.get_by_text("Waiting for the buyer")).to_be_visible()
    expect(seller.get_by_role("button", name="Cancel the transfer GJ-555-K")).to_be_visible()
    journey.shot(seller, "waiting-for-the-buyer")
    assert seller.goto(f"/mijn/{car.plate}/").status == 404

    # The buyer opens the link in the email and chooses a password: the car is theirs.
    activation = journey.inbox.delivered(kind=Kind.OWNER_ACTIVATION, recipient="koper@gmail.com")
    buyer.goto(link_in(activation, ACTIVATION_PATH))
    field(buyer, "New password").fill(NEW_PASSWORD)
    field(buyer, "New password confirmation").fill(NEW_PASSWORD)
    journey.shot(buyer, "buyer-activates")
    buyer.get_by_role("button", name="Activate").click()
    expect(buyer).to_have_url(re.compile(r"/mijn/GJ-555-K/$"))
    expect(buyer.locator("ul.periods li").nth(1)).to_contain_text("Previous owner")
    expect(buyer.locator("body")).not_to_contain_text(owner.full_name)
    journey.shot(buyer, "buyer-has-the-car")

    # The seller's receipt and the garage's notice went out; the garage keeps the car.
    journey.inbox.delivered(kind=Kind.TRANSFER_RECEIPT, recipient=owner.email)
    notice = journey.inbox.delivered(kind=Kind.GARAGE_PRIVATE_SALE, recipient=garage.email)
    assert "GJ-555-K" in notice
    assert Transfer.objects.get(passport=car).state == Transfer.State.COMPLETED
    # The seller's share link ended with their ownership.
    assert buyer.goto(shared).status == 410

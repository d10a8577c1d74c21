"""Moving a car to another garage (issue 17, part 4): garage B searches the plate of a car that
garage A services, asks its owner, the owner follows the email's link and allows it in the
portal, and garage B finds the car in its list. Garage A then sees only what it wrote, read-only.
One width: the consent pages are those of the fleet journey, checked at every width there."""

import pytest
from playwright.sync_api import expect

from autopaspoort.models import GarageHandover
from notifications.models import Notification
from tests.autopaspoort.factories import HistoryEntryFactory
from tests.e2e.conftest import E2E, link_in, log_in, message
from tests.transfers.factories import customer_passport

pytestmark = E2E


@pytest.fixture
def viewport_width():
    return 390


def test_the_owner_lets_another_garage_service_their_car(journey, garage, other_garage, owner):
    car = customer_passport(garage, owner, plate="GJ-555-K")
    HistoryEntryFactory(passport=car, description="Distributieriem vervangen")

    garage_b = journey.page()
    log_in(journey, garage_b, other_garage.account_user.email, step="garage-b-logs-in")
    garage_b.goto(f"/garage/{other_garage.pk}/?q=gj555k")
    expect(garage_b.get_by_text("has an AutoPaspoort with another garage")).to_be_visible()
    journey.shot(garage_b, "garage-b-finds-the-plate")
    garage_b.get_by_role("button", name="Request access from the owner").click()
    expect(message(garage_b, "We asked the owner")).to_be_visible()

    texts = journey.inbox.delivered(
        kind=Notification.Kind.GARAGE_MOVE_REQUEST, recipient=owner.email
    )
    person = journey.page()
    log_in(journey, person, owner.email, step="owner-logs-in")
    person.goto(link_in(texts, r"/mijn/GJ-555-K/"))
    expect(person.get_by_text("asks to service your car")).to_be_visible()
    journey.shot(person, "owner-is-asked")
    person.get_by_role("button", name=f"Allow {other_garage.name}").click()
    expect(message(person, "now services")).to_be_visible()
    journey.shot(person, "owner-allowed")

    journey.inbox.delivered(
        kind=Notification.Kind.GARAGE_MOVE_ANSWERED, recipient=other_garage.account_user.email
    )
    garage_b.goto(f"/garage/{other_garage.pk}/?q=GJ-555-K")
    expect(garage_b.get_by_text("Distributieriem vervangen")).to_be_visible()
    journey.shot(garage_b, "garage-b-has-the-car")
    assert GarageHandover.objects.get(passport=car).to_garage == other_garage

    garage_a = journey.page()
    log_in(journey, garage_a, garage.account_user.email, step="garage-a-logs-in")
    garage_a.goto(f"/garage/{garage.pk}/?q=GJ-555-K")
    expect(garage_a.get_by_text("History written by your garage")).to_be_visible()
    expect(garage_a.locator("main").get_by_role("button")).to_have_count(0)  # read-only
    journey.shot(garage_a, "garage-a-read-only")

"""A private owner's consent (issue 14, item 2): the garage asks to add a customer's car to a
fleet, the owner answers in the portal, and only then is the car in the fleet. Like every journey
it runs at phone, tablet and laptop widths, every page no wider than the screen and without
serious accessibility violations (`Journey.shot`)."""

from playwright.sync_api import expect

from fleet.models import FleetLink, FleetLinkRequest
from tests.e2e.conftest import E2E, field, log_in, message
from tests.fleet.factories import FleetFactory
from tests.transfers.factories import customer_passport

pytestmark = E2E


def test_the_owner_lets_a_garage_add_their_car_to_a_fleet(journey, garage, owner):
    fleet = FleetFactory(name="Leasebedrijf Noord BV", garages=[garage])
    car = customer_passport(garage, owner, plate="GJ-555-K")

    staff = journey.page()
    log_in(journey, staff, garage.account_user.email, step="garage-logs-in")
    staff.goto(f"/garage/{garage.pk}/passports/{car.plate}/details/")
    expect(staff.get_by_text("belongs to a private owner")).to_be_visible()
    field(staff, "Fleet").select_option(label=fleet.name)
    journey.shot(staff, "garage-asks-the-owner")
    staff.get_by_role("button", name="Ask the owner").click()
    expect(message(staff, "is asked by email")).to_be_visible()
    expect(staff.get_by_text("Waiting for the owner")).to_be_visible()
    assert not FleetLink.objects.filter(passport=car).exists()

    person = journey.page()
    log_in(journey, person, owner.email, step="owner-logs-in")
    person.goto(f"/mijn/{car.plate}/")
    expect(person.get_by_text("asks to add this car to the fleet")).to_be_visible()
    journey.shot(person, "owner-is-asked")
    person.get_by_role("button", name="Accept").click()
    expect(message(person, "has joined the fleet")).to_be_visible()
    journey.shot(person, "owner-accepted")

    assert FleetLinkRequest.objects.get().state == "accepted"
    assert FleetLink.objects.get(passport=car).fleet == fleet

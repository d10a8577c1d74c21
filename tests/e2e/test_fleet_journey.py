"""A fleet manager in the browser: the fleet dashboard, the APK filter, and a car transferred out
of the fleet to a new owner (details, then confirmation)."""

import re
from datetime import timedelta

from django.utils import timezone
from playwright.sync_api import expect

from autopaspoort.models import StatusCheckItem
from fleet.models import FleetLink
from notifications.models import Notification
from tests.autopaspoort.factories import item, record_check
from tests.e2e.conftest import E2E, field, link_in, log_in, message
from tests.fleet.factories import FleetFactory, fleet_car, manager_of
from transfers.models import Transfer

pytestmark = E2E

Component = StatusCheckItem.Component
Rating = StatusCheckItem.Rating


def test_fleet_manager_filters_apk_due_and_transfers_a_car_out(journey, garage):
    today = timezone.localdate()
    fleet = FleetFactory(name="Leasebedrijf Noord BV", garages=[garage])
    manager = manager_of(fleet, full_name="Wim Wagenpark")
    due_soon = fleet_car(
        fleet, garage=garage, plate="HX-123-B", driver_name="Bea Bestuurder",
        apk_expires=today + timedelta(days=20),
    )  # fmt: skip
    fleet_car(
        fleet, garage=garage, plate="KG-73-RT", driver_name="Cor Chauffeur",
        apk_expires=today + timedelta(days=45), make="TOYOTA", model="YARIS",
    )  # fmt: skip
    fleet_car(
        fleet, garage=garage, plate="ZD-518-N", driver_name="Daan de Rijder",
        apk_expires=today + timedelta(days=200), make="KIA", model="NIRO",
    )  # fmt: skip
    record_check(due_soon, items=[item(Component.BRAKES_FRONT, Rating.NOW, "120.00")])

    # The manager logs in and lands on the fleet's dashboard.
    wim = journey.page()
    log_in(journey, wim, manager.email)
    expect(wim).to_have_url(re.compile(rf"/wagenpark/{fleet.pk}/$"))
    expect(wim.get_by_role("heading", name="Leasebedrijf Noord BV")).to_be_visible()
    summary = wim.get_by_role("region", name="Summary")
    cars = summary.locator("article").filter(has=wim.get_by_text("Cars", exact=True))
    expect(cars.locator(".stat-value")).to_have_text("3")
    apk_due = summary.locator("article").filter(has_text="APK due within 60 days")
    expect(apk_due.locator(".stat-value")).to_have_text("2")
    rows = wim.locator("table tbody tr")
    expect(rows).to_have_count(3)
    expect(rows.filter(has_text="HX-123-B")).to_contain_text("needs work")
    journey.shot(wim, "fleet-dashboard")

    # Only the cars whose APK expires within 60 days.
    field(wim, "APK due within 60 days").check()
    wim.get_by_role("button", name="Search").click()
    expect(wim).to_have_url(re.compile(r"apk_due=on"))
    expect(rows).to_have_count(2)
    expect(rows.nth(0)).to_contain_text("HX-123-B")
    expect(rows.nth(1)).to_contain_text("KG-73-RT")
    expect(field(wim, "APK due within 60 days")).to_be_checked()
    journey.shot(wim, "apk-due")

    # The car with brakes to fix now leaves the fleet for a new owner.
    wim.get_by_role("link", name="HX-123-B").click()
    expect(wim.get_by_text("Bea Bestuurder")).to_be_visible()
    journey.shot(wim, "fleet-car")
    wim.get_by_role("button", name="Transfer to a new owner").click()
    expect(wim.get_by_role("heading", name="Transfer to a new owner")).to_be_visible()
    field(wim, "Name").fill("Bea Bestuurder")
    field(wim, "Email address").fill("bea@example.nl")
    field(wim, "City").fill("Groningen")
    journey.shot(wim, "transfer-details")
    wim.get_by_role("button", name="Next: check and confirm").click()
    expect(wim.locator(".email-large")).to_have_text("bea@example.nl")
    journey.shot(wim, "transfer-confirm")
    wim.get_by_role("button", name="Confirm transfer").click()

    # Back on the dashboard: the car has left the fleet.
    expect(wim).to_have_url(re.compile(rf"/wagenpark/{fleet.pk}/$"))
    expect(
        message(wim, "HX-123-B is transferred. bea@example.nl receives an email")
    ).to_be_visible()
    expect(rows).to_have_count(2)
    expect(rows.filter(has_text="HX-123-B")).to_have_count(0)
    journey.shot(wim, "car-left-the-fleet")

    activation = journey.inbox.delivered(
        kind=Notification.Kind.OWNER_ACTIVATION, recipient="bea@example.nl"
    )
    assert "HX-123-B" in activation
    assert link_in(activation, r"^/mijn/activeren/").startswith(journey.base_url)
    record = Transfer.objects.get()
    assert (record.via, record.created_by) == (Transfer.Via.FLEET, manager)
    assert FleetLink.objects.get(passport=due_soon).unlinked_by == manager

"""A salesperson on a phone (390 px) corrects a car's colour and types its VIN; the RDW's next
update gives another colour, and the profile asks which one the passport keeps. One width
only: the vehicle page's table and choice buttons are what a phone must hold."""

from datetime import date

import pytest
from django.db import transaction
from django.utils import timezone
from playwright.sync_api import expect

from autopaspoort import vehicle_data
from autopaspoort.models import Passport
from tests.autopaspoort.factories import PassportFactory
from tests.e2e.conftest import E2E, field, log_in, message

pytestmark = E2E


@pytest.fixture
def viewport_width() -> int:
    return 390


def rdw_update(car, **values):
    """What the nightly RDW refresh does for this car."""
    with transaction.atomic():
        locked = Passport.objects.select_for_update().get(pk=car.pk)
        vehicle_data.vehicle_data_apply_rdw(
            passport=locked, values=values, checked_at=timezone.now()
        )


def test_sales_corrects_the_vehicle_data_and_chooses_when_the_rdw_disagrees(journey, garage, sales):
    car = PassportFactory(
        garage=garage,
        plate="GJ-555-K",
        colour="GRIJS",
        apk_expires=date(2027, 3, 1),
        rdw_status=Passport.RdwStatus.FOUND,
    )
    page = journey.page()
    log_in(journey, page, sales.email)
    page.goto(car.get_absolute_url())
    page.get_by_role("link", name="Correct vehicle data").click()
    expect(page.locator("main h1")).to_have_text("Vehicle data")
    journey.shot(page, "vehicle-page")

    field(page, "Colour").fill("ROOD")
    field(page, "VIN (chassis number)").fill("wvw zzz1jz xw000001")
    page.get_by_role("button", name="Save").click()
    expect(message(page, "The vehicle data is saved.")).to_be_visible()
    journey.shot(page, "profile-after-correction")

    rdw_update(car, colour="BLAUW")
    page.reload()
    expect(page.get_by_text("The RDW gives another value")).to_be_visible()
    page.get_by_role("link", name="Compare and choose").click()
    expect(page.get_by_role("heading", name="The RDW says otherwise")).to_be_visible()
    expect(page.locator("table")).to_contain_text("ROOD")  # the change, with the value before
    journey.shot(page, "rdw-disagrees")
    page.get_by_role("button", name="Keep my value").click()
    expect(message(page, "Your choice is saved.")).to_be_visible()
    expect(page.get_by_role("heading", name="The RDW says otherwise")).to_have_count(0)
    journey.shot(page, "kept-own-value")

    car.refresh_from_db()
    assert (car.colour, car.vin) == ("ROOD", "WVWZZZ1JZXW000001")

"""The garage's BTW setting: its admin chooses whether prices include 21 % BTW; the pages say
which, and the status check shows the BTW amount."""

from decimal import Decimal

import pytest
from django.urls import reverse
from pytest_django.asserts import assertContains, assertNotContains

from autopaspoort.models import StatusCheck
from tests.autopaspoort.factories import (
    Component,
    HistoryEntryFactory,
    PassportFactory,
    Rating,
    item,
    record_check,
)
from tests.garage.test_views import settings_data
from tests.transfers.factories import customer_passport

pytestmark = pytest.mark.django_db

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}
NL = {"HTTP_ACCEPT_LANGUAGE": "nl"}
NBSP = "\u00a0"


@pytest.fixture
def car(garage):
    passport = PassportFactory(garage=garage)
    record_check(passport, items=[item(Component.BRAKES_FRONT, Rating.NOW, "1234.50")])
    return passport


def check_url(car):
    check = StatusCheck.objects.get(passport=car)
    return reverse(
        "autopaspoort:check_detail",
        kwargs={"garage_id": car.garage_id, "plate": car.plate, "check_id": check.pk},
    )


def test_prices_include_vat_unless_the_garage_says_otherwise(garage):
    assert garage.prices_include_vat is True


def test_the_admin_switches_prices_to_excluding_vat(client_for, garage, garage_admin):
    client = client_for(garage_admin)
    page = client.get(reverse("garage:settings", args=[garage.pk]), **EN)
    assertContains(page, "Prices include 21 % VAT (btw)")
    assertContains(page, 'name="prices_include_vat"')

    data = settings_data(garage)
    del data["prices_include_vat"]
    response = client.post(reverse("garage:settings", args=[garage.pk]), data)

    assert response.status_code == 302
    garage.refresh_from_db()
    assert garage.prices_include_vat is False


@pytest.mark.parametrize("who", ["sales", "mechanic"])
def test_only_the_admin_has_the_setting(client_for, garage, request, who):
    client = client_for(request.getfixturevalue(who))
    response = client.post(
        reverse("garage:settings", args=[garage.pk]), settings_data(garage, prices_include_vat="")
    )

    assert response.status_code == 403
    garage.refresh_from_db()
    assert garage.prices_include_vat is True


def test_the_status_check_shows_the_vat_of_prices_including_vat(
    client_for, garage, garage_admin, car
):
    client = client_for(garage_admin)

    english = client.get(check_url(car), **EN)
    dutch = client.get(check_url(car), **NL)

    assertContains(english, "€1,020.25 excl. VAT + €214.25 VAT (21%) = €1,234.50 incl. VAT")
    assertContains(
        dutch,
        f"€{NBSP}1.020,25 excl. btw + €{NBSP}214,25 btw (21%) = €{NBSP}1.234,50 incl. btw",
    )


def test_the_status_check_shows_the_vat_of_prices_excluding_vat(
    client_for, garage, garage_admin, car
):
    garage.prices_include_vat = False
    garage.save(update_fields=["prices_include_vat"])

    response = client_for(garage_admin).get(check_url(car), **EN)

    assertContains(response, "€1,234.50 excl. VAT + €259.25 VAT (21%) = €1,493.75 incl. VAT")


@pytest.mark.parametrize(("includes", "label"), [(True, "incl. VAT"), (False, "excl. VAT")])
def test_costs_on_the_pages_say_whether_they_include_vat(
    client_for, garage, garage_admin, owner, includes, label
):
    garage.prices_include_vat = includes
    garage.save(update_fields=["prices_include_vat"])
    car = PassportFactory(garage=garage)
    record_check(car, items=[item(Component.BRAKES_FRONT, Rating.NOW, "10.00")])
    other = "excl. VAT" if includes else "incl. VAT"
    client = client_for(garage_admin)

    for url in (
        car.get_absolute_url(),
        reverse("garage:dashboard", args=[garage.pk]),
        reverse("insights:statistics", args=[garage.pk]),
    ):
        response = client.get(url, **EN)
        assertContains(response, f"<small>{label}</small>")
        assertNotContains(response, f"<small>{other}</small>")


def test_each_history_cost_says_the_vat_setting_of_the_garage_that_wrote_it(
    client_for, garage, other_garage, owner
):
    """A car's history may hold the work of several garages, each with its own setting."""
    other_garage.prices_include_vat = False
    other_garage.save(update_fields=["prices_include_vat"])
    car = customer_passport(garage, owner)
    HistoryEntryFactory(passport=car, garage=garage, cost=Decimal("219.00"))
    HistoryEntryFactory(passport=car, garage=other_garage, cost=Decimal("80.00"))

    response = client_for(owner).get(reverse("portal:car", kwargs={"plate": car.plate}), **EN)

    assertContains(response, "€219.00 <small>incl. VAT</small> · Garage A")
    assertContains(response, "€80.00 <small>excl. VAT</small> · Garage B")

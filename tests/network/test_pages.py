"""The owner's car page and the garage's profile say what to expect in the next 12 months,
from the network's figures, with the number of cars behind each, and never as a quote."""

import pytest
from django.urls import reverse
from django.utils import timezone

from network.services import network_figures_compute
from tests.garage.factories import GarageFactory
from tests.network.world import Car, make_cars, spread
from tests.transfers.factories import customer_passport

pytestmark = pytest.mark.django_db
EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


@pytest.fixture
def network(garage):
    others = [GarageFactory() for _ in range(3)]
    # Golfs like the owner's, of three other garages: published at model level.
    make_cars(spread(others, 24, cost="600.00", km=90_000, age_years=7))
    return others


def owners_golf(garage, owner):
    today = timezone.localdate()
    return customer_passport(
        garage,
        owner,
        make="VOLKSWAGEN",
        model="GOLF",
        fuel="Benzine",
        first_admission=today.replace(year=today.year - 7) - timezone.timedelta(days=30),
        odometer_km=90_000,
    )


def test_the_owner_sees_the_networks_figures_for_their_car(garage, owner, network, client_for):
    car = owners_golf(garage, owner)
    network_figures_compute(today=timezone.localdate())

    page = client_for(owner).get(reverse("portal:car", kwargs={"plate": car.plate}), **EN)

    html = page.content.decode()
    assert "What to expect in the next 12 months" in html
    assert "usually €600.00 to €600.00 a year" in html
    assert "Based on 24 cars of this make, model and fuel." in html
    assert "never a quote" in html


def test_without_published_figures_the_section_is_not_shown(garage, owner, client_for):
    car = owners_golf(garage, owner)
    make_cars([Car(garage=garage)])  # one garage: nothing is published
    network_figures_compute(today=timezone.localdate())

    page = client_for(owner).get(reverse("portal:car", kwargs={"plate": car.plate}), **EN)

    assert "What to expect in the next 12 months" not in page.content.decode()


def test_the_garage_sees_the_same_on_the_profile(garage, owner, network, client_for):
    car = owners_golf(garage, owner)
    network_figures_compute(today=timezone.localdate())

    page = client_for(garage.account_user).get(car.get_absolute_url(), **EN)

    html = page.content.decode()
    assert "What to expect in the next 12 months" in html
    assert "Based on 24 cars of this make, model and fuel." in html

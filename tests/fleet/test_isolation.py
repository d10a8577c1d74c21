"""Who sees which car: two fleets (A, B) and two garages (G1 services A, G2 services B).

A fleet manager reaches only the fleet's cars (another fleet's, or the garage's other customers',
are a 404); a garage reaches the fleet cars it services, not the fleet's cars serviced elsewhere;
a car that left the fleet stays visible to the fleet for the period it was in it, read-only.
"""

from dataclasses import dataclass
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from pytest_django.asserts import assertContains, assertNotContains

from autopaspoort.models import Passport, StatusCheck
from fleet.models import FleetLink
from tests.autopaspoort.factories import HistoryEntryFactory, PassportFactory, record_check
from tests.fleet.factories import (
    EN,
    FleetFactory,
    backdate,
    fleet_car,
    fleet_url,
    garage_passport_url,
    link,
    manager_of,
    unlink,
)
from tests.transfers.factories import TYPED
from transfers.models import Transfer

pytestmark = pytest.mark.django_db

CAR_PAGES = ["car", "driver", "transfer"]
FLEET_PAGES = ["dashboard", "export", *CAR_PAGES]
GARAGE_PAGES = ["autopaspoort:profile", "autopaspoort:details", "autopaspoort:check_create"]


@dataclass
class World:
    g1: object
    g2: object
    fleet_a: object
    fleet_b: object
    manager_a: object
    manager_b: object
    car_a: Passport  # G1 services it, in fleet A
    car_b: Passport  # G2 services it, in fleet B
    g1_only: Passport  # a customer car of G1, in no fleet
    left_a: Passport  # G1 services it; it was in fleet A from 30 to 10 days ago


def days_ago(days):
    return timezone.localdate() - timedelta(days=days)


@pytest.fixture
def world(garage, other_garage):
    fleet_a = FleetFactory(name="Wagenpark A BV", garages=[garage])
    fleet_b = FleetFactory(name="Wagenpark B BV", garages=[other_garage])
    left_a = fleet_car(fleet_a, garage=garage, plate="LL-11-11")
    unlink(left_a)
    backdate(left_a.fleet_links.get(), linked_days_ago=30, unlinked_days_ago=10)
    return World(
        g1=garage,
        g2=other_garage,
        fleet_a=fleet_a,
        fleet_b=fleet_b,
        manager_a=manager_of(fleet_a),
        manager_b=manager_of(fleet_b),
        car_a=fleet_car(fleet_a, garage=garage, plate="BD-11-11", driver_name="Anna A"),
        car_b=fleet_car(fleet_b, garage=other_garage, plate="GH-22-22", driver_name="Bert B"),
        g1_only=PassportFactory(garage=garage, plate="JK-33-33", customer=True),
        left_a=left_a,
    )


def url_for(name, fleet, car):
    return fleet_url(name, fleet, None if name in ("dashboard", "export") else car)


def transfer_post(email="piet@example.nl", version=0):
    return {**TYPED, "email": email, "expected_version": version, "step": "confirm"}


def snapshot(passport):
    passport.refresh_from_db()
    return (
        passport.owner_id,
        passport.owner_version,
        passport.fleet_id,
        passport.driver_name,
        passport.driver_email,
    )


# --- Fleet managers ---------------------------------------------------------------------------


@pytest.mark.parametrize("name", FLEET_PAGES)
def test_a_manager_gets_404_on_every_page_of_another_fleet(client_for, world, name):
    client = client_for(world.manager_a)
    url = url_for(name, world.fleet_b, world.car_b)

    assert client.get(url).status_code == 404
    if name in ("driver", "transfer"):
        data = transfer_post() if name == "transfer" else {"name": "X", "email": "", "phone": ""}
        assert client.post(url, data).status_code == 404
    assert snapshot(world.car_b)[2:] == (world.fleet_b.pk, "Bert B", "")
    assert not Transfer.objects.exists()


@pytest.mark.parametrize("name", CAR_PAGES)
def test_another_fleets_car_is_a_404_under_ones_own_fleet(client_for, world, name):
    client = client_for(world.manager_a)
    url = url_for(name, world.fleet_a, world.car_b)
    before = snapshot(world.car_b)

    assert client.get(url).status_code == 404
    if name != "car":
        assert client.post(url, transfer_post()).status_code == 404

    assert snapshot(world.car_b) == before
    assert not Transfer.objects.exists()


@pytest.mark.parametrize("name", CAR_PAGES)
def test_a_car_of_the_garage_that_is_not_in_the_fleet_is_a_404(client_for, world, name):
    client = client_for(world.manager_a)
    before = snapshot(world.g1_only)

    response = client.get(url_for(name, world.fleet_a, world.g1_only))

    assert response.status_code == 404
    assert snapshot(world.g1_only) == before


def test_the_dashboard_lists_the_fleets_current_cars_only(client_for, world):
    response = client_for(world.manager_a).get(fleet_url("dashboard", world.fleet_a), **EN)

    assert [p.plate for p in response.context["page"].passports] == ["BD-11-11"]
    assert response.context["summary"]["cars"] == 1
    for plate in ("GH-22-22", "JK-33-33", "LL-11-11"):
        assertNotContains(response, plate)


@pytest.mark.parametrize("name", GARAGE_PAGES)
def test_a_fleet_manager_cannot_open_the_garage_pages_of_the_fleets_cars(client_for, world, name):
    response = client_for(world.manager_a).get(garage_passport_url(name, world.car_a))

    assert response.status_code == 404


def test_a_fleet_manager_does_not_get_the_fleets_cars_in_the_owner_portal(client_for, world):
    client = client_for(world.manager_a)

    assert client.get(reverse("portal:car", kwargs={"plate": "BD-11-11"})).status_code == 404
    portal = client.get(reverse("portal:home"), **EN)  # no car of their own: no portal list
    assert (portal.status_code, portal["Location"]) == (302, reverse("home"))


# --- Garages ----------------------------------------------------------------------------------


def test_a_garage_sees_the_fleet_cars_it_services_not_those_serviced_elsewhere(
    client_for, world, garage_admin
):
    response = client_for(garage_admin).get(world.g1.get_absolute_url(), **EN)

    plates = {p.plate for p in response.context["page"].passports}
    assert {"BD-11-11", "JK-33-33", "LL-11-11"} == plates
    assertNotContains(response, "GH-22-22")


@pytest.mark.parametrize("name", GARAGE_PAGES)
def test_another_garages_fleet_car_is_a_404(client_for, world, garage_admin, name):
    client = client_for(garage_admin)

    under_own_garage = client.get(garage_passport_url(name, world.car_b, world.g1))
    under_their_garage = client.get(garage_passport_url(name, world.car_b))

    assert (under_own_garage.status_code, under_their_garage.status_code) == (404, 404)


def test_the_garage_opens_the_fleet_cars_it_services(client_for, world, garage_admin):
    response = client_for(garage_admin).get(world.car_a.get_absolute_url(), **EN)

    assert response.status_code == 200
    assertContains(response, "Wagenpark A BV")


@pytest.mark.parametrize("name", FLEET_PAGES)
def test_the_servicing_garage_is_not_a_manager_of_the_fleet(client_for, world, garage_admin, name):
    response = client_for(garage_admin).get(url_for(name, world.fleet_a, world.car_a))

    assert response.status_code == 404


# --- A car that left the fleet ----------------------------------------------------------------


def test_a_car_that_left_shows_only_what_happened_while_it_was_in_the_fleet(
    client_for, world, garage_admin
):
    car = world.left_a
    HistoryEntryFactory(passport=car, date=days_ago(40), description="Voor het wagenpark")
    HistoryEntryFactory(passport=car, date=days_ago(20), description="Tijdens het wagenpark")
    HistoryEntryFactory(passport=car, date=days_ago(5), description="Na het wagenpark")
    during = record_check(car)
    StatusCheck.objects.filter(pk=during.pk).update(
        performed_at=timezone.now() - timedelta(days=15)
    )
    after = record_check(car)  # today: after the period

    response = client_for(world.manager_a).get(fleet_url("car", world.fleet_a, car), **EN)

    assert response.status_code == 200
    assert response.context["current"] is False
    assert response.context["latest_check"] is None
    timeline = [(event.kind, event.item.pk) for event in response.context["timeline"]]
    assert ("check", during.pk) in timeline
    assert ("check", after.pk) not in timeline
    assertContains(response, "Tijdens het wagenpark")
    assertNotContains(response, "Na het wagenpark")
    assertNotContains(response, "Voor het wagenpark")
    assertContains(response, "This car was in the fleet from")
    assertNotContains(response, fleet_url("driver", world.fleet_a, car))
    assertNotContains(response, fleet_url("transfer", world.fleet_a, car))


def test_a_car_that_left_shows_no_odometer_reading_taken_after_the_period(client_for, world):
    car = world.left_a
    record_check(car, odometer_km=91_234)  # by the garage, after the car left the fleet

    response = client_for(world.manager_a).get(fleet_url("car", world.fleet_a, car), **EN)

    assert response.status_code == 200
    assertNotContains(response, "91,234")


@pytest.mark.parametrize("name", ["driver", "transfer"])
def test_driver_and_transfer_of_a_car_that_left_are_refused(client_for, world, name):
    client = client_for(world.manager_a)
    url = fleet_url(name, world.fleet_a, world.left_a)
    before = snapshot(world.left_a)

    refused_get = client.get(url)
    data = transfer_post() if name == "transfer" else {"name": "X", "email": "", "phone": ""}
    refused_post = client.post(url, data)

    assert (refused_get.status_code, refused_post.status_code) == (403, 403)
    assert snapshot(world.left_a) == before
    assert not Transfer.objects.exists()


def test_a_car_that_moved_to_another_fleet_is_seen_by_each_fleet_for_its_own_period(
    client_for, world, garage_admin
):
    car = world.left_a
    HistoryEntryFactory(passport=car, date=days_ago(20), description="In fleet A")
    world.fleet_b.garages.add(world.g1)
    link(car, world.fleet_b, actor=garage_admin)
    FleetLink.objects.filter(passport=car, fleet=world.fleet_b).update(
        linked_at=timezone.now() - timedelta(days=8)
    )
    HistoryEntryFactory(passport=car, date=days_ago(3), description="In fleet B")

    seen_by_a = client_for(world.manager_a).get(fleet_url("car", world.fleet_a, car), **EN)
    seen_by_b = client_for(world.manager_b).get(fleet_url("car", world.fleet_b, car), **EN)

    assertContains(seen_by_a, "In fleet A")
    assertNotContains(seen_by_a, "In fleet B")
    assert seen_by_a.context["current"] is False
    assertContains(seen_by_b, "In fleet B")
    assertNotContains(seen_by_b, "In fleet A")
    assert seen_by_b.context["current"] is True
    assert (
        client_for(world.manager_a).get(fleet_url("driver", world.fleet_a, car)).status_code == 403
    )

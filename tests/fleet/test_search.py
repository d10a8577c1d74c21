"""The fleet dashboard's search: part of the plate or the driver's name, or the exact VIN.
Not the owner's name: a fleet's cars belong to the fleet, and an earlier owner's name is not
the fleet manager's to probe."""

import pytest

from tests.autopaspoort.test_search import VIN, found
from tests.fleet.factories import FleetFactory, fleet_car, fleet_url, manager_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def fleet(garage):
    return FleetFactory(name="Leasebedrijf Noord BV", garages=[garage])


@pytest.fixture
def manager(fleet):
    return manager_of(fleet)


def test_the_fleet_dashboard_finds_the_driver_and_the_vin_but_no_owner_name(
    client_for, garage, fleet, manager
):
    car = fleet_car(fleet, garage=garage, plate="GJ-555-K", driver_name="Zoë Bestuurder")
    car.vin = VIN
    car.owner_name = "Vorige Eigenaar"
    car.save(update_fields=["vin", "owner_name"])
    fleet_car(fleet, garage=garage, plate="BB-11-11", driver_name="Ali Rijder")
    client = client_for(manager)
    url = fleet_url("dashboard", fleet)

    assert found(client, url, "zoë") == ["GJ-555-K"]
    assert found(client, url, "rijder") == ["BB-11-11"]
    assert found(client, url, VIN.lower()) == ["GJ-555-K"]
    assert found(client, url, "Vorige") == []

"""One rule for "may this member hand this car over": the profile and the owner-details page
show what `transfer_offer` says, and the service refuses what the pages do not offer."""

import pytest
from django.urls import reverse

from tests.autopaspoort.factories import PassportFactory
from tests.fleet.factories import FleetFactory, fleet_car
from tests.transfers.factories import transfer, transfer_url
from transfers.services import transfer_offer

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


def stock_car(garage):
    return PassportFactory(garage=garage)


def car_in_a_fleet(garage):
    return fleet_car(FleetFactory(name="Leasebedrijf Noord BV", garages=[garage]), garage=garage)


def car_awaiting_its_owner(garage):
    car = PassportFactory(garage=garage)
    transfer(car, "nieuwe.eigenaar@example.nl", actor=garage.account_user)
    car.refresh_from_db()
    return car


CASES = [
    # (the car, who looks, a start link shown, a refusal shown)
    (stock_car, "garage_admin", True, False),
    (stock_car, "sales", True, False),
    (stock_car, "mechanic", False, False),
    (car_in_a_fleet, "garage_admin", False, True),
    (car_in_a_fleet, "mechanic", False, False),
    (car_awaiting_its_owner, "garage_admin", False, False),
]


@pytest.mark.parametrize(("make_car", "who", "start", "refusal"), CASES)
def test_the_profile_and_the_details_page_offer_the_same(
    request, client_for, garage, make_car, who, start, refusal
):
    car = make_car(garage)
    member = request.getfixturevalue(who)
    client = client_for(member, **EN)
    kwargs = {"garage_id": garage.pk, "plate": car.plate}
    pages = [
        client.get(reverse("autopaspoort:profile", kwargs=kwargs)),
        client.get(reverse("autopaspoort:details", kwargs=kwargs)),
    ]

    offer = transfer_offer(passport=car, role=member.garage_memberships.get(garage=garage).role)

    assert offer.may_start is start
    assert (offer.refusal is not None) is refusal
    for page in pages:
        html = page.content.decode()
        assert (f'href="{transfer_url(car)}"' in html) is start, page.request["PATH_INFO"]
        assert ("is linked to the fleet account Leasebedrijf Noord BV" in html) is refusal


def test_what_the_pages_refuse_the_transfer_form_refuses_too(client_for, garage, garage_admin):
    car = car_in_a_fleet(garage)

    response = client_for(garage_admin, **EN).get(transfer_url(car))

    assert response.status_code == 409
    assert "is linked to the fleet account Leasebedrijf Noord BV" in response.content.decode()

"""Issue 14, items 2, 5 and 21, as chains across the garage, the owner portal and the fleet:
a private person's car enters a fleet only with that person's consent, whoever loses a car gets
a receipt, a driver stays with the fleet period it was set in, and a fleet car's transfer is
refused up front."""

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import translation
from pytest_django.asserts import assertContains, assertNotContains

from core.errors import ApplicationError
from fleet import services
from fleet.models import FleetLink, FleetLinkRequest
from notifications.models import Notification
from tests.accounts.factories import UserFactory
from tests.fleet.factories import EN, FleetFactory, fleet_car, link, manager_of, unlink
from tests.transfers.factories import contact, customer_passport, portal_car_url
from transfers.models import Transfer
from transfers.services import transfer_accept, transfer_confirm

pytestmark = pytest.mark.django_db

Kind = Notification.Kind


@pytest.fixture
def fleet(garage):
    return FleetFactory(garages=[garage], name="Leasebedrijf Noord BV")


@pytest.fixture
def private_car(garage):
    owner = UserFactory(full_name="Particulier Een", email="particulier@example.nl")
    return customer_passport(garage, owner)


def details_url(passport):
    return reverse(
        "autopaspoort:details", kwargs={"garage_id": passport.garage_id, "plate": passport.plate}
    )


def link_url(passport):
    return reverse("fleet:link", kwargs={"garage_id": passport.garage_id, "plate": passport.plate})


def test_the_garage_cannot_link_a_private_owners_car_to_a_fleet(private_car, fleet, sales):
    with translation.override("en"), pytest.raises(ApplicationError, match="owner agrees"):
        services.fleet_link(passport=private_car, fleet=fleet, actor=sales)

    private_car.refresh_from_db()
    assert private_car.fleet is None
    assert not FleetLink.objects.exists()


def test_the_owner_is_asked_and_the_car_joins_only_when_they_accept(
    client_for, private_car, fleet, sales, django_capture_on_commit_callbacks
):
    owner = private_car.owner
    page = client_for(sales).get(details_url(private_car), **EN)
    assertContains(page, "Ask the owner")

    with django_capture_on_commit_callbacks(execute=True):
        client_for(sales).post(link_url(private_car), {"fleet": fleet.pk}, **EN)

    private_car.refresh_from_db()
    assert private_car.fleet is None  # nothing yet: the owner decides
    asked = FleetLinkRequest.objects.get()
    assert (asked.state, asked.owner, asked.fleet) == ("pending", owner, fleet)
    [email] = [m for m in mail.outbox if owner.email in m.to]
    assert fleet.name in email.subject
    assertContains(client_for(sales).get(details_url(private_car), **EN), "Waiting for the owner")

    portal = client_for(owner, **EN).get(portal_car_url(private_car))
    assertContains(portal, "Leasebedrijf Noord BV")
    answer_url = reverse(
        "portal:fleet_request_answer", kwargs={"plate": private_car.plate, "request_id": asked.pk}
    )
    response = client_for(owner, **EN).post(answer_url, {"answer": "accept"})

    assert response.status_code == 302
    private_car.refresh_from_db()
    assert private_car.fleet == fleet
    assert FleetLink.objects.get(passport=private_car).linked_by == owner


def test_a_declined_request_leaves_the_car_out_and_only_the_owner_may_answer(
    client_for, private_car, fleet, sales, other_owner
):
    asked = services.fleet_link_request(passport=private_car, fleet=fleet, actor=sales)
    answer_url = reverse(
        "portal:fleet_request_answer", kwargs={"plate": private_car.plate, "request_id": asked.pk}
    )

    assert client_for(other_owner).post(answer_url, {"answer": "accept"}).status_code == 404
    client_for(private_car.owner).post(answer_url, {"answer": "decline"})

    asked.refresh_from_db()
    private_car.refresh_from_db()
    assert asked.state == "declined"
    assert private_car.fleet is None


def test_a_car_the_fleets_business_owns_is_linked_at_once(garage, fleet, sales):
    business = manager_of(fleet)
    car = customer_passport(garage, business)

    services.fleet_link(passport=car, fleet=fleet, actor=sales)

    car.refresh_from_db()
    assert car.fleet == fleet


@pytest.mark.parametrize("route", ["garage", "fleet", "support"])
def test_whoever_loses_a_car_gets_a_receipt_whatever_the_route(
    route, garage, garage_admin, private_car, fleet, support_user
):
    seller = private_car.owner
    actor = garage_admin
    if route == "fleet":
        link(private_car, fleet)  # with the owner's consent
        actor = manager_of(fleet)
    elif route == "support":
        actor = support_user
    fields = {"reason": "Verkocht, bevestigd per telefoon"} if route == "support" else {}

    transfer_confirm(
        passport=private_car, contact=contact("koper@example.nl"), actor=actor, via=route, **fields
    )

    receipts = Notification.objects.filter(kind=Kind.TRANSFER_RECEIPT, recipient=seller.email)
    assert receipts.count() == 1


def test_the_driver_stays_with_the_fleet_period_it_was_set_in(client_for, garage, fleet):
    other_fleet = FleetFactory(garages=[garage], name="Wagenpark Zuid BV")
    manager_a, manager_b = manager_of(fleet), manager_of(other_fleet)
    car = fleet_car(fleet, garage=garage)
    services.driver_update(
        passport=car, actor=manager_a, name="Bea Bestuurder", email="bea@a.nl", phone="0611111111"
    )

    unlink(car)
    link(car, other_fleet)

    car.refresh_from_db()
    assert (car.driver_name, car.driver_email, car.driver_phone) == ("", "", "")
    page_b = client_for(manager_b, **EN).get(
        reverse("fleet:car", kwargs={"fleet_id": other_fleet.pk, "plate": car.plate})
    )
    export_b = client_for(manager_b).get(
        reverse("fleet:export", kwargs={"fleet_id": other_fleet.pk})
    )
    csv_b = b"".join(export_b.streaming_content).decode("utf-8-sig")
    for leaked in ("Bea Bestuurder", "bea@a.nl", "0611111111"):
        assertNotContains(page_b, leaked)
        assert leaked not in csv_b
    # Fleet A keeps its own record of its period.
    page_a = client_for(manager_a, **EN).get(
        reverse("fleet:car", kwargs={"fleet_id": fleet.pk, "plate": car.plate})
    )
    assertContains(page_a, "Bea Bestuurder")


def test_the_close_dialog_and_the_profile_of_a_fleet_car_say_what_to_do(
    client_for, garage, garage_admin, fleet
):
    car = fleet_car(fleet, garage=garage)
    client = client_for(garage_admin, **EN)
    close = client.get(
        reverse("autopaspoort:close", kwargs={"garage_id": garage.pk, "plate": car.plate})
    )
    profile = client.get(car.get_absolute_url())
    transfer_url = reverse("transfers:start", kwargs={"garage_id": garage.pk, "plate": car.plate})

    for page in (close, profile):
        assertContains(page, "is linked to the fleet account Leasebedrijf Noord BV")
        assertNotContains(page, transfer_url)
    assert Transfer.objects.count() == 0


def test_a_question_to_an_earlier_owner_dies_with_the_sale(
    garage, garage_admin, private_car, fleet, other_owner
):
    seller = private_car.owner
    services.fleet_link_request(passport=private_car, fleet=fleet, actor=garage_admin)
    sold = transfer_confirm(
        passport=private_car, contact=contact(other_owner.email), actor=garage_admin
    ).transfer
    transfer_accept(transfer=sold, user=other_owner)
    private_car.refresh_from_db()

    asked_again = services.fleet_link_request(passport=private_car, fleet=fleet, actor=garage_admin)

    assert asked_again.owner == other_owner
    assert FleetLinkRequest.objects.get(owner=seller).state == "cancelled"

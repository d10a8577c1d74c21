"""POST/DELETE /api/v1/passports/{plate}/share-links: a dealer's site links the passport of
every stock car it sells."""

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from sharing.models import ShareLink
from tests.api.conftest import BASE, assert_error
from tests.autopaspoort.factories import PassportFactory
from tests.transfers.factories import customer_passport

pytestmark = pytest.mark.django_db


@pytest.fixture
def car(garage):
    return PassportFactory(garage=garage, plate="GJ-55-55")


def delete(api, path):
    return api.client.delete(BASE + path, headers=api.headers(None))


def test_a_stock_car_gets_a_link_with_201(api, car):
    response = api.post(
        "/passports/gj5555/share-links", {"days": 10, "show_costs": True, "include_photos": True}
    )
    assert response.status_code == 201
    body = response.json()
    link = ShareLink.objects.get()
    assert body["token"] == link.token
    assert body["url"] == f"http://testserver/p/{link.token}/"
    assert body["pdf_url"] == f"http://testserver/p/{link.token}/pdf"
    assert link.show_costs
    assert link.include_photos
    assert link.created_for == ShareLink.For.GARAGE
    assert timedelta(days=9, hours=23) < link.expires_at - timezone.now() <= timedelta(days=10)
    assert Client().get(f"/p/{link.token}/").status_code == 200


def test_the_body_may_be_empty_for_30_days_without_costs(api, car):
    response = api.post("/passports/GJ-55-55/share-links", {})
    assert response.status_code == 201
    link = ShareLink.objects.get()
    assert not link.show_costs
    assert not link.include_photos
    assert (link.expires_at - timezone.now()).days == 29


@pytest.mark.parametrize("days", [0, 91, "30", 1.5])
def test_days_outside_1_to_90_are_refused(api, car, days):
    response = api.post("/passports/GJ-55-55/share-links", {"days": days})
    assert response.status_code == 400
    assert not ShareLink.objects.exists()


def test_a_customers_car_is_not_shared_by_the_garage(api, garage, owner):
    car = customer_passport(garage, owner)
    response = api.post(f"/passports/{car.plate}/share-links", {})
    assert_error(response, 409, "not_stock")
    assert not ShareLink.objects.exists()


def test_another_garages_car_is_a_404(api_b, car):
    assert_error(api_b.post("/passports/GJ-55-55/share-links", {}), 404, "not_found")


def test_delete_revokes_with_204(api, car):
    token = api.post("/passports/GJ-55-55/share-links", {}).json()["token"]
    response = delete(api, f"/passports/GJ-55-55/share-links/{token}")
    assert response.status_code == 204
    assert ShareLink.objects.get().revoked_at is not None
    assert Client().get(f"/p/{token}/").status_code == 410
    assert delete(api, f"/passports/GJ-55-55/share-links/{token}").status_code == 204


def test_delete_of_an_unknown_or_other_garages_link_is_a_404(api, api_b, car):
    token = api.post("/passports/GJ-55-55/share-links", {}).json()["token"]
    assert_error(delete(api, "/passports/GJ-55-55/share-links/nope"), 404, "not_found")
    assert_error(delete(api_b, f"/passports/GJ-55-55/share-links/{token}"), 404, "not_found")
    assert ShareLink.objects.get().revoked_at is None

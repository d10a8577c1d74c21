from datetime import timedelta

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from autopaspoort.models import Passport
from core import ratelimit
from sharing.models import ShareLink
from tests.autopaspoort.factories import (
    Component,
    HistoryEntryFactory,
    PassportFactory,
    Rating,
    item,
    record_check,
)
from tests.sharing.factories import share, share_url
from tests.transfers.factories import customer_passport, transfer

pytestmark = pytest.mark.django_db
EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


@pytest.fixture
def car(garage, owner):
    car = customer_passport(
        garage,
        owner,
        owner_street="Kerkstraat",
        owner_house_number="12",
        owner_postcode="3511 AB",
        owner_city="Utrecht",
        owner_phone="+31612345678",
        driver_name="Dirk Bestuurder",
        driver_email="dirk@example.nl",
        driver_phone="+31687654321",
    )
    record_check(
        car,
        items=[
            item(Component.BRAKES_FRONT, Rating.NOW, "120.00", note="Monteur Jan zegt: slijt"),
            item(Component.WIPERS, Rating.OK),
        ],
        notes="Klant Eigenaar Een belde over de remmen",
        odometer_km=61_000,
    )
    HistoryEntryFactory(passport=car, odometer_km=55_000, description="Grote beurt met filters")
    return car


def test_the_share_page_shows_the_car_and_its_history(car):
    link = share(car, show_costs=True)
    response = Client().get(share_url(link), **EN)
    assert response.status_code == 200
    text = response.content.decode()
    shows = [car.plate, "VOLKSWAGEN", "GOLF", "GRIJS", "Benzine", "Garage A", "61,000", "55,000"]
    shows += ["50,000", "Grote beurt met filters", "Brakes front", "Now", "Logical"]
    shows += ["Status check", "Workshop", "Registration", "€120.00"]
    for shown in shows:
        assert shown in text, shown
    link.refresh_from_db()
    assert link.view_count == 1
    assert link.last_viewed_at is not None


def test_costs_only_when_the_link_says_so(car):
    text = Client().get(share_url(share(car)), **EN).content.decode()
    assert "120.00" not in text
    assert "219.00" not in text


def test_the_share_page_shows_no_person(car, garage, owner):
    staff = garage.account_user
    text = Client().get(share_url(share(car, show_costs=True)), **EN).content.decode()
    for secret in (owner.full_name, owner.email, "Kerkstraat", "3511", "Utrecht", "612345678",
                   "Dirk", "dirk@example.nl", "687654321", "Monteur Jan", "Klant Eigenaar",
                   staff.full_name, staff.email):  # fmt: skip
        assert secret not in text, secret


def test_previous_owners_are_counted_never_named(garage, owner, other_owner):
    car = customer_passport(garage, owner)
    transfer(car, other_owner.email)
    car.refresh_from_db()
    car.activated_at = timezone.now()
    car.save(update_fields=["activated_at"])
    response = Client().get(share_url(share(car, actor=other_owner)), **EN)
    text = response.content.decode()
    assert "Previous owners</dt><dd>1</dd>" in text
    assert owner.full_name not in text
    assert other_owner.full_name not in text


def test_headers_keep_the_page_out_of_search_and_caches(car):
    response = Client().get(share_url(share(car)), **EN)
    assert response["X-Robots-Tag"].startswith("noindex")
    assert "private" in response["Cache-Control"]
    assert response["Referrer-Policy"] == "no-referrer"
    assert '<meta name="robots" content="noindex' in response.content.decode()


def test_a_revoked_link_is_gone_without_the_car(car, owner):
    link = share(car)
    ShareLink.objects.filter(pk=link.pk).update(revoked_at=timezone.now())
    response = Client().get(share_url(link), **EN)
    assert response.status_code == 410
    text = response.content.decode()
    assert "revoked" in text
    assert car.plate not in text
    assert "VOLKSWAGEN" not in text
    assert response["X-Robots-Tag"].startswith("noindex")


def test_an_expired_link_is_gone_without_the_car(car):
    link = share(car)
    ShareLink.objects.filter(pk=link.pk).update(expires_at=timezone.now() - timedelta(minutes=1))
    response = Client().get(share_url(link), **EN)
    assert response.status_code == 410
    assert "expired" in response.content.decode()
    assert car.plate not in response.content.decode()
    link.refresh_from_db()
    assert link.view_count == 0


def test_an_unknown_token_is_a_404(db):
    response = Client().get("/p/not-a-real-token-at-all/", **EN)
    assert response.status_code == 404


def test_a_link_dies_with_the_transfer(car, other_owner):
    link = share(car)
    transfer(car, other_owner.email)
    assert Client().get(share_url(link), **EN).status_code == 410


def test_views_are_rate_limited_per_client(car, settings):
    link = share(car)
    client = Client()
    limit = ratelimit.SHARE_VIEW_PER_IP.maximum()
    for _ in range(limit):
        assert client.get(share_url(link), **EN).status_code == 200
    response = client.get(share_url(link), **EN)
    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0
    assert car.plate not in response.content.decode()


def test_views_are_rate_limited_per_link(car, monkeypatch):
    link = share(car)
    monkeypatch.setattr(ratelimit, "SHARE_VIEW_PER_TOKEN", ratelimit.Limit("share-token", 2, 300))
    assert Client(REMOTE_ADDR="10.0.0.1").get(share_url(link), **EN).status_code == 200
    assert Client(REMOTE_ADDR="10.0.0.2").get(share_url(link), **EN).status_code == 200
    assert Client(REMOTE_ADDR="10.0.0.3").get(share_url(link), **EN).status_code == 429


def _grow(car, n):
    for i in range(n):
        HistoryEntryFactory(
            passport=car, date=timezone.localdate() - timedelta(days=400 + i), odometer_km=1_000
        )
        record_check(car, odometer_km=61_000 + i, items=[item(), item(Component.LIGHTS)])


def _count(link) -> int:
    client = Client()
    client.get(share_url(link), **EN)
    with CaptureQueriesContext(connection) as captured:
        assert client.get(share_url(link), **EN).status_code == 200
    return len(captured)


def test_one_query_count_for_any_history_length(garage, owner):
    short, long = customer_passport(garage, owner), customer_passport(garage, owner)
    _grow(short, 1)
    _grow(long, 50)
    counts = (_count(share(short)), _count(share(long)))
    assert counts == (6, 6), counts


# --- The owner's and the garage's panel ----------------------------------------------------------


def test_the_owner_shares_and_revokes_in_the_portal(car, owner, client_for):
    client = client_for(owner, **EN)
    page = reverse("portal:car", kwargs={"plate": car.plate})
    assert "Share this passport" in client.get(page).content.decode()
    response = client.post(
        reverse("sharing:owner_create", kwargs={"plate": car.plate}),
        {"days": "7", "show_costs": "on"},
    )
    assert response.status_code == 302
    link = ShareLink.objects.get()
    assert link.show_costs
    assert (link.expires_at - timezone.now()).days == 6
    text = client.get(page).content.decode()
    assert f"/p/{link.token}/" in text
    assert "0 views" in text
    client.post(reverse("sharing:owner_revoke", kwargs={"plate": car.plate, "link_id": link.pk}))
    link.refresh_from_db()
    assert link.revoked_at is not None
    assert f"/p/{link.token}/" not in client.get(page).content.decode()


def test_the_owner_is_told_when_the_days_are_wrong(car, owner, client_for):
    client = client_for(owner, **EN)
    response = client.post(
        reverse("sharing:owner_create", kwargs={"plate": car.plate}), {"days": "120"}, follow=True
    )
    assert not ShareLink.objects.exists()
    assert "less than or equal to 90" in response.content.decode()


def test_another_person_cannot_share_or_revoke(car, owner, other_owner, client_for):
    link = share(car)
    client = client_for(other_owner)
    kwargs = {"plate": car.plate}
    assert client.post(reverse("sharing:owner_create", kwargs=kwargs)).status_code == 404
    url = reverse("sharing:owner_revoke", kwargs={**kwargs, "link_id": link.pk})
    assert client.post(url).status_code == 404
    link.refresh_from_db()
    assert link.revoked_at is None


def test_the_garage_shares_a_stock_car_from_the_profile(garage, sales, client_for):
    stock = PassportFactory(garage=garage)
    client = client_for(sales, **EN)
    profile = stock.get_absolute_url()
    assert "Share this passport" in client.get(profile).content.decode()
    kwargs = {"garage_id": garage.pk, "plate": stock.plate}
    client.post(reverse("sharing:garage_create", kwargs=kwargs), {"days": "30"})
    link = ShareLink.objects.get()
    assert link.created_for == ShareLink.For.GARAGE
    assert f"/p/{link.token}/" in client.get(profile).content.decode()
    client.post(reverse("sharing:garage_revoke", kwargs={**kwargs, "link_id": link.pk}))
    link.refresh_from_db()
    assert link.revoked_at is not None


def test_no_share_panel_for_a_mechanic_or_a_customer_car(garage, owner, mechanic, client_for):
    stock = PassportFactory(garage=garage)
    car = customer_passport(garage, owner)
    assert (
        "Share this passport"
        not in client_for(mechanic, **EN).get(stock.get_absolute_url()).content.decode()
    )
    assert (
        "Share this passport"
        not in client_for(garage.account_user, **EN).get(car.get_absolute_url()).content.decode()
    )
    kwargs = {"garage_id": garage.pk, "plate": stock.plate}
    assert (
        client_for(mechanic).post(reverse("sharing:garage_create", kwargs=kwargs)).status_code
        == 403
    )
    kwargs["plate"] = car.plate
    assert (
        client_for(garage.account_user)
        .post(reverse("sharing:garage_create", kwargs=kwargs))
        .status_code
        == 404
    )
    assert not ShareLink.objects.exists()
    assert Passport.objects.count() == 2


@pytest.mark.parametrize("token", ["%00", "a%00b", "x" * 65, "..%2F", "%C3%A9"])
def test_odd_tokens_are_a_404(db, token):
    assert Client().get(f"/p/{token}/", **EN).status_code == 404

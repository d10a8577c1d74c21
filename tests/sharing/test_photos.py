"""A share link with photos: the form's checkbox, the page's thumbnails (the latest check's,
per item and of the intake), the garage's stock-car links, the photo door's rate limit, and a
PDF without photos. Who may see which photo is the matrix in tests/photos/test_access.py."""

from types import SimpleNamespace

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from core import ratelimit
from sharing import pdf
from sharing.models import ShareLink
from tests.autopaspoort.factories import Component, PassportFactory, Rating, item, record_check
from tests.photos.factories import add_photos
from tests.sharing.factories import share, share_url
from tests.transfers.factories import customer_passport, transfer

pytestmark = pytest.mark.django_db
EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")


def photo_url(link, photo, version="thumb"):
    return reverse(
        "sharing:photo", kwargs={"token": link.token, "key": photo.key, "version": version}
    )


def own_url(photo, version="thumb"):
    return reverse("photos:file", kwargs={"key": photo.key, "version": version})


@pytest.fixture
def checked(garage, owner, mechanic, django_capture_on_commit_callbacks):
    """The owner's car with an older check (one photo) and the latest (an item's and intake)."""
    car = customer_passport(garage, owner)
    with django_capture_on_commit_callbacks(execute=True):
        older = record_check(car, actor=mechanic, odometer_km=50_000)
        (old_photo,) = add_photos(older, actor=mechanic)
        latest = record_check(
            car,
            actor=mechanic,
            odometer_km=60_000,
            items=[item(Component.BRAKES_FRONT, Rating.NOW, "120.00"), item(Component.WIPERS)],
        )
        brakes = latest.items.order_by("id").first()
        item_photos = add_photos(latest, actor=mechanic, item=brakes, count=2)
        (intake,) = add_photos(latest, actor=mechanic)
    car.refresh_from_db()
    return SimpleNamespace(car=car, old=old_photo, items=item_photos, intake=intake)


def test_the_page_shows_the_latest_checks_thumbnails_when_the_link_includes_photos(checked):
    link = share(checked.car, include_photos=True)
    html = Client().get(share_url(link), **EN).content.decode()

    for photo in [*checked.items, checked.intake]:
        assert photo_url(link, photo) in html
        assert photo_url(link, photo, "large") in html
        assert f'"{own_url(photo)}"' not in html  # never the logged-in door
    assert photo_url(link, checked.old) not in html  # an older check: no thumbnails
    assert "Photos of the car" in html
    assert Client().get(photo_url(link, checked.old)).status_code == 200  # allowed, not shown


def test_the_page_shows_no_photos_without_the_tick(checked):
    link = share(checked.car)
    html = Client().get(share_url(link), **EN).content.decode()

    assert "/foto/" not in html
    assert "Photos of the car" not in html
    assert Client().get(photo_url(link, checked.intake)).status_code == 404


def test_a_deleted_photo_is_not_shared(checked, support_user):
    from photos.services import photo_delete

    link = share(checked.car, include_photos=True)
    photo_delete(photo=checked.intake, actor=support_user, reason="Kenteken van een ander")

    assert photo_url(link, checked.intake) not in Client().get(share_url(link)).content.decode()
    assert Client().get(photo_url(link, checked.intake)).status_code == 404


def test_the_owner_ticks_include_photos_in_the_portal(client_for, checked, owner):
    client = client_for(owner)
    car_page = client.get(reverse("portal:car", kwargs={"plate": checked.car.plate}), **EN)
    assert 'name="include_photos"' in car_page.content.decode()
    url = reverse("sharing:owner_create", kwargs={"plate": checked.car.plate})

    client.post(url, {"days": "30", "include_photos": "on"})
    client.post(url, {"days": "30"})

    assert [link.include_photos for link in ShareLink.objects.order_by("id")] == [True, False]
    car_page = client.get(reverse("portal:car", kwargs={"plate": checked.car.plate}), **EN)
    assert car_page.content.decode().count("with photos") == 1


@pytest.fixture
def stock_car(garage, mechanic, owner, django_capture_on_commit_callbacks):
    """A car the garage took back in from its owner (a trade-in), checked before and after."""
    car = customer_passport(garage, owner)
    with django_capture_on_commit_callbacks(execute=True):
        (owners,) = add_photos(record_check(car, actor=mechanic), actor=mechanic)
        transfer(car, garage.email)  # back to stock
        (garages,) = add_photos(record_check(car, actor=mechanic), actor=mechanic)
    car.refresh_from_db()
    assert car.is_stock
    return SimpleNamespace(car=car, owners=owners, garages=garages)


def test_the_garage_shares_a_stock_car_with_its_photos_since_it_has_the_car(
    client_for, garage, stock_car
):
    admin = client_for(garage.account_user)
    profile = admin.get(stock_car.car.get_absolute_url(), **EN).content.decode()
    assert 'name="include_photos"' in profile
    admin.post(
        reverse(
            "sharing:garage_create", kwargs={"garage_id": garage.pk, "plate": stock_car.car.plate}
        ),
        {"days": "14", "include_photos": "on"},
    )
    link = ShareLink.objects.get()

    assert link.include_photos
    assert link.created_for == ShareLink.For.GARAGE
    assert photo_url(link, stock_car.garages) in Client().get(share_url(link)).content.decode()
    assert Client().get(photo_url(link, stock_car.garages, "large")).status_code == 200
    # The previous owner's period stays theirs, also on the garage's link.
    assert Client().get(photo_url(link, stock_car.owners)).status_code == 404


def test_a_stock_car_made_by_the_garage_shares_all_its_photos(
    garage, mechanic, django_capture_on_commit_callbacks
):
    car = PassportFactory(garage=garage)
    with django_capture_on_commit_callbacks(execute=True):
        (photo,) = add_photos(record_check(car, actor=mechanic), actor=mechanic)
    link = share(car, actor=garage.account_user, include_photos=True)

    assert Client().get(photo_url(link, photo)).status_code == 200


def test_photos_are_rate_limited_in_their_own_buckets(checked, monkeypatch):
    link = share(checked.car, include_photos=True)
    monkeypatch.setattr(ratelimit, "SHARE_VIEW_PER_TOKEN", ratelimit.Limit("share-token", 1, 300))
    monkeypatch.setattr(
        ratelimit, "SHARE_PHOTO_PER_TOKEN", ratelimit.Limit("share-photo-token", 3, 300)
    )
    assert Client().get(share_url(link)).status_code == 200
    for _ in range(3):  # the page's budget is spent; the photos have their own
        assert Client().get(photo_url(link, checked.intake)).status_code == 200
    refused = Client().get(photo_url(link, checked.intake))

    assert refused.status_code == 429
    assert int(refused["Retry-After"]) > 0


def test_an_unknown_token_or_a_bad_version_is_a_404(checked):
    link = share(checked.car, include_photos=True)
    assert Client().get(photo_url(link, checked.intake, "original")).status_code == 404
    assert Client().get(photo_url(link, checked.intake, "exif")).status_code == 404
    unknown = f"/p/{'x' * 43}/foto/{checked.intake.key}/thumb/"
    assert Client().get(unknown).status_code == 404


def test_the_pdf_has_no_photos(checked, monkeypatch):
    rendered = []
    real = pdf.render_to_string
    monkeypatch.setattr(
        pdf, "render_to_string", lambda *a, **k: rendered.append(real(*a, **k)) or rendered[-1]
    )
    link = share(checked.car, include_photos=True)

    response = Client().get(f"/p/{link.token}/pdf", **EN)

    assert response.status_code == 200
    assert "/foto/" not in rendered[0]
    assert "Photos of the car" not in rendered[0]


def test_photos_add_one_query_to_the_page(checked):
    def count(link):
        client = Client()
        client.get(share_url(link))
        with CaptureQueriesContext(connection) as captured:
            assert client.get(share_url(link)).status_code == 200
        return len(captured)

    assert count(share(checked.car, include_photos=True)) == count(share(checked.car)) + 1

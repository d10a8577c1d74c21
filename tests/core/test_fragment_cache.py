"""The cached fragments of the timeline and the share page (core.fragments): a page served from
the cache shows what it would show without it. Each test first shows the page (filling the
cache), changes something, and shows it again."""

from types import SimpleNamespace

import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import reverse
from pytest_django.asserts import assertContains, assertNotContains

from autopaspoort.services import check_item_set_delivery
from photos.services import photo_delete
from tests.autopaspoort.factories import (
    Component,
    HistoryEntryFactory,
    PassportFactory,
    Rating,
    item,
    record_check,
)
from tests.photos.factories import add_photos
from tests.sharing.factories import share, share_url
from tests.transfers.factories import EN, customer_passport, portal_car_url

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")


def profile_url(passport):
    return reverse(
        "autopaspoort:profile", kwargs={"garage_id": passport.garage_id, "plate": passport.plate}
    )


@pytest.fixture
def car(garage, owner, mechanic, django_capture_on_commit_callbacks):
    """The owner's car with a check (brakes now, € 120, photographed) and a history entry."""
    passport = customer_passport(garage, owner)
    HistoryEntryFactory(passport=passport, garage=garage, created_by=mechanic, cost="75.00")
    with django_capture_on_commit_callbacks(execute=True):
        check = record_check(
            passport,
            actor=mechanic,
            items=[item(Component.BRAKES_FRONT, Rating.NOW, "120.00"), item(Component.WIPERS)],
        )
        brakes = check.items.order_by("id").first()
        (photo,) = add_photos(check, actor=mechanic, item=brakes)
    passport.refresh_from_db()
    return SimpleNamespace(passport=passport, check=check, brakes=brakes, photo=photo)


def test_the_owner_never_gets_the_garages_timeline_entries(car, client_for, garage, owner):
    garage_page = client_for(garage.account_user).get(profile_url(car.passport), **EN)
    assertContains(garage_page, "Entered by")
    assertContains(garage_page, "1 × Now")

    owner_page = client_for(owner).get(portal_car_url(car.passport), **EN)

    assertNotContains(owner_page, "Entered by")
    assertNotContains(owner_page, "× Now")
    assertNotContains(owner_page, "/checks/")  # no link to the garage's report
    assertContains(owner_page, "expected")


def test_a_correction_and_a_renamed_garage_show(car, client_for, garage):
    client = client_for(garage.account_user)
    client.get(profile_url(car.passport), **EN)

    record_check(car.passport, items=[item()], corrects=car.check)
    garage.name = "Garage Hernoemd"
    garage.save(update_fields=["name"])
    page = client.get(profile_url(car.passport), **EN)

    assertContains(page, "Correction of the check of")
    assert page.content.decode().count("Garage Hernoemd") >= 3  # both checks and the entry


def test_a_repair_planned_before_delivery_leaves_the_cached_expected_costs(client_for, garage):
    stock = PassportFactory(garage=garage)
    check = record_check(stock, items=[item(Component.BRAKES_FRONT, Rating.NOW, "120.00")])
    client = client_for(garage.account_user)
    assertContains(client.get(profile_url(stock), **EN), "expected €120.00")

    brakes = check.items.get()
    check_item_set_delivery(item=brakes, actor=garage.account_user, fix_before_delivery=True)

    page = client.get(profile_url(stock), **EN)
    assertNotContains(page, "expected €120.00")
    assertContains(page, "expected €0.00")


def test_a_photo_deleted_by_support_leaves_the_cached_share_page(car, support_user):
    link = share(car.passport, include_photos=True)
    thumb = reverse(
        "sharing:photo", kwargs={"token": link.token, "key": car.photo.key, "version": "thumb"}
    )
    assertContains(Client().get(share_url(link), **EN), thumb)

    photo_delete(photo=car.photo, actor=support_user, reason="A face in the picture")

    assertNotContains(Client().get(share_url(link), **EN), thumb)


def test_a_link_without_costs_never_shows_the_costs_another_link_cached(car):
    with_costs = Client().get(share_url(share(car.passport, show_costs=True)), **EN)
    assertContains(with_costs, "120.00")
    assertContains(with_costs, "75.00")

    without = Client().get(share_url(share(car.passport)), **EN)

    assertNotContains(without, "120.00")
    assertNotContains(without, "75.00")


def test_each_language_has_its_own_fragments(car):
    link = share(car.passport)
    assertContains(Client().get(share_url(link), **EN), "Workshop history")

    dutch = Client().get(share_url(link), HTTP_ACCEPT_LANGUAGE="nl")

    assertContains(dutch, "Remmen voor")
    assertNotContains(dutch, "Brakes front")


def test_the_pages_work_with_the_cache_down(car, client_for, garage, monkeypatch):
    def down(*args, **kwargs):
        raise ConnectionError("cache down")

    monkeypatch.setattr(cache, "get_many", down)
    page = client_for(garage.account_user).get(profile_url(car.passport), **EN)
    assertContains(page, "Entered by")
    assertContains(Client().get(share_url(share(car.passport)), **EN), "Workshop history")

"""Who sees a check's photos (photos.selectors): the matrix of the issue.

The car: stock at garage A, checked with photos (p_stock); handed to the previous owner, checked
with photos (p_previous); sold to the current owner, checked with photos (p_current); then
linked to a fleet. Garage A's staff see every photo, the current owner only those of their own
period, everybody else none (a 404, as for a photo that does not exist); anonymous is sent to
the login page. A share link of the current owner serves, without a login, the photos of their
period if they ticked "include photos", none otherwise (sharing.views.share_photo).
"""

from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from sharing.models import ShareLink
from tests.accounts.factories import UserFactory
from tests.autopaspoort.factories import PassportFactory, record_check
from tests.fleet.factories import FleetFactory, link, manager_of
from tests.photos.factories import add_photos
from tests.sharing.factories import share
from tests.transfers.factories import transfer
from transfers.services import transfer_accept

VERSIONS = ["thumb", "large", "original"]


def photo_url(photo, version="thumb"):
    return reverse("photos:file", kwargs={"key": photo.key, "version": version})


@pytest.fixture
def story(garage, mechanic, other_garage, django_capture_on_commit_callbacks):
    previous_owner = UserFactory(full_name="Vorige Eigenaar")
    current_owner = UserFactory(full_name="Huidige Eigenaar")
    passport = PassportFactory(garage=garage)
    with django_capture_on_commit_callbacks(execute=True):
        (p_stock,) = add_photos(record_check(passport, actor=mechanic), actor=mechanic)
        transfer_accept(transfer=transfer(passport, previous_owner.email), user=previous_owner)
        (p_previous,) = add_photos(record_check(passport, actor=mechanic), actor=mechanic)
        transfer_accept(transfer=transfer(passport, current_owner.email), user=current_owner)
        (p_current,) = add_photos(record_check(passport, actor=mechanic), actor=mechanic)
    passport.refresh_from_db()
    fleet = FleetFactory(garages=[garage])
    link(passport, fleet)
    return {
        "passport": passport,
        "photos": {"stock": p_stock, "previous": p_previous, "current": p_current},
        "people": {
            "garage A mechanic": mechanic,
            "garage A admin": garage.account_user,
            "garage B staff": other_garage.account_user,
            "current owner": current_owner,
            "previous owner": previous_owner,
            "fleet manager": manager_of(fleet),
            "support (outside the admin)": UserFactory(is_staff=True),
        },
    }


# who -> the photos they may see
MATRIX = {
    "garage A mechanic": {"stock", "previous", "current"},
    "garage A admin": {"stock", "previous", "current"},
    "garage B staff": set(),
    "current owner": {"current"},
    "previous owner": set(),
    "fleet manager": set(),
    "support (outside the admin)": set(),
}


@pytest.mark.parametrize("who", list(MATRIX))
def test_photo_access_matrix(client_for, story, who):
    client = client_for(story["people"][who])
    for name, photo in story["photos"].items():
        for version in VERSIONS:
            response = client.get(photo_url(photo, version))
            expected = 200 if name in MATRIX[who] else 404
            assert response.status_code == expected, (who, name, version)
            if expected == 200:
                assert response["Content-Type"] == (
                    photo.content_type if version == "original" else "image/jpeg"
                )
                assert "private" in response["Cache-Control"]
                assert "no-store" in response["Cache-Control"]
                assert response["X-Content-Type-Options"] == "nosniff"
                assert b"".join(response.streaming_content)[:2] == b"\xff\xd8"  # a JPEG


def test_anonymous_is_sent_to_the_login_page(anonymous, story):
    for photo in story["photos"].values():
        response = anonymous.get(photo_url(photo))
        assert response.status_code == 302
        assert response.url.startswith(reverse("accounts:login"))


def test_an_unknown_version_or_key_is_a_404(client_for, story):
    client = client_for(story["people"]["garage A mechanic"])
    photo = story["photos"]["current"]

    assert client.get(photo_url(photo, "exif")).status_code == 404
    assert client.get(f"/foto/{photo.key}x/thumb/").status_code == 404
    missing = "00000000-0000-0000-0000-000000000000"
    assert client.get(f"/foto/{missing}/thumb/").status_code == 404


def test_a_deleted_photo_is_gone_for_everyone(client_for, story, support_user):
    from photos.services import photo_delete

    photo = story["photos"]["current"]
    photo_delete(photo=photo, actor=support_user, reason="Persoonsgegevens op de foto")

    for who in ("garage A mechanic", "current owner"):
        assert client_for(story["people"][who]).get(photo_url(photo)).status_code == 404


def test_an_awaiting_owner_sees_no_photos(client_for, garage, mechanic):
    new_owner = UserFactory()
    passport = PassportFactory(garage=garage)
    transfer(passport, new_owner.email)  # not accepted yet
    (photo,) = add_photos(record_check(passport, actor=mechanic), actor=mechanic)

    assert client_for(new_owner).get(photo_url(photo, "original")).status_code == 404


def test_the_owner_sees_the_latest_checks_thumbnails_on_their_car_page(client_for, story):
    photos = story["photos"]
    page = client_for(story["people"]["current owner"], HTTP_ACCEPT_LANGUAGE="en").get(
        reverse("portal:car", kwargs={"plate": story["passport"].plate})
    )

    html = page.content.decode()
    assert photo_url(photos["current"]) in html
    assert photo_url(photos["previous"]) not in html
    assert "Photos of the car" in html


def test_the_garage_profile_shows_the_latest_checks_thumbnails(client_for, story):
    passport = story["passport"]
    page = client_for(story["people"]["garage A mechanic"]).get(passport.get_absolute_url())

    assert photo_url(story["photos"]["current"]) in page.content.decode()


def test_a_check_made_before_the_owners_period_shows_no_photos_on_their_page(
    client_for, garage, mechanic, owner, django_capture_on_commit_callbacks
):
    passport = PassportFactory(garage=garage)
    with django_capture_on_commit_callbacks(execute=True):
        (photo,) = add_photos(record_check(passport, actor=mechanic), actor=mechanic)
    transfer_accept(transfer=transfer(passport, owner.email), user=owner)

    page = client_for(owner).get(reverse("portal:car", kwargs={"plate": passport.plate}))

    assert page.status_code == 200
    assert photo_url(photo) not in page.content.decode()


# --- Share links ---------------------------------------------------------------------------------

SHARE_VERSIONS = ["thumb", "large"]  # a link never serves the original


def share_photo_url(link, photo, version="thumb"):
    return reverse(
        "sharing:photo", kwargs={"token": link.token, "key": photo.key, "version": version}
    )


# The current owner's link -> the photos anyone holding it may see.
SHARE_MATRIX = {
    "share link with photos": {"current"},
    "share link without photos": set(),
}


@pytest.mark.parametrize("which", list(SHARE_MATRIX))
def test_share_link_photo_matrix(story, which):
    link = share(
        story["passport"],
        actor=story["people"]["current owner"],
        include_photos=which == "share link with photos",
    )
    anyone = Client()
    for name, photo in story["photos"].items():
        for version in SHARE_VERSIONS:
            response = anyone.get(share_photo_url(link, photo, version))
            expected = 200 if name in SHARE_MATRIX[which] else 404
            assert response.status_code == expected, (which, name, version)
            if expected == 200:
                assert response["Content-Type"] == "image/jpeg"
                assert "private" in response["Cache-Control"]
                assert "no-store" in response["Cache-Control"]
                assert response["X-Content-Type-Options"] == "nosniff"
                assert response["X-Robots-Tag"].startswith("noindex")
                assert b"".join(response.streaming_content)[:2] == b"\xff\xd8"
        assert anyone.get(share_photo_url(link, photo, "original")).status_code == 404


@pytest.mark.parametrize("how", ["expired", "revoked"])
def test_an_expired_or_revoked_link_serves_no_photo(story, how):
    link = share(story["passport"], actor=story["people"]["current owner"], include_photos=True)
    photo = story["photos"]["current"]
    assert Client().get(share_photo_url(link, photo)).status_code == 200
    if how == "expired":
        ShareLink.objects.filter(pk=link.pk).update(
            expires_at=timezone.now() - timedelta(minutes=1)
        )
    else:
        ShareLink.objects.filter(pk=link.pk).update(revoked_at=timezone.now())

    assert Client().get(share_photo_url(link, photo)).status_code == 404


def test_a_valid_link_serves_no_photo_of_another_car(
    story, garage, mechanic, owner, django_capture_on_commit_callbacks
):
    other_car = PassportFactory(garage=garage)
    transfer_accept(transfer=transfer(other_car, owner.email), user=owner)
    with django_capture_on_commit_callbacks(execute=True):
        (other_photo,) = add_photos(record_check(other_car, actor=mechanic), actor=mechanic)
    link = share(story["passport"], actor=story["people"]["current owner"], include_photos=True)

    assert Client().get(share_photo_url(link, other_photo)).status_code == 404
    # ... while that car's own link with photos serves it.
    own_link = share(other_car, actor=owner, include_photos=True)
    assert Client().get(share_photo_url(own_link, other_photo)).status_code == 200


def test_a_link_dies_with_the_transfer_and_the_new_owner_link_shows_only_their_period(
    garage, mechanic, owner, other_owner, django_capture_on_commit_callbacks
):
    passport = PassportFactory(garage=garage)
    transfer_accept(transfer=transfer(passport, owner.email), user=owner)
    with django_capture_on_commit_callbacks(execute=True):
        (previous,) = add_photos(record_check(passport, actor=mechanic), actor=mechanic)
    old_link = share(passport, actor=owner, include_photos=True)
    assert Client().get(share_photo_url(old_link, previous)).status_code == 200
    transfer_accept(transfer=transfer(passport, other_owner.email), user=other_owner)
    passport.refresh_from_db()
    new_link = share(passport, actor=other_owner, include_photos=True)

    # The previous owner's link died with the sale; the new owner's shows nothing of before.
    assert Client().get(share_photo_url(old_link, previous)).status_code == 404
    assert Client().get(share_photo_url(new_link, previous)).status_code == 404
    page = Client().get(reverse("sharing:page", args=[new_link.token])).content.decode()
    assert "/foto/" not in page  # the latest check predates them: no thumbnails

    with django_capture_on_commit_callbacks(execute=True):
        (theirs,) = add_photos(record_check(passport, actor=mechanic), actor=mechanic)
    assert Client().get(share_photo_url(new_link, theirs)).status_code == 200

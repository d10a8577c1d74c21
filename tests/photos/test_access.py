"""Who sees a check's photos (photos.selectors): the matrix of the issue.

The car: stock at garage A, checked with photos (p_stock); handed to the previous owner, checked
with photos (p_previous); sold to the current owner, checked with photos (p_current); then
linked to a fleet. Garage A's staff see every photo, the current owner only those of their own
period, everybody else none (a 404, as for a photo that does not exist); anonymous is sent to
the login page.
"""

import pytest
from django.urls import reverse

from tests.accounts.factories import UserFactory
from tests.autopaspoort.factories import PassportFactory, record_check
from tests.fleet.factories import FleetFactory, link, manager_of
from tests.photos.factories import add_photos
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

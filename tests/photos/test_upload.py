"""Mechanics add photos to a check on its page: plain multipart posts, errors beside the field."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from autopaspoort.models import StatusCheck
from photos.models import CheckPhoto
from tests.autopaspoort.factories import Component, PassportFactory, Rating, item, record_check
from tests.photos.factories import add_photos, stored_files
from tests.photos.images import bad_files, jpeg_bytes, png_bytes, upload

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


def check_url(check):
    passport = check.passport
    return reverse(
        "autopaspoort:check_detail",
        kwargs={"garage_id": passport.garage_id, "plate": passport.plate, "check_id": check.pk},
    )


@pytest.fixture
def check(garage, mechanic):
    passport = PassportFactory(garage=garage)
    return record_check(
        passport,
        actor=mechanic,
        items=[item(Component.BRAKES_FRONT, Rating.NOW, "250.00"), item(Component.LIGHTS)],
    )


def test_the_page_offers_camera_inputs_per_item_and_for_the_intake(client_for, mechanic, check):
    page = client_for(mechanic, **EN).get(check_url(check))

    html = page.content.decode()
    assert html.count('capture="environment"') == 3  # the intake and two items
    assert html.count('accept="image/*"') == 3
    assert 'enctype="multipart/form-data"' in html
    assert "multiple" in html


def test_a_mechanic_uploads_two_photos_of_an_item_and_sees_thumbnails(
    client_for, mechanic, check, media_root, django_capture_on_commit_callbacks
):
    brakes = check.items.get(component=Component.BRAKES_FRONT)
    client = client_for(mechanic, **EN)

    with django_capture_on_commit_callbacks(execute=True):  # the versions task, eager
        response = client.post(
            check_url(check),
            {
                "target": str(brakes.pk),
                "photos": [upload(jpeg_bytes()), upload(png_bytes(), "b.png")],
            },
        )
    response = client.get(response.url)

    assert response.status_code == 200
    assert "2 photos added." in response.content.decode()
    photos = list(CheckPhoto.objects.filter(item=brakes))
    assert len(photos) == 2
    assert all(p.thumbnail and p.large and p.uploaded_by == mechanic for p in photos)
    assert {p.content_type for p in photos} == {"image/jpeg", "image/png"}
    html = response.content.decode()
    for photo in photos:
        assert reverse("photos:file", kwargs={"key": photo.key, "version": "thumb"}) in html
    assert len(stored_files(media_root)) == 6  # original, thumbnail, 1600 px each


def test_intake_photos_have_a_kind(client_for, mechanic, check):
    client_for(mechanic, **EN).post(
        check_url(check), {"target": "intake", "kind": "odometer", "photos": [upload(jpeg_bytes())]}
    )

    photo = CheckPhoto.objects.get()
    assert (photo.kind, photo.item) == (CheckPhoto.Kind.ODOMETER, None)


@pytest.mark.parametrize("name", list(bad_files()))
def test_bad_files_are_refused_beside_the_field_and_nothing_is_stored(
    client_for, mechanic, check, media_root, name
):
    content, filename, content_type = bad_files()[name]
    brakes = check.items.first()

    response = client_for(mechanic, **EN).post(
        check_url(check),
        {"target": str(brakes.pk), "photos": [upload(content, filename, content_type)]},
    )

    assert response.status_code == 400
    form = response.context["items"][0].photo_form
    assert form.errors["photos"]
    assert filename in form.errors["photos"][0] or name == "zero bytes"
    assert 'class="field field-invalid"' in response.content.decode()
    assert not CheckPhoto.objects.exists()
    assert stored_files(media_root) == []


def test_one_bad_file_among_good_ones_stores_none(client_for, mechanic, check, media_root):
    response = client_for(mechanic, **EN).post(
        check_url(check),
        {"target": "intake", "kind": "sides", "photos": [upload(jpeg_bytes()), upload(b"x")]},
    )

    assert response.status_code == 400
    assert not CheckPhoto.objects.exists()
    assert stored_files(media_root) == []


def test_no_file_chosen_is_refused_beside_the_field(client_for, mechanic, check):
    response = client_for(mechanic, **EN).post(check_url(check), {"target": "intake"})

    assert response.status_code == 400
    assert "Choose one or more photos." in response.content.decode()


def test_a_check_from_yesterday_refuses_photos(client_for, mechanic, check, media_root):
    yesterday = timezone.now() - timedelta(days=1)
    StatusCheck.objects.filter(pk=check.pk).update(performed_at=yesterday)
    client = client_for(mechanic, **EN)

    page = client.get(check_url(check))
    response = client.post(
        check_url(check), {"target": "intake", "kind": "sides", "photos": [upload(jpeg_bytes())]}
    )

    assert 'type="file"' not in page.content.decode()
    assert "This check is closed" in page.content.decode()
    assert response.status_code == 400
    assert not CheckPhoto.objects.exists()
    assert stored_files(media_root) == []


def test_the_service_refuses_a_closed_check_with_a_clear_message(check, mechanic, settings):
    settings.LANGUAGE_CODE = "en"
    StatusCheck.objects.filter(pk=check.pk).update(performed_at=timezone.now() - timedelta(days=1))
    check.refresh_from_db()
    from core.errors import ApplicationError

    with pytest.raises(ApplicationError, match="closed at the end of the day"):
        add_photos(check, actor=mechanic)


def test_sales_may_not_upload(client_for, sales, check):
    response = client_for(sales).post(
        check_url(check), {"target": "intake", "kind": "sides", "photos": [upload(jpeg_bytes())]}
    )

    assert response.status_code == 403
    assert not CheckPhoto.objects.exists()


def test_an_item_of_another_check_is_a_bad_request(client_for, mechanic, check, garage):
    other = record_check(PassportFactory(garage=garage), actor=mechanic)

    response = client_for(mechanic).post(
        check_url(check),
        {"target": str(other.items.get().pk), "photos": [upload(jpeg_bytes())]},
    )

    assert response.status_code == 400
    assert not CheckPhoto.objects.exists()


def test_a_thumbnail_placeholder_shows_until_the_task_ran(client_for, mechanic, check):
    add_photos(check, actor=mechanic)  # its task waits for a commit that never comes here

    page = client_for(mechanic, **EN).get(check_url(check))

    assert "Processing…" in page.content.decode()


def test_the_versions_task_is_idempotent(check, mechanic, django_capture_on_commit_callbacks):
    from photos.tasks import make_photo_versions

    with django_capture_on_commit_callbacks(execute=True):
        (photo,) = add_photos(check, actor=mechanic)
    photo.refresh_from_db()
    names = (photo.thumbnail.name, photo.large.name)

    make_photo_versions(photo.pk)
    photo.refresh_from_db()

    assert (photo.thumbnail.name, photo.large.name) == names
    assert photo.thumbnail.storage.exists(photo.thumbnail.name)

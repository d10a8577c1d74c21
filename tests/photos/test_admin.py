"""Support deletes a photo only with a reason; the row stays as the record, the files go."""

from django.contrib.admin.models import LogEntry
from django.urls import reverse

from photos.models import CheckPhoto
from tests.autopaspoort.factories import PassportFactory, record_check
from tests.photos.factories import add_photos, stored_files


def _photo(garage, mechanic, capture):
    with capture(execute=True):
        (photo,) = add_photos(record_check(PassportFactory(garage=garage), actor=mechanic))
    return photo


def test_support_deletes_a_photo_with_a_reason(
    client_for, support_user, garage, mechanic, media_root, django_capture_on_commit_callbacks
):
    photo = _photo(garage, mechanic, django_capture_on_commit_callbacks)
    assert len(stored_files(media_root)) == 3
    client = client_for(support_user, HTTP_ACCEPT_LANGUAGE="en")
    url = reverse("admin:photos_checkphoto_delete_with_reason", args=[photo.pk])

    page = client.get(reverse("admin:photos_checkphoto_change", args=[photo.pk]))
    shown = client.get(reverse("photos:file", kwargs={"key": photo.key, "version": "thumb"}))
    refused = client.post(url, {"reason": "  "})
    with django_capture_on_commit_callbacks(execute=True):
        done = client.post(url, {"reason": "Gezicht van een voorbijganger op de foto"})

    assert "Delete with a reason" in page.content.decode()
    assert shown.status_code == 200  # support may look before deciding
    assert refused.status_code == 200
    assert "This field is required." in refused.content.decode()
    assert done.status_code == 302
    photo.refresh_from_db()
    assert photo.deleted_by == support_user
    assert photo.deleted_at is not None
    assert photo.delete_reason == "Gezicht van een voorbijganger op de foto"
    assert stored_files(media_root) == []
    assert LogEntry.objects.filter(object_id=str(photo.pk), user=support_user).exists()
    assert CheckPhoto.objects.visible().count() == 0


def test_the_plain_admin_delete_is_not_offered(client_for, support_user, garage, mechanic):
    (photo,) = add_photos(record_check(PassportFactory(garage=garage), actor=mechanic))
    client = client_for(support_user)

    response = client.post(reverse("admin:photos_checkphoto_delete", args=[photo.pk]))

    assert response.status_code == 403
    assert CheckPhoto.objects.visible().count() == 1


def test_staff_without_the_permission_may_not_delete(client_for, garage, mechanic):
    from tests.accounts.factories import UserFactory

    (photo,) = add_photos(record_check(PassportFactory(garage=garage), actor=mechanic))
    staff = UserFactory(is_staff=True)

    response = client_for(staff).post(
        reverse("admin:photos_checkphoto_delete_with_reason", args=[photo.pk]), {"reason": "x"}
    )

    assert response.status_code == 403
    assert CheckPhoto.objects.visible().count() == 1

"""POST /api/v1/passports/{plate}/checks/{check_id}/photos: the GMS attaches photos."""

from datetime import timedelta

from django.utils import timezone

from autopaspoort.models import StatusCheck
from photos.models import CheckPhoto
from tests.api.conftest import BASE, Api, assert_error, token_a, token_b  # noqa: F401
from tests.autopaspoort.factories import PassportFactory, record_check
from tests.photos.factories import stored_files
from tests.photos.images import bad_files, jpeg_bytes, upload


def _post(token, check, data, plate=None):
    return Api(token[1]).client.post(
        f"{BASE}/passports/{plate or check.passport.plate}/checks/{check.pk}/photos",
        data,
        headers={"Authorization": f"Bearer {token[1]}"},
    )


def test_the_gms_attaches_photos_to_an_item(garage, token_a, media_root):  # noqa: F811
    check = record_check(PassportFactory(garage=garage))
    item = check.items.get()

    response = _post(
        token_a,
        check,
        {
            "kind": "item",
            "item_id": item.pk,
            "photos": [upload(jpeg_bytes()), upload(jpeg_bytes())],
        },
    )

    assert response.status_code == 201, response.content
    body = response.json()
    assert len(body["photos"]) == 2
    assert {photo["item_id"] for photo in body["photos"]} == {item.pk}
    assert CheckPhoto.objects.filter(item=item, uploaded_by=garage.account_user).count() == 2


def test_intake_photos_need_no_item(garage, token_a):  # noqa: F811
    check = record_check(PassportFactory(garage=garage))

    response = _post(token_a, check, {"kind": "dashboard", "photos": [upload(jpeg_bytes())]})

    assert response.status_code == 201
    assert response.json()["photos"][0]["kind"] == "dashboard"


def test_a_bad_file_is_refused_in_the_contracts_shape(garage, token_a, media_root):  # noqa: F811
    check = record_check(PassportFactory(garage=garage))
    for name, (content, filename, content_type) in bad_files().items():
        response = _post(
            token_a, check, {"kind": "sides", "photos": [upload(content, filename, content_type)]}
        )
        assert_error(response, 400, "refused")
        assert response.json()["error"]["fields"]["photos"], name
    assert not CheckPhoto.objects.exists()
    assert stored_files(media_root) == []


def test_an_item_is_needed_for_kind_item(garage, token_a):  # noqa: F811
    check = record_check(PassportFactory(garage=garage))

    response = _post(token_a, check, {"kind": "item", "photos": [upload(jpeg_bytes())]})

    assert_error(response, 400, "refused")
    assert not CheckPhoto.objects.exists()


def test_a_closed_check_refuses_photos(garage, token_a):  # noqa: F811
    check = record_check(PassportFactory(garage=garage))
    StatusCheck.objects.filter(pk=check.pk).update(performed_at=timezone.now() - timedelta(days=1))

    response = _post(token_a, check, {"kind": "sides", "photos": [upload(jpeg_bytes())]})

    assert_error(response, 400, "refused")
    assert "closed" in response.json()["error"]["message"]


def test_another_garages_check_is_a_404(garage, token_b):  # noqa: F811
    check = record_check(PassportFactory(garage=garage))

    response = _post(token_b, check, {"kind": "sides", "photos": [upload(jpeg_bytes())]})

    assert_error(response, 404, "not_found")
    assert not CheckPhoto.objects.exists()


def test_no_files_is_a_400(garage, token_a):  # noqa: F811
    check = record_check(PassportFactory(garage=garage))

    response = _post(token_a, check, {"kind": "sides"})

    assert_error(response, 400)

"""The S3 path against an S3-compatible server started by the test: moto's ThreadedMotoServer
on 127.0.0.1 (a real HTTP server, so django-storages, boto3 and the signed URLs go through the
same requests as with a real object store; moto's in-process mock would skip the HTTP layer and
the redirect could not be followed). No network beyond the loopback."""

import json
import os
import socket
import subprocess
import sys
from datetime import UTC, datetime
from urllib.parse import parse_qs, urlparse

import boto3
import httpx
import pytest
from django.conf import settings as django_settings
from django.urls import reverse
from moto.server import ThreadedMotoServer

from photos.models import CheckPhoto
from tests.autopaspoort.factories import PassportFactory, record_check
from tests.photos.images import jpeg_bytes, upload

BUCKET = "autopaspoort-photos"
REGION = "eu-central-1"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def s3_server():
    port = _free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    yield f"http://127.0.0.1:{port}"
    server.stop()


@pytest.fixture
def s3(s3_server, settings):
    client = boto3.client(
        "s3",
        endpoint_url=s3_server,
        aws_access_key_id="test-key",
        aws_secret_access_key="test-secret",
        region_name=REGION,
    )
    client.create_bucket(Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": REGION})
    # What config/settings.py builds for MEDIA_STORAGE=s3 (test_settings_choose_s3 checks it).
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": {
                "access_key": "test-key",
                "secret_key": "test-secret",
                "bucket_name": BUCKET,
                "endpoint_url": s3_server,
                "region_name": REGION,
                "default_acl": None,
                "querystring_auth": True,
                "querystring_expire": 300,
                "file_overwrite": False,
            },
        },
    }
    yield client
    for page in client.get_paginator("list_objects_v2").paginate(Bucket=BUCKET):
        for obj in page.get("Contents", []):
            client.delete_object(Bucket=BUCKET, Key=obj["Key"])
    client.delete_bucket(Bucket=BUCKET)


def _keys(client) -> set[str]:
    return {obj["Key"] for obj in client.list_objects_v2(Bucket=BUCKET).get("Contents", [])}


def test_an_upload_is_stored_in_the_bucket_and_served_by_a_signed_url(
    s3, client_for, garage, mechanic, media_root, django_capture_on_commit_callbacks
):
    check = record_check(PassportFactory(garage=garage), actor=mechanic)
    url = reverse(
        "autopaspoort:check_detail",
        kwargs={"garage_id": garage.pk, "plate": check.passport.plate, "check_id": check.pk},
    )
    client = client_for(mechanic)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            url, {"target": "intake", "kind": "sides", "photos": [upload(jpeg_bytes(gps=True))]}
        )

    assert response.status_code == 302
    photo = CheckPhoto.objects.get()
    assert _keys(s3) == {photo.original.name, photo.thumbnail.name, photo.large.name}
    assert not media_root.exists() or not any(media_root.rglob("*.jpg"))  # nothing on disk
    stored = s3.get_object(Bucket=BUCKET, Key=photo.original.name)["Body"].read()
    assert b"Camera maker" not in stored  # EXIF stripped on S3 too

    served = client.get(reverse("photos:file", kwargs={"key": photo.key, "version": "original"}))

    assert served.status_code == 302
    signed = urlparse(served["Location"])
    query = parse_qs(signed.query)
    assert signed.path == f"/{BUCKET}/{photo.original.name}"
    assert query["X-Amz-Expires"] == ["300"]  # a short-lived URL
    signed_at = datetime.strptime(query["X-Amz-Date"][0], "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)
    assert abs((datetime.now(UTC) - signed_at).total_seconds()) < 60
    assert "X-Amz-Signature" in query
    assert "private" in served["Cache-Control"]
    fetched = httpx.get(served["Location"])
    assert fetched.status_code == 200
    assert fetched.content == stored


def test_the_bucket_is_not_public(s3, garage, mechanic, django_capture_on_commit_callbacks):
    from tests.photos.factories import add_photos

    with django_capture_on_commit_callbacks(execute=True):
        (photo,) = add_photos(record_check(PassportFactory(garage=garage), actor=mechanic))
    endpoint = s3.meta.endpoint_url

    # The object's plain address, without a signature: refused.
    assert httpx.get(f"{endpoint}/{BUCKET}/{photo.original.name}").status_code == 403
    grants = s3.get_object_acl(Bucket=BUCKET, Key=photo.original.name)["Grants"]
    assert all("URI" not in grant["Grantee"] for grant in grants)  # no AllUsers/AuthUsers grant


def test_a_stranger_gets_no_signed_url(s3, client_for, garage, mechanic, other_garage_staff):
    from tests.photos.factories import add_photos

    (photo,) = add_photos(record_check(PassportFactory(garage=garage), actor=mechanic))

    response = client_for(other_garage_staff).get(
        reverse("photos:file", kwargs={"key": photo.key, "version": "original"})
    )

    assert response.status_code == 404
    assert "Location" not in response


def test_a_share_link_with_photos_redirects_to_a_signed_url(
    s3, garage, mechanic, django_capture_on_commit_callbacks
):
    from django.test import Client

    from tests.photos.factories import add_photos
    from tests.sharing.factories import share

    passport = PassportFactory(garage=garage)  # a stock car: the garage shares it
    with django_capture_on_commit_callbacks(execute=True):
        (photo,) = add_photos(record_check(passport, actor=mechanic), actor=mechanic)
    photo.refresh_from_db()  # the versions were made after commit
    with_photos = share(passport, actor=garage.account_user, include_photos=True)
    without = share(passport, actor=garage.account_user)

    def get(link):
        kwargs = {"token": link.token, "key": photo.key, "version": "large"}
        return Client().get(reverse("sharing:photo", kwargs=kwargs))

    served = get(with_photos)
    assert served.status_code == 302
    signed = urlparse(served["Location"])
    assert signed.path == f"/{BUCKET}/{photo.large.name}"
    assert parse_qs(signed.query)["X-Amz-Expires"] == ["300"]
    assert "private" in served["Cache-Control"]
    assert httpx.get(served["Location"]).status_code == 200
    refused = get(without)
    assert refused.status_code == 404
    assert "Location" not in refused


def test_support_deletion_removes_the_objects(
    s3, garage, mechanic, support_user, django_capture_on_commit_callbacks
):
    from photos.services import photo_delete
    from tests.photos.factories import add_photos

    with django_capture_on_commit_callbacks(execute=True):
        (photo,) = add_photos(record_check(PassportFactory(garage=garage), actor=mechanic))
    assert len(_keys(s3)) == 3

    with django_capture_on_commit_callbacks(execute=True):
        photo_delete(photo=photo, actor=support_user, reason="Kenteken van een ander")

    assert _keys(s3) == set()


def test_settings_choose_s3_with_signed_short_lived_urls():
    env = {
        **os.environ,
        "MEDIA_STORAGE": "s3",
        "AWS_STORAGE_BUCKET_NAME": BUCKET,
        "AWS_S3_ENDPOINT_URL": "http://127.0.0.1:9",
        "AWS_S3_REGION_NAME": REGION,
    }
    code = "import json, config.settings as s; print(json.dumps(s.STORAGES['default']))"
    result = subprocess.run(  # a fresh interpreter: settings are read once per process
        [sys.executable, "-c", code],
        env=env,
        cwd=django_settings.BASE_DIR,
        capture_output=True,
        text=True,
        check=True,
    )
    storage = json.loads(result.stdout)
    assert storage["BACKEND"] == "storages.backends.s3.S3Storage"
    options = storage["OPTIONS"]
    assert options["querystring_auth"] is True
    assert options["querystring_expire"] == 300
    assert options["default_acl"] is None
    assert options["bucket_name"] == BUCKET

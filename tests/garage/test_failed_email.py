"""The garage sees when a new owner's activation email could not be delivered, and sends it
again from the car's profile."""

import contextlib

import pytest
from django.core import mail
from django.urls import reverse

from notifications.models import Notification
from notifications.services import DeliveryFailed, notification_deliver
from tests.autopaspoort.factories import PassportFactory
from tests.transfers.factories import transfer

pytestmark = pytest.mark.django_db

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}
NOTICE = "could not be delivered"


def test_a_failed_activation_email_shows_on_the_profile_with_send_again(
    garage, garage_admin, client_for, settings, django_capture_on_commit_callbacks
):
    settings.EMAIL_BACKEND = "tests.notifications.test_failures.DownBackend"
    record = transfer(PassportFactory(garage=garage), "koper@example.nl", actor=garage_admin)
    for _ in range(settings.NOTIFICATION_MAX_ATTEMPTS):
        with contextlib.suppress(DeliveryFailed):
            notification_deliver(notification_id=record.notification_id)
    failed = Notification.objects.get(pk=record.notification_id)
    assert failed.state == Notification.State.FAILED
    client = client_for(garage_admin)
    profile_url = record.passport.get_absolute_url()

    page = client.get(profile_url, **EN)
    assert NOTICE in page.text
    resend_url = reverse(
        "transfers:resend",
        kwargs={"garage_id": garage.pk, "plate": record.passport.plate, "transfer_id": record.pk},
    )
    assert resend_url in page.text

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    with django_capture_on_commit_callbacks(execute=True):
        client.post(resend_url, **EN)

    assert [message.to for message in mail.outbox] == [["koper@example.nl"]]
    failed.refresh_from_db()
    assert failed.state == Notification.State.CANCELLED  # the sweep will not send it twice
    assert NOTICE not in client.get(profile_url, **EN).text

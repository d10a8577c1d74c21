import pytest
from django.contrib.admin.models import LogEntry
from django.core import mail
from django.urls import reverse

from notifications.models import Notification
from tests.notifications.factories import NotificationFactory

pytestmark = pytest.mark.django_db

CHANGELIST = reverse("admin:notifications_notification_changelist")


def test_support_can_read_the_outbox(client_for, support_user):
    NotificationFactory(recipient="klant@example.nl", user=None)

    response = client_for(support_user).get(CHANGELIST)

    assert response.status_code == 200
    assert b"klant@example.nl" in response.content


def test_support_resend_queues_a_copy_and_delivers_it(
    client_for, support_user, owner, django_capture_on_commit_callbacks
):
    original = NotificationFactory(user=owner, state=Notification.State.FAILED, attempts=5)

    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(support_user).post(
            CHANGELIST, {"action": "resend", "_selected_action": [original.pk]}
        )

    assert response.status_code == 302
    copy = Notification.objects.exclude(pk=original.pk).get()
    assert copy.resent_from == original
    assert (copy.kind, copy.recipient, copy.context) == (
        original.kind,
        original.recipient,
        original.context,
    )
    assert copy.state == Notification.State.SENT
    assert [message.to for message in mail.outbox] == [[owner.email]]
    original.refresh_from_db()
    assert (original.state, original.attempts) == (Notification.State.FAILED, 5)
    assert LogEntry.objects.filter(user=support_user, object_id=str(original.pk)).exists()


def test_support_cannot_edit_a_notification(client_for, support_user):
    notification = NotificationFactory(recipient="klant@example.nl", user=None)
    change_url = reverse("admin:notifications_notification_change", args=[notification.pk])
    client = client_for(support_user)

    page = client.get(change_url)
    response = client.post(
        change_url,
        {"recipient": "ander@example.nl", "state": "sent", "kind": notification.kind},
    )

    assert page.status_code == 200
    assert b'name="_save"' not in page.content  # a read-only view
    assert response.status_code == 403
    notification.refresh_from_db()
    assert (notification.recipient, notification.state) == ("klant@example.nl", "pending")


def test_support_cannot_delete_a_notification(client_for, support_user):
    notification = NotificationFactory()
    delete_url = reverse("admin:notifications_notification_delete", args=[notification.pk])

    response = client_for(support_user).post(delete_url, {"post": "yes"})

    assert response.status_code == 403
    assert Notification.objects.filter(pk=notification.pk).exists()

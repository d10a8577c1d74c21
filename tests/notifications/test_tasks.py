import pytest
from django.conf import settings
from django.core import mail
from django.core.mail.backends.base import BaseEmailBackend
from django.test import override_settings

from notifications.models import Notification
from notifications.tasks import deliver_notification, requeue_stale_notifications
from tests.notifications.factories import NotificationFactory

pytestmark = pytest.mark.django_db


class FailingEmailBackend(BaseEmailBackend):
    """An email provider that is down."""

    def send_messages(self, email_messages):
        raise ConnectionRefusedError("provider is down")


@override_settings(EMAIL_BACKEND="tests.notifications.test_tasks.FailingEmailBackend")
def test_delivery_that_keeps_failing_ends_failed_after_the_last_attempt(owner):
    notification = NotificationFactory(user=owner)

    # Eager mode makes one attempt per call (tests/notifications/test_failures.py); a worker
    # gets the next ones from Celery's retry, as these calls stand in for.
    for _ in range(settings.NOTIFICATION_MAX_ATTEMPTS):
        deliver_notification.delay(notification.pk)

    notification.refresh_from_db()
    assert notification.state == Notification.State.FAILED
    assert notification.attempts == settings.NOTIFICATION_MAX_ATTEMPTS
    assert "provider is down" in notification.last_error
    assert notification.sent_at is None


def test_the_delivery_task_sends_a_pending_row(owner):
    notification = NotificationFactory(user=owner)

    deliver_notification.delay(notification.pk)

    notification.refresh_from_db()
    assert notification.state == Notification.State.SENT
    assert [message.to for message in mail.outbox] == [[owner.email]]


def test_the_delivery_task_leaves_a_failed_row_alone(owner):
    notification = NotificationFactory(user=owner, state=Notification.State.FAILED, attempts=5)

    deliver_notification.delay(notification.pk)

    notification.refresh_from_db()
    assert notification.state == Notification.State.FAILED
    assert notification.attempts == 5
    assert mail.outbox == []


def test_the_periodic_sweep_task_reports_how_many_rows_it_enqueued():
    assert requeue_stale_notifications.delay().get() == 0

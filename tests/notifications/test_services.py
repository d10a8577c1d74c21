import smtplib
import threading
import time
from datetime import timedelta

import pytest
from anymail.exceptions import AnymailAPIError, AnymailRecipientsRefused
from django.core import mail
from django.core.mail.backends import locmem
from django.core.mail.backends.base import BaseEmailBackend
from django.db import connection, transaction
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from notifications.models import Notification
from notifications.services import (
    DeliveryFailed,
    is_permanent,
    notification_deliver,
    notification_queue,
    notifications_requeue_stale,
)
from tests.notifications.factories import NotificationFactory

pytestmark = pytest.mark.django_db

FAILING_BACKEND = "tests.notifications.test_services.FailingEmailBackend"


class FailingEmailBackend(BaseEmailBackend):
    """An email provider that is down."""

    def send_messages(self, email_messages):
        raise ConnectionRefusedError("provider is down")


def queue_staff_added(user):
    return notification_queue(
        kind=Notification.Kind.STAFF_ADDED,
        recipient=user.email,
        user=user,
        context={"garage_name": "Garage A", "role": "Monteur", "invited_by": "Beheerder A"},
    )


def test_queued_notification_is_enqueued_only_when_the_transaction_commits(
    owner, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks() as callbacks, transaction.atomic():
        notification = queue_staff_added(owner)

    # Written, not sent: delivery waits for the commit (here: for the captured callback).
    assert len(callbacks) == 1
    assert mail.outbox == []
    notification.refresh_from_db()
    assert notification.state == Notification.State.PENDING

    callbacks[0]()

    notification.refresh_from_db()
    assert notification.state == Notification.State.SENT
    assert [message.to for message in mail.outbox] == [[owner.email]]


def test_a_rolled_back_transaction_leaves_no_row_and_sends_nothing(
    owner, django_capture_on_commit_callbacks
):
    def change_that_fails():
        with transaction.atomic():
            queue_staff_added(owner)
            raise RuntimeError("the business change failed")

    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(RuntimeError),
    ):
        change_that_fails()

    assert callbacks == []
    assert not Notification.objects.exists()
    assert mail.outbox == []


def test_delivering_the_same_row_twice_sends_one_email(owner):
    notification = NotificationFactory(user=owner)

    notification_deliver(notification_id=notification.pk)
    notification_deliver(notification_id=notification.pk)

    assert len(mail.outbox) == 1
    notification.refresh_from_db()
    assert notification.state == Notification.State.SENT
    assert notification.sent_at is not None
    assert notification.attempts == 1


def test_delivering_a_row_that_no_longer_exists_does_nothing():
    assert notification_deliver(notification_id=987654) is None
    assert mail.outbox == []


@override_settings(EMAIL_BACKEND=FAILING_BACKEND)
def test_a_first_failure_leaves_the_row_pending_for_a_later_attempt(owner):
    notification = NotificationFactory(user=owner)
    before = timezone.now()

    with pytest.raises(DeliveryFailed):
        notification_deliver(notification_id=notification.pk)

    notification.refresh_from_db()
    assert notification.state == Notification.State.PENDING
    assert notification.attempts == 1
    assert notification.next_attempt_at > before + timedelta(seconds=10)
    assert "provider is down" in notification.last_error
    assert notification.sent_at is None


def test_a_later_attempt_after_a_failure_sends_once(owner):
    notification = NotificationFactory(user=owner)
    with (
        override_settings(EMAIL_BACKEND=FAILING_BACKEND),
        pytest.raises(DeliveryFailed),
    ):
        notification_deliver(notification_id=notification.pk)

    notification_deliver(notification_id=notification.pk)
    notification_deliver(notification_id=notification.pk)

    assert len(mail.outbox) == 1
    notification.refresh_from_db()
    assert notification.state == Notification.State.SENT
    assert notification.attempts == 2
    assert notification.last_error == ""


def test_the_sweep_re_enqueues_only_overdue_pending_rows():
    long_ago = timezone.now() - timedelta(minutes=5)
    overdue = NotificationFactory(next_attempt_at=long_ago)
    fresh = NotificationFactory()  # just written: its own on-commit enqueue is still due
    NotificationFactory(
        next_attempt_at=long_ago, state=Notification.State.SENT, sent_at=long_ago, attempts=1
    )
    NotificationFactory(next_attempt_at=long_ago, state=Notification.State.FAILED, attempts=5)

    count = notifications_requeue_stale()

    assert count == 1
    assert [message.to for message in mail.outbox] == [[overdue.recipient]]
    overdue.refresh_from_db()
    fresh.refresh_from_db()
    assert overdue.state == Notification.State.SENT
    assert fresh.state == Notification.State.PENDING
    assert fresh.attempts == 0


def test_a_request_that_queues_mail_while_the_broker_is_down_still_succeeds(
    anonymous, owner, broker_down, django_capture_on_commit_callbacks
):
    started = time.monotonic()
    with django_capture_on_commit_callbacks(execute=True):
        response = anonymous.post(reverse("accounts:password_reset"), {"email": owner.email})
    elapsed = time.monotonic() - started

    assert response.status_code == 302
    assert elapsed < 3
    notification = Notification.objects.get()
    assert (notification.state, notification.attempts) == (Notification.State.PENDING, 0)
    assert mail.outbox == []


def test_the_sweep_delivers_a_row_the_broker_never_got(owner):
    notification = NotificationFactory(user=owner)  # written, never enqueued

    assert notifications_requeue_stale() == 0  # not overdue yet
    count = notifications_requeue_stale(now=timezone.now() + timedelta(minutes=2))

    assert count == 1
    notification.refresh_from_db()
    assert notification.state == Notification.State.SENT
    assert [message.to for message in mail.outbox] == [[owner.email]]


class SlowEmailBackend(locmem.EmailBackend):
    """A provider that takes a while to accept a message: long enough for a second worker to
    reach the same row while the first is still sending."""

    def send_messages(self, messages):
        time.sleep(0.5)
        return super().send_messages(messages)


@pytest.mark.needs_postgres
@pytest.mark.django_db(transaction=True)
@override_settings(EMAIL_BACKEND="tests.notifications.test_services.SlowEmailBackend")
def test_two_workers_delivering_the_same_row_at_once_send_one_email(owner):
    notification = NotificationFactory(user=owner)
    ready = threading.Barrier(2)
    errors = []

    def worker():
        try:
            ready.wait()
            notification_deliver(notification_id=notification.pk)
        except Exception as exc:  # surfaced below: a thread cannot fail the test itself
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=10)

    assert errors == []
    assert len(mail.outbox) == 1
    notification.refresh_from_db()
    assert (notification.state, notification.attempts) == (Notification.State.SENT, 1)


@pytest.mark.parametrize(
    ("error", "permanent"),
    [
        (smtplib.SMTPRecipientsRefused({"a@example.nl": (550, b"unknown user")}), True),
        (smtplib.SMTPRecipientsRefused({"a@example.nl": (450, b"mailbox busy")}), False),
        (
            smtplib.SMTPRecipientsRefused(
                {"a@example.nl": (550, b"unknown"), "b@example.nl": (451, b"later")}
            ),
            False,
        ),
        (smtplib.SMTPDataError(554, b"rejected as spam"), True),
        (smtplib.SMTPSenderRefused(553, b"sender not allowed", "noreply@example.nl"), True),
        (smtplib.SMTPDataError(451, b"try again"), False),
        (smtplib.SMTPServerDisconnected("gone"), False),
        (TimeoutError("timed out"), False),
        (ConnectionRefusedError("down"), False),
        (AnymailRecipientsRefused(), True),
        (AnymailAPIError("unprocessable", status_code=422), True),
        (AnymailAPIError("bad token", status_code=401), True),
        (AnymailAPIError("rate limited", status_code=429), False),
        (AnymailAPIError("request timeout", status_code=408), False),
        (AnymailAPIError("server error", status_code=503), False),
        (AnymailAPIError("network error"), False),
    ],
)
def test_only_a_refusal_that_would_repeat_is_permanent(error, permanent):
    assert is_permanent(error) is permanent

"""Email that cannot be delivered: every attempt is bounded by EMAIL_TIMEOUT, eager mode makes
one attempt per request instead of all of them inline, and a row that failed for a passing
reason is tried again by the outbox sweep after a long pause (a refusal never is)."""

import contextlib
import smtplib
import socket
import threading
import time
from datetime import timedelta

import pytest
from django.conf import settings
from django.core import mail
from django.core.mail.backends.base import BaseEmailBackend
from django.utils import timezone

from notifications.models import Notification
from notifications.services import (
    FAILED_RETRY_AFTER,
    DeliveryFailed,
    notification_deliver,
    notifications_requeue_stale,
)
from notifications.tasks import deliver_notification
from tests.notifications.factories import NotificationFactory

pytestmark = pytest.mark.django_db


class DownBackend(BaseEmailBackend):
    """A provider that cannot be reached (a passing failure)."""

    def send_messages(self, email_messages):
        raise ConnectionRefusedError("provider is down")


class RefusingBackend(BaseEmailBackend):
    """A server that refuses the recipient for good (5xx)."""

    def send_messages(self, email_messages):
        raise smtplib.SMTPRecipientsRefused({"x@example.nl": (550, b"No such user")})


@pytest.fixture
def silent_smtp_server():
    """A port that accepts connections and never says a word (no SMTP greeting)."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(8)
    accepted = []
    stop = threading.Event()

    def accept():
        server.settimeout(0.2)
        while not stop.is_set():
            try:
                accepted.append(server.accept()[0])
            except OSError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield server.getsockname()[1]
    stop.set()
    thread.join()
    for connection in accepted:
        connection.close()
    server.close()


def attempt_all(notification):
    for _ in range(settings.NOTIFICATION_MAX_ATTEMPTS):
        with contextlib.suppress(DeliveryFailed):
            notification_deliver(notification_id=notification.pk)
    notification.refresh_from_db()


def test_eager_delivery_makes_one_attempt_and_leaves_the_rest_to_the_sweep(owner, settings):
    settings.EMAIL_BACKEND = "tests.notifications.test_failures.DownBackend"
    notification = NotificationFactory(user=owner)

    deliver_notification.delay(notification.pk)  # eager, as in the embedded default

    notification.refresh_from_db()
    assert notification.attempts == 1
    assert notification.state == Notification.State.PENDING
    assert notification.next_attempt_at > timezone.now()


def test_a_server_that_never_answers_costs_one_timeout_not_a_hung_request(
    owner, settings, silent_smtp_server
):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", silent_smtp_server
    settings.EMAIL_TIMEOUT = 1
    notification = NotificationFactory(user=owner)

    started = time.monotonic()
    deliver_notification.delay(notification.pk)
    elapsed = time.monotonic() - started

    assert elapsed < 2 * settings.EMAIL_TIMEOUT
    notification.refresh_from_db()
    assert notification.attempts == 1
    assert notification.state == Notification.State.PENDING


def test_email_timeout_has_a_bounded_default():
    from config import settings as app_settings

    assert 0 < app_settings.EMAIL_TIMEOUT <= 30
    assert app_settings.ANYMAIL["REQUESTS_TIMEOUT"] == app_settings.EMAIL_TIMEOUT


def test_a_passing_failure_is_tried_again_by_the_sweep_after_a_long_pause(owner, settings):
    settings.EMAIL_BACKEND = "tests.notifications.test_failures.DownBackend"
    notification = NotificationFactory(user=owner)
    attempt_all(notification)
    assert notification.state == Notification.State.FAILED  # the garage sees it failed

    # Not within the pause ...
    assert notifications_requeue_stale() == 0
    notification.refresh_from_db()
    assert notification.state == Notification.State.FAILED

    # ... but after it, once the provider is back.
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    later = timezone.now() + FAILED_RETRY_AFTER + timedelta(minutes=1)
    assert notifications_requeue_stale(now=later) == 1

    notification.refresh_from_db()
    assert notification.state == Notification.State.SENT
    assert [message.to for message in mail.outbox] == [[owner.email]]


def test_a_refused_recipient_is_never_tried_again(owner, settings):
    settings.EMAIL_BACKEND = "tests.notifications.test_failures.RefusingBackend"
    notification = NotificationFactory(user=owner)
    attempt_all(notification)
    assert notification.state == Notification.State.FAILED
    assert notification.attempts == 1

    later = timezone.now() + FAILED_RETRY_AFTER * 10
    assert notifications_requeue_stale(now=later) == 0
    notification.refresh_from_db()
    assert notification.state == Notification.State.FAILED

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

from config.celery import app as celery_app
from notifications.models import Notification
from notifications.services import (
    DeliveryFailed,
    is_permanent,
    notification_deliver,
    notification_queue,
    notification_senders_stop,
    notifications_deliver_batch,
    notifications_deliver_due,
    notifications_requeue_stale,
    retry_delay,
)
from notifications.tasks import deliver_due_notifications, deliver_notification
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


# --- Batches -------------------------------------------------------------------------------


class FailFor(locmem.EmailBackend):
    """The test outbox, except for the addresses in FAIL_FOR: refused for good (5xx) or for
    now (4xx), by address."""

    FAIL_FOR: dict[str, int] = {}

    def send_messages(self, messages):
        for message in messages:
            code = self.FAIL_FOR.get(message.to[0])
            if code:
                raise smtplib.SMTPDataError(code, b"scripted")
        return super().send_messages(messages)


def test_a_batch_sends_the_due_rows_oldest_first_and_leaves_the_rest_alone():
    now = timezone.now()
    second = NotificationFactory(next_attempt_at=now - timedelta(minutes=1))
    first = NotificationFactory(next_attempt_at=now - timedelta(minutes=2))
    waiting = NotificationFactory(next_attempt_at=now + timedelta(minutes=1))  # backing off
    NotificationFactory(state=Notification.State.SENT, sent_at=now, attempts=1)
    NotificationFactory(state=Notification.State.FAILED, attempts=5)

    delivered = notifications_deliver_due(limit=10)

    assert [row.pk for row in delivered] == [first.pk, second.pk]
    assert [message.to for message in mail.outbox] == [[first.recipient], [second.recipient]]
    waiting.refresh_from_db()
    assert (waiting.state, waiting.attempts) == (Notification.State.PENDING, 0)


def test_a_batch_claims_at_most_its_limit():
    rows = NotificationFactory.create_batch(3, next_attempt_at=timezone.now() - timedelta(1))

    assert len(notifications_deliver_due(limit=2)) == 2
    assert len(notifications_deliver_due(limit=2)) == 1
    assert notifications_deliver_due(limit=2) == []
    assert sorted(message.to[0] for message in mail.outbox) == sorted(r.recipient for r in rows)


@override_settings(EMAIL_BACKEND="tests.notifications.test_services.FailFor")
def test_one_row_failing_in_a_batch_does_not_stop_the_others_and_keeps_its_own_schedule(
    monkeypatch,
):
    before = timezone.now() - timedelta(minutes=1)
    refused, passing, fine = (
        NotificationFactory(recipient=f"{name}@example.nl", user=None, next_attempt_at=before)
        for name in ("refused", "passing", "fine")
    )
    monkeypatch.setattr(FailFor, "FAIL_FOR", {refused.recipient: 554, passing.recipient: 451})

    started = timezone.now()
    delivered = {row.pk: row for row in notifications_deliver_due(limit=10)}

    assert set(delivered) == {refused.pk, passing.pk, fine.pk}
    assert [message.to for message in mail.outbox] == [[fine.recipient]]
    refused.refresh_from_db()
    assert (refused.state, refused.attempts, refused.retry_failed) == ("failed", 1, False)
    passing.refresh_from_db()
    assert (passing.state, passing.attempts) == (Notification.State.PENDING, 1)
    # Its own back-off: not claimed by the next batch before its time.
    assert passing.next_attempt_at >= started + timedelta(seconds=retry_delay(1))
    assert notifications_deliver_due(limit=10) == []

    # Its time comes and it fails again: the next step of its own schedule.
    Notification.objects.filter(pk=passing.pk).update(next_attempt_at=timezone.now())
    started = timezone.now()
    notifications_deliver_due(limit=10)
    passing.refresh_from_db()
    assert passing.attempts == 2
    assert passing.next_attempt_at >= started + timedelta(seconds=retry_delay(2))

    # Then the provider takes it: sent once, with the others still sent once.
    monkeypatch.setattr(FailFor, "FAIL_FOR", {})
    Notification.objects.filter(pk=passing.pk).update(next_attempt_at=timezone.now())
    notifications_deliver_due(limit=10)
    passing.refresh_from_db()
    assert (passing.state, passing.attempts) == (Notification.State.SENT, 3)
    assert sorted(message.to[0] for message in mail.outbox) == [fine.recipient, passing.recipient]


@override_settings(EMAIL_BACKEND=FAILING_BACKEND)
def test_a_batch_gives_a_row_that_failed_for_now_its_own_task_at_its_back_off(monkeypatch):
    NotificationFactory(next_attempt_at=timezone.now() - timedelta(minutes=1))
    published = []
    monkeypatch.setattr(
        deliver_notification, "apply_async", lambda **options: published.append(options)
    )

    assert notifications_deliver_batch(queue="emails") == 1

    ((options),) = published
    assert options["countdown"] == retry_delay(1)
    assert options["queue"] == "emails"  # where the batch came from


@pytest.fixture
def publishing(monkeypatch):
    """Eager mode off; the batch tasks published are recorded instead of sent to a broker."""
    from django.core.cache import cache

    published = []
    monkeypatch.setattr(
        deliver_due_notifications, "apply_async", lambda **options: published.append(options)
    )
    cache.clear()
    saved, celery_app.conf.task_always_eager = celery_app.conf.task_always_eager, False
    try:
        yield published
    finally:
        celery_app.conf.task_always_eager = saved
        cache.clear()


def test_rows_queued_while_a_batch_task_waits_publish_no_task_of_their_own(
    publishing, django_capture_on_commit_callbacks
):
    for number in range(5):  # five requests, each committing one email
        with django_capture_on_commit_callbacks(execute=True):
            notification_queue(kind="car_added", recipient=f"car{number}@example.nl")
    assert len(publishing) == 1

    # The task starts (clears its mark) and claims what is due: a row committed after that
    # moment publishes a new task, which will find it.
    (mark,) = publishing[0]["args"]
    notifications_deliver_batch(mark=mark, in_process=True)
    assert len(mail.outbox) == 5
    with django_capture_on_commit_callbacks(execute=True):
        notification_queue(kind="car_added", recipient="later@example.nl")
    assert len(publishing) == 2


def test_in_eager_mode_a_queued_email_is_delivered_in_the_request_and_alone(
    owner, django_capture_on_commit_callbacks
):
    other = NotificationFactory(next_attempt_at=timezone.now() - timedelta(minutes=5))

    with django_capture_on_commit_callbacks(execute=True):
        queue_staff_added(owner)

    assert [message.to for message in mail.outbox] == [[owner.email]]
    other.refresh_from_db()
    assert other.state == Notification.State.PENDING  # the sweep's, not this request's


@pytest.mark.needs_postgres
@pytest.mark.django_db(transaction=True)
@override_settings(EMAIL_BACKEND="tests.notifications.test_services.SlowishEmailBackend")
def test_two_batches_at_once_on_their_own_connections_share_the_rows_and_send_each_once():
    rows = NotificationFactory.create_batch(
        12, user=None, next_attempt_at=timezone.now() - timedelta(minutes=1)
    )
    ready = threading.Barrier(2)
    results = [None, None]

    def batch(index):
        try:
            ready.wait()
            results[index] = notifications_deliver_due(limit=100, senders=index + 1)
        except Exception as exc:  # surfaced below
            results[index] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=batch, args=(index,)) for index in range(2)]
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=30)
    finally:
        notification_senders_stop()

    assert not any(isinstance(result, Exception) for result in results), results
    claimed = [[row.pk for row in result] for result in results]
    assert all(claimed), claimed  # both worked: a claimed row is skipped, not waited for
    assert sorted(claimed[0] + claimed[1]) == sorted(row.pk for row in rows)
    assert sorted(message.to[0] for message in mail.outbox) == sorted(r.recipient for r in rows)
    assert set(
        Notification.objects.filter(pk__in=[r.pk for r in rows]).values_list("state", "attempts")
    ) == {(Notification.State.SENT, 1)}


class SlowishEmailBackend(locmem.EmailBackend):
    """A provider that takes 50 ms per message: batches running at once overlap."""

    def send_messages(self, messages):
        time.sleep(0.05)
        return super().send_messages(messages)


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

"""Delivery through a real Celery worker, Redis broker and PostgreSQL (CI always runs these)."""

import time

import pytest
from django.db import transaction

from notifications.models import Notification
from notifications.services import notification_queue
from notifications.tasks import deliver_notification
from tests.accounts.factories import UserFactory
from tests.notifications.factories import NotificationFactory

pytestmark = [
    pytest.mark.needs_postgres,
    pytest.mark.needs_redis,
    pytest.mark.django_db(transaction=True),
]

DELIVERY_TIMEOUT = 30


def wait_until_sent(worker, notification, recipient):
    deadline = time.monotonic() + DELIVERY_TIMEOUT
    while time.monotonic() < deadline:
        notification.refresh_from_db()
        mails = [text for text in worker.sent_mail() if recipient in text]
        if notification.state == Notification.State.SENT and mails:
            return mails
        time.sleep(0.2)
    pytest.fail(
        f"Notification {notification.pk} is {notification.state} after {DELIVERY_TIMEOUT}s."
        f"\nWorker log:\n{worker.log()}"
    )


def test_a_worker_delivers_a_notification(real_worker):
    owner = UserFactory(email="eigenaar.worker@example.nl")
    notification = NotificationFactory(user=owner)

    with real_worker.publishing():
        deliver_notification.apply_async(args=[notification.pk], queue=real_worker.queue)

    mails = wait_until_sent(real_worker, notification, owner.email)
    assert len(mails) == 1
    assert notification.attempts == 1
    assert notification.sent_at is not None


def test_a_worker_receives_a_queued_notification_only_after_commit(real_worker):
    owner = UserFactory(email="na.commit@example.nl")

    with real_worker.publishing(), transaction.atomic():
        notification = notification_queue(
            kind=Notification.Kind.STAFF_ADDED,
            recipient=owner.email,
            user=owner,
            context={"garage_name": "Garage A", "role": "Monteur", "invited_by": "Beheerder A"},
        )
        # Had the task been published now, the worker would look for a row it cannot see
        # yet, find nothing, and the email would never be sent.
        time.sleep(1.5)
        assert not [text for text in real_worker.sent_mail() if owner.email in text]

    mails = wait_until_sent(real_worker, notification, owner.email)
    assert len(mails) == 1
    assert notification.attempts == 1


def test_a_worker_delivers_many_queued_emails_in_a_few_batch_tasks_each_once(real_worker):
    # An old `deliver_notification` message (published before a deploy) is still delivered:
    # test_a_worker_delivers_a_notification above.
    recipients = [f"batch.worker{number}@example.nl" for number in range(30)]
    log_before = len(real_worker.log())

    with real_worker.publishing(), transaction.atomic():
        for email in recipients:
            notification_queue(
                kind=Notification.Kind.CAR_ADDED,
                recipient=email,
                context={"garage_name": "Garage A", "plate": "GJ-55-55"},
            )

    rows = list(Notification.objects.filter(recipient__in=recipients))
    for row in rows:
        wait_until_sent(real_worker, row, row.recipient)
    sent = real_worker.sent_mail()
    assert [sum(email in text for text in sent) for email in recipients] == [1] * 30
    assert {row.attempts for row in rows} == {1}
    # The rows committed together publish one task, or two if the first started (and cleared
    # its mark) while the last rows' commit callbacks were still running.
    log = real_worker.log()[log_before:]
    received = [line for line in log.splitlines() if "deliver_due_notifications[" in line]
    assert 1 <= len([line for line in received if line.endswith(" received")]) <= 2, log

"""Queues per kind: with NOTIFICATION_BULK_QUEUE set, reminder and promotion emails wait in a
queue of their own, so a reminder run never delays an activation email (docs/scaling.md).
A real worker, Redis broker and PostgreSQL."""

import contextlib
import uuid
from datetime import timedelta

import pytest
import redis
from django.conf import settings
from django.utils import timezone

from config.celery import app as celery_app
from notifications.models import Notification
from notifications.services import notification_queue, notifications_requeue_stale
from tests.accounts.factories import UserFactory
from tests.notifications.factories import NotificationFactory
from tests.notifications.test_worker import wait_until_sent

pytestmark = [
    pytest.mark.needs_postgres,
    pytest.mark.needs_redis,
    pytest.mark.django_db(transaction=True),
]

REMINDER_RUN = 200


def _forget(client, queue: str) -> None:
    client.delete(queue, f"_kombu.binding.{queue}", f"_kombu.binding_permanent.{queue}")


def _waiting(queue: str) -> int:
    with redis.Redis.from_url(settings.REDIS_URL) as client:
        return client.llen(queue)


@pytest.fixture
def bulk_queue(settings):
    name = f"test-bulk-{uuid.uuid4().hex[:12]}"
    settings.NOTIFICATION_BULK_QUEUE = name
    yield name
    with redis.Redis.from_url(settings.REDIS_URL) as client:
        _forget(client, name)


@contextlib.contextmanager
def publishing_to_nobody():
    """Publish to Redis instead of running tasks eagerly, the default queue one nobody reads."""
    conf = celery_app.conf
    saved = (conf.task_always_eager, conf.task_default_queue)
    queue = f"test-default-{uuid.uuid4().hex[:12]}"
    conf.task_always_eager, conf.task_default_queue = False, queue
    try:
        yield queue
    finally:
        conf.task_always_eager, conf.task_default_queue = saved
        with redis.Redis.from_url(settings.REDIS_URL) as client:
            _forget(client, queue)


def test_a_reminder_run_does_not_delay_an_activation_email(real_worker, bulk_queue):
    owner = UserFactory(email="nieuwe.eigenaar@example.nl")

    with real_worker.publishing():
        reminders = [
            notification_queue(
                kind=Notification.Kind.REMINDER_APK,
                recipient=f"eigenaar{index}@example.nl",
                context={"plate": "GJ-555-K"},
            )
            for index in range(REMINDER_RUN)
        ]
        # Queued after the whole run, delivered at once: the worker of the default queue has
        # nothing before it.
        activation = notification_queue(
            kind=Notification.Kind.STAFF_ADDED,
            recipient=owner.email,
            user=owner,
            context={"garage_name": "Garage A", "role": "Monteur", "invited_by": "Beheerder A"},
        )

    assert len(wait_until_sent(real_worker, activation, owner.email)) == 1
    assert _waiting(bulk_queue) == 1  # one batch task claims them all, for the bulk workers
    assert not Notification.objects.filter(
        pk__in=[reminder.pk for reminder in reminders], state=Notification.State.SENT
    ).exists()


def test_the_outbox_sweep_puts_each_email_back_in_its_own_queue(bulk_queue):
    overdue = timezone.now() - timedelta(minutes=10)
    NotificationFactory(kind=Notification.Kind.PROMOTION, next_attempt_at=overdue)
    NotificationFactory(kind=Notification.Kind.REMINDER_MAINTENANCE, next_attempt_at=overdue)
    NotificationFactory(kind=Notification.Kind.STAFF_ADDED, next_attempt_at=overdue)

    with publishing_to_nobody() as default_queue:
        assert notifications_requeue_stale() == 3

        # A batch task per queue; each claims only its own queue's kinds.
        assert _waiting(bulk_queue) == 1
        assert _waiting(default_queue) == 1


def test_without_a_bulk_queue_every_email_goes_to_the_default_queue(settings):
    settings.NOTIFICATION_BULK_QUEUE = ""
    overdue = timezone.now() - timedelta(minutes=10)
    NotificationFactory(kind=Notification.Kind.PROMOTION, next_attempt_at=overdue)
    NotificationFactory(kind=Notification.Kind.STAFF_ADDED, next_attempt_at=overdue)

    with publishing_to_nobody() as default_queue:
        assert notifications_requeue_stale() == 2

        assert _waiting(default_queue) == 1  # one batch task for both


def test_a_batch_claims_only_the_kinds_of_its_own_queue(bulk_queue, mailoutbox):
    from notifications.services import notifications_deliver_due

    due = timezone.now() - timedelta(seconds=1)
    promotion = NotificationFactory(kind=Notification.Kind.PROMOTION, next_attempt_at=due)
    staff = NotificationFactory(kind=Notification.Kind.STAFF_ADDED, next_attempt_at=due)

    assert [n.pk for n in notifications_deliver_due(queue="celery")] == [staff.pk]
    assert [n.pk for n in notifications_deliver_due(queue=bulk_queue)] == [promotion.pk]
    assert len(mailoutbox) == 2

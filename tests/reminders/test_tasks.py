"""The beat job's task: thin, and idempotent like the service it calls."""

import pytest
from django.core import mail

from notifications.models import Notification
from reminders.tasks import send_due_reminders
from tests.reminders.factories import customer_passport, days_from_today

pytestmark = pytest.mark.django_db


def test_the_beat_task_sends_due_reminders_once(garage, owner, django_capture_on_commit_callbacks):
    customer_passport(garage, owner, apk_expires=days_from_today(10))

    with django_capture_on_commit_callbacks(execute=True):
        assert send_due_reminders.delay().get() == 1
    with django_capture_on_commit_callbacks(execute=True):
        assert send_due_reminders.delay().get() == 0

    assert len(mail.outbox) == 1
    assert Notification.objects.get().kind == Notification.Kind.REMINDER_APK


def test_the_beat_schedule_runs_the_task(settings):
    schedule = settings.CELERY_BEAT_SCHEDULE["reminders-send-due"]

    assert schedule["task"] == send_due_reminders.name

"""The beat task closes the month before, and is safe to run again."""

import pytest
from django.conf import settings
from django.utils import timezone

from billing.models import Statement
from billing.tasks import close_monthly_statements
from insights.months import last_complete_month
from tests.billing.factories import tariff, usage

pytestmark = pytest.mark.django_db


def test_the_beat_task_closes_last_month_once(garage):
    month = last_complete_month(timezone.localdate())
    tariff()
    usage(garage, month=month, active_passports=4)
    assert close_monthly_statements() == {"month": month.isoformat(), "closed": 1, "kept": 0}
    assert close_monthly_statements() == {"month": month.isoformat(), "closed": 0, "kept": 1}
    assert Statement.objects.get().month == month


def test_the_task_is_scheduled_on_the_first_of_the_month():
    entry = settings.CELERY_BEAT_SCHEDULE["billing-close-monthly-statements"]
    assert entry["task"] == "billing.tasks.close_monthly_statements"
    schedule = entry["schedule"]
    assert 0 in schedule.hour
    assert 1 in schedule.day_of_month

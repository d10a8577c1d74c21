"""The beat job that records last month's usage: thin, and safe to run every few hours."""

from datetime import timedelta

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.utils import timezone

from insights.models import MonthlyUsage
from insights.months import add_months, month_bounds, month_of
from insights.tasks import record_monthly_usage
from tests.garage.factories import GarageFactory
from tests.insights.factories import backdate, handed_over

pytestmark = pytest.mark.django_db


@pytest.fixture
def last_month():
    return add_months(month_of(timezone.localdate()), -1)


@pytest.fixture
def two_garages(garage, other_garage, last_month):
    since, _until = month_bounds(last_month)
    for each in (garage, other_garage):
        backdate(each, created_at=since - timedelta(days=40))
    handed_over(
        garage,
        created=since + timedelta(days=1),
        confirmed=since + timedelta(days=2),
        activated=since + timedelta(days=3),
    )
    return garage, other_garage


def rows():
    return sorted(
        MonthlyUsage.objects.values_list(
            "garage_id", "month", "active_passports", "passports_created", "transfers_completed"
        )
    )


def test_the_job_is_scheduled():
    schedule = settings.CELERY_BEAT_SCHEDULE["insights-record-monthly-usage"]
    assert schedule["task"] == record_monthly_usage.name == "insights.tasks.record_monthly_usage"


def test_running_the_job_twice_records_last_month_once(two_garages, last_month):
    garage, other_garage = two_garages

    first = record_monthly_usage.delay().get()
    second = record_monthly_usage.delay().get()

    assert first == {"month": last_month.isoformat(), "written": 2, "kept": 0}
    assert second == {"month": last_month.isoformat(), "written": 0, "kept": 2}
    assert rows() == [
        (garage.pk, last_month, 1, 1, 1),
        (other_garage.pk, last_month, 0, 0, 0),
    ]


def test_the_command_records_a_given_month_and_recomputes_on_request(two_garages, last_month):
    garage, _other = two_garages
    month = add_months(last_month, -1)

    call_command("record_monthly_usage", month=f"{month:%Y-%m}")
    MonthlyUsage.objects.filter(garage=garage).update(active_passports=99)
    call_command("record_monthly_usage", month=f"{month:%Y-%m}")
    assert MonthlyUsage.objects.get(garage=garage).active_passports == 99
    call_command("record_monthly_usage", month=f"{month:%Y-%m}", recompute=True)

    assert rows() == [(garage.pk, month, 0, 0, 0), (two_garages[1].pk, month, 0, 0, 0)]


def test_the_command_refuses_a_month_that_is_not_over():
    with pytest.raises(CommandError, match="once the month is over"):
        call_command("record_monthly_usage", month=f"{timezone.localdate():%Y-%m}")
    with pytest.raises(CommandError, match="2025-01"):
        call_command("record_monthly_usage", month="januari")


def test_a_garage_made_after_the_month_gets_no_row(garage, last_month):
    GarageFactory()  # made now, after last month

    record_monthly_usage.delay().get()

    assert rows() == []

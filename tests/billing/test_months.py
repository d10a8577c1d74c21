"""Months are Europe/Amsterdam months, also for the bill: a transfer completed at 23:59:59 on
the last day belongs to that month, one at 00:00:00 to the next, on either side of the switch
to and from summer time (the statement counts through insights' real usage count)."""

from datetime import UTC, date, datetime

import pytest
from django.utils import timezone

from billing.models import LineKind, Statement
from billing.services import statements_close
from insights.months import month_bounds
from tests.billing.factories import tariff
from tests.insights.factories import backdate, handed_over

pytestmark = pytest.mark.django_db


def at(*parts):
    return timezone.make_aware(datetime(*parts))


def transfers_billed(garage, month):
    statement = Statement.objects.get(garage=garage, month=month)
    return statement.lines.get(kind=LineKind.TRANSFERS_COMPLETED).quantity


@pytest.mark.parametrize(
    ("month", "last_second", "next_first", "next_month", "utc_offset_hours"),
    [
        # June: summer time all month (UTC+2)
        (date(2025, 6, 1), (2025, 6, 30, 23, 59, 59), (2025, 7, 1), date(2025, 7, 1), 2),
        # March 2025: summer time from Sunday 30 March; its last second is in UTC+2
        (date(2025, 3, 1), (2025, 3, 31, 23, 59, 59), (2025, 4, 1), date(2025, 4, 1), 2),
        # October 2025: winter time from Sunday 26 October; its last second is in UTC+1
        (date(2025, 10, 1), (2025, 10, 31, 23, 59, 59), (2025, 11, 1), date(2025, 11, 1), 1),
    ],
)
def test_the_last_second_of_a_month_is_billed_in_that_month(
    garage, month, last_second, next_first, next_month, utc_offset_hours
):
    backdate(garage, created_at=at(2024, 1, 1))
    tariff()
    late = at(*last_second)
    assert late.utcoffset().total_seconds() == utc_offset_hours * 3600
    handed_over(garage, confirmed=at(*last_second[:3], 9), activated=late)
    handed_over(garage, confirmed=at(*last_second[:3], 9), activated=at(*next_first))
    statements_close(month=month, today=date(2026, 1, 10))
    statements_close(month=next_month, today=date(2026, 1, 10))
    assert transfers_billed(garage, month) == 1
    assert transfers_billed(garage, next_month) == 1


def hours(month) -> float:
    # In UTC: Python subtracts two times of one zone by the wall clock.
    start, end = (moment.astimezone(UTC) for moment in month_bounds(month))
    return (end - start).total_seconds() / 3600


def test_the_months_of_the_switch_to_and_from_summer_time_are_their_hours_long():
    assert hours(date(2025, 3, 1)) == 31 * 24 - 1
    assert hours(date(2025, 10, 1)) == 31 * 24 + 1

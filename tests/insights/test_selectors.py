"""The statistics of one garage, against a seeded year with known numbers (selectors)."""

from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from insights import selectors
from insights.months import add_months, last_months
from quotes.models import Quote
from tests.autopaspoort.factories import PassportFactory
from tests.insights.factories import (
    Rating,
    StatisticsSet,
    backdate,
    check,
    handed_over,
    local,
    photo,
    quote,
    seed_statistics,
)

pytestmark = pytest.mark.django_db

TODAY = date(2025, 6, 15)
MONTHS = last_months(TODAY)  # July 2024 .. June 2025


def by_offset(mapping, default):
    """A per-month list over MONTHS from {month offset: value} (offset 0 is TODAY's month)."""
    return [mapping.get(offset, default) for offset in range(-11, 1)]


@pytest.fixture
def seeded(garage, other_garage):
    return seed_statistics(garage, other_garage, today=TODAY)


def test_the_months_are_the_last_twelve_with_this_one_oldest_first():
    assert MONTHS[0] == date(2024, 7, 1)
    assert MONTHS[-1] == date(2025, 6, 1)
    assert len(MONTHS) == 12
    assert add_months(date(2025, 1, 1), -1) == date(2024, 12, 1)


def test_passport_counts(garage, seeded):
    stats = selectors.garage_statistics(garage=garage, today=TODAY)

    assert stats.active_passports == StatisticsSet.active_passports == 7
    assert stats.stock_cars == StatisticsSet.stock_cars == 3
    assert stats.awaiting_activation == StatisticsSet.awaiting_activation == 2


def test_transfers_per_month_by_state_in_local_months(garage, seeded):
    transfers = selectors.garage_statistics(garage=garage, today=TODAY).transfers

    assert [row.month for row in transfers.months] == MONTHS
    assert [(row.completed, row.awaiting) for row in transfers.months] == (
        by_offset(StatisticsSet.transfers_by_offset, (0, 0))
    )
    # July 2024 holds the transfer of 1 July 00:30 local time (30 June 22:30 UTC), and not the
    # one of 30 June 23:30 local time.
    assert transfers.months[0].total == 1
    assert (transfers.completed, transfers.awaiting) == (6, 2)
    assert transfers.total == 8


def test_activation_rate_and_median_time_to_activate(garage, seeded):
    transfers = selectors.garage_statistics(garage=garage, today=TODAY).transfers

    assert transfers.activation_rate == Decimal("75.0")  # 6 / 8, trade-in not counted
    assert isinstance(transfers.activation_rate, Decimal)
    # 30 min, 2 h, 1 d, 2 d, 3 d, 5 d: the middle two averaged
    assert transfers.median_time_to_activate == timedelta(days=1, hours=12)


def test_the_median_of_an_odd_number_is_the_middle_one(garage):
    for hours in (1, 5, 50):
        handed_over(
            garage,
            confirmed=local(2025, 3, 3),
            activated=local(2025, 3, 3) + timedelta(hours=hours),
        )

    transfers = selectors.garage_statistics(garage=garage, today=TODAY).transfers

    assert transfers.median_time_to_activate == timedelta(hours=5)
    assert transfers.activation_rate == Decimal("100.0")


def test_without_transfers_there_is_no_rate_and_no_median(garage):
    transfers = selectors.garage_statistics(garage=garage, today=TODAY).transfers

    assert transfers.activation_rate is None
    assert transfers.median_time_to_activate is None
    assert [row.total for row in transfers.months] == [0] * 12


def test_status_checks_per_mechanic_per_month(garage, seeded):
    checks = selectors.garage_statistics(garage=garage, today=TODAY).checks

    assert checks.months == MONTHS
    assert [mechanic.name for mechanic in checks.mechanics] == [
        "Anna Monteur",
        "Bram Sleutel",
        "Removed account",
    ]
    for mechanic in checks.mechanics:
        assert mechanic.counts == by_offset(StatisticsSet.checks_by_offset[mechanic.name], 0)
    assert [mechanic.total for mechanic in checks.mechanics] == [5, 3, 1]
    assert checks.totals == by_offset({-11: 1, -4: 3, -3: 1, -2: 1, -1: 2, 0: 1}, 0)
    assert checks.total == 9


def test_open_expected_work_is_the_latest_checks_now_and_soon_items(garage, seeded):
    work = selectors.garage_statistics(garage=garage, today=TODAY).open_work

    assert work.now == Decimal("120.60")
    assert work.soon == Decimal("30.25")
    assert work.total == Decimal("150.85")
    assert work.cars == 2
    assert all(isinstance(value, Decimal) for value in (work.now, work.soon, work.total))


def test_open_expected_work_is_zero_in_decimals_without_checks(garage):
    work = selectors.open_work(garage=garage)

    assert (work.now, work.soon, work.total, work.cars) == (Decimal("0"), Decimal("0"), 0, 0)
    assert isinstance(work.total, Decimal)


def test_the_statistics_take_ten_queries_whatever_the_data(
    garage, other_garage, django_assert_num_queries
):
    seed_statistics(garage, other_garage, today=TODAY)

    # checks per person and month, passports, transfers per month, durations, open work;
    # quotes sent, answered, expired, median time to approval; photos
    with django_assert_num_queries(10):
        selectors.garage_statistics(garage=garage, today=TODAY)


# --- Usage counts -------------------------------------------------------------------------------


def test_a_never_transferred_customer_passport_counts_from_its_activation(garage):
    imported = PassportFactory(garage=garage, customer=True, activated_at=local(2025, 5, 10))
    PassportFactory(garage=garage, awaiting_activation=True)  # never activated
    backdate(imported, created_at=local(2025, 5, 1))

    before = selectors.usage_counts(since=local(2025, 4, 1, 0), until=local(2025, 5, 1, 0))
    after = selectors.usage_counts(since=local(2025, 5, 1, 0), until=local(2025, 6, 1, 0))

    assert garage.pk not in before
    assert after[garage.pk].active_passports == 1


def test_usage_counts_for_one_garage_leave_the_others_out(garage, other_garage):
    handed_over(garage, confirmed=local(2025, 5, 3), activated=local(2025, 5, 4))
    handed_over(other_garage, confirmed=local(2025, 5, 3), activated=local(2025, 5, 4))

    counts = selectors.usage_counts(
        since=local(2025, 5, 1, 0), until=local(2025, 6, 1, 0), garage=garage
    )

    assert list(counts) == [garage.pk]
    assert counts[garage.pk] == selectors.UsageCounts(
        active_passports=1, passports_created=1, transfers_completed=1
    )


def test_checks_at_another_garage_of_the_same_person_do_not_count(garage, other_garage):
    person = garage.account_user
    car = PassportFactory(garage=other_garage)
    check(car, by=person, at=local(2025, 5, 3), garage=other_garage, items=[(Rating.OK, "1")])

    assert selectors.garage_statistics(garage=garage, today=TODAY).checks.mechanics == []


# --- Usage: quotes sent and photos added ---------------------------------------------------------

JUNE_1, JULY_1 = local(2025, 6, 1, 0), local(2025, 7, 1, 0)


def test_quotes_count_in_the_local_month_they_were_sent(garage, other_garage):
    State = Quote.State
    # Sent on the last second of June, Amsterdam time (21:59:59 UTC): June.
    last_second = timezone.make_aware(datetime(2025, 6, 30, 23, 59, 59))
    quote(garage, sent=last_second)
    # Sent 00:15 on 1 June (still 31 May in UTC): June, whatever happened since.
    first = quote(garage, sent=local(2025, 6, 1, 0, 15), state=State.REPLACED)
    quote(garage, sent=local(2025, 6, 10), state=State.SENT, replaces=first)  # a new version
    quote(garage, sent=local(2025, 6, 11), state=State.APPROVED, answered=local(2025, 6, 12))
    quote(garage, sent=local(2025, 6, 12), state=State.DECLINED, answered=local(2025, 6, 13))
    quote(garage, sent=local(2025, 6, 13), state=State.WITHDRAWN)
    # Not June: 31 May 23:59 and 1 July 00:00 local, a draft, a work order, another garage's.
    quote(garage, sent=timezone.make_aware(datetime(2025, 5, 31, 23, 59, 59)))
    quote(garage, sent=local(2025, 7, 1, 0, 0))
    quote(garage, sent=None, state=State.DRAFT)
    quote(garage, sent=local(2025, 6, 14), kind=Quote.Kind.WORK_ORDER)
    quote(other_garage, sent=local(2025, 6, 14))

    counts = selectors.usage_counts(since=JUNE_1, until=JULY_1)

    assert counts[garage.pk].quotes_sent == 6
    assert counts[other_garage.pk].quotes_sent == 1


def test_photos_count_in_the_local_month_they_were_uploaded_unless_support_deleted_them(
    garage, other_garage
):
    car = PassportFactory(garage=garage)
    status_check = check(car, by=None, at=local(2025, 5, 31, 23, 0))
    photo(status_check, at=timezone.make_aware(datetime(2025, 6, 30, 23, 59, 59)))  # June
    photo(status_check, at=local(2025, 6, 1, 0, 5))  # June (31 May in UTC)
    photo(status_check, at=local(2025, 6, 2), deleted=local(2025, 6, 3))  # deleted: not
    photo(status_check, at=local(2025, 6, 2), deleted=local(2025, 8, 3))  # deleted later: not
    photo(status_check, at=local(2025, 5, 31, 23, 30))  # May
    photo(status_check, at=local(2025, 7, 1, 0, 0))  # July
    theirs = check(PassportFactory(garage=other_garage), by=None, at=local(2025, 6, 1))
    photo(theirs, at=local(2025, 6, 2))

    counts = selectors.usage_counts(since=JUNE_1, until=JULY_1)
    mine = selectors.usage_counts(since=JUNE_1, until=JULY_1, garage=garage)

    assert counts[garage.pk].photos_added == 2
    assert counts[other_garage.pk].photos_added == 1
    assert list(mine) == [garage.pk]
    assert mine[garage.pk].photos_added == 2


@pytest.mark.parametrize("size", [1, 6])
def test_usage_counts_take_five_queries_whatever_the_data(
    garage, other_garage, django_assert_num_queries, size
):
    for n in range(size):
        for owner in (garage, other_garage):
            sent = quote(owner, sent=local(2025, 6, 2 + n))
            photo(sent.status_check, at=local(2025, 6, 2 + n))
        handed_over(garage, confirmed=local(2025, 6, 2 + n), activated=local(2025, 6, 3 + n))

    with django_assert_num_queries(5):
        counts = selectors.usage_counts(since=JUNE_1, until=JULY_1)

    assert counts[garage.pk].quotes_sent == counts[garage.pk].photos_added == size

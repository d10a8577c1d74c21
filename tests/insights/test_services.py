"""The monthly usage record garages are billed by (insights.services.monthly_usage_record)."""

from datetime import date, datetime

import pytest
from django.utils import timezone

from core.errors import ApplicationError
from insights.models import MonthlyUsage
from insights.services import monthly_usage_record
from tests.autopaspoort.factories import PassportFactory
from tests.garage.factories import GarageFactory
from tests.insights.factories import backdate, handed_over, local, photo, quote

pytestmark = pytest.mark.django_db

JUNE = date(2025, 6, 1)
TODAY = date(2025, 7, 10)


def usage_of(garage, month=JUNE):
    row = MonthlyUsage.objects.get(garage=garage, month=month)
    return (row.active_passports, row.passports_created, row.transfers_completed)


def garage_since(when, **fields):
    return backdate(GarageFactory(**fields), created_at=when)


@pytest.fixture
def old_garage(garage):
    return backdate(garage, created_at=local(2025, 1, 1))


@pytest.fixture
def june(old_garage, other_garage):
    """June 2025 of two garages, with every case of "active at the end of the month"."""
    garage = old_garage
    backdate(other_garage, created_at=local(2025, 1, 1))
    # Active on 30 June 24:00:
    handed_over(  # sold in May
        garage,
        created=local(2025, 5, 10),
        confirmed=local(2025, 5, 20),
        activated=local(2025, 5, 22),
    )
    handed_over(  # made and sold in June, activated on the last evening
        garage,
        created=local(2025, 6, 5),
        confirmed=local(2025, 6, 10),
        activated=local(2025, 6, 30, 23, 30),
    )
    handed_over(  # sold in May, activated in June
        garage, created=local(2025, 5, 1), confirmed=local(2025, 5, 28), activated=local(2025, 6, 2)
    )
    sold_again_later = handed_over(
        garage, created=local(2025, 4, 1), confirmed=local(2025, 4, 2), activated=local(2025, 4, 5)
    )
    handed_over(  # ... to the next owner in July: in June it was still the first owner's
        garage,
        passport=sold_again_later.passport,
        confirmed=local(2025, 7, 3),
        activated=local(2025, 7, 4),
    )
    imported = PassportFactory(garage=garage, customer=True, activated_at=local(2025, 3, 1))
    backdate(imported, created_at=local(2025, 3, 1))  # a customer row without any transfer

    # Not active on 30 June 24:00:
    handed_over(  # made in June, its owner activated on 1 July 00:30
        garage,
        created=local(2025, 6, 7),
        confirmed=local(2025, 6, 25),
        activated=local(2025, 7, 1, 0, 30),
    )
    traded_in = handed_over(
        garage, created=local(2025, 4, 1), confirmed=local(2025, 4, 2), activated=local(2025, 4, 3)
    )
    handed_over(  # back into stock in June (a trade-in: not a completed customer transfer)
        garage, passport=traded_in.passport, confirmed=local(2025, 6, 15), to_stock=True
    )
    resold = handed_over(
        garage, created=local(2025, 4, 1), confirmed=local(2025, 4, 2), activated=local(2025, 4, 5)
    )
    handed_over(  # sold on in June; the new owner has not activated by the end of June
        garage, passport=resold.passport, confirmed=local(2025, 6, 20)
    )
    late = PassportFactory(garage=garage, customer=True, activated_at=local(2025, 7, 5))
    backdate(late, created_at=local(2025, 3, 1))
    after = PassportFactory(garage=garage, customer=True, activated_at=local(2025, 7, 2))
    backdate(after, created_at=local(2025, 7, 2))
    # Stock cars made in June; 1 June 00:15 local time is still 31 May in UTC.
    backdate(PassportFactory(garage=garage), created_at=local(2025, 6, 1, 0, 15))
    backdate(PassportFactory(garage=garage), created_at=local(2025, 6, 30, 22, 30))
    backdate(PassportFactory(garage=garage), created_at=local(2025, 5, 31, 23, 30))

    handed_over(
        other_garage,
        created=local(2025, 6, 9),
        confirmed=local(2025, 6, 10),
        activated=local(2025, 6, 12),
    )


def test_a_month_is_recorded_for_every_garage_with_its_numbers(old_garage, other_garage, june):
    empty = garage_since(local(2025, 6, 20))
    garage_since(local(2025, 7, 2))  # did not exist in June

    run = monthly_usage_record(month=JUNE, today=TODAY)

    assert (run.month, run.written, run.kept) == (JUNE, 3, 0)
    # active: sold in May, activated on 30 June 23:30, activated in June after a May sale,
    # still the first owner's, imported; created: 5, 7 June and 1 and 30 June stock cars;
    # completed: activated on 30 June and on 2 June (not the trade-in, not 1 July's)
    assert usage_of(old_garage) == (5, 4, 2)
    assert usage_of(other_garage) == (1, 1, 1)
    assert usage_of(empty) == (0, 0, 0)
    assert MonthlyUsage.objects.count() == 3


def test_running_twice_keeps_one_row_per_garage_and_month_with_the_same_numbers(
    old_garage, other_garage, june
):
    monthly_usage_record(month=JUNE, today=TODAY)
    first = {
        row.pk: (row.garage_id, usage_of(row.garage), row.computed_at)
        for row in MonthlyUsage.objects.select_related("garage")
    }

    run = monthly_usage_record(month=JUNE, today=TODAY)

    assert (run.written, run.kept) == (0, 2)
    again = {
        row.pk: (row.garage_id, usage_of(row.garage), row.computed_at)
        for row in MonthlyUsage.objects.select_related("garage")
    }
    assert again == first
    assert MonthlyUsage.objects.filter(month=JUNE).count() == 2


def test_a_recorded_month_is_final_unless_recomputed(old_garage, other_garage, june):
    monthly_usage_record(month=JUNE, today=TODAY)
    handed_over(  # found later: a sale in June that was missing
        old_garage,
        created=local(2025, 6, 2),
        confirmed=local(2025, 6, 3),
        activated=local(2025, 6, 4),
    )

    monthly_usage_record(month=JUNE, today=TODAY)
    assert usage_of(old_garage) == (5, 4, 2)

    run = monthly_usage_record(month=JUNE, today=TODAY, recompute=True)

    assert (run.written, run.kept) == (2, 0)
    assert usage_of(old_garage) == (6, 5, 3)
    assert MonthlyUsage.objects.filter(month=JUNE).count() == 2


def test_quotes_sent_and_photos_added_are_recorded_and_recomputed(old_garage, other_garage):
    backdate(other_garage, created_at=local(2025, 1, 1))
    last_second = timezone.make_aware(datetime(2025, 6, 30, 23, 59, 59))
    sent = quote(old_garage, sent=last_second)  # June, Amsterdam time
    quote(old_garage, sent=local(2025, 7, 1, 0, 0))  # July
    photo(sent.status_check, at=last_second)
    photo(sent.status_check, at=local(2025, 6, 30), deleted=local(2025, 7, 1))

    monthly_usage_record(month=JUNE, today=TODAY)
    row = MonthlyUsage.objects.get(garage=old_garage, month=JUNE)
    assert (row.quotes_sent, row.photos_added) == (1, 1)
    other = MonthlyUsage.objects.get(garage=other_garage, month=JUNE)
    assert (other.quotes_sent, other.photos_added) == (0, 0)

    photo(sent.status_check, at=local(2025, 6, 15))  # found later (support repaired data)
    monthly_usage_record(month=JUNE, today=TODAY, recompute=True)
    row.refresh_from_db()
    assert (row.quotes_sent, row.photos_added) == (1, 2)


def test_a_garage_missing_from_a_recorded_month_is_added_and_the_others_kept(
    old_garage, other_garage, june
):
    monthly_usage_record(month=JUNE, today=TODAY)
    kept = MonthlyUsage.objects.get(garage=other_garage)
    MonthlyUsage.objects.filter(garage=old_garage).delete()

    run = monthly_usage_record(month=JUNE, today=TODAY)

    assert (run.written, run.kept) == (1, 1)
    assert usage_of(old_garage) == (5, 4, 2)
    assert MonthlyUsage.objects.get(garage=other_garage).computed_at == kept.computed_at


def test_a_month_that_is_not_over_is_refused(old_garage):
    with pytest.raises(ApplicationError, match="once the month is over"):
        monthly_usage_record(month=date(2025, 7, 1), today=TODAY)
    with pytest.raises(ApplicationError, match="first day"):
        monthly_usage_record(month=date(2025, 6, 2), today=TODAY)
    assert not MonthlyUsage.objects.exists()


def test_months_are_separate_rows(old_garage, june):
    monthly_usage_record(month=date(2025, 5, 1), today=TODAY)
    monthly_usage_record(month=JUNE, today=TODAY)

    # May: activated on 22 May, the three April sales (sold on or traded in only in June),
    # imported; created: 10 May, 1 May, 31 May 23:30; completed: 22 May
    assert usage_of(old_garage, date(2025, 5, 1)) == (5, 3, 1)
    assert usage_of(old_garage) == (5, 4, 2)


@pytest.mark.parametrize("garages", [2, 12])
def test_the_record_takes_the_same_queries_for_any_number_of_garages(
    django_assert_num_queries, garages
):
    for _ in range(garages):
        garage = garage_since(local(2025, 1, 1))
        handed_over(garage, confirmed=local(2025, 6, 3), activated=local(2025, 6, 4))
        sent = quote(garage, sent=local(2025, 6, 5))
        photo(sent.status_check, at=local(2025, 6, 5))

    # garages lacking a row, rows already there, five usage counts, savepoint, upsert, release
    with django_assert_num_queries(10):
        monthly_usage_record(month=JUNE, today=TODAY)
    # once recorded: garages lacking a row (none), rows already there
    with django_assert_num_queries(2):
        monthly_usage_record(month=JUNE, today=TODAY)

    assert (
        MonthlyUsage.objects.filter(
            month=JUNE, transfers_completed=1, quotes_sent=1, photos_added=1
        ).count()
        == garages
    )

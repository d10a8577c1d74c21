"""What counts as due: the odometer estimate, the twelve months, and the batch readings that
must say what autopaspoort.selectors.odometer_readings says for each car."""

from datetime import date, timedelta

import pytest

from autopaspoort.maintenance import (
    active_customer_cars,
    estimated_odometer,
    maintenance_due_cars,
    maintenance_due_many,
    months_before,
    odometer_readings_many,
    own_intervals_many,
    with_last_maintenance,
)
from autopaspoort.models import HistoryEntry, Passport
from autopaspoort.selectors import odometer_readings
from tests.autopaspoort.factories import PassportFactory, item, record_check
from tests.reminders.factories import customer_passport, days_from_today, service

D = date(2026, 3, 1)


@pytest.mark.parametrize(
    ("day", "months", "expected"),
    [
        (date(2026, 3, 15), 12, date(2025, 3, 15)),
        (date(2024, 2, 29), 12, date(2023, 2, 28)),
        (date(2026, 3, 31), 1, date(2026, 2, 28)),
        (date(2026, 1, 10), 1, date(2025, 12, 10)),
    ],
)
def test_months_before(day, months, expected):
    assert months_before(day, months) == expected


def test_the_estimate_extends_the_latest_reading_at_the_average_daily_distance():
    readings = [(D, 10_000), (D + timedelta(days=100), 20_000)]

    assert estimated_odometer(readings, today=D + timedelta(days=150)) == 25_000
    assert estimated_odometer(readings, today=D + timedelta(days=100)) == 20_000


def test_the_estimate_of_one_reading_or_one_day_is_that_reading():
    assert estimated_odometer([(D, 10_000)], today=D + timedelta(days=300)) == 10_000
    assert estimated_odometer([(D, 10_000), (D, 12_000)], today=D + timedelta(days=9)) == 12_000
    assert estimated_odometer([], today=D) is None


def test_a_falling_series_does_not_estimate_backwards():
    readings = [(D, 30_000), (D + timedelta(days=10), 20_000)]

    assert estimated_odometer(readings, today=D + timedelta(days=100)) == 20_000


@pytest.mark.django_db
def test_batch_readings_are_the_readings_of_each_car(garage):
    first = PassportFactory(garage=garage, initial_odometer_km=40_000)
    mistaken = record_check(first, odometer_km=41_000, items=[item()])
    record_check(
        first,
        odometer_km=40_500,
        items=[item()],
        corrects=mistaken,
        odometer_correction_reason="typo",
    )
    service(first, days_ago=50, km=39_000)
    second = PassportFactory(garage=garage, initial_odometer_km=None)
    service(second, days_ago=20, km=12_345, kind=HistoryEntry.Kind.TYRES)
    third = PassportFactory(garage=garage)

    batch = odometer_readings_many(Passport.objects.filter(pk__in=[first.pk, second.pk, third.pk]))

    for passport in (first, second, third):
        assert sorted(batch[passport.pk]) == sorted(odometer_readings(passport=passport))
    assert 41_000 not in [km for _day, km in batch[first.pk]]


@pytest.mark.django_db
def test_maintenance_due_reads_only_small_and_large_services(garage, owner):
    passport = customer_passport(garage, owner, initial_odometer_km=None)
    service(passport, days_ago=400, km=10_000, kind=HistoryEntry.Kind.LARGE_SERVICE)
    service(passport, days_ago=10, km=11_000, kind=HistoryEntry.Kind.REPAIR)
    [annotated] = with_last_maintenance(Passport.objects.filter(pk=passport.pk))

    due = maintenance_due_many([annotated], today=days_from_today(0))[passport.pk]

    assert (due.by_date, due.by_km, due.last_on) == (True, False, days_from_today(-400))


@pytest.mark.django_db
def test_the_due_cars_of_a_queryset_are_found_across_chunks(garage, owner, monkeypatch):
    monkeypatch.setattr("autopaspoort.maintenance.CHUNK_SIZE", 2)
    due = [customer_passport(garage, owner) for _ in range(3)]
    for passport in due:
        service(passport, days_ago=400, km=10_000)
    fresh = customer_passport(garage, owner)
    service(fresh, days_ago=10, km=49_900)

    found = list(maintenance_due_cars(active_customer_cars(), today=days_from_today(0)))

    assert sorted(p.pk for p in found) == sorted(p.pk for p in due)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("services_days_ago", "due_today", "by_own"),
    [
        # Two services: the fixed 12 months decide; 9 months after the last one is not due.
        ([820, 274], False, False),
        # Three services, 9 months apart: the car's own rhythm, due after 274 days.
        ([822, 548, 274], True, True),
        # Three services, 15 months apart: not due at 12 months, as its owner services it.
        ([1300, 850, 370], False, True),
    ],
)
def test_from_three_services_on_a_car_is_due_by_its_own_interval(
    garage, owner, services_days_ago, due_today, by_own
):
    passport = customer_passport(garage, owner, initial_odometer_km=None)
    for index, days_ago in enumerate(services_days_ago):
        service(passport, days_ago=days_ago, km=20_000 + index * 1_000)
    [annotated] = with_last_maintenance(Passport.objects.filter(pk=passport.pk))

    due = maintenance_due_many([annotated], today=days_from_today(0)).get(passport.pk)
    own = own_intervals_many([passport.pk], today=days_from_today(0)).get(passport.pk)

    assert (due is not None) is due_today
    assert (own is not None) is by_own
    if due is not None:
        assert due.by_date
        assert due.own_interval == own

"""The dashboard's "maintenance likely due in the next 2 months": the date each car's service is
likely due (its own interval from three services on, else 12 months / 15,000 km), written by the
history service and the nightly job, and the list the garage sees."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from autopaspoort.maintenance import (
    active_customer_cars,
    maintenance_due_on_refresh,
    months_before,
)
from autopaspoort.models import HistoryEntry, Passport
from autopaspoort.services import history_entry_add
from autopaspoort.tasks import refresh_maintenance_due
from tests.reminders.factories import customer_passport, service

pytestmark = pytest.mark.django_db


def today():
    return timezone.localdate()


def add_service(car, days_ago, km):
    return history_entry_add(
        passport=car,
        actor=car.garage.account_user,
        kind=HistoryEntry.Kind.SMALL_SERVICE,
        on=today() - timedelta(days=days_ago),
        odometer_km=km,
        description="Kleine beurt",
    )


def test_a_service_entry_sets_the_date_by_the_fixed_interval_then_by_the_cars_own(garage, owner):
    car = customer_passport(garage, owner, initial_odometer_km=None)
    add_service(car, 700, 10_000)
    car.refresh_from_db()
    # One service and no other reading: no distance known, so 12 months after it.
    assert car.maintenance_due_on == months_before(today() - timedelta(days=700), -12)

    add_service(car, 460, 12_000)
    add_service(car, 220, 14_000)  # every 240 days: its own rhythm from the third service
    car.refresh_from_db()
    assert car.maintenance_due_on == today() - timedelta(days=220) + timedelta(days=240)


def test_the_dashboard_lists_cars_due_within_two_months_soonest_first(
    garage, owner, other_owner, client_for
):
    soon = customer_passport(garage, owner, plate="GJ-10-01")
    later = customer_passport(garage, other_owner, plate="GJ-10-02")
    overdue_long_ago = customer_passport(garage, owner, plate="GJ-10-03")
    Passport.objects.filter(pk=soon.pk).update(maintenance_due_on=today() + timedelta(days=20))
    Passport.objects.filter(pk=later.pk).update(maintenance_due_on=today() + timedelta(days=90))
    Passport.objects.filter(pk=overdue_long_ago.pk).update(
        maintenance_due_on=today() - timedelta(days=200)
    )

    page = client_for(garage.account_user).get(
        reverse("garage:dashboard", kwargs={"garage_id": garage.pk}), HTTP_ACCEPT_LANGUAGE="en"
    )

    html = page.content.decode()
    section = html.split('id="maintenance-soon-heading"')[1].split("</article>")[0]
    assert "GJ-10-01" in section
    assert "GJ-10-02" not in section
    assert "GJ-10-03" not in section


def test_the_nightly_job_fills_every_customer_car_and_changes_nothing_twice(garage, owner):
    cars = [customer_passport(garage, owner) for _ in range(3)]
    for car in cars:
        service(car, days_ago=300, km=40_000)  # written directly: no date yet
    assert not Passport.objects.filter(maintenance_due_on__isnull=False).exists()

    assert refresh_maintenance_due() == 3
    assert refresh_maintenance_due() == 0
    assert maintenance_due_on_refresh(active_customer_cars(), today=today()) == 0
    assert Passport.objects.filter(maintenance_due_on__isnull=False).count() == 3

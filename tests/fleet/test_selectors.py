"""What a fleet manager reads: fleet/selectors.py."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.http import Http404
from django.utils import timezone

from fleet import selectors
from fleet.services import stock_fleet_for
from tests.autopaspoort.factories import Component, PassportFactory, Rating, item, record_check
from tests.fleet.factories import (
    FleetFactory,
    FleetManagerFactory,
    bulk_fleet_cars,
    fleet_car,
    link,
    manager_of,
    unlink,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def fleet(garage):
    return FleetFactory(name="Leasebedrijf Noord BV", garages=[garage])


def plates_of(page):
    return [passport.plate for passport in page.passports]


def in_days(days):
    return timezone.localdate() + timedelta(days=days)


# --- The dashboard's cars ---------------------------------------------------------------------


def test_the_page_has_the_fleets_current_cars_only_by_plate(garage, other_garage, fleet):
    second = fleet_car(fleet, garage=garage, plate="ZT-22-22")
    first = fleet_car(fleet, garage=garage, plate="BB-11-11")
    left = fleet_car(fleet, garage=garage, plate="HH-33-33")
    unlink(left)
    fleet_car(FleetFactory(garages=[other_garage]), garage=other_garage, plate="GG-44-44")
    PassportFactory(garage=garage, plate="JJ-55-55")  # the garage's, not the fleet's

    page = selectors.fleet_car_page(fleet=fleet)

    assert plates_of(page) == [first.plate, second.plate]
    assert page.next_after is None


def test_apk_due_means_expiring_within_60_days_or_already_expired(garage, fleet):
    expired = fleet_car(fleet, garage=garage, plate="BB-01-01", apk_expires=in_days(-3))
    today = fleet_car(fleet, garage=garage, plate="BB-01-02", apk_expires=in_days(0))
    last_day = fleet_car(fleet, garage=garage, plate="BB-01-03", apk_expires=in_days(60))
    fleet_car(fleet, garage=garage, plate="BB-01-04", apk_expires=in_days(61))
    fleet_car(fleet, garage=garage, plate="BB-01-05", apk_expires=None)

    page = selectors.fleet_car_page(fleet=fleet, apk_due=True)

    assert plates_of(page) == [expired.plate, today.plate, last_day.plate]
    assert selectors.fleet_summary(fleet=fleet)["apk_due"] == 3


def test_needs_work_is_a_now_item_on_the_latest_check(garage, fleet):
    now_item = fleet_car(fleet, garage=garage, plate="BB-02-01")
    record_check(now_item, items=[item(Component.BRAKES_FRONT, Rating.NOW, "120.00")])
    fixed_since = fleet_car(fleet, garage=garage, plate="BB-02-02")
    record_check(fixed_since, items=[item(Component.BRAKES_FRONT, Rating.NOW, "120.00")])
    record_check(fixed_since, items=[item(Component.BRAKES_FRONT, Rating.OK)])
    soon_only = fleet_car(fleet, garage=garage, plate="BB-02-03")
    record_check(soon_only, items=[item(Component.WIPERS, Rating.SOON, "30.00")])
    fleet_car(fleet, garage=garage, plate="BB-02-04")  # never checked

    page = selectors.fleet_car_page(fleet=fleet, needs_work=True)

    assert plates_of(page) == [now_item.plate]
    assert page.passports[0].needs_work is True


def test_both_filters_together(garage, fleet):
    both = fleet_car(fleet, garage=garage, plate="BB-03-01", apk_expires=in_days(10))
    record_check(both, items=[item(Component.LIGHTS, Rating.NOW, "15.00")])
    apk_only = fleet_car(fleet, garage=garage, plate="BB-03-02", apk_expires=in_days(10))
    record_check(apk_only, items=[item(Component.LIGHTS, Rating.OK)])
    work_only = fleet_car(fleet, garage=garage, plate="BB-03-03", apk_expires=in_days(200))
    record_check(work_only, items=[item(Component.LIGHTS, Rating.NOW, "15.00")])

    page = selectors.fleet_car_page(fleet=fleet, apk_due=True, needs_work=True)

    assert plates_of(page) == [both.plate]


@pytest.mark.parametrize("typed", ["GJ-55", "gj55", "Gj 5", "555-K", "55K"])
def test_search_finds_part_of_a_plate_in_any_spelling(garage, fleet, typed):
    wanted = fleet_car(fleet, garage=garage, plate="GJ-555-K")
    fleet_car(fleet, garage=garage, plate="BB-11-11")
    PassportFactory(garage=garage, plate="GJ-556-K")  # not in the fleet

    page = selectors.fleet_car_page(fleet=fleet, search=typed)

    assert plates_of(page) == [wanted.plate]


def test_thirty_cars_are_a_page_of_25_and_a_page_of_5_without_overlap(garage, fleet):
    cars = bulk_fleet_cars(fleet, garage=garage, count=30)
    all_plates = sorted(passport.plate for passport in cars)

    first = selectors.fleet_car_page(fleet=fleet)
    second = selectors.fleet_car_page(fleet=fleet, after=first.next_after)

    assert len(first.passports) == selectors.PAGE_SIZE == 25
    assert first.next_after == plates_of(first)[-1]
    assert len(second.passports) == 5
    assert second.next_after is None
    assert plates_of(first) + plates_of(second) == all_plates
    assert not set(plates_of(first)) & set(plates_of(second))


def test_pagination_keeps_the_filter(garage, fleet):
    bulk_fleet_cars(fleet, garage=garage, count=70)  # APK in 0..69 days: 61 are due
    due = sorted(
        plate
        for plate, expires in fleet.passports.values_list("plate", "apk_expires")
        if expires <= in_days(60)
    )

    seen, after = [], None
    while True:
        page = selectors.fleet_car_page(fleet=fleet, apk_due=True, after=after)
        seen += plates_of(page)
        after = page.next_after
        if after is None:
            break

    assert len(due) == 61
    assert seen == due


def test_each_car_carries_the_expected_costs_of_its_latest_check(garage, fleet):
    passport = fleet_car(fleet, garage=garage)
    record_check(passport, items=[item(Component.BRAKES_REAR, Rating.NOW, "999.00")])
    record_check(
        passport,
        items=[
            item(Component.BRAKES_REAR, Rating.NOW, "0.10"),
            item(Component.WIPERS, Rating.SOON, "0.20"),
            item(Component.LIGHTS, Rating.OK, "5.00"),
        ],
    )

    [row] = selectors.fleet_car_page(fleet=fleet).passports

    assert row.expected_costs == Decimal("0.30")
    assert isinstance(row.expected_costs, Decimal)


# --- Totals -----------------------------------------------------------------------------------


def test_the_totals_count_the_fleets_cars_and_sum_the_latest_checks_exactly(
    garage, other_garage, fleet
):
    one = fleet_car(fleet, garage=garage, apk_expires=in_days(30))
    record_check(one, items=[item(Component.BRAKES_REAR, Rating.NOW, "500.00")])  # superseded
    record_check(
        one,
        items=[
            item(Component.BRAKES_REAR, Rating.NOW, "0.10"),
            item(Component.WIPERS, Rating.SOON, "0.20"),
            item(Component.LIGHTS, Rating.OK, "7.00"),
        ],
    )
    two = fleet_car(fleet, garage=garage, apk_expires=in_days(90))
    record_check(two, items=[item(Component.TYRES_FRONT, Rating.SOON, "240.05")])
    fleet_car(fleet, garage=garage)  # never checked
    left = fleet_car(fleet, garage=garage, apk_expires=in_days(1))
    record_check(left, items=[item(Component.BATTERY, Rating.NOW, "150.00")])
    unlink(left)
    elsewhere = fleet_car(FleetFactory(garages=[other_garage]), garage=other_garage)
    record_check(elsewhere, items=[item(Component.BATTERY, Rating.NOW, "150.00")])

    summary = selectors.fleet_summary(fleet=fleet)

    assert summary["cars"] == 3
    assert summary["apk_due"] == 1
    assert summary["expected_costs"] == Decimal("240.35")
    assert isinstance(summary["expected_costs"], Decimal)


def test_an_empty_fleet_totals_zero(fleet):
    summary = selectors.fleet_summary(fleet=fleet)

    assert (summary["cars"], summary["apk_due"], summary["expected_costs"]) == (0, 0, Decimal(0))
    assert isinstance(summary["expected_costs"], Decimal)


# --- One car, the periods, the manager's fleets -----------------------------------------------


def test_a_car_is_found_in_any_spelling_with_its_current_period(garage, fleet):
    passport = fleet_car(fleet, garage=garage, plate="GJ-555-K")

    found, period = selectors.fleet_car_get(fleet=fleet, plate="gj555k")

    assert found == passport
    assert (period.fleet, period.unlinked_at) == (fleet, None)


def test_a_car_that_left_is_found_with_its_latest_period_in_this_fleet(garage, fleet):
    passport = fleet_car(fleet, garage=garage)
    unlink(passport)
    link(passport, fleet)
    unlink(passport)
    latest = passport.fleet_links.order_by("-id").first()
    link(passport, stock_fleet_for(garage=garage))

    found, period = selectors.fleet_car_get(fleet=fleet, plate=passport.plate)

    assert found == passport
    assert period == latest


@pytest.mark.parametrize("plate", ["JJ-55-55", "not-a-plate", "GG-44-44"])
def test_a_car_that_was_never_in_the_fleet_is_a_404(garage, other_garage, fleet, plate):
    PassportFactory(garage=garage, plate="JJ-55-55")
    fleet_car(FleetFactory(garages=[other_garage]), garage=other_garage, plate="GG-44-44")

    with pytest.raises(Http404):
        selectors.fleet_car_get(fleet=fleet, plate=plate)


def test_a_membership_of_another_fleet_is_a_404(garage, fleet):
    manager = manager_of(fleet)
    other = FleetFactory(garages=[garage])

    assert selectors.fleet_membership_get(user=manager, fleet_id=fleet.pk).fleet == fleet
    with pytest.raises(Http404):
        selectors.fleet_membership_get(user=manager, fleet_id=other.pk)


def test_the_fleets_of_a_person_are_the_ones_they_manage_by_name(garage, fleet):
    manager = manager_of(fleet)
    another = FleetFactory(name="Autoverhuur Aalsmeer", garages=[garage])
    manager_of(another)
    FleetFactory(name="Bouwbedrijf Boxtel", garages=[garage])
    FleetManagerFactory(fleet=another, user=manager)

    assert list(selectors.fleet_list_for_user(user=manager)) == [another, fleet]


def test_the_link_history_is_newest_first_with_who(garage, garage_admin, sales, fleet):
    passport = fleet_car(fleet, garage=garage, actor=sales)
    unlink(passport, actor=garage_admin)
    stock = stock_fleet_for(garage=garage)
    link(passport, stock, actor=garage_admin)

    history = list(selectors.fleet_link_history(passport=passport))

    assert [(h.fleet, h.linked_by, h.unlinked_by) for h in history] == [
        (stock, garage_admin, None),
        (fleet, sales, garage_admin),
    ]

from datetime import timedelta
from decimal import Decimal

import pytest
from django.http import Http404
from django.utils import timezone

from autopaspoort import selectors
from autopaspoort.models import StatusCheck
from tests.autopaspoort.factories import (
    Component,
    HistoryEntryFactory,
    PassportFactory,
    Rating,
    item,
    record_check,
)

pytestmark = pytest.mark.django_db


def plates_of(page):
    return [passport.plate for passport in page.passports]


# --- Costs --------------------------------------------------------------------------------------


def test_expected_costs_are_the_latest_checks_now_and_soon_items_in_exact_decimals(garage):
    passport = PassportFactory(garage=garage)
    check = record_check(
        passport,
        items=[
            item(Component.BRAKES_REAR, Rating.NOW, "0.10"),
            item(Component.WIPERS, Rating.SOON, "0.20"),
            item(Component.LIGHTS, Rating.OK, "5.00"),
        ],
    )

    costs = selectors.check_costs(list(check.items.all()))
    [row] = selectors.passport_list(garage=garage).passports
    summary = selectors.dashboard_summary(garage=garage)

    assert 0.10 + 0.20 != 0.30  # why money is never a float
    assert costs.expected == Decimal("0.30")
    assert (costs.now, costs.soon) == (Decimal("0.10"), Decimal("0.20"))
    assert all(isinstance(value, Decimal) for value in (costs.expected, costs.now, costs.soon))
    assert row.expected_costs == Decimal("0.30")
    assert isinstance(row.expected_costs, Decimal)
    assert summary["expected_costs"] == Decimal("0.30")
    assert isinstance(summary["expected_costs"], Decimal)


def test_delivery_costs_are_the_items_planned_for_delivery_of_stock_cars(garage):
    stock = PassportFactory(garage=garage)
    record_check(
        stock,
        items=[
            item(Component.BRAKES_REAR, Rating.NOW, "185.50", fix_before_delivery=True),
            item(Component.TYRES_FRONT, Rating.SOON, "240.00", fix_before_delivery=True),
            item(Component.WIPERS, Rating.SOON, "34.95"),
        ],
    )
    customer = PassportFactory(garage=garage, customer=True)
    record_check(customer, items=[item(rating=Rating.NOW, cost="1000.00")])

    rows = {p.plate: p for p in selectors.passport_list(garage=garage).passports}
    summary = selectors.dashboard_summary(garage=garage)

    assert rows[stock.plate].delivery_costs == Decimal("425.50")
    # Planned delivery work is the garage's, not in the owner's expected costs.
    assert rows[stock.plate].expected_costs == Decimal("34.95")
    assert rows[customer.plate].delivery_costs == Decimal("0.00")
    assert summary["delivery_costs"] == Decimal("425.50")
    assert summary["expected_costs"] == Decimal("1034.95")


def test_only_the_latest_checks_items_count(garage):
    passport = PassportFactory(garage=garage)
    record_check(passport, items=[item(rating=Rating.NOW, cost="999.00")])
    record_check(passport, items=[item(rating=Rating.SOON, cost="12.34")])

    [row] = selectors.passport_list(garage=garage).passports
    summary = selectors.dashboard_summary(garage=garage)

    assert row.expected_costs == Decimal("12.34")
    assert row.needs_work is False
    assert summary["expected_costs"] == Decimal("12.34")


def test_costs_without_any_check_are_zero(garage):
    PassportFactory(garage=garage)

    [row] = selectors.passport_list(garage=garage).passports
    summary = selectors.dashboard_summary(garage=garage)

    assert (row.expected_costs, row.delivery_costs) == (Decimal("0"), Decimal("0"))
    assert (summary["expected_costs"], summary["delivery_costs"]) == (Decimal("0"), Decimal("0"))


def test_cost_totals_do_not_include_another_garages_cars(garage, other_garage):
    record_check(PassportFactory(garage=other_garage), items=[item(rating=Rating.NOW, cost="50")])

    summary = selectors.dashboard_summary(garage=garage)

    assert summary["expected_costs"] == Decimal("0")


# --- Dashboard counts ---------------------------------------------------------------------------


def test_dashboard_counts_the_garages_cars_by_state_and_this_months_checks(garage, other_garage):
    stock = PassportFactory.create_batch(2, garage=garage)
    PassportFactory(garage=garage, customer=True)
    PassportFactory(garage=garage, awaiting_activation=True)
    PassportFactory(garage=other_garage)
    record_check(PassportFactory(garage=other_garage))
    record_check(stock[0])
    old = record_check(stock[1])
    month_start = timezone.localtime().replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    StatusCheck.objects.filter(pk=old.pk).update(performed_at=month_start - timedelta(minutes=1))

    summary = selectors.dashboard_summary(garage=garage)

    assert summary["stock"] == 2
    assert summary["customer"] == 2
    assert summary["awaiting_activation"] == 1
    assert summary["checks_this_month"] == 1


# --- List, search, filters, pages ---------------------------------------------------------------


def test_the_list_shows_only_the_garages_cars_newest_first(garage, other_garage):
    first, second = PassportFactory(garage=garage), PassportFactory(garage=garage)
    PassportFactory(garage=other_garage)

    assert plates_of(selectors.passport_list(garage=garage)) == [second.plate, first.plate]


def test_partial_search_in_any_spelling(garage, other_garage):
    PassportFactory(garage=garage, plate="GJ-555-K")
    PassportFactory(garage=garage, plate="12-ZTX-3")
    PassportFactory(garage=other_garage, plate="GJ-556-K")

    for query in ("555", "j-55", "gj5", "J555K", "5 5 5"):
        page = selectors.passport_list(garage=garage, search=query)
        assert plates_of(page) == ["GJ-555-K"], query
    assert plates_of(selectors.passport_list(garage=garage, search="ztx")) == ["12-ZTX-3"]
    assert plates_of(selectors.passport_list(garage=garage, search="56K")) == []


def test_exact_search_finds_the_garages_plate_in_any_spelling(garage, other_garage):
    passport = PassportFactory(garage=garage, plate="GJ-555-K")
    PassportFactory(garage=other_garage, plate="12-ZTX-3")

    assert selectors.passport_find_exact(garage=garage, raw_plate="gj 555k") == passport
    assert selectors.passport_find_exact(garage=garage, raw_plate="12ztx3") is None
    assert selectors.passport_find_exact(garage=garage, raw_plate="555") is None


def test_filters_by_state_and_needs_work(garage):
    stock = PassportFactory(garage=garage)
    customer = PassportFactory(garage=garage, customer=True)
    needs_work = PassportFactory(garage=garage)
    record_check(needs_work, items=[item(rating=Rating.NOW, cost="10")])
    record_check(stock, items=[item(rating=Rating.SOON, cost="10")])

    assert set(plates_of(selectors.passport_list(garage=garage, state="stock"))) == {
        stock.plate,
        needs_work.plate,
    }
    assert plates_of(selectors.passport_list(garage=garage, state="customer")) == [customer.plate]
    assert plates_of(selectors.passport_list(garage=garage, needs_work=True)) == [needs_work.plate]


def test_keyset_pages_cover_every_car_once(garage):
    created = PassportFactory.create_batch(7, garage=garage)

    seen, after = [], None
    while True:
        page = selectors.passport_list(garage=garage, after=after, page_size=3)
        seen += plates_of(page)
        if page.next_after is None:
            break
        after = page.next_after

    assert seen == [p.plate for p in reversed(created)]
    assert len(seen) == len(set(seen)) == 7


def test_a_full_last_page_has_no_next_cursor(garage):
    PassportFactory.create_batch(3, garage=garage)

    assert selectors.passport_list(garage=garage, page_size=3).next_after is None


# --- Profile ------------------------------------------------------------------------------------


def test_passport_get_finds_the_plate_in_any_spelling(garage):
    passport = PassportFactory(garage=garage, plate="GJ-555-K")

    assert selectors.passport_get(garage=garage, plate="gj555k") == passport


@pytest.mark.parametrize("plate", ["GJ-555-K", "GJ-556-K", "not a plate", ""])
def test_passport_get_is_a_404_for_another_garages_unknown_or_invalid_plate(
    garage, other_garage, plate
):
    PassportFactory(garage=other_garage, plate="GJ-555-K")

    with pytest.raises(Http404):
        selectors.passport_get(garage=garage, plate=plate)


def test_check_get_is_a_404_for_a_check_of_another_car(garage):
    passport, other = PassportFactory(garage=garage), PassportFactory(garage=garage)
    check = record_check(other)

    with pytest.raises(Http404):
        selectors.check_get(passport=passport, check_id=check.pk)


def test_timeline_has_checks_and_history_newest_first(garage):
    passport = PassportFactory(garage=garage)
    old = HistoryEntryFactory(passport=passport, date=timezone.localdate() - timedelta(days=400))
    recent = HistoryEntryFactory(passport=passport, date=timezone.localdate() - timedelta(days=3))
    check = record_check(passport, items=[item(rating=Rating.SOON, cost="20.00")])
    HistoryEntryFactory(passport=PassportFactory(garage=garage))  # another car

    timeline = selectors.passport_timeline(passport=passport)

    assert [(event.kind, event.item.pk) for event in timeline] == [
        ("check", check.pk),
        ("history", recent.pk),
        ("history", old.pk),
    ]
    assert timeline[0].item.expected_costs == Decimal("20.00")
    assert timeline[0].item.items_soon == 1

"""The arithmetic of a statement (billing.pricing): the rounding rule of docs/architecture.md
("Billing") as a table, the volume tiers, the free photos and the monthly minimum."""

from decimal import Decimal

import pytest

from billing.models import LineKind
from billing.pricing import Prices, Usage, line, passport_lines, price

D = Decimal


def prices(**fields) -> Prices:
    values = {
        "monthly_minimum": D("0"),
        "price_active_passport": D("0.50"),
        "price_transfer_completed": D("1.25"),
        "price_quote_sent": D("0.10"),
        "price_photo": D("0.0125"),
        "free_photos": 50,
    }
    values.update(fields)
    return Prices(**values)


@pytest.mark.parametrize(
    ("quantity", "unit_price", "amount"),
    [
        (3, "0.125", "0.38"),  # 0.375: half up
        (1, "0.005", "0.01"),  # half a cent rounds up
        (1, "0.0049", "0.00"),
        (2, "0.0025", "0.01"),  # 0.005
        (7, "0.3333", "2.33"),  # 2.3331
        (3, "0.3350", "1.01"),  # 1.005
        (1000, "0.0125", "12.50"),
        (0, "9.99", "0.00"),
        (123, "1.2345", "151.84"),  # 151.8435
    ],
)
def test_a_line_is_rounded_half_up_to_whole_cents(quantity, unit_price, amount):
    assert line(LineKind.QUOTES_SENT, quantity, D(unit_price)).amount == D(amount)


@pytest.mark.parametrize(
    ("transfers", "subtotal", "vat", "total"),
    [
        # price per transfer 1.25: subtotal, 21 % of it rounded once, total
        (1, "1.25", "0.26", "1.51"),  # 0.2625
        (2, "2.50", "0.53", "3.03"),  # 0.525: half up
        (3, "3.75", "0.79", "4.54"),  # 0.7875
        (10, "12.50", "2.63", "15.13"),  # 2.625: half up
        (81, "101.25", "21.26", "122.51"),  # 21.2625
    ],
)
def test_vat_is_21_percent_of_the_subtotal_rounded_once(transfers, subtotal, vat, total):
    priced = price(
        Usage(transfers_completed=transfers),
        prices(price_active_passport=D("0"), price_quote_sent=D("0"), price_photo=D("0")),
    )
    assert (priced.subtotal, priced.vat_amount, priced.total) == (D(subtotal), D(vat), D(total))
    assert priced.vat_rate == D("21.00")


def test_vat_is_not_the_sum_of_per_line_vat():
    # Two lines of 0.03: VAT per line would be 0.01 + 0.01; on the subtotal 0.06 it is 0.01.
    priced = price(
        Usage(active_passports=1, quotes_sent=1, photos_added=0),
        prices(price_active_passport=D("0.03"), price_quote_sent=D("0.03")),
    )
    assert priced.subtotal == D("0.06")
    assert priced.vat_amount == D("0.01")  # 0.0126


TIERS = ((101, D("0.40")), (201, D("0.30")))


@pytest.mark.parametrize(
    ("quantity", "expected"),
    [
        (0, [(1, 100, 0, "0.00")]),
        (1, [(1, 100, 1, "0.50")]),
        (100, [(1, 100, 100, "50.00")]),
        (101, [(1, 100, 100, "50.00"), (101, 200, 1, "0.40")]),
        (250, [(1, 100, 100, "50.00"), (101, 200, 100, "40.00"), (201, None, 50, "15.00")]),
    ],
)
def test_volume_tiers_are_graduated(quantity, expected):
    lines = passport_lines(quantity, prices(tiers=TIERS))
    assert [(x.tier_from, x.tier_to, x.quantity, str(x.amount)) for x in lines] == expected


def test_without_tiers_active_passports_are_one_line():
    (only,) = passport_lines(42, prices())
    assert (only.tier_from, only.quantity, only.amount) == (None, 42, D("21.00"))


def test_photos_beyond_the_free_allowance_are_billed():
    priced = price(Usage(photos_added=60), prices())
    photos = next(x for x in priced.lines if x.kind == LineKind.PHOTOS)
    assert (photos.quantity, photos.tier_from, photos.amount) == (10, 51, D("0.13"))  # 0.125
    assert (
        next(
            x for x in price(Usage(photos_added=20), prices()).lines if x.kind == "photos"
        ).quantity
        == 0
    )


def test_a_subtotal_below_the_minimum_is_topped_up():
    priced = price(Usage(active_passports=10), prices(monthly_minimum=D("25.00")))
    top_up = priced.lines[-1]
    assert (top_up.kind, top_up.quantity, top_up.amount) == (LineKind.MINIMUM, 1, D("20.00"))
    assert (priced.subtotal, priced.vat_amount, priced.total) == (
        D("25.00"),
        D("5.25"),
        D("30.25"),
    )


def test_a_subtotal_above_the_minimum_has_no_top_up():
    priced = price(Usage(active_passports=100), prices(monthly_minimum=D("25.00")))
    assert LineKind.MINIMUM not in [x.kind for x in priced.lines]
    assert priced.subtotal == D("50.00")


def test_every_usage_kind_is_a_line_in_a_fixed_order():
    priced = price(Usage(1, 2, 3, 55), prices())
    assert [x.kind for x in priced.lines] == [
        LineKind.ACTIVE_PASSPORTS,
        LineKind.TRANSFERS_COMPLETED,
        LineKind.QUOTES_SENT,
        LineKind.PHOTOS,
    ]
    assert priced.subtotal == sum(x.amount for x in priced.lines)
    assert priced.total == priced.subtotal + priced.vat_amount

"""BTW: `core.vat.vat_split`, the one computation of excl., BTW and incl. (Decimal, half-up to
cents, excl. + BTW = incl. always, the typed amount unchanged)."""

from decimal import Decimal

import pytest
from django.utils import translation
from hypothesis import given
from hypothesis import strategies as st

from core.vat import VAT_RATE, vat_label, vat_split


@pytest.mark.parametrize(
    ("amount", "includes_vat", "excl", "vat", "incl"),
    [
        ("121.00", True, "100.00", "21.00", "121.00"),
        ("100.00", False, "100.00", "21.00", "121.00"),
        ("0", True, "0.00", "0.00", "0.00"),
        ("0", False, "0.00", "0.00", "0.00"),
        ("0.01", True, "0.01", "0.00", "0.01"),  # 0.01 / 1.21 = 0.00826 -> 0.01
        ("0.03", False, "0.03", "0.01", "0.04"),  # 0.0063 -> 0.01
        ("0.02", False, "0.02", "0.00", "0.02"),  # 0.0042 -> 0.00
        ("0.50", False, "0.50", "0.11", "0.61"),  # 0.105 -> 0.11: half-up, not to even
        ("1234.50", True, "1020.25", "214.25", "1234.50"),  # 1020.2479 -> 1020.25
        ("1234.50", False, "1234.50", "259.25", "1493.75"),  # 259.245 -> 259.25
        ("99.99", True, "82.64", "17.35", "99.99"),  # 82.636 -> 82.64
        ("10", True, "8.26", "1.74", "10.00"),
    ],
)
def test_the_vat_table(amount, includes_vat, excl, vat, incl):
    split = vat_split(Decimal(amount), includes_vat=includes_vat)

    assert (split.excl, split.vat, split.incl) == (Decimal(excl), Decimal(vat), Decimal(incl))
    assert split.rate == VAT_RATE
    assert split.percent == "21"
    assert split.shown == Decimal(incl if includes_vat else excl)


@given(
    st.decimals(min_value=0, max_value=Decimal("1000000"), places=2),
    st.booleans(),
)
def test_the_parts_always_add_up_and_the_typed_amount_stays(amount, includes_vat):
    split = vat_split(amount, includes_vat=includes_vat)

    assert split.excl + split.vat == split.incl
    assert split.shown == amount
    assert split.vat >= 0
    assert all(part == part.quantize(Decimal("0.01")) for part in (split.excl, split.vat))


def test_another_rate_for_later():
    assert vat_split(Decimal("109"), includes_vat=True, rate=Decimal("0.09")).excl == Decimal(
        "100.00"
    )


def test_the_labels():
    with translation.override("en"):
        assert (vat_label(True), vat_label(False)) == ("incl. VAT", "excl. VAT")
    with translation.override("nl"):
        assert (vat_label(True), vat_label(False)) == ("incl. btw", "excl. btw")

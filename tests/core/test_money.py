"""Amounts of money: one display filter (Dutch "€ 1.234,50", English "€1,234.50"), one input
rule (`core.money.parse_amount`, refusing what could be read two ways), one CSV form."""

from decimal import Decimal

import pytest
from django import forms
from django.template import Context, Template
from django.utils import translation
from hypothesis import given
from hypothesis import strategies as st

from core.money import AmountField, format_amount, input_amount, parse_amount
from core.spreadsheets import spreadsheet_amount

NBSP = "\u00a0"


@pytest.mark.parametrize(
    ("value", "dutch", "english"),
    [
        (Decimal("1234.5"), f"€{NBSP}1.234,50", "€1,234.50"),
        (Decimal("0"), f"€{NBSP}0,00", "€0.00"),
        (Decimal("0.005"), f"€{NBSP}0,01", "€0.01"),  # half-up to cents
        (Decimal("999.994"), f"€{NBSP}999,99", "€999.99"),
        (Decimal("1234567.89"), f"€{NBSP}1.234.567,89", "€1,234,567.89"),
        (Decimal("-12.5"), f"-€{NBSP}12,50", "-€12.50"),
        (7, f"€{NBSP}7,00", "€7.00"),
        (None, "", ""),
    ],
)
def test_the_euro_filter_in_dutch_and_english(value, dutch, english):
    template = Template("{% load money %}{{ amount|euro }}")
    for language, expected in (("nl", dutch), ("en", english)):
        with translation.override(language):
            assert template.render(Context({"amount": value})) == expected
        assert format_amount(value, language) == expected


@pytest.mark.parametrize(
    ("typed", "amount"),
    [
        ("1.234,50", "1234.50"),
        ("1234,50", "1234.50"),
        ("1234.50", "1234.50"),
        ("1234", "1234.00"),
        ("€ 12,50", "12.50"),
        (f"€{NBSP}1.234,50", "1234.50"),  # what the page shows can be typed back
        ("12,50 €", "12.50"),
        ("EUR 7", "7.00"),
        ("  0,5 ", "0.50"),
        ("12.5", "12.50"),
        ("1.234", "1234.00"),  # the Dutch reading: a point before three digits groups thousands
        ("1.234.567", "1234567.00"),
        ("1.234.567,89", "1234567.89"),
        ("1,234.50", "1234.50"),  # English grouping is fine when the cents make it plain
        ("1,234,567.89", "1234567.89"),
        ("-3,20", "-3.20"),
        ("0", "0.00"),
    ],
)
def test_accepted_amounts(typed, amount):
    assert parse_amount(typed) == Decimal(amount)


@pytest.mark.parametrize(
    ("typed", "code"),
    [
        ("1.234.5", "grouping"),
        ("1,234,5", "grouping"),
        ("12.34.567", "grouping"),
        ("1234.567", "grouping"),
        ("1.234,567", "grouping"),
        ("1,234.567,50", "grouping"),
        ("1..2", "grouping"),
        ("12,345", "ambiguous"),  # twelve euros and a bit, or twelve thousand?
        ("1,234", "ambiguous"),
        ("1,234,567", "ambiguous"),
        ("12,3456", "cents"),
        ("12.3456", "cents"),
        ("", "invalid"),
        ("€", "invalid"),
        ("abc", "invalid"),
        ("12 34", "invalid"),
        ("1,", "invalid"),
        (",50", "invalid"),
        ("--1", "invalid"),
        ("1e3", "invalid"),
        ("12,50 $", "invalid"),
    ],
)
def test_refused_amounts_say_why(typed, code):
    with pytest.raises(forms.ValidationError) as refused:
        parse_amount(typed)
    assert refused.value.code == code
    with translation.override("en"):
        message = refused.value.messages[0]
    assert message
    assert "%(" not in message


class CostForm(forms.Form):
    cost = AmountField(label="Cost", max_value=Decimal("100000"), required=False)


@pytest.mark.parametrize(
    ("typed", "error"),
    [
        (
            "1.234.5",
            "“1.234.5” is not a valid amount: thousands come in groups of three digits "
            "(1.234.567,50) and only the cents come after the last comma or point.",
        ),
        (
            "12,345",
            "“12,345” is ambiguous: write cents with at most two digits after the comma "
            "(12,35) or leave the comma out (12345).",
        ),
        ("-1", "The amount cannot be less than €0.00."),
        ("100.000,01", "The amount cannot be more than €100,000.00."),
        ("twelve", "Enter an amount in euros, such as 1.234,50 or 1234,50."),
    ],
)
def test_the_field_puts_a_clear_message_beside_itself(typed, error):
    with translation.override("en"):
        form = CostForm({"cost": typed})
        assert not form.is_valid()
        assert form.errors == {"cost": [error]}


def test_the_field_in_dutch():
    with translation.override("nl"):
        form = CostForm({"cost": "1,234,5"})
        assert not form.is_valid()
        assert form.errors["cost"][0].startswith("“1,234,5” is geen geldig bedrag")
        assert "1.234,50" in str(form["cost"].help_text)


def test_the_field_reads_an_empty_input_as_nothing_and_shows_a_value_to_edit():
    assert CostForm({"cost": " "}).is_valid()
    form = CostForm({"cost": ""})
    assert form.is_valid()
    assert form.cleaned_data == {"cost": None}
    for language, shown in (("nl", "1234,50"), ("en", "1234.50")):
        with translation.override(language):
            html = str(CostForm(initial={"cost": Decimal("1234.5")})["cost"])
        assert f'value="{shown}"' in html
        assert 'inputmode="decimal"' in html


AMOUNTS = st.decimals(min_value=0, max_value=Decimal("99999999.99"), places=2)


@given(AMOUNTS, st.sampled_from(["nl", "en"]))
def test_what_the_page_shows_reads_back_as_the_same_amount(amount, language):
    assert parse_amount(format_amount(amount, language)) == amount
    assert parse_amount(input_amount(amount, language)) == amount


@given(AMOUNTS)
def test_a_csv_amount_reads_back_as_the_same_amount(amount):
    text = spreadsheet_amount(amount)
    assert "." not in text
    assert "€" not in text
    assert parse_amount(text) == amount


@pytest.mark.parametrize(
    ("value", "cell"),
    [(Decimal("1234.3"), "1234,30"), (Decimal("0"), "0,00"), (None, "0,00"), (5, "5,00")],
)
def test_csv_amounts_have_a_decimal_comma_and_no_thousands_separator_in_every_language(value, cell):
    for language in ("nl", "en"):
        with translation.override(language):
            assert spreadsheet_amount(value) == cell

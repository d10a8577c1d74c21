"""Amounts of money in euros: how they are shown to people, typed by them and written to CSV.

One home for the three directions, so every page, email, form and export agrees:

- `format_amount(value)`: for people, in the active language. Dutch "€ 1.234,50" (a
  non-breaking space after the euro sign, dots between thousands, a decimal comma), English
  "€1,234.50". Template filter: `{% load money %}{{ amount|euro }}`.
- `parse_amount(text)` / `AmountField`: what people type (see `parse_amount` for the rule).
- `spreadsheet_amount(value)` (in `core.spreadsheets`): for CSV, "1234,50".

Amounts are `Decimal`, rounded half-up to whole cents; never floats.
"""

import re
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

CENT = Decimal("0.01")
NBSP = "\u00a0"

# (thousands separator, decimal separator, pattern) per language; Dutch for anything else.
_STYLES = {
    "nl": (".", ",", "€" + NBSP + "{}"),
    "en": (",", ".", "€{}"),
}


def cents(value) -> Decimal:
    """`value` as a Decimal rounded half-up to whole cents (0.005 -> 0.01)."""
    return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


def _grouped(value: Decimal, thousands: str, decimal: str) -> str:
    whole, _dot, fraction = f"{abs(value):.2f}".partition(".")
    groups = []
    while len(whole) > 3:
        groups.insert(0, whole[-3:])
        whole = whole[:-3]
    groups.insert(0, whole)
    return thousands.join(groups) + decimal + fraction


def format_amount(value, language: str | None = None) -> str:
    """`value` in euros for people, in `language` (default: the active one). None gives ""."""
    if value is None or value == "":
        return ""
    try:
        amount = cents(value)
    except (InvalidOperation, TypeError, ValueError):
        return ""
    language = (language or get_language() or "nl").split("-")[0]
    thousands, decimal, pattern = _STYLES.get(language, _STYLES["nl"])
    text = pattern.format(_grouped(amount, thousands, decimal))
    return f"-{text}" if amount < 0 else text


def input_amount(value, language: str | None = None) -> str:
    """`value` as a form shows it for editing: "1234,50" in Dutch, "1234.50" in English (no
    thousands separator, no euro sign; `parse_amount` reads both back)."""
    if value is None or value == "":
        return ""
    try:
        amount = cents(value)
    except (InvalidOperation, TypeError, ValueError):
        return str(value)
    language = (language or get_language() or "nl").split("-")[0]
    decimal = _STYLES.get(language, _STYLES["nl"])[1]
    return f"{amount:.2f}".replace(".", decimal)


# The rule, as the form's help text and docs/product.md state it.
RULE = _(
    "Cents after a comma or a point (1234,50 or 1234.50); thousands may be grouped with "
    "a point (1.234,50). 1.234 is one thousand two hundred and thirty-four euros."
)
MESSAGES = {
    "invalid": _("Enter an amount in euros, such as 1.234,50 or 1234,50."),
    "grouping": _(
        "“%(value)s” is not a valid amount: thousands come in groups of three digits "
        "(1.234.567,50) and only the cents come after the last comma or point."
    ),
    "ambiguous": _(
        "“%(value)s” is ambiguous: write cents with at most two digits after the comma "
        "(12,35) or leave the comma out (12345)."
    ),
    "cents": _("At most two digits for the cents, as in 12,50."),
}

_SHAPE = re.compile(r"-?[0-9][0-9.,]*")
_CURRENCY = re.compile(r"^\s*(?:€|eur\b)\s*|\s*(?:€|eur)\s*$", re.IGNORECASE)


def _refuse(code: str, value: str):
    raise ValidationError(MESSAGES[code], code=code, params={"value": value})


def parse_amount(text: str) -> Decimal:
    """What a person typed as an amount, read by one rule (raises `ValidationError` with a
    message for the person):

    1. Spaces around it and a euro sign ("€" or "EUR") before or after it are ignored; a
       leading minus is kept (fields set their own minimum).
    2. A comma or point followed by one or two digits at the end separates the cents:
       "1234,5", "1234,50", "1234.50".
    3. Every other separator groups thousands: all the same character, not the cents
       separator, with exactly three digits after each ("1.234.567,89", "1,234.50").
       A point followed by three digits is therefore a thousands point, the Dutch reading:
       "1.234" is 1234.
    4. A comma followed by exactly three digits at the end ("12,345", "1,234") is refused as
       ambiguous (Dutch cents or English thousands?), as is more than two digits of cents
       after a comma; malformed groups ("1.234.5", "1,234,5", "12.34.567") are refused too.
    """
    raw = (text or "").replace(NBSP, " ").strip()
    value = _CURRENCY.sub("", raw).strip()
    if not value or not _SHAPE.fullmatch(value) or value[-1] in ".,":
        _refuse("invalid", raw)
    sign, body = ("-", value[1:]) if value.startswith("-") else ("", value)
    if not body[:1].isdigit():
        _refuse("invalid", raw)
    parts = re.split(r"([.,])", body)  # digits, separator, digits, ...
    digits, separators = parts[0::2], parts[1::2]
    decimal = cents_part = ""
    if separators:
        last = len(digits[-1])
        if last <= 2:
            decimal, cents_part = separators[-1], digits[-1]
            digits, separators = digits[:-1], separators[:-1]
        elif last == 3 and separators[-1] == "," and "." not in separators:
            _refuse("ambiguous", raw)
        elif last > 3 and len(separators) == 1:
            _refuse("cents", raw)
    if separators and (
        len(set(separators)) > 1
        or separators[0] == decimal
        or len(digits[0]) > 3
        or any(len(group) != 3 for group in digits[1:])
    ):
        _refuse("grouping", raw)
    whole = "".join(digits)
    return cents(Decimal(f"{sign}{whole}.{cents_part or '0'}"))


class AmountInput(forms.TextInput):
    """A text input (so "1.234,50" can be typed) with the decimal keypad on phones."""

    def __init__(self, attrs=None):
        super().__init__({"inputmode": "decimal", "autocomplete": "off", **(attrs or {})})

    def format_value(self, value):
        if isinstance(value, (Decimal, int, float)):
            return input_amount(value)
        return super().format_value(value)


class AmountField(forms.Field):
    """A money input in euros: `parse_amount`'s rule, cents, a minimum and a maximum."""

    widget = AmountInput
    default_error_messages = {
        "min_value": _("The amount cannot be less than %(limit)s."),
        "max_value": _("The amount cannot be more than %(limit)s."),
    }

    def __init__(self, *, min_value=Decimal("0"), max_value=None, **kwargs):
        self.min_value, self.max_value = min_value, max_value
        kwargs.setdefault("help_text", RULE)
        super().__init__(**kwargs)

    def to_python(self, value):
        if value in self.empty_values or (isinstance(value, str) and not value.strip()):
            return None
        if isinstance(value, Decimal):
            return cents(value)
        return parse_amount(str(value))

    def validate(self, value):
        super().validate(value)
        if value is None:
            return
        if self.min_value is not None and value < self.min_value:
            raise ValidationError(
                self.error_messages["min_value"],
                code="min_value",
                params={"limit": format_amount(self.min_value)},
            )
        if self.max_value is not None and value > self.max_value:
            raise ValidationError(
                self.error_messages["max_value"],
                code="max_value",
                params={"limit": format_amount(self.max_value)},
            )

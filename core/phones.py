"""Phone numbers: Dutch and international, validated and stored in one format.

The `phonenumbers` library (Google's libphonenumber metadata) knows every country's numbering
plan; a hand-written pattern would accept "abc"-like typos or refuse valid foreign numbers.
A number without a country code is read as Dutch ("020 123 4567", "06 12345678"). It is stored
as E.164 ("+31201234567": one spelling per number, so equal numbers compare equal) and shown
readable (`format_phone`, template filter `phone`): Dutch numbers in the national format,
others in the international one.
"""

import phonenumbers
from django import forms
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

DEFAULT_REGION = "NL"
MAX_LENGTH = 30  # as typed; E.164 itself is at most 16 characters
INVALID_MESSAGE = _(
    "Enter a valid phone number, e.g. 020 123 4567, 06 12345678 or +32 2 123 45 67."
)


def _parse(value: str):
    try:
        number = phonenumbers.parse(value, DEFAULT_REGION)
    except phonenumbers.NumberParseException:
        return None
    return number if phonenumbers.is_valid_number(number) else None


def normalize_phone(value: str) -> str:
    """`"020-1234567"` -> `"+31201234567"`; "" stays ""; ValidationError for anything else."""
    value = (value or "").strip()
    if not value:
        return ""
    number = _parse(value) if len(value) <= MAX_LENGTH else None
    if number is None:
        raise ValidationError(INVALID_MESSAGE, code="invalid_phone")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def validate_phone(value: str) -> None:
    """For model fields: the stored value must be a valid number (any spelling parses)."""
    normalize_phone(value)


def normalize_stored(value: str) -> str:
    """For data migrations: the E.164 form of a parseable number, anything else unchanged
    (an old unparseable value is kept for a person to correct, not lost)."""
    try:
        return normalize_phone(value)
    except ValidationError:
        return value


def format_phone(value: str) -> str:
    """A stored number as people read it: "020 123 4567", "+32 2 123 45 67"; an unparseable
    (old) value as it is."""
    number = _parse(value) if value else None
    if number is None:
        return value or ""
    if phonenumbers.region_code_for_number(number) == DEFAULT_REGION:
        return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)


class TelInput(forms.TextInput):
    input_type = "tel"  # a phone keypad on mobiles


class PhoneNumberField(forms.CharField):
    """A form field that cleans to E.164 (or "") and shows a stored number readable."""

    widget = TelInput

    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", MAX_LENGTH)
        super().__init__(**kwargs)

    def prepare_value(self, value):
        # Initial data is the stored E.164; a bound field's value is what the user typed.
        if isinstance(value, str) and value.startswith("+"):
            return format_phone(value)
        return value

    def to_python(self, value):
        return normalize_phone(super().to_python(value))


class PhoneModelField(models.CharField):
    """A model's phone number: validated, and cleaned to E.164 by its form field (so the admin
    stores what the pages store)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("max_length", MAX_LENGTH)
        kwargs.setdefault("blank", True)
        kwargs.setdefault("validators", [validate_phone])
        super().__init__(*args, **kwargs)

    def formfield(self, **kwargs):
        return super().formfield(**{"form_class": PhoneNumberField, **kwargs})

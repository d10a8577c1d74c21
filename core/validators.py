"""Validators for Dutch address and company data, shared by garages, owners and fleets."""

import re
from datetime import date

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

# Four digits (no leading zero), two letters; PostNL never issues SA, SD or SS.
_POSTCODE = re.compile(r"^([1-9][0-9]{3})\s?([A-Z]{2})$")
_KVK = re.compile(r"^[0-9]{8}$")
# A Dutch VAT identification number (btw-id): NL, nine digits, B, two digits.
_VAT_NUMBER = re.compile(r"^NL[0-9]{9}B[0-9]{2}$")


def normalize_postcode(value: str) -> str:
    """`"1234ab"` -> `"1234 AB"`; raises ValidationError for anything that is not a postcode."""
    match = _POSTCODE.match((value or "").strip().upper())
    if not match or match.group(2) in {"SA", "SD", "SS"}:
        raise ValidationError(
            _("Enter a Dutch postcode: four digits and two letters, e.g. 1234 AB."),
            code="invalid_postcode",
        )
    return f"{match.group(1)} {match.group(2)}"


def validate_postcode(value: str) -> None:
    normalize_postcode(value)


def validate_kvk_number(value: str) -> None:
    if not _KVK.match(value or ""):
        raise ValidationError(_("A KvK number has exactly 8 digits."), code="invalid_kvk_number")


def normalize_vat_number(value: str) -> str:
    """`"nl 1234.56.789.b01"` -> `"NL123456789B01"`; the empty string stays empty."""
    return re.sub(r"[\s.\-]", "", value or "").upper()


def validate_vat_number(value: str) -> None:
    if not _VAT_NUMBER.match(normalize_vat_number(value)):
        raise ValidationError(
            _("Enter a Dutch VAT number (btw-id): NL, nine digits, B and two digits."),
            code="invalid_vat_number",
        )


# Readings and work are dated by people and GMSs: nothing before the first cars on Dutch roads'
# registrations, nothing in the future.
EARLIEST_DATE = date(1900, 1, 1)


def validate_past_date(value: date) -> None:
    """A date something happened on: from 1900 up to today (Europe/Amsterdam)."""
    if value < EARLIEST_DATE:
        raise ValidationError(_("Enter a date from 1900 onwards."), code="date_too_early")
    if value > timezone.localdate():
        raise ValidationError(_("The date cannot be in the future."), code="date_in_future")

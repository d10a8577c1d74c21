"""Sane windows for the vehicle dates a garage types (or the RDW gives).

- First admission (datum eerste toelating): from 1900 (the first registrations on Dutch roads)
  up to today. A car is admitted before it gets a passport; a future date is a typo.
- APK expiry: from 1985-01-01 (the APK began in 1985; an expired APK of any later date is
  a fact worth keeping) up to four years and one month from today. Four years is the longest
  an APK can run: a new petrol car's first APK is due four years after first admission (diesel
  and electric: three, after that at most two). The month is the margin of an APK done up to
  two months early, which keeps its old expiry date plus the new period, and of a car admitted
  shortly before its passport is made. 2099-01-01 is refused.

Validators on the model fields (admin), the create form and `passport_create` (every entry
point that writes these dates) share these functions.
"""

from datetime import date, timedelta

from django.core.exceptions import ValidationError
from django.utils import formats, timezone
from django.utils.translation import gettext_lazy as _

from core.validators import EARLIEST_DATE

APK_EARLIEST = date(1985, 1, 1)
APK_LONGEST_YEARS = 4
APK_MARGIN = timedelta(days=31)


def apk_latest(today: date | None = None) -> date:
    today = today or timezone.localdate()
    try:
        latest = today.replace(year=today.year + APK_LONGEST_YEARS)
    except ValueError:  # 29 February
        latest = today.replace(year=today.year + APK_LONGEST_YEARS, day=28)
    return latest + APK_MARGIN


def validate_first_admission(value: date) -> None:
    if value < EARLIEST_DATE:
        raise ValidationError(
            _("A first admission is from 1900 onwards."), code="first_admission_too_early"
        )
    if value > timezone.localdate():
        raise ValidationError(
            _("The first admission cannot be in the future."), code="first_admission_in_future"
        )


def validate_apk_expires(value: date) -> None:
    if value < APK_EARLIEST:
        raise ValidationError(
            _("An APK expiry date is from 1985 onwards (the APK began in 1985)."),
            code="apk_expires_too_early",
        )
    latest = apk_latest()
    if value > latest:
        raise ValidationError(
            _("An APK runs at most four years: enter an expiry date up to %(latest)s."),
            params={"latest": formats.date_format(latest, "DATE_FORMAT")},
            code="apk_expires_too_late",
        )


# A vehicle identification number (chassisnummer, ISO 3779): 17 letters and digits, never I, O
# or Q (they read as 1 and 0). The RDW's open data does not publish it: the garage types it.
VIN_LENGTH = 17
VIN_FORBIDDEN = set("IOQ")


def normalize_vin(value: str) -> str:
    return "".join(value.split()).upper()


def validate_vin(value: str) -> None:
    vin = normalize_vin(value)
    if len(vin) != VIN_LENGTH or not (vin.isascii() and vin.isalnum()):
        raise ValidationError(
            _("A VIN (chassis number) has 17 letters and digits."), code="vin_length"
        )
    if VIN_FORBIDDEN & set(vin):
        raise ValidationError(
            _("A VIN never contains the letters I, O or Q: did you mean 1 or 0?"),
            code="vin_letters",
        )


VEHICLE_DATE_VALIDATORS = {
    "first_admission": validate_first_admission,
    "apk_expires": validate_apk_expires,
}

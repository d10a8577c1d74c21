"""Appointments and garage advice for the tests.

Requests are made through `services.appointment_request` (`ask`), as the portal makes them:
the service checks the owner, writes the preferred times and queues the garage's email, and
the tests are about all of that. Only the query-count tests write many requests in bulk.
"""

from datetime import date, timedelta

from django.urls import reverse
from django.utils import timezone

from appointments import services
from appointments.models import Appointment, AppointmentSlot, GarageLightAdvice, PartOfDay
from autopaspoort.models import Passport
from tests.autopaspoort.factories import plate_for

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}
HTMX = {"HTTP_HX_REQUEST": "true"}
MORNING, AFTERNOON = PartOfDay.MORNING, PartOfDay.AFTERNOON
Reason = Appointment.Reason
State = Appointment.State
# Plates of bulk-made cars start here, far above what PassportFactory's sequence reaches.
BULK_PLATES_FROM = 2_000_000


def in_days(days: int) -> date:
    return timezone.localdate() + timedelta(days=days)


def slot(days: int, part=MORNING) -> services.Slot:
    return services.Slot(date=in_days(days), part_of_day=part)


def ask(passport, *, owner=None, reason=Reason.MAINTENANCE, slots=None, note="", light=""):
    """The owner of `passport` asks its garage for an appointment (two times by default)."""
    return services.appointment_request(
        passport=passport,
        actor=owner or passport.owner,
        reason=reason,
        slots=slots if slots is not None else [slot(3), slot(4, AFTERNOON)],
        note=note,
        warning_light=light,
    )


def form_data(**changes) -> dict:
    """The request form as the portal posts it: one preferred time, maintenance."""
    data = {
        "reason": Reason.MAINTENANCE,
        "warning_light": "",
        "date_1": in_days(5).isoformat(),
        "part_1": MORNING,
        "date_2": "",
        "part_2": MORNING,
        "date_3": "",
        "part_3": MORNING,
        "note": "",
    }
    data.update(changes)
    return data


def advise(garage, code, text, *, actor=None) -> GarageLightAdvice:
    return services.light_advice_save(
        garage=garage, actor=actor or garage.account_user, code=code, text=text
    )


# --- URLs --------------------------------------------------------------------------------------

LIGHTS_URL = reverse("portal:lights")


def request_url(passport_or_plate, light: str = "") -> str:
    plate = getattr(passport_or_plate, "plate", passport_or_plate)
    url = reverse("portal:appointment_request", kwargs={"plate": plate})
    return f"{url}?lampje={light}" if light else url


def car_state_url(passport) -> str:
    return reverse("portal:appointment_state", kwargs={"plate": passport.plate})


def owner_url(name: str, appointment) -> str:
    """`appointment_accept` or `appointment_cancel` of an appointment."""
    return reverse(
        f"portal:{name}",
        kwargs={"plate": appointment.passport.plate, "appointment_id": appointment.pk},
    )


def light_ask_url(code: str) -> str:
    return reverse("portal:light_ask", kwargs={"code": code})


def garage_url(name: str, garage, **kwargs) -> str:
    return reverse(f"appointments:{name}", kwargs={"garage_id": garage.pk, **kwargs})


def detail_url(appointment, garage=None) -> str:
    return garage_url("garage_detail", garage or appointment.garage, appointment_id=appointment.pk)


def accept_url(appointment, garage=None) -> str:
    return garage_url("garage_accept", garage or appointment.garage, appointment_id=appointment.pk)


# --- Bulk --------------------------------------------------------------------------------------


def bulk_requests(garage, owner, *, count: int, start: int = 0) -> list[Appointment]:
    """`count` cars of `owner` serviced by `garage`, each with an open request with three
    preferred times, written in bulk (a handful of queries)."""
    now = timezone.now()
    passports = Passport.objects.bulk_create(
        Passport(
            plate=plate_for(BULK_PLATES_FROM + start + n),
            garage=garage,
            state=Passport.State.CUSTOMER,
            owner=owner,
            owner_name=owner.full_name,
            activated_at=now,
            make="VOLKSWAGEN",
            model="POLO",
            created_by=garage.account_user,
        )
        for n in range(count)
    )
    appointments = Appointment.objects.bulk_create(
        Appointment(
            passport=passport,
            garage=garage,
            owner=owner,
            reason=Reason.WARNING_LIGHT if n % 2 else Reason.APK,
            warning_light="oil_pressure" if n % 2 else "",
            note=f"Verzoek {n}",
        )
        for n, passport in enumerate(passports)
    )
    AppointmentSlot.objects.bulk_create(
        AppointmentSlot(
            appointment=appointment, position=position, date=in_days(position), part_of_day=MORNING
        )
        for appointment in appointments
        for position in (1, 2, 3)
    )
    return appointments

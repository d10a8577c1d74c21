"""Reads of appointments and garage advice, scoped to who asks: an owner sees the requests they
made for a car they still own; a garage sees the requests made to it. Anything else is a 404."""

from dataclasses import dataclass

from django.db.models import Count, F, Prefetch, Q, QuerySet, Window
from django.http import Http404
from django.utils import timezone

from appointments.models import OPEN_STATES, Appointment, AppointmentSlot, GarageLightAdvice

DASHBOARD_LIMIT = 5
OWNER_HISTORY = 5

_SLOTS = Prefetch("slots", queryset=AppointmentSlot.objects.order_by("position"))


# --- Owner -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class CarAppointments:
    """What the portal shows for one car: the open request (if any), agreed visits to come,
    and the latest earlier requests."""

    open: Appointment | None
    upcoming: list
    earlier: list


def owner_car_appointments(*, user, passport) -> CarAppointments:
    """The owner's requests for this car (two queries: the requests and their times). The
    caller got `passport` from `transfers.selectors.owner_car_get`, so it is the owner's."""
    today = timezone.localdate()
    rows = list(
        Appointment.objects.filter(passport=passport, owner=user)
        .select_related("garage")
        .prefetch_related(_SLOTS)
        .order_by("-created_at", "-id")[:20]
    )
    open_ = next((row for row in rows if row.is_open), None)
    upcoming = sorted(
        (
            row
            for row in rows
            if row.state == Appointment.State.CONFIRMED and row.planned_date >= today
        ),
        key=lambda row: (row.planned_date, row.planned_part_of_day != "morning"),
    )
    earlier = [row for row in rows if row is not open_ and row not in upcoming][:OWNER_HISTORY]
    return CarAppointments(open=open_, upcoming=upcoming, earlier=earlier)


def owner_open_request(*, user, passport) -> Appointment | None:
    """The owner's request for this car that waits for an answer, if any (one query): while it
    does, approving a quote (which asks for a time) is refused, so the quote page says so."""
    return (
        Appointment.objects.filter(passport=passport, owner=user, state__in=OPEN_STATES)
        .only("id", "state")
        .first()
    )


def owner_appointment_get(*, user, passport, appointment_id: int) -> Appointment:
    appointment = Appointment.objects.filter(
        pk=appointment_id, passport=passport, owner=user
    ).first()
    if appointment is None:
        raise Http404
    return appointment


def light_advice_for_cars(*, cars) -> dict[str, list[GarageLightAdvice]]:
    """The advice of the garages that service these cars (the owner's), per light code: one
    query, whatever the number of cars and lights."""
    garage_ids = {car.garage_id for car in cars}
    if not garage_ids:
        return {}
    advice: dict[str, list[GarageLightAdvice]] = {}
    for row in (
        GarageLightAdvice.objects.filter(garage_id__in=garage_ids)
        .select_related("garage")
        .order_by("light_code", "garage__name")
    ):
        advice.setdefault(row.light_code, []).append(row)
    return advice


# --- Garage ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class GarageAppointments:
    waiting: list  # requested: waiting for the garage's answer
    proposed: list  # another time proposed: waiting for the owner
    upcoming: list  # agreed, today or later


def _for_garage(garage) -> QuerySet[Appointment]:
    """Requests to the garage that still concern the car's current owner (a request made
    before the car changed hands is no longer the garage's to answer)."""
    return Appointment.objects.filter(garage=garage).filter(
        ~Q(state__in=OPEN_STATES) | Q(passport__owner=F("owner"))
    )


def garage_appointment_list(*, garage) -> GarageAppointments:
    """Open requests and agreed visits to come (two queries: the rows and their times)."""
    today = timezone.localdate()
    rows = list(
        _for_garage(garage)
        .filter(
            Q(state__in=OPEN_STATES) | Q(state=Appointment.State.CONFIRMED, planned_date__gte=today)
        )
        .select_related("passport__owner", "answered_by", "quote")
        .prefetch_related(_SLOTS)
        .order_by("created_at", "id")
    )
    return GarageAppointments(
        waiting=[row for row in rows if row.state == Appointment.State.REQUESTED],
        proposed=[row for row in rows if row.state == Appointment.State.PROPOSED],
        upcoming=sorted(
            (row for row in rows if row.state == Appointment.State.CONFIRMED),
            key=lambda row: (row.planned_date, row.planned_part_of_day != "morning", row.pk),
        ),
    )


def garage_appointment_get(*, garage, appointment_id: int) -> Appointment:
    """One request to this garage with its times; another garage's is a 404."""
    appointment = (
        _for_garage(garage)
        .filter(pk=appointment_id)
        .select_related("passport__owner", "answered_by", "quote")
        .prefetch_related(_SLOTS)
        .first()
    )
    if appointment is None:
        raise Http404
    return appointment


@dataclass(frozen=True)
class DashboardRequests:
    total: int
    requests: list


def dashboard_requests(*, garage, limit: int = DASHBOARD_LIMIT) -> DashboardRequests:
    """The oldest requests waiting for the garage and how many there are: one query (the
    count rides along as a window over the same rows)."""
    rows = list(
        _for_garage(garage)
        .filter(state=Appointment.State.REQUESTED)
        .select_related("passport")
        .only("reason", "warning_light", "created_at", "passport__plate")  # what the list shows
        .annotate(waiting_total=Window(Count("id")))
        .order_by("created_at", "id")[:limit]
    )
    return DashboardRequests(total=rows[0].waiting_total if rows else 0, requests=rows)


def garage_light_advice(*, garage) -> dict[str, GarageLightAdvice]:
    return {
        row.light_code: row
        for row in GarageLightAdvice.objects.filter(garage=garage).select_related("updated_by")
    }


def garage_light_advice_get(*, garage, code: str) -> GarageLightAdvice | None:
    return GarageLightAdvice.objects.filter(garage=garage, light_code=code).first()


def owner_appointments_all(*, user) -> list[Appointment]:
    """Every request this person made (their data download), with garage, car and times."""
    return list(
        Appointment.objects.filter(owner=user)
        .select_related("garage", "passport")
        .prefetch_related(_SLOTS)
        .order_by("-created_at", "-id")
    )

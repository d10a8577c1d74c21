"""When a car's maintenance is due, and whose cars are reached: the passport's rules, read by
the reminder job and by the promotions' "maintenance due" segment alike.

Everything here works on batches of cars (a chunk of a job, a garage's segment): a few queries
per batch whatever its size, never one per car. `maintenance_due_many` is the one definition of
"maintenance due".
"""

import calendar
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date

from django.db.models import OuterRef, QuerySet, Subquery
from django.utils import timezone

from autopaspoort.models import HistoryEntry, Passport, StatusCheck

MAINTENANCE_INTERVAL_MONTHS = 12
MAINTENANCE_INTERVAL_KM = 15_000
MAINTENANCE_KINDS = (HistoryEntry.Kind.SMALL_SERVICE, HistoryEntry.Kind.LARGE_SERVICE)
CHUNK_SIZE = 500


def active_customer_cars() -> QuerySet[Passport]:
    """Cars of owners who have activated them: the only cars that get reminders or promotions
    (a stock car is the garage's own; a car awaiting activation is not yet the owner's)."""
    return Passport.objects.active().filter(owner__is_active=True)


def with_last_maintenance(queryset: QuerySet[Passport]) -> QuerySet[Passport]:
    """Annotate the id, date and odometer of each car's latest small or large service."""
    latest = HistoryEntry.objects.filter(
        passport=OuterRef("pk"), kind__in=MAINTENANCE_KINDS
    ).order_by("-date", "-id")
    return queryset.annotate(
        last_maintenance_id=Subquery(latest.values("id")[:1]),
        last_maintenance_on=Subquery(latest.values("date")[:1]),
        last_maintenance_km=Subquery(latest.values("odometer_km")[:1]),
    )


def in_chunks(queryset: QuerySet, *, size: int | None = None) -> Iterator[list]:
    """The rows of `queryset` in lists of `size`, by id (keyset: every chunk costs the same)."""
    size = size or CHUNK_SIZE  # read at call time: a test may make chunks small
    last_id = 0
    while True:
        chunk = list(queryset.filter(pk__gt=last_id).order_by("pk")[:size])
        if not chunk:
            return
        yield chunk
        if len(chunk) < size:
            return
        last_id = chunk[-1].pk


def months_before(day: date, months: int) -> date:
    """The same day `months` earlier (the month's last day if it has no such day)."""
    year, month_index = divmod(day.year * 12 + day.month - 1 - months, 12)
    month = month_index + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


# --- Odometer -------------------------------------------------------------------------------


def odometer_readings_many(passports: Iterable[Passport]) -> dict[int, list[tuple[date, int]]]:
    """`autopaspoort.selectors.odometer_readings` for many cars in two queries: registration,
    checks that were not corrected later, and history entries, as (date, km) per passport id."""
    passports = list(passports)
    readings: dict[int, list[tuple[date, int]]] = {passport.pk: [] for passport in passports}
    for passport in passports:
        if passport.initial_odometer_km is not None:
            readings[passport.pk].append(
                (timezone.localdate(passport.created_at), passport.initial_odometer_km)
            )
    if not readings:
        return readings
    checks = StatusCheck.objects.filter(
        passport_id__in=readings, corrections__isnull=True
    ).values_list("passport_id", "performed_at", "odometer_km")
    for passport_id, performed_at, km in checks:
        readings[passport_id].append((timezone.localdate(performed_at), km))
    history = HistoryEntry.objects.filter(passport_id__in=readings).values_list(
        "passport_id", "date", "odometer_km"
    )
    for passport_id, day, km in history:
        readings[passport_id].append((day, km))
    return readings


def estimated_odometer(readings: list[tuple[date, int]], *, today: date) -> int | None:
    """Today's odometer, estimated from the readings: the latest reading plus the days since
    then at the car's average daily distance (first to latest reading). None without readings.
    """
    if not readings:
        return None
    ordered = sorted(readings)
    (first_day, first_km), (last_day, last_km) = ordered[0], ordered[-1]
    days = (last_day - first_day).days
    per_day = max(last_km - first_km, 0) / days if days > 0 else 0
    return round(last_km + per_day * max((today - last_day).days, 0))


# --- Due events -----------------------------------------------------------------------------


@dataclass(frozen=True)
class MaintenanceDue:
    """A car whose maintenance is due, measured from its latest small or large service."""

    entry_id: int
    last_on: date
    by_date: bool
    by_km: bool
    km_since: int | None  # estimated distance since that service


def maintenance_due_many(passports: list[Passport], *, today: date) -> dict[int, MaintenanceDue]:
    """Which of these cars (annotated by `with_last_maintenance`) are due for maintenance: 12
    months since the last service, or an estimated 15,000 km. Two queries for the batch."""
    serviced = [passport for passport in passports if passport.last_maintenance_id is not None]
    readings = odometer_readings_many(serviced)
    date_limit = months_before(today, MAINTENANCE_INTERVAL_MONTHS)
    due = {}
    for passport in serviced:
        estimate = estimated_odometer(readings[passport.pk], today=today)
        km_since = None if estimate is None else max(estimate - passport.last_maintenance_km, 0)
        by_date = passport.last_maintenance_on <= date_limit
        by_km = km_since is not None and km_since >= MAINTENANCE_INTERVAL_KM
        if by_date or by_km:
            due[passport.pk] = MaintenanceDue(
                entry_id=passport.last_maintenance_id,
                last_on=passport.last_maintenance_on,
                by_date=by_date,
                by_km=by_km,
                km_since=km_since,
            )
    return due


def maintenance_due_cars(queryset: QuerySet[Passport], *, today: date) -> Iterator[Passport]:
    """The cars of `queryset` whose maintenance is due, read in chunks (for a segment)."""
    serviced = with_last_maintenance(queryset).filter(last_maintenance_id__isnull=False)
    for chunk in in_chunks(serviced):
        due = maintenance_due_many(chunk, today=today)
        yield from (passport for passport in chunk if passport.pk in due)

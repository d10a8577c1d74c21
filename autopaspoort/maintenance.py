"""When a car's maintenance is due, and whose cars are reached: the passport's rules, read by
the reminder job and by the promotions' "maintenance due" segment alike.

Everything here works on batches of cars (a chunk of a job, a garage's segment): a few queries
per batch whatever its size, never one per car. `maintenance_due_many` is the one definition of
"maintenance due".
"""

import calendar
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date, timedelta

from django.db.models import OuterRef, QuerySet, Subquery
from django.utils import timezone

from autopaspoort.models import HistoryEntry, Passport, StatusCheck

MAINTENANCE_INTERVAL_MONTHS = 12
MAINTENANCE_INTERVAL_KM = 15_000
# From this many services on, a car's own rhythm replaces the fixed interval above: the median
# gap between its consecutive services (the network's figures use the same rule).
OWN_INTERVAL_MIN_SERVICES = 3
DAYS_PER_MONTH = 30.4375
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
    last_day, last_km = max(readings)
    return round(last_km + daily_distance(readings) * max((today - last_day).days, 0))


def daily_distance(readings: list[tuple[date, int]]) -> float:
    """The car's average km per day from its first to its latest reading (0 if unknown)."""
    if not readings:
        return 0
    ordered = sorted(readings)
    (first_day, first_km), (last_day, last_km) = ordered[0], ordered[-1]
    days = (last_day - first_day).days
    return max(last_km - first_km, 0) / days if days > 0 else 0


# --- The car's own interval ------------------------------------------------------------------


@dataclass(frozen=True)
class OwnInterval:
    """The median gap between a car's consecutive small or large services."""

    days: float
    km: float
    services: int

    @property
    def months(self) -> float:
        return self.days / DAYS_PER_MONTH


def _median(values: list) -> float:
    ordered = sorted(values)
    middle = len(ordered) // 2
    if len(ordered) % 2:
        return float(ordered[middle])
    return (ordered[middle - 1] + ordered[middle]) / 2


def own_intervals_many(passport_ids: Iterable[int], *, today: date) -> dict[int, OwnInterval]:
    """The own interval of each car with at least OWN_INTERVAL_MIN_SERVICES services up to
    `today` (one query for the batch). Gaps are taken in (date, id) order, as the network's
    SQL does, so both give the same figure."""
    services: dict[int, list[tuple[date, int]]] = {}
    entries = (
        HistoryEntry.objects.filter(
            passport_id__in=list(passport_ids), kind__in=MAINTENANCE_KINDS, date__lte=today
        )
        .order_by("passport_id", "date", "id")
        .values_list("passport_id", "date", "odometer_km")
    )
    for passport_id, day, km in entries:
        services.setdefault(passport_id, []).append((day, km))
    intervals = {}
    for passport_id, rows in services.items():
        if len(rows) < OWN_INTERVAL_MIN_SERVICES:
            continue
        pairs = list(zip(rows, rows[1:], strict=False))
        intervals[passport_id] = OwnInterval(
            days=_median([(later[0] - earlier[0]).days for earlier, later in pairs]),
            km=_median([later[1] - earlier[1] for earlier, later in pairs]),
            services=len(rows),
        )
    return intervals


# --- Due events -----------------------------------------------------------------------------


@dataclass(frozen=True)
class MaintenanceDue:
    """A car whose maintenance is due, measured from its latest small or large service."""

    entry_id: int
    last_on: date
    by_date: bool
    by_km: bool
    km_since: int | None  # estimated distance since that service
    own_interval: OwnInterval | None = None  # the car's own rhythm, when it replaced the fixed one


def maintenance_due_many(passports: list[Passport], *, today: date) -> dict[int, MaintenanceDue]:
    """Which of these cars (annotated by `with_last_maintenance`) are due for maintenance: by
    the car's own interval once it has OWN_INTERVAL_MIN_SERVICES services, else 12 months since
    the last service or an estimated 15,000 km. Three queries for the batch."""
    serviced = [passport for passport in passports if passport.last_maintenance_id is not None]
    readings = odometer_readings_many(serviced)
    own = own_intervals_many([passport.pk for passport in serviced], today=today)
    due = {}
    for passport in serviced:
        estimate = estimated_odometer(readings[passport.pk], today=today)
        km_since = None if estimate is None else max(estimate - passport.last_maintenance_km, 0)
        interval = own.get(passport.pk)
        by_date = due_by_date(passport.last_maintenance_on, interval, today=today)
        by_km = km_since is not None and km_since >= interval_km(interval)
        if by_date or by_km:
            due[passport.pk] = MaintenanceDue(
                entry_id=passport.last_maintenance_id,
                last_on=passport.last_maintenance_on,
                by_date=by_date,
                by_km=by_km,
                km_since=km_since,
                own_interval=interval,
            )
    return due


def due_by_date(last_on: date, interval: OwnInterval | None, *, today: date) -> bool:
    if interval is None:
        return last_on <= months_before(today, MAINTENANCE_INTERVAL_MONTHS)
    return last_on + timedelta(days=round(interval.days)) <= today


def next_due_on(last_on: date, interval: OwnInterval | None) -> date:
    """When the next service is due by time: the car's own interval after the last service,
    else the same day 12 months later."""
    if interval is None:
        return months_before(last_on, -MAINTENANCE_INTERVAL_MONTHS)
    return last_on + timedelta(days=round(interval.days))


def interval_km(interval: OwnInterval | None) -> int:
    if interval is None or interval.km <= 0:
        return MAINTENANCE_INTERVAL_KM
    return round(interval.km)


def maintenance_due_cars(queryset: QuerySet[Passport], *, today: date) -> Iterator[Passport]:
    """The cars of `queryset` whose maintenance is due, read in chunks (for a segment)."""
    serviced = with_last_maintenance(queryset).filter(last_maintenance_id__isnull=False)
    for chunk in in_chunks(serviced):
        due = maintenance_due_many(chunk, today=today)
        yield from (passport for passport in chunk if passport.pk in due)


# --- The date the next maintenance is likely due (the dashboard's "due soon" list) -----------


def maintenance_due_dates(passports: list[Passport], *, today: date) -> dict[int, date | None]:
    """For cars annotated by `with_last_maintenance`: the day the next service is likely due,
    whichever comes first of the time (own interval, else 12 months) and the distance (own
    interval, else 15,000 km, at the car's average daily distance). None without a service.
    Three queries for the batch."""
    serviced = [passport for passport in passports if passport.last_maintenance_id is not None]
    readings = odometer_readings_many(serviced)
    own = own_intervals_many([passport.pk for passport in serviced], today=today)
    dates: dict[int, date | None] = {passport.pk: None for passport in passports}
    for passport in serviced:
        interval = own.get(passport.pk)
        due = next_due_on(passport.last_maintenance_on, interval)
        per_day = daily_distance(readings[passport.pk])
        if per_day > 0:
            by_km = passport.last_maintenance_on + timedelta(
                days=round(interval_km(interval) / per_day)
            )
            due = min(due, by_km)
        dates[passport.pk] = due
    return dates


def maintenance_due_on_refresh(queryset: QuerySet[Passport], *, today: date) -> int:
    """Write `Passport.maintenance_due_on` for the cars of `queryset` (in chunks); the only
    writer of that field: the history and check services call it for their car, the nightly
    job for every car (the estimate moves with time). Returns how many changed."""
    changed = 0
    for chunk in in_chunks(with_last_maintenance(queryset)):
        dates = maintenance_due_dates(chunk, today=today)
        updates = []
        for passport in chunk:
            if passport.maintenance_due_on != dates[passport.pk]:
                passport.maintenance_due_on = dates[passport.pk]
                updates.append(passport)
        Passport.objects.bulk_update(updates, ["maintenance_due_on"])
        changed += len(updates)
        # The dashboard's "maintenance likely due" (services imports this module).
        from autopaspoort.services import dashboard_summary_changed

        for garage_id in {passport.garage_id for passport in updates}:
            dashboard_summary_changed(garage_id)
    return changed

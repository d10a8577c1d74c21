"""The nightly computation of the network's figures (`network_figures_compute`).

Per car (every passport with make, fuel, first admission and odometer):
- **costs**: the sum of its workshop costs (history entries) dated in the last 12 months, for
  cars with at least 12 months of history (an entry dated 365 days ago or earlier);
- **own interval**: the median gap between consecutive small or large services, in months
  (days / 30.4375) and km, for cars with at least `OWN_INTERVAL_MIN_SERVICES` services (the
  same rule as `autopaspoort.maintenance.own_intervals_many`, which reminders use);
- **findings**: for cars with a latest status check, the component groups it rated "now".

Per cell (level x make x model x fuel x age band x mileage band, `network.bands`): the 25th,
50th and 75th percentile of the costs, the median interval, and the share of checked cars with
a "now" finding per group, each published only under the rule in `network.bands` (at least 20
cars from at least 3 garages, no garage above half of them). On PostgreSQL it is SQL
(one temporary table of cars, `GROUPING SETS`, `percentile_cont`); elsewhere (SQLite, the
embedded default) the same in Python. The table is replaced in one transaction, under a lock,
so a page never sees half a night and two runs at once write one result.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.db import connection, transaction
from django.db.models import Min

from autopaspoort.maintenance import (
    MAINTENANCE_KINDS,
    OWN_INTERVAL_MIN_SERVICES,
    own_intervals_many,
)
from autopaspoort.models import HistoryEntry, Passport, StatusCheckItem
from network import bands
from network.bands import COMPONENT_GROUPS, Level
from network.models import NetworkFigure
from network.percentiles import as_cents, median, percentile_cont

DAYS_PER_MONTH = 30.4375
LOCK_KEY = 7_021_001  # pg_advisory_xact_lock key of this job


@dataclass
class Cell:
    cars: int = 0
    garages: set = field(default_factory=set)
    per_garage: dict = field(default_factory=lambda: defaultdict(lambda: [0, 0, 0, 0]))
    costs: list = field(default_factory=list)
    cost_garages: set = field(default_factory=set)
    months: list = field(default_factory=list)
    kms: list = field(default_factory=list)
    interval_garages: set = field(default_factory=set)
    checked: int = 0
    checked_garages: set = field(default_factory=set)
    now: dict = field(default_factory=lambda: defaultdict(int))


@dataclass(frozen=True)
class Run:
    computed_on: date
    cells: int  # cells stored (with at least one published figure)
    cars: int  # cars looked at
    skipped: bool = False  # already computed today


def publishable(*, cars: int, garages: int, top_garage: int) -> bool:
    """The publication rule of `network.bands` for one figure."""
    return (
        cars >= bands.MIN_CARS
        and garages >= bands.MIN_GARAGES
        and top_garage <= cars * bands.MAX_GARAGE_SHARE
    )


def _figure(key, *, computed_on, totals, cost, interval, findings) -> NetworkFigure | None:
    """A row for the cell, with only its publishable figures; None when none is."""
    if cost is None and interval is None and findings is None:
        return None
    level, make, model, fuel, age, km = key
    row = NetworkFigure(
        computed_on=computed_on,
        level=level,
        make=make,
        model=model,
        fuel=fuel,
        age_band=age,
        km_band=km,
        cars=totals[0],
        garages=totals[1],
    )
    if cost is not None:
        row.cost_cars, row.cost_p25, row.cost_median, row.cost_p75 = cost
    if interval is not None:
        row.interval_cars, row.interval_months, row.interval_km = interval
    if findings is not None:
        row.checked_cars, row.findings = findings
    return row


def _round_months(value) -> float | None:
    return None if value is None else round(value, 1)


# --- Python path (SQLite, and the reference the PostgreSQL path is tested against) ----------


def _cars_python(today: date):
    since = today - timedelta(days=365)
    passports = list(
        Passport.objects.exclude(make="")
        .exclude(fuel="")
        .filter(first_admission__isnull=False, odometer_km__isnull=False)
        .values(
            "pk",
            "garage_id",
            "make",
            "model",
            "fuel",
            "first_admission",
            "odometer_km",
            "latest_check_id",
        )
    )
    ids = [row["pk"] for row in passports]
    history = {
        row["passport_id"]: row
        for row in HistoryEntry.objects.filter(passport_id__in=ids, date__lte=today)
        .values("passport_id")
        .annotate(first_day=Min("date"))
    }
    costs = defaultdict(float)
    for passport_id, cost in HistoryEntry.objects.filter(
        passport_id__in=ids, date__gt=since, date__lte=today
    ).values_list("passport_id", "cost"):
        costs[passport_id] += float(cost)
    intervals = own_intervals_many(ids, today=today)
    now_components = defaultdict(set)
    checked = set()
    check_ids = {row["latest_check_id"]: row["pk"] for row in passports if row["latest_check_id"]}
    for check_id, component, rating in StatusCheckItem.objects.filter(
        status_check_id__in=check_ids
    ).values_list("status_check_id", "component", "rating"):
        checked.add(check_ids[check_id])
        if rating == StatusCheckItem.Rating.NOW:
            now_components[check_ids[check_id]].add(component)
    for row in passports:
        first_day = history.get(row["pk"], {}).get("first_day")
        interval = intervals.get(row["pk"])
        yield {
            "garage": row["garage_id"],
            "keys": bands.cell_keys(
                make=row["make"],
                model=row["model"],
                fuel=row["fuel"],
                age=bands.age_band(row["first_admission"], today),
                km=bands.km_band(row["odometer_km"]),
            ),
            "cost": round(costs[row["pk"]], 2) if first_day and first_day <= since else None,
            "months": interval.days / DAYS_PER_MONTH if interval else None,
            "km": interval.km if interval else None,
            "checked": row["pk"] in checked,
            "now": now_components[row["pk"]],
        }


def _figures_python(today: date) -> tuple[list[NetworkFigure], int]:
    cells: dict[tuple, Cell] = defaultdict(Cell)
    cars = 0
    for car in _cars_python(today):
        cars += 1
        for key in car["keys"]:
            cell = cells[key]
            garage = car["garage"]
            cell.cars += 1
            cell.garages.add(garage)
            counts = cell.per_garage[garage]
            counts[0] += 1
            if car["cost"] is not None:
                cell.costs.append(car["cost"])
                cell.cost_garages.add(garage)
                counts[1] += 1
            if car["months"] is not None:
                cell.months.append(car["months"])
                cell.kms.append(car["km"])
                cell.interval_garages.add(garage)
                counts[2] += 1
            if car["checked"]:
                cell.checked += 1
                cell.checked_garages.add(garage)
                counts[3] += 1
                for group, components in COMPONENT_GROUPS.items():
                    if car["now"] & set(components):
                        cell.now[group] += 1
    rows = []
    for key, cell in cells.items():
        top = [max(counts[i] for counts in cell.per_garage.values()) for i in range(4)]
        cost = interval = findings = None
        if publishable(cars=len(cell.costs), garages=len(cell.cost_garages), top_garage=top[1]):
            cost = (
                len(cell.costs),
                as_cents(percentile_cont(cell.costs, 0.25)),
                as_cents(percentile_cont(cell.costs, 0.5)),
                as_cents(percentile_cont(cell.costs, 0.75)),
            )
        if publishable(
            cars=len(cell.months), garages=len(cell.interval_garages), top_garage=top[2]
        ):
            interval = (
                len(cell.months),
                _round_months(median(cell.months)),
                round(median(cell.kms)),
            )
        if publishable(cars=cell.checked, garages=len(cell.checked_garages), top_garage=top[3]):
            findings = (
                cell.checked,
                {group: round(cell.now[group] / cell.checked, 3) for group in COMPONENT_GROUPS},
            )
        row = _figure(
            key,
            computed_on=today,
            totals=(cell.cars, len(cell.garages)),
            cost=cost,
            interval=interval,
            findings=findings,
        )
        if row is not None:
            rows.append(row)
    return rows, cars


# --- PostgreSQL path ---------------------------------------------------------------------------


def _band_case(expression: str, band_list) -> str:
    cases = " ".join(
        f"WHEN {expression} >= {lower} THEN '{label}'" for lower, label in reversed(band_list)
    )
    return f"CASE {cases} ELSE '{band_list[0][1]}' END"


CARS_SQL = """
CREATE TEMPORARY TABLE network_car ON COMMIT DROP AS
WITH hist AS (
    SELECT passport_id,
           min(date) AS first_day,
           coalesce(sum(cost) FILTER (WHERE date > %(since)s), 0) AS cost_12m
    FROM autopaspoort_historyentry
    WHERE date <= %(today)s
    GROUP BY passport_id
),
gaps AS (
    SELECT passport_id,
           date - lag(date) OVER w AS days,
           odometer_km - lag(odometer_km) OVER w AS km
    FROM autopaspoort_historyentry
    WHERE kind = ANY(%(kinds)s) AND date <= %(today)s
    WINDOW w AS (PARTITION BY passport_id ORDER BY date, id)
),
own AS (
    SELECT passport_id,
           percentile_cont(0.5) WITHIN GROUP (ORDER BY days) AS days,
           percentile_cont(0.5) WITHIN GROUP (ORDER BY km) AS km
    FROM gaps
    WHERE days IS NOT NULL
    GROUP BY passport_id
    HAVING count(*) >= %(min_gaps)s
),
checks AS (
    SELECT p.id AS passport_id,
           coalesce(array_agg(i.component::text) FILTER (WHERE i.rating = 'now'), '{}') AS now
    FROM autopaspoort_passport p
    JOIN autopaspoort_statuscheckitem i ON i.status_check_id = p.latest_check_id
    GROUP BY p.id
)
SELECT p.id,
       p.garage_id,
       upper(trim(p.make)) AS make,
       upper(trim(p.model)) AS model,
       trim(p.fuel) AS fuel,
       AGE_BAND AS age_band,
       KM_BAND AS km_band,
       CASE WHEN h.first_day <= %(since)s THEN h.cost_12m END AS cost,
       own.days / %(days_per_month)s AS months,
       own.km AS km,
       c.passport_id IS NOT NULL AS checked,
       coalesce(c.now, '{}') AS now
FROM autopaspoort_passport p
LEFT JOIN hist h ON h.passport_id = p.id
LEFT JOIN own ON own.passport_id = p.id
LEFT JOIN checks c ON c.passport_id = p.id
WHERE p.make <> '' AND p.fuel <> '' AND p.first_admission IS NOT NULL
  AND p.odometer_km IS NOT NULL
"""

SETS = """GROUPING SETS (
    (make, model, fuel, age_band, km_band{extra}),
    (make, fuel, age_band, km_band{extra}),
    (fuel, age_band, km_band{extra})
)"""


def _cells_sql() -> str:
    groups = ", ".join(
        f"count(*) FILTER (WHERE checked AND now && ARRAY{list(components)}::text[])"
        for components in COMPONENT_GROUPS.values()
    )
    return f"""
    SELECT GROUPING(make, model) AS g, make, model, fuel, age_band, km_band,
           count(*), count(DISTINCT garage_id),
           count(cost), count(DISTINCT garage_id) FILTER (WHERE cost IS NOT NULL),
           percentile_cont(0.25) WITHIN GROUP (ORDER BY cost),
           percentile_cont(0.5) WITHIN GROUP (ORDER BY cost),
           percentile_cont(0.75) WITHIN GROUP (ORDER BY cost),
           count(months), count(DISTINCT garage_id) FILTER (WHERE months IS NOT NULL),
           percentile_cont(0.5) WITHIN GROUP (ORDER BY months),
           percentile_cont(0.5) WITHIN GROUP (ORDER BY km),
           count(*) FILTER (WHERE checked), count(DISTINCT garage_id) FILTER (WHERE checked),
           {groups}
    FROM network_car
    GROUP BY {SETS.format(extra="")}
    """  # noqa: S608 - made of the code's own constants, no input


TOP_SQL = f"""
SELECT g, make, model, fuel, age_band, km_band, max(n), max(n_cost), max(n_interval), max(n_checked)
FROM (
    SELECT GROUPING(make, model) AS g, make, model, fuel, age_band, km_band, garage_id,
           count(*) AS n, count(cost) AS n_cost, count(months) AS n_interval,
           count(*) FILTER (WHERE checked) AS n_checked
    FROM network_car
    GROUP BY {SETS.format(extra=", garage_id")}
) AS per_garage
GROUP BY g, make, model, fuel, age_band, km_band
"""  # noqa: S608 - made of the code's own constants, no input

LEVEL_OF_GROUPING = {0: Level.MODEL, 1: Level.MAKE_FUEL, 3: Level.FUEL}


def _key(g, make, model, fuel, age, km) -> tuple:
    return (LEVEL_OF_GROUPING[g], make or "", model or "", fuel, age, km)


def _figures_postgres(today: date) -> tuple[list[NetworkFigure], int]:
    since = today - timedelta(days=365)
    age_case = _band_case(
        "date_part('year', age(%(today)s::date, p.first_admission))", bands.AGE_BANDS
    )
    km_case = _band_case("p.odometer_km", bands.KM_BANDS)
    params = {
        "today": today,
        "since": since,
        "kinds": list(MAINTENANCE_KINDS),
        "min_gaps": OWN_INTERVAL_MIN_SERVICES - 1,
        "days_per_month": DAYS_PER_MONTH,
    }
    with connection.cursor() as cursor:
        cursor.execute(CARS_SQL.replace("AGE_BAND", age_case).replace("KM_BAND", km_case), params)
        cars = cursor.rowcount
        cursor.execute(TOP_SQL)
        tops = {_key(*row[:6]): row[6:] for row in cursor.fetchall()}
        cursor.execute(_cells_sql())
        cells = cursor.fetchall()
        cursor.execute("DROP TABLE network_car")
    rows = []
    for row in cells:
        key = _key(*row[:6])
        (
            total,
            garages,
            n_cost,
            cost_garages,
            p25,
            p50,
            p75,
            n_int,
            int_garages,
            months,
            km,
            checked,
            checked_garages,
            *now,
        ) = row[6:]
        top = tops[key]
        cost = interval = findings = None
        if publishable(cars=n_cost, garages=cost_garages, top_garage=top[1]):
            cost = (n_cost, as_cents(p25), as_cents(p50), as_cents(p75))
        if publishable(cars=n_int, garages=int_garages, top_garage=top[2]):
            interval = (n_int, _round_months(months), round(km))
        if publishable(cars=checked, garages=checked_garages, top_garage=top[3]):
            findings = (
                checked,
                {
                    group: round(count / checked, 3)
                    for group, count in zip(COMPONENT_GROUPS, now, strict=True)
                },
            )
        figure = _figure(
            key,
            computed_on=today,
            totals=(total, garages),
            cost=cost,
            interval=interval,
            findings=findings,
        )
        if figure is not None:
            rows.append(figure)
    return rows, cars


def network_figures(today: date, *, path: str | None = None) -> tuple[list[NetworkFigure], int]:
    """The figures as of `today` (unsaved rows) and the number of cars looked at. `path`
    forces "python" or "postgres" (tests compare the two); by default the database decides."""
    path = path or ("postgres" if connection.vendor == "postgresql" else "python")
    with transaction.atomic():  # the temporary table lives in this transaction
        return _figures_postgres(today) if path == "postgres" else _figures_python(today)


def network_figures_compute(*, today: date, force: bool = False) -> Run:
    """Replace the published figures with those of `today`. Once a day: a second run the same
    day does nothing unless `force`. Runs at once are serialised by a lock."""
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(%s)", [LOCK_KEY])
        if not force and NetworkFigure.objects.filter(computed_on=today).exists():
            return Run(computed_on=today, cells=0, cars=0, skipped=True)
        rows, cars = network_figures(today)
        NetworkFigure.objects.all().delete()
        NetworkFigure.objects.bulk_create(rows, batch_size=2000)
    return Run(computed_on=today, cells=len(rows), cars=cars)

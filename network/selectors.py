"""What the network's figures say about one car: its cell's figures at the most specific level
that has them (model, then make + fuel, then fuel), read with one index probe."""

from dataclasses import dataclass
from datetime import date

from django.db.models import Q

from autopaspoort.maintenance import own_intervals_many
from network import bands
from network.bands import COMPONENT_LABELS, Level
from network.models import NetworkFigure

LIKELY_SHARE = 0.10  # a component group is "likely" from this share of cars with a finding
LIKELY_MAX = 3


@dataclass(frozen=True)
class CostRange:
    low: object  # Decimal: the 25th percentile
    typical: object  # the median
    high: object  # the 75th percentile
    cars: int
    level: str


@dataclass(frozen=True)
class Likely:
    group: str
    label: str
    share: float  # 0..1
    cars: int  # checked cars behind the share

    @property
    def percent(self) -> int:
        return round(self.share * 100)


@dataclass(frozen=True)
class TypicalInterval:
    months: object
    km: int
    cars: int
    level: str


@dataclass(frozen=True)
class Expectation:
    cost: CostRange | None
    likely: list[Likely]
    interval: TypicalInterval | None

    def __bool__(self) -> bool:
        return bool(self.cost or self.likely or self.interval)


NOTHING = Expectation(cost=None, likely=[], interval=None)


def car_cell_keys(passport, *, today: date) -> list[tuple] | None:
    if not (passport.make and passport.fuel and passport.first_admission) or (
        passport.odometer_km is None
    ):
        return None
    return bands.cell_keys(
        make=passport.make,
        model=passport.model,
        fuel=passport.fuel,
        age=bands.age_band(passport.first_admission, today),
        km=bands.km_band(passport.odometer_km),
    )


def expectation_for(passport, *, today: date) -> Expectation:
    """The network's figures for `passport` (one query; none for a car without make, fuel,
    first admission or odometer)."""
    keys = car_cell_keys(passport, today=today)
    if keys is None:
        return NOTHING
    match = Q()
    for level, make, model, fuel, age, km in keys:
        match |= Q(level=level, make=make, model=model, fuel=fuel, age_band=age, km_band=km)
    found = {row.level: row for row in NetworkFigure.objects.filter(match)}
    ordered = [found[level] for level in Level.ORDER if level in found]
    cost_row = next((row for row in ordered if row.cost_median is not None), None)
    interval_row = next((row for row in ordered if row.interval_months is not None), None)
    findings_row = next((row for row in ordered if row.findings), None)
    likely = []
    if findings_row is not None:
        shares = sorted(findings_row.findings.items(), key=lambda item: -item[1])
        likely = [
            Likely(
                group=group,
                label=str(COMPONENT_LABELS.get(group, group)),
                share=share,
                cars=findings_row.checked_cars,
            )
            for group, share in shares
            if share >= LIKELY_SHARE
        ][:LIKELY_MAX]
    return Expectation(
        cost=CostRange(
            low=cost_row.cost_p25,
            typical=cost_row.cost_median,
            high=cost_row.cost_p75,
            cars=cost_row.cost_cars,
            level=cost_row.level,
        )
        if cost_row
        else None,
        likely=likely,
        interval=TypicalInterval(
            months=interval_row.interval_months,
            km=interval_row.interval_km,
            cars=interval_row.interval_cars,
            level=interval_row.level,
        )
        if interval_row
        else None,
    )


@dataclass(frozen=True)
class Outlook:
    """ "What to expect in the next 12 months" for one car: the network's figures for its kind
    of car, and its next maintenance by its own history."""

    expectation: Expectation
    maintenance_due_on: date | None
    own_interval: object  # autopaspoort.maintenance.OwnInterval, or None (the fixed rule)

    def __bool__(self) -> bool:
        return bool(self.expectation) or self.maintenance_due_on is not None


def car_outlook(passport, *, today: date) -> Outlook:
    """Two queries: the network's cells for the car, and its own service interval."""
    return Outlook(
        expectation=expectation_for(passport, today=today),
        maintenance_due_on=passport.maintenance_due_on,
        own_interval=own_intervals_many([passport.pk], today=today).get(passport.pk),
    )

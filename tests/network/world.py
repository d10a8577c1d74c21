"""Cars of the network for the tests: each with a garage, make, model, fuel, age, odometer, a
history (costs, services) and optionally a latest check with findings, written in bulk."""

from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from autopaspoort.models import HistoryEntry, Passport, StatusCheck, StatusCheckItem
from tests.autopaspoort.factories import PassportFactory

TODAY = date(2026, 12, 5)


@dataclass
class Car:
    garage: object
    make: str = "VOLKSWAGEN"
    model: str = "GOLF"
    fuel: str = "Benzine"
    age_years: int = 7
    km: int = 90_000
    cost: str | None = "500.00"  # workshop costs of the last 12 months (None: no full year)
    services: list = field(default_factory=list)  # [(days ago, km)] small services
    now: tuple = ()  # components rated "now" on the latest check
    checked: bool = False


def make_cars(cars: list[Car]) -> list[Passport]:
    made = []
    entries = []
    for car in cars:
        passport = PassportFactory(
            garage=car.garage,
            make=car.make,
            model=car.model,
            fuel=car.fuel,
            first_admission=TODAY.replace(year=TODAY.year - car.age_years) - timedelta(days=30),
            odometer_km=car.km,
            initial_odometer_km=car.km,
        )
        made.append(passport)
        staff = car.garage.account_user

        def entry(
            days_ago, km, cost, kind=HistoryEntry.Kind.REPAIR, passport=passport, staff=staff
        ):
            return HistoryEntry(
                passport=passport,
                garage=passport.garage,
                kind=kind,
                date=TODAY - timedelta(days=days_ago),
                odometer_km=km,
                description="werk",
                cost=Decimal(cost),
                created_by=staff,
            )

        if car.cost is not None:
            entries.append(entry(400, max(car.km - 20_000, 0), "0.00"))  # a full year of history
            entries.append(entry(100, max(car.km - 5_000, 0), car.cost))
        for days_ago, km in car.services:
            entries.append(entry(days_ago, km, "0.00", kind=HistoryEntry.Kind.SMALL_SERVICE))
        if car.checked or car.now:
            check = StatusCheck.objects.create(
                passport=passport, garage=passport.garage, performed_by=staff, odometer_km=car.km
            )
            StatusCheckItem.objects.bulk_create(
                [StatusCheckItem(status_check=check, component="lights", rating="ok")]
                + [
                    StatusCheckItem(
                        status_check=check,
                        component=component,
                        rating="now",
                        estimated_cost=Decimal("100"),
                    )
                    for component in car.now
                ]
            )
            Passport.objects.filter(pk=passport.pk).update(latest_check=check)
    HistoryEntry.objects.bulk_create(entries)
    return made


def spread(garages, count: int, **fields) -> list[Car]:
    """`count` cars shared round-robin over `garages`, with the same `fields`."""
    return [Car(garage=garages[i % len(garages)], **fields) for i in range(count)]

"""The demo's network: three more garages with cars like the demo's (VW Golf petrol, Skoda
Octavia diesel), with a few years of workshop history and a status check each, so the network's
figures (issue 21) have cells that meet the publication rule (20 cars from 3 garages) and the
demo cars show expected costs. Written in bulk, like the benchmark's generator (no RDW
lookups are queued: the vehicle data is the seed's); nobody logs in to these garages."""

import random
import secrets
from datetime import date, timedelta
from decimal import Decimal

from django.utils import timezone

from autopaspoort.models import HistoryEntry, Passport, StatusCheck, StatusCheckItem
from garage.models import Garage
from garage.services import garage_create

GARAGES = [
    ("Autobedrijf Noord (demo-netwerk)", "noord@example.com"),
    ("Garage Oost (demo-netwerk)", "oost@example.com"),
    ("Autoservice Zuid (demo-netwerk)", "zuid@example.com"),
]
# (make, model, fuel, first admission between, km between, yearly cost around, months between)
MODELS = [
    ("VOLKSWAGEN", "GOLF", "Benzine", (2018, 2020), (62_000, 118_000), 520, 12),
    ("SKODA", "OCTAVIA", "Diesel", (2017, 2020), (70_000, 119_000), 780, 10),
]
CARS_PER_GARAGE = 9  # per model: 27 per model in the network, from 3 garages
FINDINGS = ["brakes_front", "brakes_rear", "tyres_front", "tyres_rear", "battery", "wipers"]


def seed_network(today: date) -> None:
    if Garage.objects.filter(account_user__email=GARAGES[0][1]).exists():
        return
    rng = random.Random(2026)
    serial = 0
    for name, email in GARAGES:
        garage = garage_create(
            name=name, email=email, password=secrets.token_urlsafe(24), city="Utrecht"
        )
        admin = garage.account_user
        for make, model, fuel, years, kms, yearly, months in MODELS:
            plates = []
            for _ in range(CARS_PER_GARAGE):
                serial += 1
                plates.append(f"ZZ-{serial // 100 % 100:02d}-{serial % 100:02d}")
            now = timezone.now()
            cars = Passport.objects.bulk_create(
                Passport(
                    plate=plate,
                    garage=garage,
                    state=Passport.State.STOCK,
                    owner=admin,
                    owner_name=garage.name,
                    activated_at=now,
                    initial_odometer_km=km,
                    odometer_km=km,
                    odometer_read_on=today,
                    created_by=admin,
                )
                for plate, km in ((plate, rng.randrange(*kms)) for plate in plates)
            )
            _fill(
                cars,
                rng=rng,
                today=today,
                admin=admin,
                make=make,
                model=model,
                fuel=fuel,
                years=years,
                yearly=yearly,
                months=months,
            )


def _fill(cars, *, rng, today, admin, make, model, fuel, years, yearly, months):
    entries = []
    for car in cars:
        car.make, car.model, car.fuel = make, model, fuel
        car.first_admission = date(rng.randrange(*years), rng.randrange(1, 13), 15)
        car.rdw_status = Passport.RdwStatus.FOUND
        interval = months * 30 + rng.randrange(-20, 21)
        per_day = car.odometer_km / max((today - car.first_admission).days, 1)
        for step in range(4):  # four services, the last one a little while ago
            days_ago = 40 + rng.randrange(0, 60) + step * interval
            entries.append(
                HistoryEntry(
                    passport=car,
                    garage=car.garage,
                    kind=HistoryEntry.Kind.SMALL_SERVICE,
                    date=today - timedelta(days=days_ago),
                    odometer_km=max(round(car.odometer_km - per_day * days_ago), 0),
                    description="Kleine beurt",
                    cost=Decimal(round(yearly * rng.uniform(0.5, 1.6), 2)).quantize(
                        Decimal("0.01")
                    ),
                    created_by=admin,
                )
            )
        check = StatusCheck.objects.create(
            passport=car, garage=car.garage, performed_by=admin, odometer_km=car.odometer_km
        )
        StatusCheckItem.objects.bulk_create(
            StatusCheckItem(
                status_check=check,
                component=component,
                rating="now" if rng.random() < 0.25 else "ok",
                estimated_cost=Decimal("150.00"),
            )
            for component in FINDINGS
        )
        car.latest_check = check
    Passport.objects.bulk_update(
        cars, ["make", "model", "fuel", "first_admission", "rdw_status", "latest_check"]
    )
    HistoryEntry.objects.bulk_create(entries)

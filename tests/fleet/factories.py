"""Fleets, their managers and their cars for the tests.

`FleetFactory` makes a business customer's fleet serviced by the garages passed as `garages`;
a garage's stock fleet comes from `fleet.services.stock_fleet_for`, as in the app. Cars are put
in a fleet through `fleet.services.fleet_link` (`link`, `fleet_car`), which writes the period
record the tests are about; only the query-count tests write hundreds of cars in bulk.
"""

from datetime import timedelta
from decimal import Decimal

import factory
from django.urls import reverse
from django.utils import timezone
from factory.django import DjangoModelFactory

from autopaspoort.models import Passport, StatusCheck, StatusCheckItem
from fleet.models import FleetAccount, FleetLink, FleetMembership
from fleet.services import (
    fleet_link,
    fleet_link_request,
    fleet_link_request_answer,
    fleet_unlink,
    owner_consents_by_being,
)
from tests.accounts.factories import UserFactory
from tests.autopaspoort.factories import PassportFactory, plate_for

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}
# Plates of bulk-made cars start here, far above what PassportFactory's sequence reaches.
BULK_PLATES_FROM = 1_000_000


class FleetFactory(DjangoModelFactory):
    """A business customer's fleet; `FleetFactory(garages=[garage])` has it serviced there."""

    class Meta:
        model = FleetAccount
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"Wagenpark {n} BV")
    email = factory.Sequence(lambda n: f"wagenpark{n}@example.nl")
    kind = FleetAccount.Kind.BUSINESS
    kvk_number = ""

    @factory.post_generation
    def garages(obj, create, extracted, **kwargs):
        if create and extracted:
            obj.garages.add(*extracted)


class FleetManagerFactory(DjangoModelFactory):
    """A fleet manager (a membership); the person logs in with tests.accounts PASSWORD."""

    class Meta:
        model = FleetMembership

    fleet = factory.SubFactory(FleetFactory)
    user = factory.SubFactory(UserFactory)


def manager_of(fleet, **user_fields):
    """A new person who manages `fleet`."""
    return FleetManagerFactory(fleet=fleet, user=UserFactory(**user_fields)).user


def link(passport, fleet, *, actor=None) -> FleetLink:
    """Link a car the way the app does (as the garage's admin by default): directly for a stock
    car or the fleet's own, else the private owner is asked and accepts in the portal."""
    actor = actor or passport.garage.account_user
    if owner_consents_by_being(passport=passport, fleet=fleet):
        result = fleet_link(passport=passport, fleet=fleet, actor=actor)
    else:
        asked = fleet_link_request(passport=passport, fleet=fleet, actor=actor)
        fleet_link_request_answer(link_request=asked, user=passport.owner, accept=True)
        result = FleetLink.objects.get(passport=passport, unlinked_at__isnull=True)
    passport.refresh_from_db()
    return result


def unlink(passport, *, actor=None) -> None:
    fleet_unlink(passport=passport, actor=actor or passport.garage.account_user)
    passport.refresh_from_db()


def fleet_car(fleet, *, garage, actor=None, **fields) -> Passport:
    """A car of `garage` linked to `fleet`."""
    passport = PassportFactory(garage=garage, **fields)
    link(passport, fleet, actor=actor)
    return passport


def backdate(link_row: FleetLink, *, linked_days_ago: int, unlinked_days_ago: int | None = None):
    """Move a period into the past (the service stamps `now`)."""
    now = timezone.now()
    FleetLink.objects.filter(pk=link_row.pk).update(
        linked_at=now - timedelta(days=linked_days_ago),
        unlinked_at=(
            None if unlinked_days_ago is None else now - timedelta(days=unlinked_days_ago)
        ),
    )
    link_row.refresh_from_db()
    return link_row


def bulk_fleet_cars(fleet, *, garage, count: int, start: int = 0) -> list[Passport]:
    """`count` cars of `garage` in `fleet`, written in bulk (a handful of queries), each with a
    driver, an APK date, an open period and a latest check with a finding now and one soon."""
    today = timezone.localdate()
    account = garage.account_user
    passports = Passport.objects.bulk_create(
        Passport(
            plate=plate_for(BULK_PLATES_FROM + start + n),
            garage=garage,
            state=Passport.State.STOCK,
            owner=account,
            owner_name=garage.name,
            activated_at=timezone.now(),
            fleet=fleet,
            make="VOLKSWAGEN",
            model="GOLF",
            driver_name=f"Bestuurder {n}",
            apk_expires=today + timedelta(days=n % 120),
            odometer_km=50_000,
            created_by=account,
        )
        for n in range(count)
    )
    FleetLink.objects.bulk_create(
        FleetLink(passport=passport, fleet=fleet, linked_by=account) for passport in passports
    )
    checks = StatusCheck.objects.bulk_create(
        StatusCheck(passport=passport, garage=garage, performed_by=account, odometer_km=50_000)
        for passport in passports
    )
    StatusCheckItem.objects.bulk_create(
        StatusCheckItem(
            status_check=check,
            component=component,
            rating=rating,
            estimated_cost=Decimal(cost),
        )
        for check in checks
        for component, rating, cost in (
            (StatusCheckItem.Component.BRAKES_FRONT, StatusCheckItem.Rating.NOW, "120.00"),
            (StatusCheckItem.Component.WIPERS, StatusCheckItem.Rating.SOON, "30.00"),
        )
    )
    for passport, check in zip(passports, checks, strict=True):
        passport.latest_check = check
    Passport.objects.bulk_update(passports, ["latest_check"], batch_size=500)
    return passports


def fleet_url(name: str, fleet, passport_or_plate=None) -> str:
    kwargs = {"fleet_id": fleet.pk}
    if passport_or_plate is not None:
        kwargs["plate"] = getattr(passport_or_plate, "plate", passport_or_plate)
    return reverse(f"fleet:{name}", kwargs=kwargs)


def garage_passport_url(name: str, passport, garage=None) -> str:
    """A garage-side passport page (`autopaspoort:details`, `fleet:link`, ...)."""
    garage_id = garage.pk if garage is not None else passport.garage_id
    return reverse(name, kwargs={"garage_id": garage_id, "plate": passport.plate})

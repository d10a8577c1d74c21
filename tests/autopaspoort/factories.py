"""Passports, checks and history for the tests.

`PassportFactory` writes the row a stock passport has after `services.passport_create` (stock,
linked to the garage account, active, no owner email of its own), without the service's
side effects (no RDW enrichment is enqueued). Tests of the create rules call the service itself.
Status checks are recorded through `services.status_check_record` (`record_check`), because the
service keeps `Passport.latest_check` and the odometer in step; `StatusCheckFactory` exists for
rows a test needs in bulk or in odd shapes.
"""

from datetime import timedelta
from decimal import Decimal

import factory
from django.utils import timezone
from factory.django import DjangoModelFactory

from autopaspoort import services
from autopaspoort.models import HistoryEntry, Passport, StatusCheck, StatusCheckItem
from tests.accounts.factories import UserFactory
from tests.garage.factories import GarageFactory

Component = StatusCheckItem.Component
Rating = StatusCheckItem.Rating

# First letters of generated plates: none of them starts a special plate (AA, CD, ZZ, F/Z+digits).
_PLATE_LETTERS = "BDGHJKLNPRSTVX"


def plate_for(n: int) -> str:
    """A valid, unique sidecode-1 plate (XX-99-99) for every n below 14 * 14 * 10000."""
    first = _PLATE_LETTERS[n // 140_000 % len(_PLATE_LETTERS)]
    second = _PLATE_LETTERS[n // 10_000 % len(_PLATE_LETTERS)]
    return f"{first}{second}-{n // 100 % 100:02d}-{n % 100:02d}"


class PassportFactory(DjangoModelFactory):
    """A stock passport of `garage` (pass `customer=True` for a car of a customer who has
    activated the passport, `awaiting_activation=True` for one who has not yet)."""

    class Meta:
        model = Passport

    class Params:
        customer = factory.Trait(
            state=Passport.State.CUSTOMER,
            owner=factory.SubFactory(
                UserFactory, email=factory.Sequence(lambda n: f"klant{n}@example.nl")
            ),
            owner_name="Klant",
        )
        awaiting_activation = factory.Trait(customer=True, activated_at=None)

    plate = factory.Sequence(plate_for)
    garage = factory.SubFactory(GarageFactory)
    state = Passport.State.STOCK
    owner = factory.LazyAttribute(lambda o: o.garage.account_user)
    owner_name = factory.LazyAttribute(lambda o: o.garage.name)
    activated_at = factory.LazyFunction(timezone.now)
    make = "VOLKSWAGEN"
    model = "GOLF"
    colour = "GRIJS"
    fuel = "Benzine"
    initial_odometer_km = 50_000
    odometer_km = factory.SelfAttribute("initial_odometer_km")
    odometer_read_on = factory.LazyFunction(timezone.localdate)
    created_by = factory.SelfAttribute("owner")


class StatusCheckFactory(DjangoModelFactory):
    """A bare check row; it does not become the passport's latest check by itself."""

    class Meta:
        model = StatusCheck

    passport = factory.SubFactory(PassportFactory)
    garage = factory.SelfAttribute("passport.garage")
    performed_by = factory.SelfAttribute("passport.garage.account_user")
    odometer_km = factory.SelfAttribute("passport.odometer_km")


class StatusCheckItemFactory(DjangoModelFactory):
    class Meta:
        model = StatusCheckItem

    status_check = factory.SubFactory(StatusCheckFactory)
    component = Component.LIGHTS
    rating = Rating.OK
    estimated_cost = Decimal("0.00")


class HistoryEntryFactory(DjangoModelFactory):
    """A history row written directly (no odometer rule): for data the tests only read."""

    class Meta:
        model = HistoryEntry

    passport = factory.SubFactory(PassportFactory)
    garage = factory.SelfAttribute("passport.garage")
    kind = HistoryEntry.Kind.SMALL_SERVICE
    date = factory.LazyFunction(lambda: timezone.localdate() - timedelta(days=30))
    odometer_km = 40_000
    description = "Kleine beurt"
    cost = Decimal("219.00")
    created_by = factory.SelfAttribute("passport.garage.account_user")


def item(component=Component.LIGHTS, rating=Rating.OK, cost="0.00", **kwargs):
    """One finding for `record_check`."""
    return services.CheckItemInput(
        component=component, rating=rating, estimated_cost=Decimal(cost), **kwargs
    )


def record_check(passport, *, actor=None, items=None, odometer_km=None, **kwargs) -> StatusCheck:
    """A status check recorded the way the app records one (and made the latest check)."""
    return services.status_check_record(
        passport=passport,
        actor=actor or passport.garage.account_user,
        odometer_km=passport.odometer_km if odometer_km is None else odometer_km,
        items=items or [item()],
        **kwargs,
    )

"""Tenants for the isolation matrix and the privacy walks (issue 9, items 7 and 8).

`iso_world` is one tenant with everything a URL can point at: garage A with its staff, a car of
owner X (checks, history, a transfer, an appointment), a promotion, an API token, light advice
and a fleet of garage A's with its manager and a car; beside it garage B with its own car, token
and a fleet, and owner Y. Everything is made through the services, as the app makes it.
"""

from dataclasses import dataclass, field

import pytest
from django.apps import apps
from django.db import connection

from accounts.models import User
from appointments.models import Appointment, GarageLightAdvice
from autopaspoort.models import (
    GarageMoveRequest,
    HistoryEntry,
    Passport,
    StatusCheck,
    StatusCheckItem,
)
from autopaspoort.services import garage_move_request
from billing.services import statement_close
from fleet.models import FleetAccount, FleetLinkRequest
from fleet.services import fleet_link_request
from garage.models import ApiToken, Garage, Membership
from garage.services import api_token_create
from promotions.models import Promotion
from sharing.models import ShareLink
from tests.api.conftest import clear_rate_keys
from tests.appointments.factories import advise, ask
from tests.autopaspoort.factories import (
    Component,
    HistoryEntryFactory,
    PassportFactory,
    Rating,
    item,
    record_check,
)
from tests.billing.factories import tariff, usage
from tests.fleet.factories import FleetFactory, fleet_car, manager_of
from tests.garage.factories import MembershipFactory
from tests.photos.factories import add_photos
from tests.promotions.factories import PromotionFactory
from tests.quotes.factories import sent_quote
from tests.sharing.factories import share
from tests.transfers.factories import contact, customer_passport, transfer
from transfers.models import Transfer
from transfers.services import transfer_accept, transfer_confirm

# Project apps whose rows the matrix snapshots (third-party and Django's own tables such as
# sessions change on every login and say nothing about a tenant's data).
SNAPSHOT_APPS = (
    "accounts",
    "garage",
    "autopaspoort",
    "fleet",
    "transfers",
    "notifications",
    "reminders",
    "appointments",
    "promotions",
    "insights",
    "photos",
    "quotes",
    "billing",
)


@dataclass
class IsoWorld:
    garage: Garage
    garage_admin: User
    mechanic_membership: Membership
    car: Passport  # owner X's car, serviced by garage A
    check: StatusCheck
    check_item: StatusCheckItem
    history: HistoryEntry
    transfer: Transfer
    appointment: Appointment
    promotion: Promotion
    api_token: ApiToken
    api_token_raw: str
    light_advice: GarageLightAdvice
    fleet: FleetAccount  # a fleet of garage A's
    fleet_manager: User
    fleet_car: Passport
    link_request: FleetLinkRequest  # garage A asks owner X to let the car join its fleet
    move_request: GarageMoveRequest  # garage B asks owner X to let it service the car
    sale: Transfer  # owner X sold another car privately; the buyer has not accepted yet
    owner_x: User
    owner_y: User
    other_garage: Garage
    other_garage_admin: User
    other_car: Passport  # garage B's stock car
    other_token_raw: str
    other_fleet: FleetAccount
    other_fleet_manager: User
    tokens: list = field(default_factory=list)
    share_link: ShareLink | None = None  # owner X shares the car

    def markers(self) -> list[str]:
        """Strings only garage A's (or owner X's) people may see."""
        return [self.car.plate, self.fleet_car.plate, self.garage.name]


@pytest.fixture
def iso_world(db, garage, other_garage, owner, other_owner, django_capture_on_commit_callbacks):
    admin = garage.account_user
    mechanic = MembershipFactory(garage=garage, role=Membership.Role.MECHANIC, invited_by=admin)
    # Owner X's car: a stock car with a check and history, sold to X (an existing account), who
    # accepted it; then X asked for an appointment.
    car = PassportFactory(garage=garage)
    check = record_check(
        car,
        items=[
            item(Component.BRAKES_FRONT, Rating.NOW, "120.00"),
            item(Component.WIPERS, Rating.SOON, "30.00"),
        ],
    )
    history = HistoryEntryFactory(passport=car)
    with django_capture_on_commit_callbacks(execute=True):
        # A photo of that check, taken before X owned the car: garage A's staff only.
        (photo,) = add_photos(check, item=check.items.order_by("id").first())
        record = transfer(car, owner.email)
        transfer_accept(transfer=record, user=owner)
        car.refresh_from_db()
        appointment = ask(car, owner=owner)
        # A quote garage A sent X about the car (issue 19).
        quote = sent_quote(car)
        sale = transfer_confirm(
            passport=customer_passport(garage, owner),
            contact=contact("koper.x@example.nl"),
            actor=owner,
            via=Transfer.Via.OWNER,
        ).transfer
    token, raw = api_token_create(garage=garage, actor=admin, name="GMS A")
    fleet = FleetFactory(garages=[garage])
    fleet_manager = manager_of(fleet, full_name="Wagenparkbeheerder A")
    in_fleet = fleet_car(fleet, garage=garage)

    other_admin = other_garage.account_user
    other_car = PassportFactory(garage=other_garage)
    customer_passport(other_garage, other_owner)
    other_token, other_raw = api_token_create(garage=other_garage, actor=other_admin, name="GMS B")
    other_fleet = FleetFactory(garages=[other_garage])
    other_manager = manager_of(other_fleet, full_name="Wagenparkbeheerder B")
    fleet_car(other_fleet, garage=other_garage)
    for each in (token, other_token):
        clear_rate_keys(each)

    world = IsoWorld(
        garage=garage,
        garage_admin=admin,
        mechanic_membership=mechanic,
        car=car,
        check=check,
        check_item=check.items.order_by("id").first(),
        history=history,
        transfer=record,
        appointment=appointment,
        promotion=PromotionFactory(garage=garage),
        api_token=token,
        api_token_raw=raw,
        light_advice=advise(garage, "oil_pressure", "Bel ons direct."),
        fleet=fleet,
        fleet_manager=fleet_manager,
        fleet_car=in_fleet,
        link_request=fleet_link_request(passport=car, fleet=fleet, actor=admin),
        move_request=garage_move_request(passport=car, garage=other_garage, actor=other_admin),
        sale=sale,
        owner_x=owner,
        owner_y=other_owner,
        other_garage=other_garage,
        other_garage_admin=other_admin,
        other_car=other_car,
        other_token_raw=other_raw,
        other_fleet=other_fleet,
        other_fleet_manager=other_manager,
        tokens=[token, other_token],
    )
    world.share_link = share(car, actor=owner)
    world.photo = photo
    world.quote = quote
    # Garage A's closed month and its invoice (the billing pages).
    tariff()
    statement, _closed = statement_close(usage_id=usage(garage, active_passports=2).pk)
    world.invoice = statement.invoices.get()
    yield world
    for each in world.tokens:
        clear_rate_keys(each)


def _snapshot_models():
    return [
        model
        for app_label in SNAPSHOT_APPS
        for model in apps.get_app_config(app_label).get_models()
        if not model._meta.proxy
    ]


def db_snapshot(*, ignore: dict | None = None) -> dict:
    """A digest of every row of every project model: the tenants are small, and a digest also
    sees changes that leave no `updated_at` (a password, a flag). On PostgreSQL one query for
    all tables; elsewhere one per model. `ignore` maps a model label to fields that may change
    (a token's last use)."""
    ignore = ignore or {}
    columns = {
        model: [
            f.column
            for f in model._meta.concrete_fields
            if f.name not in ignore.get(model._meta.label, ())
        ]
        for model in _snapshot_models()
    }
    if connection.vendor == "postgresql":
        quote = connection.ops.quote_name
        parts = [
            "(SELECT md5(coalesce(string_agg(row({cols})::text, ',' ORDER BY {pk}), '')) "
            "|| count(*) FROM {table})".format(
                cols=", ".join(quote(c) for c in cols),
                pk=quote(model._meta.pk.column),
                table=quote(model._meta.db_table),
            )
            for model, cols in columns.items()
        ]
        with connection.cursor() as cursor:
            cursor.execute("SELECT " + ", ".join(parts))
            digests = cursor.fetchone()
        return {model._meta.label: d for model, d in zip(columns, digests, strict=True)}
    state = {}
    for model, cols in columns.items():
        names = [f.attname for f in model._meta.concrete_fields if f.column in cols]
        rows = list(model.objects.order_by("pk").values_list(*names))
        state[model._meta.label] = (len(rows), hash(repr(rows)))
    return state


def snapshot_diff(before: dict, after: dict) -> list[str]:
    return [label for label in before if before[label] != after.get(label)]

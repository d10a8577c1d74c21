"""Every page and API list has an exact query count that does not grow with the data (issue 10,
item 5).

The routes are walked from the URLconf (as the isolation matrix does), so a new page is covered
the day it is added: a route with no row in `PAGES` (or a reason in `NOT_MEASURED`) fails
`test_every_route_has_a_committed_query_count` until someone measures it. The admin's
changelists are walked from `admin.site` the same way, the API's GET operations from its schema.

One world is built once for the module (inside a transaction rolled back at the end): garage A
with its people, owner X's car, an open transfer, a fleet, a promotion, an appointment. Every
page is requested as the person entitled to it with about 10 rows of everything a page lists,
then the same rows are grown to about 1,000 (in bulk) and every page is requested again. Both
counts must equal the committed constant. Each measurement is the second of two identical
requests, so once-per-process caches (content types, the language catalogue, a token's last use
written at most once a minute) do not make the count depend on the order the tests run in.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.contrib import admin
from django.contrib.auth.models import Group
from django.contrib.auth.tokens import default_token_generator
from django.core.cache import cache
from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from accounts.models import User
from accounts.tokens import activation_token_generator
from appointments.models import Appointment, AppointmentSlot
from autopaspoort.models import (
    ApkDefect,
    GarageHandover,
    HistoryEntry,
    Passport,
    PassportRecall,
    Recall,
    StatusCheck,
    StatusCheckItem,
)
from autopaspoort.services import garage_move_decide, garage_move_request
from billing.models import Invoice, Statement, StatementLine
from billing.services import statement_close
from fleet.models import FleetAccount, FleetLink
from garage.models import ApiToken, Garage, Membership
from garage.services import api_token_create
from insights.models import MonthlyUsage
from notifications.models import Notification, Topic
from notifications.tokens import unsubscribe_token
from photos.models import CheckPhoto
from promotions.models import Promotion, PromotionRecipient
from quotes.models import Quote, QuoteLine
from reminders.models import ReminderSent
from sharing.selectors import share_view
from sharing.services import document_record
from tests.accounts.factories import UserFactory
from tests.api.conftest import clear_rate_keys
from tests.appointments.factories import advise, ask
from tests.autopaspoort.factories import (
    Component,
    HistoryEntryFactory,
    PassportFactory,
    Rating,
    item,
    plate_for,
    record_check,
)
from tests.billing.factories import tariff, usage
from tests.fleet.factories import FleetFactory, fleet_car, manager_of
from tests.garage.factories import GarageFactory, MembershipFactory
from tests.photos.factories import add_photos
from tests.promotions.factories import PromotionFactory
from tests.quotes.factories import sent_quote
from tests.sharing.factories import share
from tests.transfers.factories import transfer
from transfers.models import OwnerContactChange, Transfer
from transfers.services import transfer_accept

SMALL, LARGE = 10, 1_000
LAST = LARGE - 1  # the number of the last row grown

# --- The world ---------------------------------------------------------------------------------


class World:
    """The people and the objects the URLs point at; `grow` adds rows to every list."""

    def __init__(self):
        self.garage = GarageFactory(name="Garage A", email="garage-a@example.nl")
        self.admin = self.garage.account_user
        self.mechanic_membership = MembershipFactory(
            garage=self.garage, role=Membership.Role.MECHANIC, invited_by=self.admin
        )
        self.owner = UserFactory(full_name="Eigenaar X")
        self.nobody = UserFactory(full_name="Nog Niemand")  # no garage, fleet or car
        self.support = UserFactory(full_name="Support Medewerker", is_staff=True)
        self.support.groups.add(Group.objects.get(name="support"))
        self.superuser = UserFactory(is_staff=True, is_superuser=True)
        # Owner X's car: a stock car with a check and history, sold to X, who accepted it.
        # With a first admission, so pages look up the network's figures for it.
        self.car = PassportFactory(garage=self.garage, first_admission=date(2019, 4, 12))
        self.check = record_check(
            self.car,
            items=[
                item(Component.BRAKES_FRONT, Rating.NOW, "120.00"),
                item(Component.WIPERS, Rating.SOON, "30.00"),
            ],
        )
        self.check_item = self.check.items.order_by("id").first()
        (self.photo,) = add_photos(self.check, item=self.check_item)
        HistoryEntryFactory(passport=self.car)
        self.transfer = transfer(self.car, self.owner.email)
        transfer_accept(transfer=self.transfer, user=self.owner)
        self.car.refresh_from_db()
        self.appointment = ask(self.car, owner=self.owner)
        # A quote sent to X about the car (the portal's and the garage's quote pages; its
        # lines grow).
        self.quote = sent_quote(self.car)
        # A stock car sold to a new person: an open transfer, an account waiting for activation.
        self.sold = PassportFactory(garage=self.garage)
        self.open_transfer = transfer(self.sold, "nieuwe-eigenaar@example.nl")
        self.new_owner = self.open_transfer.new_owner
        self.api_token, self.api_raw = api_token_create(
            garage=self.garage, actor=self.admin, name="GMS A"
        )
        clear_rate_keys(self.api_token)
        self.fleet = FleetFactory(garages=[self.garage])
        self.fleet_manager = manager_of(self.fleet, full_name="Wagenparkbeheerder A")
        self.fleet_car = fleet_car(self.fleet, garage=self.garage)
        self.draft = PromotionFactory(garage=self.garage)
        self.sent = PromotionFactory(
            garage=self.garage,
            state=Promotion.State.SENT,
            sent_at=timezone.now(),
            sent_by=self.admin,
        )
        self.light = advise(self.garage, "oil_pressure", "Bel ons direct.").light_code
        # A customer's car that moved from garage A to garage B (A's read-only view).
        self.moved = PassportFactory(garage=self.garage, customer=True)
        garage_b = GarageFactory(name="Garage B", email="garage-b@example.nl")
        garage_move_decide(
            move_request=garage_move_request(
                passport=self.moved, garage=garage_b, actor=garage_b.account_user
            ),
            user=self.moved.owner,
            accept=True,
        )
        self.moved_at = GarageHandover.objects.get(passport=self.moved).moved_at
        self.share_link = share(self.car, actor=self.owner)
        # A stock car the garage shares with its photos (the page's thumbnails, the photo door).
        self.shared_stock = PassportFactory(garage=self.garage)
        shared_check = record_check(self.shared_stock)
        (self.shared_photo,) = add_photos(shared_check, item=shared_check.items.get())
        self.photo_link = share(self.shared_stock, actor=self.admin, include_photos=True)
        self.document = document_record(
            view=share_view(passport=self.car, show_costs=False), link=None, language="en"
        )
        # A tariff with a tier, and a closed month with its invoice (billing pages, the PDF).
        self.tariff = tariff(date(1900, 1, 1), tiers=[(101, "0.40")])
        statement, _closed = statement_close(
            usage_id=usage(self.garage, month=date(1900, 1, 1), active_passports=150).pk
        )
        self.invoice = statement.invoices.get()
        self.size = 0

    # Rows of each list, numbered from `start`, so growing from 10 to 1,000 adds 990 of each.
    def grow(self, size: int) -> None:
        start, count = self.size, size - self.size
        self.size = size
        numbers = range(start, start + count)
        now, today = timezone.now(), timezone.localdate()
        account = self.admin

        # The garage's cars (dashboard, statistics, API list, admin): stock cars and cars of
        # owner X (portal home, settings, promotion preview, appointments), each with a check.
        cars = Passport.objects.bulk_create(
            Passport(
                plate=plate_for(3_000_000 + n),
                garage=self.garage,
                state=Passport.State.CUSTOMER if n % 2 else Passport.State.STOCK,
                owner=self.owner if n % 2 else account,
                owner_name=self.owner.full_name if n % 2 else self.garage.name,
                activated_at=now,
                make="VOLKSWAGEN",
                model="GOLF",
                apk_expires=today + timedelta(days=n % 90),
                odometer_km=10_000 + n,
                created_by=account,
            )
            for n in numbers
        )
        self._checks(cars)
        # What garage A wrote on the car that moved on, before the move (its read-only view).
        HistoryEntry.objects.bulk_create(
            HistoryEntry(
                passport=self.moved,
                garage=self.garage,
                kind=HistoryEntry.Kind.REPAIR,
                date=today - timedelta(days=1),
                odometer_km=n,
                description=f"Werk door A {n}",
                created_by=account,
            )
            for n in numbers
        )
        HistoryEntry.objects.filter(passport=self.moved).update(
            created_at=self.moved_at - timedelta(days=1)
        )
        # Every fourth stock car is sold to a new person who has not activated yet: open
        # transfers on the dashboard, in the admin and in the API list.
        Transfer.objects.bulk_create(
            Transfer(
                passport=car,
                garage=self.garage,
                previous_owner=account,
                previous_owner_was_garage=True,
                new_owner=self.new_owner,
                new_owner_is_new=True,
                email=self.new_owner.email,
                via=Transfer.Via.GARAGE,
                state=Transfer.State.AWAITING_ACTIVATION,
                created_by=account,
            )
            for n, car in zip(numbers, cars, strict=True)
            if n % 4 == 2
        )
        # Every fourth of owner X's cars is sold privately, waiting for the buyer: the
        # garage's dashboard notice and X's "Waiting for the buyer" list on the portal home.
        Transfer.objects.bulk_create(
            Transfer(
                passport=car,
                garage=self.garage,
                previous_owner=self.owner,
                previous_owner_was_garage=False,
                new_owner=self.new_owner,
                new_owner_is_new=True,
                email=self.new_owner.email,
                via=Transfer.Via.OWNER,
                state=Transfer.State.AWAITING_ACTIVATION,
                created_by=self.owner,
            )
            for n, car in zip(numbers, cars, strict=True)
            if n % 4 == 3
        )
        # The garage corrected the address of owner X on each of X's cars (the audit trail).
        OwnerContactChange.objects.bulk_create(
            OwnerContactChange(
                passport=car,
                owner=self.owner,
                before={"street": ""},
                after={"street": f"Straat {n}"},
                changed_by=account,
            )
            for n, car in zip(numbers, cars, strict=True)
            if n % 2
        )
        Appointment.objects.bulk_create(
            Appointment(
                passport=car,
                garage=self.garage,
                owner=self.owner,
                reason=Appointment.Reason.MAINTENANCE,
                note=f"Verzoek {n}",
                # Every other one answered: the garage proposed a time (who answered shows).
                state=Appointment.State.PROPOSED if n % 4 == 1 else Appointment.State.REQUESTED,
                planned_date=today + timedelta(days=7) if n % 4 == 1 else None,
                planned_part_of_day="morning" if n % 4 == 1 else "",
                answered_by=self.mechanic_membership.user if n % 4 == 1 else None,
                answered_at=now if n % 4 == 1 else None,
            )
            for n, car in zip(numbers, cars, strict=True)
            if car.owner_id == self.owner.pk
        )
        for appointment in Appointment.objects.filter(slots__isnull=True):
            AppointmentSlot.objects.bulk_create(
                AppointmentSlot(
                    appointment=appointment,
                    position=position,
                    date=today + timedelta(days=position),
                    part_of_day="morning",
                )
                for position in (1, 2)
            )
        # Owner X's car: history, checks and earlier transfers (profile, portal car, API).
        HistoryEntry.objects.bulk_create(
            HistoryEntry(
                passport=passport,
                garage=self.garage,
                kind=HistoryEntry.Kind.SMALL_SERVICE,
                date=today - timedelta(days=n + 40),
                odometer_km=40_000,
                description=f"Beurt {n}",
                cost=Decimal("99.00"),
                created_by=account if n % 2 else self.mechanic_membership.user,
            )
            for passport in (self.car, self.fleet_car)
            for n in numbers
        )
        self._checks([self.car] * count, latest=False)
        # Its recalls (every other one open) and APK defects (profile, portal car).
        recalls = Recall.objects.bulk_create(
            Recall(reference=f"TEST{n:05d}", remedy=f"Herstel {n}") for n in numbers
        )
        PassportRecall.objects.bulk_create(
            PassportRecall(
                passport=self.car,
                recall=recall,
                status="open" if n % 2 else "repaired",
                first_seen_at=now,
            )
            for n, recall in zip(numbers, recalls, strict=True)
        )
        ApkDefect.objects.bulk_create(
            ApkDefect(passport=self.car, reported_on=today - timedelta(days=n), code=f"C{n}")
            for n in numbers
        )
        # The lines of the quote sent to X, each for a finding with photos (the quote page).
        QuoteLine.objects.bulk_create(
            QuoteLine(
                quote=self.quote,
                position=100 + n,
                description=f"Regel {n}",
                unit_price=Decimal("10.00"),
                check_item=self.check_item,
            )
            for n in numbers
        )
        # Photos of the car's latest check (check page, profile, portal car, admin): rows only,
        # the pages link them by key and never open the files.
        CheckPhoto.objects.bulk_create(
            CheckPhoto(
                status_check=self.check,
                item=self.check_item if n % 2 else None,
                kind=CheckPhoto.Kind.ITEM if n % 2 else CheckPhoto.Kind.SIDES,
                original=f"checks/perf/{n}.jpg",
                thumbnail=f"checks/perf/{n}-320.jpg",
                large=f"checks/perf/{n}-1600.jpg",
                width=640,
                height=480,
                size=1000,
                content_type="image/jpeg",
                uploaded_by=account,
            )
            for n in numbers
        )
        Transfer.objects.bulk_create(
            Transfer(
                passport=self.car,
                garage=self.garage,
                previous_owner=account,
                previous_owner_was_garage=True,
                new_owner_is_new=False,
                new_owner=self.owner,
                email=self.owner.email,
                via=Transfer.Via.GARAGE,
                state=Transfer.State.COMPLETED,
                completed_at=now,
                created_by=account,
            )
            for n in numbers
        )
        # Quotes sent for the garage's customer cars (the garage's list).
        Quote.objects.bulk_create(
            Quote(
                passport=car,
                garage=self.garage,
                status_check=car.latest_check,
                kind=Quote.Kind.QUOTE,
                state=Quote.State.SENT,
                prices_include_vat=True,
                valid_until=today + timedelta(days=30),
                owner=self.owner,
                created_by=account,
                sent_by=account,
                sent_at=now,
                total_excl=Decimal("100.00"),
                total_incl=Decimal("121.00"),
            )
            for car in cars
            if car.owner_id == self.owner.pk
        )
        # People: staff of garage A (staff page), other garages (admin), their logins.
        staff = User.objects.bulk_create(
            User(email=f"monteur{n}@example.nl", full_name=f"Monteur {n}", password="!")
            for n in numbers
        )
        Membership.objects.bulk_create(
            Membership(
                garage=self.garage,
                user=user,
                role=Membership.Role.MECHANIC if n % 2 else Membership.Role.SALES,
                invited_by=account,
            )
            for n, user in zip(numbers, staff, strict=True)
        )
        logins = User.objects.bulk_create(
            User(email=f"garage{n}@example.com", password="!") for n in numbers
        )
        Garage.objects.bulk_create(
            Garage(name=f"Garage {n}", account_user=user, city="Utrecht")
            for n, user in zip(numbers, logins, strict=True)
        )
        ApiToken.objects.bulk_create(
            ApiToken(
                garage=self.garage,
                name=f"GMS {n}",
                token_hash=f"{n:064d}",
                prefix=f"ap_{n}",
                created_by=account,
            )
            for n in numbers
        )
        # Fleets: cars of garage A's fleet (fleet dashboard, export), fleets it services.
        fleet_cars = Passport.objects.bulk_create(
            Passport(
                plate=plate_for(4_000_000 + n),
                garage=self.garage,
                state=Passport.State.STOCK,
                owner=account,
                owner_name=self.garage.name,
                activated_at=now,
                fleet=self.fleet,
                driver_name=f"Bestuurder {n}",
                apk_expires=today + timedelta(days=n % 120),
                odometer_km=50_000,
                created_by=account,
            )
            for n in numbers
        )
        FleetLink.objects.bulk_create(
            FleetLink(passport=car, fleet=self.fleet, linked_by=account) for car in fleet_cars
        )
        self._checks(fleet_cars)
        fleets = FleetAccount.objects.bulk_create(
            FleetAccount(name=f"Wagenpark {n} BV", email=f"wagenpark{n}@example.nl")
            for n in numbers
        )
        FleetAccount.garages.through.objects.bulk_create(
            FleetAccount.garages.through(fleetaccount=fleet, garage=self.garage) for fleet in fleets
        )
        # Promotions (list) and the sent one's recipients with their outbox rows (detail,
        # notifications admin).
        Promotion.objects.bulk_create(
            Promotion(
                garage=self.garage,
                subject=f"Actie {n}",
                body="Koffie staat klaar.",
                segment=Promotion.Segment.ALL,
                created_by=account,
                state=Promotion.State.SENT if n % 2 else Promotion.State.DRAFT,
                sent_at=now if n % 2 else None,
                sent_by=account if n % 2 else None,
            )
            for n in numbers
        )
        notifications = Notification.objects.bulk_create(
            Notification(
                kind=Notification.Kind.PROMOTION,
                recipient=user.email,
                user=user,
                template="promotion",
            )
            for user in staff
        )
        PromotionRecipient.objects.bulk_create(
            PromotionRecipient(promotion=self.sent, user=user, notification=notification)
            for user, notification in zip(staff, notifications, strict=True)
        )
        # Reminders sent for X's cars, each with its email (the garage's reminders page).
        reminder_emails = Notification.objects.bulk_create(
            Notification(
                kind=Notification.Kind.REMINDER_APK,
                recipient=f"apk-{n}@example.nl",
                template="reminder_apk",
            )
            for n in numbers
        )
        ReminderSent.objects.bulk_create(
            ReminderSent(
                passport=self.car,
                kind=ReminderSent.Kind.APK_6_WEEKS,
                due_key=f"sent-{n}",
                recipient=f"apk-{n}@example.nl",
                notification=notification,
            )
            for n, notification in zip(numbers, reminder_emails, strict=True)
        )
        # Billing months (usage page).
        first = date(today.year, today.month, 1)
        MonthlyUsage.objects.bulk_create(
            MonthlyUsage(
                garage=self.garage,
                month=_months_before(first, n + 1),
                active_passports=n,
                passports_created=n,
                transfers_completed=n,
                computed_at=now,
            )
            for n in numbers
        )
        # Closed months with their lines and invoices (usage and invoices page, admin lists).
        statements = Statement.objects.bulk_create(
            Statement(
                garage=self.garage,
                month=_months_before(first, n + 1),
                tariff=self.tariff,
                subtotal=Decimal("1.00"),
                vat_rate=Decimal("21.00"),
                vat_amount=Decimal("0.21"),
                total=Decimal("1.21"),
                closed_at=now,
            )
            for n in numbers
        )
        StatementLine.objects.bulk_create(
            StatementLine(
                statement=statement,
                position=position,
                kind=kind,
                quantity=1,
                unit_price=Decimal("0.50"),
                amount=Decimal("0.50"),
            )
            for statement in statements
            for position, kind in ((1, "active_passports"), (2, "transfers_completed"))
        )
        Invoice.objects.bulk_create(
            Invoice(
                kind=Invoice.Kind.INVOICE,
                number=f"1901-{n:05d}",
                year=1901,
                sequence=n + 1,
                statement=statement,
                garage=self.garage,
                issued_at=now,
                billing_name=self.garage.name,
                billing_email=self.garage.email,
                subtotal=Decimal("1.00"),
                vat_amount=Decimal("0.21"),
                total=Decimal("1.21"),
            )
            for n, statement in zip(numbers, statements, strict=True)
        )

    def _checks(self, cars, *, latest=True):
        account = self.admin
        checks = StatusCheck.objects.bulk_create(
            StatusCheck(passport=car, garage=self.garage, performed_by=account, odometer_km=50_000)
            for car in cars
        )
        StatusCheckItem.objects.bulk_create(
            StatusCheckItem(
                status_check=check,
                component=component,
                rating=rating,
                estimated_cost=Decimal("12.50"),
            )
            for check in checks
            for component, rating in (
                (Component.LIGHTS, Rating.NOW),
                (Component.WIPERS, Rating.SOON),
            )
        )
        if latest:
            for car, check in zip(cars, checks, strict=True):
                car.latest_check = check
            Passport.objects.bulk_update(cars, ["latest_check"], batch_size=500)


def _months_before(month: date, n: int) -> date:
    index = month.year * 12 + month.month - 1 - n
    return date(index // 12, index % 12 + 1, 1)


# --- The pages ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Page:
    route: str  # the route's name (namespaced), or "admin" / "api" for those
    user: Callable  # (world) -> the person entitled to the page, or None
    url: Callable  # (world) -> the address
    status: int = 200
    api: bool = False
    shows: Callable | None = None  # (world) -> text the page shows of the last row grown
    headers: dict | None = None


def _garage(name, user=lambda w: w.admin, query="", status=200, shows=None, **kwargs):
    def url(w):
        values = {k: v(w) for k, v in kwargs.items()}
        return reverse(name, kwargs={"garage_id": w.garage.pk, **values}) + query

    return Page(name, user, url, status, shows=shows)


def _car(name, query="", status=200, shows=None, **kwargs):
    return _garage(
        name, query=query, status=status, shows=shows, plate=lambda w: w.car.plate, **kwargs
    )


def _fleet(name, query="", status=200, plate=False, shows=None):
    def url(w):
        kwargs = {"fleet_id": w.fleet.pk}
        if plate:
            kwargs["plate"] = w.fleet_car.plate
        return reverse(name, kwargs=kwargs) + query

    return Page(name, lambda w: w.fleet_manager, url, status, shows=shows)


def _owner(name, status=200, shows=None, **kwargs):
    return Page(
        name,
        lambda w: w.owner,
        lambda w: reverse(name, kwargs={k: v(w) for k, v in kwargs.items()}),
        status,
        shows=shows,
    )


def _public(name, url, status=200):
    return Page(name, lambda w: None, url, status)


def _admin(model):
    """Support's changelists as support; the others (login logs, groups) as a superuser, the
    only one who sees them."""
    info = (model._meta.app_label, model._meta.model_name)
    return Page(
        "admin",
        lambda w: w.support if w.support.has_perm("{}.view_{}".format(*info)) else w.superuser,
        lambda w: reverse("admin:{}_{}_changelist".format(*info)),
    )


def _uid(user) -> str:
    return urlsafe_base64_encode(force_bytes(user.pk))


POST_ONLY = 405  # a GET is refused before anything is read
CAR = {"plate": lambda w: w.car.plate}

# Page key -> how to ask for it. Keys are route names; a route asked for in more than one way
# (a search, a filter, a page of a list) has more keys, `<route> <what differs>`.
PAGES = {
    "home": Page("home", lambda w: w.nobody, lambda w: reverse("home")),
    # Accounts (the anonymous forms and the password change).
    "accounts:login": _public("accounts:login", lambda w: reverse("accounts:login")),
    "accounts:logout": _public("accounts:logout", lambda w: reverse("accounts:logout"), 405),
    "accounts:password_change": Page(
        "accounts:password_change",
        lambda w: w.admin,
        lambda w: reverse("accounts:password_change"),
    ),
    "accounts:password_reset": _public(
        "accounts:password_reset", lambda w: reverse("accounts:password_reset")
    ),
    "accounts:password_reset_sent": _public(
        "accounts:password_reset_sent", lambda w: reverse("accounts:password_reset_sent")
    ),
    "accounts:password_set": _public(
        "accounts:password_set",
        lambda w: reverse(
            "accounts:password_set",
            kwargs={
                "uidb64": _uid(w.mechanic_membership.user),
                "token": default_token_generator.make_token(w.mechanic_membership.user),
            },
        ),
        302,  # the token moves from the address into the session
    ),
    # The garage.
    "garage:home": Page("garage:home", lambda w: w.admin, lambda w: reverse("garage:home"), 302),
    "garage:dashboard": _garage("garage:dashboard"),
    "garage:dashboard search": _garage("garage:dashboard", query="?q=00"),
    "garage:dashboard whole plate": _garage("garage:dashboard", query="?q=GJ-99-98"),
    "garage:dashboard name search": _garage("garage:dashboard", query="?q=Bestuurder"),
    "garage:dashboard vin search": _garage("garage:dashboard", query="?q=WVWZZZ1KZAW123456"),
    "garage:dashboard filtered": _garage("garage:dashboard", query="?state=customer"),
    "garage:dashboard open recall": _garage("garage:dashboard", query="?open_recall=on"),
    "garage:settings": _garage("garage:settings"),
    "garage:staff": _garage("garage:staff", shows=lambda w: f"monteur{LAST}@example.nl"),
    "garage:api_tokens": _garage("garage:api_tokens", shows=lambda w: f"GMS {LAST}"),
    "garage:api_token_revoke": _garage(
        "garage:api_token_revoke", status=POST_ONLY, token_id=lambda w: w.api_token.pk
    ),
    "garage:staff_remove": _garage(
        "garage:staff_remove", status=POST_ONLY, membership_id=lambda w: w.mechanic_membership.pk
    ),
    # Passports.
    "autopaspoort:create": _garage("autopaspoort:create"),
    "autopaspoort:vehicle_lookup": _garage("autopaspoort:vehicle_lookup", query="?plate=GJ-55-55"),
    "autopaspoort:profile": _car("autopaspoort:profile"),
    "autopaspoort:close": _car("autopaspoort:close", status=302),  # a customer's car: back
    "autopaspoort:details": _car("autopaspoort:details"),
    "autopaspoort:owner_edit": _car("autopaspoort:owner_edit"),
    "autopaspoort:check_create": _car("autopaspoort:check_create"),
    "autopaspoort:check_detail": _car("autopaspoort:check_detail", check_id=lambda w: w.check.pk),
    "autopaspoort:history_create": _car("autopaspoort:history_create"),
    "autopaspoort:vehicle_edit": _car("autopaspoort:vehicle_edit"),
    "autopaspoort:vehicle_choose": _car("autopaspoort:vehicle_choose", status=POST_ONLY),
    "autopaspoort:item_delivery": _car(
        "autopaspoort:item_delivery", status=POST_ONLY, item_id=lambda w: w.check_item.pk
    ),
    # A car that moved on to another garage: garage A's read-only view; asking an owner.
    "autopaspoort:handed_over": _garage(
        "autopaspoort:handed_over",
        plate=lambda w: w.moved.plate,
        shows=lambda w: f"Werk door A {LAST}",
    ),
    "autopaspoort:move_request": _garage(
        "autopaspoort:move_request", status=POST_ONLY, plate=lambda w: w.moved.plate
    ),
    # Transfers (the open one is the sold car's).
    "transfers:start": _car("transfers:start"),
    "transfers:resend": _garage(
        "transfers:resend",
        status=POST_ONLY,
        plate=lambda w: w.sold.plate,
        transfer_id=lambda w: w.open_transfer.pk,
    ),
    "transfers:correct": _garage(
        "transfers:correct",
        plate=lambda w: w.sold.plate,
        transfer_id=lambda w: w.open_transfer.pk,
    ),
    "transfers:cancel": _garage(
        "transfers:cancel",
        status=POST_ONLY,
        plate=lambda w: w.sold.plate,
        transfer_id=lambda w: w.open_transfer.pk,
    ),
    "portal:activate": _public(
        "portal:activate",
        lambda w: reverse(
            "portal:activate",
            kwargs={
                "uidb64": _uid(w.new_owner),
                "token": activation_token_generator.make_token(w.new_owner),
            },
        ),
        302,  # the token moves from the address into the session
    ),
    "portal:activation_resend": _public(
        "portal:activation_resend", lambda w: reverse("portal:activation_resend"), POST_ONLY
    ),
    # The owner portal.
    "portal:home": _owner("portal:home", shows=lambda w: plate_for(3_000_000 + LAST)),
    "portal:car": _owner("portal:car", **CAR),
    "portal:accept": _owner("portal:accept", status=POST_ONLY, **CAR),
    # POST only: the 405 comes before the request is looked up, so any id does.
    "portal:fleet_request_answer": _owner(
        "portal:fleet_request_answer", status=POST_ONLY, request_id=lambda w: 1, **CAR
    ),
    "portal:garage_move_answer": _owner(
        "portal:garage_move_answer", status=POST_ONLY, move_request_id=lambda w: 1, **CAR
    ),
    "portal:sell": _owner("portal:sell", **CAR),
    "portal:sale_cancel": _owner("portal:sale_cancel", status=POST_ONLY, sale_id=lambda w: 1),
    "portal:settings": _owner("portal:settings"),
    "portal:data_download": _owner("portal:data_download"),
    "portal:delete_account": _owner("portal:delete_account"),
    "account_deleted": _public("account_deleted", lambda w: reverse("account_deleted")),
    "legal:privacy": _public("legal:privacy", lambda w: reverse("legal:privacy")),
    "legal:terms": _public("legal:terms", lambda w: reverse("legal:terms")),
    "notifications:unsubscribe": _public(
        "notifications:unsubscribe",
        lambda w: reverse(
            "notifications:unsubscribe",
            kwargs={"token": unsubscribe_token(email=w.owner.email, topic=Topic.REMINDERS)},
        ),
    ),
    "portal:lights": _owner("portal:lights"),
    "portal:light_ask": _owner("portal:light_ask", code=lambda w: w.light),
    "portal:appointment_request": _owner("portal:appointment_request", **CAR),
    "portal:quote": _owner(
        "portal:quote", quote_id=lambda w: w.quote.pk, shows=lambda w: f"Regel {LAST}", **CAR
    ),
    "portal:quote_decline": _owner(
        "portal:quote_decline", status=POST_ONLY, quote_id=lambda w: w.quote.pk, **CAR
    ),
    "portal:quote_total": _owner(
        "portal:quote_total",
        status=302,
        quote_id=lambda w: w.quote.pk,
        **CAR,  # no htmx
    ),
    "portal:quote_total htmx": Page(
        "portal:quote_total",
        lambda w: w.owner,
        lambda w: (
            reverse("portal:quote_total", kwargs={"plate": w.car.plate, "quote_id": w.quote.pk})
            + "?lines=1&lines=2"
        ),
        headers={"HX-Request": "true"},
    ),
    "portal:appointment_state": _owner("portal:appointment_state", status=302, **CAR),  # no htmx
    "portal:appointment_state htmx": Page(
        "portal:appointment_state",
        lambda w: w.owner,
        lambda w: reverse("portal:appointment_state", kwargs={"plate": w.car.plate}),
        headers={"HX-Request": "true"},
    ),
    "portal:appointment_accept": _owner(
        "portal:appointment_accept",
        status=POST_ONLY,
        appointment_id=lambda w: w.appointment.pk,
        **CAR,
    ),
    "portal:appointment_cancel": _owner(
        "portal:appointment_cancel",
        status=POST_ONLY,
        appointment_id=lambda w: w.appointment.pk,
        **CAR,
    ),
    # Appointments and advice, garage side.
    "appointments:garage_list": _garage("appointments:garage_list"),
    "appointments:garage_detail": _garage(
        "appointments:garage_detail", appointment_id=lambda w: w.appointment.pk
    ),
    "appointments:garage_accept": _garage(
        "appointments:garage_accept", status=POST_ONLY, appointment_id=lambda w: w.appointment.pk
    ),
    "appointments:garage_lights": _garage("appointments:garage_lights"),
    "appointments:garage_light_edit": _garage(
        "appointments:garage_light_edit", code=lambda w: w.light
    ),
    # Quotes.
    "quotes:garage_list": _garage("quotes:garage_list", query="?show=all"),
    "quotes:garage_detail": _garage(
        "quotes:garage_detail", quote_id=lambda w: w.quote.pk, shows=lambda w: f"Regel {LAST}"
    ),
    "quotes:start": _car("quotes:start", status=POST_ONLY),
    "quotes:garage_totals": _garage(
        "quotes:garage_totals", status=POST_ONLY, quote_id=lambda w: w.quote.pk
    ),
    "quotes:garage_delete": _garage(
        "quotes:garage_delete", status=POST_ONLY, quote_id=lambda w: w.quote.pk
    ),
    "quotes:garage_new_version": _garage(
        "quotes:garage_new_version", status=POST_ONLY, quote_id=lambda w: w.quote.pk
    ),
    "quotes:garage_withdraw": _garage(
        "quotes:garage_withdraw", status=POST_ONLY, quote_id=lambda w: w.quote.pk
    ),
    # Promotions.
    "promotions:list": _garage("promotions:list"),
    "promotions:create": _garage("promotions:create"),
    "promotions:detail": _garage(
        "promotions:detail", promotion_id=lambda w: w.sent.pk, shows=lambda w: str(LARGE)
    ),
    "promotions:edit": _garage("promotions:edit", promotion_id=lambda w: w.draft.pk),
    "promotions:preview": _garage("promotions:preview", promotion_id=lambda w: w.draft.pk),
    "promotions:send": _garage(
        "promotions:send", status=POST_ONLY, promotion_id=lambda w: w.draft.pk
    ),
    # Insights.
    "insights:statistics": _garage("insights:statistics"),
    "insights:usage": _garage("insights:usage"),
    "billing:usage": _garage("billing:usage", shows=lambda w: "1901-00000"),
    "billing:usage older": _garage("billing:usage", query="?after=2000-01"),
    "billing:invoice_pdf": _garage("billing:invoice_pdf", invoice_id=lambda w: w.invoice.pk),
    # Reminders: what the job will send (the first 50) and a page of what it sent.
    "reminders:garage_list": _garage(
        "reminders:garage_list", shows=lambda w: f"apk-{LAST}@example.nl"
    ),
    # Fleets.
    "fleet:dashboard": _fleet("fleet:dashboard"),
    "fleet:dashboard search": _fleet("fleet:dashboard", query="?q=00"),
    "fleet:dashboard open recall": _fleet("fleet:dashboard", query="?open_recall=on"),
    "fleet:dashboard driver search": _fleet("fleet:dashboard", query="?q=Bestuurder"),
    "fleet:export": _fleet("fleet:export", shows=lambda w: plate_for(4_000_000 + LAST)),
    "fleet:car": _fleet("fleet:car", plate=True),
    "fleet:driver": _fleet("fleet:driver", plate=True),
    "fleet:transfer": _fleet("fleet:transfer", plate=True),
    "fleet:garage_fleets": _garage("fleet:garage_fleets", shows=lambda w: f"Wagenpark {LAST} BV"),
    "fleet:link": _car("fleet:link", status=POST_ONLY),
    "fleet:unlink": _car("fleet:unlink", status=POST_ONLY),
    # Share links: the public page (the car's whole history) and the POST-only actions.
    "sharing:page": _public("sharing:page", lambda w: f"/p/{w.share_link.token}/"),
    "sharing:page with photos": Page(
        "sharing:page",
        lambda w: None,
        lambda w: f"/p/{w.photo_link.token}/",
        shows=lambda w: f"/p/{w.photo_link.token}/foto/{w.shared_photo.key}/large/",
    ),
    # The original while the versions are being made (no Celery here): the file from storage.
    "sharing:photo": _public(
        "sharing:photo",
        lambda w: reverse(
            "sharing:photo",
            kwargs={"token": w.photo_link.token, "key": w.shared_photo.key, "version": "large"},
        ),
    ),
    "sharing:verify": _public(
        "sharing:verify", lambda w: reverse("sharing:verify") + f"?code={w.document.code}"
    ),
    "sharing:owner_create": _owner("sharing:owner_create", status=POST_ONLY, **CAR),
    "sharing:owner_revoke": _owner(
        "sharing:owner_revoke", status=POST_ONLY, link_id=lambda w: w.share_link.pk, **CAR
    ),
    "sharing:garage_create": _car("sharing:garage_create", status=POST_ONLY),
    "sharing:garage_revoke": _car(
        "sharing:garage_revoke", status=POST_ONLY, link_id=lambda w: w.share_link.pk
    ),
    # A check photo, served to garage A's staff (the file from the storage, no rows listed).
    "photos:file": Page(
        "photos:file",
        lambda w: w.admin,
        lambda w: reverse("photos:file", kwargs={"key": w.photo.key, "version": "original"}),
    ),
    # The GMS API's GET operations (the slash variants are the same views).
    "api:/passports": Page("api", lambda w: None, lambda w: "/api/v1/passports", api=True),
    "api:/passports/{plate}": Page(
        "api",
        lambda w: None,
        lambda w: f"/api/v1/passports/{w.car.plate}",
        api=True,
    ),
}
# The support admin: every registered model's changelist.
PAGES.update({f"admin:{model._meta.label}": _admin(model) for model in admin.site._registry})

# Routes without a row in PAGES, each with the reason.
NOT_MEASURED = {
    "healthz": "load balancer probe: one `SELECT 1`, no page, no rows",
    "favicon": "a redirect to the static icon: no query",
    "set_language": "Django's i18n language switch: a redirect, reads no rows",
    "api:openapi-json": "the published API contract: static",
    "api:openapi-view": "the published API docs: static",
    "api:api-root": "django-ninja's /api/v1/ root: a 404 in the contract's shape",
    "sharing:pdf": "renders a PDF of the whole history (seconds at 1,000 rows); its count is "
    "checked at 1 and 50 entries in tests/sharing/test_pdf.py",
}

# The committed query counts: page key -> queries, the same at SMALL and at LARGE rows.
EXPECTED = {
    "home": 4,
    "accounts:login": 0,
    "accounts:logout": 0,
    "accounts:password_change": 1,
    "accounts:password_reset": 0,
    "accounts:password_reset_sent": 0,
    "accounts:password_set": 4,
    "garage:home": 2,
    # The header's counts and totals come from the cache on a repeated visit (3 queries cold);
    # +1 since issue 21: the "maintenance likely due" list (an index range on the garage).
    "garage:dashboard": 1,
    "garage:dashboard search": 2,
    # +1: whether the plate is another garage's car (ask its owner) or one that moved on.
    "garage:dashboard whole plate": 4,
    "garage:dashboard filtered": 1,
    "garage:dashboard open recall": 1,
    "garage:dashboard name search": 2,
    "garage:dashboard vin search": 2,
    "garage:settings": 1,
    "garage:staff": 2,
    "garage:api_tokens": 2,
    "garage:api_token_revoke": 1,
    "garage:staff_remove": 1,
    "autopaspoort:create": 2,
    "autopaspoort:vehicle_lookup": 1,
    # + recalls, + APK defects, + the latest check's photos, + the car's quotes (admin, sales)
    # +2 since issue 21: the network's figures and the car's own service interval.
    "autopaspoort:profile": 12,
    "autopaspoort:close": 3,
    "autopaspoort:details": 6,
    "autopaspoort:owner_edit": 3,
    "autopaspoort:check_create": 3,
    "autopaspoort:check_detail": 5,  # + the check's photos
    "autopaspoort:history_create": 3,
    "autopaspoort:vehicle_edit": 4,
    "autopaspoort:vehicle_choose": 1,
    "autopaspoort:item_delivery": 1,
    "autopaspoort:handed_over": 4,
    "autopaspoort:move_request": 1,
    "transfers:start": 2,
    "transfers:resend": 1,
    "transfers:correct": 3,
    "transfers:cancel": 1,
    "portal:activate": 4,  # the user, and the token saved in a new session (with savepoint)
    "portal:activation_resend": 0,
    "portal:home": 4,
    # + open share links, + recalls, + APK defects, + latest check's photos, + the owner's quotes
    # +2 since issue 21: the network's figures (one index probe) and the car's own interval.
    "portal:car": 15,
    "portal:accept": 1,
    "photos:file": 3,  # session, user, the photo (with its owner period), the membership
    "portal:fleet_request_answer": 1,
    "portal:garage_move_answer": 1,
    "portal:sell": 3,
    "portal:sale_cancel": 1,
    "portal:settings": 1,
    "portal:data_download": 1,  # the password form (the ZIP is a POST)
    # Who may delete (staff, garage login, memberships, fleets) and the owner's cars.
    "portal:delete_account": 5,
    "account_deleted": 0,  # the session this anonymous client has from earlier pages
    "legal:privacy": 1,  # the session, and the pages of this kind (both languages at once)
    "legal:terms": 1,
    "notifications:unsubscribe": 1,
    "portal:lights": 3,
    "portal:light_ask": 2,
    "portal:appointment_request": 5,
    # User (the session comes from the cache), the car and its latest check's items, the quote
    # (garage, check, versions), its lines with their findings, the findings' photos, the open
    # appointment request (which blocks approving), the navigation's memberships.
    "portal:quote": 7,
    "portal:quote_decline": 1,
    "portal:quote_total": 5,  # without htmx: read as the htmx request, then a redirect
    "portal:quote_total htmx": 5,  # no navigation: session, user, car (2), quote, lines
    "portal:appointment_state": 3,
    "portal:appointment_state htmx": 5,
    "portal:appointment_accept": 1,
    "portal:appointment_cancel": 1,
    "appointments:garage_list": 3,
    "appointments:garage_detail": 3,
    "appointments:garage_accept": 1,
    "appointments:garage_lights": 2,
    "appointments:garage_light_edit": 2,
    "quotes:garage_list": 2,  # a keyset page of quotes with their cars
    # The quote (with its versions), its lines with findings, their photos, its appointments.
    "quotes:garage_detail": 6,
    "quotes:start": 1,
    "quotes:garage_totals": 1,
    "quotes:garage_delete": 1,
    "quotes:garage_new_version": 1,
    "quotes:garage_withdraw": 1,
    "promotions:list": 2,
    "promotions:create": 2,
    "promotions:detail": 2,
    "promotions:edit": 3,
    "promotions:preview": 3,
    "promotions:send": 1,
    "insights:statistics": 11,
    "insights:usage": 7,
    "billing:usage": 11,  # + 2 since insights counts quotes and photos
    "billing:usage older": 11,
    "billing:invoice_pdf": 3,
    # +1 since issue 21: the cars' own service intervals (one query per chunk).
    "reminders:garage_list": 8,
    "fleet:dashboard": 5,
    "fleet:dashboard search": 5,
    "fleet:dashboard open recall": 5,
    "fleet:dashboard driver search": 5,
    "fleet:export": 3,
    "fleet:car": 7,  # + the car's recalls, + its APK defects
    "fleet:driver": 3,
    "fleet:transfer": 3,
    "fleet:garage_fleets": 4,
    "fleet:link": 1,
    "fleet:unlink": 1,
    # Link, its view count, checks, their items, history, previous owners, and the session
    # this anonymous client has from earlier pages (the rate limit is in the cache, no query).
    "sharing:page": 6,
    "sharing:page with photos": 7,  # + the latest check's photos the link may show
    # The link, the photo (with its owner period), the session this anonymous client has.
    "sharing:photo": 2,
    "sharing:verify": 1,  # the document, and the session this anonymous client has
    "sharing:owner_create": 1,
    "sharing:owner_revoke": 1,
    "sharing:garage_create": 1,
    "sharing:garage_revoke": 1,
    "api:/passports": 2,
    "api:/passports/{plate}": 2,
    "admin:accounts.User": 7,
    "admin:accounts.PrivacyEvent": 6,
    "admin:legal.LegalPage": 6,
    "admin:appointments.Appointment": 8,
    "admin:quotes.Quote": 8,
    "admin:appointments.GarageLightAdvice": 7,
    "admin:auth.Group": 4,
    "admin:autopaspoort.HistoryEntry": 6,
    "admin:autopaspoort.Recall": 6,
    "admin:autopaspoort.PassportRecall": 6,
    "admin:autopaspoort.ApkDefect": 6,
    "admin:autopaspoort.Passport": 6,
    "admin:autopaspoort.StatusCheck": 6,
    "admin:axes.AccessAttempt": 9,
    "admin:axes.AccessFailureLog": 7,
    "admin:axes.AccessLog": 7,
    "admin:fleet.FleetAccount": 6,
    "admin:fleet.FleetLink": 6,
    "admin:fleet.FleetMembership": 6,
    "admin:garage.ApiToken": 6,
    "admin:garage.Garage": 6,
    "admin:garage.Membership": 6,
    "admin:insights.MonthlyUsage": 8,
    "admin:billing.Tariff": 6,
    "admin:billing.Statement": 8,
    "admin:billing.Invoice": 7,
    "admin:photos.CheckPhoto": 6,
    "admin:notifications.EmailOptOut": 6,
    "admin:notifications.Notification": 9,
    "admin:promotions.Promotion": 8,
    "admin:promotions.PromotionRecipient": 6,
    "admin:reminders.ReminderSent": 8,
    "admin:transfers.EmailCorrection": 6,
    "admin:transfers.OwnerContactChange": 4,
    "admin:transfers.Transfer": 6,
}


# --- Walking the URLconf -----------------------------------------------------------------------


def _route_names(resolver=None, namespace="", prefix=""):
    """(name, namespace, pattern) of every route of the URLconf."""
    resolver = resolver or get_resolver()
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            inner = namespace
            if entry.namespace:
                inner = f"{namespace}:{entry.namespace}" if namespace else entry.namespace
            yield from _route_names(entry, inner, prefix + str(entry.pattern))
        elif isinstance(entry, URLPattern):
            name = entry.name or ""
            full = f"{namespace}:{name}" if namespace and name else name
            yield full, namespace, prefix + str(entry.pattern)


def _api_get_operations() -> list[str]:
    from api.site import api

    schema = api.get_openapi_schema()
    return [
        "api:" + path.removeprefix("/api/v1")
        for path, operations in schema["paths"].items()
        if "get" in operations
    ]


# --- Measuring ---------------------------------------------------------------------------------


@dataclass
class Measurement:
    status: int
    queries: list[str]
    body: str


def _request(page: Page, world: World, client: Client) -> Measurement:
    url = page.url(world)
    headers = {"Authorization": f"Bearer {world.api_raw}"} if page.api else {}
    headers.update(page.headers or {})
    if page.api:
        clear_rate_keys(world.api_token)
    # Once for the per-process caches, and to fill the shared cache afresh (sessions, the
    # membership, the navigation): what is measured is a warm visit, never one whose entry
    # outlived its lifetime between the two requests.
    cache.clear()
    client.get(url, headers=headers)
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url, headers=headers)
        body = b"".join(response) if response.streaming else response.content
    return Measurement(
        response.status_code,
        [q["sql"] for q in captured.captured_queries],
        body.decode(errors="replace") if page.shows else "",
    )


def _measure_all(world: World) -> dict[str, Measurement]:
    clients = {}
    results = {}
    for key, page in PAGES.items():
        user = page.user(world)
        if user not in clients:
            client = Client(HTTP_ACCEPT_LANGUAGE="en")
            if user is not None:
                client.force_login(user)
            clients[user] = client
        results[key] = _request(page, world, clients[user])
    return results


@pytest.fixture(scope="module")
def measured(django_db_setup, django_db_blocker):
    """{size: {page key: Measurement}}, measured once for the module."""
    with django_db_blocker.unblock(), transaction.atomic():
        world = World()
        results = {}
        for size in (SMALL, LARGE):
            world.grow(size)
            results[size] = _measure_all(world)
        clear_rate_keys(world.api_token)
        transaction.set_rollback(True)
    results["world"] = world
    return results


# --- The tests ---------------------------------------------------------------------------------


def test_every_route_has_a_committed_query_count():
    problems = []
    for name, namespace, pattern in _route_names():
        if not name and not namespace.startswith("admin"):
            problems.append(f"{pattern}: an unnamed route; name it so this test can cover it")
        elif not name:
            continue  # the admin's own unnamed redirects
        elif name.startswith(("admin:", "api:")) and name not in NOT_MEASURED:
            continue  # the changelists and the API operations are listed below
        elif name not in NOT_MEASURED and not any(p.route == name for p in PAGES.values()):
            problems.append(
                f"{name}: no query count. Add the page to PAGES in "
                "tests/performance/test_query_counts.py (or to NOT_MEASURED with the reason)."
            )
    for key in _api_get_operations():
        if key not in PAGES:
            problems.append(f"{key}: an API GET operation without a query count in PAGES")
    for model in admin.site._registry:
        if f"admin:{model._meta.label}" not in PAGES:
            problems.append(f"admin changelist of {model._meta.label} not in PAGES")
    for key in PAGES:
        if key not in EXPECTED:
            problems.append(f"{key}: measured, but no committed count in EXPECTED")
    assert not problems, "\n".join(problems)


def _report(key, size, measurement, shown=40) -> str:
    queries = measurement.queries
    lines = [f"  {n}. {sql[:300]}" for n, sql in enumerate(queries[:shown], 1)]
    if len(queries) > shown:
        lines.append(f"  ... and {len(queries) - shown} more")
    return f"{key} at {size} rows: {len(queries)} queries\n" + "\n".join(lines)


@pytest.mark.django_db  # so pytest-django sets the test database up for the module fixture
@pytest.mark.parametrize("key", list(PAGES))
def test_query_count_is_exact_and_does_not_grow(measured, key):
    page = PAGES[key]
    small, large = measured[SMALL][key], measured[LARGE][key]
    assert (small.status, large.status) == (page.status, page.status), (
        f"{key}: answered {small.status} / {large.status}, expected {page.status}"
    )
    if page.shows:
        shown = page.shows(measured["world"])
        assert shown in large.body, f"{key} at {LARGE} rows does not show {shown!r}"
    counts = (len(small.queries), len(large.queries))
    expected = EXPECTED.get(key)
    assert counts == (expected, expected), (
        f"{key}: {counts[0]} queries at {SMALL} rows, {counts[1]} at {LARGE}; "
        f"committed: {expected}\n{_report(key, SMALL, small)}\n{_report(key, LARGE, large)}"
    )

"""Data sets for the statistics and usage tests, and reading a page's tables.

Statistics and usage read records that the app's services stamp with *now*; these tests need
them in the past, in known months. So the rows are written directly (as
`tests/autopaspoort/factories.StatusCheckFactory` does for odd shapes), each passport in the
state its transfers leave it in, and every timestamp given in local time (Europe/Amsterdam):
`local(2025, 6, 1, 0, 15)` is still May in UTC, which is what the month tests are about.
"""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from html.parser import HTMLParser

import factory
from django.urls import reverse
from django.utils import timezone
from factory.django import DjangoModelFactory

from autopaspoort.models import Passport, StatusCheck, StatusCheckItem
from garage.models import Membership
from insights.months import add_months, month_of
from photos.models import CheckPhoto
from quotes.models import Quote
from tests.accounts.factories import UserFactory
from tests.autopaspoort.factories import PassportFactory
from transfers.models import Transfer

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}
Rating = StatusCheckItem.Rating


def local(year, month, day, hour=12, minute=0) -> datetime:
    return timezone.make_aware(datetime(year, month, day, hour, minute))


def on(day: date, hour=12, minute=0) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(hour, minute)))


def days(count: int) -> timedelta:
    return timedelta(days=count)


def backdate(obj, **fields):
    """Set timestamps the app stamps itself (auto_now_add, `now` in a service)."""
    type(obj).objects.filter(pk=obj.pk).update(**fields)
    obj.refresh_from_db()
    return obj


class TransferFactory(DjangoModelFactory):
    """A transfer row as `transfer_confirm` leaves it (to a new customer account)."""

    class Meta:
        model = Transfer

    passport = factory.SubFactory(PassportFactory)
    garage = factory.SelfAttribute("passport.garage")
    previous_owner = factory.SelfAttribute("passport.garage.account_user")
    previous_owner_was_garage = True
    new_owner = factory.SubFactory(UserFactory)
    new_owner_is_new = True
    email = factory.SelfAttribute("new_owner.email")
    via = Transfer.Via.GARAGE
    state = Transfer.State.AWAITING_ACTIVATION


def handed_over(
    garage,
    *,
    confirmed: datetime,
    activated: datetime | None = None,
    to_stock: bool = False,
    passport: Passport | None = None,
    created: datetime | None = None,
) -> Transfer:
    """A car of `garage` transferred at `confirmed`: to a new customer who activated at
    `activated` (or has not yet), or (`to_stock`) traded in to the garage's stock, which
    completes at once. The passport (new, created at `created`, or the one given) is
    left in the state the transfer leaves it in."""
    if passport is None:
        passport = PassportFactory(garage=garage)
        backdate(passport, created_at=created or confirmed - timedelta(days=1))
    if to_stock:
        new_owner, state, completed = garage.account_user, Transfer.State.COMPLETED, confirmed
    else:
        new_owner = UserFactory()
        state = Transfer.State.COMPLETED if activated else Transfer.State.AWAITING_ACTIVATION
        completed = activated
    transfer = TransferFactory(
        passport=passport,
        new_owner=new_owner,
        new_owner_is_new=not to_stock,
        state=state,
        completed_at=completed,
    )
    backdate(transfer, created_at=confirmed)
    if to_stock:
        fields = {
            "state": Passport.State.STOCK,
            "owner": garage.account_user,
            "activated_at": confirmed,
        }
    else:
        fields = {"state": Passport.State.CUSTOMER, "owner": new_owner, "activated_at": completed}
    Passport.objects.filter(pk=passport.pk).update(**fields)
    return transfer


def check(passport, *, by, at: datetime, items=(), garage=None, latest=False) -> StatusCheck:
    """A status check performed by `by` at `at`, with `items` as (rating, cost) pairs; with
    `latest=True` it becomes the car's latest check (where open work is read from)."""
    status_check = StatusCheck.objects.create(
        passport=passport,
        garage=garage or passport.garage,
        performed_by=by,
        odometer_km=passport.odometer_km or 0,
    )
    backdate(status_check, performed_at=at)
    StatusCheckItem.objects.bulk_create(
        StatusCheckItem(
            status_check=status_check,
            component=StatusCheckItem.Component.OTHER,
            description=f"item {index}",
            rating=rating,
            estimated_cost=Decimal(cost),
        )
        for index, (rating, cost) in enumerate(items)
    )
    if latest:
        Passport.objects.filter(pk=passport.pk).update(latest_check=status_check)
    return status_check


def quote(
    garage,
    *,
    sent: datetime | None,
    state: str = Quote.State.SENT,
    kind: str = Quote.Kind.QUOTE,
    checked: datetime | None = None,
    answered: datetime | None = None,
    valid_until: date | None = None,
    total: str = "100.00",
    approved: str | None = None,
    replaces: Quote | None = None,
) -> Quote:
    """A quote row as the services leave it: on a new car of `garage` checked at `checked`
    (a day before sending by default), sent at `sent` (None: a draft), valid for 30 days
    unless `valid_until` says otherwise, answered at `answered`, totals excl. BTW."""
    anchor = sent or timezone.now()
    if replaces is not None:
        passport, status_check = replaces.passport, replaces.status_check
    else:
        passport = PassportFactory(garage=garage)
        status_check = check(passport, by=None, at=checked or anchor - days(1), garage=garage)
    if valid_until is None and sent is not None and kind == Quote.Kind.QUOTE:
        valid_until = timezone.localdate(sent) + days(30)
    row = Quote.objects.create(
        passport=passport,
        garage=garage,
        status_check=status_check,
        kind=kind,
        state=state,
        version=replaces.version + 1 if replaces else 1,
        replaces=replaces,
        prices_include_vat=False,
        valid_until=valid_until,
        sent_at=sent,
        answered_at=answered,
        total_excl=Decimal(total),
        total_incl=(Decimal(total) * Decimal("1.21")).quantize(Decimal("0.01")),
        approved_excl=Decimal(approved) if approved is not None else None,
        approved_incl=(
            (Decimal(approved) * Decimal("1.21")).quantize(Decimal("0.01"))
            if approved is not None
            else None
        ),
    )
    return row


def photo(status_check, *, at: datetime, deleted: datetime | None = None) -> CheckPhoto:
    """A check photo row uploaded at `at` (the files are not needed to count it)."""
    row = CheckPhoto.objects.create(
        status_check=status_check,
        kind=CheckPhoto.Kind.SIDES,
        original=f"checks/test/{status_check.pk}.jpg",
        width=1,
        height=1,
        size=1,
        content_type="image/jpeg",
        deleted_at=deleted,
    )
    return backdate(row, uploaded_at=at)


def month_at(today: date, offset: int, day: int = 3, hour: int = 10, minute: int = 0):
    """A local time `offset` months from today's month (0 is this month)."""
    return on(add_months(month_of(today), offset).replace(day=day), hour, minute)


@dataclass
class StatisticsSet:
    """What `seed_statistics` made, and the numbers the page must show for it."""

    anna: object
    bram: object
    # month offset (0 = this month) -> (completed, awaiting)
    transfers_by_offset = {-11: (1, 0), -5: (2, 1), -3: (2, 0), 0: (1, 1)}
    # name -> {month offset: checks}
    checks_by_offset = {
        "Anna Monteur": {-4: 2, -1: 2, 0: 1},
        "Bram Sleutel": {-11: 1, -4: 1, -2: 1},
        "Removed account": {-3: 1},
    }
    active_passports = 7
    stock_cars = 3
    awaiting_activation = 2
    activation_rate = Decimal("75.0")  # 6 completed of 8
    median = timedelta(days=1, hours=12)  # of 30 min, 2 h, 1 d, 2 d, 3 d, 5 d
    open_now = Decimal("120.60")
    open_soon = Decimal("30.25")
    open_cars = 2


def seed_statistics(garage, other_garage, *, today: date) -> StatisticsSet:
    """A garage with a known year: transfers in several months and states (with known times
    to activate), two mechanics' checks in different months, latest checks with known costs,
    and rows just outside the 12 months and of another garage that must not count."""
    anna = staff(garage, full_name="Anna Monteur")
    bram = staff(garage, full_name="Bram Sleutel")

    def at(offset, **kwargs):
        return month_at(today, offset, **kwargs)

    # Transfers: 12 months ago at 23:30 on the month's last day is still outside ...
    first_day = add_months(month_of(today), -11)
    handed_over(
        garage,
        confirmed=on(first_day - timedelta(days=1), 23, 30),
        activated=on(first_day, 9),
    )
    # ... and 00:30 on the first day of the first month (22:30 UTC the day before) is inside.
    handed_over(garage, confirmed=on(first_day, 0, 30), activated=on(first_day, 0, 30) + days(5))
    with_latest = handed_over(garage, confirmed=at(-5), activated=at(-5) + timedelta(hours=2))
    handed_over(garage, confirmed=at(-5, day=10), activated=at(-5, day=10) + days(1))
    handed_over(garage, confirmed=at(-5, day=20))  # still awaiting activation
    handed_over(garage, confirmed=at(-3), activated=at(-3) + days(3))
    handed_over(garage, confirmed=at(-3, day=4), activated=at(-3, day=4) + days(2))
    handed_over(garage, confirmed=at(-3, day=6), to_stock=True)  # a trade-in: not counted
    handed_over(garage, confirmed=at(0, day=1), activated=at(0, day=1) + timedelta(minutes=30))
    handed_over(garage, confirmed=at(0, day=2))  # awaiting
    stock = [PassportFactory(garage=garage), PassportFactory(garage=garage)]

    # Checks: Anna twice 4 months ago, once this month; Bram in the first month, 4 and 2
    # months ago; one by a removed account; one 12 months ago (outside).
    car = stock[1]
    for offset, person, day in ((-4, anna, 3), (-4, anna, 4), (0, anna, 1), (-11, bram, 1)):
        check(car, by=person, at=at(offset, day=day, hour=0, minute=15))
    check(car, by=bram, at=at(-4, day=5))
    check(car, by=None, at=at(-3))
    check(car, by=bram, at=at(-12, day=28))
    # Latest checks (1 month ago, by Anna): what is "now"/"soon" there is open work; an older
    # check's items (by Bram, 2 months ago) and "ok" items are not.
    check(
        with_latest.passport,
        by=anna,
        at=at(-1),
        items=[(Rating.NOW, "120.50"), (Rating.SOON, "30.25"), (Rating.OK, "999.00")],
        latest=True,
    )
    check(stock[0], by=bram, at=at(-2), items=[(Rating.NOW, "500.00")])
    check(stock[0], by=anna, at=at(-1, day=4), items=[(Rating.NOW, "0.10")], latest=True)

    # Another garage: none of this counts.
    theirs = handed_over(other_garage, confirmed=at(-5), activated=at(-5, day=4))
    PassportFactory(garage=other_garage)
    check(
        theirs.passport,
        by=other_garage.account_user,
        at=at(-1),
        items=[(Rating.NOW, "77.00")],
        latest=True,
    )
    return StatisticsSet(anna=anna, bram=bram)


def staff(garage, *, role=Membership.Role.MECHANIC, **user_fields):
    """A person working at `garage` (a mechanic unless `role` says otherwise)."""
    user = UserFactory(**user_fields)
    Membership.objects.create(garage=garage, user=user, role=role, invited_by=garage.account_user)
    return user


def statistics_url(garage) -> str:
    return reverse("insights:statistics", kwargs={"garage_id": garage.pk})


def usage_url(garage) -> str:
    return reverse("insights:usage", kwargs={"garage_id": garage.pk})


class _Tables(HTMLParser):
    """The text of every cell (th and td) of the page's tables, by table id."""

    def __init__(self):
        super().__init__()
        self.tables: dict[str, list[list[str]]] = {}
        self._table = self._row = self._cell = None

    def handle_starttag(self, tag, attrs):
        if tag == "table":
            self._table = self.tables.setdefault(dict(attrs).get("id", ""), [])
        elif tag == "tr" and self._table is not None:
            self._row = []
            self._table.append(self._row)
        elif tag in ("td", "th") and self._row is not None:
            self._cell = []
        elif tag == "br" and self._cell is not None:
            self._cell.append(" ")

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self._cell is not None:
            self._row.append(" ".join("".join(self._cell).split()))
            self._cell = None
        elif tag == "table":
            self._table = self._row = None

    def handle_data(self, data):
        if self._cell is not None:
            self._cell.append(data)


def page_table(response, table_id: str) -> list[list[str]]:
    parser = _Tables()
    parser.feed(response.content.decode())
    return parser.tables[table_id]

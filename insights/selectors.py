"""Reads for the statistics and usage pages, always for one garage (the caller's, found by
`garage.access`), and the usage counts the monthly billing job stores.

Every number is an aggregate query (GROUP BY month, mechanic or garage): a page or a job costs
the same handful of queries whatever the garage's size. The median time to activate is the one
figure taken in Python, from a single query's timestamps, because SQLite has no percentile.
"""

import statistics
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import (
    BooleanField,
    Case,
    Count,
    DateField,
    DecimalField,
    Exists,
    F,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce, TruncMonth
from django.utils.translation import gettext as _

from autopaspoort.models import (
    ACTIVE,
    AWAITING_ACTIVATION,
    EXPECTED_RATINGS,
    Passport,
    StatusCheck,
    StatusCheckItem,
)
from insights.models import MonthlyUsage
from insights.months import add_months, last_months, month_bounds, month_of, start_of
from photos.models import CheckPhoto
from quotes.models import Quote
from transfers.models import Transfer

MONTHS_SHOWN = 12
Rating = StatusCheckItem.Rating
_ZERO = Value(Decimal("0.00"), output_field=DecimalField(max_digits=12, decimal_places=2))


# --- Statistics ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class TransferMonth:
    month: date
    completed: int = 0
    awaiting: int = 0

    @property
    def total(self) -> int:
        return self.completed + self.awaiting


@dataclass(frozen=True)
class TransferStatistics:
    months: list[TransferMonth]
    completed: int
    awaiting: int
    # completed / (completed + awaiting) in percent, one decimal; None without any.
    activation_rate: Decimal | None
    median_time_to_activate: timedelta | None

    @property
    def total(self) -> int:
        return self.completed + self.awaiting


@dataclass(frozen=True)
class MechanicChecks:
    name: str
    counts: list[int]  # one per month of `CheckStatistics.months`

    @property
    def total(self) -> int:
        return sum(self.counts)


@dataclass(frozen=True)
class CheckStatistics:
    months: list[date]
    mechanics: list[MechanicChecks]

    @property
    def totals(self) -> list[int]:
        return [sum(column) for column in zip(*(m.counts for m in self.mechanics), strict=True)]

    @property
    def total(self) -> int:
        return sum(mechanic.total for mechanic in self.mechanics)


@dataclass(frozen=True)
class OpenWork:
    now: Decimal
    soon: Decimal
    cars: int  # cars whose latest check has at least one item rated now or soon

    @property
    def total(self) -> Decimal:
        return self.now + self.soon


@dataclass(frozen=True)
class GarageStatistics:
    months: list[date]  # the last 12 months, oldest first, today's month included
    active_passports: int
    awaiting_activation: int
    stock_cars: int
    transfers: TransferStatistics
    checks: CheckStatistics
    open_work: OpenWork


def garage_statistics(*, garage, today: date) -> GarageStatistics:
    """The statistics page of `garage` as of `today`: five queries, whatever its size."""
    months = last_months(today, MONTHS_SHOWN)
    since, until = start_of(months[0]), start_of(add_months(months[-1], 1))
    cars = Passport.objects.filter(garage=garage).aggregate(
        active=Count("id", filter=ACTIVE),
        awaiting=Count("id", filter=AWAITING_ACTIVATION),
        stock=Count("id", filter=Q(state=Passport.State.STOCK)),
    )
    return GarageStatistics(
        months=months,
        active_passports=cars["active"],
        awaiting_activation=cars["awaiting"],
        stock_cars=cars["stock"],
        transfers=transfer_statistics(garage=garage, months=months, since=since, until=until),
        checks=check_statistics(garage=garage, months=months, since=since, until=until),
        open_work=open_work(garage=garage),
    )


def _customer_transfers(*, garage, since: datetime, until: datetime) -> QuerySet[Transfer]:
    """The garage's transfers to a customer confirmed in [since, until). A trade-in (a car
    transferred to the garage's own stock) completes at once and needs no activation: it is
    not a hand-over to a customer and would only flatter the rate."""
    return (
        Transfer.objects.filter(garage=garage, created_at__gte=since, created_at__lt=until)
        .exclude(new_owner_id=garage.account_user_id)
        .exclude(state=Transfer.State.CANCELLED)  # withdrawn: no hand-over happened
    )


def _month(expression: str) -> TruncMonth:
    # Local (TIME_ZONE) months, returned as the month's first day.
    return TruncMonth(expression, output_field=DateField())


def transfer_statistics(*, garage, months, since, until) -> TransferStatistics:
    """Transfers per month (by the month they were confirmed) by state, the activation rate
    over those months and the median time from confirmation to activation (two queries)."""
    transfers = _customer_transfers(garage=garage, since=since, until=until)
    State = Transfer.State
    per_month = {
        row["month"]: TransferMonth(
            month=row["month"],
            completed=row["completed"],
            awaiting=row["awaiting"],
        )
        for row in transfers.annotate(month=_month("created_at"))
        .values("month")
        .annotate(
            completed=Count("id", filter=Q(state=State.COMPLETED)),
            awaiting=Count("id", filter=Q(state=State.AWAITING_ACTIVATION)),
        )
        .order_by()
    }
    rows = [per_month.get(month, TransferMonth(month=month)) for month in months]
    completed = sum(row.completed for row in rows)
    total = sum(row.total for row in rows)
    durations = [
        completed_at - created_at
        for created_at, completed_at in transfers.filter(state=State.COMPLETED).values_list(
            "created_at", "completed_at"
        )
    ]
    return TransferStatistics(
        months=rows,
        completed=completed,
        awaiting=sum(row.awaiting for row in rows),
        activation_rate=(
            (Decimal(100 * completed) / total).quantize(Decimal("0.1"), ROUND_HALF_UP)
            if total
            else None
        ),
        median_time_to_activate=statistics.median(durations) if durations else None,
    )


def check_statistics(*, garage, months, since, until) -> CheckStatistics:
    """Status checks done at the garage per person and month (one query). Everyone who
    recorded a check counts, also an admin or someone who has left since."""
    rows = (
        StatusCheck.objects.filter(garage=garage, performed_at__gte=since, performed_at__lt=until)
        .annotate(month=_month("performed_at"))
        .values("performed_by", "performed_by__full_name", "performed_by__email", "month")
        .annotate(checks=Count("id"))
        .order_by()
    )
    column = {month: index for index, month in enumerate(months)}
    counts: dict[int | None, list[int]] = {}
    names: dict[int | None, str] = {}
    for row in rows:
        person = row["performed_by"]
        names[person] = (
            row["performed_by__full_name"]
            or row["performed_by__email"]
            or _("Removed account")  # the person's account was deleted since
        )
        counts.setdefault(person, [0] * len(months))[column[row["month"]]] += row["checks"]
    people = sorted(counts, key=lambda person: (person is None, names[person].casefold()))
    mechanics = [MechanicChecks(name=names[person], counts=counts[person]) for person in people]
    return CheckStatistics(months=months, mechanics=mechanics)


def open_work(*, garage) -> OpenWork:
    """What the latest check of each of the garage's cars rates "now" or "soon", in euros (one
    query): the work the garage can expect to do."""
    totals = StatusCheckItem.objects.filter(
        status_check__passport__garage=garage,
        status_check__passport__latest_check=F("status_check"),
        rating__in=EXPECTED_RATINGS,
    ).aggregate(
        now=Coalesce(Sum("estimated_cost", filter=Q(rating=Rating.NOW)), _ZERO),
        soon=Coalesce(Sum("estimated_cost", filter=Q(rating=Rating.SOON)), _ZERO),
        cars=Count("status_check", distinct=True),
    )
    return OpenWork(now=totals["now"], soon=totals["soon"], cars=totals["cars"])


# --- Usage --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class UsageCounts:
    active_passports: int = 0
    passports_created: int = 0
    transfers_completed: int = 0
    quotes_sent: int = 0
    photos_added: int = 0


def _active_at(passports: QuerySet[Passport], until: datetime) -> QuerySet[Passport]:
    """The passports that were a customer's, with an activated owner, just before `until`.

    Owners change only by transfer (a passport is created as stock and handed over by
    `transfer_confirm`), so the transfer confirmed last before `until` tells who the owner was
    then: the passport counts if that transfer went to a customer and was completed before
    `until`. A passport never transferred was never handed over, so its current state and
    `activated_at` tell (customer rows written without a transfer, e.g. imported data).

    Approximation: an email correction rewrites its transfer in place (new owner, completion
    time), so a corrected transfer counts as if it had been made that way.
    """
    last_transfer = (
        Transfer.objects.filter(passport=OuterRef("pk"), created_at__lt=until)
        .exclude(state=Transfer.State.CANCELLED)
        .order_by("-created_at", "-id")
        .annotate(
            activated=Case(
                When(
                    Q(completed_at__lt=until)
                    & ~Q(new_owner_id=OuterRef("garage__account_user_id")),
                    then=Value(True),
                ),
                default=Value(False),
                output_field=BooleanField(),
            )
        )
        .values("activated")[:1]
    )
    transferred = Transfer.objects.filter(passport=OuterRef("pk")).exclude(
        state=Transfer.State.CANCELLED
    )
    return passports.filter(created_at__lt=until).filter(
        Q(Subquery(last_transfer))
        | Q(~Exists(transferred), state=Passport.State.CUSTOMER, activated_at__lt=until)
    )


def usage_counts(*, since: datetime, until: datetime, garage=None) -> dict[int, UsageCounts]:
    """Usage of [since, until) per garage id (five queries, for all garages at once, or for
    `garage` alone): active passports at `until`, passports created, customer transfers
    completed, quotes sent and check photos added in the period. Garages without any usage
    are missing from the result.

    A quote counts in the month it was sent (`sent_at`), whatever happened to it since: a new
    version is a new quote sent to the owner and counts again. Work orders (a stock car's
    delivery planning, issued to the garage's own workshop, never emailed) are not counted:
    no customer used anything. A photo counts in the month it was uploaded unless support
    deleted it (a photo deleted for a reason was not legitimate use)."""
    scope = {} if garage is None else {"garage": garage}
    active = (
        _active_at(Passport.objects.filter(**scope), until)
        .values("garage_id")
        .annotate(n=Count("id"))
        .order_by()
    )
    created = (
        Passport.objects.filter(created_at__gte=since, created_at__lt=until, **scope)
        .values("garage_id")
        .annotate(n=Count("id"))
        .order_by()
    )
    completed = (
        Transfer.objects.filter(
            state=Transfer.State.COMPLETED,
            completed_at__gte=since,
            completed_at__lt=until,
            garage__isnull=False,
            **scope,
        )
        .exclude(new_owner_id=F("garage__account_user_id"))  # trade-ins are not customer use
        .values("garage_id")
        .annotate(n=Count("id"))
        .order_by()
    )
    quotes = (
        Quote.objects.filter(
            kind=Quote.Kind.QUOTE,
            sent_at__gte=since,
            sent_at__lt=until,
            **scope,
        )
        .exclude(state=Quote.State.DRAFT)
        .values("garage_id")
        .annotate(n=Count("id"))
        .order_by()
    )
    photo_scope = {} if garage is None else {"status_check__garage": garage}
    photos = (
        CheckPhoto.objects.visible()
        .filter(uploaded_at__gte=since, uploaded_at__lt=until, **photo_scope)
        .values(garage_id=F("status_check__garage_id"))
        .annotate(n=Count("id"))
        .order_by()
    )
    found: dict[int, dict[str, int]] = {}
    for field, rows in (
        ("active_passports", active),
        ("passports_created", created),
        ("transfers_completed", completed),
        ("quotes_sent", quotes),
        ("photos_added", photos),
    ):
        for row in rows:
            found.setdefault(row["garage_id"], {})[field] = row["n"]
    return {garage_id: UsageCounts(**fields) for garage_id, fields in found.items()}


def monthly_usage_list(*, garage) -> QuerySet[MonthlyUsage]:
    return MonthlyUsage.objects.filter(garage=garage).order_by("-month")


@dataclass(frozen=True)
class UsageSoFar:
    month: date
    counts: UsageCounts


def usage_so_far(*, garage, today: date) -> UsageSoFar:
    """This month's usage up to the end of `today`: not final, not stored (five queries)."""
    month = month_of(today)
    since, _end = month_bounds(month)
    counts = usage_counts(since=since, until=start_of(today + timedelta(days=1)), garage=garage)
    return UsageSoFar(month=month, counts=counts.get(garage.pk, UsageCounts()))

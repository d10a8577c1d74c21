"""Reads for the statistics and usage pages, always for one garage (the caller's, found by
`garage.access`), and the usage counts the monthly billing job stores.

Every number is an aggregate query (GROUP BY month, mechanic or garage): a page or a job costs
the same handful of queries whatever the garage's size. The median time to activate is taken in
Python, from a single query's timestamps, because SQLite has no percentile; the median time
from check to approval is `percentile_cont` on PostgreSQL (the production database) with the
same one-query fallback in Python on SQLite.
"""

import statistics
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.db import connections
from django.db.models import (
    Aggregate,
    BooleanField,
    Case,
    Count,
    DateField,
    DecimalField,
    DurationField,
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
from django.utils import timezone
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


def _percent(part, whole) -> Decimal | None:
    """part / whole in percent, one decimal; None when there is no whole."""
    if not whole:
        return None
    return (Decimal(100) * Decimal(part) / Decimal(whole)).quantize(Decimal("0.1"), ROUND_HALF_UP)


@dataclass(frozen=True)
class QuoteMonth:
    """The quotes (to owners; never work orders) of one month, each event in the month it
    happened: sent by `sent_at`, approved and declined by `answered_at`, expired by
    `valid_until` (a sent quote never answered whose last valid day has passed)."""

    month: date
    sent: int = 0
    approved: int = 0
    declined: int = 0
    expired: int = 0
    quoted_excl: Decimal = Decimal("0.00")  # sent in the month, unless replaced since
    approved_excl: Decimal = Decimal("0.00")  # approved in the month (the accepted lines)
    median_to_approval: timedelta | None = None  # of the quotes approved in the month

    @property
    def outcomes(self) -> int:
        return self.approved + self.declined + self.expired

    @property
    def approval_rate(self) -> Decimal | None:
        return _percent(self.approved, self.outcomes)


@dataclass(frozen=True)
class QuoteStatistics:
    months: list[QuoteMonth]
    median_to_approval: timedelta | None  # of all quotes approved in the months

    def _sum(self, field: str):
        return sum((getattr(row, field) for row in self.months), start=0)

    @property
    def sent(self) -> int:
        return self._sum("sent")

    @property
    def approved(self) -> int:
        return self._sum("approved")

    @property
    def declined(self) -> int:
        return self._sum("declined")

    @property
    def expired(self) -> int:
        return self._sum("expired")

    @property
    def outcomes(self) -> int:
        return self._sum("outcomes")

    @property
    def approval_rate(self) -> Decimal | None:
        return _percent(self.approved, self.outcomes)

    @property
    def quoted_excl(self) -> Decimal:
        return sum((row.quoted_excl for row in self.months), start=Decimal("0.00"))

    @property
    def approved_excl(self) -> Decimal:
        return sum((row.approved_excl for row in self.months), start=Decimal("0.00"))

    @property
    def approved_value_share(self) -> Decimal | None:
        """Approved value as a percentage of quoted value over the months."""
        return _percent(self.approved_excl, self.quoted_excl)


@dataclass(frozen=True)
class PhotoMonth:
    month: date
    checks: int = 0
    photos: int = 0  # on the month's checks, not deleted by support

    @property
    def per_check(self) -> Decimal | None:
        return _per_check(self.photos, self.checks)


def _per_check(photos: int, checks: int) -> Decimal | None:
    if not checks:
        return None
    return (Decimal(photos) / Decimal(checks)).quantize(Decimal("0.1"), ROUND_HALF_UP)


@dataclass(frozen=True)
class PhotoStatistics:
    months: list[PhotoMonth]

    @property
    def checks(self) -> int:
        return sum(row.checks for row in self.months)

    @property
    def photos(self) -> int:
        return sum(row.photos for row in self.months)

    @property
    def per_check(self) -> Decimal | None:
        return _per_check(self.photos, self.checks)


@dataclass(frozen=True)
class GarageStatistics:
    months: list[date]  # the last 12 months, oldest first, today's month included
    active_passports: int
    awaiting_activation: int
    stock_cars: int
    transfers: TransferStatistics
    checks: CheckStatistics
    open_work: OpenWork
    quotes: QuoteStatistics
    photos: PhotoStatistics


def garage_statistics(*, garage, today: date) -> GarageStatistics:
    """The statistics page of `garage` as of `today`: ten queries, whatever its size."""
    months = last_months(today, MONTHS_SHOWN)
    since, until = start_of(months[0]), start_of(add_months(months[-1], 1))
    checks = check_statistics(garage=garage, months=months, since=since, until=until)
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
        checks=checks,
        open_work=open_work(garage=garage),
        quotes=quote_statistics(garage=garage, months=months, today=today),
        photos=photo_statistics(garage=garage, checks=checks, since=since, until=until),
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


class Median(Aggregate):
    """PostgreSQL's median (`percentile_cont(0.5)`), of numbers or of intervals."""

    function = "percentile_cont"
    template = "%(function)s(0.5) WITHIN GROUP (ORDER BY %(expressions)s)"
    allow_distinct = False


def quote_statistics(*, garage, months: list[date], today: date) -> QuoteStatistics:
    """The garage's quotes per month (four queries): sent, approved, declined and expired,
    quoted and approved value excl. BTW, and the median time from check to approval.

    Only quotes to owners count: a work order (a stock car's delivery planning) is never sent
    to anyone to answer. Every sent version counts as sent (as in the usage record), but the
    quoted value leaves out versions that were replaced, so a revised quote is not counted
    twice. Replaced and withdrawn quotes are no outcome: they are neither declined nor expired.
    """
    since, until = start_of(months[0]), start_of(add_months(months[-1], 1))
    quotes = Quote.objects.filter(garage=garage, kind=Quote.Kind.QUOTE).exclude(
        state=Quote.State.DRAFT
    )
    found: dict[date, dict] = {month: {} for month in months}
    for row in (
        quotes.filter(sent_at__gte=since, sent_at__lt=until)
        .annotate(month=_month("sent_at"))
        .values("month")
        .annotate(
            n=Count("id"),
            value=Coalesce(
                Sum("total_excl", filter=~Q(state=Quote.State.REPLACED)),
                _ZERO,
            ),
        )
        .order_by()
    ):
        found[row["month"]].update(sent=row["n"], quoted_excl=row["value"])
    answered = quotes.filter(
        state__in=[Quote.State.APPROVED, Quote.State.DECLINED],
        answered_at__gte=since,
        answered_at__lt=until,
    )
    for row in (
        answered.annotate(month=_month("answered_at"))
        .values("month")
        .annotate(
            approved=Count("id", filter=Q(state=Quote.State.APPROVED)),
            declined=Count("id", filter=Q(state=Quote.State.DECLINED)),
            value=Coalesce(Sum("approved_excl", filter=Q(state=Quote.State.APPROVED)), _ZERO),
        )
        .order_by()
    ):
        found[row["month"]].update(
            approved=row["approved"], declined=row["declined"], approved_excl=row["value"]
        )
    # Expired in the month of its last valid day, once that day is over (as `Quote.is_expired`).
    for row in (
        quotes.filter(
            state=Quote.State.SENT,
            valid_until__gte=months[0],
            valid_until__lt=min(add_months(months[-1], 1), today),
        )
        .annotate(month=TruncMonth("valid_until", output_field=DateField()))
        .values("month")
        .annotate(n=Count("id"))
        .order_by()
    ):
        found[row["month"]]["expired"] = row["n"]
    medians, overall = _approval_medians(answered.filter(state=Quote.State.APPROVED))
    for month, median in medians.items():
        found[month]["median_to_approval"] = median
    return QuoteStatistics(
        months=[QuoteMonth(month=month, **found[month]) for month in months],
        median_to_approval=overall,
    )


def _approval_medians(
    approved: QuerySet[Quote], *, in_sql: bool | None = None
) -> tuple[dict[date, timedelta], timedelta | None]:
    """The median time from the quote's check to its approval, per month of approval and over
    all of `approved` (one query). PostgreSQL computes it (`percentile_cont`, which takes the
    mean of the two middle values of an even count, as `statistics.median` does); SQLite has
    no percentile, so there the times come back and Python takes the medians."""
    to_approval = F("answered_at") - F("status_check__performed_at")
    if in_sql is None:
        in_sql = connections[approved.db].vendor == "postgresql"
    if in_sql:
        median = Median(to_approval, output_field=DurationField())
        per_month = (
            approved.annotate(month=_month("answered_at"))
            .values("month")
            .annotate(median=median)
            .order_by()
        )
        everything = (
            approved.annotate(month=Value(None, output_field=DateField()))
            .values("month")
            .annotate(median=median)
            .order_by()
        )
        rows = [(row["month"], row["median"]) for row in per_month.union(everything, all=True)]
        overall = next((median for month, median in rows if month is None), None)
        return {month: median for month, median in rows if month is not None}, overall
    times: dict[date, list[timedelta]] = {}
    for answered_at, performed_at in approved.values_list(
        "answered_at", "status_check__performed_at"
    ):
        month = month_of(timezone.localdate(answered_at))
        times.setdefault(month, []).append(answered_at - performed_at)
    every = [each for month_times in times.values() for each in month_times]
    return (
        {month: statistics.median(values) for month, values in times.items()},
        statistics.median(every) if every else None,
    )


def photo_statistics(*, garage, checks: CheckStatistics, since, until) -> PhotoStatistics:
    """The photos (not deleted by support) on the garage's status checks per month of the check
    (one query); the checks per month are `check_statistics`' totals."""
    photos = {
        row["month"]: row["n"]
        for row in CheckPhoto.objects.visible()
        .filter(
            status_check__garage=garage,
            status_check__performed_at__gte=since,
            status_check__performed_at__lt=until,
        )
        .annotate(month=_month("status_check__performed_at"))
        .values("month")
        .annotate(n=Count("id"))
        .order_by()
    }
    return PhotoStatistics(
        months=[
            PhotoMonth(month=month, checks=count, photos=photos.get(month, 0))
            for month, count in zip(
                checks.months, checks.totals or [0] * len(checks.months), strict=True
            )
        ]
    )


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

"""Reads of passports, always within one garage: another garage's plate is a 404."""

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db.models import (
    BooleanField,
    Count,
    DecimalField,
    Exists,
    F,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce
from django.http import Http404
from django.utils import timezone

from autopaspoort import plates
from autopaspoort.models import (
    AWAITING_ACTIVATION,
    ApkDefect,
    GarageHandover,
    GarageMoveRequest,
    HistoryEntry,
    Passport,
    PassportRecall,
    StatusCheck,
    StatusCheckItem,
    expected_cost_q,
)
from autopaspoort.validators import VIN_LENGTH, normalize_vin
from core.pagination import keyset_page
from core.shared_cache import cached, cached_many, store

logger = logging.getLogger(__name__)

PAGE_SIZE = 25
MIN_SEARCH_LENGTH = 3
Rating = StatusCheckItem.Rating
_ZERO = Value(Decimal("0.00"), output_field=DecimalField(max_digits=12, decimal_places=2))


def _latest_check_total(*conditions, **item_filter):
    """Sum of the latest check's items matching the filter, per passport row (0 if none)."""
    totals = (
        StatusCheckItem.objects.filter(
            *conditions, status_check=OuterRef("latest_check_id"), **item_filter
        )
        .order_by()
        .values("status_check")
        .annotate(total=Sum("estimated_cost"))
        .values("total")
    )
    return Coalesce(Subquery(totals), _ZERO)


def with_costs(queryset: QuerySet[Passport]) -> QuerySet[Passport]:
    """Annotate expected and delivery costs of the latest check, and whether it needs work."""
    return queryset.annotate(
        expected_costs=_latest_check_total(expected_cost_q()),
        delivery_costs=_latest_check_total(fix_before_delivery=True),
        # A scalar subquery with LIMIT 1, not EXISTS: PostgreSQL turns an EXISTS in the select
        # list into a hashed subplan that reads every "now" item of every car in the database
        # (65 ms at 200,000 cars); this one is one index probe per row on the page.
        needs_work=Coalesce(
            Subquery(
                StatusCheckItem.objects.filter(
                    status_check=OuterRef("latest_check_id"), rating=Rating.NOW
                ).values(true=Value(True, output_field=BooleanField()))[:1]
            ),
            Value(False),
            output_field=BooleanField(),
        ),
    )


def with_open_recall(queryset: QuerySet[Passport]) -> QuerySet[Passport]:
    """Annotate `open_recall` (a badge on the lists): a LIMIT 1 scalar subquery, one index probe
    per row on the page (not EXISTS in the select list; see `with_costs`)."""
    return queryset.annotate(
        open_recall=Coalesce(
            Subquery(
                PassportRecall.objects.filter(
                    passport=OuterRef("pk"), status=PassportRecall.Status.OPEN
                ).values(true=Value(True, output_field=BooleanField()))[:1]
            ),
            Value(False),
            output_field=BooleanField(),
        )
    )


def open_recall_q() -> Q:
    """Cars with a recall the RDW lists as open (the dashboard's and the fleet's filter)."""
    return Q(
        Exists(
            PassportRecall.objects.filter(
                passport=OuterRef("pk"), status=PassportRecall.Status.OPEN
            )
        )
    )


# The fields a dashboard row shows (templates/autopaspoort/_dashboard_cars.html): the state
# badge reads the state, activation, owner left and the owner's account being active.
DASHBOARD_ROW_FIELDS = (
    "plate",
    "garage_id",
    "make",
    "model",
    "state",
    "activated_at",
    "owner_left_at",
    "apk_expires",
    "latest_check__performed_at",
    "owner__is_active",
)


@dataclass(frozen=True)
class PassportPage:
    passports: list
    next_after: int | None  # keyset cursor: the last id on this page, if there is more


def passport_list(
    *,
    garage,
    state: str = "",
    needs_work: bool = False,
    open_recall: bool = False,
    search: str = "",
    after: int | None = None,
    page_size: int = PAGE_SIZE,
) -> PassportPage:
    """One page of the garage's passports, newest first, with costs; keyset-paginated so the
    200th page costs what the first does."""
    queryset = with_open_recall(
        with_costs(
            # the owner: whether a customer car awaits activation or confirmation (the badge)
            Passport.objects.filter(garage=garage)
            .select_related("latest_check", "owner")
            # Only what a row shows: every column costs the ORM time to compile and to load.
            .only(*DASHBOARD_ROW_FIELDS)
        )
    )
    if state:
        queryset = queryset.filter(state=state)
    if needs_work:
        queryset = queryset.filter(needs_work=True)
    if open_recall:
        queryset = queryset.filter(open_recall_q())
    if search:
        queryset = queryset.filter(search_q(search, owner_names=True))
    rows, next_after = keyset_page(queryset, after=after, size=page_size, key="-id")
    return PassportPage(passports=rows, next_after=next_after)


def search_q(search: str, *, owner_names: bool) -> Q:
    """What a search box finds: part of the plate in any spelling (trigram index on
    `plate_compact`), part of the driver's name and, when `owner_names` (the garage, not a
    fleet: a fleet's cars carry no owner of theirs to find), of the owner's name (both
    case-insensitive, trigram indexes on PostgreSQL: migration 0014), or the exact VIN
    (case and spaces ignored; `passport_vin_idx`)."""
    text = " ".join(search.split())
    condition = Q(driver_name__icontains=text)
    plate = plates.compact(text)
    # A compact plate has at most 6 characters (`plate_compact`); a longer search (a VIN, a
    # whole name) cannot match one, and leaving the plate out lets PostgreSQL combine the
    # name and VIN indexes instead of reading every car of the garage.
    if len(plate) <= Passport._meta.get_field("plate_compact").output_field.max_length:
        condition |= Q(plate_compact__contains=plate)
    if owner_names:
        condition |= Q(owner_name__icontains=text)
    vin = normalize_vin(text)
    if len(vin) == VIN_LENGTH and vin.isascii() and vin.isalnum():
        condition |= Q(vin=vin)
    return condition


# The dashboard header sums the latest check of every car of the garage: ~50 ms for 10,000 cars,
# on every dashboard page and search. It is cached per garage and forgotten by every service
# that changes it (autopaspoort.services.dashboard_summary_changed, after commit); the short
# lifetime bounds what a change outside the services (support in the admin) leaves stale.
SUMMARY_CACHE_SECONDS = 60
DASHBOARD_VERSION_SECONDS = 24 * 60 * 60


def _version_key(garage_id: int) -> str:
    return f"dashboard-version:{garage_id}"


def _dashboard_version(garage_id: int) -> int:
    """The version of the garage's cars that the dashboard's cached parts are keyed by: a new
    one (never an old one again) each time a service changes them, so one write forgets the
    summary and every cached page of the list at once, in every web process."""
    return cached(_version_key(garage_id), time.time_ns, DASHBOARD_VERSION_SECONDS)


def dashboard_summary(*, garage) -> dict:
    """Counts and cost totals for the dashboard header (cached; see SUMMARY_CACHE_SECONDS)."""
    key = f"dashboard-summary:{garage.pk}:{_dashboard_version(garage.pk)}"
    return cached(
        f"{key}:{timezone.localdate():%Y-%m}",
        lambda: _dashboard_summary(garage=garage),
        SUMMARY_CACHE_SECONDS,
    )


def dashboard_cached(
    *, garage, overview: tuple[str, Callable[[], str]], cars: tuple[str, Callable[[], str]] | None
) -> tuple[str, str]:
    """The dashboard's two parts as their callables render them, each given as (variant,
    render): the overview (counts, totals, requests, maintenance due, private sales) and the
    list of cars (the filters, one page of rows, the paging; None: not cached, a search).
    Both are cached per garage version and variant (what else the part depends on: the
    language, the day, the query string), read in one round trip."""
    version = _dashboard_version(garage.pk)
    wanted = {"overview": overview, "cars": cars}
    keys = {
        name: f"dashboard-{name}:{garage.pk}:{version}:{part[0]}"
        for name, part in wanted.items()
        if part is not None
    }
    found = cached_many(list(keys.values()))
    parts = {}
    for name, key in keys.items():
        parts[name] = found.get(key)
        if parts[name] is None:
            parts[name] = wanted[name][1]()
            store(key, parts[name], SUMMARY_CACHE_SECONDS)
    return parts["overview"], parts.get("cars")


def dashboard_summary_forget(garage_id: int) -> None:
    store(_version_key(garage_id), time.time_ns(), DASHBOARD_VERSION_SECONDS)


def _dashboard_summary(*, garage) -> dict:
    """Counts and cost totals: three queries whatever the number of cars."""
    summary = Passport.objects.filter(garage=garage).aggregate(
        stock=Count("id", filter=Q(state=Passport.State.STOCK)),
        customer=Count("id", filter=Q(state=Passport.State.CUSTOMER)),
        awaiting_activation=Count("id", filter=AWAITING_ACTIVATION),
    )
    month_start = timezone.localtime().replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    summary["checks_this_month"] = StatusCheck.objects.filter(
        garage=garage, performed_at__gte=month_start
    ).count()
    summary.update(
        StatusCheckItem.objects.filter(
            status_check__passport__garage=garage,
            status_check__passport__latest_check=F("status_check"),
        ).aggregate(
            expected_costs=Coalesce(Sum("estimated_cost", filter=expected_cost_q()), _ZERO),
            delivery_costs=Coalesce(
                Sum(
                    "estimated_cost",
                    filter=Q(
                        fix_before_delivery=True,
                        status_check__passport__state=Passport.State.STOCK,
                    ),
                ),
                _ZERO,
            ),
        )
    )
    return summary


def passport_find_exact(*, garage, raw_plate: str) -> Passport | None:
    """The garage's passport for a plate typed in any spelling, or None."""
    try:
        plate = plates.normalize(raw_plate)
    except ValidationError:
        return None
    # Only what the redirect to the profile needs (get_absolute_url): the lookup is the hottest
    # query of the garage pages.
    return Passport.objects.only("plate", "garage_id").filter(garage=garage, plate=plate).first()


def passport_get(*, garage, plate: str, latest_items: bool = True, full: bool = True) -> Passport:
    """The profile's passport with its latest check and (unless not `latest_items`, for a page
    that shows another check) its items; 404 for any other garage. Not `full` (the profile and
    the check page): the car's garage is `garage` itself, not joined again with its login (the
    transfer pages need that), and the latest check comes without its mechanic."""
    try:
        plate = plates.normalize(plate)
    except ValidationError:
        raise Http404 from None
    related = ["owner", "fleet"]
    related += ["latest_check__performed_by", "garage__account_user"] if full else ["latest_check"]
    queryset = Passport.objects.select_related(*related)
    if latest_items:
        queryset = queryset.prefetch_related(
            Prefetch("latest_check__items", queryset=StatusCheckItem.objects.order_by("id"))
        )
    passport = queryset.filter(garage=garage, plate=plate).first()
    if passport is None:
        raise Http404
    if not full:
        passport.garage = garage  # the same row, already loaded with the membership
    return passport


def passport_get_lean(*, garage, plate: str) -> Passport:
    """The garage's passport with only its fleet (which the transfer refusal names); 404 for
    any other garage. For pages that show no check or owner (the transfer steps): one small
    query instead of `passport_get`'s two with five tables."""
    try:
        plate = plates.normalize(plate)
    except ValidationError:
        raise Http404 from None
    passport = Passport.objects.select_related("fleet").filter(garage=garage, plate=plate).first()
    if passport is None:
        raise Http404
    passport.garage = garage  # the row the filter matched: no second read for it
    return passport


def check_get(*, passport: Passport, check_id: int) -> StatusCheck:
    check = (
        StatusCheck.objects.filter(passport=passport, pk=check_id)
        .select_related("performed_by", "corrects")
        .prefetch_related(Prefetch("items", queryset=StatusCheckItem.objects.order_by("id")))
        .first()
    )
    if check is None:
        raise Http404
    return check


def check_item_get(*, passport: Passport, item_id: int) -> StatusCheckItem:
    """An item of one of this passport's checks; anything else is a 404."""
    item = (
        StatusCheckItem.objects.select_related("status_check__passport__garage")
        .filter(pk=item_id, status_check__passport=passport)
        .first()
    )
    if item is None:
        raise Http404
    return item


@dataclass(frozen=True)
class TimelineEvent:
    day: date
    kind: str  # "check" or "history"
    item: object


_TIMELINE_GARAGE = ("garage__name", "garage__prices_include_vat")
_TIMELINE_CHECK_FIELDS = (
    "passport_id",
    "performed_at",
    "odometer_km",
    "odometer_correction_reason",
    "corrects__performed_at",
    *_TIMELINE_GARAGE,
)
_TIMELINE_HISTORY_FIELDS = (
    "passport_id",
    "kind",
    "date",
    "odometer_km",
    "odometer_correction_reason",
    "description",
    "cost",
    "created_at",
    "created_by__full_name",
    "created_by__email",
    *_TIMELINE_GARAGE,
)


def passport_timeline(
    *, passport: Passport, limit: int = 100, since=None, until=None, written_by=None
) -> list[TimelineEvent]:
    """Checks and history entries of the car, newest first (two queries); with `since`/`until`
    (datetimes) only what happened in that period, e.g. while the car was in a fleet; with
    `written_by` (a garage) only what that garage wrote."""
    check_period, history_period = Q(), Q()
    if written_by is not None:
        # Written, not dated: a history entry's date is typed, its created_at is when.
        check_period &= Q(garage=written_by)
        history_period &= Q(garage=written_by)
        if until is not None:
            history_period &= Q(created_at__lte=until)
    if since is not None:
        check_period &= Q(performed_at__gte=since)
        history_period &= Q(date__gte=timezone.localdate(since))
    if until is not None:
        check_period &= Q(performed_at__lte=until)
        history_period &= Q(date__lte=timezone.localdate(until))
    # Only what the timeline shows (autopaspoort/_timeline_entry.html, portal.export): a garage
    # and a user have dozens of columns, each compiled, fetched and grouped by, 60 rows a page.
    checks = (
        StatusCheck.objects.filter(check_period, passport=passport)
        .select_related("garage", "corrects")
        .only(*_TIMELINE_CHECK_FIELDS)
        .annotate(
            expected_costs=Coalesce(
                Sum("items__estimated_cost", filter=expected_cost_q("items__")),
                _ZERO,
            ),
            items_now=Count("items", filter=Q(items__rating=Rating.NOW)),
            items_soon=Count("items", filter=Q(items__rating=Rating.SOON)),
        )
        .order_by("-performed_at")[:limit]
    )
    history = (
        HistoryEntry.objects.filter(history_period, passport=passport)
        .select_related("created_by", "garage")
        .only(*_TIMELINE_HISTORY_FIELDS)
        .order_by("-date", "-id")[:limit]
    )
    events = [
        TimelineEvent(day=timezone.localdate(check.performed_at), kind="check", item=check)
        for check in checks
    ] + [TimelineEvent(day=entry.date, kind="history", item=entry) for entry in history]
    events.sort(key=lambda event: event.day, reverse=True)
    return events[:limit]


def odometer_readings(*, passport: Passport) -> list[tuple[date, int]]:
    """Every recorded reading of the car as (date, km): registration, checks, history.

    A check that was corrected by a later check no longer counts for readings after the
    correction; the correction itself was judged against it (`_check_odometer`).
    """
    readings = []
    if passport.initial_odometer_km is not None:
        readings.append((timezone.localdate(passport.created_at), passport.initial_odometer_km))
    readings += [
        (timezone.localdate(performed_at), km)
        for performed_at, km in StatusCheck.objects.filter(
            passport=passport, corrections__isnull=True
        ).values_list("performed_at", "odometer_km")
    ]
    readings += list(
        HistoryEntry.objects.filter(passport=passport).values_list("date", "odometer_km")
    )
    return readings


@dataclass(frozen=True)
class CheckCosts:
    expected: Decimal  # what the owner can expect: items rated soon or now, not planned
    now: Decimal
    soon: Decimal
    delivery: Decimal  # what the garage fixes before delivering a stock car


def check_costs(items) -> CheckCosts:
    """Cost totals of one check's (already loaded) items, in Decimal euros. Items planned
    before delivery are the garage's, not the owner's (`StatusCheckItem.is_expected_cost`)."""
    expected = [i for i in items if i.is_expected_cost]
    now = sum((i.estimated_cost for i in expected if i.rating == Rating.NOW), Decimal("0.00"))
    soon = sum((i.estimated_cost for i in expected if i.rating == Rating.SOON), Decimal("0.00"))
    delivery = sum((i.estimated_cost for i in items if i.fix_before_delivery), Decimal("0.00"))
    return CheckCosts(expected=now + soon, now=now, soon=soon, delivery=delivery)


# --- Moving a customer's car to another garage ---------------------------------------------------


@dataclass(frozen=True)
class PlateElsewhere:
    """What an exact plate search tells a garage about a car it does not service: never the
    other garage, the owner or anything of the car beyond its plate."""

    plate: str
    refusal: str  # why this garage cannot ask ("" when it can)
    pending: bool  # this garage has asked and the owner has not answered yet
    handed_over: bool  # this garage serviced it before it moved: its read-only view exists


def plate_elsewhere(*, garage, raw_plate: str) -> PlateElsewhere | None:
    """For the dashboard's exact search: a plate with an AutoPaspoort at another garage (one
    query)."""
    from autopaspoort.services import garage_move_refusal

    try:
        plate = plates.normalize(raw_plate)
    except ValidationError:
        return None
    passport = (
        Passport.objects.exclude(garage=garage)
        .filter(plate=plate)
        .annotate(
            handed_over=Exists(
                GarageHandover.objects.filter(passport=OuterRef("pk"), from_garage=garage)
            ),
            pending=Exists(
                GarageMoveRequest.objects.filter(
                    passport=OuterRef("pk"),
                    to_garage=garage,
                    owner=OuterRef("owner"),
                    from_garage=OuterRef("garage"),
                    state=GarageMoveRequest.State.PENDING,
                )
            ),
        )
        .first()
    )
    if passport is None:
        return None
    return PlateElsewhere(
        plate=passport.plate,
        refusal=garage_move_refusal(passport=passport, garage=garage),
        pending=passport.pending,
        handed_over=passport.handed_over,
    )


def handover_find(*, garage, raw_plate: str) -> GarageHandover | None:
    """The latest handover of a car this garage serviced and no longer does, or None."""
    try:
        plate = plates.normalize(raw_plate)
    except ValidationError:
        return None
    return (
        GarageHandover.objects.filter(from_garage=garage, passport__plate=plate)
        .exclude(passport__garage=garage)  # back with this garage: its profile is the page
        .select_related("passport", "to_garage")
        .order_by("-moved_at", "-id")
        .first()
    )


def handover_get(*, garage, plate: str) -> GarageHandover:
    """The read-only page's handover; 404 for a car this garage never handed over."""
    handover = handover_find(garage=garage, raw_plate=plate)
    if handover is None:
        raise Http404
    return handover


def handovers_from(*, garage, limit: int = 50) -> list[GarageHandover]:
    """The cars that left this garage, newest move first (one query)."""
    return list(
        GarageHandover.objects.filter(from_garage=garage)
        .exclude(passport__garage=garage)
        .select_related("passport")
        .order_by("-moved_at", "-id")[:limit]
    )


def move_requests_for_owner(*, user, passport=None) -> list[GarageMoveRequest]:
    """The owner's unanswered move requests (of one car, or all of theirs), for the portal."""
    queryset = GarageMoveRequest.objects.filter(
        owner=user, passport__owner=user, state=GarageMoveRequest.State.PENDING
    )
    if passport is not None:
        queryset = queryset.filter(passport=passport)
    return list(
        queryset.select_related("passport", "from_garage", "to_garage").order_by("requested_at")
    )


def move_request_get(*, user, request_id: int) -> GarageMoveRequest:
    """One of the owner's own move requests; anyone else's is a 404."""
    move_request = (
        GarageMoveRequest.objects.filter(pk=request_id, owner=user, passport__owner=user)
        .select_related("passport", "to_garage")
        .first()
    )
    if move_request is None:
        raise Http404
    return move_request


def passport_elsewhere_get(*, garage, plate: str) -> Passport:
    """Another garage's passport by plate, for asking its owner; 404 when there is none."""
    try:
        plate = plates.normalize(plate)
    except ValidationError:
        raise Http404 from None
    passport = Passport.objects.exclude(garage=garage).filter(plate=plate).first()
    if passport is None:
        raise Http404
    return passport


def vehicle_changes(*, passport: Passport, limit: int = 50) -> list:
    """The latest changes of the car's vehicle data, newest first, with who made them."""
    return list(passport.vehicle_changes.select_related("changed_by")[:limit])


def move_requests_of(*, user) -> QuerySet[GarageMoveRequest]:
    """Every request of a garage to service a car, put to this person, and their answer (their
    data download: what they consented to)."""
    return (
        GarageMoveRequest.objects.filter(owner=user)
        .select_related("passport", "to_garage")
        .order_by("-requested_at", "-id")
    )


# --- RDW recalls and APK defects -------------------------------------------------------------

APK_DEFECTS_SHOWN = 20


@dataclass(frozen=True)
class RdwFindings:
    recalls: list  # PassportRecall with its recall, open ones first
    defects: list  # ApkDefect, newest inspection first

    @property
    def open_recalls(self) -> list:
        return [row for row in self.recalls if row.is_open]

    @property
    def closed_recalls(self) -> list:
        return [row for row in self.recalls if not row.is_open]


def rdw_findings(*, passport: Passport) -> RdwFindings:
    """What the RDW publishes about the car's recalls and APK defects, for a page that already
    decided the visitor may see the car (the garage's profile, the owner's portal): two
    queries."""
    recalls = list(
        PassportRecall.objects.filter(passport=passport)
        .select_related("recall")
        .order_by("status", "-first_seen_at", "-id")
    )
    defects = list(
        ApkDefect.objects.filter(passport=passport).order_by("-reported_on", "code")[
            :APK_DEFECTS_SHOWN
        ]
    )
    return RdwFindings(recalls=recalls, defects=defects)


MAINTENANCE_SOON_DAYS = 61  # "the next 2 months"
MAINTENANCE_LATE_DAYS = 30  # and those that became due in the last month
MAINTENANCE_SOON_LIMIT = 10


def maintenance_due_soon(*, garage, today) -> list[Passport]:
    """The garage's customer cars whose maintenance is likely due within two months (or became
    due last month), soonest first: one index range read of `maintenance_due_on`."""
    return list(
        Passport.objects.active()
        .filter(
            garage=garage,
            maintenance_due_on__gte=today - timedelta(days=MAINTENANCE_LATE_DAYS),
            maintenance_due_on__lte=today + timedelta(days=MAINTENANCE_SOON_DAYS),
        )
        .order_by("maintenance_due_on", "pk")
        .only("pk", "plate", "make", "model", "owner_name", "maintenance_due_on", "garage_id")[
            :MAINTENANCE_SOON_LIMIT
        ]
    )

"""Reads about transfers: for the garage's customer profile, the owner portal and the GMS API."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.core.exceptions import ValidationError
from django.db.models import OuterRef, Prefetch, Q, QuerySet, Subquery
from django.http import Http404
from django.utils import timezone

from autopaspoort import plates
from autopaspoort.models import Passport, StatusCheckItem
from transfers.models import Transfer


def transfer_latest(*, passport: Passport) -> Transfer | None:
    """The passport's latest transfer with its email's delivery state (for the garage)."""
    return (
        Transfer.objects.filter(passport=passport)
        .select_related("notification", "new_owner")
        .order_by("-id")
        .first()
    )


def transfer_get_open(*, passport: Passport, transfer_id: int) -> Transfer:
    transfer = Transfer.objects.filter(passport=passport, pk=transfer_id).first()
    if transfer is None:
        raise Http404
    return transfer


def owner_car_list(*, user) -> QuerySet[Passport]:
    """The owner's cars (their own account only), with the latest check."""
    return (
        Passport.objects.filter(owner=user, state=Passport.State.CUSTOMER)
        .select_related("latest_check", "garage")
        .order_by("plate")
    )


def owner_car_get(*, user, plate: str) -> Passport:
    """One car of the owner; any other car is a 404, whoever owns it."""
    try:
        plate = plates.normalize(plate)
    except ValidationError:
        raise Http404 from None
    passport = (
        Passport.objects.filter(owner=user, state=Passport.State.CUSTOMER, plate=plate)
        .select_related("garage", "latest_check")
        .prefetch_related(
            Prefetch("latest_check__items", queryset=StatusCheckItem.objects.order_by("id"))
        )
        .first()
    )
    if passport is None:
        raise Http404
    return passport


def transfer_waiting_for(*, user, passport: Passport) -> Transfer | None:
    """The open transfer by which `passport` waits for `user` to accept it, if any."""
    return Transfer.objects.filter(
        passport=passport, new_owner=user, state=Transfer.State.AWAITING_ACTIVATION
    ).first()


def owner_sales_open(*, user) -> QuerySet[Transfer]:
    """The private sales this person started that wait for the buyer: the seller no longer
    sees the car, only this record (plate, the address they typed) and a way to cancel it."""
    return (
        Transfer.objects.filter(
            created_by=user, via=Transfer.Via.OWNER, state=Transfer.State.AWAITING_ACTIVATION
        )
        .select_related("passport")
        .order_by("-created_at", "-id")
    )


def owner_sale_get_open(*, user, transfer_id: int) -> Transfer:
    """One of `owner_sales_open`; anything else is a 404."""
    transfer = owner_sales_open(user=user).filter(pk=transfer_id).first()
    if transfer is None:
        raise Http404
    return transfer


PRIVATE_SALES_DAYS = 30
PRIVATE_SALES_LIMIT = 5


def private_sales_recent(*, garage, limit: int = PRIVATE_SALES_LIMIT) -> list[Transfer]:
    """The garage's cars its owners transferred privately in the last 30 days, newest first,
    for the dashboard (one query). The garage keeps servicing them."""
    since = timezone.now() - timedelta(days=PRIVATE_SALES_DAYS)
    return list(
        Transfer.objects.filter(garage=garage, via=Transfer.Via.OWNER, created_at__gte=since)
        .select_related("passport")
        .only("created_at", "state", "passport__plate")  # what the notice shows
        .order_by("-created_at", "-id")[:limit]
    )


@dataclass(frozen=True)
class OwnershipPeriod:
    """A stretch of the car's life with one owner, as the current owner may see it: never the
    name of a previous owner, only "previous owner" or the garage that had it in stock."""

    start: datetime | None
    end: datetime | None
    is_you: bool
    garage_name: str  # set when the garage had the car in stock


def ownership_periods(*, passport: Passport, viewer) -> list[OwnershipPeriod]:
    transfers = list(
        Transfer.objects.filter(passport=passport)
        .exclude(state=Transfer.State.CANCELLED)  # withdrawn: the car never changed hands
        .select_related("garage")
        .order_by("created_at", "id")
    )
    periods, start = [], passport.created_at
    for transfer in transfers:
        periods.append(
            OwnershipPeriod(
                start=start,
                end=transfer.created_at,
                is_you=transfer.previous_owner_id == viewer.pk,
                garage_name=transfer.garage.name if transfer.previous_owner_was_garage else "",
            )
        )
        start = transfer.created_at
    periods.append(
        OwnershipPeriod(
            start=start,
            end=None,
            is_you=passport.owner_id == viewer.pk,
            garage_name=passport.garage.name if passport.is_stock else "",
        )
    )
    periods.reverse()
    return periods


API_PAGE_SIZE = 100


def api_passports(*, garage) -> QuerySet[Passport]:
    """The garage's passports for the GMS API, with the email of a transfer by this garage
    that still awaits activation (the only customer email the GMS may see)."""
    open_transfer = Transfer.objects.filter(
        passport=OuterRef("pk"),
        garage=garage,
        via__in=[Transfer.Via.GARAGE, Transfer.Via.API],  # made by this garage, not its fleets
        state=Transfer.State.AWAITING_ACTIVATION,
    ).values("email")[:1]
    return (
        Passport.objects.filter(garage=garage)
        .select_related("garage__account_user")  # a stock car's email is the garage's login
        .annotate(open_transfer_email=Subquery(open_transfer))
    )


@dataclass(frozen=True)
class ApiPage:
    passports: list
    next_after: tuple | None  # (updated_at, id) of the last row, if there is more


def api_passport_page(*, garage, state=None, updated_since=None, after=None) -> ApiPage:
    """Keyset page by (updated_at, id): stable while rows change, cheap at any depth."""
    queryset = api_passports(garage=garage).order_by("updated_at", "id")
    if state:
        queryset = queryset.filter(state=state)
    if updated_since is not None:
        queryset = queryset.filter(updated_at__gte=updated_since)
    if after is not None:
        updated_at, pk = after
        queryset = queryset.filter(
            Q(updated_at__gt=updated_at) | Q(updated_at=updated_at, id__gt=pk)
        )
    rows = list(queryset[: API_PAGE_SIZE + 1])
    has_more = len(rows) > API_PAGE_SIZE
    rows = rows[:API_PAGE_SIZE]
    return ApiPage(
        passports=rows, next_after=(rows[-1].updated_at, rows[-1].pk) if has_more else None
    )

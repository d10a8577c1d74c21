"""Reads about transfers: for the garage's customer profile, the owner portal and the GMS API."""

from dataclasses import dataclass
from datetime import datetime

from django.core.exceptions import ValidationError
from django.db.models import OuterRef, Prefetch, Q, QuerySet, Subquery
from django.http import Http404

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

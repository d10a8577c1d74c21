"""Reads for fleet managers, scoped to the fleets they manage: anything else is a 404."""

from datetime import timedelta

from django.core.exceptions import ValidationError
from django.db.models import Count, DecimalField, F, Q, QuerySet, Sum, Value
from django.db.models.functions import Coalesce
from django.http import Http404
from django.utils import timezone

from autopaspoort import plates
from autopaspoort.models import Passport, StatusCheckItem, expected_cost_q
from autopaspoort.selectors import (
    PAGE_SIZE,
    PassportPage,
    open_recall_q,
    search_q,
    with_costs,
    with_open_recall,
)
from core.pagination import keyset_page
from fleet.models import FleetAccount, FleetLink, FleetLinkRequest, FleetMembership

APK_DUE_DAYS = 60


def fleet_membership_get(*, user, fleet_id: int) -> FleetMembership:
    membership = (
        FleetMembership.objects.select_related("fleet").filter(user=user, fleet_id=fleet_id).first()
    )
    if membership is None:
        raise Http404
    return membership


def fleet_serviced_get(*, garage, fleet_id: int) -> FleetAccount | None:
    """A fleet this garage services (or its stock fleet), or None."""
    return FleetAccount.objects.filter(pk=fleet_id, garages=garage).first()


def fleet_list_for_user(*, user) -> QuerySet[FleetAccount]:
    return FleetAccount.objects.filter(memberships__user=user).order_by("name")


def _fleet_cars(
    *, fleet, apk_due: bool, needs_work: bool, search: str, open_recall: bool = False
) -> QuerySet[Passport]:
    queryset = with_open_recall(
        with_costs(Passport.objects.filter(fleet=fleet)).select_related("latest_check")
    )
    if apk_due:
        queryset = queryset.filter(
            apk_expires__lte=timezone.localdate() + timedelta(days=APK_DUE_DAYS)
        )
    if needs_work:
        queryset = queryset.filter(needs_work=True)
    if open_recall:
        queryset = queryset.filter(open_recall_q())
    if search:
        queryset = queryset.filter(search_q(search, owner_names=False))
    return queryset


def fleet_car_page(
    *,
    fleet,
    apk_due: bool = False,
    needs_work: bool = False,
    open_recall: bool = False,
    search: str = "",
    after: str | None = None,
    page_size: int = PAGE_SIZE,
) -> PassportPage:
    """One page of the fleet's current cars by plate (keyset: the last plate of the page)."""
    queryset = _fleet_cars(
        fleet=fleet,
        apk_due=apk_due,
        needs_work=needs_work,
        search=search,
        open_recall=open_recall,
    )
    rows, next_after = keyset_page(queryset, after=after, size=page_size, key="plate")
    return PassportPage(passports=rows, next_after=next_after)


def fleet_car_export(*, fleet, apk_due=False, needs_work=False, search="", open_recall=False):
    """Every matching car, for the CSV export (streamed in chunks, one query per chunk)."""
    queryset = _fleet_cars(
        fleet=fleet,
        apk_due=apk_due,
        needs_work=needs_work,
        search=search,
        open_recall=open_recall,
    )
    return queryset.order_by("plate").iterator(chunk_size=500)


def fleet_summary(*, fleet) -> dict:
    """Number of cars and the total expected costs of the fleet (two queries)."""
    summary = Passport.objects.filter(fleet=fleet).aggregate(
        cars=Count("id"),
        apk_due=Count(
            "id",
            filter=Q(apk_expires__lte=timezone.localdate() + timedelta(days=APK_DUE_DAYS)),
        ),
    )
    summary["expected_costs"] = StatusCheckItem.objects.filter(
        expected_cost_q(),
        status_check__passport__fleet=fleet,
        status_check__passport__latest_check=F("status_check"),
    ).aggregate(
        total=Coalesce(
            Sum("estimated_cost"),
            Value(0, output_field=DecimalField(max_digits=12, decimal_places=2)),
        )
    )["total"]
    return summary


def fleet_car_get(*, fleet, plate: str) -> tuple[Passport, FleetLink]:
    """A car the fleet has or had, with the fleet's (latest) period. Another car is a 404."""
    try:
        plate = plates.normalize(plate)
    except ValidationError:
        raise Http404 from None
    link = (
        FleetLink.objects.filter(fleet=fleet, passport__plate=plate)
        .select_related("passport__garage", "passport__latest_check", "passport__fleet")
        .order_by("-linked_at", "-id")
        .first()
    )
    if link is None:
        raise Http404
    return link.passport, link


def fleet_link_history(*, passport: Passport) -> QuerySet[FleetLink]:
    return (
        FleetLink.objects.filter(passport=passport)
        .select_related("fleet", "linked_by", "unlinked_by")
        .order_by("-linked_at", "-id")
    )


def fleet_link_request_pending(*, passport: Passport) -> FleetLinkRequest | None:
    """The garage's open question to the car's owner, if any (shown on the details page)."""
    return (
        FleetLinkRequest.objects.filter(
            passport=passport, owner_id=passport.owner_id, state=FleetLinkRequest.State.PENDING
        )
        .select_related("fleet")
        .first()
    )


def fleet_link_requests_for_owner(*, user, passport: Passport) -> list[FleetLinkRequest]:
    """What garages asked this owner about this car and is still open."""
    return list(
        FleetLinkRequest.objects.filter(
            owner=user, passport=passport, state=FleetLinkRequest.State.PENDING
        ).select_related("fleet", "passport__garage")
    )


def fleet_link_request_get(*, user, request_id: int) -> FleetLinkRequest:
    """One of the person's own requests; anyone else's is a 404."""
    link_request = (
        FleetLinkRequest.objects.filter(owner=user, pk=request_id)
        .select_related("passport")
        .first()
    )
    if link_request is None:
        raise Http404
    return link_request


def fleets_for_linking(*, garage) -> QuerySet[FleetAccount]:
    """The fleets a garage may link its cars to: those it services and its own stock fleet
    (made with the garage). A read: a page showing the choice writes nothing."""
    return FleetAccount.objects.filter(garages=garage).order_by("kind", "name")


def fleet_link_requests_of(*, user) -> QuerySet[FleetLinkRequest]:
    """Every question about joining a fleet put to this person, and their answer (their data
    download: what they consented to)."""
    return (
        FleetLinkRequest.objects.filter(owner=user)
        .select_related("fleet", "passport")
        .order_by("-requested_at", "-id")
    )

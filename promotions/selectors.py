"""Reads for a garage's promotions, always within that garage: another garage's is a 404.

`promotion_reach` decides who a promotion goes to, for the preview and for the send alike, so
the number the garage is shown is the number of emails that go out.
"""

from dataclasses import dataclass
from datetime import date, timedelta

from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from accounts.models import User
from autopaspoort.maintenance import active_customer_cars, maintenance_due_cars
from autopaspoort.models import Passport
from core.pagination import keyset_page
from notifications.models import EmailOptOut, Notification, Topic
from promotions.models import Promotion, PromotionRecipient

PAGE_SIZE = 25
Segment = Promotion.Segment
State = Notification.State


@dataclass(frozen=True)
class Reach:
    owner_ids: list[int]  # the owners who receive it, each once
    opted_out: int  # owners in the segment who switched promotions off

    @property
    def count(self) -> int:
        return len(self.owner_ids)


def segment_cars(
    *, garage, segment: str, apk_within_days: int | None = None, value: str = "", today: date
) -> QuerySet[Passport]:
    """The garage's customer cars a segment selects (for "maintenance due" the candidates:
    which of them are due is decided by `autopaspoort.maintenance.maintenance_due_cars`)."""
    cars = active_customer_cars().filter(garage=garage)
    if segment == Segment.APK_DUE:
        cars = cars.filter(
            apk_expires__gte=today, apk_expires__lte=today + timedelta(days=apk_within_days)
        )
    elif segment == Segment.MAKE:
        cars = cars.filter(make__iexact=value)
    elif segment == Segment.FUEL:
        cars = cars.filter(fuel__iexact=value)
    return cars


def reach_for(
    *,
    garage,
    segment: str,
    apk_within_days: int | None = None,
    segment_value: str = "",
    today: date | None = None,
) -> Reach:
    """Who a message to this segment reaches: the distinct active owners of the selected cars,
    without those who switched promotions off (in the portal or by the link in an email)."""
    today = today or timezone.localdate()
    cars = segment_cars(
        garage=garage,
        segment=segment,
        apk_within_days=apk_within_days,
        value=segment_value,
        today=today,
    )
    if segment == Segment.MAINTENANCE_DUE:
        owner_filter = Q(pk__in={car.owner_id for car in maintenance_due_cars(cars, today=today)})
    else:
        owner_filter = Q(pk__in=cars.values("owner_id"))
    owners = (
        User.objects.filter(owner_filter, is_active=True)
        .annotate(
            opted_out_by_link=Exists(
                EmailOptOut.objects.filter(email=OuterRef("email"), topic=Topic.PROMOTIONS)
            )
        )
        .order_by("pk")
        .values_list("pk", "promotions_enabled", "opted_out_by_link")
    )
    rows = list(owners)
    reachable = [pk for pk, enabled, by_link in rows if enabled and not by_link]
    return Reach(owner_ids=reachable, opted_out=len(rows) - len(reachable))


def promotion_reach(*, promotion: Promotion, today: date | None = None) -> Reach:
    return reach_for(
        garage=promotion.garage,
        segment=promotion.segment,
        apk_within_days=promotion.apk_within_days,
        segment_value=promotion.segment_value,
        today=today,
    )


def segment_options(*, garage) -> tuple[list[str], list[str]]:
    """The makes and fuels of the garage's customer cars, for the form (one query)."""
    pairs = active_customer_cars().filter(garage=garage).values_list("make", "fuel").distinct()
    makes, fuels = set(), set()
    for make, fuel in pairs:
        if make:
            makes.add(make)
        if fuel:
            fuels.add(fuel)
    return sorted(makes), sorted(fuels)


def with_counts(queryset: QuerySet[Promotion]) -> QuerySet[Promotion]:
    """Per promotion: owners reached, and their emails sent, failed and still queued (from the
    outbox rows' states), in the same query."""
    recipient = "recipients__notification__state"
    return queryset.annotate(
        reached=Count("recipients"),
        sent_count=Count("recipients", filter=Q(**{recipient: State.SENT})),
        failed_count=Count("recipients", filter=Q(**{recipient: State.FAILED})),
        queued_count=Count(
            "recipients",
            filter=Q(**{recipient: State.PENDING})
            | Q(recipients__notification__isnull=True, recipients__skipped=False),
        ),
        skipped_count=Count(
            "recipients",
            filter=Q(recipients__skipped=True) | Q(**{recipient: State.CANCELLED}),
        ),
    )


@dataclass(frozen=True)
class PromotionPage:
    promotions: list
    next_after: int | None  # keyset cursor: the last id on this page, if there is more


def promotion_list(
    *, garage, after: int | None = None, page_size: int | None = None
) -> PromotionPage:
    """One page of the garage's promotions, newest first, with their counts (one query)."""
    page_size = page_size or PAGE_SIZE
    queryset = with_counts(Promotion.objects.filter(garage=garage)).select_related(
        "created_by", "sent_by"
    )
    rows, next_after = keyset_page(queryset, after=after, size=page_size, key="-id")
    return PromotionPage(promotions=rows, next_after=next_after)


def promotion_get(*, garage, promotion_id: int) -> Promotion:
    promotion = (
        with_counts(Promotion.objects.filter(garage=garage, pk=promotion_id))
        .select_related("garage", "created_by", "sent_by")
        .first()
    )
    if promotion is None:
        raise Http404
    return promotion


def recipients_to_deliver(*, promotion_id: int, recipient_ids: list[int]):
    """A batch's recipients that have no email yet, locked, with their accounts."""
    return (
        PromotionRecipient.objects.select_for_update(of=("self",))
        .select_related("user", "promotion__garage")
        .filter(
            promotion_id=promotion_id,
            pk__in=recipient_ids,
            notification__isnull=True,
            skipped=False,
        )
        .order_by("pk")
    )

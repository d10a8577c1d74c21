"""Reads of quotes, scoped to who asks: a garage sees the quotes it made (its staff with the
quotes role); an owner sees the quotes sent to them about a car they own now. Anything else
is a 404."""

from django.db.models import Prefetch, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from quotes.models import Quote, QuoteLine

State = Quote.State

# The garage list's filters: which quotes each tab shows.
FILTERS = ("open", "draft", "answered", "all")


def _filter_q(name: str) -> Q:
    today = timezone.localdate()
    if name == "open":
        return Q(state=State.SENT) & (Q(valid_until__gte=today) | Q(kind=Quote.Kind.WORK_ORDER))
    if name == "draft":
        return Q(state=State.DRAFT)
    if name == "answered":
        return Q(state__in=[State.APPROVED, State.DECLINED])
    return Q()


def garage_quote_list(*, garage, show: str = "open") -> QuerySet[Quote]:
    """The garage's quotes and work orders for the list page, newest first (one query)."""
    return (
        Quote.objects.filter(garage=garage)
        .filter(_filter_q(show if show in FILTERS else "open"))
        .select_related("passport", "sent_by", "created_by")
        .order_by("-updated_at", "-id")
    )


def garage_quote_get(*, garage, quote_id: int) -> Quote:
    quote = (
        Quote.objects.filter(pk=quote_id, garage=garage)
        .select_related("passport", "status_check", "owner", "sent_by", "created_by", "replaces")
        .first()
    )
    if quote is None:
        raise Http404
    return quote


def quote_lines(quote: Quote) -> list[QuoteLine]:
    """The quote's lines in order, each with the finding it fixes (one query)."""
    return list(quote.lines.select_related("check_item").order_by("position"))


def passport_quotes(*, passport, garage) -> list[Quote]:
    """The garage's quotes for one car (its profile), newest first."""
    return list(
        Quote.objects.filter(passport=passport, garage=garage).order_by("-created_at", "-id")[:10]
    )


def _owner_quotes(*, user, passport) -> QuerySet[Quote]:
    return Quote.objects.filter(passport=passport, owner=user, kind=Quote.Kind.QUOTE).exclude(
        state=State.DRAFT
    )


def owner_car_quotes(*, user, passport) -> list[Quote]:
    """The quotes sent to this owner about this car, newest first. The caller got `passport`
    from `transfers.selectors.owner_car_get`, so it is the owner's now."""
    return list(
        _owner_quotes(user=user, passport=passport)
        .select_related("garage")
        .order_by("-sent_at", "-id")[:20]
    )


def owner_quote_get(*, user, passport, quote_id: int) -> Quote:
    quote = (
        _owner_quotes(user=user, passport=passport)
        .filter(pk=quote_id)
        .select_related("garage", "status_check", "passport", "replaces", "replaced_by")
        .prefetch_related(
            Prefetch(
                "lines",
                queryset=QuoteLine.objects.select_related("check_item").order_by("position"),
            )
        )
        .first()
    )
    if quote is None:
        raise Http404
    return quote


def owner_quotes_all(*, user) -> list[Quote]:
    """Every quote sent to this person, with its lines and their answers (their data
    download), newest first."""
    return list(
        Quote.objects.filter(owner=user, kind=Quote.Kind.QUOTE)
        .exclude(state=State.DRAFT)
        .select_related("garage", "passport")
        .prefetch_related(Prefetch("lines", queryset=QuoteLine.objects.order_by("position")))
        .order_by("-sent_at", "-id")
    )

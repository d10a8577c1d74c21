"""Reads for the billing pages and jobs: the tariff of a month, a garage's statements and
invoices (always for one garage, found by `garage.access`), and the running month's estimate."""

from dataclasses import dataclass
from datetime import date

from django.db.models import Prefetch, Q, QuerySet

from billing.models import Invoice, Statement, StatementLine, Tariff
from billing.pricing import Priced, Prices, Usage, price
from insights.selectors import usage_so_far


def tariff_for(month: date) -> Tariff | None:
    """The tariff in force in `month` (a first day), with its tiers; None if there is none."""
    return (
        Tariff.objects.filter(valid_from__lte=month)
        .filter(Q(valid_until__isnull=True) | Q(valid_until__gte=month))
        .prefetch_related("tiers")
        .order_by("-valid_from")
        .first()
    )


def usage_of(record) -> Usage:
    """The billed quantities of a MonthlyUsage row (or the running month's UsageCounts)."""
    return Usage(
        active_passports=record.active_passports,
        transfers_completed=record.transfers_completed,
        quotes_sent=record.quotes_sent,
        photos_added=record.photos_added,
    )


@dataclass(frozen=True)
class Estimate:
    month: date
    usage: Usage
    tariff: Tariff | None
    priced: Priced | None  # None without a tariff for the month


def usage_estimate(*, garage, today: date) -> Estimate:
    """This month so far, priced with this month's tariff: not final, not stored."""
    so_far = usage_so_far(garage=garage, today=today)
    tariff = tariff_for(so_far.month)
    usage = usage_of(so_far.counts)
    return Estimate(
        month=so_far.month,
        usage=usage,
        tariff=tariff,
        priced=price(usage, Prices.of(tariff)) if tariff else None,
    )


def statement_list(*, garage) -> QuerySet[Statement]:
    """The garage's closed months, newest first, with their lines and invoices."""
    return (
        Statement.objects.filter(garage=garage)
        .select_related("tariff")
        .prefetch_related(
            Prefetch("lines", queryset=StatementLine.objects.order_by("position")),
            Prefetch("invoices", queryset=Invoice.objects.order_by("year", "sequence")),
        )
        .order_by("-month")
    )


def invoice_get(*, garage, invoice_id: int) -> Invoice:
    """One of the garage's invoices or credit notes, with what its PDF shows; another
    garage's is a 404 (Invoice.DoesNotExist)."""
    return (
        Invoice.objects.select_related("statement", "credits", "garage")
        .prefetch_related(
            Prefetch("statement__lines", queryset=StatementLine.objects.order_by("position"))
        )
        .get(garage=garage, pk=invoice_id)
    )

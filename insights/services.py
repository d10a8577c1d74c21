"""The monthly usage record that garages are billed by."""

from dataclasses import asdict, dataclass
from datetime import date

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.errors import ApplicationError
from garage.models import Garage
from insights.models import MonthlyUsage
from insights.months import last_complete_month, month_bounds, month_of
from insights.selectors import UsageCounts, usage_counts

USAGE_FIELDS = [
    "active_passports",
    "passports_created",
    "transfers_completed",
    "quotes_sent",
    "photos_added",
]


@dataclass(frozen=True)
class UsageRun:
    month: date
    written: int  # rows created or recomputed
    kept: int  # rows that were already there (final) and were left alone


def monthly_usage_record(*, month: date, today: date, recompute: bool = False) -> UsageRun:
    """Store `month`'s usage for every garage that existed before the month ended.

    Only a month that is over can be recorded, so a stored row is final: running again (the
    beat job runs every few hours) keeps existing rows and adds rows only for garages that
    lack one; `recompute=True` (support, after repairing data) rewrites them all. Rows are
    upserted on (garage, month), so even two runs at once leave one row per garage and month.
    A fixed number of queries, whatever the number of garages.
    """
    if month != month_of(month):
        raise ApplicationError(_("A month is given by its first day."), field="month")
    if month > last_complete_month(today):
        raise ApplicationError(_("Usage is recorded once the month is over."), field="month")
    since, until = month_bounds(month)
    garages = Garage.objects.filter(created_at__lt=until)
    if not recompute:
        garages = garages.exclude(monthly_usage__month=month)
    garage_ids = list(garages.values_list("pk", flat=True))
    existing = MonthlyUsage.objects.filter(month=month).count()
    if not garage_ids:
        return UsageRun(month=month, written=0, kept=existing)
    counts = usage_counts(since=since, until=until)
    now = timezone.now()
    rows = [
        MonthlyUsage(
            garage_id=garage_id,
            month=month,
            computed_at=now,
            **asdict(counts.get(garage_id, UsageCounts())),
        )
        for garage_id in garage_ids
    ]
    with transaction.atomic():
        MonthlyUsage.objects.bulk_create(
            rows,
            update_conflicts=True,
            unique_fields=["garage", "month"],
            update_fields=[*USAGE_FIELDS, "computed_at"],
        )
    return UsageRun(month=month, written=len(rows), kept=0 if recompute else existing)

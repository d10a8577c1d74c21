"""Reads for reminders: which cars have a due event.

Everything here works on batches of cars (a chunk of the job): a few queries per batch whatever
its size, never one per car. When maintenance is due is the passport's rule
(`autopaspoort.maintenance`), shared with the promotions' "maintenance due" segment.
"""

from collections.abc import Iterable
from datetime import date, timedelta

from django.db.models import Q, QuerySet

from autopaspoort.maintenance import active_customer_cars, with_last_maintenance
from autopaspoort.models import Passport
from reminders.models import ReminderSent

APK_FIRST_REMINDER_DAYS = 6 * 7
APK_LAST_REMINDER_DAYS = 7


def apk_reminder_window(*, today: date) -> Q:
    """Cars whose APK expires from today up to six weeks ahead."""
    return Q(
        apk_expires__gte=today,
        apk_expires__lte=today + timedelta(days=APK_FIRST_REMINDER_DAYS),
    )


def reminder_candidates(*, today: date) -> QuerySet[Passport]:
    """Cars that may have a due reminder: an APK in the window or a service on record. What is
    actually due, and for whom, is decided per chunk by the service."""
    return (
        with_last_maintenance(active_customer_cars())
        .filter(apk_reminder_window(today=today) | Q(last_maintenance_id__isnull=False))
        .select_related("owner", "garage")
    )


def reminders_sent(*, passport_ids: Iterable[int]) -> set[tuple[int, str, str, str]]:
    """(passport id, kind, due key, recipient) of every reminder already sent for these cars."""
    return set(
        ReminderSent.objects.filter(passport_id__in=list(passport_ids)).values_list(
            "passport_id", "kind", "due_key", "recipient"
        )
    )

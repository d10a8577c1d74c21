"""Cars with due reminders, and reading the unsubscribe link out of a delivered email.

Customer cars come from `tests.transfers.factories.customer_passport` (an owner who activated
the car); maintenance is a history entry written directly (`service`), dated in the past. Only
the query-count tests write dozens of cars in bulk (`bulk_due_cars`).
"""

import re
from datetime import timedelta
from urllib.parse import urlsplit

from django.utils import timezone

from accounts.models import User
from autopaspoort.models import HistoryEntry, Passport
from reminders.services import reminders_send_due
from tests.autopaspoort.factories import HistoryEntryFactory, plate_for
from tests.transfers.factories import EN, customer_passport, message_texts, messages_to

__all__ = ["EN", "customer_passport", "message_texts", "messages_to"]

UNSUBSCRIBE_LINK = re.compile(r"https?://[^\s\"'<>]+/afmelden/[^\s\"'<>/]+/")
# Plates of bulk-made cars start here, far above what PassportFactory's sequence reaches.
BULK_PLATES_FROM = 2_000_000


def days_from_today(days: int):
    return timezone.localdate() + timedelta(days=days)


def service(passport, *, days_ago: int, km: int, kind=HistoryEntry.Kind.SMALL_SERVICE):
    """A maintenance (or other) history entry `days_ago` days back at `km`."""
    return HistoryEntryFactory(
        passport=passport, kind=kind, date=days_from_today(-days_ago), odometer_km=km
    )


def run_job(capture, **kwargs) -> int:
    """Run the reminder job and deliver what it queued (as the worker would after commit)."""
    with capture(execute=True):
        return reminders_send_due(**kwargs)


def unsubscribe_path(message) -> str:
    """The path of the one unsubscribe link in a delivered email (text and HTML agree)."""
    links = set(UNSUBSCRIBE_LINK.findall(message_texts(message)))
    assert len(links) == 1, message_texts(message)
    return urlsplit(links.pop()).path


def bulk_due_cars(garage, *, count: int, start: int = 0) -> list[Passport]:
    """`count` customer cars of `garage`, each with its own owner, an APK expiring in 30 days
    and a small service 400 days ago: two reminders due per car. A handful of queries."""
    now = timezone.now()
    owners = User.objects.bulk_create(
        User(email=f"bulk-owner-{start + n}@example.nl", full_name=f"Bulk {start + n}")
        for n in range(count)
    )
    passports = Passport.objects.bulk_create(
        Passport(
            plate=plate_for(BULK_PLATES_FROM + start + n),
            garage=garage,
            state=Passport.State.CUSTOMER,
            owner=owner,
            activated_at=now,
            make="VOLKSWAGEN",
            model="GOLF",
            fuel="Benzine",
            apk_expires=days_from_today(30),
            initial_odometer_km=50_000,
            odometer_km=50_000,
            odometer_read_on=timezone.localdate(),
        )
        for n, owner in enumerate(owners)
    )
    HistoryEntry.objects.bulk_create(
        HistoryEntry(
            passport=passport,
            garage=garage,
            kind=HistoryEntry.Kind.SMALL_SERVICE,
            date=days_from_today(-400),
            odometer_km=45_000,
            description="Kleine beurt",
        )
        for passport in passports
    )
    return passports

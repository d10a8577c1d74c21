"""Reads for reminders: which cars have a due event.

Everything here works on batches of cars (a chunk of the job): a few queries per batch whatever
its size, never one per car. When maintenance is due is the passport's rule
(`autopaspoort.maintenance`), shared with the promotions' "maintenance due" segment.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta

from django.db.models import Q, QuerySet

from accounts.models import User
from autopaspoort.maintenance import (
    MaintenanceDue,
    active_customer_cars,
    maintenance_due_many,
    with_last_maintenance,
)
from autopaspoort.models import Passport
from core.emails import normalize_email
from core.pagination import keyset_page
from notifications.models import Notification, Topic
from notifications.selectors import opted_out_emails
from reminders.models import ReminderSent

Kind = ReminderSent.Kind

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


@dataclass(frozen=True)
class DueNotice:
    """One email's worth of due events of a car: the APK, or its maintenance (by date, by km or
    both: one email, each event recorded)."""

    passport: Passport
    notification_kind: str
    events: tuple[tuple[str, str], ...]  # (ReminderSent.Kind, due key)
    maintenance: MaintenanceDue | None = None


@dataclass(frozen=True)
class DueReminder:
    """One email the job will send: a notice to one address, with the events not sent to it."""

    notice: DueNotice
    email: str
    user: User | None
    events: list[tuple[str, str]]

    @property
    def event_labels(self) -> list[str]:
        return [Kind(kind).label for kind, _key in self.events]


def _due_notices(passport, *, today: date, maintenance) -> list[DueNotice]:
    notices = []
    if passport.apk_expires is not None:
        days_left = (passport.apk_expires - today).days
        if 0 <= days_left <= APK_FIRST_REMINDER_DAYS:
            kind = Kind.APK_1_WEEK if days_left <= APK_LAST_REMINDER_DAYS else Kind.APK_6_WEEKS
            notices.append(
                DueNotice(
                    passport=passport,
                    notification_kind=Notification.Kind.REMINDER_APK,
                    events=((kind, passport.apk_expires.isoformat()),),
                )
            )
    if maintenance is not None:
        key = f"service-{maintenance.entry_id}"
        events = []
        if maintenance.by_date:
            events.append((Kind.MAINTENANCE_DATE, key))
        if maintenance.by_km:
            events.append((Kind.MAINTENANCE_KM, key))
        notices.append(
            DueNotice(
                passport=passport,
                notification_kind=Notification.Kind.REMINDER_MAINTENANCE,
                events=tuple(events),
                maintenance=maintenance,
            )
        )
    return notices


def _recipients(passport: Passport) -> list[tuple[str, User | None]]:
    """The owner, and for a fleet car its driver (an address without an account)."""
    recipients = [(passport.owner.email, passport.owner)]
    driver = normalize_email(passport.driver_email)
    if passport.fleet_id and driver and driver != passport.owner.email:
        recipients.append((driver, None))
    return recipients


def reminders_due(chunk: list[Passport], *, today: date) -> list[DueReminder]:
    """The emails due for a chunk of candidate cars (`reminder_candidates`) and not sent before:
    what the job sends, and what the garage's reminders page lists as "will be sent". A few
    queries for the chunk whatever its size."""
    maintenance = maintenance_due_many(chunk, today=today)
    notices = [
        notice
        for passport in chunk
        for notice in _due_notices(passport, today=today, maintenance=maintenance.get(passport.pk))
    ]
    if not notices:
        return []
    opted_out = opted_out_emails(
        emails=[email for notice in notices for email, _user in _recipients(notice.passport)],
        topic=Topic.REMINDERS,
    )
    already_sent = reminders_sent(passport_ids={n.passport.pk for n in notices})
    due = []
    for notice in notices:
        passport = notice.passport
        for email, user in _recipients(passport):
            if email in opted_out:
                continue
            new_events = [
                (kind, key)
                for kind, key in notice.events
                if (passport.pk, kind, key, email) not in already_sent
            ]
            if new_events:
                due.append(DueReminder(notice=notice, email=email, user=user, events=new_events))
    return due


# --- The garage's reminders page ------------------------------------------------------------

PREVIEW_LIMIT = 50  # emails listed as "will be sent"
PREVIEW_CHUNK = 200  # candidate cars read per step
SENT_PAGE_SIZE = 50


def garage_reminders_due(*, garage, today: date, limit: int = PREVIEW_LIMIT):
    """The emails the next run of the job will send for this garage's cars (the job's own rule,
    `reminders_due`): the first `limit`, and whether there are more. Reads candidate cars in
    chunks, without locks, until it has enough: a few queries per chunk."""
    due, last_id = [], 0
    while True:
        chunk = list(
            reminder_candidates(today=today)
            .filter(garage=garage, pk__gt=last_id)
            .order_by("pk")[:PREVIEW_CHUNK]
        )
        if chunk:
            due += reminders_due(chunk, today=today)
        if len(due) > limit or len(chunk) < PREVIEW_CHUNK:
            break
        last_id = chunk[-1].pk
    return due[:limit], len(due) > limit


def garage_reminders_sent(*, garage, after: int | None = None, size: int = SENT_PAGE_SIZE):
    """One page of the reminders sent for this garage's cars, newest first, each with its
    email's state (one query)."""
    queryset = ReminderSent.objects.filter(passport__garage=garage).select_related(
        "passport", "notification"
    )
    return keyset_page(queryset, after=after, size=size, key="-id")


def reminders_sent_to(*, email: str) -> QuerySet[ReminderSent]:
    """The reminders sent to this address (a person's data download): car, event, when."""
    return ReminderSent.objects.filter(recipient=email).select_related("passport").order_by("-id")

"""APK and maintenance reminders (who switched them off is notifications' business).

`reminders_send_due` is the beat job (every 6 hours, so it must be idempotent): it reads the
candidate cars in chunks, works out each car's due events, and sends each event once per
address, recorded in `ReminderSent` (unique per car, event and recipient). Recipients are read
from the car as it is now: after a transfer the new owner is reminded, the old one no longer.
"""

import logging
from datetime import date

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import formats, timezone, translation

from accounts.models import User
from accounts.services import erased_email
from autopaspoort.models import Passport
from notifications.models import Notification
from notifications.services import notification_queue
from reminders import selectors
from reminders.models import ReminderSent

logger = logging.getLogger(__name__)

Kind = ReminderSent.Kind
CHUNK_SIZE = 200


def _context(notice: selectors.DueNotice, *, user: User | None, today: date, language: str) -> dict:
    passport = notice.passport
    is_owner = user is not None and user.pk == passport.owner_id
    with translation.override(language):
        context = {
            "plate": passport.plate,
            "vehicle": passport.vehicle_name,
            "garage_name": passport.garage.name,
            "name": (user.full_name if is_owner else passport.driver_name) or "",
            "car_url": (
                settings.SITE_URL + reverse("portal:car", kwargs={"plate": passport.plate})
                if is_owner
                else ""
            ),
        }
        if notice.notification_kind == Notification.Kind.REMINDER_APK:
            context["apk_expires"] = formats.date_format(passport.apk_expires, "DATE_FORMAT")
            context["days_left"] = (passport.apk_expires - today).days
        else:
            maintenance = notice.maintenance
            context["last_service_on"] = formats.date_format(maintenance.last_on, "DATE_FORMAT")
            context["by_date"] = maintenance.by_date
            context["by_km"] = maintenance.by_km
            context["km_since"] = maintenance.km_since
            # Due by the car's own rhythm (three services or more), not "a year ago".
            context["own_months"] = (
                round(maintenance.own_interval.months) if maintenance.own_interval else None
            )
    return context


def _send_chunk(chunk: list[Passport], *, today: date) -> int:
    """Send what is due for a chunk of (locked) cars: a handful of queries for the chunk, plus
    one row per email and one insert of the records."""
    records = []
    for due in selectors.reminders_due(chunk, today=today):
        notice, user = due.notice, due.user
        language = user.language if user is not None else settings.LANGUAGE_CODE
        notification = notification_queue(
            kind=notice.notification_kind,
            recipient=due.email,
            user=user,
            language=language,
            context=_context(notice, user=user, today=today, language=language),
        )
        records += [
            ReminderSent(
                passport=notice.passport,
                kind=kind,
                due_key=key,
                recipient=due.email,
                notification=notification,
            )
            for kind, key in due.events
        ]
    ReminderSent.objects.bulk_create(records)
    return len({record.notification_id for record in records})


def reminders_send_due(*, today: date | None = None, chunk_size: int = CHUNK_SIZE) -> int:
    """Send every reminder that is due and was not sent before; returns the number of emails.

    Each chunk is one transaction that locks its cars: a second run at the same time waits, then
    finds the records of the first and sends nothing twice. A transfer waits for the chunk too,
    so an email never goes to an owner who has just handed the car over.
    """
    today = today or timezone.localdate()
    sent, last_id = 0, 0
    while True:
        with transaction.atomic():
            chunk = list(
                selectors.reminder_candidates(today=today)
                .filter(pk__gt=last_id)
                .order_by("pk")
                .select_for_update(of=("self",))[:chunk_size]
            )
            if chunk:
                sent += _send_chunk(chunk, today=today)
        if len(chunk) < chunk_size:
            break
        last_id = chunk[-1].pk
    if sent:
        logger.info("Reminders: %s emails queued.", sent)
    return sent


def reminders_erase(*, user, now) -> None:
    """The person deleted their account (accounts.services.on_account_deleted): the records of
    reminders sent to their address keep the fact (car, event, when), not the address."""
    ReminderSent.objects.filter(recipient=user.email).update(recipient=erased_email(user))

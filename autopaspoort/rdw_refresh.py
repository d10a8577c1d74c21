"""Keeping every passport's RDW data true: the background refresh (beat task
`autopaspoort.tasks.refresh_rdw_data`; docs/architecture.md, "RDW data that stays true").

A run takes the cars whose `rdw_next_check_at` has passed (or was never set), most needed first:
an APK that expires within 60 days or expired in the last 30, then the least recently checked
(never checked first). It asks the RDW about them in batches (`autopaspoort.rdw_batch`: one
request per dataset for up to 400 plates) and writes each batch in one transaction only when
every dataset answered: vehicle data, registration and insurance, recalls (with their details)
and APK defects. A batch the RDW did not fully answer (429 or 5xx storm, timeouts, nonsense)
writes nothing and ends the run; its cars keep their due date, so the next run starts with them.
That makes the refresh resumable without a cursor, and idempotent: a car refreshed twice ends
the same, a recall already emailed to its owner is not emailed again.
"""

import logging
import time
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.models import Case, F, IntegerField, Q, Value, When
from django.urls import reverse
from django.utils import timezone, translation

from autopaspoort import rdw_batch
from autopaspoort.models import ApkDefect, Passport, PassportRecall, Recall
from autopaspoort.plates import compact
from autopaspoort.vehicle_data import vehicle_data_apply_rdw
from notifications.models import Notification, Topic
from notifications.selectors import opted_out_emails
from notifications.services import notification_queue

logger = logging.getLogger(__name__)

# "Needed" first: the APK reminders (6 weeks and 1 week before) and the fleet's "APK due within
# 60 days" read the expiry date, which changes when the car passes its APK.
APK_SOON_DAYS = 60
APK_EXPIRED_DAYS = 30
# Inside that window a car is looked at weekly; outside it every RDW_REFRESH_INTERVAL_DAYS; a
# plate the RDW does not (or no longer) know, every 90 days.
NEAR_APK_INTERVAL = timedelta(days=7)
UNKNOWN_INTERVAL = timedelta(days=90)
LOCK_KEY = "rdw-refresh:running"

Registration = Passport.RdwRegistration


# --- What a run did ------------------------------------------------------------------------------


@dataclass
class RunResult:
    status: str = rdw_batch.OK  # OK, or why the run stopped early (BUSY, UNAVAILABLE, DISABLED)
    batches: int = 0
    cars: int = 0
    requests: int = 0
    emails: int = 0
    skipped: bool = False  # another run holds the lock
    plates: list = field(default_factory=list)


# --- Which cars ----------------------------------------------------------------------------------


def due_cars(*, now: datetime, exclude=()):
    """The cars to look at, most needed first (see the module's docstring)."""
    today = timezone.localdate(now)
    need = Case(
        When(
            apk_expires__gte=today - timedelta(days=APK_EXPIRED_DAYS),
            apk_expires__lte=today + timedelta(days=APK_SOON_DAYS),
            then=Value(0),
        ),
        default=Value(1),
        output_field=IntegerField(),
    )
    return (
        Passport.objects.filter(Q(rdw_next_check_at__isnull=True) | Q(rdw_next_check_at__lte=now))
        .exclude(pk__in=list(exclude))
        .annotate(need=need)
        .order_by("need", F("rdw_checked_at").asc(nulls_first=True), "pk")
    )


def next_check_at(*, apk_expires, registration: str, found: bool, now: datetime) -> datetime:
    if not found or registration == Registration.GONE:
        return now + UNKNOWN_INTERVAL
    interval = timedelta(days=settings.RDW_REFRESH_INTERVAL_DAYS)
    if apk_expires is None:
        return now + interval
    today = timezone.localdate(now)
    window_start = apk_expires - timedelta(days=APK_SOON_DAYS)
    window_end = apk_expires + timedelta(days=APK_EXPIRED_DAYS)
    if window_start <= today <= window_end:
        return now + min(NEAR_APK_INTERVAL, interval)
    if today < window_start:
        # Back when the car enters its APK window, if that is sooner than the usual interval.
        return now + min(interval, timedelta(days=(window_start - today).days))
    return now + interval


# --- One run ------------------------------------------------------------------------------------


def rdw_refresh_run(
    *,
    now: datetime | None = None,
    batch_size: int = rdw_batch.BATCH_SIZE,
    max_batches: int | None = None,
    max_seconds: float | None = None,
) -> RunResult:
    """Refresh due cars batch by batch until none is due, the time is up or the RDW stops
    answering. Only one run at a time (a lock in the cache)."""
    result = RunResult()
    if not (settings.RDW_REFRESH_ENABLED and settings.RDW_LOOKUP_ENABLED):
        result.status = rdw_batch.DISABLED
        return result
    token = uuid.uuid4().hex
    max_seconds = settings.RDW_REFRESH_RUN_SECONDS if max_seconds is None else max_seconds
    try:
        if not cache.add(LOCK_KEY, token, timeout=int(max_seconds) + 15 * 60):
            result.skipped = True
            return result
    except Exception:  # the cache is down: run without the lock (the writes are idempotent)
        logger.warning("RDW refresh: cache unavailable, running without the lock.")
    try:
        _run(result, now=now, batch_size=batch_size, max_batches=max_batches, budget=max_seconds)
    finally:
        try:
            if cache.get(LOCK_KEY) == token:
                cache.delete(LOCK_KEY)
        except Exception:  # it expires by itself
            logger.warning("RDW refresh: lock not released (cache unavailable).")
    logger.info(
        "RDW refresh: %s cars in %s batches, %s requests, %s emails, status %s.",
        result.cars,
        result.batches,
        result.requests,
        result.emails,
        result.status,
    )
    return result


def _run(result: RunResult, *, now, batch_size, max_batches, budget) -> None:
    started = time.monotonic()
    seen: set[int] = set()
    while max_batches is None or result.batches < max_batches:
        if time.monotonic() - started > budget:
            break
        moment = now or timezone.now()
        batch = list(due_cars(now=moment, exclude=seen).values_list("pk", "plate")[:batch_size])
        if not batch:
            break
        seen.update(pk for pk, _plate in batch)
        status, requests, emails = refresh_batch(batch, now=moment)
        result.requests += requests
        if status != rdw_batch.OK:
            result.status = status
            break
        result.batches += 1
        result.cars += len(batch)
        result.emails += emails
        result.plates += [plate for _pk, plate in batch]


@dataclass
class _Fetched:
    vehicles: dict
    statuses: list
    details: dict
    defects: list
    descriptions: dict


def _fetch(kentekens: list[str]) -> tuple[str, int, _Fetched | None]:
    """Everything the RDW knows about a batch, or the status of the first dataset that failed."""
    requests = 0
    answer, vehicles = rdw_batch.vehicles(kentekens)
    requests += answer.requests
    if not answer.ok:
        return answer.status, requests, None
    answer, statuses = rdw_batch.recall_statuses(kentekens)
    requests += answer.requests
    if not answer.ok:
        return answer.status, requests, None
    known = set(
        Recall.objects.filter(
            reference__in={s.reference for s in statuses}, details_fetched_at__isnull=False
        ).values_list("reference", flat=True)
    )
    answer, details = rdw_batch.recall_details({s.reference for s in statuses} - known)
    requests += answer.requests
    if not answer.ok:
        return answer.status, requests, None
    answer, defects = rdw_batch.apk_defects(kentekens)
    requests += answer.requests
    if not answer.ok:
        return answer.status, requests, None
    descriptions = _known_descriptions({d.code for d in defects})
    missing = {d.code for d in defects} - set(descriptions)
    if missing:
        answer, found = rdw_batch.defect_descriptions(missing)
        requests += answer.requests
        # Descriptions are words for codes: without them the defects are still worth keeping
        # (the code shows), and the next refresh fills them in.
        if answer.ok:
            descriptions.update(found)
            _remember_descriptions(found)
    return rdw_batch.OK, requests, _Fetched(vehicles, statuses, details, defects, descriptions)


def _description_key(code: str) -> str:
    return f"rdw:defect:{code}"


def _known_descriptions(codes: set[str]) -> dict[str, str]:
    if not codes:
        return {}
    try:
        cached = cache.get_many([_description_key(code) for code in codes])
    except Exception:
        cached = {}
    known = {
        code: cached[_description_key(code)] for code in codes if _description_key(code) in cached
    }
    rest = codes - set(known)
    if rest:
        for code, text in (
            ApkDefect.objects.filter(code__in=rest)
            .exclude(description="")
            .values_list("code", "description")
            .distinct()
        ):
            known.setdefault(code, text)
    return known


def _remember_descriptions(found: dict[str, str]) -> None:
    try:
        cache.set_many(
            {_description_key(code): text for code, text in found.items()}, 30 * 24 * 60 * 60
        )
    except Exception:  # the database keeps them too (ApkDefect.description)
        logger.warning("RDW refresh: defect descriptions not cached (cache unavailable).")


def refresh_batch(batch: list[tuple[int, str]], *, now: datetime) -> tuple[str, int, int]:
    """Ask the RDW about one batch of (id, plate) and write it all, or nothing. Returns (status,
    HTTP requests made, emails queued)."""
    by_kenteken = {compact(plate): pk for pk, plate in batch}
    kentekens = [k for k in by_kenteken if k.isascii() and k.isalnum()]
    status, requests, fetched = _fetch(kentekens)
    if fetched is None:
        return status, requests, 0
    with transaction.atomic():
        emails = _write(by_kenteken, fetched, now=now)
    return rdw_batch.OK, requests, emails


def _write(by_kenteken: dict[str, int], fetched: _Fetched, *, now: datetime) -> int:
    ids = sorted(by_kenteken.values())
    passports = {
        p.pk: p
        for p in Passport.objects.select_for_update(of=("self",))
        .select_related("owner", "garage")
        .filter(pk__in=ids)
        .order_by("pk")
    }
    for kenteken, pk in by_kenteken.items():
        passport = passports.get(pk)
        if passport is not None:
            _write_vehicle(passport, fetched.vehicles.get(kenteken), now=now)
    recalls = _write_recalls(passports, by_kenteken, fetched, now=now)
    _write_defects(passports, by_kenteken, fetched)
    return _notify_open_recalls(passports, recalls, now=now)


def _write_vehicle(passport: Passport, vehicle, *, now: datetime) -> None:
    fields = ["rdw_status", "rdw_checked_at", "rdw_next_check_at", "rdw_registration"]
    if vehicle is not None:
        vehicle_data_apply_rdw(passport=passport, values=vehicle.values, checked_at=now)
        passport.rdw_status = Passport.RdwStatus.FOUND
        passport.rdw_registration = (
            Registration.EXPORTED if vehicle.exported else Registration.REGISTERED
        )
        passport.wam_insured = vehicle.wam_insured
        fields.append("wam_insured")
    elif passport.rdw_status == Passport.RdwStatus.FOUND or passport.rdw_registration in (
        Registration.REGISTERED,
        Registration.EXPORTED,
        Registration.GONE,
    ):
        # Found before, absent now: scrapped, exported or given another plate.
        passport.rdw_registration = Registration.GONE
    else:
        passport.rdw_status = Passport.RdwStatus.NOT_FOUND
    passport.rdw_checked_at = now
    passport.rdw_next_check_at = next_check_at(
        apk_expires=passport.apk_expires,
        registration=passport.rdw_registration,
        found=vehicle is not None,
        now=now,
    )
    passport.save(update_fields=[*fields, "updated_at"])


def _write_recalls(passports, by_kenteken, fetched: _Fetched, *, now) -> list[PassportRecall]:
    references = {s.reference for s in fetched.statuses}
    recalls = {r.reference: r for r in Recall.objects.filter(reference__in=references)}
    for reference in references:
        details = fetched.details.get(reference)
        recall = recalls.get(reference)
        if recall is None:
            recall = Recall(reference=reference)
        elif details is None:
            continue
        if details is not None:
            recall.defect = details.defect
            recall.consequences = details.consequences
            recall.remedy = details.remedy
            recall.category = details.category
            recall.info_url = details.info_url
            recall.published_on = details.published_on
            recall.details_fetched_at = now
        recall.save()
        recalls[reference] = recall

    existing = {
        (row.passport_id, row.recall_id): row
        for row in PassportRecall.objects.filter(passport_id__in=list(passports)).select_related(
            "recall"
        )
    }
    listed = set()
    changed = set()  # cars whose recall badge may change on the dashboard
    for status in fetched.statuses:
        pk = by_kenteken.get(status.kenteken)
        if pk not in passports:
            continue
        recall = recalls[status.reference]
        key = (pk, recall.pk)
        if key in listed:
            continue
        listed.add(key)
        new_status = (
            PassportRecall.Status.OPEN if status.is_open else PassportRecall.Status.REPAIRED
        )
        row = existing.get(key)
        if row is None:
            changed.add(pk)
            existing[key] = PassportRecall.objects.create(
                passport_id=pk,
                recall=recall,
                status=new_status,
                rdw_status=status.text,
                first_seen_at=now,
                closed_at=None if status.is_open else now,
            )
        elif row.status != new_status or row.rdw_status != status.text:
            changed.add(pk)
            row.status, row.rdw_status = new_status, status.text
            row.closed_at = None if status.is_open else (row.closed_at or now)
            row.save(update_fields=["status", "rdw_status", "closed_at"])
    # An open recall the RDW no longer lists for the car is done with.
    for key, row in existing.items():
        if key not in listed and row.is_open:
            changed.add(row.passport_id)
            row.status, row.closed_at = PassportRecall.Status.REPAIRED, now
            row.save(update_fields=["status", "closed_at"])
    if changed:
        from autopaspoort.services import dashboard_summary_changed  # services imports this module

        garages = Passport.objects.filter(pk__in=changed).values_list("garage_id", flat=True)
        for garage_id in set(garages):
            dashboard_summary_changed(garage_id)
    return [row for row in existing.values() if row.is_open]


def _write_defects(passports, by_kenteken, fetched: _Fetched) -> None:
    rows = {}
    for defect in fetched.defects:
        pk = by_kenteken.get(defect.kenteken)
        if pk not in passports:
            continue
        key = (pk, defect.reported_on, defect.code)
        if key in rows:  # the RDW lists a code once per inspection; add up if it did not
            rows[key].count += defect.count
            continue
        rows[key] = ApkDefect(
            passport_id=pk,
            reported_on=defect.reported_on,
            code=defect.code,
            description=fetched.descriptions.get(defect.code, ""),
            count=min(defect.count, 32767),
        )
    if rows:
        ApkDefect.objects.bulk_create(
            rows.values(),
            update_conflicts=True,
            unique_fields=["passport", "reported_on", "code"],
            update_fields=["description", "count"],
        )


def _notify_open_recalls(passports, open_rows: list[PassportRecall], *, now) -> int:
    """Email the owner of an (active) customer car about each open recall once; a new owner of
    the car is told too. Respects the owner's reminder switch (topic REMINDERS: recalls, like APK
    reminders, are about the car's roadworthiness). Queued in the batch's transaction, with
    `notified_at`: a crash before commit sends nothing and records nothing; after commit the
    outbox delivers and the next run finds the recall notified."""
    due = []
    for row in open_rows:
        passport = passports[row.passport_id]
        if not passport.is_active or passport.owner_id is None or not passport.owner.is_active:
            continue
        if row.notified_owner_id == passport.owner_id:
            continue
        due.append((row, passport))
    if not due:
        return 0
    opted_out = opted_out_emails(
        emails=[passport.owner.email for _row, passport in due], topic=Topic.REMINDERS
    )
    sent = 0
    for row, passport in due:
        owner = passport.owner
        if owner.email in opted_out:
            continue
        recall = row.recall
        with translation.override(owner.language):
            context = {
                "plate": passport.plate,
                "vehicle": passport.vehicle_name,
                "garage_name": passport.garage.name,
                "name": owner.full_name or "",
                "reference": recall.reference,
                "defect": recall.defect,
                "consequences": recall.consequences,
                "remedy": recall.remedy,
                "info_url": recall.info_url,
                "car_url": settings.SITE_URL
                + reverse("portal:car", kwargs={"plate": passport.plate}),
            }
        notification_queue(
            kind=Notification.Kind.RECALL_OPEN,
            recipient=owner.email,
            user=owner,
            language=owner.language,
            context=context,
        )
        row.notified_at, row.notified_owner = now, owner
        row.save(update_fields=["notified_at", "notified_owner"])
        sent += 1
    return sent

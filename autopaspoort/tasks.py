from celery import shared_task
from django.utils import timezone

from autopaspoort import rdw
from autopaspoort.maintenance import active_customer_cars, maintenance_due_on_refresh
from autopaspoort.rdw_refresh import rdw_refresh_run
from autopaspoort.services import passport_enrich_from_rdw


@shared_task(bind=True, acks_late=True, max_retries=5)
def enrich_passport_from_rdw(self, passport_id):
    """Vehicle data for passports made without the form (API, imports, demo). Idempotent: it only
    fills empty fields. Retries with backoff while the RDW is unavailable."""
    status = passport_enrich_from_rdw(passport_id=passport_id)
    # Run in-process (no broker), a retry would repeat the wait inside the user's request.
    if status == rdw.UNAVAILABLE and not self.request.is_eager:
        raise self.retry(countdown=60 * 2**self.request.retries)


@shared_task(acks_late=True)
def enrich_passports_from_rdw(passport_ids):
    """Bulk imports: one task per batch, one lookup per car; cars the RDW could not answer for
    get their own retrying task."""
    for passport_id in passport_ids:
        if passport_enrich_from_rdw(passport_id=passport_id) == rdw.UNAVAILABLE:
            enrich_passport_from_rdw.apply_async(args=[passport_id], countdown=60)


@shared_task(acks_late=True, ignore_result=True)
def refresh_rdw_data():
    """Beat: keep the passports' RDW data, recalls and APK defects current
    (autopaspoort.rdw_refresh). Idempotent and resumable; one run at a time."""
    rdw_refresh_run()


@shared_task(acks_late=True, ignore_result=True)
def refresh_maintenance_due():
    """Beat, daily: move each customer car's "maintenance likely due on" with the time (the
    estimate by distance changes as days pass). Idempotent; writes only what changed."""
    return maintenance_due_on_refresh(active_customer_cars(), today=timezone.localdate())

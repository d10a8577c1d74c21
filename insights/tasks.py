from celery import shared_task
from django.db import DatabaseError
from django.utils import timezone

from insights.months import last_complete_month
from insights.services import monthly_usage_record


@shared_task(acks_late=True, autoretry_for=(DatabaseError,), retry_backoff=True, max_retries=5)
def record_monthly_usage():
    """Beat, every few hours: record the last complete month. Safe to run any number of
    times: rows already recorded are kept, a garage without one gets it."""
    today = timezone.localdate()
    run = monthly_usage_record(month=last_complete_month(today), today=today)
    return {"month": run.month.isoformat(), "written": run.written, "kept": run.kept}

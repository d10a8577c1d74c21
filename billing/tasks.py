from celery import shared_task
from django.db import DatabaseError
from django.utils import timezone

from billing.services import statements_close
from insights.months import last_complete_month


@shared_task(acks_late=True, autoretry_for=(DatabaseError,), retry_backoff=True, max_retries=5)
def close_monthly_statements():
    """Beat, early on the first of the month and every few hours after: close the month
    before. Safe to run any number of times, also two at once: a closed month is kept."""
    today = timezone.localdate()
    run = statements_close(month=last_complete_month(today), today=today)
    return {"month": run.month.isoformat(), "closed": run.closed, "kept": run.kept}

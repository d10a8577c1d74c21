from celery import shared_task

from reminders.services import reminders_send_due


@shared_task(acks_late=True)
def send_due_reminders():
    """Beat, every 6 hours. Idempotent: a reminder already recorded is never sent again."""
    return reminders_send_due()

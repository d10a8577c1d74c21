from celery import shared_task

from notifications.services import (
    DeliveryFailed,
    notification_deliver,
    notifications_requeue_stale,
)


@shared_task(bind=True, acks_late=True, max_retries=None)
def deliver_notification(self, notification_id):
    # The service counts attempts and marks the row failed after the last one; Celery only
    # schedules the next try. A retry of a row that was sent meanwhile does nothing.
    try:
        notification_deliver(notification_id=notification_id)
    except DeliveryFailed as exc:
        if self.request.is_eager:
            # In-process (the embedded default) a retry would run at once, inside the web
            # request that queued the email: one attempt per request; the row stays pending
            # with its back-off for the outbox sweep.
            return
        raise self.retry(exc=exc, countdown=exc.retry_in) from exc


@shared_task(acks_late=True)
def requeue_stale_notifications():
    return notifications_requeue_stale()

from celery import shared_task

from notifications.services import (
    DeliveryFailed,
    notification_deliver,
    notifications_deliver_batch,
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


@shared_task(bind=True, acks_late=True)
def deliver_due_notifications(self, mark=None):
    # `mark`: the "a batch task is queued" mark its publisher set (services._enqueue_batch).
    # In-process (eager) a row that failed stays pending for the sweep, as for a single row.
    # Its retries and next batch go to the queue it came from.
    queue = (self.request.delivery_info or {}).get("routing_key")
    return notifications_deliver_batch(mark=mark, in_process=self.request.is_eager, queue=queue)


@shared_task(acks_late=True)
def requeue_stale_notifications():
    return notifications_requeue_stale()

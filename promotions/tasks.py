from celery import shared_task

from promotions.services import promotion_deliver_batch, promotions_requeue_stalled


@shared_task(acks_late=True)
def send_promotion_batch(promotion_id, recipient_ids):
    """One throttled batch of a promotion. Idempotent: owners who have their email are skipped."""
    return promotion_deliver_batch(promotion_id=promotion_id, recipient_ids=recipient_ids)


@shared_task(acks_late=True)
def requeue_stalled_promotions():
    """For beat (not scheduled yet): batches the broker never got are enqueued again."""
    return promotions_requeue_stalled()

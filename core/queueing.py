"""Handing work to a Celery worker: after the transaction commits, never failing the caller.

Work is enqueued only once the business change has committed: a worker must not look for rows
it cannot see yet, and a rolled-back change must start nothing. By then the change is done, so a
broker that is down must not turn it into an error page: the failure is logged and the work is
recovered another way, which the caller names: a sweep that enqueues it again (the outbox,
promotions), nothing to lose (the RDW lookup can be typed in), or `fallback`, the same work run
here in the request (publishing is bounded to one quick attempt, see config/settings.py).
"""

import logging
from functools import partial

from django.db import transaction

logger = logging.getLogger(__name__)


def enqueue(task, *args, countdown=None, queue=None, fallback=None, label="", recovery="") -> bool:
    """Publish `task(*args)` now (on `queue`, default: the app's default queue); on a broker
    failure log "Could not enqueue <label>; <recovery>." and run `fallback()` if given.
    Returns whether the broker took it."""
    try:
        options = {"queue": queue} if queue else {}
        task.apply_async(args=args, countdown=countdown, **options)
    except Exception:
        if fallback is not None:
            logger.warning("Could not enqueue %s; running it in the request.", label or task.name)
            fallback()
        else:
            logger.warning("Could not enqueue %s; %s.", label or task.name, recovery)
        return False
    return True


def enqueue_on_commit(task, *args, **options) -> None:
    """`enqueue` once the current transaction commits (at once outside a transaction)."""
    transaction.on_commit(partial(enqueue, task, *args, **options))

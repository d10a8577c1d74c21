"""Bench-only tasks. Not part of the app: a worker loads them only when started with
`-I bench.tasks` (bench/email.py does), so production workers never register them."""

from celery import shared_task


@shared_task(acks_late=True)
def noop():
    """Nothing to do: dispatched, received, executed and acked like `deliver_notification`, so
    the tasks/s it reaches is the worker's own ceiling for one-message tasks."""

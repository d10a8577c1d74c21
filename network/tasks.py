from celery import shared_task
from django.db import DatabaseError
from django.utils import timezone

from network.services import network_figures_compute


@shared_task(acks_late=True, autoretry_for=(DatabaseError,), retry_backoff=True, max_retries=3)
def compute_network_figures():
    """Beat, every few hours: the figures of today, once a day (later runs skip)."""
    run = network_figures_compute(today=timezone.localdate())
    return {
        "computed_on": run.computed_on.isoformat(),
        "cells": run.cells,
        "cars": run.cars,
        "skipped": run.skipped,
    }

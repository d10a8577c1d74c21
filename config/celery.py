"""The Celery app. Workers: `celery -A config worker`; scheduler: `celery -A config beat`."""

import os

from celery import Celery
from celery.signals import task_postrun, task_prerun
from django.db import close_old_connections

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("autopaspoort")
# Every CELERY_* Django setting configures Celery (CELERY_BROKER_URL -> broker_url, ...).
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@task_prerun.connect
@task_postrun.connect
def drop_unusable_connections(task=None, **kwargs):
    """What Django does at the start and end of every request: a connection that is broken
    (PostgreSQL restarted) or older than CONN_MAX_AGE is closed; the next task opens a new one."""
    if not getattr(task.request, "is_eager", False):
        close_old_connections()

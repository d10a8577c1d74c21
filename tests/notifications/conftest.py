"""A real Celery worker for the delivery tests, on the test database and its own queue.

The worker is a subprocess running the app's own settings (config.settings) with
DATABASE_URL pointing at the *test* database, so it reads the rows the test commits, and
EMAIL_BACKEND writing files to a temporary folder, so the test can see what was sent. It listens
on a queue no other worker uses; `worker.publishing()` points this process's Celery app at that
queue with eager mode off, and puts both back afterwards.
"""

import contextlib
import os
import subprocess
import sys
import time
import uuid
from pathlib import Path
from urllib.parse import quote

import pytest
import redis
from django.conf import settings

from config.celery import app as celery_app

WORKER_START_TIMEOUT = 20


def worker_database_url() -> str:
    db = settings.DATABASES["default"]
    credentials = quote(db["USER"] or "", safe="")
    if db.get("PASSWORD"):
        credentials += ":" + quote(db["PASSWORD"], safe="")
    host = db.get("HOST") or "127.0.0.1"
    port = db.get("PORT") or 5432
    return f"postgres://{credentials}@{host}:{port}/{db['NAME']}"


class Worker:
    def __init__(self, *, queue: str, mail_dir: Path, log_path: Path, process=None):
        self.queue = queue
        self.mail_dir = mail_dir
        self.log_path = log_path
        self.process = process

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def sent_mail(self) -> list[str]:
        """Every email the worker has written so far, one string each.

        Django's file backend names its files by second and backend id, so two emails sent in
        the same second can land in one file, separated by a line of 79 dashes."""
        separator = "\n" + "-" * 79 + "\n"
        return [
            message
            for path in sorted(self.mail_dir.iterdir())
            for message in path.read_text(errors="replace").split(separator)
            if message.strip()
        ]

    def wait_ready(self, timeout: float = WORKER_START_TIMEOUT) -> None:
        deadline = time.monotonic() + timeout
        while " ready." not in self.log():
            if self.process.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"The Celery worker did not start:\n{self.log()}")
            time.sleep(0.05)

    def kill(self) -> None:
        """SIGKILL: no shutdown, no ack, no rollback sent (the fault tests' crashed worker)."""
        self.process.kill()
        self.process.wait()

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        # The queue's bindings stay in Redis after the worker is gone.
        with redis.Redis.from_url(settings.REDIS_URL) as client:
            queue = self.queue
            client.delete(queue, f"_kombu.binding.{queue}", f"_kombu.binding_permanent.{queue}")

    @contextlib.contextmanager
    def publishing(self):
        """Send tasks from this process to the worker's queue instead of running them eagerly."""
        conf = celery_app.conf
        saved = (conf.task_always_eager, conf.task_default_queue)
        conf.task_always_eager = False
        conf.task_default_queue = self.queue
        try:
            yield
        finally:
            conf.task_always_eager, conf.task_default_queue = saved


def spawn_worker(base: Path, *, queue_prefix: str = "test", extra_env: dict | None = None):
    """Start a worker subprocess on the test database and its own queue, without waiting for
    it to be ready (`worker.wait_ready()`); the caller stops it (`worker.stop()`)."""
    mail_dir = base / "mail"
    mail_dir.mkdir()
    log_path = base / "worker.log"
    queue = f"{queue_prefix}-{uuid.uuid4().hex[:12]}"
    env = {
        "PATH": os.environ.get("PATH", ""),
        "HOME": str(base),
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "SECRET_KEY": settings.SECRET_KEY,  # the links it builds must validate in this process
        "DATABASE_URL": worker_database_url(),
        "CONN_MAX_AGE": "0",  # no connection left open when the test database is flushed
        "REDIS_URL": settings.REDIS_URL,
        # The cache the test process uses (notifications' "batch queued" mark is shared).
        "CACHE_KEY_PREFIX": settings.CACHES["default"].get("KEY_PREFIX", ""),
        "CELERY_TASK_ALWAYS_EAGER": "false",
        "EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
        "EMAIL_FILE_PATH": str(mail_dir),
        # Check photos: the folder the test process (the live server) stores them in.
        "MEDIA_ROOT": str(settings.MEDIA_ROOT),
        **(extra_env or {}),
    }
    command = [
        sys.executable, "-m", "celery", "-A", "config", "worker",
        "--pool=solo", "--concurrency=1", "-Q", queue, "-n", f"{queue}@%h",
        "--without-gossip", "--without-mingle", "--without-heartbeat", "--loglevel=INFO",
    ]  # fmt: skip
    with open(log_path, "wb") as log:
        process = subprocess.Popen(
            command, cwd=settings.BASE_DIR, env=env, stdout=log, stderr=subprocess.STDOUT
        )
    return Worker(queue=queue, mail_dir=mail_dir, log_path=log_path, process=process)


@contextlib.contextmanager
def running_worker(base: Path, *, queue_prefix: str = "test", extra_env: dict | None = None):
    """Start a worker subprocess on the test database and its own queue; stop it afterwards."""
    worker = spawn_worker(base, queue_prefix=queue_prefix, extra_env=extra_env)
    try:
        worker.wait_ready()
        yield worker
    finally:
        worker.stop()


@pytest.fixture(scope="module")
def real_worker(django_db_setup, tmp_path_factory):
    """A running worker on the test database (module scope: started once for the module)."""
    with running_worker(tmp_path_factory.mktemp("celery-worker")) as worker:
        yield worker


@pytest.fixture
def broker_down():
    """This process's Celery app publishes to a broker that refuses connections."""
    conf = celery_app.conf
    saved = (conf.broker_url, conf.task_always_eager)

    def forget_connections():  # the app caches its broker connection pools
        celery_app._pool = None
        celery_app.amqp._producer_pool = None

    conf.broker_url, conf.task_always_eager = "redis://127.0.0.1:1/0", False
    forget_connections()
    try:
        yield
    finally:
        conf.broker_url, conf.task_always_eager = saved
        forget_connections()

"""B6: email delivery through the outbox, against a worker's ceiling.

    .venv/bin/python -m bench.email --database <name> [--emails 2000] [--rounds 3]

Starts one Celery worker (solo pool, production settings: DJANGO_DEBUG=false, the given
database, Redis db 12 as broker, Django's SMTP backend) and a local SMTP sink (aiosmtpd, in a
thread of this process) that accepts every message and counts messages and connections. Each
round measures half the no-ops, the emails, then the other half of the no-ops:

- noop/s: `bench.tasks.noop` tasks, published like a delivery and acked late; done when the
  queue and Redis' unacked set are both empty;
- emails/s: N outbox rows (`car_added`, no user) written straight to the database, then for
  each row what the app publishes when that row's transaction commits
  (`notifications_enqueue([(pk, kind)])`: a batch task unless one is already waiting); done
  when every row is `sent` and the sink holds N messages. A `--baseline` checkout from before
  batching (no `notifications_enqueue`) gets one `deliver_notification` task per row, as it
  published.

Prints one JSON object: per-round figures, medians, the ratio emails/s ÷ noop/s (goal >= 0.5)
and SMTP connections per email (goal: far below 1: connections are reused).

`--baseline <checkout>` (e.g. `git worktree add /tmp/before <commit>`) starts a second worker
running that checkout's code on the same database, broker and sink; every round measures both,
taking turns going first, so a before/after comparison sees the same machine load.
"""

import argparse
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
RECIPIENT_DOMAIN = "email-bench.example"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def database_url(database: str) -> str:
    if "://" in database:
        return database
    host = os.environ.get("BENCH_DATABASE_HOST", "postgres@127.0.0.1:5432")
    return f"postgres://{host}/{database}"


# --- The SMTP sink ----------------------------------------------------------------------------


class Sink:
    """aiosmtpd handler: accepts every message (250), keeps only counts."""

    def __init__(self):
        self.messages = 0
        self.connections = 0
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):
        with self.lock:
            self.messages += 1
        return "250 2.0.0 OK: queued"

    def counts(self) -> tuple[int, int]:
        with self.lock:
            return self.messages, self.connections


def start_sink():
    from aiosmtpd.controller import Controller
    from aiosmtpd.smtp import SMTP

    sink = Sink()

    class CountingSMTP(SMTP):
        def connection_made(self, transport):
            with sink.lock:
                sink.connections += 1
            super().connection_made(transport)

    class CountingController(Controller):
        def factory(self):
            return CountingSMTP(self.handler, **self.SMTP_kwargs)

    controller = CountingController(sink, hostname="127.0.0.1", port=free_port())
    controller.start()
    return sink, controller


# --- Setup of this process and the worker -----------------------------------------------------


def environment(args, smtp_port: int) -> dict:
    return {
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DJANGO_DEBUG": "false",
        "SECRET_KEY": "bench-email-" + "x" * 40,
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "DATABASE_URL": database_url(args.database),
        "REDIS_URL": f"redis://127.0.0.1:6379/{args.redis_db}",
        "CELERY_TASK_ALWAYS_EAGER": "false",
        "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "EMAIL_HOST": "127.0.0.1",
        "EMAIL_PORT": str(smtp_port),
    }


def start_worker(env: dict, queue: str, log_path: Path, code: Path = BASE_DIR) -> subprocess.Popen:
    command = [
        sys.executable, "-m", "celery", "-A", "config", "worker", "-I", "bench.tasks",
        "--pool=solo", "--concurrency=1", "-Q", queue, "-n", f"{queue}@%h",
        "--without-gossip", "--without-mingle", "--without-heartbeat", "--loglevel=INFO",
    ]  # fmt: skip
    with open(log_path, "wb") as log:
        process = subprocess.Popen(  # noqa: S603 - our own interpreter and arguments
            command,
            cwd=code,  # the app's code the worker runs: this checkout, or --baseline's
            env={
                "PATH": os.environ.get("PATH", ""),
                "HOME": str(log_path.parent),
                "PYTHONPATH": str(BASE_DIR),  # bench.tasks, when the baseline has no bench/
                **env,
            },
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    deadline = time.monotonic() + 30
    while " ready." not in log_path.read_text(errors="replace"):
        if process.poll() is not None or time.monotonic() > deadline:
            raise SystemExit(f"The worker did not start:\n{log_path.read_text(errors='replace')}")
        time.sleep(0.05)
    return process


def stop_worker(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def wait_for(condition, *, timeout: float, what: str, interval: float = 0.005) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise SystemExit(f"Timed out after {timeout}s waiting for {what}")
        time.sleep(interval)


# --- The two measurements ---------------------------------------------------------------------


def run_noops(count: int, *, queue: str, broker, timeout: float) -> float:
    """Publish `count` no-op tasks; seconds until the worker has executed and acked them all."""
    from bench.tasks import noop

    started = time.perf_counter()
    for _ in range(count):
        noop.apply_async(queue=queue)

    def drained():
        # Acks late: a message leaves `unacked` only after it ran. Seen empty twice in a row, so
        # the instant between a fetch and its entry in `unacked` is not mistaken for the end.
        for _ in range(2):
            if broker.llen(queue) or broker.hlen("unacked"):
                return False
            time.sleep(0.001)
        return True

    wait_for(drained, timeout=timeout, what="the no-op tasks")
    return time.perf_counter() - started


def run_emails(
    count: int, *, queue: str, sink: Sink, timeout: float, per_row: bool = False
) -> tuple[float, int, int]:
    """Write `count` outbox rows, enqueue their delivery; seconds until all are sent and the
    sink has them. Returns (seconds, messages, connections) seen by the sink meanwhile."""
    from django.db.models import Count

    from config.celery import app
    from notifications.models import Notification
    from notifications.services import notifications_enqueue
    from notifications.tasks import deliver_notification

    tag = uuid.uuid4().hex[:8]
    rows = Notification.objects.bulk_create(
        [
            Notification(
                kind=Notification.Kind.CAR_ADDED,
                template=Notification.Kind.CAR_ADDED,
                recipient=f"owner-{tag}-{n}@{RECIPIENT_DOMAIN}",
                context={"garage_name": "Garage Bench", "plate": "GJ-55-55"},
                language="nl",
            )
            for n in range(count)
        ],
        batch_size=1000,
    )
    ids = [row.pk for row in rows]
    messages_before, connections_before = sink.counts()
    started = time.perf_counter()
    if per_row:
        for notification_id in ids:
            deliver_notification.apply_async((notification_id,), queue=queue)
    else:
        saved, app.conf.task_default_queue = app.conf.task_default_queue, queue
        try:
            for notification_id in ids:  # one commit each, as rows queued by separate requests
                notifications_enqueue([(notification_id, "car_added")])
        finally:
            app.conf.task_default_queue = saved

    def all_sent():
        if sink.counts()[0] - messages_before < count:
            return False
        return Notification.objects.filter(pk__in=ids, state="sent").count() == count

    try:
        wait_for(all_sent, timeout=timeout, what="the emails", interval=0.01)
    except SystemExit:
        states = dict(
            Notification.objects.filter(pk__in=ids).values_list("state").annotate(n=Count("id"))
        )
        message = f"Timed out waiting for the emails: {states}, sink {sink.counts()}"
        raise SystemExit(message) from None
    elapsed = time.perf_counter() - started
    messages_after, connections_after = sink.counts()
    Notification.objects.filter(pk__in=ids).delete()
    return elapsed, messages_after - messages_before, connections_after - connections_before


def measure_round(worker: dict, args, noops: int, *, sink: Sink, broker) -> dict:
    """Half the no-ops, the emails, the other half: a drift in the machine's load during the
    round weighs on both sides alike."""
    queue, timeout = worker["queue"], args.timeout
    first = run_noops(noops // 2, queue=queue, broker=broker, timeout=timeout)
    seconds, messages, connections = run_emails(
        args.emails, queue=queue, sink=sink, timeout=timeout, per_row=worker["per_row"]
    )
    second = run_noops(noops - noops // 2, queue=queue, broker=broker, timeout=timeout)
    emails_per_s = args.emails / seconds
    noop_per_s = noops / (first + second)
    return {
        "noop_seconds": round(first + second, 3),
        "noop_per_s": round(noop_per_s, 1),
        "email_seconds": round(seconds, 3),
        "emails_per_s": round(emails_per_s, 1),
        "sink_messages": messages,
        "smtp_connections": connections,
        "connections_per_email": round(connections / args.emails, 4),
        "ratio": round(emails_per_s / noop_per_s, 3),
    }


def summary(rounds: list[dict]) -> dict:
    def median(key):
        return statistics.median(r[key] for r in rounds)

    return {
        "rounds": rounds,
        "emails_per_s": median("emails_per_s"),
        "noop_per_s": median("noop_per_s"),
        "ratio": median("ratio"),
        "connections_per_email": median("connections_per_email"),
    }


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", required=True, help="database name (or a full URL)")
    parser.add_argument("--emails", type=int, default=2000)
    parser.add_argument("--noops", type=int, help="no-op tasks per round (default: --emails)")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--redis-db", type=int, default=12)
    parser.add_argument("--warmup", type=int, default=50)
    parser.add_argument("--timeout", type=float, default=600.0)
    parser.add_argument(
        "--baseline",
        type=Path,
        help="another checkout of the app (e.g. a `git worktree` of an older commit): a second "
        "worker runs its code, measured in the same rounds, alternating with this checkout's",
    )
    args = parser.parse_args(argv)
    noops = args.noops or args.emails

    sink, controller = start_sink()
    env = environment(args, controller.port)
    os.environ.update(env)
    sys.path.insert(0, str(BASE_DIR))
    import django

    django.setup()
    import logging

    import redis
    from django.conf import settings

    logging.getLogger("mail.log").setLevel(logging.WARNING)  # aiosmtpd logs every command
    broker = redis.Redis.from_url(settings.CELERY_BROKER_URL)
    if broker.hlen("unacked"):
        raise SystemExit(f"Redis db {args.redis_db} is not idle (unacked messages): pick another")
    workdir = Path(tempfile.mkdtemp(prefix="bench-email-"))
    variants = {"current": BASE_DIR}
    if args.baseline:
        variants = {"baseline": args.baseline.resolve(), **variants}
    workers = {}
    try:
        for name, code in variants.items():
            queue = f"bench-email-{name}-{uuid.uuid4().hex[:8]}"
            log_path = workdir / f"worker-{name}.log"
            process = start_worker(env, queue, log_path, code)
            per_row = (
                not (code / "notifications" / "services.py")
                .read_text()
                .count("def notifications_enqueue(")
            )
            workers[name] = {
                "queue": queue,
                "process": process,
                "log": str(log_path),
                "per_row": per_row,
            }
        for worker in workers.values():
            run_noops(args.warmup, queue=worker["queue"], broker=broker, timeout=args.timeout)
            run_emails(
                args.warmup,
                queue=worker["queue"],
                sink=sink,
                timeout=args.timeout,
                per_row=worker["per_row"],
            )
        rounds = {name: [] for name in workers}
        names = list(workers)
        for number in range(args.rounds):
            # With a baseline, the two variants take turns going first.
            for name in names if number % 2 == 0 else names[::-1]:
                figures = {"round": number + 1, **measure_round(
                    workers[name], args, noops, sink=sink, broker=broker)}  # fmt: skip
                rounds[name].append(figures)
                print(json.dumps({"variant": name, **figures}), file=sys.stderr)
    finally:
        for worker in workers.values():
            stop_worker(worker["process"])
            queue = worker["queue"]
            broker.delete(queue, f"_kombu.binding.{queue}", f"_kombu.binding_permanent.{queue}")
        controller.stop()

    result = {
        "bench": "email",
        "database": args.database,
        "emails": args.emails,
        "noops": noops,
        "ratio_goal": 0.5,
        **summary(rounds["current"]),
        "worker": "celery solo pool, 1 process, --loglevel=INFO, config.settings DEBUG off",
        "worker_logs": {name: worker["log"] for name, worker in workers.items()},
    }
    if args.baseline:
        result["baseline"] = {"code": str(variants["baseline"]), **summary(rounds["baseline"])}
        result["current_vs_baseline_emails_per_s"] = round(
            result["emails_per_s"] / result["baseline"]["emails_per_s"], 2
        )
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()

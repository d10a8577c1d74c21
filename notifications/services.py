"""The outbox: other apps queue emails here and never call send_mail themselves. Also the
switches people use to stop reminder and promotion emails (end of this module).

`notification_queue` writes the row inside the caller's transaction and enqueues delivery only
after that transaction commits, so a rolled-back business change sends nothing and a worker never
looks for a row it cannot see yet. If the broker is down at that moment the row stays pending and
`notifications_requeue_stale` (Celery beat, every minute) enqueues it again.
"""

import contextlib
import logging
import os
import re
import smtplib
import threading
import time
import weakref
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

from anymail.exceptions import AnymailAPIError, AnymailInvalidAddress, AnymailRecipientsRefused
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.core.mail import get_connection
from django.db import close_old_connections, transaction
from django.db import connection as db_connection
from django.db.models import Q
from django.utils import timezone

from core.emails import normalize_email
from core.queueing import enqueue, enqueue_on_commit
from notifications.models import EmailOptOut, Notification
from notifications.rendering import StaleRecipient, build_message, check_recipient
from notifications.selectors import PREFERENCE_FIELDS

logger = logging.getLogger(__name__)

RETRY_BASE_SECONDS = 30
RETRY_MAX_SECONDS = 60 * 60
STALE_AFTER = timedelta(minutes=1)
# After the quick attempts a transient failure is shown as failed (the garage sees it and can
# send again) and the sweep tries the row again every FAILED_RETRY_AFTER, FAILED_RETRIES times.
FAILED_RETRY_AFTER = timedelta(hours=6)
FAILED_RETRIES = 4


class DeliveryFailed(Exception):
    """Sending failed and another attempt is due in `retry_in` seconds."""

    def __init__(self, message, *, retry_in):
        super().__init__(message)
        self.retry_in = retry_in


# HTTP answers of an ESP that mean "try again later", although they are 4xx.
RETRYABLE_HTTP_STATUSES = frozenset({408, 429})


def is_permanent(error: Exception) -> bool:
    """Whether a send failed for good: retrying would be refused the same way (and could get
    our sender blocked), so the row is marked failed at once for support to look at.

    SMTP: a 5xx reply (RFC 5321) is permanent, a 4xx reply is not; a refused recipient is
    permanent only when every refusal is 5xx. ESP APIs (django-anymail): refused or invalid
    recipients, and 4xx answers other than 408/429, are permanent; 5xx answers, timeouts and
    network errors (no status) are transient. Anything else is treated as transient.
    """
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        codes = [code for code, _message in error.recipients.values()]
        return bool(codes) and all(500 <= code < 600 for code in codes)
    if isinstance(error, smtplib.SMTPResponseException):
        return 500 <= error.smtp_code < 600
    if isinstance(error, (AnymailRecipientsRefused, AnymailInvalidAddress)):
        return True
    if isinstance(error, AnymailAPIError):
        status = error.status_code
        return status is not None and 400 <= status < 500 and status not in RETRYABLE_HTTP_STATUSES
    return False


def retry_delay(attempts: int) -> int:
    """Exponential backoff: 30 s, 60 s, 120 s, ... capped at an hour."""
    return min(RETRY_BASE_SECONDS * 2 ** max(attempts - 1, 0), RETRY_MAX_SECONDS)


# --- One mail connection per worker process ---------------------------------------------------

MAIL_CONNECTION_MAX_MESSAGES = 100  # providers cap messages per SMTP session (often ~100)
MAIL_CONNECTION_MAX_IDLE_SECONDS = 10  # well below the usual server idle timeouts (30 s - 5 min)


class MailConnection:
    """The email backend's connection, opened on first use and kept for the next deliveries:
    an SMTP connect, TLS handshake and login per email cost more than the email itself.

    Replaced after any error, after MAIL_CONNECTION_MAX_MESSAGES messages and when it has been
    idle for MAIL_CONNECTION_MAX_IDLE_SECONDS; closed on worker shutdown (notifications.apps).
    A server that closed a kept connection (its idle timeout, a restart) shows as
    SMTPServerDisconnected, not a timeout, and nothing was accepted on it (a server accepts a
    message only with its 250 reply): the message is sent once more on a new connection, as
    the task's retry would have done, only without the wait.
    """

    def __init__(self):
        self.backend = None
        self.pid = None
        self.sent = 0
        self.last_used = 0.0

    def send(self, message) -> None:
        reused = self._open()
        try:
            self.backend.send_messages([message])
        except smtplib.SMTPServerDisconnected as error:
            self.close()
            if not reused or isinstance(error.__context__, TimeoutError):
                raise  # a new connection, or a server that stopped answering: the usual retry
            self._open()
            try:
                self.backend.send_messages([message])
            except Exception:
                self.close()
                raise
        except Exception:
            self.close()
            raise
        self.sent += 1
        self.last_used = time.monotonic()
        if self.sent >= MAIL_CONNECTION_MAX_MESSAGES:
            self.close()

    def _open(self) -> bool:
        """Make sure a connection is open; True when it is one kept from earlier deliveries."""
        if self.backend is not None and self.pid != os.getpid():
            self.backend = None  # inherited through fork: the parent's socket, not ours to use
        if self.backend is not None:
            if time.monotonic() - self.last_used <= MAIL_CONNECTION_MAX_IDLE_SECONDS:
                return True
            self.close()
        backend = get_connection()
        try:
            backend.open()
        except Exception:
            with contextlib.suppress(Exception):
                backend.close()  # a connection left half open (refused TLS or login)
            raise
        self.backend, self.pid, self.sent = backend, os.getpid(), 0
        return False

    def close(self) -> None:
        backend, self.backend = self.backend, None
        if backend is not None:
            try:
                backend.close()
            except Exception:  # a connection that is already broken cannot say goodbye
                logger.debug("Closing the mail connection failed", exc_info=True)


_local = threading.local()
_mail_connections = weakref.WeakSet()  # every thread's, for the shutdown


def mail_connection() -> MailConnection:
    """This thread's connection (a worker process runs one delivery at a time per thread)."""
    connection = getattr(_local, "mail_connection", None)
    if connection is None:
        connection = _local.mail_connection = MailConnection()
        _mail_connections.add(connection)
    return connection


def mail_connections_close() -> None:
    """Close the kept connections (worker shutdown; a test that changed the email settings)."""
    for connection in list(_mail_connections):
        connection.close()


# Emails sent by the thousand (a reminder run, a promotion's batches). With
# NOTIFICATION_BULK_QUEUE set they wait in a queue of their own, served by workers of their own,
# so an activation email queued behind a reminder run is not delivered after it
# (docs/scaling.md, "Celery workers and queues per kind"). A batch task claims only the kinds
# of the queue it came from.
BULK_KINDS = frozenset(
    {
        Notification.Kind.PROMOTION,
        Notification.Kind.REMINDER_APK,
        Notification.Kind.REMINDER_MAINTENANCE,
    }
)


def delivery_queue(kind: str) -> str | None:
    """The queue a delivery of `kind` goes to; None for the default queue."""
    return (kind in BULK_KINDS and settings.NOTIFICATION_BULK_QUEUE) or None


def _queue_kinds(queue: str | None) -> Q:
    """The rows a batch from `queue` may claim: all, unless bulk emails have a queue of their
    own; then the bulk kinds on that queue and the others everywhere else."""
    bulk = settings.NOTIFICATION_BULK_QUEUE
    if not bulk:
        return Q()
    return Q(kind__in=BULK_KINDS) if queue == bulk else ~Q(kind__in=BULK_KINDS)


def _enqueue(notification_id: int, *, on_commit: bool = False, countdown=None, queue=None) -> None:
    """One row's own delivery task: a retry at its back-off time, and in eager mode (the
    embedded default) the delivery of just this row, in-process, as before batching."""
    from notifications.tasks import deliver_notification

    # A retry (deliver_notification's self.retry) goes back to the queue it came from.
    (enqueue_on_commit if on_commit else enqueue)(
        deliver_notification,
        notification_id,
        countdown=countdown,
        queue=queue,
        label=f"notification {notification_id}",
        recovery="the sweep will retry",
    )


# --- Batches ----------------------------------------------------------------------------------

DELIVERY_BATCH_SIZE = 100
# While a batch task waits in the queue, more rows need no task of their own: it will claim them
# when it starts. The mark is cleared when the task starts (rows committed later enqueue a new
# one) and expires in case the broker lost the task (the sweep has the rows meanwhile).
BATCH_QUEUED_SECONDS = 60


def _batch_mark(queue: str | None) -> str:
    """The "a batch task is queued" mark of a queue (None: where tasks are published now)."""
    from celery import current_app as app

    return f"notifications:batch-queued:{queue or app.conf.task_default_queue}"


def _eager() -> bool:
    from celery import current_app as app

    return bool(app.conf.task_always_eager)


def _enqueue_batch(*, force: bool = False, queue: str | None = None) -> bool:
    """Publish a "deliver what is due" task unless one is already waiting (`force`: publish
    regardless: the sweep, a batch's continuation). Returns whether a task was published."""
    from notifications.tasks import deliver_due_notifications

    mark = _batch_mark(queue)
    try:
        if force:
            cache.set(mark, 1, BATCH_QUEUED_SECONDS)
        elif not cache.add(mark, 1, BATCH_QUEUED_SECONDS):
            return False
    except Exception:  # the cache is down: a task too many is harmless, a missing one is not
        logger.warning("Could not mark a notification batch as queued.", exc_info=True)
    published = enqueue(
        deliver_due_notifications,
        mark,
        queue=queue,
        label="a notification batch",
        recovery="the sweep will deliver its rows",
    )
    if not published:
        with contextlib.suppress(Exception):
            cache.delete(mark)  # nothing waits in the queue: the next row must publish again
    return published


def notifications_enqueue(rows, *, on_commit: bool = False, force: bool = False):
    """Hand rows, given as (pk, kind), to the workers: batch tasks on each kind's queue that
    claim whatever is due there (one waiting task is enough for any number of rows), or in
    eager mode one in-process delivery per row (a web request sends only the rows it queued,
    as before batching)."""
    rows = list(rows)
    if not rows:
        return
    if _eager():
        for notification_id, _kind in rows:
            _enqueue(notification_id, on_commit=on_commit)
        return
    if on_commit:
        transaction.on_commit(lambda: notifications_enqueue(rows, force=force))
        return
    per_queue = Counter(delivery_queue(kind) for _pk, kind in rows)
    for queue, count in per_queue.items():
        for number in range(-(-count // DELIVERY_BATCH_SIZE)):
            _enqueue_batch(force=force or number > 0, queue=queue)


def notification_queue(
    *, kind, recipient, user=None, context=None, language=None, template=None
) -> Notification:
    notification = Notification.objects.create(
        kind=kind,
        recipient=recipient,
        user=user,
        template=template or kind,
        context=context or {},
        language=language or (user.language if user else settings.LANGUAGE_CODE),
    )
    notifications_enqueue([(notification.pk, notification.kind)], on_commit=True)
    return notification


def notification_deliver(*, notification_id: int) -> Notification | None:
    """Send one outbox row, at most once. Safe to call twice, concurrently or after a crash.

    The row is locked while sending, so a second worker waits and then finds it sent; a worker
    killed mid-send drops its connection and PostgreSQL releases the lock with the transaction,
    so the row is pending again for the sweep. Raises DeliveryFailed when another attempt is
    due; marks the row failed after a permanent refusal or the last attempt.
    """
    with transaction.atomic():
        notification = (
            Notification.objects.select_for_update(of=("self",))
            .select_related("user")
            .filter(pk=notification_id)
            .first()
        )
        if notification is None or notification.state != Notification.State.PENDING:
            return notification
        _attempt(notification)
    if notification.state == Notification.State.PENDING:
        raise DeliveryFailed(notification.last_error, retry_in=retry_delay(notification.attempts))
    return notification


def notifications_deliver_due(
    *, limit: int = DELIVERY_BATCH_SIZE, senders: int = 1, queue: str | None = None
) -> list[Notification]:
    """Send up to `limit` pending rows that are due, oldest first, on `senders` threads (each
    with its own database connection and kept mail connection); returns the rows with their
    outcome (sent, pending with a later `next_attempt_at`, failed, cancelled).

    Exactly once, as `notification_deliver`: each row is claimed, sent and recorded in its own
    transaction. The claim takes the next due row that no one else holds (FOR UPDATE SKIP
    LOCKED), so batches and senders running at once share the rows out instead of queueing
    behind one another, and a single-row delivery of a claimed row waits for the lock and
    finds it sent. The outcome commits before that sender sends its next row: a worker killed
    mid-batch loses only the rows its senders were sending (each lock goes with its connection;
    the row is pending for the sweep), never the record of rows the provider already accepted.
    Claiming the whole batch in one transaction would save the claims but hold every accepted
    row's record until the end, so a crash would send them all again.
    On SQLite (one writer at a time) the rows simply go in order on this thread.
    """
    kinds = _queue_kinds(queue)
    if senders <= 1 or db_connection.vendor != "postgresql":
        return _deliver_due(_Budget(limit), kinds)
    budget = _Budget(limit)
    futures = [_sender_pool(senders).submit(_sender_run, budget, kinds) for _ in range(senders)]
    results = [future.exception() or future.result() for future in futures]
    errors = [result for result in results if isinstance(result, BaseException)]
    if errors:
        raise errors[0]  # the rows whose outcome was recorded stay recorded
    return [notification for result in results for notification in result]


class _Budget:
    """How many rows the batch may still claim, shared by its senders."""

    def __init__(self, limit: int):
        self.left = limit
        self.lock = threading.Lock()

    def take(self) -> bool:
        with self.lock:
            if self.left <= 0:
                return False
            self.left -= 1
            return True


def _deliver_due(budget: _Budget, kinds: Q) -> list[Notification]:
    delivered = []
    while budget.take():
        with transaction.atomic():
            notification = (
                Notification.objects.select_for_update(skip_locked=True, of=("self",))
                .select_related("user")
                .filter(kinds, state=Notification.State.PENDING)
                .filter(next_attempt_at__lte=timezone.now())
                .order_by("next_attempt_at", "pk")
                .first()
            )
            if notification is None:
                break
            _attempt(notification)
        delivered.append(notification)
    return delivered


def _sender_run(budget: _Budget, kinds: Q) -> list[Notification]:
    """One sender thread's share of a batch. The pool's threads are kept (with their database
    and mail connections) across batches; the connection is checked as Celery does for its
    own thread at a task's start and end (CONN_MAX_AGE, health checks)."""
    close_old_connections()
    try:
        return _deliver_due(budget, kinds)
    finally:
        close_old_connections()


_pool = None
_pool_pid = None
_pool_lock = threading.Lock()


def _sender_pool(size: int) -> ThreadPoolExecutor:
    global _pool, _pool_pid
    with _pool_lock:
        if _pool is None or _pool_pid != os.getpid() or _pool._max_workers != size:
            # A pool inherited through fork has no threads in this process.
            _pool = ThreadPoolExecutor(size, thread_name_prefix="notification-sender")
            _pool_pid = os.getpid()
        return _pool


def notifications_deliver_batch(
    *, mark: str | None = None, in_process: bool = False, queue: str | None = None
) -> int:
    """The batch task's work: clear the "queued" mark (rows committed from now on publish a new
    task: this one may already have claimed its last row), deliver a batch of due rows, give
    each row that failed for a passing reason its own task at its back-off time (as Celery's
    retry does for a single row; not `in_process`, where the sweep retries), and publish the
    next batch after a full one, both on `queue` (the batch's own). Returns the number of rows
    attempted."""
    if mark:
        with contextlib.suppress(Exception):  # the mark only saves tasks; it expires anyway
            cache.delete(mark)
    delivered = notifications_deliver_due(
        limit=DELIVERY_BATCH_SIZE, senders=settings.NOTIFICATION_SENDERS, queue=queue
    )
    if not in_process:
        for notification in delivered:
            if notification.state == Notification.State.PENDING:
                delay = retry_delay(notification.attempts)
                _enqueue(notification.pk, countdown=delay, queue=queue)
        if len(delivered) >= DELIVERY_BATCH_SIZE:
            _enqueue_batch(force=True, queue=queue)
    return len(delivered)


def notification_senders_stop() -> None:
    """Stop the sender threads, each closing its database and mail connections (worker
    shutdown; a test that used them, before its database goes)."""
    global _pool
    with _pool_lock:
        pool, _pool = _pool, None
    if pool is None or _pool_pid != os.getpid():
        return
    size = pool._max_workers
    together = threading.Barrier(size)  # one close per thread: none may take two

    def close():
        together.wait(timeout=10)
        mail_connection().close()
        db_connection.close()

    for _ in range(size):
        pool.submit(close)
    pool.shutdown(wait=True)


def _attempt(notification: Notification) -> None:
    """Send a locked pending row and record the outcome on it (the caller's transaction)."""
    max_attempts = settings.NOTIFICATION_MAX_ATTEMPTS
    try:
        check_recipient(notification)
    except StaleRecipient:
        notification.state = Notification.State.CANCELLED
        notification.last_error = "Not sent: the account's email was corrected after queuing."
        notification.save(update_fields=["state", "last_error", "updated_at"])
        return
    notification.attempts += 1
    try:
        message = build_message(notification)
        mail_connection().send(message)
    except Exception as exc:
        notification.last_error = f"{type(exc).__name__}: {exc}"[:2000]
        permanent = is_permanent(exc)
        if permanent or notification.attempts >= max_attempts:
            notification.state = Notification.State.FAILED
            # A passing failure (no answer, 4xx) may pass: the sweep tries later, a few
            # times. A refusal would only be refused again.
            notification.retry_failed = (
                not permanent and notification.attempts < max_attempts + FAILED_RETRIES
            )
            notification.next_attempt_at = timezone.now() + FAILED_RETRY_AFTER
            logger.error("Notification %s failed: %s", notification.pk, exc)
        else:
            notification.next_attempt_at = timezone.now() + timedelta(
                seconds=retry_delay(notification.attempts)
            )
        notification.save(
            update_fields=[
                "attempts",
                "last_error",
                "state",
                "retry_failed",
                "next_attempt_at",
                "updated_at",
            ]
        )
    else:
        notification.state = Notification.State.SENT
        notification.sent_at = timezone.now()
        notification.last_error = ""
        status = getattr(message, "anymail_status", None)  # set by django-anymail backends
        notification.provider_message_id = (status.message_id or "") if status else ""
        notification.save(
            update_fields=[
                "attempts",
                "state",
                "sent_at",
                "last_error",
                "provider_message_id",
                "updated_at",
            ]
        )


def notifications_requeue_stale(*, now=None) -> int:
    """Enqueue pending rows whose delivery is overdue by more than a minute, and failed rows
    whose failure may pass and whose long pause is over (back to pending, one more attempt
    each); returns the count."""
    now = now or timezone.now()
    retries = list(
        Notification.objects.filter(
            state=Notification.State.FAILED, retry_failed=True, next_attempt_at__lt=now
        )
        .order_by("next_attempt_at")
        .values_list("pk", "kind")[:1000]
    )
    retry_ids = [pk for pk, _kind in retries]
    if retry_ids:
        Notification.objects.filter(
            pk__in=retry_ids, state=Notification.State.FAILED, retry_failed=True
        ).update(state=Notification.State.PENDING, retry_failed=False, updated_at=now)
    stale = list(
        Notification.objects.filter(
            state=Notification.State.PENDING, next_attempt_at__lt=now - STALE_AFTER
        )
        .exclude(pk__in=retry_ids)
        .order_by("next_attempt_at")
        .values_list("pk", "kind")[:1000]
    )
    # Forced: a task marked as queued may be the one the broker lost.
    notifications_enqueue([*retries, *stale], force=True)
    return len(retries) + len(stale)


@transaction.atomic
def notification_resend(*, notification: Notification, actor) -> Notification:
    """Queue a copy of an email (support's "resend"); the original row stays as it was.

    A password link in the copy is new: links are built at delivery time.
    """
    resend = notification_queue(
        kind=notification.kind,
        recipient=notification.recipient,
        user=notification.user,
        context=notification.context,
        language=notification.language,
        template=notification.template,
    )
    resend.resent_from = notification
    resend.save(update_fields=["resent_from"])
    logger.info("Notification %s resent as %s by %s", notification.pk, resend.pk, actor)
    return resend


def notification_cancel(*, notification: Notification | None) -> None:
    """Stop an email that has not gone out yet (e.g. an activation to a mistyped address)."""
    if notification is None:
        return
    # A failed row is included: the sweep could otherwise retry it beside its replacement.
    Notification.objects.filter(
        pk=notification.pk, state__in=[Notification.State.PENDING, Notification.State.FAILED]
    ).update(
        state=Notification.State.CANCELLED,
        retry_failed=False,
        last_error="Cancelled before sending.",
        updated_at=timezone.now(),
    )


# --- Contact preferences --------------------------------------------------------------------


@transaction.atomic
def contact_preferences_update(*, user, **enabled: bool):
    """The owner's switches in the portal, by preference field (`reminders_enabled=True`, ...:
    see PREFERENCE_FIELDS). Switching a topic on also lifts an opt-out their address made from
    an email link (e.g. as a driver before they had an account)."""
    topics = {field: topic for topic, field in PREFERENCE_FIELDS.items()}
    unknown = set(enabled) - set(topics)
    if unknown:
        raise TypeError(f"Unknown contact preferences: {sorted(unknown)}")
    for field, value in enabled.items():
        setattr(user, field, value)
    user.save(update_fields=list(enabled))
    switched_on = [topics[field] for field, value in enabled.items() if value]
    EmailOptOut.objects.filter(email=user.email, topic__in=switched_on).delete()
    return user


@transaction.atomic
def email_unsubscribe(*, email: str, topic: str) -> None:
    """The one-click link: no more `topic` emails to this address. An account is switched off
    (the portal shows it and can switch it on again); an address without one is recorded.
    Safe to repeat."""
    email = normalize_email(email)
    if get_user_model().objects.filter(email=email).update(**{PREFERENCE_FIELDS[topic]: False}):
        logger.info("Unsubscribed an account from %s by link.", topic)
        return
    EmailOptOut.objects.get_or_create(email=email, topic=topic)
    logger.info("Unsubscribed an address without account from %s by link.", topic)


# --- AVG: erasing a person from the outbox --------------------------------------------------------

ERASED = "[removed]"


def _names_them(text: str, patterns) -> bool:
    return any(pattern.search(text) for pattern in patterns)


def _scrub(value, patterns):
    """`value` (a row's context) with every string that names the person replaced."""
    if isinstance(value, dict):
        return {key: _scrub(item, patterns) for key, item in value.items()}
    if isinstance(value, list):
        return [_scrub(item, patterns) for item in value]
    if isinstance(value, str) and _names_them(value, patterns):
        return ERASED
    return value


@transaction.atomic
def notifications_erase_person(*, user, email: str, texts: list[str], placeholder: str) -> int:
    """A person deleted their account: the outbox rows to them lose their address and content
    (pending ones are cancelled: nothing more is sent to them), and every other row whose
    content quotes them (`texts`: their email, name, phone, address; e.g. the appointment
    request a garage received) has those values replaced. Their opt-outs go too. Returns the
    number of rows changed. Scans the outbox's contexts once: rare, and worth it."""
    from django.db.models import Q, TextField
    from django.db.models.functions import Cast

    needles = sorted({text.strip().casefold() for text in texts if len(text.strip()) >= 3})
    # Whole words only: erasing "Jan" must not touch "januari" or "Garage Jansen".
    patterns = [
        re.compile(rf"(?<!\w){re.escape(needle)}(?!\w)", re.IGNORECASE) for needle in needles
    ]
    own = Q(user=user) | Q(recipient=email)
    quoted = Q()
    for needle in needles:
        quoted |= Q(context_text__icontains=needle)
    rows = (
        Notification.objects.select_for_update()
        .annotate(context_text=Cast("context", TextField()))
        .filter(own | quoted if needles else own)
    )
    changed = 0
    for notification in rows:
        fields = ["context", "updated_at"]
        if notification.user_id == user.pk or notification.recipient == email:
            notification.recipient = placeholder
            notification.context = {}
            notification.last_error = ""
            fields += ["recipient", "last_error"]
            if notification.state == Notification.State.PENDING:
                notification.state = Notification.State.CANCELLED
                fields.append("state")
        else:
            scrubbed = _scrub(notification.context, patterns)
            if scrubbed == notification.context:
                continue  # the text search matched inside another word
            notification.context = scrubbed
        notification.save(update_fields=fields)
        changed += 1
    EmailOptOut.objects.filter(email=email).delete()
    return changed

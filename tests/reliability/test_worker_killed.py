"""Issue 9: a worker dies (SIGKILL) while the SMTP server has the message but has not accepted
it. The email must still go out exactly once: the dead worker's row lock dies with its
database connection, the row is pending again, and the sweep hands it to the next worker.
Issue 22: the same in the middle of a batch, with the emails accepted before the kill."""

from datetime import timedelta

import pytest
from django.db import OperationalError, transaction
from django.utils import timezone

from notifications.models import Notification
from notifications.services import notification_queue, notifications_requeue_stale
from tests import figures
from tests.autopaspoort.factories import PassportFactory
from tests.notifications.conftest import spawn_worker
from tests.reliability.conftest import wait_until
from tests.transfers.factories import transfer

pytestmark = [
    pytest.mark.faults,
    pytest.mark.needs_postgres,
    pytest.mark.needs_redis,
    pytest.mark.django_db(transaction=True),
]

KILLS = 20
# Workers are started ahead of their round (one takes about 2 s of CPU to start); two at a
# time use both cores of a CI runner.
AHEAD = 2


def row_is_locked(notification) -> bool:
    try:
        with transaction.atomic():
            Notification.objects.select_for_update(nowait=True).filter(pk=notification.pk).get()
    except OperationalError:
        return True
    return False


def test_a_worker_killed_mid_send_leaves_the_email_to_the_next_worker_exactly_once(
    garage, smtp_sink, tmp_path
):
    smtp = {
        "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "EMAIL_HOST": "127.0.0.1",
        "EMAIL_PORT": str(smtp_sink.port),
    }

    def start(number):
        base = tmp_path / f"worker{number}"
        base.mkdir()
        return spawn_worker(base, queue_prefix="killed", extra_env=smtp)

    workers = [start(number) for number in range(AHEAD)]
    recipients = []
    try:
        for number in range(KILLS):
            victim, rescuer = workers[number], workers[number + 1]
            victim.wait_ready()
            if number + AHEAD <= KILLS:
                workers.append(start(number + AHEAD))
            email = f"killed{number}@example.nl"
            recipients.append(email)
            smtp_sink.stall_first(email)

            with victim.publishing():
                transfer(PassportFactory(garage=garage), email)
            activation = Notification.objects.get(recipient=email)
            assert smtp_sink.stalled.wait(20), victim.log()[-3000:]
            assert smtp_sink.stalled_for == email
            assert row_is_locked(activation)  # the worker holds the row while it sends

            victim.kill()
            smtp_sink.release()  # too late: the server answers 451, nothing accepted
            figures.add("faults.worker_killed.injections")

            # PostgreSQL rolls the dead worker's transaction back when its connection drops.
            wait_until(lambda a=activation: not row_is_locked(a), message="the lock to go")
            activation.refresh_from_db()
            assert (activation.state, activation.attempts) == (Notification.State.PENDING, 0)
            assert smtp_sink.accepted_for(email) == []

            rescuer.wait_ready()
            with rescuer.publishing():
                assert notifications_requeue_stale(now=timezone.now() + timedelta(minutes=5)) == 1

            def sent(activation=activation):
                activation.refresh_from_db()
                return activation.state == Notification.State.SENT

            wait_until(sent, message=f"the activation to {email}\n{rescuer.log()[-3000:]}")
            assert len(smtp_sink.accepted_for(email)) == 1
            assert activation.attempts == 1
    finally:
        smtp_sink.release()
        for worker in workers:
            worker.stop()

    per_recipient = [len(smtp_sink.accepted_for(email)) for email in recipients]
    lost = per_recipient.count(0)
    duplicated = sum(count - 1 for count in per_recipient if count > 1)
    figures.add("emails.lost", lost)
    figures.add("emails.duplicated", duplicated)
    assert (lost, duplicated) == (0, 0), per_recipient


BATCH = 6


def test_a_worker_killed_mid_batch_keeps_what_was_accepted_and_the_rest_goes_once(
    smtp_sink, tmp_path
):
    """A batch is claimed and recorded row by row: the rows the server accepted before the
    kill stay sent (a batch committed as a whole would send them all again), the row being
    sent and the rows not reached yet are pending for the next worker, and each address gets
    exactly one email. The worker runs the production number of sender threads."""
    smtp = {
        "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "EMAIL_HOST": "127.0.0.1",
        "EMAIL_PORT": str(smtp_sink.port),
    }
    victim_dir, rescuer_dir = tmp_path / "victim", tmp_path / "rescuer"
    victim_dir.mkdir()
    rescuer_dir.mkdir()
    victim = spawn_worker(victim_dir, queue_prefix="batch-killed", extra_env=smtp)
    rescuer = spawn_worker(rescuer_dir, queue_prefix="batch-killed", extra_env=smtp)
    recipients = [f"batch{number}@example.nl" for number in range(BATCH)]
    held = recipients[2]
    try:
        victim.wait_ready()
        smtp_sink.stall_first(held)
        with victim.publishing(), transaction.atomic():  # one commit: one batch task
            for email in recipients:
                notification_queue(
                    kind=Notification.Kind.CAR_ADDED,
                    recipient=email,
                    context={"garage_name": "Garage A", "plate": "GJ-55-55"},
                )
        rows = {row.recipient: row for row in Notification.objects.filter(recipient__in=recipients)}
        assert smtp_sink.stalled.wait(20), victim.log()[-3000:]
        assert row_is_locked(rows[held])

        others = [email for email in recipients if email != held]

        def others_sent():
            states = Notification.objects.filter(recipient__in=others).values_list("state")
            return {state for (state,) in states} == {Notification.State.SENT}

        wait_until(others_sent, message=f"the rest of the batch\n{victim.log()[-3000:]}")
        victim.kill()
        smtp_sink.release()  # too late: the server answers 451, nothing accepted
        figures.add("faults.worker_killed.injections")

        wait_until(lambda: not row_is_locked(rows[held]), message="the lock to go")
        rows[held].refresh_from_db()
        assert (rows[held].state, rows[held].attempts) == (Notification.State.PENDING, 0)

        rescuer.wait_ready()
        with rescuer.publishing():
            assert notifications_requeue_stale(now=timezone.now() + timedelta(minutes=5)) == 1

        def held_sent():
            rows[held].refresh_from_db()
            return rows[held].state == Notification.State.SENT

        wait_until(held_sent, message=f"the held email\n{rescuer.log()[-3000:]}")
    finally:
        smtp_sink.release()
        victim.stop()
        rescuer.stop()

    per_recipient = [len(smtp_sink.accepted_for(email)) for email in recipients]
    figures.add("emails.lost", per_recipient.count(0))
    figures.add("emails.duplicated", sum(count - 1 for count in per_recipient if count > 1))
    assert per_recipient == [1] * BATCH
    assert set(
        Notification.objects.filter(recipient__in=recipients).values_list("state", "attempts")
    ) == {(Notification.State.SENT, 1)}

"""Issue 9: the broker is down while a garage confirms a transfer. The page must answer at
once, the transfer must be committed, and the activation email must go out exactly once when
the broker is back (the outbox sweep re-enqueues what the web side could not publish)."""

import socket
import time
from datetime import timedelta

import pytest
from django.utils import timezone

from autopaspoort.models import Passport
from config.celery import app as celery_app
from notifications.models import Notification
from notifications.services import notifications_requeue_stale
from tests import figures
from tests.autopaspoort.factories import PassportFactory
from tests.notifications.conftest import spawn_worker
from tests.reliability.conftest import forget_broker_connections, wait_until
from tests.transfers.factories import EN, TYPED, parse_mail_file, submit, transfer_url
from transfers.models import Transfer

pytestmark = [
    pytest.mark.faults,
    pytest.mark.needs_postgres,
    pytest.mark.needs_redis,
    pytest.mark.django_db(transaction=True),
]

# 20 transfers, 4 in each of 5 outages: a worker takes 2 s to reconnect after each outage
# (kombu's first retry interval), which would otherwise be most of the suite's time.
OUTAGES = 5
TRANSFERS_PER_OUTAGE = 4
RESPONSE_LIMIT_SECONDS = 2.0


def confirm_in_browser(client, passport, email_address):
    """Type the new owner's details, press "Next", then time the green check."""
    url = transfer_url(passport)
    details = client.get(url, **EN)
    typed = {**TYPED, "email": email_address}
    confirm = client.post(url, submit(details, button=("step", "details"), changes=typed), **EN)
    data = submit(confirm, button=("step", "confirm"))
    started = time.monotonic()
    response = client.post(url, data, **EN)
    return response, time.monotonic() - started


def mails_to(worker, address) -> list[str]:
    return [text for text in worker.sent_mail() if parse_mail_file(text)["To"] == address]


def test_transfers_confirmed_while_the_broker_is_down_send_one_activation_each_when_it_is_back(
    garage, garage_admin, client_for, publishing_to, tmp_path
):
    broker = publishing_to
    base = tmp_path / "worker"
    base.mkdir()
    worker = spawn_worker(base, queue_prefix="broker", extra_env={"CELERY_BROKER_URL": broker.url})
    client = client_for(garage_admin)
    recipients = []
    try:
        worker.wait_ready()
        for outage in range(OUTAGES):
            broker.stop()
            activations = []
            for number in range(TRANSFERS_PER_OUTAGE):
                passport = PassportFactory(garage=garage)
                email = f"broker.down{outage}.{number}@example.nl"
                recipients.append(email)
                with worker.publishing():
                    response, seconds = confirm_in_browser(client, passport, email)
                figures.add("faults.broker_down.injections")

                assert response.status_code == 302, response.content.decode()[:2000]
                assert seconds < RESPONSE_LIMIT_SECONDS, f"{email}: {seconds:.2f}s"
                passport.refresh_from_db()
                assert (passport.state, passport.contact_email) == (Passport.State.CUSTOMER, email)
                assert Transfer.objects.filter(passport=passport, email=email).count() == 1
                activation = Notification.objects.get(
                    kind=Notification.Kind.OWNER_ACTIVATION, recipient=email
                )
                assert activation.state == Notification.State.PENDING  # no worker has it
                activations.append(activation)

            broker.start()
            forget_broker_connections()  # the pool's connections died with the old server
            with worker.publishing():
                # The sweep's next run, a few minutes later: everything not sent is overdue.
                requeued = notifications_requeue_stale(now=timezone.now() + timedelta(minutes=5))
            assert requeued == TRANSFERS_PER_OUTAGE

            ids = [activation.pk for activation in activations]

            def all_sent(ids=ids):
                sent = Notification.objects.filter(pk__in=ids, state=Notification.State.SENT)
                return sent.count() == len(ids)

            wait_until(all_sent, message=f"the activations\n{worker.log()[-3000:]}")
            for activation in activations:
                assert len(mails_to(worker, activation.recipient)) == 1
    finally:
        worker.stop()

    # Counted at the end as well: a late second copy of any round is a duplicate.
    per_recipient = [len(mails_to(worker, email)) for email in recipients]
    lost = sum(1 for count in per_recipient if count == 0)
    duplicated = sum(count - 1 for count in per_recipient if count > 1)
    figures.add("emails.lost", lost)
    figures.add("emails.duplicated", duplicated)
    assert (lost, duplicated) == (0, 0), per_recipient


@pytest.fixture
def black_hole_broker():
    """A broker address that swallows connection attempts: a listener whose backlog is full
    and which never accepts, so the kernel drops further SYNs (as a firewall dropping packets,
    or a broker host that is gone, would). Connecting hangs until the client's own timeout."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(0)
    port = listener.getsockname()[1]
    fillers = []
    for _ in range(4):
        filler = socket.socket()
        filler.setblocking(False)
        filler.connect_ex(("127.0.0.1", port))
        fillers.append(filler)
    conf = celery_app.conf
    saved = (conf.broker_url, conf.task_always_eager)
    conf.broker_url, conf.task_always_eager = f"redis://127.0.0.1:{port}/0", False
    forget_broker_connections()
    try:
        yield
    finally:
        conf.broker_url, conf.task_always_eager = saved
        forget_broker_connections()
        for sock in [*fillers, listener]:
            sock.close()


def test_a_broker_that_does_not_answer_at_all_still_lets_the_page_answer_in_time(
    garage, garage_admin, client_for, black_hole_broker
):
    client = client_for(garage_admin)
    for number in range(3):
        passport = PassportFactory(garage=garage)
        email = f"black.hole{number}@example.nl"

        response, seconds = confirm_in_browser(client, passport, email)
        figures.add("faults.broker_unreachable.injections")

        assert response.status_code == 302
        assert seconds < RESPONSE_LIMIT_SECONDS, f"{seconds:.2f}s"
        activation = Notification.objects.get(recipient=email)
        assert activation.state == Notification.State.PENDING  # the sweep will send it

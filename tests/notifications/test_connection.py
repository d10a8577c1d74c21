"""Issue 10: a worker keeps its mail connection between deliveries instead of opening one per
email, and replaces it when it broke, after an error, after a number of messages, when it was
idle, and closes it when the worker stops. Against a real SMTP server (aiosmtpd) that counts
its connections."""

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP
from celery.signals import worker_process_shutdown, worker_shutdown

from notifications import services
from notifications.models import Notification
from notifications.services import DeliveryFailed, notification_deliver
from tests.notifications.factories import NotificationFactory
from tests.reliability.conftest import SinkHandler, free_port, wait_until

pytestmark = pytest.mark.django_db


class CountingSink(SinkHandler):
    """The fault tests' SMTP sink, also counting connections; `drop()` closes them all from the
    server's side, as a server's idle timeout or restart does."""

    def __init__(self):
        super().__init__()
        self.transports = []
        self.open_connections = 0

    @property
    def connections(self) -> int:
        return len(self.transports)

    def drop(self) -> None:
        for transport in self.transports:
            self.loop.call_soon_threadsafe(transport.close)


@pytest.fixture
def sink(settings):
    handler = CountingSink()

    class CountingSMTP(SMTP):
        def connection_made(self, transport):
            handler.transports.append(transport)
            handler.open_connections += 1
            super().connection_made(transport)

        def connection_lost(self, error):
            handler.open_connections -= 1
            super().connection_lost(error)

    class CountingController(Controller):
        def factory(self):
            return CountingSMTP(self.handler, **self.SMTP_kwargs)

    controller = CountingController(handler, hostname="127.0.0.1", port=free_port())
    controller.start()
    handler.loop = controller.loop
    # Not counted: the controller's own check that the server is up.
    wait_until(lambda: handler.open_connections == 0, timeout=5, message="the check to end")
    handler.transports.clear()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", controller.port
    settings.EMAIL_TIMEOUT = 2
    try:
        yield handler
    finally:
        services.mail_connections_close()
        handler.release()
        controller.stop()


def deliver(notification):
    notification_deliver(notification_id=notification.pk)
    notification.refresh_from_db()
    return notification


def test_deliveries_share_one_smtp_connection(sink):
    first, second, third = NotificationFactory.create_batch(3)

    for notification in (first, second, third):
        assert deliver(notification).state == Notification.State.SENT

    assert len(sink.accepted) == 3
    assert sink.connections == 1


def test_a_connection_the_server_dropped_is_replaced_and_the_email_still_goes_out(sink):
    first, second = NotificationFactory.create_batch(2)
    deliver(first)
    sink.drop()
    wait_until(lambda: sink.open_connections == 0, timeout=5, message="the server to hang up")

    second = deliver(second)

    assert second.state == Notification.State.SENT
    assert second.attempts == 1  # sent at once on a new connection, not after a retry
    assert len(sink.accepted_for(second.recipient)) == 1
    assert len(sink.accepted) == 2
    assert sink.connections == 2


def test_a_refused_send_drops_the_connection_and_the_next_email_uses_a_new_one(sink):
    first, second, third = NotificationFactory.create_batch(3)
    deliver(first)
    sink.answers = ["451 4.3.0 Try again later"]

    with pytest.raises(DeliveryFailed):
        deliver(second)
    assert deliver(third).state == Notification.State.SENT

    second.refresh_from_db()
    assert second.state == Notification.State.PENDING
    assert second.attempts == 1
    assert sink.accepted_for(second.recipient) == []
    assert sink.connections == 2


def test_the_connection_is_renewed_after_the_message_limit(sink, monkeypatch):
    monkeypatch.setattr(services, "MAIL_CONNECTION_MAX_MESSAGES", 2)

    for notification in NotificationFactory.create_batch(5):
        deliver(notification)

    assert len(sink.accepted) == 5
    assert sink.connections == 3


def test_an_idle_connection_is_not_reused(sink, monkeypatch):
    first, second = NotificationFactory.create_batch(2)
    deliver(first)
    monkeypatch.setattr(services, "MAIL_CONNECTION_MAX_IDLE_SECONDS", -1)

    deliver(second)

    assert len(sink.accepted) == 2
    assert sink.connections == 2
    wait_until(lambda: sink.open_connections == 1, timeout=5, message="the idle one to close")


@pytest.mark.parametrize("signal", [worker_process_shutdown, worker_shutdown])
def test_worker_shutdown_closes_the_connection(sink, signal):
    deliver(NotificationFactory())
    assert sink.open_connections == 1

    signal.send(sender=None)

    wait_until(lambda: sink.open_connections == 0, timeout=5, message="the connection to close")


def test_changing_the_email_settings_closes_the_connection(sink, settings):
    deliver(NotificationFactory())

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"

    wait_until(lambda: sink.open_connections == 0, timeout=5, message="the connection to close")

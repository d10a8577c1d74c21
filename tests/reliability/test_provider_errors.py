"""Issue 9: the email provider misbehaves. Passing trouble (SMTP 4xx, HTTP 5xx/429, timeouts)
is retried with backoff and the email goes out exactly once; a permanent refusal (SMTP 5xx, a
refused recipient, an API 4xx) fails the email at once, with no further attempts, where the
garage (customer profile) and support (admin outbox) see it, and support's "resend" delivers it.

The delivery service is called the way the task calls it; the backoff is asserted, not waited.
"""

import re

import pytest
from django.urls import reverse

from notifications.models import Notification
from notifications.services import DeliveryFailed, notification_deliver
from tests import figures
from tests.autopaspoort.factories import PassportFactory
from tests.transfers.factories import EN, transfer

pytestmark = [pytest.mark.faults, pytest.mark.needs_postgres, pytest.mark.django_db]

CHANGELIST = reverse("admin:notifications_notification_changelist")
TIMEOUT = 0.3  # the client's timeout in these tests; a "timeout" answer waits longer


@pytest.fixture
def via_smtp(settings, smtp_sink):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", smtp_sink.port
    settings.EMAIL_TIMEOUT = TIMEOUT
    smtp_sink.timeout_stall = TIMEOUT * 3
    return smtp_sink


@pytest.fixture
def via_postmark(settings, esp):
    settings.EMAIL_BACKEND = "anymail.backends.postmark.EmailBackend"
    settings.ANYMAIL = {
        "POSTMARK_SERVER_TOKEN": "test-token",
        "POSTMARK_API_URL": esp.url,
        "REQUESTS_TIMEOUT": TIMEOUT,
    }
    return esp


def queue_activation(garage, email) -> Notification:
    """A transfer to a new owner: the activation email is in the outbox, not yet delivered."""
    record = transfer(PassportFactory(garage=garage), email)
    return record.notification


def deliver_until_done(notification, *, limit=10) -> list[int]:
    """Run the delivery as the task and its retries would; the backoffs it asked for."""
    backoffs = []
    for _attempt in range(limit):
        try:
            notification_deliver(notification_id=notification.pk)
        except DeliveryFailed as retry:
            backoffs.append(retry.retry_in)
        else:
            return backoffs
    pytest.fail(f"Still retrying after {limit} attempts: {backoffs}")


TRANSIENT = [
    pytest.param("smtp", ["451 4.3.0 Mail server temporarily rejected message"] * 2, id="smtp-451"),
    pytest.param("smtp", ["421 4.7.0 Try again later", "stall"], id="smtp-421-then-timeout"),
    pytest.param("smtp", ["stall", "stall"], id="smtp-timeouts"),
    pytest.param("postmark", [500, 500], id="esp-500"),
    pytest.param("postmark", ["timeout", "timeout"], id="esp-timeouts"),
    pytest.param("postmark", [429, 503], id="esp-429-then-503"),
    pytest.param("postmark", [502, "timeout"], id="esp-502-then-timeout"),
]


@pytest.mark.parametrize(("provider", "answers"), TRANSIENT)
def test_passing_provider_trouble_is_retried_with_backoff_and_delivers_once(
    provider, answers, request, garage
):
    server = request.getfixturevalue(f"via_{provider}")
    email = f"retry.{provider}.{len(server.accepted)}@example.nl"
    notification = queue_activation(garage, email)
    server.answers.extend(answers)

    backoffs = deliver_until_done(notification)
    figures.add("faults.esp_errors.injections", len(answers))

    assert backoffs == [30, 60]  # exponential backoff, one per failed attempt
    notification.refresh_from_db()
    assert (notification.state, notification.attempts) == (Notification.State.SENT, 3)
    assert len(server.accepted_for(email)) == 1
    # A late retry of the same row (a second copy of the task) sends nothing.
    notification_deliver(notification_id=notification.pk)
    delivered = len(server.accepted_for(email))
    figures.add("emails.lost", 1 - min(delivered, 1))
    figures.add("emails.duplicated", max(delivered - 1, 0))
    assert delivered == 1


PERMANENT = [
    pytest.param("smtp", "refuse-recipient", id="smtp-550-recipient-refused"),
    pytest.param("smtp", "554 5.7.1 Message rejected as spam", id="smtp-554-at-data"),
    pytest.param("smtp", "552 5.3.4 Message size exceeds fixed limit", id="smtp-552-at-data"),
    pytest.param("postmark", 422, id="esp-422-inactive-recipient"),
    pytest.param("postmark", 400, id="esp-400-bad-request"),
    pytest.param("postmark", 401, id="esp-401-bad-token"),
]


def state_shown_on_profile(client, passport) -> str:
    page = client.get(
        reverse(
            "autopaspoort:profile",
            kwargs={"garage_id": passport.garage_id, "plate": passport.plate},
        ),
        **EN,
    )
    assert page.status_code == 200
    (state,) = re.findall(r'class="badge badge-email-(\w+)">([^<]*)<', page.content.decode())
    return state


def changelist_row(client, recipient) -> str:
    page = client.get(CHANGELIST, {"q": recipient}, **EN)
    assert page.status_code == 200
    html = page.content.decode()
    results = html[html.index('id="result_list"') :]
    results = results[: results.index("</table>")]
    rows = [row for row in results.split("<tr") if recipient in row]
    assert len(rows) == 1, rows
    return rows[0]


@pytest.mark.parametrize(("provider", "answer"), PERMANENT)
def test_a_permanent_refusal_fails_at_once_shows_and_support_can_resend_it(
    provider,
    answer,
    request,
    garage,
    garage_admin,
    support_user,
    client_for,
    django_capture_on_commit_callbacks,
):
    server = request.getfixturevalue(f"via_{provider}")
    email = f"refused.{provider}.{answer}@example.nl".replace(" ", "")[:60].lower()
    email = re.sub(r"[^a-z0-9.@]", "", email)
    notification = queue_activation(garage, email)
    if answer == "refuse-recipient":
        server.refused.add(email)
    else:
        server.answers.append(answer)

    deliver_until_done(notification)  # no DeliveryFailed: nothing more to try
    figures.add("faults.esp_permanent.injections")
    requests_seen = server.data_commands if provider == "smtp" else server.requests
    notification_deliver(notification_id=notification.pk)  # a late retry of the task

    notification.refresh_from_db()
    assert (notification.state, notification.attempts) == (Notification.State.FAILED, 1)
    assert notification.last_error
    assert (server.data_commands if provider == "smtp" else server.requests) == requests_seen
    assert server.accepted_for(email) == []

    # The garage sees it on the customer profile, support in the outbox.
    garage_page = client_for(garage_admin)
    assert state_shown_on_profile(garage_page, notification_passport(notification)) == (
        "failed",
        "Failed",
    )
    support = client_for(support_user)
    assert "Failed" in changelist_row(support, email)

    # Support has the address fixed at the provider, then resends: delivered once.
    if provider == "smtp":
        server.refused.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = support.post(
            CHANGELIST, {"action": "resend", "_selected_action": [notification.pk]}
        )
    assert response.status_code == 302
    copy = Notification.objects.get(resent_from=notification)
    assert copy.state == Notification.State.SENT
    delivered = len(server.accepted_for(email))
    figures.add("emails.lost", 1 - min(delivered, 1))
    figures.add("emails.duplicated", max(delivered - 1, 0))
    assert delivered == 1


def notification_passport(notification):
    from transfers.models import Transfer

    return Transfer.objects.select_related("passport").get(notification=notification).passport

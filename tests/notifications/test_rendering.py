import pytest
from django.core import mail
from django.urls import reverse

from accounts.services import password_reset_request
from notifications.models import Notification
from notifications.rendering import build_message
from tests.accounts.factories import UserFactory
from tests.helpers import set_password_path
from tests.notifications.factories import NotificationFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("language", "subject", "role"),
    [
        ("en", "You now have access to Garage A on AutoPaspoort", "Mechanic"),
        ("nl", "U heeft nu toegang tot Garage A op AutoPaspoort", "Monteur"),
    ],
)
def test_emails_are_written_in_the_recipients_language(
    client_for, garage, garage_admin, django_capture_on_commit_callbacks, language, subject, role
):
    colleague = UserFactory(language=language)
    # The admin browses in the other language: the email follows the recipient, not the page.
    browsing = "nl" if language == "en" else "en"

    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(garage_admin, HTTP_ACCEPT_LANGUAGE=browsing).post(
            reverse("garage:staff", kwargs={"garage_id": garage.pk}),
            {"email": colleague.email, "full_name": "", "role": "mechanic"},
        )

    assert response.status_code == 302
    assert len(mail.outbox) == 1
    assert mail.outbox[0].subject == subject
    assert role in mail.outbox[0].body


def test_an_email_has_a_one_line_subject_and_a_text_and_html_body(owner):
    notification = NotificationFactory(user=owner, kind=Notification.Kind.PASSWORD_RESET)

    message = build_message(notification)

    assert "\n" not in message.subject
    assert message.to == [owner.email]
    assert "/accounts/password/set/" in message.body
    ((html, mimetype),) = message.alternatives
    assert mimetype == "text/html"
    assert "/accounts/password/set/" in html


def test_the_outbox_never_stores_the_password_link(owner, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        password_reset_request(email=owner.email)

    link = set_password_path(mail.outbox[0])
    token = link.rstrip("/").rsplit("/", 1)[-1]
    row = Notification.objects.filter(pk=Notification.objects.get().pk).values().get()
    assert not [name for name, value in row.items() if token in str(value)]

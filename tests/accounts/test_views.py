import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse
from pytest_django.asserts import assertContains, assertRedirects

from notifications.models import Notification
from tests.accounts.factories import PASSWORD, UserFactory
from tests.helpers import can_log_in, set_password_path

pytestmark = pytest.mark.django_db

LOGIN_ERROR_EN = "The email address or password is incorrect. Please try again."
LOGIN_ERROR_NL = "Het e-mailadres of wachtwoord is onjuist. Probeer het opnieuw."


def logged_in_user_id(client):
    return client.session.get("_auth_user_id")


def test_login_email_is_case_insensitive(anonymous):
    user = UserFactory(email="jan@example.nl")

    response = anonymous.post(
        reverse("accounts:login"), {"username": "Jan@Example.NL", "password": PASSWORD}
    )

    assert response.status_code == 302
    assert logged_in_user_id(anonymous) == str(user.pk)


def test_login_lands_a_garage_admin_on_the_garage_dashboard(anonymous, garage, garage_admin):
    response = anonymous.post(
        reverse("accounts:login"),
        {"username": garage_admin.email, "password": PASSWORD},
        follow=True,
    )

    assert response.redirect_chain[-1][0] == garage.get_absolute_url()
    assertContains(response, "Garage A")


@pytest.mark.parametrize(
    ("accept_language", "message"), [("nl", LOGIN_ERROR_NL), ("en", LOGIN_ERROR_EN)]
)
def test_wrong_password_is_rejected_with_a_clear_message(accept_language, message):
    UserFactory(email="jan@example.nl")
    client = Client(HTTP_ACCEPT_LANGUAGE=accept_language)

    response = client.post(
        reverse("accounts:login"), {"username": "jan@example.nl", "password": "not-the-password"}
    )

    assert response.status_code == 200
    assertContains(response, message)
    assert logged_in_user_id(client) is None


def test_the_login_page_is_dutch_by_default(anonymous):
    UserFactory(email="jan@example.nl")

    response = anonymous.post(
        reverse("accounts:login"), {"username": "jan@example.nl", "password": "not-the-password"}
    )

    assertContains(response, LOGIN_ERROR_NL)


def test_password_reset_for_a_known_email_sends_a_working_link(
    anonymous, owner, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = anonymous.post(
            reverse("accounts:password_reset"), {"email": owner.email.upper()}
        )

    assertRedirects(response, reverse("accounts:password_reset_sent"))
    notification = Notification.objects.get()
    assert notification.kind == Notification.Kind.PASSWORD_RESET
    assert notification.state == Notification.State.SENT
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == [owner.email]

    link = set_password_path(mail.outbox[0])
    response = anonymous.get(link, follow=True)
    assert response.context["validlink"] is True
    response = anonymous.post(
        response.redirect_chain[-1][0],
        {"new_password1": "Nieuw-Wachtwoord-42", "new_password2": "Nieuw-Wachtwoord-42"},
    )
    assert response.status_code == 302
    assert can_log_in(owner.email, "Nieuw-Wachtwoord-42")
    assert not can_log_in(owner.email, PASSWORD)


def test_password_reset_for_an_unknown_email_looks_the_same_and_sends_nothing(
    anonymous, owner, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = anonymous.post(
            reverse("accounts:password_reset"), {"email": "onbekend@example.nl"}
        )

    assertRedirects(response, reverse("accounts:password_reset_sent"))
    assert not Notification.objects.exists()
    assert mail.outbox == []


def test_an_invited_person_without_a_password_can_ask_for_a_new_link(
    anonymous, django_capture_on_commit_callbacks
):
    invited = UserFactory(password=False)

    with django_capture_on_commit_callbacks(execute=True):
        anonymous.post(reverse("accounts:password_reset"), {"email": invited.email})

    assert [message.to for message in mail.outbox] == [[invited.email]]
    assert "/accounts/password/set/" in mail.outbox[0].body


def test_a_deactivated_account_gets_no_password_link(anonymous, django_capture_on_commit_callbacks):
    former = UserFactory(is_active=False)

    with django_capture_on_commit_callbacks(execute=True):
        response = anonymous.post(reverse("accounts:password_reset"), {"email": former.email})

    assertRedirects(response, reverse("accounts:password_reset_sent"))
    assert not Notification.objects.exists()
    assert mail.outbox == []

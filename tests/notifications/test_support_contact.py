"""A security notice that invites a reply is answered by a real support mailbox, not the
no-reply sender; every page names that mailbox in its footer."""

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from notifications.models import Notification
from notifications.services import notification_deliver
from tests.notifications.factories import NotificationFactory

pytestmark = pytest.mark.django_db

SUPPORT = "hulp@autopaspoort.test"


def test_the_login_changed_notice_can_be_answered_by_support(owner, settings):
    settings.SUPPORT_EMAIL = SUPPORT
    notice = NotificationFactory(
        user=owner,
        kind=Notification.Kind.LOGIN_EMAIL_CHANGED_OLD,
        context={
            "garage_name": "Garage A",
            "changed_by": "Beheerder A",
            "old_email": owner.email,
            "new_email": "nieuw@example.nl",
        },
    )

    notification_deliver(notification_id=notice.pk)

    [message] = mail.outbox
    assert message.reply_to == [SUPPORT]
    assert SUPPORT in message.body
    assert "noreply" in message.from_email  # the sender stays a no-reply address


def test_an_email_that_invites_no_reply_has_no_reply_to(owner, settings):
    settings.SUPPORT_EMAIL = SUPPORT
    notification_deliver(notification_id=NotificationFactory(user=owner).pk)

    [message] = mail.outbox
    assert message.reply_to == []


def test_every_page_names_the_support_mailbox(settings):
    settings.SUPPORT_EMAIL = SUPPORT
    page = Client().get(reverse("accounts:login"))
    assert f"mailto:{SUPPORT}" in page.text


@pytest.mark.parametrize(
    "kind",
    [
        Notification.Kind.TRANSFER_RECEIPT,
        Notification.Kind.TRANSFER_CANCELLED,
        Notification.Kind.OWNER_LEFT,
    ],
)
def test_news_a_person_may_ask_about_says_reply_and_carries_reply_to(owner, settings, kind):
    settings.SUPPORT_EMAIL = SUPPORT
    notice = NotificationFactory(
        user=owner,
        kind=kind,
        context={"plate": "GJ-55-55", "date": "4 January 2027", "garage_name": "Garage A"},
        language="en",
    )

    notification_deliver(notification_id=notice.pk)

    [message] = mail.outbox
    assert message.reply_to == [SUPPORT]
    assert "Questions? Reply to this email" in message.body
    assert "Questions? Reply to this email" in message.alternatives[0][0]


def test_every_email_links_the_privacy_statement_terms_and_support(owner, settings):
    settings.SUPPORT_EMAIL = SUPPORT
    notification_deliver(notification_id=NotificationFactory(user=owner).pk)

    [message] = mail.outbox
    html = message.alternatives[0][0]
    for text in (message.body, html):
        assert settings.SITE_URL + reverse("legal:privacy") in text
        assert settings.SITE_URL + reverse("legal:terms") in text
        assert SUPPORT in text
    assert "Questions? Reply" not in message.body  # this one invites no reply


def test_every_page_links_the_privacy_statement_and_terms():
    page = Client().get(reverse("accounts:login"))
    assert f'href="{reverse("legal:privacy")}"' in page.text
    assert f'href="{reverse("legal:terms")}"' in page.text

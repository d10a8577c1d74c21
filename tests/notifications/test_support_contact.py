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

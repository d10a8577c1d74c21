"""Who wants which emails: opt-outs by link and account switches (notifications.selectors and
services), and support lifting an opt-out in the admin. The link itself, from a reminder email to
the page, is tested in tests/reminders/test_views.py."""

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse

from notifications.models import EmailOptOut, Topic
from notifications.selectors import opted_out_emails
from notifications.services import email_unsubscribe
from tests.accounts.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_opted_out_emails_combines_accounts_and_addresses():
    off = UserFactory(email="uit@example.nl", reminders_enabled=False)
    on = UserFactory(email="aan@example.nl")
    email_unsubscribe(email="bestuurder@example.nl", topic="reminders")

    assert opted_out_emails(
        emails=[off.email, on.email, "bestuurder@example.nl", "ander@example.nl"],
        topic="reminders",
    ) == {off.email, "bestuurder@example.nl"}
    assert (
        opted_out_emails(emails=[off.email, "bestuurder@example.nl"], topic="promotions") == set()
    )


def test_the_support_group_may_read_and_lift_opt_outs():
    support = Group.objects.get(name="support")

    assert set(
        support.permissions.filter(content_type__model="emailoptout").values_list(
            "content_type__app_label", "codename"
        )
    ) == {("notifications", "view_emailoptout"), ("notifications", "delete_emailoptout")}


def test_support_lifts_an_opt_out_on_request(client_for, support_user):
    opt_out = EmailOptOut.objects.create(email="dirk@example.nl", topic=Topic.REMINDERS)
    client = client_for(support_user)

    client.post(
        reverse("admin:notifications_emailoptout_delete", args=[opt_out.pk]), {"post": "yes"}
    )

    assert not EmailOptOut.objects.exists()
    assert client.get(reverse("admin:notifications_emailoptout_add")).status_code == 403

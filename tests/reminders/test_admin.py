"""Support and the reminder records in the admin (reminders/admin.py, migrations/0002)."""

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse
from pytest_django.asserts import assertContains

from tests.reminders.factories import customer_passport, days_from_today, run_job

pytestmark = pytest.mark.django_db


def test_the_support_group_has_the_reminder_permissions():
    support = Group.objects.get(name="support")

    assert set(
        support.permissions.filter(content_type__app_label="reminders").values_list(
            "codename", flat=True
        )
    ) == {"view_remindersent"}


def test_support_reads_the_sent_reminders_and_cannot_change_them(
    client_for, support_user, garage, owner, django_capture_on_commit_callbacks
):
    passport = customer_passport(garage, owner, apk_expires=days_from_today(30))
    run_job(django_capture_on_commit_callbacks)
    client = client_for(support_user)

    listing = client.get(reverse("admin:reminders_remindersent_changelist"), {"q": passport.plate})

    assertContains(listing, owner.email)
    assert client.get(reverse("admin:reminders_remindersent_add")).status_code == 403

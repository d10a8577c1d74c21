"""The support role is one table (accounts/support_role.py): the docs show it, a migration gives
the `support` group exactly its permissions, and this matrix checks every admin page against it.

A new ModelAdmin, or a permission granted in a later migration, fails here until the table says
what support may do with it.
"""

import datetime
from pathlib import Path

import pytest
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.conf import settings
from django.contrib import admin
from django.contrib.auth.models import Group
from django.urls import reverse
from django.utils import timezone

from accounts.models import PrivacyEvent
from accounts.support_role import OPERATIONS, SUPPORT_ROLE, grant_for, markdown_table
from appointments.models import Appointment, AppointmentSlot, GarageLightAdvice
from autopaspoort.models import ApkDefect, PassportRecall, Recall
from billing.services import statements_close
from fleet.models import FleetLink
from fleet.services import fleet_link
from garage.models import Membership
from garage.services import api_token_create
from insights.models import MonthlyUsage
from legal.models import LegalPage
from notifications.models import EmailOptOut
from promotions.models import PromotionRecipient
from reminders.models import ReminderSent
from tests.autopaspoort.factories import (
    HistoryEntryFactory,
    PassportFactory,
    StatusCheckFactory,
    StatusCheckItemFactory,
)
from tests.billing.factories import tariff
from tests.fleet.factories import FleetFactory, FleetManagerFactory
from tests.notifications.factories import NotificationFactory
from tests.photos.factories import add_photos
from tests.promotions.factories import PromotionFactory
from tests.quotes.factories import checked_car, sent_quote
from tests.transfers.factories import customer_passport, transfer
from transfers.models import EmailCorrection
from transfers.services import owner_contact_update

pytestmark = pytest.mark.django_db

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}
REGISTERED = sorted(admin.site._registry, key=lambda model: model._meta.label_lower)


def _attempt_fields():
    return {"user_agent": "test", "http_accept": "*/*", "path_info": "/inloggen/"}


@pytest.fixture
def one_of_each(garage, mechanic, owner, other_owner):
    """One object of every model with an admin page, none of them a staff account (support
    may never change those, whatever the table says)."""
    passport = PassportFactory(garage=garage)
    check = StatusCheckFactory(passport=passport, garage=garage)
    StatusCheckItemFactory(status_check=check)
    add_photos(check)
    HistoryEntryFactory(passport=passport, garage=garage)
    recall = Recall.objects.create(reference="TEST01", remedy="Herstel")
    PassportRecall.objects.create(
        passport=passport, recall=recall, status="open", first_seen_at=timezone.now()
    )
    ApkDefect.objects.create(passport=passport, reported_on=timezone.localdate(), code="AC1")
    fleet = FleetFactory(garages=[garage])
    FleetManagerFactory(fleet=fleet)
    fleet_car = PassportFactory(garage=garage)
    fleet_link(passport=fleet_car, fleet=fleet, actor=garage.account_user)
    sold = transfer(PassportFactory(garage=garage), "koper@example.nl")
    EmailCorrection.objects.create(
        transfer=sold, old_email="koper@example.nl", new_email="koper2@example.nl"
    )
    bought = customer_passport(garage, other_owner)
    owner_contact_update(
        passport=bought,
        actor=garage.account_user,
        expected_version=bought.owner_version,
        name="Nieuwe Naam",
    )
    api_token_create(garage=garage, actor=garage.account_user, name="GMS")
    NotificationFactory()
    ReminderSent.objects.create(
        passport=passport, kind="apk_6_weeks", due_key="2026-01-01", recipient=owner.email
    )
    EmailOptOut.objects.create(email="weg@example.nl", topic="reminders")
    appointment = Appointment.objects.create(
        passport=passport, garage=garage, owner=owner, reason="maintenance"
    )
    AppointmentSlot.objects.create(
        appointment=appointment,
        position=1,
        date=datetime.date.today() + datetime.timedelta(days=3),
        part_of_day="morning",
    )
    GarageLightAdvice.objects.create(garage=garage, light_code="oil", text="Stop de motor.")
    promotion = PromotionFactory(garage=garage)
    PromotionRecipient.objects.create(promotion=promotion, user=other_owner)
    MonthlyUsage.objects.create(
        garage=garage,
        month=datetime.date(2026, 1, 1),
        active_passports=1,
        passports_created=1,
        transfers_completed=0,
        computed_at=timezone.now(),
    )
    tariff(tiers=[(101, "0.40")])  # and January's statement and invoice, from its usage
    statements_close(month=datetime.date(2026, 1, 1), today=datetime.date(2026, 2, 1))
    AccessAttempt.objects.create(
        username="iemand@example.nl",
        get_data="",
        post_data="",
        failures_since_start=1,
        **_attempt_fields(),
    )
    AccessLog.objects.create(username="iemand@example.nl", **_attempt_fields())
    AccessFailureLog.objects.create(username="iemand@example.nl", **_attempt_fields())
    Group.objects.get_or_create(name="another group")
    PrivacyEvent.objects.create(kind=PrivacyEvent.Kind.DATA_EXPORT, user=owner)
    LegalPage.objects.create(kind="privacy", language="nl", title="Privacy", body="Tekst.")
    sent_quote(checked_car(garage, owner))
    assert Membership.objects.exists()
    assert FleetLink.objects.exists()


def _object_of(model):
    queryset = model._default_manager.all()
    if model is Group:
        queryset = queryset.exclude(name="support")
    if model._meta.label == settings.AUTH_USER_MODEL:
        queryset = queryset.filter(is_staff=False, is_superuser=False)
    obj = queryset.first()
    assert obj is not None, f"one_of_each makes no {model._meta.label}"
    return obj


def _allowed(client, model, operation) -> bool:
    """Whether support gets past the admin's permission check (403 is a refusal)."""
    info = f"admin:{model._meta.app_label}_{model._meta.model_name}"
    if operation == "view":
        response = client.get(reverse(f"{info}_changelist"), **EN)
    elif operation == "add":
        response = client.get(reverse(f"{info}_add"), **EN)
    elif operation == "change":
        # An empty POST: refused with 403 without the permission, otherwise answered with the
        # form's errors (nothing is saved).
        response = client.post(reverse(f"{info}_change", args=[_object_of(model).pk]), {}, **EN)
    else:
        response = client.get(reverse(f"{info}_delete", args=[_object_of(model).pk]), **EN)
    assert response.status_code in (200, 302, 403), (model, operation, response.status_code)
    return response.status_code != 403


@pytest.mark.parametrize("operation", OPERATIONS)
@pytest.mark.parametrize("model", REGISTERED, ids=lambda model: model._meta.label_lower)
def test_support_may_do_in_the_admin_exactly_what_the_role_table_says(
    model, operation, support_user, client_for, one_of_each
):
    grant = grant_for(model._meta.label_lower)
    expected = grant is not None and grant.allows(operation)

    assert _allowed(client_for(support_user), model, operation) is expected


def test_the_support_group_has_exactly_the_permissions_of_the_table():
    granted = {
        f"{permission.content_type.app_label}.{permission.content_type.model}.{permission.codename}"
        for permission in Group.objects.get(name="support").permissions.select_related(
            "content_type"
        )
    }
    expected = {
        f"{grant.model}.{codename}" for grant in SUPPORT_ROLE for codename in grant.codenames()
    }

    assert granted == expected


def test_every_admin_page_and_table_row_name_a_real_model():
    registered = {model._meta.label_lower for model in REGISTERED}
    inline_models = {
        inline.model._meta.label_lower
        for model_admin in admin.site._registry.values()
        for inline in model_admin.inlines
    }
    unknown = [g.model for g in SUPPORT_ROLE if g.model not in registered | inline_models]

    assert unknown == []


def test_the_docs_show_the_support_role_table():
    architecture = Path(settings.BASE_DIR, "docs", "architecture.md").read_text()
    support_section = architecture.split("## Support", 1)[1].split("\n## ", 1)[0]

    assert markdown_table() in support_section

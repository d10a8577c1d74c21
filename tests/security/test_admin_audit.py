"""Every change support makes in the admin leaves a history record: who, what, and the values
before and after (core/admin_audit.py), shown on the object's history page."""

import json

import pytest
from django.contrib import admin
from django.contrib.admin.models import CHANGE, DELETION, LogEntry
from django.forms import MultiWidget
from django.urls import reverse

from core.admin_audit import AuditedAdmin
from garage.models import Membership
from tests import figures
from tests.accounts.factories import UserFactory
from tests.autopaspoort.factories import PassportFactory
from tests.garage.factories import MembershipFactory
from tests.transfers.factories import transfer

pytestmark = pytest.mark.django_db

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}
OUR_APPS = {"accounts", "garage", "autopaspoort", "fleet", "transfers", "notifications"} | {
    "reminders",
    "appointments",
    "promotions",
    "insights",
}


def test_every_admin_of_ours_keeps_before_and_after_values():
    """New admins are covered as they are registered; a plain ModelAdmin fails here."""
    ours = {
        model._meta.label: model_admin
        for model, model_admin in admin.site._registry.items()
        if model._meta.app_label in OUR_APPS
    }
    assert len(ours) >= 15
    plain = sorted(
        label for label, model_admin in ours.items() if not isinstance(model_admin, AuditedAdmin)
    )
    assert plain == [], f"Mix core.admin_audit.AuditedAdmin into these admins: {plain}"


def form_data(response) -> dict:
    """What the change page's form would post unchanged: the form's and its inlines' values."""
    data = {}
    forms = [response.context["adminform"].form]
    for inline in response.context["inline_admin_formsets"]:
        formset = inline.formset
        management = formset.management_form
        data.update(
            {management.add_prefix(name): management[name].value() for name in management.fields}
        )
        forms.extend(formset.forms)
    for form in forms:
        for name, field in form.fields.items():
            value = form[name].value()
            if value is None or value is False:
                continue
            widget = field.widget
            if isinstance(widget, MultiWidget):  # e.g. the admin's split date and time
                parts = widget.decompress(value)
                for suffix, part, sub_widget in zip(
                    widget.widgets_names, parts, widget.widgets, strict=True
                ):
                    data[form.add_prefix(name) + suffix] = sub_widget.format_value(part) or ""
            elif isinstance(value, list | tuple):
                data[form.add_prefix(name)] = [str(v) for v in value]
            else:
                data[form.add_prefix(name)] = value
    return data


def change(client, obj, **new_values):
    url = reverse(f"admin:{obj._meta.app_label}_{obj._meta.model_name}_change", args=[obj.pk])
    page = client.get(url, **EN)
    assert page.status_code == 200
    data = {**form_data(page), **new_values}
    response = client.post(url, data, **EN)
    assert response.status_code == 302, (
        response.context["adminform"].form.errors if response.context else response
    )
    figures.add("audit.admin_changes")
    return url


def last_entry(obj) -> LogEntry:
    return LogEntry.objects.filter(
        object_id=str(obj.pk), content_type__model=obj._meta.model_name
    ).latest("id")


def values(entry) -> dict[str, tuple[str, str]]:
    found = {}
    for part in json.loads(entry.change_message):
        for detail in part.values():
            for value in detail.get("values", []):
                found[value["field"]] = (value["before"], value["after"])
    return found


def test_a_passport_owner_change_is_recorded_with_before_and_after(
    client_for, support_user, garage
):
    passport = PassportFactory(garage=garage, owner_name="Jan Jansen", owner_phone="+31611111111")
    client = client_for(support_user)

    change(client, passport, owner_name="Jan Janssen", owner_phone="0622222222")

    entry = last_entry(passport)
    assert entry.user == support_user
    assert entry.action_flag == CHANGE
    assert values(entry) == {
        "Owner name": ("Jan Jansen", "Jan Janssen"),
        "Phone": ("+31611111111", "+31622222222"),  # typed 0622222222, stored as E.164
    }
    history = client.get(reverse("admin:autopaspoort_passport_history", args=[passport.pk]), **EN)
    assert "Jan Jansen" in history.text
    assert "Jan Janssen" in history.text
    assert support_user.email in history.text


def test_an_owner_account_change_is_recorded(client_for, support_user, owner):
    client = client_for(support_user)
    before_name = owner.full_name

    change(client, owner, full_name="Eigenaar Gecorrigeerd", email="gecorrigeerd@example.nl")

    entry = last_entry(owner)
    assert entry.user == support_user
    recorded = values(entry)
    assert recorded["Name"] == (before_name, "Eigenaar Gecorrigeerd")
    assert recorded["Email address"][1] == "gecorrigeerd@example.nl"


def test_a_garage_account_change_and_its_staff_inline_are_recorded(client_for, garage, mechanic):
    # A superuser: support may not change staff memberships (issue 14).
    client = client_for(UserFactory(is_staff=True, is_superuser=True))
    membership = Membership.objects.get(user=mechanic)
    inline_role = None
    page = client.get(reverse("admin:garage_garage_change", args=[garage.pk]), **EN)
    for inline in page.context["inline_admin_formsets"]:
        for form in inline.formset.forms:
            if form.instance.pk == membership.pk:
                inline_role = form.add_prefix("role")

    change(client, garage, name="Garage A Gecorrigeerd", **{inline_role: Membership.Role.SALES})

    recorded = values(last_entry(garage))
    assert recorded["Name"] == ("Garage A", "Garage A Gecorrigeerd")
    assert recorded["Role"] == ("Mechanic", "Sales")


def test_a_support_email_correction_of_a_transfer_is_recorded(
    client_for, support_user, garage, django_capture_on_commit_callbacks
):
    record = transfer(PassportFactory(garage=garage), "piet@gmial.com")
    client = client_for(support_user)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("admin:transfers_transfer_correct_email", args=[record.pk]),
            {"new_email": "piet@gmail.com", "reason": "Ticket 12: typfout"},
            **EN,
        )

    assert response.status_code == 302
    entry = last_entry(record)
    assert entry.user == support_user
    assert values(entry) == {
        "email": ("piet@gmial.com", "piet@gmail.com"),
        "reason": ("", "Ticket 12: typfout"),
    }
    figures.add("audit.admin_changes")


def test_a_deletion_keeps_the_deleted_values(client_for, support_user, garage):
    membership = MembershipFactory(garage=garage, user=UserFactory(email="weg@example.nl"))
    superuser = UserFactory(is_staff=True, is_superuser=True)
    client = client_for(superuser)

    response = client.post(
        reverse("admin:garage_membership_delete", args=[membership.pk]), {"post": "yes"}, **EN
    )

    assert response.status_code == 302
    entry = LogEntry.objects.get(action_flag=DELETION, object_id=str(membership.pk))
    assert entry.user == superuser
    assert values(entry)["role"][0] in {choice.value for choice in Membership.Role}
    figures.add("audit.admin_changes")

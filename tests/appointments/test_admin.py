"""Support and the appointments in the admin (appointments/admin.py, migrations/0002)."""

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse
from pytest_django.asserts import assertContains

from appointments.models import GarageLightAdvice
from tests.accounts.factories import UserFactory
from tests.appointments.factories import EN, Reason, advise, ask
from tests.transfers.factories import customer_passport

pytestmark = pytest.mark.django_db


def admin_url(model, action, *args):
    return reverse(f"admin:appointments_{model}_{action}", args=args)


@pytest.fixture
def appointment(garage, owner):
    return ask(customer_passport(garage, owner), reason=Reason.WARNING_LIGHT, light="abs")


def test_the_support_group_reads_appointments_and_may_correct_advice():
    support = Group.objects.get(name="support")

    codenames = set(
        support.permissions.filter(content_type__app_label="appointments").values_list(
            "codename", flat=True
        )
    )

    assert codenames == {
        "view_appointment",
        "view_appointmentslot",
        "view_garagelightadvice",
        "change_garagelightadvice",
        "delete_garagelightadvice",
    }


def test_support_finds_an_appointment_by_plate_in_any_spelling_and_reads_it(
    client_for, support_user, appointment
):
    client = client_for(support_user, **EN)
    compact = appointment.passport.plate.replace("-", "").lower()

    listing = client.get(admin_url("appointment", "changelist"), {"q": compact})
    page = client.get(admin_url("appointment", "change", appointment.pk))

    assert listing.status_code == page.status_code == 200
    assertContains(listing, appointment.passport.plate)
    assertContains(page, "Preferred times")
    assert "state" not in page.context["adminform"].form.fields  # read-only
    assert client.get(admin_url("appointment", "add")).status_code == 403


def test_appointments_are_not_deleted_in_the_admin(client_for, appointment):
    superuser = UserFactory(is_staff=True, is_superuser=True)

    response = client_for(superuser).get(admin_url("appointment", "delete", appointment.pk))

    assert response.status_code == 403


def test_support_corrects_a_garages_advice(client_for, support_user, garage):
    advice = advise(garage, "dpf", "Kom lnags")
    client = client_for(support_user, **EN)

    listing = client.get(admin_url("garagelightadvice", "changelist"))
    saved = client.post(admin_url("garagelightadvice", "change", advice.pk), {"text": "Kom langs"})

    assertContains(listing, "Particulate filter full (DPF)")
    assert saved.status_code == 302
    assert GarageLightAdvice.objects.get().text == "Kom langs"

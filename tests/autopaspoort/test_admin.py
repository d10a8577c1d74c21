from decimal import Decimal

import pytest
from django.urls import reverse

from tests.accounts.factories import UserFactory
from tests.autopaspoort.factories import (
    Component,
    HistoryEntryFactory,
    PassportFactory,
    Rating,
    item,
    record_check,
)

pytestmark = pytest.mark.django_db


def admin_url(model, action, *args):
    return reverse(f"admin:autopaspoort_{model}_{action}", args=args)


def results(response):
    return list(response.context["cl"].result_list)


@pytest.fixture
def superuser(db):
    return UserFactory(is_staff=True, is_superuser=True)


@pytest.fixture
def checked_car(garage, other_garage):
    passport = PassportFactory(garage=garage, plate="GJ-555-K")
    PassportFactory(garage=other_garage, plate="12-ZTX-3")
    check = record_check(
        passport,
        odometer_km=60_000,
        items=[item(Component.BRAKES_REAR, Rating.NOW, "185.50")],
        notes="Origineel rapport",
    )
    return passport, check


@pytest.mark.parametrize("query", ["gj555k", "GJ-555-K", "gj 555", "J-555-"])
def test_support_finds_a_passport_by_plate_in_any_spelling(
    client_for, support_user, checked_car, query
):
    passport, _ = checked_car

    response = client_for(support_user).get(admin_url("passport", "changelist"), {"q": query})

    assert response.status_code == 200
    assert results(response) == [passport]


def test_support_finds_a_passport_by_owner_email(client_for, support_user, checked_car):
    response = client_for(support_user).get(
        admin_url("passport", "changelist"), {"q": "garage-a@example"}
    )

    assert [p.plate for p in results(response)] == ["GJ-555-K"]


def test_support_opens_a_passport_but_cannot_add_one(client_for, support_user, checked_car):
    passport, _ = checked_car
    client = client_for(support_user)

    assert client.get(admin_url("passport", "change", passport.pk)).status_code == 200
    assert client.get(admin_url("passport", "add")).status_code == 403


def test_support_finds_status_checks_and_history_by_plate(client_for, support_user, checked_car):
    passport, check = checked_car
    entry = HistoryEntryFactory(passport=passport)
    HistoryEntryFactory(passport=PassportFactory(garage=passport.garage, plate="K-123-HB"))
    client = client_for(support_user)

    checks = client.get(admin_url("statuscheck", "changelist"), {"q": "gj555k"})
    history = client.get(admin_url("historyentry", "changelist"), {"q": "gj555k"})

    assert results(checks) == [check]
    assert results(history) == [entry]


def test_support_views_a_status_check_but_cannot_change_it(client_for, support_user, checked_car):
    _, check = checked_car
    client = client_for(support_user)
    url = admin_url("statuscheck", "change", check.pk)

    page = client.get(url)
    response = client.post(url, {"odometer_km": "1", "notes": "Gewijzigd", "_save": "Save"})

    assert page.status_code == 200
    assert page.context["has_change_permission"] is False
    assert response.status_code == 403
    check.refresh_from_db()
    assert (check.odometer_km, check.notes) == (60_000, "Origineel rapport")
    assert client.get(admin_url("statuscheck", "add")).status_code == 403
    assert (
        client.post(admin_url("statuscheck", "delete", check.pk), {"post": "yes"}).status_code
        == 403
    )


def test_a_status_check_is_read_only_even_for_a_superuser(client_for, superuser, checked_car):
    _, check = checked_car
    client = client_for(superuser)
    url = admin_url("statuscheck", "change", check.pk)

    page = client.get(url)
    response = client.post(
        url,
        {
            "odometer_km": "1",
            "notes": "Gewijzigd",
            "items-TOTAL_FORMS": "1",
            "items-INITIAL_FORMS": "1",
            "items-0-id": str(check.items.get().pk),
            "items-0-rating": "ok",
            "items-0-estimated_cost": "0",
            "_save": "Save",
        },
    )

    assert page.status_code == 200
    assert page.context["has_change_permission"] is False
    assert page.context["has_delete_permission"] is False
    assert response.status_code == 403
    check.refresh_from_db()
    assert (check.odometer_km, check.notes) == (60_000, "Origineel rapport")
    finding = check.items.get()
    assert (finding.rating, finding.estimated_cost) == (Rating.NOW, Decimal("185.50"))
    assert (
        client.post(admin_url("statuscheck", "delete", check.pk), {"post": "yes"}).status_code
        == 403
    )
    assert client.get(admin_url("statuscheck", "add")).status_code == 403


def test_support_corrects_a_history_entry(client_for, support_user, checked_car):
    passport, _ = checked_car
    entry = HistoryEntryFactory(passport=passport, description="Kleine buert")

    response = client_for(support_user).post(
        admin_url("historyentry", "change", entry.pk),
        {
            "kind": entry.kind,
            "date": entry.date.isoformat(),
            "odometer_km": str(entry.odometer_km),
            "odometer_correction_reason": "",
            "description": "Kleine beurt",
            "cost": "219.00",
            "_save": "Opslaan",
        },
    )

    assert response.status_code == 302, response.context["adminform"].form.errors
    entry.refresh_from_db()
    assert entry.description == "Kleine beurt"
    assert entry.passport == passport


def test_garage_staff_cannot_open_the_passport_admin(client_for, garage_admin, checked_car):
    response = client_for(garage_admin).get(admin_url("passport", "changelist"))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))

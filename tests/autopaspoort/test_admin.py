from decimal import Decimal

import pytest
from django.contrib.admin.models import LogEntry
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from pytest_django.asserts import assertContains

from autopaspoort.models import VehicleDataChange
from fleet.models import FleetLink
from tests.accounts.factories import UserFactory
from tests.autopaspoort.factories import (
    Component,
    HistoryEntryFactory,
    PassportFactory,
    Rating,
    item,
    record_check,
)
from tests.fleet.factories import FleetFactory, fleet_car
from tests.transfers.factories import customer_passport
from transfers.models import Transfer
from transfers.services import OwnerContact, transfer_confirm

pytestmark = pytest.mark.django_db

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


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

    page = client.get(admin_url("passport", "change", passport.pk), **EN)
    assertContains(page, "Change passport")
    assertContains(page, passport.plate)
    assert page.context["original"] == passport
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


# --- Ownership is not a field (issue 14, item 8) ----------------------------------------------

OWNERSHIP = ("owner", "garage", "fleet", "state")


def passport_form(response) -> dict:
    """What the passport's change page posts unchanged (its editable fields)."""
    form = response.context["adminform"].form
    data = {}
    for name in form.fields:
        value = form[name].value()
        if value is not None and value is not False:
            data[name] = value
    return data


@pytest.mark.parametrize("actor", ["support_user", "superuser"])
def test_a_passports_owner_garage_fleet_and_state_cannot_be_edited_in_the_admin(
    actor, request, client_for, garage, other_garage, owner, checked_car
):
    passport, _ = checked_car
    fleet = FleetFactory(garages=[garage])
    client = client_for(request.getfixturevalue(actor))
    url = admin_url("passport", "change", passport.pk)
    data = passport_form(client.get(url, **EN))
    data.update(
        owner=owner.pk,
        garage=other_garage.pk,
        fleet=fleet.pk,
        state="customer",
        _save="Save",
    )

    response = client.post(url, data, **EN)

    assert response.status_code == 302, response.context["adminform"].form.errors
    passport.refresh_from_db()
    assert (passport.owner, passport.garage, passport.fleet, passport.state) == (
        garage.account_user,
        garage,
        None,
        "stock",
    )
    assert not Transfer.objects.exists()


def test_support_transfers_a_passport_to_a_new_owner_with_a_reason(
    client_for, support_user, garage, django_capture_on_commit_callbacks, mailoutbox
):
    seller = UserFactory(email="verkoper@example.nl")
    passport = customer_passport(garage, seller)
    url = admin_url("passport", "transfer", passport.pk)
    client = client_for(support_user)

    with django_capture_on_commit_callbacks(execute=True):
        page = client.get(url, **EN)
        response = client.post(
            url,
            {"name": "Nieuwe Eigenaar", "email": "koper@example.nl", "reason": "Ticket 7"},
            **EN,
        )

    assert page.status_code == 200
    assert url in client.get(admin_url("passport", "change", passport.pk)).content.decode()
    assert response.status_code == 302
    passport.refresh_from_db()
    assert passport.owner.email == "koper@example.nl"
    record = passport.transfers.order_by("-id").first()
    assert (record.via, record.created_by, record.reason) == ("support", support_user, "Ticket 7")
    recipients = {message.to[0] for message in mailoutbox}
    assert {"koper@example.nl", "verkoper@example.nl"} <= recipients  # activation and receipt
    entry = LogEntry.objects.filter(object_id=str(passport.pk)).latest("action_time")
    assert entry.user == support_user
    assert "Ticket 7" in entry.change_message


def test_a_support_transfer_needs_a_reason(client_for, support_user, garage):
    passport = PassportFactory(garage=garage)

    response = client_for(support_user).post(
        admin_url("passport", "transfer", passport.pk),
        {"name": "Nieuwe Eigenaar", "email": "koper@example.nl", "reason": ""},
        **EN,
    )

    assert response.status_code == 200
    assert not Transfer.objects.exists()


def test_transfer_via_support_is_refused_to_anyone_without_the_support_permission(garage):
    passport = PassportFactory(garage=garage)

    with pytest.raises(PermissionDenied):
        transfer_confirm(
            passport=passport,
            contact=OwnerContact(email="koper@example.nl"),
            actor=garage.account_user,
            via="support",
        )


def test_support_unlinks_a_car_from_its_fleet_with_a_reason(client_for, support_user, garage):
    fleet = FleetFactory(garages=[garage])
    car = fleet_car(fleet, garage=garage)
    url = admin_url("passport", "unlink_fleet", car.pk)

    response = client_for(support_user).post(url, {"reason": "Ticket 9: lease beëindigd"}, **EN)

    assert response.status_code == 302
    car.refresh_from_db()
    assert car.fleet is None
    period = FleetLink.objects.get(passport=car)
    assert (period.unlinked_by, period.unlinked_at is not None) == (support_user, True)
    entry = LogEntry.objects.filter(object_id=str(car.pk)).latest("action_time")
    assert "Ticket 9" in entry.change_message


def test_garage_staff_cannot_use_supports_ownership_pages(client_for, garage_admin, garage):
    passport = PassportFactory(garage=garage)
    client = client_for(garage_admin)

    transfer_page = client.get(admin_url("passport", "transfer", passport.pk))
    unlink_page = client.get(admin_url("passport", "unlink_fleet", passport.pk))

    assert transfer_page.status_code == 302  # to the admin login
    assert unlink_page.status_code == 302


def test_a_support_transfer_of_a_fleet_car_takes_it_out_of_the_fleet(
    client_for, support_user, garage
):
    car = fleet_car(FleetFactory(garages=[garage]), garage=garage)

    response = client_for(support_user).post(
        admin_url("passport", "transfer", car.pk),
        {"name": "Nieuwe Eigenaar", "email": "koper@example.nl", "reason": "Ticket 8"},
        **EN,
    )

    assert response.status_code == 302
    car.refresh_from_db()
    assert (car.fleet, car.owner.email) == (None, "koper@example.nl")
    assert FleetLink.objects.get(passport=car).unlinked_by == support_user


def test_supports_vehicle_correction_is_recorded_on_the_car_and_kept_from_the_rdw(
    client_for, support_user, checked_car
):
    """The admin is one more entry point of a hand correction: the same record and the same
    protection as the garage's vehicle page (autopaspoort.vehicle_data)."""
    passport, _ = checked_car
    client = client_for(support_user)
    url = admin_url("passport", "change", passport.pk)
    data = passport_form(client.get(url, **EN))
    data.update(colour="ROOD", _save="Save")

    response = client.post(url, data, **EN)

    assert response.status_code == 302, response.context["adminform"].form.errors
    passport.refresh_from_db()
    assert passport.colour == "ROOD"
    assert passport.vehicle_sources == {"colour": "garage"}
    change = VehicleDataChange.objects.get(passport=passport)
    assert (change.field, change.after, change.changed_by) == ("colour", "ROOD", support_user)

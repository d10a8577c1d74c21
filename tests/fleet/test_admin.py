"""Support and the fleets in the admin (fleet/admin.py, fleet/migrations/0003)."""

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse
from pytest_django.asserts import assertContains

from fleet.models import FleetAccount, FleetLink, FleetMembership
from fleet.services import stock_fleet_for
from tests.accounts.factories import UserFactory
from tests.fleet.factories import EN, FleetFactory, fleet_car, manager_of, unlink

pytestmark = pytest.mark.django_db


@pytest.fixture
def fleet(garage):
    return FleetFactory(name="Leasebedrijf Noord BV", kvk_number="12345678", garages=[garage])


@pytest.fixture
def superuser(db):
    return UserFactory(is_staff=True, is_superuser=True)


def admin_url(model, action, *args):
    return reverse(f"admin:fleet_{model}_{action}", args=args)


def account_form(fleet, **changes):
    """The fleet account change form as the admin posts it, with its managers inline."""
    memberships = list(fleet.memberships.all())
    data = {
        "name": fleet.name,
        "email": fleet.email,
        "kind": fleet.kind,
        "kvk_number": fleet.kvk_number,
        "garages": [garage.pk for garage in fleet.garages.all()],
        "memberships-TOTAL_FORMS": str(len(memberships)),
        "memberships-INITIAL_FORMS": str(len(memberships)),
        "memberships-MIN_NUM_FORMS": "0",
        "memberships-MAX_NUM_FORMS": "1000",
    }
    for index, membership in enumerate(memberships):
        data[f"memberships-{index}-id"] = membership.pk
        data[f"memberships-{index}-fleet"] = fleet.pk
        data[f"memberships-{index}-user"] = membership.user_id
    data.update(changes)
    return data


def test_the_support_group_has_the_fleet_permissions():
    support = Group.objects.get(name="support")
    codenames = set(
        support.permissions.filter(content_type__app_label="fleet").values_list(
            "codename", flat=True
        )
    )

    assert {"view_fleetaccount", "change_fleetaccount", "view_fleetmembership"} <= codenames
    # Managers are read-only for support (issue 14): a membership support made would be a way
    # into a fleet's cars.
    assert not codenames & {
        "add_fleetmembership",
        "change_fleetmembership",
        "delete_fleetmembership",
    }
    assert not codenames & {"add_fleetlink", "change_fleetlink", "delete_fleetlink"}
    assert "delete_fleetaccount" not in codenames


def test_support_reads_fleet_accounts_managers_and_the_link_history(
    client_for, support_user, garage, fleet
):
    manager = manager_of(fleet, email="wagenpark@leasebedrijf.nl")
    car = fleet_car(fleet, garage=garage)
    unlink(car)
    period = FleetLink.objects.get()
    client = client_for(support_user)

    accounts = client.get(admin_url("fleetaccount", "changelist"), **EN)
    account = client.get(admin_url("fleetaccount", "change", fleet.pk), **EN)
    managers = client.get(admin_url("fleetmembership", "changelist"), **EN)
    links = client.get(admin_url("fleetlink", "changelist"), **EN)
    one_link = client.get(admin_url("fleetlink", "change", period.pk), **EN)

    assertContains(accounts, "Leasebedrijf Noord BV")
    assertContains(accounts, "12345678")
    assertContains(account, "wagenpark@leasebedrijf.nl")
    assertContains(managers, manager.email)
    assertContains(links, car.plate)
    assertContains(links, "Leasebedrijf Noord BV")
    assert one_link.status_code == 200
    assert set(one_link.context["adminform"].readonly_fields) >= {
        "passport",
        "fleet",
        "linked_by",
        "unlinked_at",
        "unlinked_by",
    }


def test_support_can_search_the_link_history_by_plate(client_for, support_user, garage, fleet):
    wanted = fleet_car(fleet, garage=garage, plate="GJ-555-K")
    fleet_car(fleet, garage=garage, plate="BB-11-11")

    response = client_for(support_user).get(
        admin_url("fleetlink", "changelist"), {"q": "GJ-555"}, **EN
    )

    assert [row.passport for row in response.context["cl"].result_list] == [wanted]


def test_the_link_history_cannot_be_changed_by_support(client_for, support_user, garage, fleet):
    car = fleet_car(fleet, garage=garage)
    period = FleetLink.objects.get()
    before = (period.fleet_id, period.linked_by_id, period.unlinked_at)

    response = client_for(support_user).post(
        admin_url("fleetlink", "change", period.pk),
        {"passport": car.pk, "fleet": FleetFactory().pk, "unlinked_at_0": "2026-01-01"},
    )

    assert response.status_code == 403
    period.refresh_from_db()
    assert (period.fleet_id, period.linked_by_id, period.unlinked_at) == before


def test_the_link_history_is_read_only_even_for_a_superuser(client_for, superuser, garage, fleet):
    car = fleet_car(fleet, garage=garage)
    period = FleetLink.objects.get()
    before = (period.fleet_id, period.linked_by_id, period.unlinked_at)
    client = client_for(superuser)

    client.post(
        admin_url("fleetlink", "change", period.pk),
        {"passport": car.pk, "fleet": FleetFactory().pk, "unlinked_at_0": "2026-01-01"},
    )
    adding = client.get(admin_url("fleetlink", "add"))
    deleting = client.post(admin_url("fleetlink", "delete", period.pk), {"post": "yes"})

    period.refresh_from_db()
    assert (period.fleet_id, period.linked_by_id, period.unlinked_at) == before
    assert (adding.status_code, deleting.status_code) == (403, 403)
    assert FleetLink.objects.count() == 1


def test_support_changes_a_fleets_details_and_servicing_garages(
    client_for, support_user, garage, other_garage, fleet
):
    manager_of(fleet)

    response = client_for(support_user).post(
        admin_url("fleetaccount", "change", fleet.pk),
        account_form(
            fleet, name="Leasebedrijf Noord-Holland BV", garages=[garage.pk, other_garage.pk]
        ),
    )

    assert response.status_code == 302
    fleet.refresh_from_db()
    assert fleet.name == "Leasebedrijf Noord-Holland BV"
    assert set(fleet.garages.all()) == {garage, other_garage}
    assert fleet.memberships.count() == 1


def test_support_cannot_remove_a_fleet_manager(client_for, support_user, fleet):
    membership = FleetMembership.objects.get(user=manager_of(fleet))

    response = client_for(support_user).post(
        admin_url("fleetmembership", "delete", membership.pk), {"post": "yes"}
    )

    assert response.status_code == 403
    assert FleetMembership.objects.exists()


def test_support_cannot_delete_a_fleet_account(client_for, support_user, fleet):
    response = client_for(support_user).post(
        admin_url("fleetaccount", "delete", fleet.pk), {"post": "yes"}
    )

    assert response.status_code == 403
    assert FleetAccount.objects.filter(pk=fleet.pk).exists()


def test_a_stock_fleet_cannot_be_made_a_business_fleet_in_the_admin(
    client_for, support_user, garage
):
    """Kind and stock_of are read-only in the admin: a posted kind is ignored, no crash."""
    stock = stock_fleet_for(garage=garage)

    response = client_for(support_user).post(
        admin_url("fleetaccount", "change", stock.pk), account_form(stock, kind="business"), **EN
    )

    assert response.status_code in (200, 302)
    stock.refresh_from_db()
    assert (stock.kind, stock.stock_of) == ("stock", garage)


def test_support_can_set_up_a_fleet_for_a_business_customer(client_for, support_user):
    """The issue: "a garage admin (or support) creates a fleet account for a business customer"."""
    response = client_for(support_user).get(admin_url("fleetaccount", "add"), **EN)

    assertContains(response, "Add fleet account")
    assert {"name", "email"} <= set(response.context["adminform"].form.fields)

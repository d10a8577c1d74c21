"""Support and the usage records in the admin: read-only, exported as CSV for invoicing."""

from datetime import date

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse
from pytest_django.asserts import assertContains

from insights.models import MonthlyUsage
from tests.accounts.factories import UserFactory
from tests.insights.factories import EN, local

pytestmark = pytest.mark.django_db

CHANGELIST = "admin:insights_monthlyusage_changelist"


@pytest.fixture
def superuser(db):
    return UserFactory(is_staff=True, is_superuser=True)


@pytest.fixture
def records(garage, other_garage):
    other_garage.name = "=Garage B"  # typed like a formula: must not run as one in Excel
    other_garage.kvk_number = "12345678"
    other_garage.save(update_fields=["name", "kvk_number"])

    def record(garage, month, *numbers):
        return MonthlyUsage.objects.create(
            garage=garage,
            month=month,
            active_passports=numbers[0],
            passports_created=numbers[1],
            transfers_completed=numbers[2],
            quotes_sent=numbers[3],
            photos_added=numbers[4],
            computed_at=local(2025, month.month + 1, 1, 3, 0),
        )

    return [
        record(garage, date(2025, 5, 1), 40, 6, 4, 9, 30),
        record(garage, date(2025, 6, 1), 41, 7, 5, 11, 42),
        record(other_garage, date(2025, 6, 1), 3, 1, 0, 0, 2),
    ]


def test_the_support_group_may_only_view_usage():
    support = Group.objects.get(name="support")

    assert set(
        support.permissions.filter(content_type__app_label="insights").values_list(
            "codename", flat=True
        )
    ) == {"view_monthlyusage"}


@pytest.mark.parametrize("persona", ["support_user", "superuser"])
def test_support_sees_every_garages_usage(request, client_for, persona, records):
    response = client_for(request.getfixturevalue(persona)).get(reverse(CHANGELIST), **EN)

    assert response.status_code == 200
    assert {row.pk for row in response.context["cl"].result_list} == {r.pk for r in records}
    assertContains(response, "Export selected usage as CSV")


@pytest.mark.parametrize("persona", ["support_user", "superuser"])
def test_the_csv_export_holds_the_selected_rows(request, client_for, persona, records, garage):
    client = client_for(request.getfixturevalue(persona))

    response = client.post(
        reverse(CHANGELIST),
        {"action": "export_csv", "_selected_action": [r.pk for r in records]},
        **EN,
    )

    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="usage-')
    other = records[2].garage
    assert response.content.decode("utf-8").splitlines() == [
        "\ufeffMonth;Garage id;Garage;KvK number;Active passports;Passports created;"
        "Transfers completed;Quotes sent;Photos added;Computed at",
        f"2025-05;{garage.pk};Garage A;;40;6;4;9;30;2025-06-01T03:00:00+02:00",
        f"2025-06;{other.pk};'=Garage B;12345678;3;1;0;0;2;2025-07-01T03:00:00+02:00",
        f"2025-06;{garage.pk};Garage A;;41;7;5;11;42;2025-07-01T03:00:00+02:00",
    ]


def test_the_export_is_only_of_what_was_selected(client_for, support_user, records):
    response = client_for(support_user).post(
        reverse(CHANGELIST), {"action": "export_csv", "_selected_action": [records[0].pk]}, **EN
    )

    assert len(response.content.decode().splitlines()) == 2


def test_usage_records_cannot_be_added_changed_or_deleted_in_the_admin(
    client_for, support_user, superuser, records
):
    for user in (support_user, superuser):
        client = client_for(user)
        change_url = reverse("admin:insights_monthlyusage_change", args=[records[0].pk])
        assert client.get(reverse("admin:insights_monthlyusage_add")).status_code == 403
        assert client.post(change_url, {"active_passports": 1}).status_code == 403
        delete_url = reverse("admin:insights_monthlyusage_delete", args=[records[0].pk])
        assert client.post(delete_url, {"post": "yes"}).status_code == 403
        assert client.get(change_url).status_code == 200  # read-only view
    assert MonthlyUsage.objects.get(pk=records[0].pk).active_passports == 40


def test_garage_staff_have_no_access_to_the_usage_admin(client_for, garage_admin, records):
    response = client_for(garage_admin).get(reverse(CHANGELIST))

    assert response.status_code == 302  # to the admin login: not staff


def test_a_staff_user_without_the_permission_cannot_export(client_for, records):
    staff_user = UserFactory(is_staff=True)

    response = client_for(staff_user).post(
        reverse(CHANGELIST), {"action": "export_csv", "_selected_action": [records[0].pk]}
    )

    assert response.status_code == 403

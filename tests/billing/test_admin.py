"""Support in the billing admin: tariffs within the rules, statements read-only with a CSV
export for the bookkeeping, invoices corrected only by a credit note."""

from datetime import date

import pytest
from django.contrib.admin.models import LogEntry
from django.urls import reverse
from django.utils import timezone
from pytest_django.asserts import assertContains, assertNotContains

from billing.models import Invoice, Statement, Tariff
from billing.services import statements_close
from insights.months import add_months, month_of
from tests.accounts.factories import UserFactory
from tests.billing.factories import JUNE, TODAY, tariff, usage

pytestmark = pytest.mark.django_db
EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


@pytest.fixture
def closed(garage, other_garage):
    other_garage.name = "=Garage B"  # typed like a formula: must not run as one in Excel
    other_garage.kvk_number = "12345678"
    other_garage.save(update_fields=["name", "kvk_number"])
    tariff()
    usage(garage, active_passports=100, transfers_completed=2)
    usage(other_garage, active_passports=3)
    statements_close(month=JUNE, today=TODAY)
    return Statement.objects.order_by("garage__name")


def test_the_csv_export_holds_the_selected_statements(client_for, support_user, closed):
    response = client_for(support_user).post(
        reverse("admin:billing_statement_changelist"),
        {"action": "export_csv", "_selected_action": [s.pk for s in closed]},
        **EN,
    )
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    rows = response.content.decode("utf-8").splitlines()
    assert rows[0] == (
        "\ufeffMonth;Garage id;Garage;KvK number;Subtotal excl. VAT;VAT;Total incl. VAT;"
        "Invoices;Closed at"
    )
    a, b = closed[1], closed[0]  # "=Garage B" sorts before "Garage A"
    invoice_a, invoice_b = a.invoices.get().number, b.invoices.get().number
    assert rows[1].startswith(
        f"2025-06;{b.garage_id};'=Garage B;12345678;1,50;0,32;1,82;{invoice_b};"
    )
    assert rows[2].startswith(f"2025-06;{a.garage_id};Garage A;;52,50;11,03;63,53;{invoice_a};")


def test_statements_and_invoices_cannot_be_changed_or_deleted(client_for, support_user, closed):
    client = client_for(support_user)
    statement = closed[0]
    invoice = statement.invoices.get()
    for name, pk in (("statement", statement.pk), ("invoice", invoice.pk)):
        change = reverse(f"admin:billing_{name}_change", args=[pk])
        assert client.get(change).status_code == 200  # read-only view
        assert client.post(change, {}).status_code == 403
        delete = reverse(f"admin:billing_{name}_delete", args=[pk])
        assert client.post(delete, {"post": "yes"}).status_code == 403


def test_support_credits_an_invoice_with_a_reason(client_for, support_user, closed):
    invoice = closed[0].invoices.get()
    client = client_for(support_user)
    page = client.get(reverse("admin:billing_invoice_change", args=[invoice.pk]), **EN)
    credit_url = reverse("admin:billing_invoice_credit", args=[invoice.pk])
    assertContains(page, credit_url)
    refused = client.post(credit_url, {"reason": ""}, **EN)
    assert refused.status_code == 200
    assert not Invoice.objects.filter(kind=Invoice.Kind.CREDIT_NOTE).exists()
    response = client.post(credit_url, {"reason": "Dubbel geteld"}, **EN)
    note = Invoice.objects.get(kind=Invoice.Kind.CREDIT_NOTE)
    assert response.status_code == 302
    assert response["Location"] == reverse("admin:billing_invoice_change", args=[note.pk])
    assert (note.credits, note.reason, note.issued_by) == (invoice, "Dubbel geteld", support_user)
    assert LogEntry.objects.filter(object_id=str(invoice.pk), user=support_user).exists()
    again = client.post(credit_url, {"reason": "Nog eens"}, **EN)
    assertContains(again, "credited already")
    note_page = client.get(reverse("admin:billing_invoice_change", args=[note.pk]), **EN)
    assertNotContains(note_page, "Credit this invoice")


def test_a_staff_user_without_the_permission_cannot_credit(client_for, closed):
    invoice = closed[0].invoices.get()
    staff_user = UserFactory(is_staff=True)
    url = reverse("admin:billing_invoice_credit", args=[invoice.pk])
    assert client_for(staff_user).post(url, {"reason": "x"}).status_code == 403
    assert not Invoice.objects.filter(kind=Invoice.Kind.CREDIT_NOTE).exists()


def _tariff_form(**fields):
    data = {
        "name": "Tarief",
        "valid_from": "",
        "valid_until": "",
        "monthly_minimum": "0",
        "price_active_passport": "0.60",
        "price_transfer_completed": "1",
        "price_quote_sent": "0",
        "price_photo": "0",
        "free_photos": "0",
        "tiers-TOTAL_FORMS": "1",
        "tiers-INITIAL_FORMS": "0",
        "tiers-MIN_NUM_FORMS": "0",
        "tiers-MAX_NUM_FORMS": "1000",
        "tiers-0-from_quantity": "101",
        "tiers-0-price_active_passport": "0.45",
    }
    data.update(fields)
    return data


def test_support_adds_a_tariff_from_next_month_and_not_for_this_one(client_for, support_user):
    this_month = month_of(timezone.localdate())
    running = tariff(date(2024, 1, 1))
    client = client_for(support_user)
    add = reverse("admin:billing_tariff_add")
    refused = client.post(add, _tariff_form(valid_from=this_month.isoformat()), **EN)
    assert refused.status_code == 200
    assertContains(refused, "next month at the earliest")
    # End the running tariff with this month, then the new one starts next month.
    change = reverse("admin:billing_tariff_change", args=[running.pk])
    ended = client.post(change, {"valid_until": this_month.isoformat()}, **EN)
    assert ended.status_code == 302, ended.context["adminform"].form.errors
    running.refresh_from_db()
    assert running.valid_until == this_month
    next_month = add_months(this_month, 1)
    created = client.post(add, _tariff_form(valid_from=next_month.isoformat()), **EN)
    assert created.status_code == 302
    new = Tariff.objects.get(valid_from=next_month)
    assert list(new.tiers.values_list("from_quantity", flat=True)) == [101]


def test_a_running_tariffs_prices_are_read_only(client_for, support_user):
    running = tariff(date(2024, 1, 1))
    client = client_for(support_user)
    change = reverse("admin:billing_tariff_change", args=[running.pk])
    client.post(change, {"price_active_passport": "9.99", "valid_until": ""}, **EN)
    running.refresh_from_db()
    assert str(running.price_active_passport) == "0.5000"
    assert (
        client.post(
            reverse("admin:billing_tariff_delete", args=[running.pk]), {"post": "yes"}
        ).status_code
        == 403
    )

"""The garage's "Gebruik en facturen" page and the invoice PDF: admins of the garage only,
another garage's invoice is a 404, and the PDF's text shows every line and total."""

import io
from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader
from pytest_django.asserts import assertContains, assertNotContains

from billing.models import Invoice, Statement
from billing.services import credit_note_issue, statements_close
from core.money import format_amount
from insights.months import last_complete_month
from tests.autopaspoort.factories import PassportFactory
from tests.billing.factories import tariff, usage
from tests.garage.test_views import settings_data

pytestmark = pytest.mark.django_db

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}
NL = {"HTTP_ACCEPT_LANGUAGE": "nl"}


def usage_page(garage):
    return reverse("billing:usage", kwargs={"garage_id": garage.pk})


def pdf_text(response) -> str:
    reader = PdfReader(io.BytesIO(response.content))
    return "\n".join(page.extract_text() for page in reader.pages)


@pytest.fixture
def closed(garage):
    """Last month closed for the garage: tiers, transfers, a minimum that is exceeded."""
    tariff(
        date(2024, 1, 1),
        tiers=[(11, "0.40")],
        monthly_minimum="5",
        price_photo="0.0125",
        free_photos=2,
    )
    garage.vat_number, garage.kvk_number = "NL123456789B01", "12345678"
    garage.street, garage.house_number, garage.postcode = "Kerkstraat", "7", "3511 AB"
    garage.save()
    month = last_complete_month(timezone.localdate())
    usage(garage, month=month, active_passports=15, transfers_completed=3)
    statements_close(month=month, today=timezone.localdate())
    return Statement.objects.get(garage=garage, month=month)


def test_the_admin_sees_the_estimate_the_closed_month_and_its_invoice(
    client_for, garage, garage_admin, closed
):
    PassportFactory(garage=garage)
    response = client_for(garage_admin).get(usage_page(garage), **EN)
    assert response.status_code == 200
    estimate = response.context["estimate"]
    assert estimate.priced is not None
    assertContains(response, 'id="lines-estimate"')
    invoice = closed.invoices.get()
    assertContains(response, f'id="lines-{closed.pk}"')
    assertContains(response, f'href="{invoice.get_absolute_url()}"')
    assertContains(response, format_amount(closed.total, "en"))
    assertContains(response, "Active passports, tier 11 and up")


def test_the_page_is_dutch_by_default(client_for, garage, garage_admin, closed):
    response = client_for(garage_admin).get(usage_page(garage), **NL)
    assertContains(response, "Gebruik en facturen")
    assertContains(response, "Afgesloten maanden")


def test_without_a_tariff_the_page_says_there_is_no_estimate(client_for, garage, garage_admin):
    response = client_for(garage_admin).get(usage_page(garage), **EN)
    assertContains(response, "there is no estimate")
    assertContains(response, "No month has been closed yet")


@pytest.mark.parametrize("role", ["sales", "mechanic"])
def test_only_the_garages_admins_open_the_page_and_the_pdf(
    request, client_for, garage, closed, role
):
    person = request.getfixturevalue(role)
    invoice = closed.invoices.get()
    assert client_for(person).get(usage_page(garage)).status_code == 403
    assert client_for(person).get(invoice.get_absolute_url()).status_code == 403


def test_another_garages_invoice_is_not_found(client_for, garage, other_garage, closed):
    invoice = closed.invoices.get()
    other = client_for(other_garage.account_user)
    assert other.get(invoice.get_absolute_url()).status_code == 404  # not their garage
    # Their own garage's URL with this garage's invoice id: not theirs either.
    url = reverse(
        "billing:invoice_pdf", kwargs={"garage_id": other_garage.pk, "invoice_id": invoice.pk}
    )
    assert other.get(url).status_code == 404
    assertNotContains(other.get(usage_page(other_garage)), invoice.number)


def test_anonymous_is_sent_to_the_login(anonymous, garage, closed):
    response = anonymous.get(closed.invoices.get().get_absolute_url())
    assert response.status_code == 302
    assert "/inloggen/" in response["Location"] or "login" in response["Location"]


def test_the_pdf_shows_every_line_and_total(client_for, garage, garage_admin, closed):
    invoice = closed.invoices.get()
    response = client_for(garage_admin).get(invoice.get_absolute_url(), **EN)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert invoice.number in response["Content-Disposition"]
    text = pdf_text(response)
    assert f"Invoice {invoice.number}" in text
    for expected in (
        "Garage A",
        "Kerkstraat 7, 3511 AB Utrecht",
        "NL123456789B01",
        "12345678",
        "AutoPaspoort B.V.",
    ):
        assert expected in text
    lines = list(closed.lines.order_by("position"))
    assert len(lines) == 5
    expected_rows = [
        ("Active passports, tier 1–10", 10, "€0.50", "€5.00"),
        ("Active passports, tier 11 and up", 5, "€0.40", "€2.00"),
        ("Completed transfers", 3, "€1.25", "€3.75"),
        ("Quotes sent", 0, "€0.10", "€0.00"),
        ("Photos beyond the free allowance (from photo 3)", 0, "€0.0125", "€0.00"),
    ]
    for label, quantity, unit, amount in expected_rows:
        assert f"{label} {quantity} {unit} {amount}" in text, (label, text)
    assert closed.subtotal == Decimal("10.75")
    assert "Subtotal excl. VAT €10.75" in text
    assert "VAT 21 % €2.26" in text  # 2.2575
    assert "Total incl. VAT €13.01" in text
    assert "Please pay within 14 days" in text


def test_a_credit_note_pdf_refers_to_the_invoice_and_is_negative(
    client_for, garage, garage_admin, support_user, closed
):
    invoice = closed.invoices.get()
    note = credit_note_issue(invoice=invoice, actor=support_user, reason="Dubbel geteld")
    text = pdf_text(client_for(garage_admin).get(note.get_absolute_url(), **EN))
    assert f"Credit note {note.number}" in text
    assert invoice.number in text
    assert "Dubbel geteld" in text
    assert "Total incl. VAT -€13.01" in text
    assert "-€3.75" in text


def test_the_pdf_is_dutch_for_a_dutch_page(client_for, garage, garage_admin, closed):
    invoice = closed.invoices.get()
    text = pdf_text(client_for(garage_admin).get(invoice.get_absolute_url(), **NL))
    assert f"Factuur {invoice.number}" in text
    assert "Totaal incl. btw € 13,01" in text.replace("\xa0", " ")


def test_the_garage_admin_sets_the_billing_details_in_the_settings(
    client_for, garage, garage_admin
):
    client = client_for(garage_admin)
    data = settings_data(garage, vat_number="nl 1234.56.789 b01", billing_email="Boek@Example.nl")
    response = client.post(f"/garage/{garage.pk}/settings/", data, **EN)
    assert response.status_code == 302
    garage.refresh_from_db()
    assert (garage.vat_number, garage.billing_email) == ("NL123456789B01", "boek@example.nl")
    assert garage.invoice_email == "boek@example.nl"
    bad = settings_data(garage, vat_number="123")
    response = client.post(f"/garage/{garage.pk}/settings/", bad, **EN)
    assert response.status_code == 200
    assert "Dutch VAT number" in response.context["form"].errors["vat_number"][0]


def test_the_menu_opens_usage_and_invoices_for_admins(client_for, garage, garage_admin, sales):
    assertContains(client_for(garage_admin).get(f"/garage/{garage.pk}/", **EN), usage_page(garage))
    assertNotContains(client_for(sales).get(f"/garage/{garage.pk}/", **EN), usage_page(garage))


def test_invoice_kinds_are_named_in_the_file_name(client_for, garage, garage_admin, closed):
    invoice = closed.invoices.get()
    response = client_for(garage_admin).get(invoice.get_absolute_url())
    assert (
        f'filename="autopaspoort-factuur-{invoice.number}.pdf"' in response["Content-Disposition"]
    )
    assert invoice.kind == Invoice.Kind.INVOICE


def test_closed_months_come_a_year_a_page_newest_first(client_for, garage, garage_admin):
    tariff(date(2020, 1, 1))
    months = [date(2021, m, 1) for m in range(1, 13)] + [date(2022, m, 1) for m in (1, 2)]
    for month in months:
        usage(garage, month=month, active_passports=1)
        statements_close(month=month, today=date(2023, 1, 1))
    client = client_for(garage_admin)
    first = client.get(usage_page(garage), **EN)
    shown = [statement.month for statement in first.context["statements"]]
    assert shown == sorted(months, reverse=True)[:12]
    assert first.context["next_query"] == "after=2021-03"
    second = client.get(usage_page(garage) + "?after=2021-03", **EN)
    assert [s.month for s in second.context["statements"]] == [date(2021, 2, 1), date(2021, 1, 1)]
    assert second.context["next_query"] is None
    assertNotContains(second, "No month has been closed yet")
    # Nonsense in the cursor is the first page, never an error.
    assert client.get(usage_page(garage) + "?after=20x1-99", **EN).status_code == 200

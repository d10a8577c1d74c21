"""Closing a month (billing.services): statements, invoices, credit notes, tariff changes."""

from datetime import date, datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from billing.models import Invoice, InvoiceCounter, LineKind, Statement, StatementLine, Tariff
from billing.pricing import Prices, price
from billing.selectors import tariff_for, usage_estimate, usage_of
from billing.services import credit_note_issue, statements_close, tariff_check
from core.errors import ApplicationError
from insights.models import MonthlyUsage
from notifications.models import Notification
from tests.billing.factories import JULY, JUNE, TODAY, tariff, usage

pytestmark = pytest.mark.django_db
D = Decimal


def close(month=JUNE, today=TODAY, **kwargs):
    return statements_close(month=month, today=today, **kwargs)


def lines_of(statement):
    return [
        (line.kind, line.tier_from, line.tier_to, line.quantity, line.unit_price, line.amount)
        for line in statement.lines.order_by("position")
    ]


def test_closing_a_month_writes_the_statement_its_lines_and_an_invoice(
    garage, django_capture_on_commit_callbacks
):
    tariff(tiers=[(101, "0.40")])
    usage(garage, active_passports=120, transfers_completed=3)
    garage.vat_number, garage.billing_email = "NL123456789B01", "boekhouding@example.nl"
    garage.kvk_number, garage.street, garage.house_number = "12345678", "Hoofdstraat", "1"
    garage.postcode = "3511 AB"
    garage.save()
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        run = close()
    assert (run.closed, run.kept) == (1, 0)
    statement = Statement.objects.get(garage=garage, month=JUNE)
    assert lines_of(statement) == [
        (LineKind.ACTIVE_PASSPORTS, 1, 100, 100, D("0.5000"), D("50.00")),
        (LineKind.ACTIVE_PASSPORTS, 101, None, 20, D("0.4000"), D("8.00")),
        (LineKind.TRANSFERS_COMPLETED, None, None, 3, D("1.2500"), D("3.75")),
        (LineKind.QUOTES_SENT, None, None, 0, D("0.1000"), D("0.00")),
        (LineKind.PHOTOS, 51, None, 0, D("0.0125"), D("0.00")),
    ]
    assert (statement.subtotal, statement.vat_amount, statement.total) == (
        D("61.75"),
        D("12.97"),  # 12.9675
        D("74.72"),
    )
    invoice = statement.invoices.get()
    year = timezone.localdate().year
    assert invoice.number == f"{year}-00001"
    assert (invoice.kind, invoice.total, invoice.credits) == (
        Invoice.Kind.INVOICE,
        D("74.72"),
        None,
    )
    assert (invoice.billing_vat_number, invoice.billing_kvk_number) == (
        "NL123456789B01",
        "12345678",
    )
    assert invoice.billing_address == "Hoofdstraat 1, 3511 AB Utrecht"
    email = Notification.objects.get(kind=Notification.Kind.INVOICE_ISSUED)
    assert email.recipient == "boekhouding@example.nl"
    assert email.context["number"] == invoice.number
    assert email.context["path"] == f"/garage/{garage.pk}/facturen/{invoice.pk}/pdf/"
    assert len(callbacks) == 1  # delivered after the commit


def test_quotes_and_photos_are_billed_from_the_usage_row(garage):
    tariff(price_quote_sent="0.10", price_photo="0.0125", free_photos=50)
    usage(garage, quotes_sent=4, photos_added=61)
    close()
    statement = Statement.objects.get(garage=garage)
    quotes = statement.lines.get(kind=LineKind.QUOTES_SENT)
    photos = statement.lines.get(kind=LineKind.PHOTOS)
    assert (quotes.quantity, quotes.amount) == (4, D("0.40"))
    assert (photos.quantity, photos.tier_from, photos.amount) == (11, 51, D("0.14"))  # 0.1375


def test_without_a_billing_email_the_invoice_goes_to_the_account_email(garage):
    tariff()
    usage(garage, active_passports=1)
    close()
    assert Notification.objects.get(kind=Notification.Kind.INVOICE_ISSUED).recipient == garage.email


def test_a_second_run_changes_nothing(garage, other_garage):
    tariff()
    usage(garage, active_passports=10)
    usage(other_garage, active_passports=20)
    close()
    before = (
        list(Statement.objects.values_list("pk", "closed_at", "total")),
        list(StatementLine.objects.values_list("pk", "amount")),
        list(Invoice.objects.values_list("pk", "number")),
        Notification.objects.count(),
    )
    run = close()
    assert (run.closed, run.kept) == (0, 2)
    after = (
        list(Statement.objects.values_list("pk", "closed_at", "total")),
        list(StatementLine.objects.values_list("pk", "amount")),
        list(Invoice.objects.values_list("pk", "number")),
        Notification.objects.count(),
    )
    assert after == before
    assert InvoiceCounter.objects.get().last_number == 2


def test_a_closed_month_is_reproducible_from_its_usage_record(garage):
    tariff(tiers=[(11, "0.45"), (21, "0.40")], monthly_minimum="5")
    usage(garage, active_passports=25, transfers_completed=7, passports_created=9)
    close()
    statement = Statement.objects.get(garage=garage)
    recomputed = price(
        usage_of(MonthlyUsage.objects.get(garage=garage, month=JUNE)),
        Prices.of(statement.tariff),
    )
    assert [
        (x.kind, x.tier_from, x.tier_to, x.quantity, x.unit_price, x.amount)
        for x in recomputed.lines
    ] == lines_of(statement)
    assert (recomputed.subtotal, recomputed.vat_amount, recomputed.total) == (
        statement.subtotal,
        statement.vat_amount,
        statement.total,
    )


def test_a_month_without_anything_to_pay_has_a_statement_and_no_invoice(garage):
    tariff()
    usage(garage)
    close()
    statement = Statement.objects.get(garage=garage)
    assert statement.total == 0
    assert not Invoice.objects.exists()
    assert not Notification.objects.filter(kind=Notification.Kind.INVOICE_ISSUED).exists()


def test_the_monthly_minimum_makes_an_invoice_of_an_empty_month(garage):
    tariff(monthly_minimum="10")
    usage(garage)
    close()
    assert Invoice.objects.get().total == D("12.10")


def test_without_a_tariff_nothing_is_closed(garage):
    usage(garage, active_passports=3)
    run = close()
    assert run.skipped_no_tariff
    assert not Statement.objects.exists()


def test_a_month_that_is_not_over_is_not_closed(garage):
    tariff()
    with pytest.raises(ApplicationError):
        close(month=JULY)


def test_a_crash_halfway_leaves_no_half_statement(garage, monkeypatch):
    tariff()
    usage(garage, active_passports=3)

    def broken(**kwargs):
        raise RuntimeError("mail queue down")

    monkeypatch.setattr("billing.services.notification_queue", broken)
    with pytest.raises(RuntimeError):
        close()
    assert not Statement.objects.exists()
    assert not StatementLine.objects.exists()
    assert not Invoice.objects.exists()
    assert not InvoiceCounter.objects.filter(last_number__gt=0).exists()  # no number lost
    monkeypatch.undo()
    close()
    assert Invoice.objects.get().sequence == 1


def test_invoice_numbers_restart_each_year(garage, other_garage):
    tariff()
    december = date(2025, 12, 1)
    usage(garage, month=date(2025, 11, 1), active_passports=1)
    usage(garage, month=december, active_passports=1)
    usage(other_garage, month=december, active_passports=1)
    dec_1 = timezone.make_aware(datetime(2025, 12, 1, 0, 20))
    jan_1 = timezone.make_aware(datetime(2026, 1, 1, 0, 20))
    close(month=date(2025, 11, 1), today=date(2025, 12, 1), now=dec_1)
    close(month=december, today=date(2026, 1, 1), now=jan_1)
    assert sorted(Invoice.objects.values_list("number", flat=True)) == [
        "2025-00001",
        "2026-00001",
        "2026-00002",
    ]


# --- Tariffs --------------------------------------------------------------------------------


def test_a_tariff_changed_mid_month_applies_from_the_next_month(garage):
    """On 15 June support sets new prices: June is billed at the old ones, July at the new."""
    old = tariff(price_active_passport="0.50")
    mid_june = date(2025, 6, 15)
    new = Tariff(
        name="Nieuw",
        valid_from=JUNE,
        price_active_passport=D("0.80"),
        monthly_minimum=D("0"),
    )
    with pytest.raises(ValidationError) as refused:
        tariff_check(tariff=new, changed=["valid_from"], today=mid_june)
    assert "next month" in str(refused.value)
    # Changing the running tariff's price is refused too: it is in force.
    old.price_active_passport = D("0.80")
    with pytest.raises(ValidationError):
        tariff_check(tariff=old, changed=["price_active_passport"], today=mid_june)
    old.refresh_from_db()
    # What support does instead: end the old one with June, start the new one in July.
    old.valid_until = JUNE
    tariff_check(tariff=old, changed=["valid_until"], today=mid_june)
    old.save()
    new.valid_from = JULY
    tariff_check(tariff=new, changed=["valid_from"], today=mid_june)
    new.save()
    assert tariff_for(JUNE) == old
    assert tariff_for(JULY) == new
    usage(garage, active_passports=10)
    close()
    statement = Statement.objects.get(garage=garage)
    assert statement.tariff == old
    assert statement.lines.get(kind=LineKind.ACTIVE_PASSPORTS).amount == D("5.00")
    estimate = usage_estimate(garage=garage, today=date(2025, 7, 2))
    assert estimate.tariff == new


def test_an_overlapping_tariff_is_refused():
    tariff()  # from 2024, open-ended
    later = Tariff(name="Later", valid_from=date(2030, 1, 1), price_active_passport=D("1"))
    with pytest.raises(ValidationError) as refused:
        tariff_check(tariff=later, changed=["valid_from"], today=TODAY)
    assert "overlaps" in str(refused.value)


def test_a_tariff_cannot_end_before_the_running_month():
    running = tariff()
    running.valid_until = JUNE
    with pytest.raises(ValidationError):
        tariff_check(tariff=running, changed=["valid_until"], today=TODAY)


# --- Credit notes ---------------------------------------------------------------------------


@pytest.fixture
def invoice(garage):
    tariff()
    usage(garage, active_passports=100)
    close()
    return Invoice.objects.get()


def test_a_credit_note_reverses_the_invoice_and_refers_to_it(invoice, support_user):
    garage = invoice.garage
    garage.billing_email = "nieuw@example.nl"
    garage.save()
    note = credit_note_issue(invoice=invoice, actor=support_user, reason="Dubbel geteld")
    assert note.kind == Invoice.Kind.CREDIT_NOTE
    assert note.credits == invoice
    assert note.sequence == invoice.sequence + 1
    assert (note.subtotal, note.vat_amount, note.total) == (
        -invoice.subtotal,
        -invoice.vat_amount,
        -invoice.total,
    )
    assert note.billing_email == invoice.billing_email  # as the invoice said
    assert (note.reason, note.issued_by) == ("Dubbel geteld", support_user)
    invoice.refresh_from_db()
    assert invoice.total == D("60.50")  # the invoice itself is never edited
    emails = Notification.objects.filter(kind=Notification.Kind.INVOICE_ISSUED)
    assert emails.count() == 2
    assert emails.latest("pk").context["credit_note"] is True


def test_an_invoice_is_credited_once_and_a_credit_note_never(invoice, support_user):
    note = credit_note_issue(invoice=invoice, actor=support_user, reason="Fout")
    with pytest.raises(ApplicationError, match="credited already"):
        credit_note_issue(invoice=invoice, actor=support_user, reason="Nog eens")
    with pytest.raises(ApplicationError, match="cannot be credited"):
        credit_note_issue(invoice=note, actor=support_user, reason="Terug")


def test_a_credit_note_needs_a_reason(invoice, support_user):
    with pytest.raises(ApplicationError) as refused:
        credit_note_issue(invoice=invoice, actor=support_user, reason="  ")
    assert refused.value.field == "reason"

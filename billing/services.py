"""Closing a month, issuing invoices and credit notes, and the rules for support's tariffs.

Each garage's month is closed in one transaction: the statement, its lines, the invoice (its
number taken from the year's counter row, locked) and the outbox email commit together or not
at all. The garage's usage row is locked first, so two closing runs at once make one statement.
"""

import logging
from dataclasses import dataclass
from datetime import date

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _

from billing.models import Invoice, InvoiceCounter, Statement, StatementLine, Tariff
from billing.pricing import Prices, price
from billing.selectors import tariff_for, usage_of
from core.errors import ApplicationError
from core.money import format_amount
from insights.models import MonthlyUsage
from insights.months import last_complete_month, month_of
from insights.services import monthly_usage_record
from notifications.models import Notification
from notifications.services import notification_queue

logger = logging.getLogger(__name__)


# --- Tariffs ------------------------------------------------------------------------------------


def tariff_check(*, tariff: Tariff, changed: list[str], today: date) -> None:
    """The rules support's tariff form keeps (raises ValidationError):

    - a tariff starts on a first day, and a new one at the earliest next month: a change never
      applies to the running month, nor rewrites a closed one;
    - once its first month has begun, only its end (`valid_until`) may change, to the running
      month or later;
    - no two tariffs cover the same month.
    """
    current = month_of(today)
    errors = {}
    if tariff.valid_from and tariff.valid_from.day != 1:
        errors["valid_from"] = _("A tariff starts on the first day of a month.")
    if tariff.valid_until and tariff.valid_until.day != 1:
        errors["valid_until"] = _("Give the first day of the last month the tariff applies to.")
    started = (
        tariff.pk is not None
        and Tariff.objects.filter(pk=tariff.pk, valid_from__lte=current).exists()
    )
    if started:
        fixed = [name for name in changed if name != "valid_until"]
        if fixed:
            errors[None] = _(
                "This tariff is in force or was: only its end can change. Make a new tariff "
                "from next month instead."
            )
        if "valid_until" in changed and tariff.valid_until and tariff.valid_until < current:
            errors["valid_until"] = _("A tariff cannot end before the running month.")
    elif tariff.valid_from and tariff.valid_from <= current:
        errors["valid_from"] = _("A new tariff starts next month at the earliest.")
    if tariff.valid_from and tariff.valid_until and tariff.valid_until < tariff.valid_from:
        errors["valid_until"] = _("The end is before the start.")
    if tariff.valid_from and not errors:
        overlapping = Tariff.objects.exclude(pk=tariff.pk).filter(
            valid_from__lte=tariff.valid_until or date.max
        )
        overlapping = [
            other
            for other in overlapping
            if other.valid_until is None or other.valid_until >= tariff.valid_from
        ]
        if overlapping:
            errors[None] = _(
                "The period overlaps the tariff %(name)s: end that one first (valid until)."
            ) % {"name": overlapping[0]}
    if errors:
        raise ValidationError({key or "__all__": value for key, value in errors.items()})


# --- Closing a month ----------------------------------------------------------------------------


@dataclass(frozen=True)
class CloseRun:
    month: date
    closed: int  # statements written by this run
    kept: int  # garages whose month was closed already
    skipped_no_tariff: bool = False


def statement_close(*, usage_id: int, now=None) -> tuple[Statement | None, bool]:
    """Close one garage's month from its usage row: (statement, whether this call wrote it).

    Safe to call twice at once: the usage row is locked first, so the second call waits and
    then finds the statement. Without a tariff for the month nothing is written. `now` (the
    closing time, which gives the invoice its year) is for tests.
    """
    now = now or timezone.now()
    with transaction.atomic():
        usage = (
            MonthlyUsage.objects.select_for_update(of=("self",))
            .select_related("garage__account_user")
            .get(pk=usage_id)
        )
        existing = Statement.objects.filter(garage=usage.garage, month=usage.month).first()
        if existing is not None:
            return existing, False
        tariff = tariff_for(usage.month)
        if tariff is None:
            return None, False
        priced = price(usage_of(usage), Prices.of(tariff))
        statement = Statement.objects.create(
            garage=usage.garage,
            month=usage.month,
            tariff=tariff,
            subtotal=priced.subtotal,
            vat_rate=priced.vat_rate,
            vat_amount=priced.vat_amount,
            total=priced.total,
            closed_at=now,
        )
        StatementLine.objects.bulk_create(
            StatementLine(
                statement=statement,
                position=position,
                kind=line.kind,
                tier_from=line.tier_from,
                tier_to=line.tier_to,
                quantity=line.quantity,
                unit_price=line.unit_price,
                amount=line.amount,
            )
            for position, line in enumerate(priced.lines, start=1)
        )
        if statement.total > 0:
            invoice_issue(statement=statement, now=now)
        return statement, True


def statements_close(*, month: date, today: date, now=None) -> CloseRun:
    """Close `month` (a complete one) for every garage: record its usage first (idempotent),
    then one transaction per garage. Running again closes only the garages still open."""
    if month > last_complete_month(today):
        raise ApplicationError(_("A month is closed once it is over."), field="month")
    monthly_usage_record(month=month, today=today)
    if tariff_for(month) is None:
        logger.warning("No tariff for %s: no statements closed.", month)
        return CloseRun(month=month, closed=0, kept=0, skipped_no_tariff=True)
    open_ids = list(
        MonthlyUsage.objects.filter(month=month)
        .exclude(garage__statements__month=month)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    kept = MonthlyUsage.objects.filter(month=month).count() - len(open_ids)
    closed = 0
    for usage_id in open_ids:
        _statement, written = statement_close(usage_id=usage_id, now=now)
        closed += written
        kept += not written
    return CloseRun(month=month, closed=closed, kept=kept)


# --- Invoices -----------------------------------------------------------------------------------


def invoice_number_next(*, year: int) -> int:
    """The next number of `year`, under the counter row's lock: call inside the transaction
    that writes the invoice, so a rollback gives the number back and nothing leaves a gap."""
    InvoiceCounter.objects.bulk_create([InvoiceCounter(year=year)], ignore_conflicts=True)
    counter = InvoiceCounter.objects.select_for_update().get(year=year)
    counter.last_number += 1
    counter.save(update_fields=["last_number"])
    return counter.last_number


def _address(garage) -> str:
    street = " ".join(part for part in (garage.street, garage.house_number) if part)
    place = " ".join(part for part in (garage.postcode, garage.city) if part)
    return ", ".join(part for part in (street, place) if part)


def _issue(*, statement, kind, sign, now, credits=None, reason="", actor=None) -> Invoice:
    year = timezone.localdate(now).year
    sequence = invoice_number_next(year=year)
    garage = statement.garage
    billing = (
        {  # a credit note goes to whom the invoice went, as it said then
            "billing_name": credits.billing_name,
            "billing_address": credits.billing_address,
            "billing_kvk_number": credits.billing_kvk_number,
            "billing_vat_number": credits.billing_vat_number,
            "billing_email": credits.billing_email,
        }
        if credits
        else {
            "billing_name": garage.name,
            "billing_address": _address(garage),
            "billing_kvk_number": garage.kvk_number,
            "billing_vat_number": garage.vat_number,
            "billing_email": garage.invoice_email,
        }
    )
    invoice = Invoice.objects.create(
        kind=kind,
        number=f"{year}-{sequence:05d}",
        year=year,
        sequence=sequence,
        statement=statement,
        garage=garage,
        credits=credits,
        reason=reason,
        issued_at=now,
        issued_by=actor,
        **billing,
        subtotal=sign * statement.subtotal,
        vat_amount=sign * statement.vat_amount,
        total=sign * statement.total,
    )
    _email(invoice)
    return invoice


def _email(invoice: Invoice) -> None:
    """The outbox carries no attachments: the email links the PDF on the garage's billing page
    (a garage admin logs in to download it)."""
    garage = invoice.garage
    language = garage.account_user.language
    with translation.override(language):
        month = formats.date_format(invoice.statement.month, "YEAR_MONTH_FORMAT")
        total = format_amount(invoice.total)
    notification_queue(
        kind=Notification.Kind.INVOICE_ISSUED,
        recipient=invoice.billing_email,
        context={
            "garage_name": garage.name,
            "number": invoice.number,
            "credit_note": invoice.kind == Invoice.Kind.CREDIT_NOTE,
            "credits_number": invoice.credits.number if invoice.credits else "",
            "month": month,
            "total": total,
            "path": invoice.get_absolute_url(),
        },
        language=language,
    )


def invoice_issue(*, statement: Statement, now) -> Invoice:
    """The invoice of a closed statement (inside the closing transaction)."""
    return _issue(statement=statement, kind=Invoice.Kind.INVOICE, sign=1, now=now)


@transaction.atomic
def credit_note_issue(*, invoice: Invoice, actor, reason: str, now=None) -> Invoice:
    """Reverse an invoice in full with a credit note that refers to it (support, after a
    mistake): the invoice itself is never edited. One credit note per invoice."""
    reason = (reason or "").strip()
    if not reason:
        raise ApplicationError(_("Say why the invoice is credited."), field="reason")
    invoice = (
        Invoice.objects.select_for_update(of=("self",))
        .select_related("statement__garage__account_user", "garage__account_user")
        .get(pk=invoice.pk)
    )
    if invoice.kind != Invoice.Kind.INVOICE:
        raise ApplicationError(_("A credit note cannot be credited."))
    if Invoice.objects.filter(credits=invoice).exists():
        raise ApplicationError(_("This invoice has been credited already."))
    return _issue(
        statement=invoice.statement,
        kind=Invoice.Kind.CREDIT_NOTE,
        sign=-1,
        now=now or timezone.now(),
        credits=invoice,
        reason=reason,
        actor=actor,
    )

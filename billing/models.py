"""What garages pay: tariffs (support writes them), the monthly statement of each garage (the
closing job writes it once, from the month's `insights.MonthlyUsage`), and the invoices and
credit notes made from statements. Money is Decimal, in euros, excluding VAT unless named
otherwise; docs/architecture.md ("Billing") has the rounding rule."""

from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from core.models import TimeStampedModel
from garage.models import Garage

MONEY = {"max_digits": 12, "decimal_places": 2}
UNIT_PRICE = {"max_digits": 10, "decimal_places": 4}


class Tariff(TimeStampedModel):
    """The prices of a period of whole months. The tariff of a month is the one whose period
    holds its first day; a month never has two (checked when support saves one)."""

    name = models.CharField(_("name"), max_length=100)
    valid_from = models.DateField(_("valid from"), help_text=_("The first day of a month."))
    valid_until = models.DateField(
        _("valid until"),
        null=True,
        blank=True,
        help_text=_("The first day of the last month it applies to; empty: until further notice."),
    )
    monthly_minimum = models.DecimalField(_("monthly minimum"), **MONEY, default=0)
    price_active_passport = models.DecimalField(
        _("price per active passport"),
        **UNIT_PRICE,
        help_text=_("Per month, for the first tier; further tiers below."),
    )
    price_transfer_completed = models.DecimalField(
        _("price per completed transfer"), **UNIT_PRICE, default=0
    )
    price_quote_sent = models.DecimalField(_("price per quote sent"), **UNIT_PRICE, default=0)
    price_photo = models.DecimalField(
        _("price per photo beyond the free allowance"), **UNIT_PRICE, default=0
    )
    free_photos = models.PositiveIntegerField(_("free photos per month"), default=0)

    class Meta:
        verbose_name = _("tariff")
        verbose_name_plural = _("tariffs")
        ordering = ["-valid_from"]
        constraints = [
            models.UniqueConstraint(fields=["valid_from"], name="tariff_one_per_start"),
            models.CheckConstraint(condition=Q(valid_from__day=1), name="tariff_from_first_day"),
            models.CheckConstraint(
                condition=Q(valid_until__isnull=True)
                | (Q(valid_until__day=1) & Q(valid_until__gte=F("valid_from"))),
                name="tariff_until_first_day_after_start",
            ),
            models.CheckConstraint(
                condition=Q(monthly_minimum__gte=0)
                & Q(price_active_passport__gte=0)
                & Q(price_transfer_completed__gte=0)
                & Q(price_quote_sent__gte=0)
                & Q(price_photo__gte=0),
                name="tariff_prices_not_negative",
            ),
        ]

    def __str__(self):
        return f"{self.name} ({self.valid_from:%Y-%m})"


class TariffTier(models.Model):
    """A volume tier of the active-passport price: from the `from_quantity`-th passport of a
    month on, each further one costs `price_active_passport` (graduated, like tax brackets)."""

    tariff = models.ForeignKey(
        Tariff, verbose_name=_("tariff"), on_delete=models.CASCADE, related_name="tiers"
    )
    from_quantity = models.PositiveIntegerField(
        _("from passport number"), help_text=_("E.g. 101: the 101st passport and up.")
    )
    price_active_passport = models.DecimalField(_("price per active passport"), **UNIT_PRICE)

    class Meta:
        verbose_name = _("volume tier")
        verbose_name_plural = _("volume tiers")
        ordering = ["tariff", "from_quantity"]
        constraints = [
            models.UniqueConstraint(fields=["tariff", "from_quantity"], name="tier_unique_start"),
            models.CheckConstraint(condition=Q(from_quantity__gte=2), name="tier_starts_above_one"),
            models.CheckConstraint(
                condition=Q(price_active_passport__gte=0), name="tier_price_not_negative"
            ),
        ]

    def __str__(self):
        return f"{self.tariff}: {self.from_quantity}+"


class Statement(models.Model):
    """A garage's closed month: written once, in one transaction with its lines, never edited.
    A mistake is corrected with a credit note on its invoice."""

    garage = models.ForeignKey(
        Garage, verbose_name=_("garage"), on_delete=models.PROTECT, related_name="statements"
    )
    month = models.DateField(_("month"), help_text=_("The first day of the month."))
    tariff = models.ForeignKey(
        Tariff, verbose_name=_("tariff"), on_delete=models.PROTECT, related_name="statements"
    )
    subtotal = models.DecimalField(_("subtotal excl. VAT"), **MONEY)
    vat_rate = models.DecimalField(_("VAT rate (%)"), max_digits=5, decimal_places=2)
    vat_amount = models.DecimalField(_("VAT"), **MONEY)
    total = models.DecimalField(_("total incl. VAT"), **MONEY)
    closed_at = models.DateTimeField(_("closed at"))

    class Meta:
        verbose_name = _("monthly statement")
        verbose_name_plural = _("monthly statements")
        ordering = ["-month", "garage__name"]
        constraints = [
            models.UniqueConstraint(fields=["garage", "month"], name="statement_one_per_month"),
            models.CheckConstraint(condition=Q(month__day=1), name="statement_month_first_day"),
        ]

    def __str__(self):
        return f"{self.garage} {self.month:%Y-%m}"


class LineKind(models.TextChoices):
    ACTIVE_PASSPORTS = "active_passports", _("Active passports")
    TRANSFERS_COMPLETED = "transfers_completed", _("Completed transfers")
    QUOTES_SENT = "quotes_sent", _("Quotes sent")
    PHOTOS = "photos", _("Photos beyond the free allowance")
    MINIMUM = "minimum", _("Top-up to the monthly minimum")


class StatementLine(models.Model):
    statement = models.ForeignKey(
        Statement, verbose_name=_("statement"), on_delete=models.CASCADE, related_name="lines"
    )
    position = models.PositiveSmallIntegerField(_("position"))
    kind = models.CharField(_("kind"), max_length=30, choices=LineKind.choices)
    tier_from = models.PositiveIntegerField(_("tier from"), null=True, blank=True)
    tier_to = models.PositiveIntegerField(_("tier to"), null=True, blank=True)
    quantity = models.PositiveIntegerField(_("quantity"))
    unit_price = models.DecimalField(_("unit price"), **UNIT_PRICE)
    amount = models.DecimalField(_("amount"), **MONEY)

    class Meta:
        verbose_name = _("statement line")
        verbose_name_plural = _("statement lines")
        ordering = ["statement", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["statement", "position"], name="statement_line_unique_position"
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} × {self.quantity}"


class InvoiceCounter(models.Model):
    """The last invoice number given out in a year: locked (SELECT ... FOR UPDATE) by whoever
    issues the next one, in the same transaction as the invoice, so numbers have no gaps."""

    year = models.PositiveSmallIntegerField(_("year"), primary_key=True)
    last_number = models.PositiveIntegerField(_("last number"), default=0)

    class Meta:
        verbose_name = _("invoice counter")
        verbose_name_plural = _("invoice counters")

    def __str__(self):
        return f"{self.year}: {self.last_number}"


class Invoice(models.Model):
    """An invoice of a closed statement, or a credit note that reverses an invoice. Never
    edited: the garage's billing details are copied as they were when it was issued."""

    class Kind(models.TextChoices):
        INVOICE = "invoice", _("Invoice")
        CREDIT_NOTE = "credit_note", _("Credit note")

    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    number = models.CharField(_("number"), max_length=20, unique=True)
    year = models.PositiveSmallIntegerField(_("year"))
    sequence = models.PositiveIntegerField(_("sequence"))
    statement = models.ForeignKey(
        Statement, verbose_name=_("statement"), on_delete=models.PROTECT, related_name="invoices"
    )
    garage = models.ForeignKey(
        Garage, verbose_name=_("garage"), on_delete=models.PROTECT, related_name="invoices"
    )
    credits = models.OneToOneField(
        "self",
        verbose_name=_("credits invoice"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="credit_note",
    )
    reason = models.TextField(_("reason"), blank=True)
    issued_at = models.DateTimeField(_("issued at"))
    issued_by = models.ForeignKey(
        "accounts.User",
        verbose_name=_("issued by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    billing_name = models.CharField(_("name"), max_length=150)
    billing_address = models.CharField(_("address"), max_length=300, blank=True)
    billing_kvk_number = models.CharField(_("KvK number"), max_length=8, blank=True)
    billing_vat_number = models.CharField(_("VAT number"), max_length=14, blank=True)
    billing_email = models.EmailField(_("billing email"))
    subtotal = models.DecimalField(_("subtotal excl. VAT"), **MONEY)
    vat_amount = models.DecimalField(_("VAT"), **MONEY)
    total = models.DecimalField(_("total incl. VAT"), **MONEY)

    class Meta:
        verbose_name = _("invoice")
        verbose_name_plural = _("invoices")
        ordering = ["-year", "-sequence"]
        permissions = [("issue_credit_note", _("Can credit an invoice with a credit note"))]
        constraints = [
            models.UniqueConstraint(fields=["year", "sequence"], name="invoice_number_unique"),
            models.UniqueConstraint(
                fields=["statement"],
                condition=Q(kind="invoice"),
                name="invoice_one_per_statement",
            ),
            models.CheckConstraint(
                condition=Q(kind="invoice", credits__isnull=True)
                | Q(kind="credit_note", credits__isnull=False),
                name="invoice_credit_note_refers",
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} {self.number}"

    def get_absolute_url(self):
        return reverse(
            "billing:invoice_pdf", kwargs={"garage_id": self.garage_id, "invoice_id": self.pk}
        )

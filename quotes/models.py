"""Quotes (offertes) to a car's owner, and work orders for the garage's own stock cars.

A quote is made from a status check (its "now" and "soon" findings pre-filled), edited as a
draft, then sent: from then on it is immutable. A change is a new version that replaces it
when sent; the old one stays, marked replaced. The owner approves (some of) its lines or
declines it in the portal. A work order is the same document for a stock car: the "fix before
delivery" items, issued to the workshop instead of emailed.

Every state change goes through `quotes.services`; the amounts are `Decimal` and their totals
are computed in one place (`quotes.totals`).
"""

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.models import TimeStampedModel
from core.money import cents


class Quote(TimeStampedModel):
    class Kind(models.TextChoices):
        QUOTE = "quote", _("Quote")
        WORK_ORDER = "work_order", _("Work order")

    class State(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SENT = "sent", _("Sent")
        APPROVED = "approved", _("Approved")
        DECLINED = "declined", _("Declined")
        REPLACED = "replaced", _("Replaced")
        # No longer answerable: the garage took it back, or the car's owner changed or left.
        WITHDRAWN = "withdrawn", _("Withdrawn")

    passport = models.ForeignKey(
        "autopaspoort.Passport",
        verbose_name=_("passport"),
        on_delete=models.CASCADE,
        related_name="quotes",
    )
    garage = models.ForeignKey(
        "garage.Garage", verbose_name=_("garage"), on_delete=models.CASCADE, related_name="quotes"
    )
    status_check = models.ForeignKey(
        "autopaspoort.StatusCheck",
        verbose_name=_("status check"),
        on_delete=models.PROTECT,
        related_name="quotes",
    )
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.DRAFT)
    version = models.PositiveSmallIntegerField(_("version"), default=1)
    replaces = models.OneToOneField(
        "self",
        verbose_name=_("replaces"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="replaced_by",
    )
    # The garage's BTW setting when the draft was made: the lines' prices were typed in it, and
    # a sent quote keeps meaning what it said when the garage changes the setting later.
    prices_include_vat = models.BooleanField(_("prices include VAT"))
    valid_until = models.DateField(_("valid until"), null=True, blank=True)
    note = models.TextField(_("note"), blank=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("sent to"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="quotes_received",
        help_text=_("The owner the quote was sent to; only they can answer it."),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("made by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("sent by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)
    decline_reason = models.TextField(_("reason for declining"), blank=True)
    # Written once by the service that sends (totals) or approves (approved_*): a sent quote
    # never changes, so lists and statistics read these instead of summing lines.
    total_excl = models.DecimalField(
        _("total excl. VAT"), max_digits=12, decimal_places=2, default=Decimal("0.00")
    )
    total_incl = models.DecimalField(
        _("total incl. VAT"), max_digits=12, decimal_places=2, default=Decimal("0.00")
    )
    approved_excl = models.DecimalField(
        _("approved excl. VAT"), max_digits=12, decimal_places=2, null=True, blank=True
    )
    approved_incl = models.DecimalField(
        _("approved incl. VAT"), max_digits=12, decimal_places=2, null=True, blank=True
    )

    class Meta:
        verbose_name = _("quote")
        verbose_name_plural = _("quotes")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["garage", "state", "sent_at"], name="quote_garage_state_idx"),
        ]
        constraints = [
            # One draft per car: a second "make a quote" (another tab, a colleague) opens it.
            models.UniqueConstraint(
                fields=["passport"], condition=Q(state="draft"), name="quote_one_draft_per_car"
            ),
            # One quote waiting for the owner: sending another replaces it.
            models.UniqueConstraint(
                fields=["passport"], condition=Q(state="sent"), name="quote_one_open_per_car"
            ),
            models.CheckConstraint(
                condition=Q(state="draft") | Q(sent_at__isnull=False),
                name="quote_sent_has_time",
            ),
            models.CheckConstraint(
                condition=~Q(state__in=["approved", "declined"]) | Q(answered_at__isnull=False),
                name="quote_answered_has_time",
            ),
            models.CheckConstraint(
                condition=Q(kind="work_order") | Q(state="draft") | Q(valid_until__isnull=False),
                name="quote_sent_has_validity",
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} {self.passport} v{self.version}"

    @property
    def is_work_order(self) -> bool:
        return self.kind == self.Kind.WORK_ORDER

    @property
    def is_draft(self) -> bool:
        return self.state == self.State.DRAFT

    @property
    def is_expired(self) -> bool:
        """Sent, unanswered and past its validity date (Amsterdam's date)."""
        return (
            self.state == self.State.SENT
            and self.valid_until is not None
            and self.valid_until < timezone.localdate()
        )

    @property
    def is_open(self) -> bool:
        """Waiting for the owner's answer, and still answerable."""
        return self.state == self.State.SENT and not self.is_work_order and not self.is_expired

    @property
    def shown_state(self) -> str:
        """The state people see: "expired" is a sent quote past its date, not a stored state."""
        return "expired" if self.is_expired else self.state

    @property
    def shown_state_label(self) -> str:
        if self.is_expired:
            return str(_("Expired"))
        if self.is_work_order and self.state == self.State.SENT:
            return str(_("Issued"))
        return str(self.get_state_display())


class QuoteLine(models.Model):
    class Kind(models.TextChoices):
        PART = "part", _("Parts")
        LABOUR = "labour", _("Labour")
        OTHER = "other", _("Other")

    quote = models.ForeignKey(
        Quote, verbose_name=_("quote"), on_delete=models.CASCADE, related_name="lines"
    )
    position = models.PositiveSmallIntegerField(_("position"))
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.OTHER)
    description = models.CharField(_("description"), max_length=200)
    quantity = models.DecimalField(
        _("quantity"), max_digits=7, decimal_places=2, default=Decimal("1")
    )
    unit_price = models.DecimalField(_("unit price (€)"), max_digits=10, decimal_places=2)
    check_item = models.ForeignKey(
        "autopaspoort.StatusCheckItem",
        verbose_name=_("finding"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="quote_lines",
        help_text=_("The status check finding this line fixes (its photos show beside it)."),
    )
    accepted = models.BooleanField(
        _("accepted"), null=True, blank=True, help_text=_("The owner's answer to this line.")
    )

    class Meta:
        verbose_name = _("quote line")
        verbose_name_plural = _("quote lines")
        ordering = ["quote", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["quote", "position"], name="quote_line_unique_position"
            ),
            models.CheckConstraint(condition=Q(quantity__gt=0), name="quote_line_quantity_pos"),
            models.CheckConstraint(
                condition=Q(unit_price__gte=0), name="quote_line_price_not_negative"
            ),
        ]

    def __str__(self):
        return self.description

    @property
    def amount(self) -> Decimal:
        """Quantity x unit price, in cents, as typed (incl. or excl. BTW per the quote)."""
        return cents(self.quantity * self.unit_price)

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from core.models import TimeStampedModel
from core.phones import PhoneModelField


class Transfer(TimeStampedModel):
    """The hand-over of a passport to a new owner, and its record.

    Ownership moves when the transfer is confirmed; the transfer stays `awaiting_activation`
    until the new owner has activated their account (new owner) or accepted the car (existing
    owner). The contact fields are a snapshot of what the garage entered; only support sees the
    previous owner's side of it.
    """

    class State(models.TextChoices):
        AWAITING_ACTIVATION = "awaiting_activation", _("Awaiting activation")
        COMPLETED = "completed", _("Completed")
        # Withdrawn by whoever started it before the new owner accepted: the car went back.
        CANCELLED = "cancelled", _("Cancelled")

    class Via(models.TextChoices):
        GARAGE = "garage", _("Garage")
        FLEET = "fleet", _("Fleet account")
        API = "api", _("GMS API")
        SUPPORT = "support", _("Support")
        OWNER = "owner", _("Owner (private sale)")

    passport = models.ForeignKey(
        "autopaspoort.Passport",
        verbose_name=_("passport"),
        on_delete=models.PROTECT,
        related_name="transfers",
    )
    garage = models.ForeignKey(
        "garage.Garage",
        verbose_name=_("servicing garage"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    previous_owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("previous owner"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    previous_owner_was_garage = models.BooleanField(_("previous owner was the garage"))
    new_owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("new owner"),
        on_delete=models.PROTECT,
        related_name="incoming_transfers",
    )
    new_owner_is_new = models.BooleanField(
        _("new account"), help_text=_("A new account activates; an existing one accepts.")
    )
    name = models.CharField(_("name"), max_length=150, blank=True)
    email = models.EmailField(_("email"))
    street = models.CharField(_("street"), max_length=150, blank=True)
    house_number = models.CharField(_("house number"), max_length=20, blank=True)
    postcode = models.CharField(_("postcode"), max_length=7, blank=True)
    city = models.CharField(_("city"), max_length=100, blank=True)
    phone = PhoneModelField(_("phone"))
    via = models.CharField(_("via"), max_length=10, choices=Via.choices)
    state = models.CharField(
        _("state"), max_length=20, choices=State.choices, default=State.AWAITING_ACTIVATION
    )
    # Why support moved the car (a transfer `via` support always has one).
    reason = models.TextField(_("reason"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("done by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    completed_at = models.DateTimeField(_("completed at"), null=True, blank=True)
    cancelled_at = models.DateTimeField(_("cancelled at"), null=True, blank=True)
    # The owner's contact details as they were before this transfer: a record, read only to
    # give the car back when the transfer is cancelled (`transfer_cancel`).
    previous_contact = models.JSONField(
        _("previous owner's details"), default=dict, db_default={}, blank=True
    )
    notification = models.ForeignKey(
        "notifications.Notification",
        verbose_name=_("latest email to the new owner"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("transfer")
        verbose_name_plural = _("transfers")
        ordering = ["-created_at", "-id"]
        permissions = [
            ("correct_transfer_email", _("Can correct a transferred owner's email")),
            ("transfer_as_support", _("Can transfer a passport to a new owner as support")),
        ]
        indexes = [
            # The dashboard's "sold privately in the last 30 days" (private_sales_recent): a
            # garage's few private sales, not all its transfers (12 ms at 6,000 transfers).
            models.Index(
                fields=["garage", "-created_at"],
                condition=Q(via="owner"),
                name="transfer_private_sale_idx",
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["passport"],
                condition=Q(state="awaiting_activation"),
                name="transfer_one_open_per_passport",
            ),
            models.CheckConstraint(
                condition=~Q(state="completed") | Q(completed_at__isnull=False),
                name="transfer_completed_has_time",
            ),
            models.CheckConstraint(
                condition=~Q(state="cancelled") | Q(cancelled_at__isnull=False),
                name="transfer_cancelled_has_time",
            ),
        ]

    def __str__(self):
        return f"{self.passport} → {self.email} ({self.get_state_display()})"

    @property
    def is_open(self) -> bool:
        return self.state == self.State.AWAITING_ACTIVATION


class EmailCorrection(models.Model):
    """Audit record of a corrected new-owner email (by the garage before activation, or by
    support afterwards): who, when, old → new, why."""

    transfer = models.ForeignKey(
        Transfer, verbose_name=_("transfer"), on_delete=models.CASCADE, related_name="corrections"
    )
    old_email = models.EmailField(_("old email"))
    new_email = models.EmailField(_("new email"))
    reason = models.TextField(_("reason"), blank=True)
    by_support = models.BooleanField(_("by support"), default=False)
    corrected_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("corrected by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("corrected at"), auto_now_add=True)

    class Meta:
        verbose_name = _("email correction")
        verbose_name_plural = _("email corrections")
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.old_email} → {self.new_email}"


class OwnerContactChange(models.Model):
    """Audit record of the garage correcting the current owner's contact details (name,
    address, phone; never the email): who, when, and the changed fields before and after."""

    passport = models.ForeignKey(
        "autopaspoort.Passport",
        verbose_name=_("passport"),
        on_delete=models.CASCADE,
        related_name="contact_changes",
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    before = models.JSONField(_("before"))
    after = models.JSONField(_("after"))
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("changed by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    changed_at = models.DateTimeField(_("changed at"), auto_now_add=True)

    class Meta:
        verbose_name = _("owner contact change")
        verbose_name_plural = _("owner contact changes")
        ordering = ["-changed_at", "-id"]

    def __str__(self):
        return f"{self.passport} {self.changed_at:%Y-%m-%d %H:%M}"

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from core.models import TimeStampedModel


class Promotion(TimeStampedModel):
    """A garage's message to a segment of its customers (active owners of its cars).

    Written as a draft, previewed with the number of owners it reaches, then sent once: sending
    records one `PromotionRecipient` per owner and the outbox delivers in throttled batches.
    """

    class Segment(models.TextChoices):
        ALL = "all", _("All customers")
        APK_DUE = "apk_due", _("APK expires within a number of days")
        MAINTENANCE_DUE = "maintenance_due", _("Maintenance due")
        MAKE = "make", _("Make")
        FUEL = "fuel", _("Fuel")

    class State(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SENT = "sent", _("Sent")

    garage = models.ForeignKey(
        "garage.Garage",
        verbose_name=_("garage"),
        on_delete=models.CASCADE,
        related_name="promotions",
    )
    subject = models.CharField(_("subject"), max_length=150)
    body = models.TextField(_("message"), max_length=5000)
    ends_on = models.DateField(
        _("valid until"),
        null=True,
        blank=True,
        help_text=_("After this day the message can no longer be sent."),
    )
    segment = models.CharField(_("send to"), max_length=20, choices=Segment.choices)
    apk_within_days = models.PositiveSmallIntegerField(
        _("APK within (days)"), null=True, blank=True
    )
    segment_value = models.CharField(
        _("make or fuel"),
        max_length=100,
        blank=True,
        help_text=_("For the make and fuel segments."),
    )
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.DRAFT)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("written by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("sent by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("promotion")
        verbose_name_plural = _("promotions")
        ordering = ["-id"]
        indexes = [models.Index(fields=["garage", "-id"], name="promotion_garage_idx")]
        constraints = [
            models.CheckConstraint(
                condition=~Q(segment="apk_due") | Q(apk_within_days__gte=1),
                name="promotion_apk_segment_has_days",
            ),
            models.CheckConstraint(
                condition=~Q(segment__in=["make", "fuel"]) | ~Q(segment_value=""),
                name="promotion_value_segment_has_value",
            ),
            models.CheckConstraint(
                condition=~Q(state="sent") | Q(sent_at__isnull=False),
                name="promotion_sent_has_sent_at",
            ),
        ]

    def __str__(self):
        return self.subject

    def get_absolute_url(self):
        return reverse(
            "promotions:detail", kwargs={"garage_id": self.garage_id, "promotion_id": self.pk}
        )

    @property
    def is_draft(self) -> bool:
        return self.state == self.State.DRAFT

    def segment_description(self) -> str:
        """Who the message is for, in words (for the garage's pages)."""
        if self.segment == self.Segment.APK_DUE:
            return ngettext(
                "Customers whose APK expires within %(days)s day",
                "Customers whose APK expires within %(days)s days",
                self.apk_within_days or 0,
            ) % {"days": self.apk_within_days}
        if self.segment == self.Segment.MAINTENANCE_DUE:
            return gettext("Customers whose car is due for maintenance")
        if self.segment == self.Segment.MAKE:
            return gettext("Customers with a %(make)s") % {"make": self.segment_value}
        if self.segment == self.Segment.FUEL:
            return gettext("Customers whose car runs on %(fuel)s") % {"fuel": self.segment_value}
        return gettext("All customers")

    def has_ended(self, today) -> bool:
        return self.ends_on is not None and self.ends_on < today


class PromotionRecipient(models.Model):
    """One owner a promotion goes to (once, however many of the garage's cars they own), and
    the email that carries it. Written when the promotion is sent; the email by its batch."""

    promotion = models.ForeignKey(
        Promotion,
        verbose_name=_("promotion"),
        on_delete=models.CASCADE,
        related_name="recipients",
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        on_delete=models.CASCADE,
        related_name="+",
    )
    notification = models.OneToOneField(
        "notifications.Notification",
        verbose_name=_("email"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    skipped = models.BooleanField(
        _("skipped"),
        default=False,
        help_text=_("The owner switched promotions off before their batch went out."),
    )

    class Meta:
        verbose_name = _("promotion recipient")
        verbose_name_plural = _("promotion recipients")
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(
                fields=["promotion", "user"], name="promotion_recipient_once_per_owner"
            ),
        ]

    def __str__(self):
        return f"{self.promotion} → {self.user}"

from django.db import models
from django.utils.translation import gettext_lazy as _


class ReminderSent(models.Model):
    """One reminder for one due event of a car, sent to one address: the record that makes the
    job send it once however often it runs. A new owner is a new recipient, so a car that
    changes hands mid-way reminds its new owner of the same event."""

    class Kind(models.TextChoices):
        APK_6_WEEKS = "apk_6_weeks", _("APK expires within 6 weeks")
        APK_1_WEEK = "apk_1_week", _("APK expires within 1 week")
        MAINTENANCE_DATE = "maintenance_date", _("Maintenance due by date")
        MAINTENANCE_KM = "maintenance_km", _("Maintenance due by mileage")

    passport = models.ForeignKey(
        "autopaspoort.Passport",
        verbose_name=_("passport"),
        on_delete=models.CASCADE,
        related_name="reminders_sent",
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    due_key = models.CharField(
        _("due event"),
        max_length=50,
        help_text=_("Which event: the APK date, or the id of the last maintenance entry."),
    )
    recipient = models.EmailField(_("recipient"))
    notification = models.ForeignKey(
        "notifications.Notification",
        verbose_name=_("email"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("sent at"), auto_now_add=True)

    class Meta:
        verbose_name = _("reminder sent")
        verbose_name_plural = _("reminders sent")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["passport", "kind", "due_key", "recipient"],
                name="reminder_once_per_event_and_recipient",
            ),
        ]

    def __str__(self):
        return f"{self.passport} {self.get_kind_display()} → {self.recipient}"

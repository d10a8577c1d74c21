from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.models import TimeStampedModel


class Topic(models.TextChoices):
    """What an unsubscribe link or a contact preference is about."""

    REMINDERS = "reminders", _("APK, maintenance and recall reminders")
    PROMOTIONS = "promotions", _("Messages and offers from the garage")
    CHECK_REPORTS = "check_reports", _("Reports of status checks of my car")


class Notification(TimeStampedModel):
    """One email in the outbox: written in the business transaction, delivered by a task."""

    class Kind(models.TextChoices):
        PASSWORD_RESET = "password_reset", _("Password reset")
        STAFF_INVITE = "staff_invite", _("Staff invitation (set password)")
        STAFF_ADDED = "staff_added", _("Added to a garage")
        LOGIN_EMAIL_CHANGED_OLD = "login_email_changed_old", _("Login email changed (old address)")
        LOGIN_EMAIL_CHANGED_NEW = "login_email_changed_new", _("Login email changed (new address)")
        OWNER_ACTIVATION = "owner_activation", _("New owner: activate account")
        CAR_ADDED = "car_added", _("Existing owner: a car was added")
        TRANSFER_RECEIPT = "transfer_receipt", _("Previous owner: transfer receipt")
        FLEET_INVITE = "fleet_invite", _("Fleet manager invitation (set password)")
        FLEET_ADDED = "fleet_added", _("Added as fleet manager")
        REMINDER_APK = "reminder_apk", _("Reminder: APK due")
        REMINDER_MAINTENANCE = "reminder_maintenance", _("Reminder: maintenance due")
        APPOINTMENT_REQUESTED = "appointment_requested", _("Appointment requested (garage)")
        APPOINTMENT_ANSWERED = "appointment_answered", _("Appointment answered (owner)")
        PROMOTION = "promotion", _("Promotion from the garage")
        GARAGE_PRIVATE_SALE = (
            "garage_private_sale",
            _("Garage: a car was transferred privately"),
        )
        TRANSFER_CANCELLED = "transfer_cancelled", _("New owner: the transfer was cancelled")
        FLEET_LINK_REQUEST = (
            "fleet_link_request",
            _("Owner: a garage asks to add the car to a fleet"),
        )
        GARAGE_MOVE_REQUEST = (
            "garage_move_request",
            _("Owner: another garage asks to service the car"),
        )
        CHECK_RECORDED = "check_recorded", _("Owner: a status check of the car was recorded")
        GARAGE_MOVE_ANSWERED = (
            "garage_move_answered",
            _("Garage: the owner answered its request to service a car"),
        )
        OWNER_LEFT = "owner_left", _("Garage: a car's owner deleted their account")
        RECALL_OPEN = "recall_open", _("Owner: the RDW lists an open recall for the car")
        QUOTE_SENT = "quote_sent", _("Owner: a quote from the garage")
        QUOTE_ANSWERED = "quote_answered", _("Garage: the owner approved or declined a quote")
        INVOICE_ISSUED = "invoice_issued", _("Garage: an invoice or credit note from AutoPaspoort")

    class State(models.TextChoices):
        PENDING = "pending", _("Pending")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")
        CANCELLED = "cancelled", _("Cancelled")

    kind = models.CharField(_("kind"), max_length=50, choices=Kind.choices)
    recipient = models.EmailField(_("recipient"))
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="notifications",
        help_text=_("The person the email is about or for, if they have an account."),
    )
    template = models.CharField(
        _("template"),
        max_length=100,
        help_text=_("Base name of the email's templates under templates/notifications/."),
    )
    context = models.JSONField(_("context"), default=dict, blank=True)
    language = models.CharField(_("language"), max_length=8, default=settings.LANGUAGE_CODE)
    state = models.CharField(
        _("state"), max_length=10, choices=State.choices, default=State.PENDING
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    last_error = models.TextField(_("last error"), blank=True)
    next_attempt_at = models.DateTimeField(
        _("next attempt at"),
        default=timezone.now,
        help_text=_("The outbox sweep re-enqueues pending rows whose time has long passed."),
    )
    retry_failed = models.BooleanField(
        _("retry after failing"),
        default=False,
        help_text=_(
            "Failed for a passing reason (no answer, a 4xx reply): the outbox sweep tries "
            "again after a long pause. Never set for a permanent refusal."
        ),
    )
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    provider_message_id = models.CharField(_("provider message id"), max_length=255, blank=True)
    resent_from = models.ForeignKey(
        "self",
        verbose_name=_("resent from"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="resends",
    )

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at"]
        permissions = [("resend_notification", _("Can resend a notification"))]
        indexes = [
            # The sweep's query: pending rows by due time.
            models.Index(
                fields=["next_attempt_at"],
                name="notif_pending_due_idx",
                condition=models.Q(state="pending"),
            ),
            models.Index(fields=["recipient"], name="notif_recipient_idx"),
            # The sweep's second query: failed rows that may be tried again, by due time.
            models.Index(
                fields=["next_attempt_at"],
                name="notif_failed_retry_idx",
                condition=models.Q(state="failed", retry_failed=True),
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(state="sent") | models.Q(sent_at__isnull=False),
                name="notif_sent_has_sent_at",
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} → {self.recipient} ({self.get_state_display()})"


class EmailOptOut(models.Model):
    """An address without an account (a fleet car's driver) that switched a topic off from the
    link in an email. People with an account switch it off on their `User` instead."""

    email = models.EmailField(_("email"))
    topic = models.CharField(_("topic"), max_length=20, choices=Topic.choices)
    created_at = models.DateTimeField(_("opted out at"), auto_now_add=True)

    class Meta:
        db_table = "reminders_emailoptout"  # made by the reminders app, moved without its data
        verbose_name = _("email opt-out")
        verbose_name_plural = _("email opt-outs")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["email", "topic"], name="email_opt_out_unique"),
        ]

    def __str__(self):
        return f"{self.email} ({self.get_topic_display()})"

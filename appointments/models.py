from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from appointments import catalogue
from core.models import TimeStampedModel

OPEN_STATES = ("requested", "proposed")


class PartOfDay(models.TextChoices):
    MORNING = "morning", _("Morning")
    AFTERNOON = "afternoon", _("Afternoon")


class Appointment(TimeStampedModel):
    """An owner's request to the servicing garage for a visit, and what came of it.

    `requested` waits for the garage; the garage accepts one of the owner's preferred slots
    (`confirmed`) or proposes another (`proposed`, waiting for the owner, who accepts it or
    cancels). `planned_date`/`planned_part_of_day` hold the accepted or proposed slot. The row is
    its own record: who asked, who answered and when.
    """

    class State(models.TextChoices):
        REQUESTED = "requested", _("Requested")
        PROPOSED = "proposed", _("Other time proposed")
        CONFIRMED = "confirmed", _("Confirmed")
        CANCELLED = "cancelled", _("Cancelled")

    class Reason(models.TextChoices):
        MAINTENANCE = "maintenance", _("Maintenance")
        APK = "apk", _("APK (MOT)")
        REPAIR = "repair", _("Repair")
        WARNING_LIGHT = "warning_light", _("Warning light")
        QUOTE = "quote", _("Approved quote")
        OTHER = "other", _("Other")

    passport = models.ForeignKey(
        "autopaspoort.Passport",
        verbose_name=_("passport"),
        on_delete=models.CASCADE,
        related_name="appointments",
    )
    garage = models.ForeignKey(
        "garage.Garage",
        verbose_name=_("garage"),
        on_delete=models.CASCADE,
        related_name="appointments",
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("requested by"),
        on_delete=models.CASCADE,
        related_name="appointment_requests",
    )
    reason = models.CharField(_("reason"), max_length=20, choices=Reason.choices)
    warning_light = models.CharField(
        _("warning light"),
        max_length=40,
        blank=True,
        help_text=_("Code of the warning light in the catalogue, if the owner named one."),
    )
    note = models.TextField(_("note"), blank=True)
    quote = models.ForeignKey(
        "quotes.Quote",
        verbose_name=_("approved quote"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="appointments",
        help_text=_("The quote whose approved lines this visit is for."),
    )
    state = models.CharField(
        _("state"), max_length=10, choices=State.choices, default=State.REQUESTED
    )
    planned_date = models.DateField(_("planned date"), null=True, blank=True)
    planned_part_of_day = models.CharField(
        _("planned part of day"), max_length=10, choices=PartOfDay.choices, blank=True
    )
    garage_message = models.TextField(_("message from the garage"), blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("answered by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)
    confirmed_at = models.DateTimeField(_("confirmed at"), null=True, blank=True)
    cancelled_at = models.DateTimeField(_("cancelled at"), null=True, blank=True)

    class Meta:
        verbose_name = _("appointment")
        verbose_name_plural = _("appointments")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["garage", "state", "created_at"], name="appointment_garage_idx"),
        ]
        constraints = [
            # A double submit (or two tabs) must not ask the garage twice for the same car.
            models.UniqueConstraint(
                fields=["passport"],
                condition=Q(state__in=OPEN_STATES),
                name="appointment_one_open_per_passport",
            ),
            models.CheckConstraint(
                condition=Q(state="requested")
                | Q(state="cancelled")
                | Q(planned_date__isnull=False, answered_at__isnull=False),
                name="appointment_answered_has_slot",
            ),
            models.CheckConstraint(
                condition=~Q(state="confirmed") | Q(confirmed_at__isnull=False),
                name="appointment_confirmed_has_time",
            ),
        ]

    def __str__(self):
        return f"{self.passport} · {self.get_reason_display()} ({self.get_state_display()})"

    @property
    def is_open(self) -> bool:
        return self.state in OPEN_STATES

    @property
    def light(self):
        """The named warning light from the catalogue (or None); `light.text.name` is its name
        in the active language."""
        return catalogue.light_get(self.warning_light) if self.warning_light else None


class AppointmentSlot(models.Model):
    """One of the (at most three) times the owner would like to come, in order of preference."""

    appointment = models.ForeignKey(
        Appointment,
        verbose_name=_("appointment"),
        on_delete=models.CASCADE,
        related_name="slots",
    )
    position = models.PositiveSmallIntegerField(_("preference"))
    date = models.DateField(_("date"))
    part_of_day = models.CharField(_("part of day"), max_length=10, choices=PartOfDay.choices)

    class Meta:
        verbose_name = _("preferred time")
        verbose_name_plural = _("preferred times")
        ordering = ["appointment", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["appointment", "position"], name="appointment_slot_unique_position"
            ),
            models.UniqueConstraint(
                fields=["appointment", "date", "part_of_day"], name="appointment_slot_unique_time"
            ),
        ]

    def __str__(self):
        return f"{self.date:%Y-%m-%d} {self.get_part_of_day_display()}"


class GarageLightAdvice(TimeStampedModel):
    """A garage's own advice on one warning light of the catalogue, shown to its customers
    under the catalogue's text."""

    garage = models.ForeignKey(
        "garage.Garage",
        verbose_name=_("garage"),
        on_delete=models.CASCADE,
        related_name="light_advice",
    )
    light_code = models.CharField(_("warning light"), max_length=40)
    text = models.TextField(_("advice"))
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("updated by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("garage advice on a warning light")
        verbose_name_plural = _("garage advice on warning lights")
        ordering = ["garage", "light_code"]
        constraints = [
            models.UniqueConstraint(
                fields=["garage", "light_code"], name="light_advice_one_per_garage"
            ),
            models.CheckConstraint(condition=~Q(text=""), name="light_advice_not_empty"),
        ]

    def __str__(self):
        return f"{self.garage} · {self.light_code}"

    @property
    def light(self):
        return catalogue.light_get(self.light_code)

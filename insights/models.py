from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from garage.models import Garage


class MonthlyUsage(models.Model):
    """What a garage's customers used in one calendar month: the basis of its invoice.

    Written only by `insights.services.monthly_usage_record`, once the month is over; a row is
    final from then on (support can have it recomputed after repairing data).
    """

    garage = models.ForeignKey(
        Garage, verbose_name=_("garage"), on_delete=models.PROTECT, related_name="monthly_usage"
    )
    month = models.DateField(_("month"), help_text=_("The first day of the month."))
    active_passports = models.PositiveIntegerField(
        _("active passports"),
        help_text=_(
            "Customer passports with an activated owner at the end of the month's last day."
        ),
    )
    passports_created = models.PositiveIntegerField(_("passports created"))
    transfers_completed = models.PositiveIntegerField(
        _("transfers completed"),
        help_text=_(
            "Transfers to a customer that the new owner activated or accepted in the month "
            "(trade-ins into the garage's own stock are not counted)."
        ),
    )
    quotes_sent = models.PositiveIntegerField(
        _("quotes sent"),
        default=0,
        help_text=_(
            "Quotes sent to owners in the month, each new version counted (work orders for "
            "the garage's own stock cars are not counted)."
        ),
    )
    photos_added = models.PositiveIntegerField(
        _("photos added"),
        default=0,
        help_text=_("Check photos uploaded in the month and not deleted by support."),
    )
    computed_at = models.DateTimeField(_("computed at"))

    class Meta:
        verbose_name = _("monthly usage")
        verbose_name_plural = _("monthly usage")
        ordering = ["-month", "garage__name"]
        constraints = [
            models.UniqueConstraint(fields=["garage", "month"], name="usage_one_per_garage_month"),
            models.CheckConstraint(condition=Q(month__day=1), name="usage_month_is_first_day"),
        ]

    def __str__(self):
        return f"{self.garage} {self.month:%Y-%m}"

from django.db import models
from django.utils.translation import gettext_lazy as _

from core.models import TimeStampedModel


class FleetAccount(TimeStampedModel):
    """A business customer's fleet (wagenpark), or a garage's own stock fleet.

    Minimal for now: transfers need to know that a car is fleet-linked (such a car is handed
    over by the fleet, not by the garage). The fleet issue adds managers, linking and the
    dashboard.
    """

    class Kind(models.TextChoices):
        BUSINESS = "business", _("Business customer")
        STOCK = "stock", _("Garage stock fleet")

    name = models.CharField(_("name"), max_length=150)
    email = models.EmailField(_("account email"))
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.BUSINESS)

    class Meta:
        verbose_name = _("fleet account")
        verbose_name_plural = _("fleet accounts")
        ordering = ["name"]

    def __str__(self):
        return self.name

from django.db import models
from django.utils.translation import gettext_lazy as _

from network.bands import Level


class NetworkFigure(models.Model):
    """The network's published figures for one cell (level, make, model, fuel, age band,
    mileage band), written only by `network.services.network_figures_compute` (nightly).

    Each figure carries the number of cars behind it; a figure that does not meet the
    publication rule (`network.bands`) is NULL, and a cell with no published figure is not
    stored at all. The pages read this table only (one index probe per car).
    """

    computed_on = models.DateField(_("computed on"))
    level = models.CharField(_("level"), max_length=10, choices=Level.CHOICES)
    make = models.CharField(_("make"), max_length=100, blank=True)
    model = models.CharField(_("model"), max_length=100, blank=True)
    fuel = models.CharField(_("fuel"), max_length=100)
    age_band = models.CharField(_("age band"), max_length=8)
    km_band = models.CharField(_("mileage band"), max_length=10)
    cars = models.PositiveIntegerField(_("cars"))
    garages = models.PositiveIntegerField(_("garages"))
    # Workshop costs over the last 12 months, of cars with at least 12 months of history.
    cost_cars = models.PositiveIntegerField(_("cars behind the costs"), default=0)
    cost_p25 = models.DecimalField(max_digits=10, decimal_places=2, null=True, blank=True)
    cost_median = models.DecimalField(max_digits=10, decimal_places=2, null=True, blank=True)
    cost_p75 = models.DecimalField(max_digits=10, decimal_places=2, null=True, blank=True)
    # The typical interval between services: the median of each car's own median interval.
    interval_cars = models.PositiveIntegerField(_("cars behind the interval"), default=0)
    interval_months = models.DecimalField(max_digits=5, decimal_places=1, null=True, blank=True)
    interval_km = models.PositiveIntegerField(null=True, blank=True)
    # The share of cars whose latest check found a component group needing work now.
    checked_cars = models.PositiveIntegerField(_("cars behind the findings"), default=0)
    findings = models.JSONField(_("share with a 'now' finding"), default=dict, blank=True)

    class Meta:
        verbose_name = _("network figure")
        verbose_name_plural = _("network figures")
        constraints = [
            models.UniqueConstraint(
                fields=["level", "make", "model", "fuel", "age_band", "km_band"],
                name="network_figure_one_per_cell",
            ),
        ]

    def __str__(self):
        return " · ".join(
            part for part in (self.make, self.model, self.fuel, self.age_band, self.km_band) if part
        )

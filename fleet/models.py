from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from core.models import TimeStampedModel
from core.phones import PhoneModelField
from core.validators import validate_kvk_number


class FleetAccount(TimeStampedModel):
    """A business customer's fleet (wagenpark), or a garage's own stock fleet.

    While a car is linked to a fleet, the fleet is its owner: the fleet's managers see it, edit
    its driver and hand it over when it leaves; the garage services it but cannot transfer it.
    """

    class Kind(models.TextChoices):
        BUSINESS = "business", _("Business customer")
        STOCK = "stock", _("Garage stock fleet")

    name = models.CharField(_("name"), max_length=150)
    email = models.EmailField(_("account email"))
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.BUSINESS)
    kvk_number = models.CharField(
        _("KvK number"), max_length=8, blank=True, validators=[validate_kvk_number]
    )
    garages = models.ManyToManyField(
        "garage.Garage",
        verbose_name=_("servicing garages"),
        related_name="serviced_fleets",
        blank=True,
    )
    stock_of = models.OneToOneField(
        "garage.Garage",
        verbose_name=_("stock fleet of"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="stock_fleet",
    )

    class Meta:
        verbose_name = _("fleet account")
        verbose_name_plural = _("fleet accounts")
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind="stock", stock_of__isnull=False)
                | Q(kind="business", stock_of__isnull=True),
                name="fleet_stock_has_garage",
            ),
        ]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("fleet:dashboard", kwargs={"fleet_id": self.pk})


class FleetMembership(TimeStampedModel):
    """A fleet manager: one login can also be an owner and garage staff."""

    fleet = models.ForeignKey(
        FleetAccount, verbose_name=_("fleet"), on_delete=models.CASCADE, related_name="memberships"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="fleet_memberships",
    )
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("invited by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("fleet manager")
        verbose_name_plural = _("fleet managers")
        constraints = [
            models.UniqueConstraint(fields=["fleet", "user"], name="fleet_membership_unique"),
        ]

    def __str__(self):
        return f"{self.user} @ {self.fleet}"


class FleetLink(models.Model):
    """A period a car spent in a fleet: who linked it when, who unlinked it when."""

    passport = models.ForeignKey(
        "autopaspoort.Passport",
        verbose_name=_("passport"),
        on_delete=models.CASCADE,
        related_name="fleet_links",
    )
    fleet = models.ForeignKey(
        FleetAccount, verbose_name=_("fleet"), on_delete=models.PROTECT, related_name="links"
    )
    linked_at = models.DateTimeField(_("linked at"), auto_now_add=True)
    linked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("linked by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    unlinked_at = models.DateTimeField(_("unlinked at"), null=True, blank=True)
    unlinked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("unlinked by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    # The driver the fleet had set when the period ended: the driver belongs to the fleet's
    # period, so the car's next fleet starts without one and this fleet keeps its own record.
    driver_name = models.CharField(_("driver name"), max_length=150, blank=True)
    driver_email = models.EmailField(_("driver email"), blank=True)
    driver_phone = PhoneModelField(_("driver phone"))

    class Meta:
        verbose_name = _("fleet link")
        verbose_name_plural = _("fleet links")
        ordering = ["-linked_at", "-id"]
        permissions = [("unlink_fleetlink", _("Can unlink a car from its fleet"))]
        constraints = [
            models.UniqueConstraint(
                fields=["passport"],
                condition=Q(unlinked_at__isnull=True),
                name="fleet_link_one_open_per_passport",
            ),
        ]

    def __str__(self):
        return f"{self.passport} in {self.fleet}"


class FleetLinkRequest(models.Model):
    """A garage asks a private owner to let their car join a fleet: a person's car never enters
    a fleet without that person's consent. The owner accepts or declines in the portal."""

    class State(models.TextChoices):
        PENDING = "pending", _("Waiting for the owner")
        ACCEPTED = "accepted", _("Accepted")
        DECLINED = "declined", _("Declined")
        CANCELLED = "cancelled", _("Cancelled")

    passport = models.ForeignKey(
        "autopaspoort.Passport",
        verbose_name=_("passport"),
        on_delete=models.CASCADE,
        related_name="fleet_link_requests",
    )
    fleet = models.ForeignKey(
        FleetAccount, verbose_name=_("fleet"), on_delete=models.CASCADE, related_name="+"
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        on_delete=models.CASCADE,
        related_name="+",
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("requested by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    state = models.CharField(
        _("state"), max_length=20, choices=State.choices, default=State.PENDING
    )
    requested_at = models.DateTimeField(_("requested at"), auto_now_add=True)
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)

    class Meta:
        verbose_name = _("fleet link request")
        verbose_name_plural = _("fleet link requests")
        ordering = ["-requested_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["passport"],
                condition=Q(state="pending"),
                name="fleet_link_request_one_pending_per_passport",
            ),
        ]

    def __str__(self):
        return f"{self.passport} → {self.fleet}"

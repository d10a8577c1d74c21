from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from core.models import TimeStampedModel
from core.phones import PhoneModelField
from core.validators import validate_kvk_number, validate_postcode, validate_vat_number


class Garage(TimeStampedModel):
    """A garage account (tenant). Its account email is the login of `account_user`.

    The email lives in one place, the user's login, so "the garage's email" and "the login" can
    never disagree (docs/product.md rule 2); `Garage.email` reads it.
    """

    name = models.CharField(_("name"), max_length=150)
    account_user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("account login"),
        on_delete=models.PROTECT,
        related_name="account_garage",
    )
    phone = PhoneModelField(_("phone"))
    street = models.CharField(_("street"), max_length=150, blank=True)
    house_number = models.CharField(_("house number"), max_length=20, blank=True)
    postcode = models.CharField(
        _("postcode"), max_length=7, blank=True, validators=[validate_postcode]
    )
    city = models.CharField(_("city"), max_length=100, blank=True)
    kvk_number = models.CharField(
        _("KvK number"), max_length=8, blank=True, validators=[validate_kvk_number]
    )
    # Billing details: what AutoPaspoort's invoices to the garage show and where they go.
    vat_number = models.CharField(
        _("VAT number"), max_length=14, blank=True, validators=[validate_vat_number]
    )
    billing_email = models.EmailField(
        _("billing email"),
        blank=True,
        help_text=_("Invoices are emailed here; empty: to the account email."),
    )
    # How the garage types and shows its prices; `core.vat.vat_split` does the arithmetic.
    prices_include_vat = models.BooleanField(
        _("prices include VAT"),
        default=True,
        help_text=_("Amounts are typed and shown including 21 % VAT (btw); off: excluding."),
    )

    class Meta:
        verbose_name = _("garage")
        verbose_name_plural = _("garages")
        ordering = ["name"]

    def __str__(self):
        return self.name

    @property
    def email(self) -> str:
        return self.account_user.email

    @property
    def invoice_email(self) -> str:
        return self.billing_email or self.email

    def get_absolute_url(self):
        return reverse("garage:dashboard", kwargs={"garage_id": self.pk})


class Membership(TimeStampedModel):
    """A person working at a garage, with the role that decides what they may do there."""

    class Role(models.TextChoices):
        ADMIN = "admin", _("Administrator")
        SALES = "sales", _("Sales")
        MECHANIC = "mechanic", _("Mechanic")

    garage = models.ForeignKey(
        Garage, verbose_name=_("garage"), on_delete=models.CASCADE, related_name="memberships"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="garage_memberships",
    )
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("invited by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("staff membership")
        verbose_name_plural = _("staff memberships")
        ordering = ["garage", "user__email"]
        constraints = [
            models.UniqueConstraint(fields=["garage", "user"], name="membership_unique_per_garage"),
        ]

    def __str__(self):
        return f"{self.user} @ {self.garage} ({self.get_role_display()})"

    @property
    def is_admin(self) -> bool:
        return self.role == self.Role.ADMIN


class ApiToken(TimeStampedModel):
    """A GMS's key to the garage's data over the API. Only a hash is stored: the token itself
    is shown once, when it is made."""

    garage = models.ForeignKey(
        Garage, verbose_name=_("garage"), on_delete=models.CASCADE, related_name="api_tokens"
    )
    name = models.CharField(_("name"), max_length=100)
    token_hash = models.CharField(_("token hash"), max_length=64, unique=True)
    prefix = models.CharField(_("starts with"), max_length=12)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")
        ordering = ["-created_at"]
        permissions = [("revoke_apitoken", _("Can revoke any garage's API token"))]

    def __str__(self):
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None

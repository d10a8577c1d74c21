from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from autopaspoort.models import Passport

DEFAULT_DAYS = 30
MAX_DAYS = 90


class ShareLinkQuerySet(models.QuerySet):
    def active(self):
        return self.filter(revoked_at__isnull=True, expires_at__gt=timezone.now())


class ShareLink(models.Model):
    """A public, read-only view of a passport for a buyer: anyone with the token may look
    until it expires or is revoked. The token is the only authorisation, so it is long and
    random (`secrets.token_urlsafe(32)`, 256 bits)."""

    class For(models.TextChoices):
        OWNER = "owner", _("Owner")
        GARAGE = "garage", _("Garage")

    passport = models.ForeignKey(
        Passport,
        verbose_name=_("passport"),
        on_delete=models.CASCADE,
        related_name="share_links",
    )
    token = models.CharField(_("token"), max_length=64, unique=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_for = models.CharField(_("created for"), max_length=10, choices=For.choices)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    expires_at = models.DateTimeField(_("expires at"))
    show_costs = models.BooleanField(_("show costs"), default=False)
    # The photos of the current owner's period, on the page only (sharing.selectors.
    # share_link_photos); the PDF never has them.
    include_photos = models.BooleanField(_("include photos"), default=False)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    view_count = models.PositiveIntegerField(_("views"), default=0)
    last_viewed_at = models.DateTimeField(_("last viewed at"), null=True, blank=True)

    objects = ShareLinkQuerySet.as_manager()

    class Meta:
        verbose_name = _("share link")
        verbose_name_plural = _("share links")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(
                fields=["passport", "-created_at"],
                condition=Q(revoked_at__isnull=True),
                name="sharelink_open_idx",
            )
        ]

    def __str__(self):
        return f"{self.passport} {self.created_at:%Y-%m-%d}"

    @property
    def is_usable(self) -> bool:
        return self.revoked_at is None and self.expires_at > timezone.now()


class PassportDocument(models.Model):
    """One PDF as it was made: its verification code and what it showed (plate and odometer
    readings). /verify/ shows this snapshot, so a PDF edited afterwards is caught."""

    passport = models.ForeignKey(
        Passport,
        verbose_name=_("passport"),
        on_delete=models.CASCADE,
        related_name="documents",
    )
    share_link = models.ForeignKey(
        ShareLink,
        verbose_name=_("share link"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="documents",
    )
    # 12 characters of Crockford's base32 in groups of four (XXXX-XXXX-XXXX): 60 random bits,
    # typed by a person from paper without the look-alikes I, L, O and U.
    code = models.CharField(_("verification code"), max_length=14, unique=True)
    made_at = models.DateTimeField(_("made at"), auto_now_add=True)
    language = models.CharField(_("language"), max_length=10)
    snapshot = models.JSONField(_("snapshot"))

    class Meta:
        verbose_name = _("passport document")
        verbose_name_plural = _("passport documents")
        ordering = ["-made_at", "-id"]

    def __str__(self):
        return self.code

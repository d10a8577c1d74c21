from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.models import PermissionsMixin
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.emails import normalize_email


class UserManager(BaseUserManager):
    use_in_migrations = True

    def get_by_natural_key(self, email):
        # Login is case-insensitive because the stored form is normalised.
        return self.get(email=normalize_email(email))

    def create_user(self, email, password=None, **extra_fields):
        if not email:
            raise ValueError("A user needs an email address.")
        user = self.model(email=normalize_email(email), **extra_fields)
        user.set_password(password)  # None -> unusable: the user sets one from an email link
        user.save(using=self._db)
        return user

    def create_superuser(self, email, password=None, **extra_fields):
        extra_fields.setdefault("is_staff", True)
        extra_fields.setdefault("is_superuser", True)
        return self.create_user(email, password, **extra_fields)


class User(AbstractBaseUser, PermissionsMixin):
    """A person. The email address is the login; there is no username."""

    email = models.EmailField(_("email address"), unique=True)
    full_name = models.CharField(_("name"), max_length=150, blank=True)
    language = models.CharField(
        _("language"),
        max_length=8,
        choices=settings.LANGUAGES,
        default=settings.LANGUAGE_CODE,
        help_text=_("Language of the emails this person receives."),
    )
    reminders_enabled = models.BooleanField(
        _("reminders"), default=True, help_text=_("APK and maintenance reminders by email.")
    )
    promotions_enabled = models.BooleanField(
        _("promotions"), default=True, help_text=_("Messages and offers from the garage.")
    )
    check_reports_enabled = models.BooleanField(
        _("check reports"),
        default=True,
        help_text=_("An email when a garage records a status check of their car."),
    )
    is_active = models.BooleanField(_("active"), default=True)
    is_staff = models.BooleanField(
        _("support staff"),
        default=False,
        help_text=_("May log into the admin site (with the permissions of their groups)."),
    )
    date_joined = models.DateTimeField(_("date joined"), default=timezone.now)

    objects = UserManager()

    EMAIL_FIELD = "email"
    USERNAME_FIELD = "email"
    REQUIRED_FIELDS = []

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        constraints = [
            models.UniqueConstraint(Lower("email"), name="accounts_user_email_ci_unique"),
        ]

    def __str__(self):
        return self.email

    def clean(self):
        super().clean()
        self.email = normalize_email(self.email)

    def get_full_name(self):
        return self.full_name or self.email

    def get_short_name(self):
        return self.full_name.split(" ")[0] if self.full_name else self.email


class PrivacyEvent(models.Model):
    """Audit record of an owner's AVG request: a download of their data or the deletion of
    their account. Who (the account, kept anonymised after a deletion) and when; no copy of
    any personal data."""

    class Kind(models.TextChoices):
        DATA_EXPORT = "data_export", _("Downloaded their data")
        ACCOUNT_DELETED = "account_deleted", _("Deleted their account")

    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("account"),
        on_delete=models.PROTECT,
        related_name="privacy_events",
    )
    created_at = models.DateTimeField(_("at"), auto_now_add=True)

    class Meta:
        verbose_name = _("privacy request")
        verbose_name_plural = _("privacy requests")
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return f"{self.get_kind_display()} #{self.user_id} {self.created_at:%Y-%m-%d %H:%M}"

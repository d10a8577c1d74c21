from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class LegalPage(models.Model):
    """The privacy statement or the terms of use in one language, written in the admin. A page
    without a row shows the text that ships with the code (templates/legal/default_*.html)."""

    class Kind(models.TextChoices):
        PRIVACY = "privacy", _("Privacy statement")
        TERMS = "terms", _("Terms of use")

    kind = models.CharField(_("page"), max_length=10, choices=Kind.choices)
    language = models.CharField(_("language"), max_length=8, choices=settings.LANGUAGES)
    title = models.CharField(_("title"), max_length=150)
    body = models.TextField(
        _("text"),
        help_text=_(
            "Plain text: an empty line starts a new paragraph. Web addresses and email "
            "addresses become links."
        ),
    )
    updated_at = models.DateTimeField(
        _("last changed"), auto_now=True, help_text=_("Shown on the page as “last changed”.")
    )

    class Meta:
        verbose_name = _("legal page")
        verbose_name_plural = _("legal pages")
        ordering = ["kind", "language"]
        constraints = [
            models.UniqueConstraint(fields=["kind", "language"], name="legal_page_one_per_language")
        ]

    def __str__(self):
        return f"{self.get_kind_display()} ({self.language})"

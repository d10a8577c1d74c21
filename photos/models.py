"""Photos of a status check: of one item, or of the car as a whole (intake photos).

A photo belongs to the immutable check: mechanics add photos until the end of the day the
check was recorded; nobody edits or deletes one afterwards, except support with a reason
(`photos.services.photo_delete`, which keeps the row as the audit record and removes the files).
"""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from autopaspoort.models import StatusCheck, StatusCheckItem


def _name(photo, suffix: str, extension: str) -> str:
    # Unguessable names (the storage is private, but a name is no permission either).
    check = photo.status_check
    return f"checks/{check.passport_id}/{check.pk}/{photo.key.hex}{suffix}.{extension}"


def original_name(photo, filename: str) -> str:
    return _name(photo, "", filename.rsplit(".", 1)[-1])


def derived_name(photo, filename: str) -> str:
    return f"{original_name(photo, 'x.jpg').rsplit('.', 1)[0]}-{filename}"


class CheckPhotoQuerySet(models.QuerySet):
    def visible(self):
        """Photos that were not deleted by support."""
        return self.filter(deleted_at__isnull=True)


class CheckPhoto(models.Model):
    class Kind(models.TextChoices):
        ITEM = "item", _("Item")
        SIDES = "sides", _("Sides of the car")
        ODOMETER = "odometer", _("Odometer")
        DASHBOARD = "dashboard", _("Dashboard lights")

    INTAKE_KINDS = (Kind.SIDES, Kind.ODOMETER, Kind.DASHBOARD)

    key = models.UUIDField(_("key"), default=uuid.uuid4, unique=True, editable=False)
    status_check = models.ForeignKey(
        StatusCheck,
        verbose_name=_("status check"),
        on_delete=models.CASCADE,
        related_name="photos",
    )
    item = models.ForeignKey(
        StatusCheckItem,
        verbose_name=_("item"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="photos",
    )
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    # The original, re-encoded without EXIF (orientation applied), at its own size.
    original = models.FileField(_("original"), upload_to=original_name, max_length=200)
    # Made by photos.tasks.make_photo_versions after commit; empty until then.
    thumbnail = models.FileField(_("thumbnail"), upload_to=derived_name, max_length=200, blank=True)
    large = models.FileField(
        _("1600 px version"), upload_to=derived_name, max_length=200, blank=True
    )
    width = models.PositiveIntegerField(_("width"))
    height = models.PositiveIntegerField(_("height"))
    size = models.PositiveIntegerField(_("size (bytes)"))
    content_type = models.CharField(_("content type"), max_length=40)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("uploaded by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    uploaded_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)
    deleted_at = models.DateTimeField(_("deleted at"), null=True, blank=True)
    deleted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("deleted by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    delete_reason = models.CharField(_("reason for deletion"), max_length=300, blank=True)

    objects = CheckPhotoQuerySet.as_manager()

    class Meta:
        verbose_name = _("check photo")
        verbose_name_plural = _("check photos")
        ordering = ["uploaded_at", "id"]
        permissions = [
            ("delete_checkphoto_with_reason", "Can delete a check photo with a reason"),
        ]
        indexes = [models.Index(fields=["status_check", "uploaded_at"], name="photo_check_idx")]
        constraints = [
            models.CheckConstraint(
                condition=(Q(kind="item") & Q(item__isnull=False))
                | (Q(kind__in=["sides", "odometer", "dashboard"]) & Q(item__isnull=True)),
                name="photo_item_or_intake",
            ),
        ]

    def __str__(self):
        return f"{self.status_check} · {self.get_kind_display()} · {self.key.hex[:8]}"

    @property
    def is_ready(self) -> bool:
        return bool(self.thumbnail)

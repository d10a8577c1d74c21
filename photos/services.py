"""Adding photos to a status check, and support's deletion with a reason."""

from datetime import datetime

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from autopaspoort import roles
from autopaspoort.models import StatusCheck, StatusCheckItem
from core.errors import ApplicationError
from core.queueing import enqueue_on_commit
from garage.access import require_role
from photos.models import CheckPhoto
from photos.validation import image_validate
from photos.versions import render_version

MAX_PHOTOS_PER_UPLOAD = 20


def upload_open_until(check: StatusCheck) -> datetime:
    """The end of the day (Europe/Amsterdam) the check was recorded: photos may be added until
    then. After that the check is closed, like the report itself."""
    day = timezone.localtime(check.performed_at).date()
    return timezone.make_aware(datetime.combine(day, datetime.max.time()))


def upload_open(check: StatusCheck, *, now: datetime | None = None) -> bool:
    return (now or timezone.now()) <= upload_open_until(check)


def photos_add(
    *,
    check: StatusCheck,
    actor,
    files: list,
    kind: str = CheckPhoto.Kind.ITEM,
    item: StatusCheckItem | None = None,
) -> list[CheckPhoto]:
    """Store photos of one item of `check` (kind "item") or of the car as a whole (an intake
    kind). Every file is validated before anything is stored: one bad file refuses them all."""
    require_role(garage=check.garage, user=actor, roles=roles.RECORD_CHECK)
    if not upload_open(check):
        raise ApplicationError(
            _(
                "This check was closed at the end of the day it was recorded (%(date)s): "
                "photos can no longer be added. Record a new check to add photos."
            )
            % {"date": timezone.localtime(check.performed_at).strftime("%d-%m-%Y")},
            field="photos",
        )
    if kind == CheckPhoto.Kind.ITEM:
        if item is None or item.status_check_id != check.pk:
            raise ApplicationError(_("Choose an item of this check."), field="item")
    elif kind in CheckPhoto.INTAKE_KINDS:
        item = None
    else:
        raise ApplicationError(_("Choose what the photo shows."), field="kind")
    if not files:
        raise ApplicationError(_("Choose one or more photos."), field="photos")
    if len(files) > MAX_PHOTOS_PER_UPLOAD:
        raise ApplicationError(
            _("At most %(count)s photos at a time.") % {"count": MAX_PHOTOS_PER_UPLOAD},
            field="photos",
        )
    cleaned = []
    for upload in files:
        try:
            cleaned.append(image_validate(upload))
        except ApplicationError as error:
            name = getattr(upload, "name", "") or _("the photo")
            raise ApplicationError(f"{name}: {error.message}", field=error.field) from None
    photos = []
    stored = []
    try:
        with transaction.atomic():
            for image in cleaned:
                photo = CheckPhoto(
                    status_check=check,
                    item=item,
                    kind=kind,
                    width=image.width,
                    height=image.height,
                    size=len(image.content),
                    content_type=image.content_type,
                    uploaded_by=actor,
                )
                photo.original.save(
                    f"photo.{image.extension}", ContentFile(image.content), save=False
                )
                stored.append(photo.original.name)
                photo.save()
                photos.append(photo)
                _enqueue_versions(photo)
    except Exception:
        # Nothing half-stored: the rows rolled back, so do the files.
        for name in stored:
            default_storage.delete(name)
        raise
    return photos


def _enqueue_versions(photo: CheckPhoto) -> None:
    from photos.tasks import make_photo_versions

    enqueue_on_commit(
        make_photo_versions,
        photo.pk,
        label=f"the versions of photo {photo.pk}",
        # A broker that is down: make them here, in the request (a few hundred ms per photo).
        fallback=lambda: photo_versions_make(photo=photo),
    )


def photo_versions_make(*, photo: CheckPhoto) -> None:
    """The thumbnail (320 px) and the 1600 px version, each once (idempotent)."""
    changed = []
    for field, size in (("thumbnail", 320), ("large", 1600)):
        if getattr(photo, field):
            continue
        with photo.original.open("rb") as source:
            content = render_version(source.read(), size)
        getattr(photo, field).save(f"{size}.jpg", ContentFile(content), save=False)
        changed.append(field)
    if changed:
        CheckPhoto.objects.filter(pk=photo.pk).update(
            **{field: getattr(photo, field).name for field in changed}
        )


def photo_delete(*, photo: CheckPhoto, actor, reason: str) -> CheckPhoto:
    """Support only: remove a photo's files with a reason. The row stays as the record of who
    deleted what, when and why; the files go after commit."""
    reason = (reason or "").strip()
    if not reason:
        raise ApplicationError(_("Give the reason for deleting the photo."), field="reason")
    with transaction.atomic():
        photo = CheckPhoto.objects.select_for_update().get(pk=photo.pk)
        if photo.deleted_at is not None:
            return photo
        names = [f.name for f in (photo.original, photo.thumbnail, photo.large) if f]
        photo.deleted_at = timezone.now()
        photo.deleted_by = actor
        photo.delete_reason = reason[:300]
        photo.save(update_fields=["deleted_at", "deleted_by", "delete_reason"])

        def remove_files():
            for name in names:
                default_storage.delete(name)

        transaction.on_commit(remove_files)
    return photo

from celery import shared_task

from photos.models import CheckPhoto
from photos.services import photo_versions_make


@shared_task(acks_late=True)
def make_photo_versions(photo_id: int) -> None:
    """The thumbnail and the 1600 px version of one photo. Idempotent: a version that exists is
    not made again; a deleted photo gets none."""
    photo = CheckPhoto.objects.visible().filter(pk=photo_id).first()
    if photo is not None:
        photo_versions_make(photo=photo)

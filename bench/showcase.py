"""What the share-page and check-page cases need on the generated showcase car, made once and
found again by later runs: photos on its latest status check, and a share link with photos.

The photos are small JPEGs written through the app's storage, thumbnails included, as
`photos.services` leaves them after its versions task; the rows are written directly because
the service only accepts photos on the day of the check (the generator's checks are older).
"""

from datetime import timedelta

from django.core.files.base import ContentFile
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

PHOTOS = 6


def _jpeg() -> bytes:
    from io import BytesIO

    from PIL import Image

    out = BytesIO()
    Image.new("RGB", (320, 240), (120, 130, 140)).save(out, format="JPEG")
    return out.getvalue()


@transaction.atomic
def showcase_extras(showcase) -> dict:
    from photos.models import CheckPhoto
    from sharing.models import ShareLink
    from sharing.services import MAX_DAYS, share_link_create

    check = showcase.checks.order_by("-performed_at", "-id").first()
    have = CheckPhoto.objects.filter(status_check=check).count()
    if have < PHOTOS:
        items = list(check.items.order_by("id")[:3])
        content = _jpeg()
        for index in range(PHOTOS - have):
            photo = CheckPhoto(
                status_check=check,
                item=items[index % len(items)],
                kind=CheckPhoto.Kind.ITEM,
                width=320,
                height=240,
                size=len(content),
                content_type="image/jpeg",
                uploaded_by=check.performed_by,
            )
            photo.original.save("photo.jpg", ContentFile(content), save=False)
            photo.thumbnail.save("320.jpg", ContentFile(content), save=False)
            photo.large.save("1600.jpg", ContentFile(content), save=False)
            photo.save()
    link = (
        ShareLink.objects.filter(
            passport=showcase,
            include_photos=True,
            revoked_at__isnull=True,
            expires_at__gt=timezone.now() + timedelta(days=1),
        )
        .order_by("-id")
        .first()
    )
    if link is None:
        link = share_link_create(
            passport=showcase, actor=showcase.owner, days=MAX_DAYS, include_photos=True
        )
    return {
        "check_url": reverse(
            "autopaspoort:check_detail",
            kwargs={"garage_id": check.garage_id, "plate": showcase.plate, "check_id": check.pk},
        ),
        "share_url": reverse("sharing:page", kwargs={"token": link.token}),
    }

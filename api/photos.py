"""Check photos from the GMS API: the garage's workshop system attaches the photos its mechanics
took to a status check, as the check page does (`photos.services.photos_add`: the same rules,
the same validation, until the end of the day the check was recorded)."""

from typing import Literal

from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from ninja import File, Form, Router
from ninja.files import UploadedFile
from ninja.responses import Status

from api.errors import ApiError
from api.schemas import ERRORS, PhotosOut
from autopaspoort import plates
from autopaspoort.models import StatusCheck
from core.errors import ApplicationError
from photos.models import CheckPhoto
from photos.services import photos_add
from transfers import selectors as transfer_selectors

router = Router(tags=["photos"])


def _check(garage, plate: str, check_id: int) -> StatusCheck:
    try:
        canonical = plates.normalize(plate)
    except DjangoValidationError:
        raise Http404 from None
    passport = transfer_selectors.api_passports(garage=garage).filter(plate=canonical).first()
    if passport is None or not 0 < check_id < 2**63:
        raise Http404
    check = (
        StatusCheck.objects.filter(passport=passport, pk=check_id).select_related("garage").first()
    )
    if check is None:
        raise Http404
    return check


def represent(photo: CheckPhoto) -> dict:
    return {
        "id": photo.key.hex,
        "kind": photo.kind,
        "item_id": photo.item_id,
        "width": photo.width,
        "height": photo.height,
        "size": photo.size,
        "content_type": photo.content_type,
        "uploaded_at": photo.uploaded_at,
    }


@router.post("/passports/{plate}/checks/{check_id}/photos", response={201: PhotosOut, **ERRORS},
             operation_id="autopaspoort_api_add_check_photos")  # fmt: skip
@router.post("/passports/{plate}/checks/{check_id}/photos/", response={201: PhotosOut, **ERRORS},
             include_in_schema=False)  # fmt: skip
def add_check_photos(
    request,
    plate: str,
    check_id: int,
    photos: File[list[UploadedFile]],
    kind: Form[Literal["item", "sides", "odometer", "dashboard"]] = "item",
    item_id: Form[int | None] = None,
):
    """Attach photos (multipart/form-data, field `photos`, one or more files) to one status
    check of the garage's car: of one of its items (`kind=item`, `item_id`) or of the car as a
    whole (`kind` sides, odometer or dashboard). JPEG, PNG, WebP or HEIC, at most 20 MB and 50
    megapixels each; EXIF (location) is removed. Until the end of the day (Europe/Amsterdam)
    the check was recorded; one refused file refuses them all (nothing is stored)."""
    garage = request.garage
    check = _check(garage, plate, check_id)
    item = None
    if kind == "item":
        item = check.items.filter(pk=item_id).first() if item_id and item_id < 2**63 else None
        if item is None:
            raise ApiError(
                400, "refused", "Give the item_id of an item of this check.", {"item_id": []}
            )
    try:
        added = photos_add(
            check=check, actor=garage.account_user, files=list(photos), kind=kind, item=item
        )
    except ApplicationError as error:
        raise ApiError(
            400, "refused", str(error.message), {error.field or "body": [str(error.message)]}
        ) from None
    return Status(201, {"photos": [represent(photo) for photo in added]})

"""Photos stored the way the app stores them (photos.services.photos_add)."""

from photos.models import CheckPhoto
from photos.services import photos_add
from tests.photos.images import jpeg_bytes, upload


def add_photos(check, *, actor=None, item=None, kind=None, count=1) -> list[CheckPhoto]:
    kind = kind or (CheckPhoto.Kind.ITEM if item is not None else CheckPhoto.Kind.SIDES)
    return photos_add(
        check=check,
        actor=actor or check.garage.account_user,
        files=[upload(jpeg_bytes(color=(10 * n, 80, 120)), f"foto{n}.jpg") for n in range(count)],
        kind=kind,
        item=item,
    )


def stored_files(media_root) -> list[str]:
    return sorted(str(p.relative_to(media_root)) for p in media_root.rglob("*") if p.is_file())

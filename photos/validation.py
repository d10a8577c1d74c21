"""The one check every uploaded photo goes through (the garage's page and the GMS API).

`image_validate` reads the upload with Pillow and returns the image to store, re-encoded:
EXIF (GPS position, camera serial, time) and other metadata are dropped, the orientation the
camera recorded is applied to the pixels first. A file that is not such an image is refused with
an `ApplicationError` whose message is shown beside the field; nothing is stored.
"""

import io
import threading
import warnings
from contextlib import contextmanager
from dataclasses import dataclass

from django.utils.translation import gettext as _
from PIL import Image, ImageFile, ImageOps, UnidentifiedImageError

from core.errors import ApplicationError

try:  # HEIC/HEIF (iPhone photos), when the pillow-heif wheel is installed (pyproject.toml).
    from pillow_heif import register_heif_opener

    register_heif_opener()
    HEIC = True
except ImportError:  # pragma: no cover - pillow-heif is a dependency
    HEIC = False

MAX_BYTES = 20 * 1024 * 1024
MAX_PIXELS = 50_000_000
# Pillow warns above this many pixels and refuses above twice as many; both are refused here.
Image.MAX_IMAGE_PIXELS = MAX_PIXELS

ACCEPTED = {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp"}
if HEIC:
    ACCEPTED["HEIF"] = "image/heic"
# What the stored original is written as: browsers do not show HEIC, so it becomes a JPEG.
STORED_AS = {"JPEG": "JPEG", "PNG": "PNG", "WEBP": "WEBP", "HEIF": "JPEG"}
EXTENSIONS = {"JPEG": "jpg", "PNG": "png", "WEBP": "webp"}
CONTENT_TYPES = {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp"}


_truncation_lock = threading.Lock()


@contextmanager
def _truncated_images_refused():
    """WeasyPrint (the passport PDF) sets Pillow's process-wide LOAD_TRUNCATED_IMAGES on import,
    which would let a cut-off JPEG load with grey where its end is missing. While an upload is
    decoded it is off, so a truncated file is refused (restored afterwards)."""
    with _truncation_lock:
        before = ImageFile.LOAD_TRUNCATED_IMAGES
        ImageFile.LOAD_TRUNCATED_IMAGES = False
        try:
            yield
        finally:
            ImageFile.LOAD_TRUNCATED_IMAGES = before


@dataclass(frozen=True)
class CleanImage:
    content: bytes  # re-encoded, without metadata
    extension: str
    content_type: str
    width: int
    height: int


def _too_large() -> ApplicationError:
    return ApplicationError(
        _("The photo is larger than 50 megapixels. Take it at a lower resolution."),
        field="photos",
    )


def _not_an_image() -> ApplicationError:
    formats = "JPEG, PNG, WebP" + (", HEIC" if HEIC else "")
    return ApplicationError(
        _("This file is not a photo we can read. Upload a %(formats)s image.")
        % {"formats": formats},
        field="photos",
    )


def image_validate(upload) -> CleanImage:
    """Refuse anything but a real JPEG/PNG/WebP(/HEIC) of at most 20 MB and 50 megapixels; return
    it re-encoded without EXIF, orientation applied."""
    size = getattr(upload, "size", None)
    if not size:
        raise ApplicationError(_("The file is empty."), field="photos")
    if size > MAX_BYTES:
        raise ApplicationError(
            _("The photo is larger than 20 MB (%(size)s MB).") % {"size": round(size / 2**20, 1)},
            field="photos",
        )
    upload.seek(0)
    data = upload.read(MAX_BYTES + 1)
    if len(data) > MAX_BYTES:
        raise ApplicationError(_("The photo is larger than 20 MB."), field="photos")
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            # First pass: the header and the file's structure, without decoding the pixels.
            with Image.open(io.BytesIO(data)) as probe:
                if probe.format not in ACCEPTED:
                    raise _not_an_image()
                if probe.width * probe.height > MAX_PIXELS:
                    raise _too_large()
                probe.verify()
            # verify() leaves the image unusable: open again and decode every pixel.
            image = Image.open(io.BytesIO(data))
            source_format = image.format
            with _truncated_images_refused():
                image.load()
        except (Image.DecompressionBombError, Image.DecompressionBombWarning):
            raise _too_large() from None
        except ApplicationError:
            raise
        except (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError):
            # Not an image, or a damaged one (a truncated JPEG fails to load).
            raise _not_an_image() from None
    try:
        image = ImageOps.exif_transpose(image)  # apply the camera's orientation to the pixels
        stored_format = STORED_AS[source_format]
        if stored_format == "JPEG" and image.mode not in ("RGB", "L"):
            image = image.convert("RGB")
        out = io.BytesIO()
        options = {"quality": 90} if stored_format in ("JPEG", "WEBP") else {}
        # No exif= and no other info passed on: the new file carries no EXIF, XMP or comments.
        image.save(out, format=stored_format, **options)
    except (OSError, ValueError) as error:
        raise _not_an_image() from error
    return CleanImage(
        content=out.getvalue(),
        extension=EXTENSIONS[stored_format],
        content_type=CONTENT_TYPES[stored_format],
        width=image.width,
        height=image.height,
    )

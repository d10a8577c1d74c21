"""photos.validation.image_validate: what is accepted, what is refused and how."""

import io

import pytest
from PIL import Image

from core.errors import ApplicationError
from photos.validation import image_validate
from tests.photos.images import (
    GPS_IFD,
    ORIENTATION,
    bad_files,
    jpeg_bytes,
    png_bytes,
    upload,
    webp_bytes,
)

BAD = bad_files()
MESSAGES = {
    "truncated JPEG": "not a photo we can read",
    "text named .jpg": "not a photo we can read",
    "SVG with a script": "not a photo we can read",
    "PNG decompression bomb": "larger than 50 megapixels",
    "30 MB file": "larger than 20 MB",
    "zero bytes": "empty",
}


@pytest.mark.parametrize("name", list(BAD))
def test_bad_files_are_refused_with_a_message(name, settings):
    settings.LANGUAGE_CODE = "en"
    content, filename, content_type = BAD[name]
    with pytest.raises(ApplicationError) as refused:
        image_validate(upload(content, filename, content_type))
    assert MESSAGES[name] in refused.value.message
    assert refused.value.field == "photos"


@pytest.mark.parametrize(
    ("content", "extension", "content_type"),
    [
        (jpeg_bytes(), "jpg", "image/jpeg"),
        (png_bytes(), "png", "image/png"),
        (webp_bytes(), "webp", "image/webp"),
    ],
)
def test_jpeg_png_and_webp_are_accepted(content, extension, content_type):
    clean = image_validate(upload(content))
    assert (clean.extension, clean.content_type) == (extension, content_type)
    assert Image.open(io.BytesIO(clean.content)).format == extension.upper().replace("JPG", "JPEG")


def test_heic_is_accepted_and_stored_as_jpeg():
    pillow_heif = pytest.importorskip("pillow_heif")
    pillow_heif.register_heif_opener()
    out = io.BytesIO()
    Image.new("RGB", (320, 240), (10, 120, 10)).save(out, format="HEIF")
    clean = image_validate(upload(out.getvalue(), "IMG_0001.HEIC", "image/heic"))
    assert clean.content_type == "image/jpeg"
    assert (clean.width, clean.height) == (320, 240)


def test_exif_and_gps_are_stripped():
    content = jpeg_bytes(gps=True)
    assert Image.open(io.BytesIO(content)).getexif().get_ifd(GPS_IFD)  # the upload has GPS
    clean = image_validate(upload(content))
    stored = Image.open(io.BytesIO(clean.content))
    assert "exif" not in stored.info
    assert not stored.getexif()
    assert b"Camera maker" not in clean.content


def test_orientation_is_applied_to_the_pixels():
    # Orientation 6: the camera was turned; a 640 x 480 sensor image shows as 480 x 640.
    clean = image_validate(upload(jpeg_bytes(size=(640, 480), orientation=6)))
    assert (clean.width, clean.height) == (480, 640)
    stored = Image.open(io.BytesIO(clean.content))
    assert stored.size == (480, 640)
    assert ORIENTATION not in stored.getexif()


def test_a_truncated_jpeg_is_refused_even_after_weasyprint_loaded(settings):
    """WeasyPrint sets Pillow's LOAD_TRUNCATED_IMAGES for the whole process when imported."""
    import weasyprint  # noqa: F401 - the import is the point
    from PIL import ImageFile

    settings.LANGUAGE_CODE = "en"
    assert ImageFile.LOAD_TRUNCATED_IMAGES is True
    content, filename, content_type = BAD["truncated JPEG"]
    with pytest.raises(ApplicationError, match="not a photo we can read"):
        image_validate(upload(content, filename, content_type))
    assert ImageFile.LOAD_TRUNCATED_IMAGES is True  # left as WeasyPrint wants it

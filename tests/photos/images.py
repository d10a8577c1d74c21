"""Image files for the photo tests, made with Pillow in the test (nothing binary in the repo)."""

import io

from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

GPS_IFD = 0x8825
ORIENTATION = 0x0112


def jpeg_bytes(size=(640, 480), color=(200, 30, 30), *, gps=False, orientation=None) -> bytes:
    image = Image.new("RGB", size, color)
    exif = Image.Exif()
    exif[0x010F] = "Camera maker"  # Make
    if orientation:
        exif[ORIENTATION] = orientation
    if gps:
        exif.get_ifd(GPS_IFD).update({1: "N", 2: (52.0, 5.0, 0.0), 3: "E", 4: (4.0, 54.0, 0.0)})
    out = io.BytesIO()
    image.save(out, format="JPEG", exif=exif.tobytes(), quality=85)
    return out.getvalue()


def png_bytes(size=(300, 200), mode="RGBA") -> bytes:
    out = io.BytesIO()
    Image.new(mode, size).save(out, format="PNG")
    return out.getvalue()


def webp_bytes(size=(300, 200)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (0, 90, 200)).save(out, format="WEBP")
    return out.getvalue()


def upload(content: bytes, name="photo.jpg", content_type="image/jpeg") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type=content_type)


def bomb_png() -> bytes:
    """8000 x 8000 = 64 megapixels of one colour: a few kB on disk, 64 MB once decoded."""
    out = io.BytesIO()
    Image.new("1", (8000, 8000)).save(out, format="PNG", optimize=True)
    return out.getvalue()


SVG = (
    b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" width="10" height="10">'
    b"<script>alert(document.cookie)</script><rect width='10' height='10'/></svg>"
)


def bad_files() -> dict[str, tuple[bytes, str, str]]:
    """The issue's table: name -> (content, file name, claimed content type)."""
    jpeg = jpeg_bytes()
    return {
        "truncated JPEG": (jpeg[: len(jpeg) // 2], "cut.jpg", "image/jpeg"),
        "text named .jpg": (b"Dit is geen foto.\n" * 50, "note.jpg", "image/jpeg"),
        "SVG with a script": (SVG, "drawing.svg", "image/svg+xml"),
        "PNG decompression bomb": (bomb_png(), "bomb.png", "image/png"),
        "30 MB file": (jpeg + b"\0" * (30 * 1024 * 1024), "huge.jpg", "image/jpeg"),
        "zero bytes": (b"", "empty.jpg", "image/jpeg"),
    }

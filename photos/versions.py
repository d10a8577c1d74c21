"""The smaller versions of a stored photo: a thumbnail for lists and a 1600 px one to look at."""

import io

from PIL import Image

from photos import validation  # noqa: F401 - the pixel limit and the HEIC opener


def render_version(original: bytes, size: int) -> bytes:
    """A JPEG whose longer side is at most `size` px (never enlarged). The original was already
    re-encoded without EXIF and with its orientation applied."""
    with Image.open(io.BytesIO(original)) as image:
        image.draft("RGB", (size, size))  # JPEG: decode at a reduced scale, much faster
        image = image.convert("RGBA") if image.mode in ("P", "LA") else image
        if image.mode == "RGBA":
            flat = Image.new("RGB", image.size, (255, 255, 255))
            flat.paste(image, mask=image.getchannel("A"))
            image = flat
        elif image.mode != "RGB":
            image = image.convert("RGB")
        image.thumbnail((size, size), Image.Resampling.LANCZOS)
        out = io.BytesIO()
        image.save(out, format="JPEG", quality=82, optimize=True, progressive=True)
        return out.getvalue()

"""What an uploaded file really is: its magic number, and for an image a bounded decode and a thumbnail.

Pillow only here. Every image is opened with the one decoder its declared format names (never
Pillow's guess among all plugins), its dimensions are checked before any pixel is decoded, and
JPEGs are decoded at a reduced scale (`draft`), which is most of the speed.
"""

from __future__ import annotations

import io
import warnings
from collections.abc import Callable
from dataclasses import dataclass

from PIL import ExifTags, Image, ImageOps

from common import attachments
from common.storage import Head

HEAD_BYTES = 32  # enough for every signature below (WebP's is at bytes 8-11)
THUMBNAIL_SIDE = 256
THUMBNAIL_TYPE = "image/jpeg"
# Decompression bombs: a few KB of PNG can declare 100000 x 100000 pixels (40 GB decoded). Caps
# measured to stay well inside 512 MB: a JPEG is decoded at reduced scale, so 50 MP (phone
# cameras' full-resolution mode) peaks near 250 MB even progressive; PNG, GIF and WebP decode every
# pixel, and a 40 MP RGBA PNG peaks near 380 MB.
MAX_PIXELS = {"JPEG": 50_000_000}
MAX_PIXELS_FULL_DECODE = 40_000_000
Image.MAX_IMAGE_PIXELS = max(MAX_PIXELS.values())  # Pillow's own guard: warns above, refuses above twice

_SIGNATURES = (
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"GIF87a", "image/gif"),
    (b"GIF89a", "image/gif"),
    (b"%PDF-", "application/pdf"),
)
_ROTATED = {5, 6, 7, 8}  # EXIF orientations that swap width and height
_RESAMPLED_AS_IS = frozenset({"RGB", "RGBA", "L", "LA", "CMYK"})


class Rejected(Exception):
    """The file fails a check; the message is the reason the API shows."""


@dataclass(frozen=True)
class Thumbnail:
    data: bytes
    width: int  # of the original, as displayed (EXIF orientation applied)
    height: int


def sniff(head: bytes) -> str | None:
    """The allowed content type the first bytes show, or None."""
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    return next((content_type for magic, content_type in _SIGNATURES if head.startswith(magic)), None)


def check(
    head: Head, *, read_all: Callable[[], bytes | None], thumbnail_key: str
) -> tuple[attachments.Checked, bytes | None] | None:
    """Check one uploaded file: what it is and, for an image, its thumbnail (JPEG bytes).
    None when the file changed while reading it (its own event will come)."""
    found = sniff(head.data)
    checked = attachments.Checked(etag=head.etag, size=head.size, content_type=found)
    refusal = _refusal(head, found)
    if refusal is not None or found is None:
        return checked.rejected(refusal or "unknown type"), None
    if found not in attachments.IMAGE_TYPES:
        return checked, None
    data = read_all()
    if data is None:
        return None
    try:
        thumbnail = make_thumbnail(data, attachments.ALLOWED_TYPES[found])
    except Rejected as rejected:
        return checked.rejected(str(rejected)), None
    ready = attachments.Checked(
        etag=head.etag,
        size=head.size,
        content_type=found,
        width=thumbnail.width,
        height=thumbnail.height,
        thumbnail_key=thumbnail_key,
    )
    return ready, thumbnail.data


def _refusal(head: Head, found: str | None) -> str | None:
    """Why the file fails before any decoding (size, magic number, declared type), or None."""
    if head.size > attachments.MAX_SIZE:  # decided from the ranged GET: never download it
        return "The file is larger than 10 MB"
    if found is None:
        return f"The file is not one of: {', '.join(attachments.ALLOWED_TYPES)}"
    if head.content_type != found:
        return f"The file's content is {found}, but it was uploaded as {head.content_type}"
    return None


def make_thumbnail(data: bytes, image_format: str) -> Thumbnail:
    """A JPEG at most THUMBNAIL_SIDE on its longest side, upright, without metadata; or Rejected."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            return _thumbnail(data, image_format)
    except Rejected:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise Rejected(f"The image has more than {_pixel_cap(image_format)} pixels") from None
    except Exception:  # any decoder failure on untrusted bytes means "not a valid image"
        raise Rejected(f"The file is not a valid {image_format} image (damaged or truncated)") from None


def _pixel_cap(image_format: str) -> int:
    return MAX_PIXELS.get(image_format, MAX_PIXELS_FULL_DECODE)


def _thumbnail(data: bytes, image_format: str) -> Thumbnail:
    with Image.open(io.BytesIO(data), formats=[image_format]) as opened:
        width, height = opened.size
        if width * height > _pixel_cap(image_format):  # checked on the header, before decoding a pixel
            raise Rejected(f"The image has more than {_pixel_cap(image_format)} pixels")
        if opened.getexif().get(ExifTags.Base.Orientation) in _ROTATED:
            width, height = height, width
        # JPEG only (a no-op otherwise): libjpeg decodes at 1/2, 1/4 or 1/8 scale, the smallest
        # still at least the thumbnail's size; LANCZOS does the rest. A 12 MP photo decodes at
        # 500x375 instead of 4000x3000: most of the speed-up (bench/thumbnail.py).
        opened.draft("RGB", (THUMBNAIL_SIDE, THUMBNAIL_SIDE))
        has_alpha = opened.mode in ("RGBA", "LA", "PA") or "transparency" in opened.info
        image: Image.Image = opened
        if image.mode not in _RESAMPLED_AS_IS:  # palette, 1-bit, 16-bit: resample in RGB(A)
            image = image.convert("RGBA" if has_alpha else "RGB")
        image.thumbnail((THUMBNAIL_SIDE, THUMBNAIL_SIDE), Image.Resampling.LANCZOS)  # decodes, in place
        # Orientation on the thumbnail, not the original: rotating a 50 MP image would copy it.
        ImageOps.exif_transpose(image, in_place=True)
    # A fresh canvas carries no EXIF, ICC, XMP or comment of the original; transparency goes white.
    canvas = Image.new("RGB", image.size, "white")
    if has_alpha:
        rgba = image.convert("RGBA")
        canvas.paste(rgba, mask=rgba.getchannel("A"))
    else:
        canvas.paste(image.convert("RGB"))
    out = io.BytesIO()
    canvas.save(out, "JPEG", quality=80, optimize=True)
    return Thumbnail(out.getvalue(), width, height)

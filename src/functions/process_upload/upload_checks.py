"""What an uploaded file really is: its magic number, then a PDF's end marker, or an image's bounded
decode and its thumbnail. docs/attachments.md says what these checks promise and what they do not.

Pillow only here. Every image is opened with the one decoder its declared format names (never
Pillow's guess among all plugins), and its work is bounded before any pixel is decoded: its
dimensions (pixels), and for a JPEG its scans. JPEGs are decoded at a reduced scale (`draft`),
which is most of the speed.
"""

from __future__ import annotations

import io
import warnings
from collections.abc import Callable
from typing import NamedTuple

from PIL import ExifTags, Image, ImageOps

from common.attachment_rules import ALLOWED_TYPES, IMAGE_TYPES, MAX_SIZE
from common.storage import Head
from common.upload_outcomes import Checked

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
# Progressive JPEGs: the pixel cap does not bound the work, the number of scans does too. Each scan
# refines every block of the image again, so a 150 KB file that repeats one tiny refinement scan
# 9,000 times decodes for a minute. Encoders write about 10 (libjpeg's default progression: 10 for
# colour, 6 for greyscale); libjpeg-turbo's scan limit (TJPARAM_SCANLIMIT, djpeg -maxscans) is the
# same guard. And as each scan costs in proportion to the pixels, scans x pixels is bounded too:
# 50 MP in 20 scans or 10 MP in 100: either decodes in under a second on one core (measured).
# Counted from the markers, before decoding: every scan starts with the SOS marker FF DA, which
# entropy-coded data never contains (it escapes FF as FF 00), so the count can only over-estimate
# (an FF DA inside metadata) and never miss a scan.
MAX_JPEG_SCANS = 100
MAX_JPEG_SCAN_PIXELS = 1_000_000_000
_START_OF_SCAN = b"\xff\xda"
# A PDF ends with %%EOF; readers look for it in the last 1024 bytes (PDF 32000-1, 7.5.5).
PDF_END_MARKER = b"%%EOF"
PDF_TAIL_BYTES = 1024

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


class Thumbnail(NamedTuple):
    data: bytes
    width: int  # of the original, as displayed (EXIF orientation applied)
    height: int


def sniff(head: bytes) -> str | None:
    """The allowed content type the first bytes show, or None."""
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    return next((content_type for magic, content_type in _SIGNATURES if head.startswith(magic)), None)


def check(
    head: Head,
    *,
    read_all: Callable[[], bytes | None],
    read_tail: Callable[[int], bytes | None],
    thumbnail_key: str,
) -> tuple[Checked, bytes | None] | None:
    """Check one uploaded file: what it is and, for an image, its thumbnail (JPEG bytes).
    `read_all()` and `read_tail(n)` fetch the file, or its last n bytes; either gives None when the
    file changed or went away while it was being read, and so does this (its own event will come)."""
    found = sniff(head.data)
    checked = Checked(etag=head.etag, size=head.size, content_type=found)
    refusal = _refusal(head, found)
    if refusal is not None or found is None:
        return checked.rejected(refusal or "unknown type"), None
    if found not in IMAGE_TYPES:
        return _check_pdf(checked, read_tail)
    data = read_all()
    if data is None:
        return None
    try:
        thumbnail = make_thumbnail(data, ALLOWED_TYPES[found])
    except Rejected as rejected:
        return checked.rejected(str(rejected)), None
    ready = Checked(
        etag=head.etag,
        size=head.size,
        content_type=found,
        width=thumbnail.width,
        height=thumbnail.height,
        thumbnail_key=thumbnail_key,
    )
    return ready, thumbnail.data


def _check_pdf(checked: Checked, read_tail: Callable[[int], bytes | None]) -> tuple[Checked, None] | None:
    """A PDF must also end like one: %%EOF in its last bytes. Its content is not parsed further."""
    tail = read_tail(PDF_TAIL_BYTES)
    if tail is None:
        return None
    if PDF_END_MARKER not in tail:
        return checked.rejected(f"The file is not a complete PDF: no {PDF_END_MARKER.decode()} at its end"), None
    return checked, None


def _refusal(head: Head, found: str | None) -> str | None:
    """Why the file fails before any decoding (size, magic number, declared type), or None."""
    if head.size > MAX_SIZE:  # decided from the ranged GET: never download it
        return "The file is larger than 10 MB"
    if found is None:
        return f"The file is not one of: {', '.join(ALLOWED_TYPES)}"
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
    scans = data.count(_START_OF_SCAN) if image_format == "JPEG" else 1
    if scans > MAX_JPEG_SCANS:
        raise Rejected(f"The JPEG image has more than {MAX_JPEG_SCANS} scans")
    with Image.open(io.BytesIO(data), formats=[image_format]) as opened:
        width, height = opened.size
        # Checked on the header, before decoding a pixel.
        if width * height > _pixel_cap(image_format):
            raise Rejected(f"The image has more than {_pixel_cap(image_format)} pixels")
        if scans * width * height > MAX_JPEG_SCAN_PIXELS:
            raise Rejected(
                f"The JPEG image has too many scans for its size: {scans} of {width}x{height} pixels "
                f"(at most {MAX_JPEG_SCAN_PIXELS // 1_000_000} megapixels in all)"
            )
        if opened.getexif().get(ExifTags.Base.Orientation) in _ROTATED:
            width, height = height, width
        # JPEG only (a no-op otherwise): libjpeg decodes at 1/2, 1/4 or 1/8 scale, the smallest
        # still at least the thumbnail's size; LANCZOS does the rest. A 12 MP photo decodes at
        # 500x375 instead of 4000x3000: most of why the handler takes about 0.4x a naive resize's time
        # (make bench: bench/thumbnail.py).
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

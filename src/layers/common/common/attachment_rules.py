"""What may be attached to a task: the allowed types, sizes and names, and how long an upload may take."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, NamedTuple

from common import errors, text

# What may be uploaded: declared Content-Type -> the format the file's first bytes must show.
ALLOWED_TYPES = {
    "image/jpeg": "JPEG",
    "image/png": "PNG",
    "image/gif": "GIF",
    "image/webp": "WEBP",
    "application/pdf": "PDF",
}
IMAGE_TYPES = frozenset(t for t in ALLOWED_TYPES if t.startswith("image/"))
MAX_SIZE = 10 * 1024 * 1024
MAX_PER_TASK = 20
MAX_FILENAME = 255
UPLOAD_SECONDS = 300  # the presigned POST's lifetime
# A slot stays pending this much longer than the POST: an upload S3 accepted at the last second,
# plus Lambda's async retries (about 1 and 2 minutes) of a failed first attempt, still lands.
EXPIRY_MARGIN_SECONDS = 600
PENDING_SECONDS = UPLOAD_SECONDS + EXPIRY_MARGIN_SECONDS


class NewAttachment(NamedTuple):
    filename: str
    content_type: str
    size: int


def validate_request(body: Mapping[str, Any]) -> NewAttachment:
    """`{"filename", "content_type", "size"}` checked, or BadRequest naming the problem."""
    return NewAttachment(
        filename=validate_filename(body["filename"]),
        content_type=validate_content_type(body["content_type"]),
        size=validate_size(body["size"]),
    )


def validate_filename(value: object) -> str:
    """A name to show and to offer as the download's name: printable text, never a path."""
    if isinstance(value, str) and ("/" in value or "\\" in value):
        raise errors.BadRequest("filename must not contain / or \\")
    name = text.printable(value, "filename", min_length=1, max_length=MAX_FILENAME)
    if text.is_blank(name.replace(".", " ")):  # only dots and spaces: ".", "..", " . "
        raise errors.BadRequest("filename must name a file")
    return name


def validate_content_type(value: object) -> str:
    if not isinstance(value, str) or value not in ALLOWED_TYPES:
        raise errors.BadRequest(f"content_type must be one of: {', '.join(ALLOWED_TYPES)}")
    return value


def validate_size(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_SIZE:
        raise errors.BadRequest(f"size must be a whole number of bytes from 1 to {MAX_SIZE} (10 MB)")
    return value

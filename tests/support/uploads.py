"""Files for the attachment tests, and a client for the upload flow.

Files are made in the test (Pillow for images, a PDF by hand), so each test shows what it sends.
S3 and stream events come from devkit.events (re-exported here for the tests that import them).
"""

from __future__ import annotations

import io
import json
import struct
import zlib
from dataclasses import dataclass
from typing import Any

from PIL import Image

from devkit.emulator import Emulator
from devkit.events import s3_event, task_event

PILLOW_FORMATS = {"image/jpeg": "JPEG", "image/png": "PNG", "image/gif": "GIF", "image/webp": "WEBP"}

# The smallest PDF readers accept: header, one empty page, cross-reference table, trailer.
MINIMAL_PDF = (
    b"%PDF-1.4\n"
    b"1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 612 792]>>endobj\n"
    b"xref\n0 4\n0000000000 65535 f \n0000000009 00000 n \n0000000052 00000 n \n0000000101 00000 n \n"
    b"trailer<</Size 4/Root 1 0 R>>\nstartxref\n166\n%%EOF\n"
)


def image_bytes(content_type: str, size: tuple[int, int] = (640, 480), *, orientation: int | None = None) -> bytes:
    """A real image of `size` in the format `content_type` names: a gradient, so it compresses like a photo."""
    image = Image.linear_gradient("L").resize(size).convert("RGB")
    if content_type == "image/png":
        image = image.convert("RGBA")  # with an alpha channel: the thumbnail must flatten it
    out = io.BytesIO()
    extra: dict[str, Any] = {}
    if orientation is not None:
        exif = Image.Exif()
        exif[0x0112] = orientation
        extra["exif"] = exif.tobytes()
    image.save(out, PILLOW_FORMATS[content_type], **extra)
    return out.getvalue()


def png_bomb(width: int = 100_000, height: int = 100_000) -> bytes:
    """A few hundred bytes of PNG that declares `width` x `height` pixels (40 GB for the defaults)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)  # 8-bit greyscale
    rows = zlib.compress(b"\x00" * (width + 1) * 4)  # a few rows; the decoder never gets this far
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", rows) + chunk(b"IEND", b"")


def progressive_jpeg(size: tuple[int, int] = (64, 64), *, scans: int | None = None) -> bytes:
    """A progressive JPEG (a flat grey: its refinement scans are a few bytes each). With `scans`, its
    last scan is repeated until the file has that many: a scan bomb, since a decoder refines the
    whole image once per scan, however small the scan is."""
    out = io.BytesIO()
    Image.new("RGB", size, (120, 130, 140)).save(out, "JPEG", quality=90, progressive=True)
    data = out.getvalue()
    if scans is None:
        return data
    # Every scan starts with the SOS marker FF DA (never found inside entropy-coded data); the
    # file ends with EOI, FF D9: the last scan is what lies between its SOS and the EOI.
    last_scan = data[data.rindex(b"\xff\xda") : -2]
    return data[:-2] + last_scan * (scans - data.count(b"\xff\xda")) + data[-2:]


@dataclass
class Uploads:
    """The attachment flow against the emulator: request a slot, put the file, deliver the event."""

    aws: Emulator
    invoke_function: Any
    bucket: str

    def request(self, user_id: str, task_id: str, body: Any, **kwargs: Any) -> tuple[int, Any]:
        event = task_event("POST", user_id, task_id, suffix="/attachments", body=body, **kwargs)
        response = self.invoke_function("CreateAttachmentFunction", event)
        return response["statusCode"], json.loads(response["body"])

    def put(self, key: str, data: bytes, content_type: str) -> str:
        """Store an object as the browser's POST would; its ETag (no quotes)."""
        etag: str = self.aws.s3().put_object(Bucket=self.bucket, Key=key, Body=data, ContentType=content_type)["ETag"]
        return etag.strip('"')

    def deliver(self, key: str, *, etag: str | None = None, moto_style: bool = True) -> None:
        """Invoke ProcessUploadFunction with the notification S3 would send for the object at `key`."""
        head = self.aws.s3().head_object(Bucket=self.bucket, Key=key)
        event = s3_event(
            self.bucket, key, etag=etag or head["ETag"].strip('"'), size=head["ContentLength"], moto_style=moto_style
        )
        self.invoke_function("ProcessUploadFunction", event)

    def upload(self, key: str, data: bytes, content_type: str) -> None:
        """Put the file, then deliver its event: what S3 and Lambda do after a browser's POST."""
        self.put(key, data, content_type)
        self.deliver(key)

    def listing(self, prefix: str = "") -> list[str]:
        listing = self.aws.s3().list_objects_v2(Bucket=self.bucket, Prefix=prefix)
        return sorted(entry["Key"] for entry in listing.get("Contents", []))

    def read(self, key: str) -> bytes:
        body: bytes = self.aws.s3().get_object(Bucket=self.bucket, Key=key)["Body"].read()
        return body

    def task_item(self, user_id: str, task_id: str) -> dict[str, Any] | None:
        key = {"user_id": {"S": user_id}, "task_id": {"S": task_id}}
        item: dict[str, Any] | None = self.aws.dynamodb().get_item(TableName="TasksTable", Key=key).get("Item")
        return item

"""process_upload's checks (upload_checks): the work an image may cost, and what a PDF must look like."""

from __future__ import annotations

import pytest
import upload_checks

from common.storage import Head
from common.upload_outcomes import Checked
from tests.support.uploads import MINIMAL_PDF, image_bytes, progressive_jpeg


def check(data: bytes, content_type: str) -> Checked:
    head = Head(data[: upload_checks.HEAD_BYTES], len(data), "etag", content_type)
    result = upload_checks.check(
        head, read_all=lambda: data, read_tail=lambda length: data[-length:], thumbnail_key="thumbnails/t.jpg"
    )
    assert result is not None
    return result[0]


@pytest.mark.parametrize("scans", [10, 100])
def test_a_progressive_jpeg_of_up_to_100_scans_is_decoded(scans: int) -> None:
    assert check(progressive_jpeg(scans=scans), "image/jpeg").reason is None


def test_a_progressive_jpeg_of_more_scans_is_refused_before_decoding() -> None:
    assert check(progressive_jpeg(scans=101), "image/jpeg").reason == "The JPEG image has more than 100 scans"


def test_scans_times_pixels_are_bounded_too() -> None:
    # Each scan costs in proportion to the pixels: 12 MP may have 83 scans (996 million pixel-scans), not
    # 84. Refused from the header and the markers: nothing is decoded.
    assert check(progressive_jpeg((4000, 3000), scans=84), "image/jpeg").reason == (
        "The JPEG image has too many scans for its size: 84 of 4000x3000 pixels (at most 1000 megapixels in all)"
    )


def test_the_scan_bound_applies_to_jpegs_only() -> None:
    # PNG's IDAT data may hold the bytes FF DA anywhere: they mean nothing there.
    data = image_bytes("image/png", (32, 32))
    assert check(data, "image/png").reason is None


@pytest.mark.parametrize(
    "data",
    [MINIMAL_PDF, MINIMAL_PDF + b"\n", MINIMAL_PDF + b"\x00" * 500, b"%PDF-1.4\n" + b"0" * 5000 + b"%%EOF"],
    ids=["minimal", "newline-after", "padding-after", "large"],
)
def test_a_pdf_ends_with_its_end_marker(data: bytes) -> None:
    assert check(data, "application/pdf").reason is None


@pytest.mark.parametrize(
    "data",
    [
        b"%PDF-1.7\n<html><script>alert(1)</script></html>",
        MINIMAL_PDF + b"x" * 1024,  # readers look for %%EOF in the last 1024 bytes only
        b"%PDF-",
    ],
    ids=["html", "marker-too-early", "header-only"],
)
def test_a_file_that_only_starts_like_a_pdf_is_refused(data: bytes) -> None:
    assert check(data, "application/pdf").reason == "The file is not a complete PDF: no %%EOF at its end"


def test_a_file_that_changes_while_it_is_read_is_left_to_its_newer_event() -> None:
    head = Head(MINIMAL_PDF[:32], len(MINIMAL_PDF), "etag", "application/pdf")

    assert upload_checks.check(head, read_all=lambda: None, read_tail=lambda _: None, thumbnail_key="t") is None

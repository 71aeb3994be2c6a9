"""What may be attached (common.attachment_rules) and where it is kept (common.attachment_keys)."""

from __future__ import annotations

import pytest

from common import attachment_keys, attachment_rules, errors

TEN_MB = 10 * 1024 * 1024
TASK = "01JDX3Q8V2M7Z5K9N4R6T8W0YA"
ATTACHMENT = "01JDX3R2B4C6D8E0F2G4H6J8K0"


@pytest.mark.parametrize(
    "name", ["photo.jpg", "my photo (2).JPG", "Größe.pdf", ".hidden", "a" * 255, "\u5199\u771f.png"]
)
def test_names_people_give_files_are_fine(name: str) -> None:
    assert attachment_rules.validate_filename(name) == name


@pytest.mark.parametrize(
    ("name", "error"),
    [
        (7, "filename must be a string"),
        (None, "filename must be a string"),
        (["a"], "filename must be a string"),
        ("", "filename must be 1 to 255 characters"),
        ("a" * 256, "filename must be 1 to 255 characters"),
        ("../../etc/passwd", "filename must not contain / or \\"),
        ("..\\..\\boot.ini", "filename must not contain / or \\"),
        ("a\r\nb.png", "filename must not contain control"),
        ("a\x00.png", "filename must not contain control"),
        ("a\x1b[31m.png", "filename must not contain control"),
        ("photo\u202egnp.exe", "filename must not contain control"),
        ("a\u2028b.png", "filename must not contain control"),
        ("\u200b", "filename must not contain control"),
        ("..", "filename must name a file"),
        ("   ", "filename must name a file"),
        (" . ", "filename must name a file"),
    ],
)
def test_other_names_are_refused(name: object, error: str) -> None:
    with pytest.raises(errors.BadRequest) as refused:
        attachment_rules.validate_filename(name)

    assert refused.value.message.startswith(error)


@pytest.mark.parametrize("content_type", ["image/jpeg", "image/png", "image/gif", "image/webp", "application/pdf"])
def test_the_five_types_are_allowed(content_type: str) -> None:
    assert attachment_rules.validate_content_type(content_type) == content_type


@pytest.mark.parametrize(
    "content_type", ["image/svg+xml", "text/html", "IMAGE/PNG", "image/png; charset=utf-8", 5, None]
)
def test_other_types_are_refused(content_type: object) -> None:
    with pytest.raises(errors.BadRequest, match="content_type must be one of"):
        attachment_rules.validate_content_type(content_type)


@pytest.mark.parametrize("size", [1, TEN_MB])
def test_a_size_is_1_byte_to_10_mb(size: int) -> None:
    assert attachment_rules.validate_size(size) == size


@pytest.mark.parametrize("size", [0, -1, TEN_MB + 1, "100", 1.5, 100.0, True, None, 10**30])
def test_other_sizes_are_refused(size: object) -> None:
    with pytest.raises(errors.BadRequest, match="size must be a whole number of bytes"):
        attachment_rules.validate_size(size)


def test_an_attachments_keys() -> None:
    ref = attachment_keys.Ref("u1", TASK, ATTACHMENT)

    assert ref.upload_key == f"uploads/u1/{TASK}/{ATTACHMENT}"
    assert ref.thumbnail_key == f"thumbnails/u1/{TASK}/{ATTACHMENT}.jpg"
    assert attachment_keys.parse_upload_key(ref.upload_key) == ref
    assert attachment_keys.task_prefixes("u1", TASK) == (f"uploads/u1/{TASK}/", f"thumbnails/u1/{TASK}/")


@pytest.mark.parametrize(
    "key",
    [
        "uploads/readme.txt",
        f"uploads/u1/{TASK}",
        f"uploads/u 1/{TASK}/{ATTACHMENT}",
        f"uploads/u1/{TASK}/{ATTACHMENT}/x",
    ],
)
def test_keys_we_never_hand_out_belong_to_no_attachment(key: str) -> None:
    assert attachment_keys.parse_upload_key(key) is None


@pytest.mark.parametrize(("user_id", "task_id"), [("", TASK), ("u1", ""), ("u/1", TASK), ("u1", "*")])
def test_ids_that_would_widen_a_tasks_prefixes_are_refused(user_id: str, task_id: str) -> None:
    with pytest.raises(ValueError, match="not a task key"):
        attachment_keys.task_prefixes(user_id, task_id)

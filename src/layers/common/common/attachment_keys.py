"""Where an attachment's files live in the bucket: `uploads/{user_id}/{task_id}/{attachment_id}`
for the file as uploaded, `thumbnails/{user_id}/{task_id}/{attachment_id}.jpg` for its thumbnail."""

from __future__ import annotations

import re
from typing import NamedTuple

from common import ids

# Compiled on first use (re caches it): only process_upload reads upload keys.
_UPLOAD_KEY = rf"uploads/({ids.USER_ID_PATTERN.pattern})/({ids.ID_PATTERN.pattern})/({ids.ID_PATTERN.pattern})"


class Ref(NamedTuple):
    """Which attachment of which task: everything its keys are made of."""

    user_id: str
    task_id: str
    attachment_id: str

    @property
    def upload_key(self) -> str:
        return f"uploads/{self.user_id}/{self.task_id}/{self.attachment_id}"

    @property
    def thumbnail_key(self) -> str:
        return f"thumbnails/{self.user_id}/{self.task_id}/{self.attachment_id}.jpg"


def parse_upload_key(key: str) -> Ref | None:
    """The attachment an `uploads/...` key belongs to, or None for a key we never hand out."""
    match = re.fullmatch(_UPLOAD_KEY, key)
    return Ref(*match.groups()) if match else None


def task_prefixes(user_id: str, task_id: str) -> tuple[str, str]:
    """The key prefixes holding a task's files and thumbnails. Refuses ids that could widen them
    (an empty or odd id would turn `uploads/u/t/` into `uploads/u/` or worse)."""
    if not ids.USER_ID_PATTERN.fullmatch(user_id) or not ids.ID_PATTERN.fullmatch(task_id):
        raise ValueError(f"not a task key: {user_id!r}/{task_id!r}")
    return f"uploads/{user_id}/{task_id}/", f"thumbnails/{user_id}/{task_id}/"

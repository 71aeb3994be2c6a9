"""Attachments as the API shows them: in full on a task, as a short summary in a list of tasks.

An attachment is an entry of the task item's `attachments` map, keyed by its id (a ULID):
`filename, content_type, size, status, created_at, expires_at`, then `etag` and either
`width, height, thumbnail_key` (ready) or `reason` (rejected). A `pending` entry whose
`expires_at` has passed is shown as `expired` (lazy expiry: no scheduler changes it).

Why a list shows less: a page of 100 tasks with 20 attachments each must stay well inside
Lambda's 6 MB response limit whatever the names are (tests/unit/test_list_page_size.py). Names
(up to 255 characters each) and download links (two presigned URLs per attachment) would not;
the summary has neither. A task read shows both.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from common import clock
from common.attachment_keys import Ref

if TYPE_CHECKING:  # only type checkers need it: defining a Protocol class at import is not cheap
    from typing import Protocol

    class Linker(Protocol):
        """Makes a short-lived download URL for an object (storage.download_url)."""

        def __call__(self, key: str, *, filename: str | None = None) -> str: ...


type Attachment = dict[str, Any]


def status(values: Mapping[str, Any], now: int) -> str:
    """The stored status, except that a pending upload past its window shows as `expired`."""
    stored = str(values["status"])
    return "expired" if stored == "pending" and int(values["expires_at"]) <= now else stored


def to_json(attachment_id: str, values: Mapping[str, Any], *, now: int) -> Attachment:
    """An attachment in full (without download links)."""
    shown = status(values, now)
    view: Attachment = {
        "attachment_id": attachment_id,
        "filename": values["filename"],
        "content_type": values["content_type"],
        "size": int(values["size"]),
        "status": shown,
        "created_at": clock.iso(int(values["created_at"])),
    }
    if shown == "pending":
        view["expires_at"] = clock.iso(int(values["expires_at"]))
    elif shown == "rejected":
        view["reason"] = values.get("reason", "")
    elif shown == "ready" and "width" in values:
        view["width"], view["height"] = int(values["width"]), int(values["height"])
    return view


def full_list(
    user_id: str, task_id: str, attachments: Mapping[str, Any] | None, *, now: int, link: Linker | None
) -> list[Attachment]:
    """A task's attachments in full, oldest first; with `link`, each ready one carries short-lived
    download URLs for its file (saved under its name, never shown inline) and its thumbnail."""
    views = []
    for attachment_id, values in sorted((attachments or {}).items()):
        view = to_json(attachment_id, values, now=now)
        if link is not None and view["status"] == "ready":
            view["url"] = link(Ref(user_id, task_id, attachment_id).upload_key, filename=values["filename"])
            if values.get("thumbnail_key"):
                view["thumbnail_url"] = link(values["thumbnail_key"])
        views.append(view)
    return views


def summary_list(attachments: Mapping[str, Any] | None, *, now: int) -> list[Attachment]:
    """A task's attachments as a list of tasks shows them, oldest first: id, type, size and status."""
    return [
        {
            "attachment_id": attachment_id,
            "content_type": values["content_type"],
            "size": int(values["size"]),
            "status": status(values, now),
        }
        for attachment_id, values in sorted((attachments or {}).items())
    ]

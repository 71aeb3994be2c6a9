"""The largest page of tasks a list can return stays well inside Lambda's 6 MB response limit.

Lambda refuses a response payload over 6 MB (6,291,456 bytes); API Gateway then answers 500. A
page holds at most 100 tasks (and at most the 1 MB of items one Query reads, a bound this test
does not even need). Here every one of the 100 is at every limit at once: the longest user id,
title and description in the costliest character, and 20 attachments with the longest names.
"""

from __future__ import annotations

import json
from typing import Any

from common import dynamo, http, pages, task_model

LAMBDA_RESPONSE_LIMIT = 6 * 1024 * 1024
BUDGET = 4 * 1024 * 1024  # a clear margin under it
# The character that costs most in a response: 4 bytes of UTF-8, 12 where the runtime escapes
# non-ASCII as JSON's \ud83d\ude00 (older Python runtimes did; python3.12 and later send UTF-8).
# (A quote costs 4 either way: \" in the body, \\\" once the runtime encodes the body again.)
COSTLIEST = "\U0001f600"
NOW = 1_800_000_000


def worst_task(user_id: str, number: int) -> dict[str, Any]:
    """A task item with every field at its longest and 20 ready attachments with the longest names."""
    task_id = f"01JDX3Q8V2M7Z5K9N4R6T8W{number:03d}"
    entries = {
        f"01JDX3R2B4C6D8E0F2G4H6J8{index:02d}": {
            "filename": COSTLIEST * 255,
            "content_type": "application/pdf",
            "size": 10 * 1024 * 1024,
            "status": "rejected",
            "created_at": NOW,
            "expires_at": NOW + 900,
            "etag": "0123456789abcdef0123456789abcdef",
            "reason": "The file is not a complete PDF: no %%EOF at its end",
            "processed_at": NOW,
        }
        for index in range(20)
    }
    fields = {"title": COSTLIEST * 200, "description": COSTLIEST * 2000, "status": "in_progress"}
    item = task_model.new_item(user_id, task_id, {**fields, "due_date": "2027-12-31"}, now=NOW)
    item["version"] = {"N": "9" * 38}
    item["attachments"] = dynamo.to_item({"v": entries})["v"]
    return item


def test_the_largest_possible_page_is_under_4_mb() -> None:
    user_id = "u" * 64
    page = [task_model.to_list_json(worst_task(user_id, number)) for number in range(pages.MAX_SIZE)]
    response = http.json_response({"tasks": page, "next_token": "x" * 100})

    # The payload the runtime returns, with non-ASCII escaped (the larger) and as UTF-8.
    escaped = len(json.dumps(response).encode())
    utf8 = len(json.dumps(response, ensure_ascii=False).encode())

    assert max(escaped, utf8) <= BUDGET < LAMBDA_RESPONSE_LIMIT, (escaped, utf8)

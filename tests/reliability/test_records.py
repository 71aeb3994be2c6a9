"""The stored-record rules catch what they are meant to (so a clean scan means something)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from tests.reliability.records import bad_records, link_problems, task_problems

GOOD_LINK = {"shortCode": "abc1234", "longUrl": "https://example.com/", "createdAt": Decimal(1), "clicks": Decimal(0)}
GOOD_TASK = {
    "user_id": "u1", "task_id": "01JDX3Q8V2M7Z5K9N4R6T8W0YA", "title": "t", "description": "", "status": "pending",
    "created_at": Decimal(1), "updated_at": Decimal(2), "version": Decimal(1), "attachments": {},
}  # fmt: skip


GOOD_SHARD = {"shortCode": "abc1234#7", "clicks": Decimal(3)}


def test_good_records_pass() -> None:
    assert bad_records([GOOD_LINK, GOOD_SHARD], [GOOD_TASK]) == {}


@pytest.mark.parametrize(
    "shard",
    [{"shortCode": "abc1234#x", "clicks": Decimal(1)}, {"shortCode": "a#1", "clicks": Decimal(1)},
     {"shortCode": "abc1234#1", "clicks": Decimal(1), "longUrl": "https://example.com/"}],
)  # fmt: skip
def test_bad_click_counters_are_caught(shard: dict[str, Any]) -> None:
    assert link_problems(shard)


@pytest.mark.parametrize(
    "change",
    [
        {"longUrl": "javascript:alert(1)"},
        {"longUrl": "https://example.com/\r\nSet-Cookie: x"},
        {"longUrl": "https://\u0430pple.com/"},
        {"shortCode": "links"},
        {"shortCode": "../x"},
        {"clicks": Decimal(-1)},
        {"expiresAt": Decimal(0)},
        {"owner": "someone"},
    ],
)
def test_bad_links_are_caught(change: dict[str, Any]) -> None:
    assert link_problems({**GOOD_LINK, **change})


@pytest.mark.parametrize(
    "change",
    [
        {"user_id": ".."},
        {"task_id": "../../x"},
        {"title": ""},
        {"title": "a\x00b"},
        {"title": "a\ud800b"},
        {"status": "hacked"},
        {"due_date": "2027-02-30"},
        {"version": Decimal(0)},
        {"attachments": {"01JDX3Q8V2M7Z5K9N4R6T8W0YB": {"filename": "../x", "content_type": "image/png",
                                                        "size": Decimal(1), "status": "pending"}}},
    ],
)  # fmt: skip
def test_bad_tasks_are_caught(change: dict[str, Any]) -> None:
    assert task_problems({**GOOD_TASK, **change})

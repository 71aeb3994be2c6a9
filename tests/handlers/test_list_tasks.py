"""GET /users/{user_id}/tasks, through ListTasksFunction: pages, tokens, filters."""

from __future__ import annotations

import pytest

from tests.support.tasks_api import TasksApi
from tests.support.uploads import Uploads


def create_many(tasks_api: TasksApi, user_id: str, count: int, **fields: str) -> list[str]:
    return [tasks_api.create(user_id, {"title": f"task {i}", **fields}).body["task_id"] for i in range(count)]


def test_lists_a_users_tasks_newest_first(tasks_api: TasksApi) -> None:
    created = create_many(tasks_api, "user123", 3)
    tasks_api.create("someone-else", {"title": "not mine"})

    reply = tasks_api.list("user123")

    assert reply.status == 200
    assert [task["task_id"] for task in reply.body["tasks"]] == created[::-1]
    assert reply.body["next_token"] is None


def test_an_unknown_user_has_an_empty_list(tasks_api: TasksApi) -> None:
    reply = tasks_api.list("nobody")

    assert reply.status == 200
    assert reply.body == {"tasks": [], "next_token": None}


def test_walking_every_page_of_120_tasks_gives_each_task_exactly_once(
    tasks_api: TasksApi, dynamodb_calls: list[str]
) -> None:
    created = create_many(tasks_api, "walker", 120)
    dynamodb_calls.clear()

    seen: list[str] = []
    pages = 0
    token: str | None = None
    while True:
        query = {"limit": "25", **({"next_token": token} if token else {})}
        reply = tasks_api.list("walker", query)
        assert reply.status == 200
        pages += 1
        seen.extend(task["task_id"] for task in reply.body["tasks"])
        token = reply.body["next_token"]
        if token is None:
            break

    assert sorted(seen) == sorted(created)
    assert len(seen) == len(set(seen)) == 120
    assert pages in (5, 6)  # DynamoDB may hand back a last, empty page
    assert dynamodb_calls == ["Query"] * pages


def test_default_page_is_50(tasks_api: TasksApi) -> None:
    create_many(tasks_api, "u1", 51)

    reply = tasks_api.list("u1")

    assert len(reply.body["tasks"]) == 50
    assert reply.body["next_token"]


def test_status_filter_returns_only_that_status(tasks_api: TasksApi) -> None:
    done = create_many(tasks_api, "u1", 2, status="done")
    create_many(tasks_api, "u1", 3)

    reply = tasks_api.list("u1", {"status": "done"})

    assert sorted(task["task_id"] for task in reply.body["tasks"]) == sorted(done)


def test_a_token_issued_for_another_user_is_400(tasks_api: TasksApi) -> None:
    create_many(tasks_api, "alice", 3)
    create_many(tasks_api, "mallory", 3)
    alices_token = tasks_api.list("alice", {"limit": "1"}).body["next_token"]

    reply = tasks_api.list("mallory", {"next_token": alices_token})

    assert reply.status == 400
    assert reply.body == {"error": "next_token is invalid"}


def test_a_forged_token_is_400(tasks_api: TasksApi) -> None:
    # Other forgeries (payload edited, signature dropped, garbage): tests/unit/test_pages.py.
    create_many(tasks_api, "alice", 3)
    token = tasks_api.list("alice", {"limit": "1"}).body["next_token"]
    forged = token[:-1] + ("A" if token[-1] != "A" else "B")

    reply = tasks_api.list("alice", {"next_token": forged})

    assert reply.status == 400
    assert reply.body == {"error": "next_token is invalid"}


# Every rule for `limit` is in tests/unit/test_pages.py.
@pytest.mark.parametrize("limit", ["101", "ten", "1" * 5000])  # int() refuses more than 4300 digits
def test_limit_out_of_range_is_400(tasks_api: TasksApi, limit: str) -> None:
    reply = tasks_api.list("u1", {"limit": limit})

    assert reply.status == 400
    assert "limit" in reply.body["error"]


def test_unknown_status_filter_is_400(tasks_api: TasksApi) -> None:
    reply = tasks_api.list("u1", {"status": "archived"})

    assert reply.status == 400
    assert "status" in reply.body["error"]


def test_a_list_shows_attachments_as_summaries_without_names_or_links(tasks_api: TasksApi, uploads: Uploads) -> None:
    # What keeps the largest page small (tests/unit/test_list_page_size.py); a task read shows the rest.
    task_id = tasks_api.create("u1", {"title": "with a file"}).body["task_id"]
    _, body = uploads.request("u1", task_id, {"filename": "receipt.pdf", "content_type": "application/pdf", "size": 9})

    listed = tasks_api.list("u1").body["tasks"][0]["attachments"]

    assert listed == [
        {
            "attachment_id": body["attachment"]["attachment_id"],
            "content_type": "application/pdf",
            "size": 9,
            "status": "pending",
        }
    ]

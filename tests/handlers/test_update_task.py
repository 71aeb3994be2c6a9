"""PATCH and PUT /users/{user_id}/tasks/{task_id}, through UpdateTaskFunction: fields, versions."""

from __future__ import annotations

from typing import Any

import pytest

from tests.support.tasks_api import TasksApi

MISSING = "01JDX3Q8V2M7Z5K9N4R6T8W0YA"


@pytest.fixture
def task(tasks_api: TasksApi) -> dict[str, Any]:
    task: dict[str, Any] = tasks_api.create(
        "u1", {"title": "original", "description": "d", "due_date": "2027-01-01"}
    ).body
    return task


def test_patch_changes_only_the_fields_sent_and_bumps_the_version(tasks_api: TasksApi, task: dict[str, Any]) -> None:
    reply = tasks_api.update("u1", task["task_id"], {"status": "done", "version": 1})

    assert reply.status == 200
    assert reply.body == {**task, "status": "done", "version": 2, "updated_at": reply.body["updated_at"]}
    assert tasks_api.get("u1", task["task_id"]).body == reply.body


def test_patch_with_null_due_date_clears_it(tasks_api: TasksApi, task: dict[str, Any]) -> None:
    reply = tasks_api.update("u1", task["task_id"], {"due_date": None, "version": 1})

    assert reply.status == 200
    assert reply.body["due_date"] is None


def test_put_replaces_every_editable_field(tasks_api: TasksApi, task: dict[str, Any]) -> None:
    reply = tasks_api.update("u1", task["task_id"], {"title": "new", "version": 1}, method="PUT")

    assert reply.status == 200
    assert reply.body["title"] == "new"
    assert reply.body["description"] == ""
    assert reply.body["status"] == "pending"
    assert reply.body["due_date"] is None
    assert reply.body["created_at"] == task["created_at"]


def test_a_reminder_is_set_moved_and_cleared_like_any_field(tasks_api: TasksApi, task: dict[str, Any]) -> None:
    set_ = tasks_api.update("u1", task["task_id"], {"remind_at": "2999-12-24T09:00:00Z", "version": 1})
    moved = tasks_api.update("u1", task["task_id"], {"remind_at": "2999-12-25T09:00:00Z", "version": 2})
    cleared = tasks_api.update("u1", task["task_id"], {"remind_at": None, "version": 3})

    assert (set_.status, moved.status, cleared.status) == (200, 200, 200)
    assert [reply.body["remind_at"] for reply in (set_, moved, cleared)] == [
        "2999-12-24T09:00:00Z",
        "2999-12-25T09:00:00Z",
        None,
    ]


def test_marking_a_task_done_cancels_its_reminder(tasks_api: TasksApi, task: dict[str, Any]) -> None:
    tasks_api.update("u1", task["task_id"], {"remind_at": "2999-12-24T09:00:00Z", "version": 1})

    reply = tasks_api.update("u1", task["task_id"], {"status": "done", "version": 2})

    assert reply.status == 200
    assert reply.body["remind_at"] is None


def test_a_reminder_on_a_done_task_is_409_until_it_is_reopened(tasks_api: TasksApi, task: dict[str, Any]) -> None:
    tasks_api.update("u1", task["task_id"], {"status": "done", "version": 1})

    refused = tasks_api.update("u1", task["task_id"], {"remind_at": "2999-12-24T09:00:00Z", "version": 2})
    reopened = tasks_api.update(
        "u1", task["task_id"], {"remind_at": "2999-12-24T09:00:00Z", "status": "pending", "version": 2}
    )

    assert refused.status == 409
    assert refused.body["error"].startswith("Task is done")
    assert refused.body["task"]["version"] == 2  # nothing changed
    assert reopened.status == 200
    assert reopened.body["remind_at"] == "2999-12-24T09:00:00Z"


def test_put_without_remind_at_clears_it(tasks_api: TasksApi, task: dict[str, Any]) -> None:
    tasks_api.update("u1", task["task_id"], {"remind_at": "2999-12-24T09:00:00Z", "version": 1})

    reply = tasks_api.update("u1", task["task_id"], {"title": "t", "version": 2}, method="PUT")

    assert reply.body["remind_at"] is None


def test_put_without_title_is_400(tasks_api: TasksApi, task: dict[str, Any]) -> None:
    reply = tasks_api.update("u1", task["task_id"], {"status": "done", "version": 1}, method="PUT")

    assert reply.status == 400
    assert reply.body == {"error": "Missing field: title"}


def test_stale_version_is_409_with_the_current_task(tasks_api: TasksApi, task: dict[str, Any]) -> None:
    first = tasks_api.update("u1", task["task_id"], {"title": "first", "version": 1})

    reply = tasks_api.update("u1", task["task_id"], {"title": "second", "version": 1})

    assert reply.status == 409
    assert reply.body["task"] == first.body
    assert "version 2" in reply.body["error"]
    assert tasks_api.get("u1", task["task_id"]).body["title"] == "first"


def test_update_is_one_dynamodb_call_even_when_stale(
    tasks_api: TasksApi, task: dict[str, Any], dynamodb_calls: list[str]
) -> None:
    dynamodb_calls.clear()
    tasks_api.update("u1", task["task_id"], {"title": "x", "version": 1})
    tasks_api.update("u1", task["task_id"], {"title": "y", "version": 1})

    assert dynamodb_calls == ["UpdateItem", "UpdateItem"]


def test_update_of_a_missing_task_is_404_and_creates_nothing(tasks_api: TasksApi) -> None:
    reply = tasks_api.update("u1", MISSING, {"title": "x", "version": 1})

    assert reply.status == 404
    assert tasks_api.get("u1", MISSING).status == 404


# One case per kind of refusal: every field rule is in tests/unit/test_task_model.py.
@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"title": "x"}, "Missing field: version"),
        ({"version": 1}, "Nothing to update"),
        ({"title": "x", "version": "1"}, "version must be a positive whole number"),
        # More digits than a DynamoDB number holds: the UpdateItem would fail on AWS (a 500).
        ({"title": "x", "version": 10**38}, "version must be a positive whole number of at most 38 digits"),
        ({"user_id": "u2", "version": 1}, "user_id cannot be set or changed"),
        ({"owner": "me", "version": 1}, "Unknown field(s): owner"),
        ({"title": "\u200b", "version": 1}, "title must not contain control or invisible formatting characters"),
        ({"due_date": "2027-13-01", "version": 1}, "due_date must be an ISO 8601 date"),
    ],
)
def test_invalid_update_is_400_and_changes_nothing(
    tasks_api: TasksApi, task: dict[str, Any], body: dict[str, Any], message: str
) -> None:
    reply = tasks_api.update("u1", task["task_id"], body)

    assert reply.status == 400
    assert message in reply.body["error"]
    assert tasks_api.get("u1", task["task_id"]).body == task

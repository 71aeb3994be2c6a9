"""POST /users/{user_id}/tasks, through CreateTaskFunction, against the emulator."""

from __future__ import annotations

import re
from typing import Any

import pytest

from devkit.emulator import Emulator
from devkit.events import sample_event
from tests.conftest import Invoke
from tests.support.tasks_api import TasksApi


def count_tasks(aws: Emulator) -> int:
    return aws.dynamodb().scan(TableName="TasksTable", Select="COUNT")["Count"]


def test_the_seed_clients_request_creates_a_snake_case_task(tasks_api: TasksApi) -> None:
    reply = tasks_api.create("user123", {"title": "Learn AWS Lambda", "description": "Build a serverless API"})

    assert reply.status == 201
    task = reply.body
    assert set(task) == {
        "user_id", "task_id", "title", "description", "status", "due_date", "remind_at", "created_at", "updated_at",
        "version", "attachments",
    }  # fmt: skip
    assert task["user_id"] == "user123"
    assert re.fullmatch(r"[0-9A-HJKMNP-TV-Z]{26}", task["task_id"])
    assert task["title"] == "Learn AWS Lambda"
    assert task["description"] == "Build a serverless API"
    assert task["status"] == "pending"
    assert task["due_date"] is None
    assert task["remind_at"] is None
    assert task["version"] == 1
    assert task["attachments"] == []
    assert task["created_at"] == task["updated_at"]
    assert reply.headers["Location"] == f"/users/user123/tasks/{task['task_id']}"


def test_the_sample_event_creates_a_task(invoke_function: Invoke) -> None:
    response = invoke_function("CreateTaskFunction", sample_event("create_task"))

    assert response["statusCode"] == 201


def test_optional_fields_are_kept(tasks_api: TasksApi) -> None:
    reply = tasks_api.create("u1", {"title": "t", "status": "in_progress", "due_date": "2027-02-28"})

    assert reply.status == 201
    assert reply.body["status"] == "in_progress"
    assert reply.body["due_date"] == "2027-02-28"


def test_create_is_one_dynamodb_call(tasks_api: TasksApi, dynamodb_calls: list[str]) -> None:
    tasks_api.create("u1", {"title": "t"})

    assert dynamodb_calls == ["PutItem"]


# One case per kind of refusal: every field rule is in tests/unit/test_task_model.py.
@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({}, "Missing field: title"),
        ({"title": "\u200b"}, "title must not contain control or invisible formatting characters"),
        ({"title": "t", "description": "\u200b"}, "description must not contain control"),
        ({"title": "a\ud800b"}, "unpaired surrogate"),  # sent as the JSON escape \ud800: DynamoDB refuses it
        ({"title": "t", "status": "finished"}, "status must be one of: pending, in_progress, done"),
        ({"title": "t", "due_date": "2027-02-30"}, "due_date must be an ISO 8601 date"),
        ({"title": "t", "remind_at": "2020-01-01T09:00:00Z"}, "remind_at must be in the future"),
        ({"title": "t", "status": "done", "remind_at": "2999-01-01T09:00:00Z"}, "A done task has no reminder"),
        ({"title": "t", "user_id": "someone-else"}, "user_id cannot be set or changed"),
        ({"title": "t", "priority": "high"}, "Unknown field(s): priority"),
        ({"title": "t", "version": 3}, "Unknown field(s): version"),
        (["title"], "must be a JSON object"),
    ],
)
def test_invalid_task_is_400_naming_the_field_and_stores_nothing(
    tasks_api: TasksApi, aws: Emulator, body: Any, message: str
) -> None:
    reply = tasks_api.create("u1", body)

    assert reply.status == 400
    assert message in reply.body["error"]
    assert count_tasks(aws) == 0


@pytest.mark.parametrize("user_id", ["..", "a/b", "a b", "x" * 65, "üser", "<script>"])
def test_malformed_user_id_is_400(tasks_api: TasksApi, aws: Emulator, user_id: str) -> None:
    reply = tasks_api.create(user_id, {"title": "t"})

    assert reply.status == 400
    assert "user_id" in reply.body["error"]
    assert count_tasks(aws) == 0


def test_oversized_body_is_413(tasks_api: TasksApi, aws: Emulator) -> None:
    reply = tasks_api.create("u1", {"title": "t", "description": "x" * 11000})

    assert reply.status == 413
    assert count_tasks(aws) == 0

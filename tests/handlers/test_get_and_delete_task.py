"""GET and DELETE /users/{user_id}/tasks/{task_id}, through GetTaskFunction and DeleteTaskFunction."""

from __future__ import annotations

import pytest

from tests.support.tasks_api import TasksApi

MISSING = "01JDX3Q8V2M7Z5K9N4R6T8W0YA"


def test_get_returns_the_task(tasks_api: TasksApi) -> None:
    created = tasks_api.create("u1", {"title": "read me"}).body

    reply = tasks_api.get("u1", created["task_id"])

    assert reply.status == 200
    assert reply.body == created


def test_get_is_one_dynamodb_call(tasks_api: TasksApi, dynamodb_calls: list[str]) -> None:
    task_id = tasks_api.create("u1", {"title": "t"}).body["task_id"]
    dynamodb_calls.clear()

    tasks_api.get("u1", task_id)

    assert dynamodb_calls == ["GetItem"]


def test_get_missing_task_is_404(tasks_api: TasksApi) -> None:
    reply = tasks_api.get("u1", MISSING)

    assert reply.status == 404
    assert reply.body == {"error": "Task not found"}


def test_another_users_task_is_not_found_under_your_id(tasks_api: TasksApi) -> None:
    task_id = tasks_api.create("alice", {"title": "private"}).body["task_id"]

    assert tasks_api.get("bob", task_id).status == 404


@pytest.mark.parametrize("task_id", ["..", "not-a-ulid", "01JDX3Q8V2M7Z5K9N4R6T8W0Y", "01JDX3Q8V2M7Z5K9N4R6T8W0YI"])
def test_malformed_task_id_is_400(tasks_api: TasksApi, task_id: str) -> None:
    reply = tasks_api.get("u1", task_id)

    assert reply.status == 400
    assert reply.body == {"error": "task_id is malformed"}


def test_delete_removes_the_task_and_answers_204(tasks_api: TasksApi, dynamodb_calls: list[str]) -> None:
    task_id = tasks_api.create("u1", {"title": "t"}).body["task_id"]
    dynamodb_calls.clear()

    reply = tasks_api.delete("u1", task_id)

    assert reply.status == 204
    assert reply.body is None
    assert dynamodb_calls == ["DeleteItem"]
    assert tasks_api.get("u1", task_id).status == 404


def test_delete_missing_task_is_404(tasks_api: TasksApi) -> None:
    assert tasks_api.delete("u1", MISSING).status == 404


def test_deleting_twice_is_404_the_second_time(tasks_api: TasksApi) -> None:
    task_id = tasks_api.create("u1", {"title": "t"}).body["task_id"]

    assert tasks_api.delete("u1", task_id).status == 204
    assert tasks_api.delete("u1", task_id).status == 404

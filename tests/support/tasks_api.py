"""The Tasks API as a test client: each call is one handler invocation with a real event."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from devkit.events import task_event


@dataclass
class Reply:
    status: int
    body: Any
    headers: dict[str, str]


@dataclass
class TasksApi:
    invoke_function: Any
    env: dict[str, str] | None = None

    def _call(self, function: str, event: dict[str, Any]) -> Reply:
        response = self.invoke_function(function, event, self.env)
        body = json.loads(response["body"]) if response["body"] else None
        return Reply(response["statusCode"], body, response["headers"])

    def create(self, user_id: str, body: Any, **kwargs: Any) -> Reply:
        return self._call("CreateTaskFunction", task_event("POST", user_id, body=body, **kwargs))

    def list(self, user_id: str, query: dict[str, str] | None = None, claims: dict[str, Any] | None = None) -> Reply:
        return self._call("ListTasksFunction", task_event("GET", user_id, query=query, claims=claims))

    def get(self, user_id: str, task_id: str, **kwargs: Any) -> Reply:
        return self._call("GetTaskFunction", task_event("GET", user_id, task_id, **kwargs))

    def update(self, user_id: str, task_id: str, body: Any, *, method: str = "PATCH", **kwargs: Any) -> Reply:
        return self._call("UpdateTaskFunction", task_event(method, user_id, task_id, body=body, **kwargs))

    def delete(self, user_id: str, task_id: str, **kwargs: Any) -> Reply:
        return self._call("DeleteTaskFunction", task_event("DELETE", user_id, task_id, **kwargs))

    def attach(self, user_id: str, task_id: str, body: Any, **kwargs: Any) -> Reply:
        event = task_event("POST", user_id, task_id, suffix="/attachments", body=body, **kwargs)
        return self._call("CreateAttachmentFunction", event)

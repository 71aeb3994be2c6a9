"""POST /users/{user_id}/tasks: create a task."""

from common import http, tasks
from common.observability import MetricUnit, metrics


@http.api_handler
def handler(request: http.Request) -> http.Response:
    user_id = tasks.validate_user_id(request.path_param("user_id"))
    body = request.json_object(required=("title",), optional=(*tasks.EDITABLE_FIELDS, *tasks.READ_ONLY_FIELDS))

    task = tasks.create_task(user_id, tasks.validate_fields(body))

    metrics.add_metric(name="TasksCreated", unit=MetricUnit.Count, value=1)
    return http.json_response(task, status=201, headers={"Location": f"/users/{user_id}/tasks/{task['task_id']}"})

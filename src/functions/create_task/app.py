"""POST /users/{user_id}/tasks: create a task."""

from common import http, ids, task_model, tasks
from common.observability import MetricUnit, metrics


@http.api_handler(owner="user_id")
def handler(request: http.Request) -> http.Response:
    user_id = ids.validate_user_id(request.path_param("user_id"))
    body = request.json_object(
        required=task_model.REQUIRED_FIELDS, optional=(*task_model.EDITABLE_FIELDS, *task_model.READ_ONLY_FIELDS)
    )

    task = tasks.create_task(user_id, task_model.validate_fields(body))

    metrics.add_metric(name="TasksCreated", unit=MetricUnit.Count, value=1)
    return http.json_response(task, status=201, headers={"Location": f"/users/{user_id}/tasks/{task['task_id']}"})

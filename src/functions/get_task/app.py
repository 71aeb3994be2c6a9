"""GET /users/{user_id}/tasks/{task_id}: one task."""

from common import http, tasks


@http.api_handler
def handler(request: http.Request) -> http.Response:
    task = tasks.get_task(
        tasks.validate_user_id(request.path_param("user_id")),
        tasks.validate_task_id(request.path_param("task_id")),
    )
    return http.json_response(task)

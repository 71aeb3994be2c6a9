"""DELETE /users/{user_id}/tasks/{task_id}: delete a task."""

from common import http, tasks


@http.api_handler
def handler(request: http.Request) -> http.Response:
    tasks.delete_task(
        tasks.validate_user_id(request.path_param("user_id")),
        tasks.validate_task_id(request.path_param("task_id")),
    )
    return http.no_content()

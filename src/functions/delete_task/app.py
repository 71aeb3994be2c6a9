"""DELETE /users/{user_id}/tasks/{task_id}: delete a task (its files follow: cleanup_task)."""

from common import http, ids, tasks


@http.api_handler(owner="user_id")
def handler(request: http.Request) -> http.Response:
    tasks.delete_task(
        ids.validate_user_id(request.path_param("user_id")), ids.validate_task_id(request.path_param("task_id"))
    )
    return http.no_content()

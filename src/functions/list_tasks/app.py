"""GET /users/{user_id}/tasks?limit=&next_token=&status=: one page of a user's tasks, newest first.

Attachments show as summaries, without names or download links (GET the task for those), so that
the largest possible page stays well inside Lambda's 6 MB response limit.
"""

from common import http, ids, pages, task_model, tasks


@http.api_handler(owner="user_id")
def handler(request: http.Request) -> http.Response:
    status = request.query.get("status")
    page, next_token = tasks.list_tasks(
        ids.validate_user_id(request.path_param("user_id")),
        limit=pages.validate_page_size(request.query.get("limit")),
        next_token=request.query.get("next_token") or None,
        status=task_model.validate_status(status) if status is not None else None,
    )
    return http.json_response({"tasks": page, "next_token": next_token})

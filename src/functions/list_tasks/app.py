"""GET /users/{user_id}/tasks?limit=&next_token=&status=: one page of a user's tasks, newest first."""

from common import http, storage, tasks


@http.api_handler
def handler(request: http.Request) -> http.Response:
    user_id = tasks.validate_user_id(request.path_param("user_id"))
    page, next_token = tasks.list_tasks(
        user_id,
        limit=tasks.validate_page_size(request.query.get("limit")),
        next_token=request.query.get("next_token") or None,
        status=tasks.validate_status_filter(request.query.get("status")),
        link=storage.download_url,
    )
    return http.json_response({"tasks": page, "next_token": next_token})

"""GET /users/{user_id}/tasks/{task_id}: one task, with download links for its ready attachments."""

from common import http, ids, storage, tasks


@http.api_handler(owner="user_id")
def handler(request: http.Request) -> http.Response:
    task = tasks.get_task(
        ids.validate_user_id(request.path_param("user_id")),
        ids.validate_task_id(request.path_param("task_id")),
        link=storage.download_url,  # presigning is local: still one DynamoDB call, no S3 call
    )
    return http.json_response(task)

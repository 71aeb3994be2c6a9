"""PATCH and PUT /users/{user_id}/tasks/{task_id}: change a task the client has seen at `version`.

PATCH changes the fields it names; PUT replaces all of them (omitted ones go back to their defaults).
"""

from common import errors, http, ids, task_model, tasks


@http.api_handler(owner="user_id")
def handler(request: http.Request) -> http.Response:
    user_id = ids.validate_user_id(request.path_param("user_id"))
    task_id = ids.validate_task_id(request.path_param("task_id"))
    replace = request.method == "PUT"
    body = request.json_object(
        required=("version", *task_model.REQUIRED_FIELDS) if replace else ("version",),
        optional=(*task_model.EDITABLE_FIELDS, *task_model.READ_ONLY_FIELDS),
    )
    changes = task_model.validate_fields(body)
    if replace:
        changes = task_model.with_defaults(changes)
    if not changes:
        raise errors.BadRequest(f"Nothing to update: send at least one of {', '.join(task_model.EDITABLE_FIELDS)}")

    task = tasks.update_task(user_id, task_id, version=task_model.validate_version(body["version"]), changes=changes)
    return http.json_response(task)

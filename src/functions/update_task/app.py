"""PATCH and PUT /users/{user_id}/tasks/{task_id}: change a task the client has seen at `version`.

PATCH changes the fields it names; PUT replaces all of them (omitted ones go back to their defaults).
"""

from common import errors, http, tasks

# What a PUT sets for each editable field it leaves out.
REPLACEMENT_DEFAULTS = {"description": "", "status": "pending", "due_date": None}


@http.api_handler
def handler(request: http.Request) -> http.Response:
    user_id = tasks.validate_user_id(request.path_param("user_id"))
    task_id = tasks.validate_task_id(request.path_param("task_id"))
    replace = request.method == "PUT"
    body = request.json_object(
        required=("version", "title") if replace else ("version",),
        optional=(*tasks.EDITABLE_FIELDS, *tasks.READ_ONLY_FIELDS),
    )
    changes = tasks.validate_fields(body)
    if replace:
        changes = {**REPLACEMENT_DEFAULTS, **changes}
    if not changes:
        raise errors.BadRequest(f"Nothing to update: send at least one of {', '.join(tasks.EDITABLE_FIELDS)}")

    task = tasks.update_task(user_id, task_id, version=tasks.validate_version(body["version"]), changes=changes)
    return http.json_response(task)

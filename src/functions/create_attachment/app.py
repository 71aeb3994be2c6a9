"""POST /users/{user_id}/tasks/{task_id}/attachments: reserve a slot on the task and presign the upload.

The browser then POSTs the file straight to S3 with the returned form; S3 enforces its policy
(this exact key, content type and size, within 5 minutes) and process_upload takes it from there.
"""

from common import attachment_rules, attachment_slots, http, ids, storage
from common.observability import MetricUnit, metrics


@http.api_handler(owner="user_id")
def handler(request: http.Request) -> http.Response:
    user_id = ids.validate_user_id(request.path_param("user_id"))
    task_id = ids.validate_task_id(request.path_param("task_id"))
    new = attachment_rules.validate_request(request.json_object(required=("filename", "content_type", "size")))

    ref, attachment = attachment_slots.add_pending(user_id, task_id, new)  # one conditional UpdateItem
    upload = storage.upload_form(
        ref.upload_key, content_type=new.content_type, size=new.size, expires_in=attachment_rules.UPLOAD_SECONDS
    )

    metrics.add_metric(name="AttachmentsRequested", unit=MetricUnit.Count, value=1)
    return http.json_response({"attachment": attachment, "upload": upload}, status=201)

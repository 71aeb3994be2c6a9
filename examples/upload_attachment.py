"""Attach a file to a task the way a client of this API does: ask for a form, POST the file to S3, wait.

    .venv/bin/python examples/upload_attachment.py API_URL USER_ID TASK_ID FILE [--token TOKEN]

API_URL is `http://127.0.0.1:3000` for `make run`, or the deployed stack's `ApiUrl`; TOKEN is a
Cognito access token when the stack uses `AuthMode=cognito` (docs/authentication.md). Prints the
attachment as the task shows it once S3's notification has been processed: `ready` (with download
and thumbnail URLs) or `rejected` (with a `reason`).
"""

from __future__ import annotations

import argparse
import json
import mimetypes
import sys
import time
from pathlib import Path
from typing import Any

import requests

WAIT_SECONDS = 30


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("api_url")
    parser.add_argument("user_id")
    parser.add_argument("task_id")
    parser.add_argument("file", type=Path)
    parser.add_argument("--token", help="a Cognito access token (AuthMode=cognito)")
    args = parser.parse_args(argv)
    headers = {"Authorization": f"Bearer {args.token}"} if args.token else {}
    task_url = f"{args.api_url.rstrip('/')}/users/{args.user_id}/tasks/{args.task_id}"

    # 1. The API records a pending attachment and signs a form for exactly this file.
    content_type = mimetypes.guess_type(args.file.name)[0] or "application/octet-stream"
    data = args.file.read_bytes()
    request = {"filename": args.file.name, "content_type": content_type, "size": len(data)}
    answer = requests.post(f"{task_url}/attachments", json=request, headers=headers, timeout=30)
    if answer.status_code != 201:
        print(f"The API refused the attachment: {answer.status_code} {answer.text}", file=sys.stderr)
        return 1
    attachment_id, upload = answer.json()["attachment"]["attachment_id"], answer.json()["upload"]

    # 2. The file goes straight to S3, never through the API: every field of the form, the file last.
    stored = requests.post(upload["url"], data=upload["fields"], files={"file": data}, timeout=60)
    if stored.status_code != 204:
        print(f"S3 refused the upload: {stored.status_code} {stored.text}", file=sys.stderr)
        return 1

    # 3. S3's notification runs ProcessUploadFunction, which marks the attachment ready or rejected.
    deadline = time.monotonic() + WAIT_SECONDS
    while time.monotonic() < deadline:
        task = requests.get(task_url, headers=headers, timeout=30).json()
        found: dict[str, Any] = next(a for a in task["attachments"] if a["attachment_id"] == attachment_id)
        if found["status"] != "pending":
            print(json.dumps(found, indent=2))
            return 0 if found["status"] == "ready" else 1
        time.sleep(0.5)
    print(f"Still pending after {WAIT_SECONDS} s: is the upload trigger running?", file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main())

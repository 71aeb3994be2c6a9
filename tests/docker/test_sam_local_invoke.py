"""`sam local invoke` of every function with its sample event from events/, in Lambda's container, on the emulator.

One story, in order, on one emulator: a link is shortened, followed, counted and drawn; a task is
created, listed, read, reminded of (its reminder queued by the schedule's function, then mailed by
the queue's), changed, given an attachment (the file uploaded with the form the API returned, then
processed), deleted and cleaned up. Each sample event is used as it is, except for
the sample's ids (and the attachment's file), swapped for those of what the story created.
"""

from __future__ import annotations

import json
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import requests

from common.task_model import reminder_shard
from devkit.emulator import Emulator
from devkit.events import EVENTS
from devkit.local_server import ROOT
from devkit.sent_mail import CONTROL_PATH as MAIL
from devkit.stack import Stack
from devserver.sam_local import sam_command, sam_environment, start_emulator, write_env_vars
from tests.support.template import functions

pytestmark = pytest.mark.docker

# The ids in the sample events, and the file the attachment sample declares.
SAMPLE_CODE = "abc1234"
SAMPLE_TASK = "01JDX3Q8V2M7Z5K9N4R6T8W0YA"
SAMPLE_ATTACHMENT = "01JDX3R2B4C6D8E0F2G4H6J8K0"
SAMPLE_BUCKET = "serverless-ref-app-dev-attachments-123456789012-us-east-1"
SAMPLE_FILE = {"whiteboard.jpg": "photo.jpg", "245760": "5653"}
SAMPLE_SCHEDULE_TIME = "2026-12-24T09:00:00Z"
SAMPLE_REMIND_AT = "1798102800"  # the same time, in the reminder message's epoch seconds
PHOTO = EVENTS / "photo.jpg"


@dataclass
class Story:
    """What the story has created so far, and how long each function took (wall time of `sam local invoke`)."""

    emulator: Emulator
    endpoint: str
    env_file: Path
    architecture: str
    events_dir: Path
    ids: dict[str, str] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)

    def invoke(self, function: str, sample: str, swap: dict[str, str] | None = None) -> Any:
        """The function's result for events/<sample>.json with `swap`'s strings replaced."""
        text = (EVENTS / f"{sample}.json").read_text()
        for old, new in (swap or {}).items():
            text = text.replace(old, new)
        event = self.events_dir / f"{sample}.json"
        event.write_text(text)
        command = sam_command(
            ["invoke", function, "--event", str(event)], self.endpoint, self.env_file, self.architecture
        )
        started = time.perf_counter()
        result = subprocess.run(
            command,
            cwd=ROOT,
            env=sam_environment(self.emulator),
            capture_output=True,
            text=True,
            timeout=180,
            check=False,
        )
        self.seconds[function] = time.perf_counter() - started
        assert result.returncode == 0, result.stdout + result.stderr
        # SAM prints the function's logs on stderr and its result as the last line of stdout.
        return json.loads(result.stdout.strip().splitlines()[-1])

    def bucket(self) -> str:
        (name,) = (bucket["Name"] for bucket in self.emulator.s3().list_buckets()["Buckets"])
        return name

    def task_item(self) -> dict[str, Any]:
        key = {"user_id": {"S": "user123"}, "task_id": {"S": self.ids["task"]}}
        return self.emulator.dynamodb().get_item(TableName="TasksTable", Key=key).get("Item") or {}


@pytest.fixture(scope="module")
def story(built: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Story]:
    emulator, endpoint = start_emulator(0)
    stack = Stack()
    emulator.create_resources(stack)
    folder = tmp_path_factory.mktemp("sam-local-invoke")
    env_file = write_env_vars(stack, endpoint, folder / "env.json")
    story = Story(emulator, endpoint, env_file, built, folder)
    yield story
    emulator.stop()
    print("sam local invoke, seconds per function:", {name: round(s, 1) for name, s in story.seconds.items()})


def body(result: dict[str, Any]) -> Any:
    return json.loads(result["body"])


def test_shorten_link(story: Story) -> None:
    result = story.invoke("ShortenLinkFunction", "shorten_link")

    assert result["statusCode"] == 201
    link = body(result)
    assert link["longUrl"] == "https://example.com/very/long/url"
    assert len(link["shortCode"]) == 7
    story.ids["code"] = link["shortCode"]


def test_redirect_link(story: Story) -> None:
    result = story.invoke("RedirectLinkFunction", "redirect_link", {SAMPLE_CODE: story.ids["code"]})

    assert result["statusCode"] == 301
    assert result["headers"]["Location"] == "https://example.com/very/long/url"
    assert result["headers"]["Cache-Control"] == "private, max-age=90"


def test_link_stats_counts_the_click(story: Story) -> None:
    result = story.invoke("LinkStatsFunction", "link_stats", {SAMPLE_CODE: story.ids["code"]})

    assert result["statusCode"] == 200
    assert body(result)["clicks"] == 1


def test_link_qr_code(story: Story) -> None:
    result = story.invoke("LinkQrCodeFunction", "link_qr_code", {SAMPLE_CODE: story.ids["code"]})

    assert result["statusCode"] == 200
    assert result["headers"]["Content-Type"].startswith("image/svg+xml")
    assert "<svg" in result["body"]
    assert "<path" in result["body"]


def test_web_page(story: Story) -> None:
    result = story.invoke("WebPageFunction", "web_page")

    assert result["statusCode"] == 200
    assert result["headers"]["Content-Type"].startswith("text/html")
    assert "<form" in result["body"]


def test_create_task(story: Story) -> None:
    result = story.invoke("CreateTaskFunction", "create_task")

    assert result["statusCode"] == 201
    task = body(result)
    assert (task["title"], task["status"], task["version"]) == ("Learn AWS Lambda", "pending", 1)
    story.ids["task"] = task["task_id"]


def test_list_tasks(story: Story) -> None:
    result = story.invoke("ListTasksFunction", "list_tasks")

    assert result["statusCode"] == 200
    assert [task["task_id"] for task in body(result)["tasks"]] == [story.ids["task"]]


def test_get_task(story: Story) -> None:
    result = story.invoke("GetTaskFunction", "get_task", {SAMPLE_TASK: story.ids["task"]})

    assert result["statusCode"] == 200
    assert body(result)["title"] == "Learn AWS Lambda"


def test_queue_due_reminders_queues_the_tasks_due_reminder(story: Story) -> None:
    remind_at = int(time.time()) - 60  # due a minute ago (set here: the API takes future times only)
    story.emulator.dynamodb().update_item(
        TableName="TasksTable",
        Key={"user_id": {"S": "user123"}, "task_id": {"S": story.ids["task"]}},
        UpdateExpression="SET remind_at = :at, reminder_shard = :shard",
        ExpressionAttributeValues={":at": {"N": str(remind_at)}, ":shard": {"S": reminder_shard(story.ids["task"])}},
    )
    now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")

    result = story.invoke("QueueDueRemindersFunction", "queue_due_reminders", {SAMPLE_SCHEDULE_TIME: now})

    assert result == {"queued": 1, "not_queued": 0, "complete": True}
    sqs = story.emulator.sqs()
    url = sqs.get_queue_url(QueueName="ReminderQueue")["QueueUrl"]
    (message,) = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10)["Messages"]
    assert json.loads(message["Body"]) == {"user_id": "user123", "task_id": story.ids["task"], "remind_at": remind_at}
    story.ids["remind_at"] = str(remind_at)


def test_send_reminders_mails_it_once(story: Story) -> None:
    swap = {SAMPLE_TASK: story.ids["task"], SAMPLE_REMIND_AT: story.ids["remind_at"]}

    result = story.invoke("SendRemindersFunction", "send_reminders", swap)

    assert result == {"batchItemFailures": []}
    (mail,) = requests.get(f"{story.emulator.endpoint}{MAIL}", timeout=30).json()
    assert (mail["to"], mail["subject"]) == (["me@example.com"], "Reminder: Learn AWS Lambda")
    assert "remind_at" not in story.task_item()


def test_update_task(story: Story) -> None:
    result = story.invoke("UpdateTaskFunction", "update_task", {SAMPLE_TASK: story.ids["task"]})

    assert result["statusCode"] == 200
    assert (body(result)["status"], body(result)["version"]) == ("done", 2)


def test_create_attachment_gives_a_form_that_uploads(story: Story) -> None:
    result = story.invoke(
        "CreateAttachmentFunction", "create_attachment", {SAMPLE_TASK: story.ids["task"], **SAMPLE_FILE}
    )

    assert result["statusCode"] == 201
    created = body(result)
    assert created["attachment"]["status"] == "pending"
    form = created["upload"]
    # The form points at the emulator as the function saw it, which this machine reaches too.
    assert form["url"].startswith(story.endpoint)
    upload = requests.post(form["url"], data=form["fields"], files={"file": PHOTO.read_bytes()}, timeout=30)
    assert upload.status_code == 204, upload.text
    story.ids["attachment"] = created["attachment"]["attachment_id"]
    story.ids["key"] = form["fields"]["key"]


def test_process_upload_makes_the_attachment_ready(story: Story) -> None:
    head = story.emulator.s3().head_object(Bucket=story.bucket(), Key=story.ids["key"])
    swap = {
        SAMPLE_BUCKET: story.bucket(),
        SAMPLE_TASK: story.ids["task"],
        SAMPLE_ATTACHMENT: story.ids["attachment"],
        "0123456789abcdef0123456789abcdef": head["ETag"].strip('"'),
        **SAMPLE_FILE,
    }

    story.invoke("ProcessUploadFunction", "process_upload", swap)

    attachment = story.task_item()["attachments"]["M"][story.ids["attachment"]]["M"]
    assert attachment["status"]["S"] == "ready"
    thumbnail = attachment["thumbnail_key"]["S"]
    assert story.emulator.s3().head_object(Bucket=story.bucket(), Key=thumbnail)["ContentType"] == "image/jpeg"


def test_delete_task(story: Story) -> None:
    result = story.invoke("DeleteTaskFunction", "delete_task", {SAMPLE_TASK: story.ids["task"]})

    assert result["statusCode"] == 204
    assert story.task_item() == {}


def test_cleanup_task_removes_its_files(story: Story) -> None:
    prefix_files = story.emulator.s3().list_objects_v2(Bucket=story.bucket()).get("KeyCount", 0)
    assert prefix_files == 2  # the upload and its thumbnail

    result = story.invoke("CleanupTaskFunction", "cleanup_task", {SAMPLE_TASK: story.ids["task"]})

    assert result == {"batchItemFailures": []}
    assert story.emulator.s3().list_objects_v2(Bucket=story.bucket()).get("KeyCount", 0) == 0


def test_every_function_was_invoked(story: Story) -> None:
    assert set(story.seconds) == set(functions())


def test_make_invoke_runs_the_sample_on_a_fresh_emulator_for_this_cpu(built: str) -> None:
    command = [
        "make",
        "--no-print-directory",
        "invoke",
    ]  # FUNCTION=RedirectLinkFunction EVENT=events/redirect_link.json
    result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=300, check=False)

    assert result.returncode == 0, result.stdout + result.stderr
    assert f"Functions built for {built} (this machine's CPU" in result.stdout
    answer = json.loads(result.stdout.strip().splitlines()[-1])
    # The sample's code is not on the fresh emulator: a 404 needs the function to have asked it.
    assert answer["statusCode"] == 404
    assert "error" in json.loads(answer["body"])

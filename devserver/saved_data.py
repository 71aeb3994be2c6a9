"""`make run`'s data across restarts: the template's tables and bucket objects, kept in a folder.

moto keeps everything in memory. At start-up the saved items and objects are put back while the
tables' streams are still off and before the buckets' notifications are wired, so restoring them
triggers no function. While the stack runs, what changed is saved again every `SAVE_SECONDS`, and
once more on a clean stop: a `kill -9` loses at most the last few seconds.

Files (JSON, each written to a temporary file and renamed over the old one, so a crash mid-save
leaves the previous save whole):

    tables/<table>.json    {"table": ..., "items": [...]}   items as DynamoDB JSON, binary values base64
    buckets/<bucket>.json  {"bucket": ..., "objects": [{"key", "content_type", "metadata", "tags", "blob"}]}
    blobs/<sha256>         the objects' bytes (written before the bucket file that names them)

Only the template's tables and buckets are saved and restored; a saved file for one the template
no longer has is left as it is. Queued messages (S3 events on their way, reminders) are not kept.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import threading
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

from botocore.exceptions import BotoCoreError, ClientError

from devkit.faults import BOOKKEEPING_AGENT
from devkit.local_aws import dynamodb_client, s3_client
from devkit.local_names import bucket_name, table_name
from devkit.stack import Stack
from devserver.writes import Writes

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient
    from mypy_boto3_s3 import S3Client

SAVE_SECONDS = 2.0
_BATCH = 25  # BatchWriteItem's limit


class RestoreError(Exception):
    """Saved data the template's tables or buckets do not accept (e.g. a changed key schema)."""


class SavedData:
    """The emulator's tables and buckets, mirrored in `folder`."""

    def __init__(self, folder: Path, stack: Stack, endpoint: str, writes: Writes) -> None:
        self.folder = folder
        self._tables = [table_name(lid, props) for lid, props in stack.resources("AWS::DynamoDB::Table").items()]
        self._buckets = [bucket_name(lid, props) for lid, props in stack.resources("AWS::S3::Bucket").items()]
        # Marked as bookkeeping: fault injection (devkit/faults.py) never fails these requests.
        self._dynamodb: DynamoDBClient = dynamodb_client(endpoint, user_agent_extra=BOOKKEEPING_AGENT)
        self._s3: S3Client = s3_client(endpoint, user_agent_extra=BOOKKEEPING_AGENT)
        self._writes = writes
        self._saved: dict[str, int] = {}  # table (or "" for the buckets) -> write count when last saved
        self._lock = threading.Lock()  # one save at a time
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._save_periodically, name="saved-data", daemon=True)

    def restore(self) -> tuple[int, int]:
        """Put the saved items and objects back; (items, objects). Raises RestoreError."""
        items = sum(self._restore_table(name) for name in self._tables)
        objects = sum(self._restore_bucket(name) for name in self._buckets)
        self._saved = self._write_counts()  # what was just restored needs no saving
        return items, objects

    def start(self) -> None:
        """Save what changed every SAVE_SECONDS, until `stop()`."""
        self._thread.start()

    def stop(self) -> bool:
        """Stop saving periodically, and save what changed since the last save; False if that failed."""
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join()
        return self.save()

    def save(self) -> bool:
        """Save the tables and buckets written to since the last save; False (and a console line) if it failed."""
        with self._lock:
            counts = self._write_counts()
            try:
                for name in self._tables:
                    if counts[name] != self._saved.get(name):
                        self._save_table(name)
                        self._saved[name] = counts[name]
                if counts[""] != self._saved.get(""):
                    for name in self._buckets:
                        self._save_bucket(name)
                    self._remove_unused_blobs()
                    self._saved[""] = counts[""]
            except (BotoCoreError, ClientError, OSError) as exc:
                print(f"Could not save the data to {self.folder}: {exc}", flush=True)
                return False
        return True

    def _write_counts(self) -> dict[str, int]:
        return {**{name: self._writes.count(name) for name in self._tables}, "": self._writes.bucket_writes}

    def _save_periodically(self) -> None:
        while not self._stop.wait(SAVE_SECONDS):
            self.save()

    # --- tables ----------------------------------------------------------------------------------

    def _save_table(self, name: str) -> None:
        items = [
            {attribute: _to_json(dict(value)) for attribute, value in item.items()}
            for page in self._dynamodb.get_paginator("scan").paginate(TableName=name, ConsistentRead=True)
            for item in page["Items"]
        ]
        _write(self.folder / "tables" / f"{name}.json", json.dumps({"table": name, "items": items}).encode())

    def _restore_table(self, name: str) -> int:
        path = self.folder / "tables" / f"{name}.json"
        if not path.exists():
            return 0
        items = [{attribute: _from_json(value) for attribute, value in item.items()} for item in _read(path)["items"]]
        try:
            for start in range(0, len(items), _BATCH):
                pending: Any = {name: [{"PutRequest": {"Item": item}} for item in items[start : start + _BATCH]]}
                while pending:
                    pending = self._dynamodb.batch_write_item(RequestItems=pending).get("UnprocessedItems")
        except ClientError as exc:
            raise RestoreError(f"{path} does not fit table {name} of the template: {exc}") from exc
        return len(items)

    # --- buckets ---------------------------------------------------------------------------------

    def _save_bucket(self, name: str) -> None:
        objects = []
        for page in self._s3.get_paginator("list_objects_v2").paginate(Bucket=name):
            for listed in page.get("Contents", []):
                key = listed["Key"]
                got = self._s3.get_object(Bucket=name, Key=key)
                body = got["Body"].read()
                blob = hashlib.sha256(body).hexdigest()
                blob_path = self.folder / "blobs" / blob
                if not blob_path.exists():
                    _write(blob_path, body)
                tags = self._s3.get_object_tagging(Bucket=name, Key=key)["TagSet"]
                objects.append(
                    {
                        "key": key,
                        "content_type": got.get("ContentType"),
                        "metadata": got.get("Metadata", {}),
                        "tags": {tag["Key"]: tag["Value"] for tag in tags},
                        "blob": blob,
                    }
                )
        _write(self.folder / "buckets" / f"{name}.json", json.dumps({"bucket": name, "objects": objects}).encode())

    def _restore_bucket(self, name: str) -> int:
        path = self.folder / "buckets" / f"{name}.json"
        if not path.exists():
            return 0
        objects = _read(path)["objects"]
        for stored in objects:
            extra: dict[str, Any] = {"Metadata": stored["metadata"], "Tagging": urlencode(stored["tags"])}
            if stored["content_type"]:
                extra["ContentType"] = stored["content_type"]
            body = (self.folder / "blobs" / stored["blob"]).read_bytes()
            self._s3.put_object(Bucket=name, Key=stored["key"], Body=body, **extra)
        return len(objects)

    def _remove_unused_blobs(self) -> None:
        """Blobs no bucket file names any more (after those files were written: a crash keeps them)."""
        used = {
            stored["blob"] for path in (self.folder / "buckets").glob("*.json") for stored in _read(path)["objects"]
        }
        for blob in (self.folder / "blobs").glob("*"):
            if blob.name not in used and not blob.name.startswith("."):
                blob.unlink(missing_ok=True)


def _write(path: Path, data: bytes) -> None:
    """Replace `path` with `data` all at once: a reader (or a crash) sees the old file or the new one."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    temporary.write_bytes(data)
    temporary.replace(path)


def _read(path: Path) -> Any:
    return json.loads(path.read_bytes())


# DynamoDB JSON as boto3's low-level client has it, with binary values as bytes; in the files they are
# base64, as on the wire. Only B, BS, and the M and L that may hold them need converting.
def _to_json(value: dict[str, Any]) -> dict[str, Any]:
    return _convert(value, lambda data: base64.b64encode(data).decode())


def _from_json(value: dict[str, Any]) -> dict[str, Any]:
    return _convert(value, base64.b64decode)


def _convert(value: dict[str, Any], binary: Callable[[Any], Any]) -> dict[str, Any]:
    ((kind, content),) = value.items()
    if kind == "B":
        return {"B": binary(content)}
    if kind == "BS":
        return {"BS": [binary(member) for member in content]}
    if kind == "M":
        return {"M": {name: _convert(member, binary) for name, member in content.items()}}
    if kind == "L":
        return {"L": [_convert(member, binary) for member in content]}
    return value

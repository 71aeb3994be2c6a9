"""`make run`'s saved data on the test emulator: saved, restored into fresh tables and buckets as it
was, without stream records or leftovers, and refused with a clear error when it no longer fits."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from devkit.emulator import Emulator
from devkit.local_aws import dynamodb_streams_client
from devkit.local_names import bucket_name
from devkit.stack import Stack
from devserver.emulator import LocalEmulator
from devserver.saved_data import RestoreError, SavedData

LINKS, TASKS = "LinksTable", "TasksTable"
# Every kind of DynamoDB value, binary ones nested too.
ITEM = {
    "user_id": {"S": "u1"},
    "task_id": {"S": "t1"},
    "count": {"N": "42"},
    "blob": {"B": b"\x00\xffbinary"},
    "blobs": {"BS": [b"\x01", b"\x02"]},
    "names": {"SS": ["a", "b"]},
    "numbers": {"NS": ["1", "2.5"]},
    "done": {"BOOL": False},
    "nothing": {"NULL": True},
    "nested": {"M": {"inner": {"L": [{"B": b"\x03"}, {"S": "x"}, {"M": {"deep": {"B": b"\x04"}}}]}}},
}


@pytest.fixture
def bucket(stack: Stack) -> str:
    ((logical_id, props),) = stack.resources("AWS::S3::Bucket").items()
    return bucket_name(logical_id, props)


def saved_data(folder: Path, stack: Stack, local: LocalEmulator) -> SavedData:
    return SavedData(folder, stack, local.emulator.endpoint, local.writes)


def recreate(local: LocalEmulator, stack: Stack, saved: SavedData) -> None:
    """What `make run` does at start: empty tables and buckets, with the saved data put back."""
    local.emulator.reset()
    local.emulator.create_resources(stack, fill=saved.restore)


def test_items_and_objects_come_back_as_they_were(
    tmp_path: Path, stack: Stack, local: LocalEmulator, bucket: str
) -> None:
    dynamodb, s3 = local.emulator.dynamodb(), local.emulator.s3()
    dynamodb.put_item(TableName=TASKS, Item=ITEM)  # type: ignore[arg-type]
    dynamodb.put_item(TableName=LINKS, Item={"shortCode": {"S": "abc1234"}, "clicks": {"N": "3"}})
    photo = bytes(range(256)) * 100
    s3.put_object(Bucket=bucket, Key="uploads/u1/t1/a1", Body=photo, ContentType="image/png", Metadata={"owner": "u1"})
    s3.put_object_tagging(
        Bucket=bucket, Key="uploads/u1/t1/a1", Tagging={"TagSet": [{"Key": "upload", "Value": "pending"}]}
    )
    s3.put_object(Bucket=bucket, Key="thumbnails/u1/t1/a1", Body=photo)  # the same bytes: one blob
    saved = saved_data(tmp_path, stack, local)
    saved.save()

    recreate(local, stack, saved)

    assert dynamodb.get_item(TableName=TASKS, Key={"user_id": {"S": "u1"}, "task_id": {"S": "t1"}})["Item"] == ITEM
    assert dynamodb.scan(TableName=LINKS)["Items"] == [{"shortCode": {"S": "abc1234"}, "clicks": {"N": "3"}}]
    got = s3.get_object(Bucket=bucket, Key="uploads/u1/t1/a1")
    assert (got["Body"].read(), got["ContentType"], got["Metadata"]) == (photo, "image/png", {"owner": "u1"})
    tags = s3.get_object_tagging(Bucket=bucket, Key="uploads/u1/t1/a1")["TagSet"]
    assert tags == [{"Key": "upload", "Value": "pending"}]
    assert s3.get_object(Bucket=bucket, Key="thumbnails/u1/t1/a1")["Body"].read() == photo
    assert len(list((tmp_path / "blobs").iterdir())) == 1
    assert not list(tmp_path.rglob(".*"))  # no temporary file left behind


def test_restored_items_add_no_stream_records(tmp_path: Path, stack: Stack, local: LocalEmulator) -> None:
    local.emulator.dynamodb().put_item(TableName=TASKS, Item={"user_id": {"S": "u1"}, "task_id": {"S": "t1"}})
    saved = saved_data(tmp_path, stack, local)
    saved.save()

    recreate(local, stack, saved)

    assert _stream_records(local.emulator, TASKS) == []
    local.emulator.dynamodb().delete_item(TableName=TASKS, Key={"user_id": {"S": "u1"}, "task_id": {"S": "t1"}})
    assert [record["eventName"] for record in _stream_records(local.emulator, TASKS)] == ["REMOVE"]


def test_a_pending_reminder_is_in_the_restored_index_so_the_schedule_finds_it_again(
    tmp_path: Path, stack: Stack, local: LocalEmulator
) -> None:
    # Queued messages are not saved; the index of pending reminders is rebuilt from the items.
    reminder = {"user_id": {"S": "u1"}, "task_id": {"S": "t2"}, "remind_at": {"N": "1800000000"}}
    dynamodb = local.emulator.dynamodb()
    dynamodb.put_item(TableName=TASKS, Item={**reminder, "reminder_shard": {"S": "3"}, "title": {"S": "t"}})
    dynamodb.put_item(TableName=TASKS, Item={"user_id": {"S": "u1"}, "task_id": {"S": "t3"}})  # no reminder
    saved = saved_data(tmp_path, stack, local)
    saved.save()

    recreate(local, stack, saved)

    due = dynamodb.query(
        TableName=TASKS,
        IndexName="reminders-due",
        KeyConditionExpression="reminder_shard = :shard AND remind_at <= :now",
        ExpressionAttributeValues={":shard": {"S": "3"}, ":now": {"N": "1800000060"}},
    )["Items"]
    assert due == [{**reminder, "reminder_shard": {"S": "3"}}]


def test_only_what_changed_is_saved_again(tmp_path: Path, stack: Stack, local: LocalEmulator) -> None:
    dynamodb = local.emulator.dynamodb()
    dynamodb.put_item(TableName=LINKS, Item={"shortCode": {"S": "first11"}})
    saved = saved_data(tmp_path, stack, local)
    saved.save()
    tasks_file, links_file = tmp_path / "tables" / f"{TASKS}.json", tmp_path / "tables" / f"{LINKS}.json"
    tasks_saved = tasks_file.stat().st_mtime_ns

    dynamodb.put_item(TableName=LINKS, Item={"shortCode": {"S": "second2"}})
    saved.save()

    assert {item["shortCode"]["S"] for item in json.loads(links_file.read_text())["items"]} == {"first11", "second2"}
    assert tasks_file.stat().st_mtime_ns == tasks_saved


def test_changes_are_saved_while_running_and_on_stop(tmp_path: Path, stack: Stack, local: LocalEmulator) -> None:
    dynamodb = local.emulator.dynamodb()
    saved = saved_data(tmp_path, stack, local)
    links_file = tmp_path / "tables" / f"{LINKS}.json"
    saved.start()
    try:
        dynamodb.put_item(TableName=LINKS, Item={"shortCode": {"S": "periodic"}})
        deadline = time.monotonic() + 10
        while "periodic" not in (links_file.read_text() if links_file.exists() else ""):
            assert time.monotonic() < deadline, "the change was not saved while running"
            time.sleep(0.05)
        dynamodb.put_item(TableName=LINKS, Item={"shortCode": {"S": "lastone"}})
    finally:
        saved.stop()

    assert "lastone" in links_file.read_text()


def test_saved_data_that_no_longer_fits_the_template_is_refused(
    tmp_path: Path, stack: Stack, local: LocalEmulator
) -> None:
    (tmp_path / "tables").mkdir()
    # Saved before the table's key changed: the items lack today's key attributes.
    (tmp_path / "tables" / f"{TASKS}.json").write_text(json.dumps({"table": TASKS, "items": [{"id": {"S": "1"}}]}))

    with pytest.raises(RestoreError, match=f"does not fit table {TASKS}"):
        recreate(local, stack, saved_data(tmp_path, stack, local))


def test_a_saved_table_the_template_no_longer_has_is_left_alone(
    tmp_path: Path, stack: Stack, local: LocalEmulator
) -> None:
    (tmp_path / "tables").mkdir()
    old = tmp_path / "tables" / "RetiredTable.json"
    old.write_text(json.dumps({"table": "RetiredTable", "items": [{"id": {"S": "1"}}]}))
    saved = saved_data(tmp_path, stack, local)

    recreate(local, stack, saved)
    local.emulator.dynamodb().put_item(TableName=LINKS, Item={"shortCode": {"S": "another"}})
    saved.save()

    assert json.loads(old.read_text())["items"] == [{"id": {"S": "1"}}]


def _stream_records(emulator: Emulator, table: str) -> list[dict[str, object]]:
    streams = dynamodb_streams_client(emulator.endpoint)
    (stream,) = streams.list_streams(TableName=table)["Streams"]
    shard = streams.describe_stream(StreamArn=stream["StreamArn"])["StreamDescription"]["Shards"][0]
    iterator = streams.get_shard_iterator(
        StreamArn=stream["StreamArn"], ShardId=shard["ShardId"], ShardIteratorType="TRIM_HORIZON"
    )["ShardIterator"]
    return list(streams.get_records(ShardIterator=iterator)["Records"])

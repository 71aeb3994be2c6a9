"""The emulator's write count: a stream poller wakes for writes to its own table only; bucket writes count apart."""

from __future__ import annotations

from devkit.local_names import bucket_name
from devkit.stack import Stack
from devserver.emulator import LocalEmulator

LINKS, TASKS = "LinksTable", "TasksTable"


def test_a_write_counts_for_the_table_it_names_only(local: LocalEmulator) -> None:
    writes, dynamodb = local.writes, local.emulator.dynamodb()
    links, tasks = writes.count(LINKS), writes.count(TASKS)

    dynamodb.put_item(TableName=LINKS, Item={"shortCode": {"S": "abc1234"}})

    assert (writes.count(LINKS), writes.count(TASKS)) == (links + 1, tasks)


def test_batch_and_transaction_writes_count_for_each_table_they_name(local: LocalEmulator) -> None:
    writes, dynamodb = local.writes, local.emulator.dynamodb()
    links, tasks = writes.count(LINKS), writes.count(TASKS)
    task = {"user_id": {"S": "u1"}, "task_id": {"S": "t1"}}

    dynamodb.batch_write_item(RequestItems={TASKS: [{"PutRequest": {"Item": task}}]})
    dynamodb.transact_write_items(
        TransactItems=[
            {"Put": {"TableName": LINKS, "Item": {"shortCode": {"S": "xyz9876"}}}},
            {"Delete": {"TableName": TASKS, "Key": task}},
        ]
    )

    assert (writes.count(LINKS), writes.count(TASKS)) == (links + 1, tasks + 2)


def test_a_write_whose_tables_it_cannot_tell_counts_for_every_table(local: LocalEmulator) -> None:
    writes, dynamodb = local.writes, local.emulator.dynamodb()
    links, tasks = writes.count(LINKS), writes.count(TASKS)

    dynamodb.execute_statement(Statement=f"INSERT INTO \"{LINKS}\" VALUE {{'shortCode': 'pqr5555'}}")

    assert (writes.count(LINKS), writes.count(TASKS)) == (links + 1, tasks + 1)


def test_reads_count_for_no_table(local: LocalEmulator) -> None:
    writes, dynamodb = local.writes, local.emulator.dynamodb()
    links = writes.count(LINKS)

    dynamodb.get_item(TableName=LINKS, Key={"shortCode": {"S": "nothing"}})

    assert writes.count(LINKS) == links


def test_wait_returns_on_a_write_to_its_table_and_not_on_another(local: LocalEmulator) -> None:
    writes, dynamodb = local.writes, local.emulator.dynamodb()
    seen = writes.count(TASKS)

    dynamodb.put_item(TableName=LINKS, Item={"shortCode": {"S": "lmn4444"}})
    assert writes.wait(TASKS, seen, timeout=0.05) == seen  # timed out: nothing for the tasks table

    dynamodb.put_item(TableName=TASKS, Item={"user_id": {"S": "u2"}, "task_id": {"S": "t2"}})
    assert writes.wait(TASKS, seen, timeout=5) == seen + 1


def test_bucket_writes_count_s3_changes_and_nothing_else(local: LocalEmulator, stack: Stack) -> None:
    writes, s3 = local.writes, local.emulator.s3()
    (bucket,) = (bucket_name(logical_id, props) for logical_id, props in stack.resources("AWS::S3::Bucket").items())
    seen = writes.bucket_writes

    s3.put_object(Bucket=bucket, Key="a", Body=b"1")
    s3.put_object_tagging(Bucket=bucket, Key="a", Tagging={"TagSet": [{"Key": "k", "Value": "v"}]})
    s3.delete_object(Bucket=bucket, Key="a")
    after_writes = writes.bucket_writes
    s3.list_objects_v2(Bucket=bucket)
    local.emulator.dynamodb().put_item(TableName=LINKS, Item={"shortCode": {"S": "bkt1111"}})
    local.emulator.sqs().list_queues()

    assert after_writes == seen + 3
    assert writes.bucket_writes == after_writes

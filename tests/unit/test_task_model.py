"""The Task model (common.task_model): each field's rules and default, versions, and the two views."""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest

from common import clock, errors, ids, task_model

NOW = 1_800_000_000


def test_the_fields_a_client_may_set_and_their_defaults() -> None:
    assert task_model.EDITABLE_FIELDS == ("title", "description", "status", "due_date", "remind_at")
    assert task_model.REQUIRED_FIELDS == ("title",)
    assert task_model.with_defaults({"title": "t"}) == {
        "title": "t",
        "description": "",
        "status": "pending",
        "due_date": None,
        "remind_at": None,
    }


def test_fields_present_are_checked_and_the_rest_left_out() -> None:
    body = {"title": "t", "due_date": "2027-02-28", "version": 3}

    assert task_model.validate_fields(body) == {"title": "t", "due_date": "2027-02-28"}


def test_a_null_due_date_means_none() -> None:
    assert task_model.validate_fields({"due_date": None}) == {"due_date": None}


def test_a_description_may_have_several_lines() -> None:
    assert task_model.validate_fields({"description": "1. milk\n2. eggs"}) == {"description": "1. milk\n2. eggs"}


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"title": ""}, "title must be 1 to 200 characters"),
        ({"title": "   "}, "title must not be blank"),
        ({"title": "\u200b"}, "title must not contain control or invisible formatting characters"),
        ({"title": "\u200d"}, "title must not be blank"),
        ({"title": "x" * 201}, "title must be 1 to 200 characters"),
        ({"title": 5}, "title must be a string"),
        ({"title": None}, "title must be a string"),
        ({"title": "a\x00b"}, "title must not contain control"),
        ({"title": "two\nlines"}, "title must not contain control"),
        ({"title": "photo\u202egnp.exe"}, "title must not contain control"),
        ({"description": "x" * 2001}, "description must be 0 to 2000 characters"),
        ({"description": ["x"]}, "description must be a string"),
        ({"description": "\u200b"}, "description must not contain control"),
        ({"description": "bell\x07"}, "description must not contain control"),
        ({"status": "finished"}, "status must be one of: pending, in_progress, done"),
        ({"status": None}, "status must be one of"),
        ({"status": ["done"]}, "status must be one of"),
        ({"due_date": "tomorrow"}, "due_date must be an ISO 8601 date"),
        ({"due_date": "2027-02-30"}, "due_date must be an ISO 8601 date"),
        ({"due_date": "2027-13-01"}, "due_date must be an ISO 8601 date"),
        ({"due_date": "20270228"}, "due_date must be an ISO 8601 date"),
        ({"due_date": "\uff12\uff10\uff12\uff17-\uff10\uff12-\uff12\uff18"}, "due_date must be an ISO 8601 date"),
        ({"due_date": 20270228}, "due_date must be an ISO 8601 date"),
        ({"remind_at": "2999-12-24T09:00:00"}, "remind_at must be a UTC time as YYYY-MM-DDTHH:MM:SSZ"),
        ({"remind_at": "2999-12-24T09:00:00+00:00"}, "remind_at must be a UTC time"),
        ({"remind_at": "2999-12-24T09:00:00.5Z"}, "remind_at must be a UTC time"),
        ({"remind_at": "2999-12-24 09:00:00Z"}, "remind_at must be a UTC time"),
        ({"remind_at": "2999-12-24"}, "remind_at must be a UTC time"),
        ({"remind_at": "2999-02-30T09:00:00Z"}, "remind_at must be a UTC time"),
        ({"remind_at": "2999-12-24T24:00:00Z"}, "remind_at must be a UTC time"),
        ({"remind_at": "\uff12\uff19\uff19\uff19-12-24T09:00:00Z"}, "remind_at must be a UTC time"),
        ({"remind_at": 32503680000}, "remind_at must be a UTC time"),
        ({"remind_at": ""}, "remind_at must be a UTC time"),
        ({"remind_at": "2000-01-01T00:00:00Z"}, "remind_at must be in the future"),
        ({"status": "done", "remind_at": "2999-12-24T09:00:00Z"}, "A done task has no reminder"),
        ({"user_id": "someone-else"}, "user_id cannot be set or changed"),
        ({"task_id": "01JDX3Q8V2M7Z5K9N4R6T8W0YA"}, "task_id cannot be set or changed"),
        ({"created_at": "2020-01-01T00:00:00Z"}, "created_at cannot be set or changed"),
        ({"updated_at": "2020-01-01T00:00:00Z"}, "updated_at cannot be set or changed"),
    ],
)
def test_bad_fields_are_refused_naming_the_problem(body: dict[str, Any], message: str) -> None:
    with pytest.raises(errors.BadRequest) as refused:
        task_model.validate_fields(body)

    assert refused.value.message.startswith(message)


def test_a_reminder_is_a_future_utc_second_stored_as_epoch_seconds_and_shown_as_it_was_sent() -> None:
    fields = task_model.validate_fields({"remind_at": "2999-12-24T09:00:00Z"})
    item = task_model.new_item(
        "u1", "01JDX3Q8V2M7Z5K9N4R6T8W0YA", task_model.with_defaults({"title": "t", **fields}), now=NOW
    )

    assert fields == {"remind_at": 32503021200}
    assert item["remind_at"] == {"N": "32503021200"}
    assert item["reminder_shard"] == {"S": task_model.reminder_shard("01JDX3Q8V2M7Z5K9N4R6T8W0YA")}
    assert task_model.to_json(item)["remind_at"] == "2999-12-24T09:00:00Z"


def test_null_clears_a_reminder_and_done_without_one_is_fine() -> None:
    assert task_model.validate_fields({"remind_at": None, "status": "done"}) == {"remind_at": None, "status": "done"}


def test_a_reminder_is_due_in_the_future_even_by_one_second(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(clock, "now_epoch", lambda: 32503021199)

    assert task_model.validate_fields({"remind_at": "2999-12-24T09:00:00Z"}) == {"remind_at": 32503021200}
    monkeypatch.setattr(clock, "now_epoch", lambda: 32503021200)
    with pytest.raises(errors.BadRequest, match="remind_at must be in the future"):
        task_model.validate_fields({"remind_at": "2999-12-24T09:00:00Z"})


def test_a_tasks_reminder_shard_is_one_of_ten_fixed_by_its_id_and_evenly_used() -> None:
    task_ids = [ids.new_id() for _ in range(10_000)]

    shards = Counter(task_model.reminder_shard(task_id) for task_id in task_ids)

    assert set(shards) == {str(shard) for shard in range(10)}
    assert max(shards.values()) < 1.15 * min(shards.values())  # about 1,000 each
    assert all(task_model.reminder_shard(task_id) == task_model.reminder_shard(task_id) for task_id in task_ids[:10])


@pytest.mark.parametrize("version", [1, 2, 10**38 - 1])
def test_a_version_is_a_whole_number_of_at_most_38_digits(version: int) -> None:
    assert task_model.validate_version(version) == version


@pytest.mark.parametrize("version", [0, -1, 10**38, 10**4000, "1", 1.0, True, None])
def test_other_versions_are_refused(version: object) -> None:
    # DynamoDB numbers hold 38 digits: a longer one would fail the UpdateItem on AWS, not here.
    with pytest.raises(errors.BadRequest, match="version must be a positive whole number of at most 38 digits"):
        task_model.validate_version(version)


def test_a_new_item_holds_every_field_but_the_empty_ones() -> None:
    item = task_model.new_item("u1", "01JDX3Q8V2M7Z5K9N4R6T8W0YA", task_model.with_defaults({"title": "t"}), now=NOW)

    assert item == {
        "user_id": {"S": "u1"},
        "task_id": {"S": "01JDX3Q8V2M7Z5K9N4R6T8W0YA"},
        "title": {"S": "t"},
        "description": {"S": ""},
        "status": {"S": "pending"},
        "created_at": {"N": str(NOW)},
        "updated_at": {"N": str(NOW)},
        "version": {"N": "1"},
        "attachments": {"M": {}},
    }


def test_an_item_from_before_descriptions_and_attachments_shows_their_defaults() -> None:
    item = {
        "user_id": {"S": "u1"}, "task_id": {"S": "01JDX3Q8V2M7Z5K9N4R6T8W0YA"}, "title": {"S": "old"},
        "status": {"S": "done"}, "created_at": {"N": "1"}, "updated_at": {"N": "2"}, "version": {"N": "4"},
    }  # fmt: skip

    assert task_model.to_json(item) == {
        "user_id": "u1",
        "task_id": "01JDX3Q8V2M7Z5K9N4R6T8W0YA",
        "title": "old",
        "description": "",
        "status": "done",
        "due_date": None,
        "remind_at": None,
        "created_at": "1970-01-01T00:00:01Z",
        "updated_at": "1970-01-01T00:00:02Z",
        "version": 4,
        "attachments": [],
    }


def test_a_list_shows_attachments_as_summaries_and_a_read_in_full() -> None:
    entry = {
        "filename": {"S": "receipt.pdf"}, "content_type": {"S": "application/pdf"}, "size": {"N": "1234"},
        "status": {"S": "ready"}, "created_at": {"N": "1"}, "expires_at": {"N": "901"}, "etag": {"S": "e"},
    }  # fmt: skip
    item = task_model.new_item("u1", "01JDX3Q8V2M7Z5K9N4R6T8W0YA", task_model.with_defaults({"title": "t"}), now=NOW)
    item["attachments"] = {"M": {"01JDX3R2B4C6D8E0F2G4H6J8K0": {"M": entry}}}

    listed = task_model.to_list_json(item)["attachments"]
    read = task_model.to_json(item, link=lambda key, filename=None: f"https://files/{key}?name={filename}")[
        "attachments"
    ]

    assert listed == [
        {
            "attachment_id": "01JDX3R2B4C6D8E0F2G4H6J8K0",
            "content_type": "application/pdf",
            "size": 1234,
            "status": "ready",
        }
    ]
    assert read[0]["filename"] == "receipt.pdf"
    assert (
        read[0]["url"]
        == "https://files/uploads/u1/01JDX3Q8V2M7Z5K9N4R6T8W0YA/01JDX3R2B4C6D8E0F2G4H6J8K0?name=receipt.pdf"
    )
    assert "thumbnail_url" not in read[0]  # a PDF has no thumbnail

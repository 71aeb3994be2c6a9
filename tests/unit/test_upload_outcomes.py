"""The upload-outcome state machine (common.upload_outcomes): situations, the transition table, the writes."""

from __future__ import annotations

from typing import Any

import pytest

from common.upload_outcomes import (
    REPLACED_REASON,
    TRANSITIONS,
    Checked,
    Situation,
    Write,
    classify,
    outcome_update,
)

NOW = 1_800_000_000
ACCEPTABLE = Checked(etag="new", size=100, content_type="image/png", width=10, height=10, thumbnail_key="t.jpg")
REFUSED = Checked(etag="new", size=100, content_type=None, reason="The file is not one of: ...")


def entry(
    status: str = "pending", *, etag: str | None = None, expires_at: int = NOW + 60, **declared: Any
) -> dict[str, Any]:
    values = {"status": status, "expires_at": expires_at, "content_type": "image/png", "size": 100, **declared}
    return values if etag is None else {**values, "etag": etag}


def test_every_situation_has_a_transition() -> None:
    assert set(TRANSITIONS) == set(Situation)


def test_a_file_is_kept_only_where_the_attachment_ends_up_ready_with_it() -> None:
    kept = {situation for situation, step in TRANSITIONS.items() if step.outcome.keep}

    assert kept == {Situation.OPEN_ACCEPTABLE, Situation.SAME_FILE_READY}
    assert {TRANSITIONS[situation].outcome.status for situation in kept} == {"ready", "duplicate"}


def test_only_an_open_attachment_or_a_checked_file_overwritten_is_written() -> None:
    writes = {situation: step.status for situation, step in TRANSITIONS.items() if isinstance(step, Write)}

    assert writes == {
        Situation.OPEN_ACCEPTABLE: "ready",
        Situation.OPEN_REFUSED: "rejected",
        Situation.OTHER_FILE_READY: "rejected",  # nothing checked is left: the checked file was overwritten
    }


@pytest.mark.parametrize(
    ("found", "checked", "situation"),
    [
        (None, ACCEPTABLE, Situation.GONE),
        (entry(expires_at=NOW), ACCEPTABLE, Situation.EXPIRED),
        (entry(), ACCEPTABLE, Situation.OPEN_ACCEPTABLE),
        (entry(), REFUSED, Situation.OPEN_REFUSED),
        (entry(size=99), ACCEPTABLE, Situation.OPEN_REFUSED),  # not what was declared
        (entry(content_type="image/gif"), ACCEPTABLE, Situation.OPEN_REFUSED),
        (entry("ready", etag="new"), ACCEPTABLE, Situation.SAME_FILE_READY),
        (entry("rejected", etag="new"), REFUSED, Situation.SAME_FILE_REJECTED),
        (entry("ready", etag="old"), ACCEPTABLE, Situation.OTHER_FILE_READY),
        (entry("rejected", etag="old"), ACCEPTABLE, Situation.OTHER_FILE_REJECTED),
        (entry("ready", etag="old", expires_at=NOW - 1), ACCEPTABLE, Situation.OTHER_FILE_READY),  # done: no expiry
    ],
)
def test_where_an_attachment_stands_for_one_file(
    found: dict[str, Any] | None, checked: Checked, situation: Situation
) -> None:
    assert classify(found, checked, NOW) is situation


def test_the_first_write_assumes_an_open_attachment_declared_as_this_file_is() -> None:
    update = outcome_update("a1", Situation.OPEN_ACCEPTABLE, "ready", ACCEPTABLE, None, now=NOW)

    assert update["ConditionExpression"] == (
        "attribute_exists(task_id) AND #att.#id.#status = :pending AND #att.#id.expires_at > :now"
        " AND #att.#id.content_type = :type AND #att.#id.#size = :size"
    )
    assert update["ExpressionAttributeValues"][":type"] == {"S": "image/png"}
    assert update["ExpressionAttributeValues"][":size"] == {"N": "100"}
    written = _written(update)
    assert written == {
        "status": {"S": "ready"},
        "etag": {"S": "new"},
        "width": {"N": "10"},
        "height": {"N": "10"},
        "thumbnail_key": {"S": "t.jpg"},
        "processed_at": {"N": str(NOW)},
    }


def test_a_file_unlike_its_declaration_is_rejected_saying_how() -> None:
    update = outcome_update("a1", Situation.OPEN_REFUSED, "rejected", ACCEPTABLE, entry(size=99), now=NOW)

    assert "content_type = :type" not in update["ConditionExpression"]
    assert _written(update)["reason"] == {"S": "The file is image/png, 100 bytes; declared image/png, 99 bytes"}


def test_a_checked_file_overwritten_is_rejected_only_if_still_the_state_seen() -> None:
    update = outcome_update(
        "a1", Situation.OTHER_FILE_READY, "rejected", ACCEPTABLE, entry("ready", etag="old"), now=NOW
    )

    assert update["ConditionExpression"] == (
        "attribute_exists(task_id) AND #att.#id.#status = :was AND #att.#id.etag = :was_etag"
    )
    assert update["ExpressionAttributeValues"][":was_etag"] == {"S": "old"}
    assert _written(update)["reason"] == {"S": REPLACED_REASON}


def _written(update: dict[str, Any]) -> dict[str, Any]:
    """attribute -> value that the UpdateExpression's SET clauses write."""
    names, values = update["ExpressionAttributeNames"], update["ExpressionAttributeValues"]
    assert update["UpdateExpression"].startswith("SET ")
    written = {}
    for clause in update["UpdateExpression"].removeprefix("SET ").split(", "):
        path, value = clause.split(" = ")
        assert path.startswith("#att.#id.")
        written[names[path.removeprefix("#att.#id.")]] = values[value]
    return written

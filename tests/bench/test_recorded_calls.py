"""The bench's baseline is what the handlers really send: recorded, replayed exactly, from the same state."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from bench import warm
from bench.in_process import InProcessApp
from bench.operations import LINK_CODE, OPERATIONS, Fixtures
from bench.recorded_calls import Call, Recorder, Replayer
from devkit.emulator import Emulator
from devkit.events import stats_event
from devkit.stack import Stack


@pytest.fixture
def fixtures(stack: Stack, aws: Emulator) -> Fixtures:
    return Fixtures.create(InProcessApp(stack, aws))


def sent_by(replayer: Replayer, calls: list[Call]) -> list[dict[str, Any]]:
    """The parameters the replay's bare client was given, seen by a hook of the test's own."""
    seen: list[dict[str, Any]] = []

    def keep(params: dict[str, Any], **_: Any) -> None:
        seen.append(copy.deepcopy(params))

    events = replayer.client("dynamodb").meta.events
    events.register("provide-client-params", keep, unique_id="test-sent")
    try:
        replayer.prepare(calls)()
    finally:
        events.unregister("provide-client-params", unique_id="test-sent")
    return seen


def test_a_change_in_what_the_handler_sends_changes_what_is_replayed(fixtures: Fixtures, aws: Emulator) -> None:
    recorder, replayer = Recorder(aws.dynamodb()), Replayer()
    recorded = {}
    for shards in ("2", "5"):  # the stats read the link and every counter shard: what they send depends on it
        with recorder.recording() as (calls, _):
            fixtures.app.invoke("LinkStatsFunction", stats_event(LINK_CODE), CLICK_SHARDS=shards)
        recorded[shards] = calls

    keys = {
        shards: [key["shortCode"]["S"] for table in calls[0].params["RequestItems"].values() for key in table["Keys"]]
        for shards, calls in recorded.items()
    }
    assert [str(call) for call in recorded["2"]] == ["dynamodb:BatchGetItem"]
    assert keys["2"] == [LINK_CODE, f"{LINK_CODE}#0", f"{LINK_CODE}#1"]
    assert len(keys["5"]) == 6
    assert sent_by(replayer, recorded["2"]) == [recorded["2"][0].params]
    assert sent_by(replayer, recorded["5"]) == [recorded["5"][0].params]


def test_every_operation_makes_the_calls_promised_and_both_sides_rerun_from_the_same_state(
    fixtures: Fixtures, aws: Emulator
) -> None:
    dynamodb = aws.dynamodb()
    recorded = warm.record(fixtures, OPERATIONS, Recorder(dynamodb))
    calls = {item.operation.name: [str(call) for call in item.calls] for item in recorded}

    assert calls["redirect"] == ["dynamodb:UpdateItem"]
    assert calls["redirect, malformed code"] == []
    assert calls["attachment create"] == ["dynamodb:UpdateItem"]  # presigning the upload is no AWS call
    assert [item.operation.name for item in recorded if item.row()["calls_met"] is False] == []
    # A delete, a versioned update, a conditional put: each answers as the first time, on both sides
    # (a call that did not would raise), because the items they change are put back before each.
    replayer = Replayer()
    for item in recorded:
        if item.operation.timed:
            row, _ = warm.measure(fixtures.app, item, dynamodb, replayer, rounds=1, per_round=1, warmup=0)
            assert row["calls"] == calls[item.operation.name]

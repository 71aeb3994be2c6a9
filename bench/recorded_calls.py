"""The AWS calls a handler really makes, recorded with botocore's event hooks, and replayed bare.

The bench never writes the app's calls out by hand: a change to what a handler sends changes the
baseline it is measured against. While `Recorder` is active, every botocore client of this process
(and any created meanwhile, through boto3's default session) reports each API request it makes:

- `provide-client-params` hands over the parameters exactly as the caller passed them (before
  botocore's own handlers add to them), kept in the request's context;
- `before-call` fires once per request actually sent (retries happen below it), never for local
  work such as presigning a URL: only then is the call recorded.

Before a recorded DynamoDB write is sent, the item it will change is read: `restore()` puts every
such item back as it was, so a handler and its replay can run again and again from the same state
(a conditional put of a new item, a delete, a versioned update would otherwise fail the second time).
"""

from __future__ import annotations

import contextlib
import copy
import gc
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import boto3
from botocore.client import BaseClient

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

_PARAMS = "bench_recorded_params"  # where a request's parameters wait in its context for `before-call`
_RESTORABLE = frozenset({"PutItem", "UpdateItem", "DeleteItem"})
_WRITES = _RESTORABLE | {"BatchWriteItem", "TransactWriteItems"}


@dataclass(frozen=True)
class Call:
    """One API request: `dynamodb`, `UpdateItem`, and its parameters."""

    service: str
    operation: str
    params: dict[str, Any]

    def __str__(self) -> str:
        return f"{self.service}:{self.operation}"


@dataclass
class Snapshot:
    """DynamoDB items as they were before the recorded writes (None: there was no item)."""

    items: dict[tuple[str, str], tuple[dict[str, Any], dict[str, Any] | None]] = field(default_factory=dict)

    def restore(self, dynamodb: DynamoDBClient) -> None:
        for (table, _), (key, item) in self.items.items():
            if item is None:
                dynamodb.delete_item(TableName=table, Key=key)
            else:
                dynamodb.put_item(TableName=table, Item=item)


class Recorder:
    """Records the calls made inside `recording()` by clients other than `dynamodb` (the bench's own,
    which reads the items a write is about to change)."""

    def __init__(self, dynamodb: DynamoDBClient) -> None:
        self._dynamodb = dynamodb
        self._key_names: dict[str, list[str]] = {}
        self._calls: list[Call] | None = None
        self._snapshot = Snapshot()
        self._thread = 0

    @contextlib.contextmanager
    def recording(self) -> Iterator[tuple[list[Call], Snapshot]]:
        """The calls made in the block, in order, and the items its writes changed, as they were."""
        if boto3.DEFAULT_SESSION is None:
            boto3.setup_default_session()
        session = boto3.DEFAULT_SESSION  # what `boto3.client()` uses: clients created in the block get the hooks
        assert session is not None
        hooks: dict[str, Callable[..., None]] = {"provide-client-params": self._params, "before-call": self._sent}
        for events in [session.events, *(client.meta.events for client in self._clients())]:
            for event, hook in hooks.items():  # a unique id is per emitter, not per event: one each
                events.register(event, hook, unique_id=f"bench-{event}")
        self._calls, self._snapshot, self._thread = [], Snapshot(), threading.get_ident()
        try:
            yield self._calls, self._snapshot
        finally:
            self._calls = None
            for events in [session.events, *(client.meta.events for client in self._clients())]:
                for event in hooks:
                    events.unregister(event, unique_id=f"bench-{event}")

    def _clients(self) -> list[BaseClient]:
        return [obj for obj in gc.get_objects() if isinstance(obj, BaseClient) and obj is not self._dynamodb]

    def _params(self, params: dict[str, Any], context: dict[str, Any], **_: Any) -> None:
        if self._calls is not None and threading.get_ident() == self._thread:
            context[_PARAMS] = copy.deepcopy(params)

    def _sent(self, model: Any, context: dict[str, Any], **_: Any) -> None:
        if self._calls is None or _PARAMS not in context:
            return
        call = Call(model.service_model.service_name, model.name, context.pop(_PARAMS))
        if call.service == "dynamodb" and call.operation in _WRITES:
            self._remember(call)
        self._calls.append(call)

    def _remember(self, call: Call) -> None:
        if call.operation not in _RESTORABLE:
            raise NotImplementedError(f"{call}: only single-item writes can be replayed from the same state")
        table = call.params["TableName"]
        if "Key" in call.params:
            key = call.params["Key"]
        else:
            key = {name: call.params["Item"][name] for name in self._key_schema(table)}
        identity = (table, repr(sorted(key.items())))
        if identity not in self._snapshot.items:  # the state before the first write is the one to restore
            item = self._dynamodb.get_item(TableName=table, Key=key, ConsistentRead=True).get("Item")
            self._snapshot.items[identity] = (key, item)

    def _key_schema(self, table: str) -> list[str]:
        if table not in self._key_names:
            schema = self._dynamodb.describe_table(TableName=table)["Table"]["KeySchema"]
            self._key_names[table] = [entry["AttributeName"] for entry in schema]
        return self._key_names[table]


class Replayer:
    """Sends recorded calls with bare boto3 clients (default settings, one per service, kept warm)."""

    def __init__(self) -> None:
        self._session = boto3.Session()
        self._clients: dict[str, Any] = {}

    def client(self, service: str) -> Any:
        if service not in self._clients:
            self._clients[service] = self._session.client(service)  # type: ignore[call-overload]
        return self._clients[service]

    def prepare(self, calls: list[Call]) -> Callable[[], None]:
        """A callable that makes `calls` again, in order, with fresh copies of their parameters."""
        ready = []
        for call in calls:
            client = self.client(call.service)
            methods = {api: method for method, api in client.meta.method_to_api_mapping.items()}
            ready.append((getattr(client, methods[call.operation]), copy.deepcopy(call.params)))

        def replay() -> None:
            for method, params in ready:
                method(**params)

        return replay

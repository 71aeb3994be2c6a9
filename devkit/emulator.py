"""An AWS emulator (moto's server) in this process, on loopback, holding the template's tables and buckets.

It creates what the template declares for the stack's parameters, from the resources' own
properties: tables, buckets and queues, and (with `AuthMode=cognito`) the user pools and their app
clients. AWS names a user pool and a client itself, so their ids are the emulator's; moto derives
them from the pool's name and properties (a hash), so they stay the same across restarts.

moto has no item locking: two conditional writes to one item can both succeed, and
concurrent `ADD`s lose increments. DynamoDB requests are therefore served one at a time,
which makes every conditional write atomic, as it is in AWS.

moto checks no presigned POST policy either: `S3PostGate` (devkit/s3_post_gate.py) refuses the
browser uploads S3 would refuse before moto sees them. The template's SQS queues are created too
(S3 notifications and failed events go to them: devserver/triggers.py), with their redrive
policies (moto moves a message to the dead-letter queue on the receive after `maxReceiveCount`,
as SQS does). The addresses the template's functions may send e-mail from (the `ses:FromAddress`
of their policies) are verified SES identities, as the account's owner verifies them in AWS: mail
from any other address is refused, as SES refuses it.

What AWS does that moto does not can be switched on while it runs: failures (devkit/faults.py)
and DynamoDB's per-item write limit (devkit/hot_items.py). Both are off unless asked for.
"""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Callable, Iterable, Mapping
from typing import TYPE_CHECKING, Any, cast

import requests
from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app
from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server

from devkit.faults import FaultInjection, from_environment
from devkit.hot_items import ItemWriteLimit
from devkit.local_aws import (
    ACCESS_KEY_ID,
    REGION,
    SECRET_ACCESS_KEY,
    cognito_idp_client,
    dynamodb_client,
    s3_client,
    ses_client,
    sqs_client,
)
from devkit.local_names import (
    bucket_name,
    queue_arn,
    queue_attributes,
    queue_name,
    referenced_id,
    table_name,
    user_pool_client_name,
    user_pool_name,
)
from devkit.s3_post_gate import S3PostGate
from devkit.sent_mail import Mail, SentMail
from devkit.stack import Stack
from devkit.wsgi_body import StartResponse, WsgiApp

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient
    from mypy_boto3_s3 import S3Client
    from mypy_boto3_sqs import SQSClient

__all__ = ["ACCESS_KEY_ID", "REGION", "SECRET_ACCESS_KEY", "Emulator"]

type Middleware = Callable[[WsgiApp], WsgiApp]

# moto's settings (read when a pool or client is created): ids hashed from the definition, not random.
_STABLE_COGNITO_IDS = {
    "MOTO_COGNITO_IDP_USER_POOL_ID_STRATEGY": "HASH",
    "MOTO_COGNITO_IDP_USER_POOL_CLIENT_ID_STRATEGY": "HASH",
}


class _QuietHandler(WSGIRequestHandler):
    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        pass


class _SerialisedDynamoDB:
    """WSGI middleware: one DynamoDB request at a time (all of it, response included)."""

    def __init__(self, app: WsgiApp) -> None:
        self.app = app
        self.lock = threading.Lock()

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        if not environ.get("HTTP_X_AMZ_TARGET", "").startswith("DynamoDB_"):
            return self.app(environ, start_response)
        with self.lock:
            return list(self.app(environ, start_response))


class Emulator:
    """moto's server on `127.0.0.1:<port>` (port 0 picks a free one), in a background thread."""

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        wrap: Middleware | None = None,
        on_mail: Callable[[Mail], None] | None = None,
    ) -> None:
        """`on_mail` is called with each message SES accepts (devkit/sent_mail.py)."""
        # Faults sit outside the DynamoDB lock (a held request must not hold the others up), the
        # write limit outside the faults, then the caller's `wrap`, the sent mail, and S3's POST
        # policy checks outermost: a refused upload reaches nothing.
        faults = FaultInjection(
            _SerialisedDynamoDB(DomainDispatcherApplication(create_backend_app)), from_environment()
        )
        limited = ItemWriteLimit.from_environment(faults)
        gate = S3PostGate(SentMail(wrap(limited) if wrap else limited, on_mail))
        for name, value in _STABLE_COGNITO_IDS.items():
            os.environ.setdefault(name, value)
        self._server: BaseWSGIServer = make_server(host, port, gate, threaded=True, request_handler=_QuietHandler)
        # Polled every 0.1 s rather than Werkzeug's 0.5 s: stopping waits for the next poll.
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.1,), name="emulator", daemon=True)
        # One client per service, made on first use: building a boto3 client costs ~30 ms of CPU,
        # six times what the calls of `create_resources` cost, and the tests reset between tests.
        self._clients: dict[Callable[[str], Any], Any] = {}

    @property
    def endpoint(self) -> str:
        return f"http://{self._server.host}:{self._server.server_port}"

    def start(self) -> Emulator:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def _client(self, factory: Callable[[str], Any]) -> Any:
        """The emulator's shared client made by `factory` (clients are thread-safe; a caller that
        registers an event hook on one unregisters it)."""
        if factory not in self._clients:
            self._clients[factory] = factory(self.endpoint)
        return self._clients[factory]

    def dynamodb(self) -> DynamoDBClient:
        return cast("DynamoDBClient", self._client(dynamodb_client))

    def s3(self) -> S3Client:
        return cast("S3Client", self._client(s3_client))

    def sqs(self) -> SQSClient:
        return cast("SQSClient", self._client(sqs_client))

    def reset(self) -> None:
        """Forget every table, item, bucket and object (moto's own reset endpoint)."""
        requests.post(f"{self.endpoint}/moto-api/reset", timeout=10).raise_for_status()

    def create_resources(self, stack: Stack, fill: Callable[[], object] | None = None) -> dict[str, str]:
        """Create the template's tables, buckets, queues, user pools and app clients from their own
        resource properties; the ids the emulator gave the user pools and clients, by logical id.

        `fill` runs once they all exist and before the tables' streams are switched on, so the items
        it writes add no stream records (the local stack restores its saved data there)."""
        dynamodb = self.dynamodb()
        streams: dict[str, dict[str, Any]] = {}
        for logical_id, props in stack.resources("AWS::DynamoDB::Table").items():
            name = table_name(logical_id, props)
            table: dict[str, Any] = {
                "TableName": name,
                "KeySchema": props["KeySchema"],
                "AttributeDefinitions": props["AttributeDefinitions"],
                "BillingMode": props.get("BillingMode", "PROVISIONED"),
            }
            if table["BillingMode"] == "PROVISIONED":
                table["ProvisionedThroughput"] = props["ProvisionedThroughput"]
            for key in ("GlobalSecondaryIndexes", "LocalSecondaryIndexes"):
                if key in props:
                    table[key] = props[key]
            if "StreamSpecification" in props:
                streams[name] = {"StreamEnabled": True, **props["StreamSpecification"]}
            dynamodb.create_table(**table)
            ttl = props.get("TimeToLiveSpecification")
            if ttl and ttl.get("Enabled"):
                dynamodb.update_time_to_live(TableName=name, TimeToLiveSpecification=ttl)
        s3 = self.s3()
        for logical_id, props in stack.resources("AWS::S3::Bucket").items():
            s3.create_bucket(Bucket=bucket_name(logical_id, props))
        self._create_queues(stack)
        ses = self._client(ses_client)
        for address in senders(stack):
            ses.create_email_identity(EmailIdentity=address)
        ids = self._create_user_pools(stack)
        if fill is not None:
            fill()
        for name, specification in streams.items():
            dynamodb.update_table(TableName=name, StreamSpecification=specification)  # type: ignore[arg-type]
        return ids

    def _create_queues(self, stack: Stack) -> None:
        """The template's queues, then their redrive policies (a dead-letter queue must exist first)."""
        sqs = self.sqs()
        queues = stack.resources("AWS::SQS::Queue")
        urls = {
            logical_id: sqs.create_queue(QueueName=queue_name(logical_id, props), Attributes=queue_attributes(props))[  # type: ignore[arg-type]
                "QueueUrl"
            ]
            for logical_id, props in queues.items()
        }
        for logical_id, props in queues.items():
            redrive = props.get("RedrivePolicy")
            if not redrive:
                continue
            target = referenced_id(redrive["deadLetterTargetArn"]) or ""
            policy = {
                "deadLetterTargetArn": queue_arn(queue_name(target, queues.get(target, {}))),
                "maxReceiveCount": int(redrive["maxReceiveCount"]),
            }
            sqs.set_queue_attributes(QueueUrl=urls[logical_id], Attributes={"RedrivePolicy": json.dumps(policy)})

    def _create_user_pools(self, stack: Stack) -> dict[str, str]:
        """The template's user pools, then their app clients; their ids by logical id."""
        cognito = self._client(cognito_idp_client)
        ids: dict[str, str] = {}
        for logical_id, props in stack.resources("AWS::Cognito::UserPool").items():
            arguments = _api_arguments(cognito, "CreateUserPool", props)
            arguments["PoolName"] = user_pool_name(logical_id, props)
            ids[logical_id] = cognito.create_user_pool(**arguments)["UserPool"]["Id"]
        for logical_id, props in stack.resources("AWS::Cognito::UserPoolClient").items():
            arguments = _api_arguments(cognito, "CreateUserPoolClient", props)
            pool = referenced_id(props["UserPoolId"])  # SAM resolves `!Ref UserPool` to "UserPool"
            arguments["UserPoolId"] = ids.get(pool or "", props["UserPoolId"])
            arguments["ClientName"] = user_pool_client_name(logical_id, props)
            ids[logical_id] = cognito.create_user_pool_client(**arguments)["UserPoolClient"]["ClientId"]
        return ids


def senders(stack: Stack) -> list[str]:
    """The addresses the template's functions may send e-mail from: each `ses:FromAddress` their
    policies allow (StringEquals), resolved for the stack's parameters."""
    found: list[str] = []
    for props in stack.resources("AWS::Serverless::Function").values():
        for policy in stack.resolve(props.get("Policies") or []):
            statements = policy.get("Statement", []) if isinstance(policy, Mapping) else []
            for statement in statements:
                allowed = (statement.get("Condition") or {}).get("StringEquals", {}).get("ses:FromAddress", [])
                for address in [allowed] if isinstance(allowed, str) else allowed:
                    if address not in found:
                        found.append(address)
    return found


def _api_arguments(client: Any, operation: str, props: Mapping[str, Any]) -> dict[str, Any]:
    """The resource properties that are also parameters of the API call creating it (CloudFormation
    names most of them as the API does; the others, e.g. a user pool's `EnabledMfas`, are left out)."""
    parameters = client.meta.service_model.operation_model(operation).input_shape.members
    return {name: value for name, value in props.items() if name in parameters}

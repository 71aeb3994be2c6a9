"""The region and dummy credentials every local AWS client uses, and the variables that aim a process at the emulator.

Kept free of heavy imports: Lambda workers import it (through `lambda_context`) on every cold start.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient
    from mypy_boto3_s3 import S3Client
    from mypy_boto3_sqs import SQSClient

REGION = "us-east-1"
# moto accepts any credentials; these keep boto3 from looking for real ones.
ACCESS_KEY_ID = SECRET_ACCESS_KEY = "local"  # noqa: S105 - not a secret: moto accepts anything


def emulator_environment(endpoint: str) -> dict[str, str]:
    """What a process needs so that boto3 talks to the emulator, never to real AWS.

    `AWS_ENDPOINT_URL` is boto3's own setting: the application needs no code for it.
    """
    return {
        "AWS_ENDPOINT_URL": endpoint,
        "AWS_REGION": REGION,
        "AWS_DEFAULT_REGION": REGION,
        "AWS_ACCESS_KEY_ID": ACCESS_KEY_ID,
        "AWS_SECRET_ACCESS_KEY": SECRET_ACCESS_KEY,
    }


def _client(service: str, endpoint: str, user_agent_extra: str | None = None) -> Any:
    import boto3  # noqa: PLC0415 - only test and server code build these clients, never a worker's start-up
    from botocore.config import Config  # noqa: PLC0415 - as boto3

    return boto3.client(
        service,  # type: ignore[call-overload]  # one of the typed wrappers below
        endpoint_url=endpoint,
        region_name=REGION,
        aws_access_key_id=ACCESS_KEY_ID,
        aws_secret_access_key=SECRET_ACCESS_KEY,
        config=Config(user_agent_extra=user_agent_extra),
    )


def dynamodb_client(endpoint: str, user_agent_extra: str | None = None) -> DynamoDBClient:
    """A DynamoDB client for the emulator at `endpoint` (`user_agent_extra`: a mark its requests carry)."""
    return cast("DynamoDBClient", _client("dynamodb", endpoint, user_agent_extra))


def s3_client(endpoint: str, user_agent_extra: str | None = None) -> S3Client:
    """An S3 client for the emulator at `endpoint` (`user_agent_extra`: a mark its requests carry)."""
    return cast("S3Client", _client("s3", endpoint, user_agent_extra))


def sqs_client(endpoint: str) -> SQSClient:
    """An SQS client for the emulator at `endpoint`."""
    return cast("SQSClient", _client("sqs", endpoint))


def dynamodb_streams_client(endpoint: str) -> Any:
    """A DynamoDB Streams client for the emulator at `endpoint` (no typed stubs are pinned for it)."""
    return _client("dynamodbstreams", endpoint)


def ses_client(endpoint: str) -> Any:
    """An SES (API v2) client for the emulator at `endpoint` (no typed stubs are pinned for it)."""
    return _client("sesv2", endpoint)


def cognito_idp_client(endpoint: str) -> Any:
    """A Cognito user pools client for the emulator at `endpoint` (no typed stubs are pinned for it)."""
    return _client("cognito-idp", endpoint)

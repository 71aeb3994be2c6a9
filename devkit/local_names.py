"""The names the emulator gives the template's resources, and how template references find them.

SAM's intrinsic resolver turns `!Ref X` into the logical id `X` and `!GetAtt X.Arn` into a Lambda
function ARN ending in `:X`, whatever X is. The emulator therefore names a resource after its
explicit name property, else after its logical id, so that what the functions' environments say
(`TASKS_TABLE: TasksTable`) is also what exists locally.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from devkit.local_aws import REGION

ACCOUNT_ID = "123456789012"  # moto's default account, and SAM's in resolved ARNs


def table_name(logical_id: str, props: Mapping[str, Any]) -> str:
    return str(props.get("TableName") or logical_id)


def bucket_name(logical_id: str, props: Mapping[str, Any]) -> str:
    return str(props.get("BucketName") or logical_id.lower())  # S3 bucket names are lower-case


def queue_name(logical_id: str, props: Mapping[str, Any]) -> str:
    name = str(props.get("QueueName") or logical_id)
    # A FIFO queue's name must end in .fifo (CloudFormation appends it to generated names too).
    return f"{name}.fifo" if _is_true(props.get("FifoQueue")) and not name.endswith(".fifo") else name


def user_pool_name(logical_id: str, props: Mapping[str, Any]) -> str:
    return str(props.get("UserPoolName") or logical_id)


def user_pool_client_name(logical_id: str, props: Mapping[str, Any]) -> str:
    return str(props.get("ClientName") or logical_id)


def function_arn(name: str) -> str:
    """The ARN of the function `name` (unqualified: no version)."""
    return f"arn:aws:lambda:{REGION}:{ACCOUNT_ID}:function:{name}"


def queue_arn(name: str) -> str:
    return f"arn:aws:sqs:{REGION}:{ACCOUNT_ID}:{name}"


# CloudFormation's AWS::SQS::Queue properties that are plain SQS queue attributes.
_QUEUE_ATTRIBUTES = (
    "DelaySeconds",
    "MaximumMessageSize",
    "MessageRetentionPeriod",
    "ReceiveMessageWaitTimeSeconds",
    "VisibilityTimeout",
    "FifoQueue",
    "ContentBasedDeduplication",
)


def queue_attributes(props: Mapping[str, Any]) -> dict[str, str]:
    """The SQS attributes of a queue's template properties (SQS wants every value as a string)."""
    return {
        name: (str(value).lower() if isinstance(value, bool) else str(value))
        for name, value in props.items()
        if name in _QUEUE_ATTRIBUTES
    }


def referenced_id(value: object) -> str | None:
    """The logical id a template value points at: `{"Ref": X}`, `{"Fn::GetAtt": [X, ...]}`, `X`
    as SAM resolves a Ref, or any ARN ending in `:X` (SAM resolves every GetAtt Arn to one)."""
    if isinstance(value, Mapping):
        if "Ref" in value:
            return str(value["Ref"])
        attribute = value.get("Fn::GetAtt")
        if isinstance(attribute, list) and attribute:
            return str(attribute[0])
        if isinstance(attribute, str):
            return attribute.split(".", 1)[0]
        return None
    if isinstance(value, str):
        return _arn_resource(value) if value.startswith("arn:") else value
    return None


def _arn_resource(arn: str) -> str:
    """`function:X` -> X (SAM's resolved GetAtt), `table/X/stream/...` -> X, a queue's or bucket's name as is."""
    resource = arn.split(":", 5)[-1]
    if resource.startswith("function:"):
        return resource.split(":")[1]
    if resource.startswith("table/"):
        return resource.split("/")[1]
    return resource


def _is_true(value: object) -> bool:
    return value is True or str(value).lower() == "true"

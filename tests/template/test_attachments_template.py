"""What the template must contain for attachments: a private bucket, the two triggers, failures seen."""

from __future__ import annotations

import re
from typing import Any

from devkit.stack import Stack
from tests.support.template import functions, resources, template
from tests.template.test_template import BUCKET, BUCKET_NAME


def bucket() -> dict[str, Any]:
    properties: dict[str, Any] = resources("AWS::S3::Bucket")["AttachmentsBucket"]["Properties"]
    return properties


def test_the_bucket_is_private_encrypted_and_owner_enforced() -> None:
    props = bucket()

    assert props["BucketName"] == {"Fn::Sub": BUCKET_NAME}
    assert props["PublicAccessBlockConfiguration"] == {
        "BlockPublicAcls": True, "BlockPublicPolicy": True, "IgnorePublicAcls": True, "RestrictPublicBuckets": True,
    }  # fmt: skip
    assert props["OwnershipControls"] == {"Rules": [{"ObjectOwnership": "BucketOwnerEnforced"}]}
    (rule,) = props["BucketEncryption"]["ServerSideEncryptionConfiguration"]
    assert rule["ServerSideEncryptionByDefault"]["SSEAlgorithm"] in ("AES256", "aws:kms")


def test_the_bucket_refuses_requests_without_tls() -> None:
    policy = resources("AWS::S3::BucketPolicy")["AttachmentsBucketPolicy"]["Properties"]

    assert policy["Bucket"] == {"Ref": "AttachmentsBucket"}
    (statement,) = policy["PolicyDocument"]["Statement"]
    assert statement["Effect"] == "Deny"
    assert statement["Principal"] == "*"
    assert statement["Action"] == "s3:*"
    assert statement["Condition"] == {"Bool": {"aws:SecureTransport": False}}
    assert len(statement["Resource"]) == 2  # the bucket and its objects


def test_lifecycle_aborts_multipart_uploads_and_expires_unchecked_uploads() -> None:
    rules = {rule["Id"]: rule for rule in bucket()["LifecycleConfiguration"]["Rules"]}

    assert rules["AbortIncompleteMultipartUploads"]["AbortIncompleteMultipartUpload"] == {"DaysAfterInitiation": 1}
    unchecked = rules["ExpireUncheckedUploads"]
    assert unchecked["Prefix"] == "uploads/"
    assert unchecked["TagFilters"] == [{"Key": "upload", "Value": "unchecked"}]  # what every POST must set
    assert unchecked["ExpirationInDays"] == 1
    assert rules["AbortIncompleteMultipartUploads"]["Status"] == unchecked["Status"] == "Enabled"
    # Old versions exist only in prod, where the bucket is versioned.
    assert rules["ExpireOldVersions"]["Status"] == {"Fn::If": ["IsProd", "Enabled", "Disabled"]}


def test_browsers_may_post_uploads_from_the_allowed_origins() -> None:
    (rule,) = bucket()["CorsConfiguration"]["CorsRules"]

    assert "POST" in rule["AllowedMethods"]
    assert rule["AllowedOrigins"] == {"Ref": "CorsAllowOrigins"}


def test_the_bucket_is_named_by_the_same_sub_everywhere_and_never_by_ref_from_a_function() -> None:
    # A !Ref from ProcessUploadFunction to the bucket would be a circular dependency, and SAM's
    # local resolution turns !Ref of a bucket into its logical id, not its name.
    for name, function in functions().items():
        variables = function["Properties"].get("Environment", {}).get("Variables", {})
        if "BUCKET_NAME" in variables:
            assert variables["BUCKET_NAME"] == {"Fn::Sub": BUCKET_NAME}, name
        assert "AttachmentsBucket" not in str(function["Properties"].get("Policies", [])), name


def test_the_bucket_name_resolves_locally_to_a_valid_s3_name() -> None:
    (props,) = Stack().resources("AWS::S3::Bucket").values()

    assert re.fullmatch(r"[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]", props["BucketName"])


def test_process_upload_is_triggered_by_uploads_only_and_failures_go_to_the_queue() -> None:
    function = functions()["ProcessUploadFunction"]["Properties"]

    (event,) = function["Events"].values()
    assert event["Type"] == "S3"
    assert event["Properties"]["Bucket"] == {"Ref": "AttachmentsBucket"}
    assert event["Properties"]["Events"] == "s3:ObjectCreated:*"
    assert event["Properties"]["Filter"] == {"S3Key": {"Rules": [{"Name": "prefix", "Value": "uploads/"}]}}
    config = function["EventInvokeConfig"]
    assert config["MaximumRetryAttempts"] == 2
    assert config["DestinationConfig"]["OnFailure"] == {
        "Type": "SQS",
        "Destination": {"Fn::GetAtt": ["UploadFailuresQueue", "Arn"]},
    }
    assert function["MemorySize"] <= 512


def test_only_process_upload_ships_pillow() -> None:
    from tests.support.template import ROOT  # noqa: PLC0415

    with_pillow = {
        path.parent.name for path in (ROOT / "src").rglob("requirements.txt") if "pillow" in path.read_text().lower()
    }

    assert with_pillow == {"process_upload"}


def test_cleanup_task_reads_remove_records_only_and_reports_partial_failures() -> None:
    function = functions()["CleanupTaskFunction"]["Properties"]

    (event,) = function["Events"].values()
    props = event["Properties"]
    assert event["Type"] == "DynamoDB"
    assert props["Stream"] == {"Fn::GetAtt": ["TasksTable", "StreamArn"]}
    assert props["FilterCriteria"] == {"Filters": [{"Pattern": '{"eventName": ["REMOVE"]}'}]}
    assert props["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
    assert 1 <= props["BatchSize"] <= 100
    assert props["DestinationConfig"]["OnFailure"]["Destination"] == {"Fn::GetAtt": ["UploadFailuresQueue", "Arn"]}


def test_cleanup_task_may_list_only_the_attachment_prefixes() -> None:
    statements = functions()["CleanupTaskFunction"]["Properties"]["Policies"][0]["Statement"]

    (listing,) = [s for s in statements if s["Action"] == "s3:ListBucket"]
    assert listing["Resource"] == BUCKET
    assert listing["Condition"] == {"StringLike": {"s3:prefix": ["uploads/*", "thumbnails/*"]}}


def test_the_failure_queue_is_encrypted_keeps_14_days_and_is_alarmed() -> None:
    queue = resources("AWS::SQS::Queue")["UploadFailuresQueue"]["Properties"]
    alarm = resources("AWS::CloudWatch::Alarm")["UploadFailuresAlarm"]["Properties"]

    assert queue["SqsManagedSseEnabled"] is True
    assert queue["MessageRetentionPeriod"] == 14 * 24 * 3600
    assert alarm["Namespace"] == "AWS/SQS"
    assert alarm["MetricName"] == "ApproximateNumberOfMessagesVisible"
    assert alarm["Dimensions"] == [{"Name": "QueueName", "Value": {"Fn::GetAtt": ["UploadFailuresQueue", "QueueName"]}}]
    assert (alarm["ComparisonOperator"], alarm["Threshold"]) == ("GreaterThanThreshold", 0)


def test_the_stream_carries_at_least_the_keys() -> None:
    table = resources("AWS::DynamoDB::Table")["TasksTable"]["Properties"]

    assert table["StreamSpecification"]["StreamViewType"] in ("KEYS_ONLY", "OLD_IMAGE", "NEW_AND_OLD_IMAGES")


def test_outputs_name_the_bucket_and_the_failure_queue() -> None:
    assert {"AttachmentsBucketName", "UploadFailuresQueueUrl"} <= set(template()["Outputs"])

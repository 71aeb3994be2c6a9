"""The local stack's S3 POST policy checker, on forms boto3 presigns with fixed credentials."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pytest
from botocore.config import Config

from devkit.s3_post_policy import PostPolicyError, _signing_key, check_post

ACCESS_KEY, SECRET = "AKIDLOCALEXAMPLE", "local-secret"
SECRETS = {ACCESS_KEY: SECRET}
BUCKET = "local-attachments-123456789012-us-east-1"
KEY = "uploads/u1/01JDX3Q8V2M7Z5K9N4R6T8W0YA/01JDX3R2B4C6D8E0F2G4H6J8K0"
TAGGING = "<Tagging><TagSet><Tag><Key>upload</Key><Value>unchecked</Value></Tag></TagSet></Tagging>"
SIZE = 1234


def presign(
    *, key: str = KEY, content_type: str = "image/png", size: int = SIZE, expires_in: int = 300
) -> dict[str, str]:
    """What create_attachment returns, signed with fixed credentials (no network: presigning is local)."""
    s3 = boto3.client(
        "s3",
        region_name="us-east-1",
        aws_access_key_id=ACCESS_KEY,
        aws_secret_access_key=SECRET,
        config=Config(signature_version="s3v4"),
    )
    form = s3.generate_presigned_post(
        Bucket=BUCKET,
        Key=key,
        Fields={"Content-Type": content_type, "tagging": TAGGING},
        Conditions=[{"Content-Type": content_type}, {"tagging": TAGGING}, ["content-length-range", size, size]],
        ExpiresIn=expires_in,
    )
    fields: dict[str, str] = form["fields"]
    return fields


def check(fields: dict[str, str], *, file_size: int = SIZE, **kwargs: Any) -> PostPolicyError | None:
    return check_post(fields, bucket=kwargs.pop("bucket", BUCKET), file_size=file_size, secrets=SECRETS, **kwargs)


def test_the_form_as_presigned_is_accepted() -> None:
    assert check(presign()) is None


def test_field_names_are_matched_without_regard_to_case() -> None:
    fields = presign()
    fields["content-type"] = fields.pop("Content-Type")

    assert check(fields) is None


def test_a_tampered_signature_is_signature_does_not_match() -> None:
    fields = presign()
    fields["x-amz-signature"] = ("0" if fields["x-amz-signature"][0] != "0" else "1") + fields["x-amz-signature"][1:]

    error = check(fields)

    assert error is not None
    assert (error.code, error.status) == ("SignatureDoesNotMatch", 403)
    assert error.message.startswith("The request signature we calculated does not match")


def test_a_rewritten_policy_no_longer_matches_its_signature() -> None:
    # The attack the signature stops: loosen the policy (any size) and keep the old signature.
    fields = presign()
    policy = json.loads(base64.b64decode(fields["policy"]))
    policy["conditions"] = [
        c for c in policy["conditions"] if not (isinstance(c, list) and c[0] == "content-length-range")
    ]
    fields["policy"] = base64.b64encode(json.dumps(policy).encode()).decode()

    error = check(fields, file_size=10**9)

    assert error is not None
    assert error.code == "SignatureDoesNotMatch"


def test_a_form_signed_with_another_secret_is_refused() -> None:
    error = check_post(presign(), bucket=BUCKET, file_size=SIZE, secrets={ACCESS_KEY: "another"})

    assert error is not None
    assert error.code == "SignatureDoesNotMatch"


def test_an_unknown_access_key_is_invalid_access_key_id() -> None:
    error = check_post(presign(), bucket=BUCKET, file_size=SIZE, secrets=lambda _: None)

    assert error is not None
    assert (error.code, error.status, error.details["AWSAccessKeyId"]) == ("InvalidAccessKeyId", 403, ACCESS_KEY)


def test_an_expired_policy_is_refused() -> None:
    fields = presign(expires_in=300)

    assert check(fields, now=datetime.now(UTC) + timedelta(seconds=290)) is None
    error = check(fields, now=datetime.now(UTC) + timedelta(seconds=301))

    assert error is not None
    assert (error.code, error.status) == ("AccessDenied", 403)
    assert error.message == "Invalid according to Policy: Policy expired."


def test_another_key_than_the_policys_is_refused() -> None:
    fields = presign()
    fields["key"] = KEY.replace("uploads/u1/", "uploads/u2/")

    error = check(fields)

    assert error is not None
    assert (error.code, error.status) == ("AccessDenied", 403)
    assert error.message == f'Invalid according to Policy: Policy Condition failed: ["eq", "$key", "{KEY}"]'


def test_another_content_type_is_refused() -> None:
    fields = presign(content_type="image/png")
    fields["Content-Type"] = "text/html"

    error = check(fields)

    assert error is not None
    assert error.code == "AccessDenied"
    assert error.message == 'Invalid according to Policy: Policy Condition failed: ["eq", "$Content-Type", "image/png"]'


def test_a_missing_content_type_is_refused() -> None:
    fields = presign()
    del fields["Content-Type"]

    error = check(fields)

    assert error is not None
    assert "Policy Condition failed" in error.message


def test_another_bucket_is_refused() -> None:
    error = check(presign(), bucket="someone-elses-bucket")

    assert error is not None
    assert error.message == f'Invalid according to Policy: Policy Condition failed: ["eq", "$bucket", "{BUCKET}"]'


def test_a_file_over_the_range_is_entity_too_large() -> None:
    error = check(presign(size=SIZE), file_size=SIZE + 1)

    assert error is not None
    assert (error.code, error.status) == ("EntityTooLarge", 400)
    assert error.message == "Your proposed upload exceeds the maximum allowed size"
    assert error.details == {"ProposedSize": str(SIZE + 1), "MaxSizeAllowed": str(SIZE)}


def test_a_file_under_the_range_is_entity_too_small() -> None:
    error = check(presign(size=SIZE), file_size=SIZE - 1)

    assert error is not None
    assert (error.code, error.status) == ("EntityTooSmall", 400)


def test_a_field_no_condition_covers_is_refused() -> None:
    fields = {**presign(), "x-amz-meta-owner": "mallory", "success_action_status": "201"}

    error = check(fields)

    assert error is not None
    assert error.message == "Invalid according to Policy: Extra input fields: success_action_status, x-amz-meta-owner"


def test_x_ignore_fields_need_no_condition() -> None:
    assert check({**presign(), "x-ignore-csrf": "anything"}) is None


def test_a_changed_tag_is_refused() -> None:
    # Without the unchecked tag, the lifecycle rule would never expire a file nobody processed.
    fields = presign()
    fields["tagging"] = "<Tagging><TagSet></TagSet></Tagging>"

    error = check(fields)

    assert error is not None
    assert "$tagging" in error.message


@pytest.mark.parametrize("missing", ["key", "policy", "x-amz-signature", "x-amz-credential", "x-amz-date"])
def test_a_missing_required_field_is_invalid_argument(missing: str) -> None:
    fields = presign()
    del fields[missing]

    error = check(fields)

    assert error is not None
    assert (error.code, error.status, error.details["ArgumentName"]) == ("InvalidArgument", 400, missing)


def test_a_policy_that_is_not_json_is_invalid_policy_document() -> None:
    # Signed correctly, so the signature check passes and the document itself is judged.
    fields = presign()
    fields["policy"] = base64.b64encode(b"{not json").decode()
    _, date, region, service, _ = fields["x-amz-credential"].split("/")
    key = _signing_key(SECRET, date, region, service)
    fields["x-amz-signature"] = hmac.new(key, fields["policy"].encode(), hashlib.sha256).hexdigest()

    error = check(fields, file_size=1)

    assert error is not None
    assert (error.code, error.status, error.message) == ("InvalidPolicyDocument", 400, "Invalid Policy: Invalid JSON.")


def test_a_credential_for_another_region_is_refused() -> None:
    error = check(presign(), region="eu-west-1")

    assert error is not None
    assert error.status == 400
    assert "the region 'us-east-1' is wrong; expecting 'eu-west-1'" in error.message


def test_errors_render_as_s3s_xml() -> None:
    error = check(presign(size=SIZE), file_size=SIZE + 1)
    assert error is not None

    xml = error.to_xml(request_id="REQ123")

    assert xml.startswith('<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>EntityTooLarge</Code>')
    assert "<Message>Your proposed upload exceeds the maximum allowed size</Message>" in xml
    assert f"<MaxSizeAllowed>{SIZE}</MaxSizeAllowed>" in xml
    assert "<RequestId>REQ123</RequestId>" in xml


def test_messages_are_escaped_in_xml() -> None:
    fields = presign()
    fields["key"] = "uploads/<script>"

    error = check(fields)
    assert error is not None

    assert "<script>" not in error.to_xml()

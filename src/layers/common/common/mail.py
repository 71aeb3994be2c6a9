"""E-mail through SES (API v2): one plain-text message to one address, from the configured sender.

The sender is the template's `ReminderSender` (`REMINDER_SENDER`): an identity verified in SES,
and the only From address the sending function's role allows. SES refuses some messages for good
(`MessageRejected`: in SES's sandbox, an unverified recipient; `BadRequestException`: a malformed
address): those raise `Rejected`, and sending them again would change nothing. Any other error
(throttled past the SDK's retries, sending paused, SES unavailable) may pass: it is raised as is.
"""

from __future__ import annotations

import os
from functools import cache
from typing import Any

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

from common import aws_errors

_CONFIG = Config(connect_timeout=2, read_timeout=5, retries={"mode": "standard", "total_max_attempts": 3})
_PERMANENT = frozenset({"MessageRejected", "BadRequestException"})


class Rejected(Exception):
    """SES refused this message for good; the error's code is the exception's text (SES's message
    may name the recipient, which does not belong in logs)."""


@cache
def client() -> Any:  # boto3's sesv2 client (no type stubs pinned for it)
    """The one SES client, created on first use."""
    return boto3.client("sesv2", config=_CONFIG)


def sender() -> str:
    return os.environ["REMINDER_SENDER"]


def send(to: str, subject: str, text: str) -> str:
    """Send one message; SES's message id. Raises Rejected, or the error that may pass."""
    try:
        response = client().send_email(
            FromEmailAddress=sender(),
            Destination={"ToAddresses": [to]},
            Content={
                "Simple": {
                    "Subject": {"Data": subject, "Charset": "UTF-8"},
                    "Body": {"Text": {"Data": text, "Charset": "UTF-8"}},
                }
            },
        )
    except ClientError as error:
        if aws_errors.code(error) in _PERMANENT:
            raise Rejected(aws_errors.code(error)) from error
        raise
    return str(response["MessageId"])

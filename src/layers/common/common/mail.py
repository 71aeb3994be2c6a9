"""E-mail through SES (API v2): one plain-text message to one address, from the configured sender.

The sender is the template's `ReminderSender` (`REMINDER_SENDER`): an identity verified in SES,
and the only From address the sending function's role allows. SES refuses some messages for good
(`MessageRejected`: in SES's sandbox, an unverified recipient; `BadRequestException`: a malformed
address): those raise `Rejected`, and sending them again would change nothing. Any other error
(throttled past the SDK's retries, sending paused, SES unavailable) may pass: it is raised as is.
"""

from __future__ import annotations

import os

from botocore.exceptions import ClientError

from common import aws_clients, aws_errors

_PERMANENT = frozenset({"MessageRejected", "BadRequestException"})


class Rejected(Exception):
    """SES refused this message for good; the error's code is the exception's text (SES's message
    may name the recipient, which does not belong in logs)."""


def sender() -> str:
    return os.environ["REMINDER_SENDER"]


def send(to: str, subject: str, text: str) -> str:
    """Send one message; SES's message id. Raises Rejected, or the error that may pass."""
    try:
        response = aws_clients.client("sesv2").send_email(
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

"""How long the layer's AWS calls may wait, and the SQS, SES and Cognito clients that share it.

Fail fast and retry a little: the reminder worker makes these calls with the template's 10 s
Timeout (the schedule's function has 50 s), and a call that waits longer than a couple of seconds
is worse than a quick error. Three attempts in all (`total_max_attempts`; botocore's
`max_attempts` would count retries only, i.e. four attempts): at worst 3 x 2 s read + backoff of
1 s + 2 s = 9 s, inside the 10 s, so one call to a service that stops answering fails its request
or its queue message rather than timing out the invocation. (Connects that each take nearly their
1 s as well would add 3 s; and a batch of messages whose calls all wait that long still runs out
of time: its messages come back after the queue's visibility timeout.) DynamoDB's client
(dynamo.py) uses the same settings. S3's (storage.py) waits longer: process_upload, which reads
whole files, has 30 s.

Each client is created on first use, once per execution environment: a function that never sends a
mail does not pay at cold start for an SES client.
"""

from __future__ import annotations

from functools import cache
from typing import Any

import boto3
from botocore.config import Config

FAIL_FAST = Config(connect_timeout=1, read_timeout=2, retries={"mode": "standard", "total_max_attempts": 3})


# Untyped (Any) on purpose: typing.overload per service measured 15M instructions (1.3%) more on
# every function's cold start than this plain function, and the stubs add nothing at run time.
@cache
def client(service: str) -> Any:
    """The one client of `service` ("sqs", "sesv2", "cognito-idp") with FAIL_FAST, made on first use."""
    return boto3.client(service, config=FAIL_FAST)  # type: ignore[call-overload]

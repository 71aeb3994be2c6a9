"""Probe: baseline (a) plus a second DynamoDB client with another retry policy (as common.dynamo has)."""

import boto3
from botocore.config import Config

client = boto3.client("dynamodb")
no_retry_client = boto3.client("dynamodb", config=Config(retries={"mode": "standard", "total_max_attempts": 1}))

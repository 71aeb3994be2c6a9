"""Baseline (a): the least a DynamoDB function can do at import, create one boto3 client."""

import boto3

client = boto3.client("dynamodb")

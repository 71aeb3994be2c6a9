"""Probe: baseline (a) plus an S3 client (what importing common.storage adds)."""

import boto3

client = boto3.client("dynamodb")
s3 = boto3.client("s3")

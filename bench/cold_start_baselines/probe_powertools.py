"""Probe: baseline (a) plus Powertools' Logger and Metrics, as common.observability sets them up."""

import boto3
from aws_lambda_powertools import Logger, Metrics

client = boto3.client("dynamodb")
logger = Logger()
metrics = Metrics()

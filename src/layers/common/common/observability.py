"""Powertools logger and metrics, configured once for every function.

Service name and metrics namespace come from the function's environment
(`POWERTOOLS_SERVICE_NAME`, `POWERTOOLS_METRICS_NAMESPACE`), set per product in template.yaml.
"""

from __future__ import annotations

import warnings

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import MetricUnit

logger = Logger()
metrics = Metrics()

# Not every request has a business metric to report (a stats read, a rejected request); that is
# normal here, not worth a warning in the function's log on every such invocation.
warnings.filterwarnings("ignore", message="No application metrics to publish", category=UserWarning)

__all__ = ["MetricUnit", "logger", "metrics"]

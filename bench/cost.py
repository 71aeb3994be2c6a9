"""What a million requests cost, per stage: the template's settings at AWS's list prices.

From template.yaml, resolved with each Stage: MemorySize, Architectures, Tracing, LoggingConfig
and POWERTOOLS_LOG_LEVEL of the function, and the API's access log format. Measured in this run
(warm.py): the handler's warm duration (CPU time in-process on this machine, not Lambda: the
compute line is indicative, and the smallest either way), its DynamoDB calls, the size of the item they touch,
and what one warm request printed. CloudWatch Logs gets the handler's lines that pass the stage's
level filters, Lambda's platform.start and platform.report records when SystemLogLevel lets INFO
through, and the access log line, each with 26 bytes of overhead. X-Ray (`Tracing: Active`)
records the first request each second and 5% of the rest: at a steady million a month (0.39/s)
that is every request, so it is shown apart.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from devkit.stack import Stack

STAGES = ("prod", "dev")
# us-east-1 list prices in USD, no free tier.
HTTP_API_PER_MILLION = 1.00
LAMBDA_PER_MILLION = 0.20
LAMBDA_PER_GB_SECOND = {"arm64": 0.0000133334, "x86_64": 0.0000166667}
DYNAMODB_PER_MILLION_WRITE_UNITS = 0.625
DYNAMODB_PER_MILLION_READ_UNITS = 0.125
LOGS_PER_GB = 0.50  # GB taken as 10^9 bytes
XRAY_PER_MILLION_TRACES = 5.00
LOG_EVENT_OVERHEAD = 26  # bytes CloudWatch Logs counts per event besides its message
_LEVELS = {"TRACE": 0, "DEBUG": 1, "INFO": 2, "WARN": 3, "WARNING": 3, "ERROR": 4, "FATAL": 5, "CRITICAL": 5}
_WRITES, _READS = frozenset({"PutItem", "UpdateItem", "DeleteItem"}), frozenset({"GetItem", "Query", "BatchGetItem"})


@dataclass(frozen=True)
class FunctionSettings:
    """What the template says about one function in one stage, as far as the bill goes."""

    memory_mb: int
    architecture: str
    traced: bool
    log_format: str  # Lambda filters by level only with JSON
    system_level: str
    application_level: str
    powertools_level: str
    access_log_format: str

    @classmethod
    def of(cls, stack: Stack, function: str) -> FunctionSettings:
        properties = stack.resources("AWS::Serverless::Function")[function]
        logging = properties.get("LoggingConfig") or {}
        variables = (properties.get("Environment") or {}).get("Variables") or {}
        apis = stack.resources("AWS::Serverless::HttpApi").values()
        return cls(
            memory_mb=int(properties.get("MemorySize", 128)),
            architecture=(properties.get("Architectures") or ["x86_64"])[0],
            traced=properties.get("Tracing") == "Active",
            log_format=logging.get("LogFormat", "Text"),
            system_level=logging.get("SystemLogLevel", "INFO").upper(),
            application_level=logging.get("ApplicationLogLevel", "INFO").upper(),
            powertools_level=str(variables.get("POWERTOOLS_LOG_LEVEL", "INFO")).upper(),
            access_log_format=next((api.get("AccessLogSettings", {}).get("Format", "") for api in apis), ""),
        )

    def sends(self, line: str, default_level: str = "INFO") -> bool:
        """Whether a line the handler printed reaches CloudWatch (a line without a level counts as INFO)."""
        try:
            record = json.loads(line)
            level = str(record.get("level", default_level)).upper() if isinstance(record, dict) else default_level
        except ValueError:
            level = default_level
        if _LEVELS.get(level, 2) < _LEVELS[self.powertools_level]:
            return False  # Powertools would not have printed it
        return self.log_format != "JSON" or _LEVELS.get(level, 2) >= _LEVELS[self.application_level]

    def sends_platform_records(self) -> bool:
        """Lambda logs its per-request platform.start and platform.report records at INFO."""
        return self.log_format != "JSON" or _LEVELS[self.system_level] <= _LEVELS["INFO"]


def log_bytes(handler_output: str, duration_ms: float, settings: FunctionSettings) -> int:
    """Bytes CloudWatch Logs ingests for one request, every log group."""
    lines = [line for line in handler_output.splitlines() if line.strip() and settings.sends(line)]
    if settings.sends_platform_records():
        lines += platform_records(duration_ms, settings.memory_mb)
    if settings.access_log_format:
        lines.append(access_log_line(settings.access_log_format))
    return sum(len(line.encode()) + LOG_EVENT_OVERHEAD for line in lines)


def platform_records(duration_ms: float, memory_mb: int) -> list[str]:
    """Lambda's platform.start and platform.report in the JSON log format, traced."""
    request_id = "6d68ca91-49c9-448d-89b8-7ca3e6dc66aa"
    tracing = {"spanId": "54565fb41ac79632", "type": "X-Amzn-Trace-Id",
               "value": "Root=1-6741b2a0-0a1b2c3d4e5f60718293a4b5;Parent=0efbd19962d95b05;Sampled=1"}  # fmt: skip
    metrics = {"durationMs": round(duration_ms, 2), "billedDurationMs": math.ceil(duration_ms),
               "memorySizeMB": memory_mb, "maxMemoryUsedMB": 92}  # fmt: skip
    status = {"tracing": tracing, "status": "success"}
    records = [
        {"type": "platform.start", "record": {"requestId": request_id, "version": "$LATEST", "tracing": tracing}},
        {"type": "platform.report", "record": {"requestId": request_id, "metrics": metrics, **status}},
    ]
    return [json.dumps({"time": "2026-11-23T12:00:00.000Z", **record}, separators=(",", ":")) for record in records]


def access_log_line(template_format: str) -> str:
    """The access log format with what API Gateway would put in each $context variable."""
    values = {"requestId": "Ab1CdEfGhIjKlMn=", "identity.sourceIp": "203.0.113.10", "httpMethod": "GET",
              "path": "/Ab3dE5g", "routeKey": "GET /{shortCode}", "status": "301", "responseLength": "0",
              "responseLatency": "12", "integrationLatency": "9", "integrationErrorMessage": "-"}  # fmt: skip
    line = template_format
    for variable in sorted(values, key=len, reverse=True):  # longest first: responseLatency before status
        line = line.replace(f"$context.{variable}", values[variable])
    return line


def item_size(item: Mapping[str, Mapping[str, Any]]) -> int:
    """Bytes of a DynamoDB item by AWS's sizing rules (names plus values)."""
    return sum(len(name.encode()) + _value_size(value) for name, value in item.items())


def _value_size(value: Mapping[str, Any]) -> int:
    (kind, content), *_ = value.items()
    if kind == "M":
        return 3 + sum(len(k.encode()) + _value_size(v) + 1 for k, v in content.items())
    if kind == "L":
        return 3 + sum(_value_size(v) + 1 for v in content)
    if kind == "N":  # 1 byte per 2 significant digits, plus 1
        return math.ceil(len(str(content).lstrip("-").replace(".", "").strip("0") or "0") / 2) + 1
    if kind in ("BOOL", "NULL"):
        return 1
    return len(str(content).encode())  # S (and B, as base64: an upper bound)


def per_million(
    duration_ms: float, calls: list[str], item_bytes: int, log_output: str, settings: FunctionSettings
) -> dict[str, float]:
    """USD for a million requests, by line; X-Ray apart (every request traced, if tracing is on)."""
    gb_seconds = 1e6 * settings.memory_mb / 1024 * math.ceil(duration_ms) / 1000  # billed per whole ms
    operations = [call.split(":")[-1] for call in calls if call.startswith("dynamodb:")]
    writes = sum(math.ceil(item_bytes / 1024) for operation in operations if operation in _WRITES)
    reads = sum(math.ceil(item_bytes / 4096) for operation in operations if operation in _READS)  # consistent
    lines = {
        "api": HTTP_API_PER_MILLION,
        "lambda": LAMBDA_PER_MILLION + gb_seconds * LAMBDA_PER_GB_SECOND[settings.architecture],
        "dynamodb": writes * DYNAMODB_PER_MILLION_WRITE_UNITS + reads * DYNAMODB_PER_MILLION_READ_UNITS,
        "logs": 1e6 * log_bytes(log_output, duration_ms, settings) / 1e9 * LOGS_PER_GB,
    }
    lines["total"] = sum(lines.values())
    lines["xray"] = XRAY_PER_MILLION_TRACES if settings.traced else 0.0
    return lines


# The requests the bill is shown for: the bench's operation, its function, the item its calls touch.
WORKLOADS = (
    ("redirects", "redirect", "RedirectLinkFunction", "link"),
    ("shortens", "shorten", "ShortenLinkFunction", "link"),
    ("task reads", "task get", "GetTaskFunction", "task"),
)


def estimate(
    warm_rows: Sequence[Mapping[str, Any]], logs: Mapping[str, str], items: Mapping[str, Mapping[str, Any]]
) -> list[dict[str, Any]]:
    """One row per stage and workload: USD per million requests, by line."""
    by_operation = {row["operation"]: row for row in warm_rows}
    rows = []
    for stage in STAGES:
        stack = Stack(parameters={"Stage": stage})
        for label, operation, function, item in WORKLOADS:
            settings, row = FunctionSettings.of(stack, function), by_operation[operation]
            duration = row["handler_ms"]["median"]
            bill = per_million(duration, row["calls"], item_size(items[item]), logs[operation], settings)
            rows.append({"stage": stage, "requests": label, "memory_mb": settings.memory_mb,
                         "billed_ms": math.ceil(duration), **bill})  # fmt: skip
    return rows

"""What a million requests cost per month, from measured durations, counted calls and captured logs.

Public us-east-1 list prices (no free tier). The inputs that are measured, not assumed:

- Lambda duration: the in-process handler's median (warm.py), rounded up to the next 1 ms as
  Lambda bills it, with the template's MemorySize. In-process on this machine against the
  emulator is *not* Lambda on arm64 (nor real DynamoDB): compare the order of magnitude only.
- DynamoDB request units: the calls counted for the operation (aws_calls.py) times the units the
  stored item costs (its size by DynamoDB's rules: 1 KB per write unit, 4 KB per strongly
  consistent read unit).
- CloudWatch Logs bytes: what the handler printed for one warm request (Powertools logs and EMF
  metrics, captured), plus Lambda's own platform.start and platform.report records (JSON log
  format, with the X-Ray trace id) and the API's access log line rendered from the template's
  format, each event counted with 26 bytes of CloudWatch overhead. GB taken as 10^9 bytes.
  Which of these lines Lambda sends depends on the Stage: each stage's LoggingConfig and
  environment are read from the template (`stage_config`), and its lines filtered as Lambda
  filters them (see `LogLevels`). Prod is the headline (the seed's figure is for a production
  deployment); dev is reported alongside.
- X-Ray: `Tracing: Active` records the first request each second and 5% of the rest. At a steady
  1M requests a month (0.39/s) nearly every request is traced: the line is shown on its own.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from devkit.stack import Stack

SECONDS_PER_MONTH = 30 * 24 * 3600
GB = 1e9  # conservative: fewer bytes per GB than 2^30, so a (slightly) larger bill
CLOUDWATCH_EVENT_OVERHEAD = 26  # bytes CloudWatch Logs counts per log event besides its message
SEED_COST_PER_MILLION_REDIRECTS = 4.45
GOAL_FRACTION_OF_SEED = 0.5
# The template's Stage values. The seed's figure is for a production deployment: prod is the headline.
HEADLINE_STAGE = "prod"
STAGES = (HEADLINE_STAGE, "dev")


@dataclass(frozen=True)
class Prices:
    """AWS's public us-east-1 prices, USD."""

    http_api_per_million: float = 1.00
    rest_api_per_million: float = 3.50
    lambda_per_million_requests: float = 0.20
    lambda_per_gb_second_arm64: float = 0.0000133334
    dynamodb_per_million_writes: float = 0.625
    dynamodb_per_million_reads: float = 0.125
    logs_per_gb_ingested: float = 0.50
    xray_per_million_traces: float = 5.00
    xray_reservoir_per_second: float = 1.0
    xray_fixed_rate: float = 0.05


@dataclass(frozen=True)
class Workload:
    """One kind of request, as measured."""

    name: str
    duration_ms: float
    memory_mb: int
    write_units: float
    read_units: float
    log_bytes: float  # per request, every log group, CloudWatch's per-event overhead included
    requests: int = 1_000_000


def billed_ms(duration_ms: float) -> int:
    """Lambda bills whole milliseconds, rounded up (1 ms at least)."""
    return max(1, math.ceil(duration_ms))


def traced_fraction(requests_per_second: float, prices: Prices = Prices()) -> float:
    """The share of requests X-Ray records with Lambda's sampling (1 per second, then 5%)."""
    if requests_per_second <= 0:
        return 0.0
    reservoir = min(requests_per_second, prices.xray_reservoir_per_second)
    return (reservoir + prices.xray_fixed_rate * (requests_per_second - reservoir)) / requests_per_second


def monthly_cost(workload: Workload, prices: Prices = Prices(), *, api: str = "http") -> dict[str, float]:
    """USD per month for `workload.requests` requests, line by line; X-Ray apart (see module doc)."""
    millions = workload.requests / 1e6
    per_million_api = prices.http_api_per_million if api == "http" else prices.rest_api_per_million
    gb_seconds = workload.requests * (workload.memory_mb / 1024) * billed_ms(workload.duration_ms) / 1000
    lines = {
        "api_gateway": millions * per_million_api,
        "lambda_requests": millions * prices.lambda_per_million_requests,
        "lambda_compute": gb_seconds * prices.lambda_per_gb_second_arm64,
        "dynamodb_writes": millions * workload.write_units * prices.dynamodb_per_million_writes,
        "dynamodb_reads": millions * workload.read_units * prices.dynamodb_per_million_reads,
        "cloudwatch_logs": workload.requests * workload.log_bytes / GB * prices.logs_per_gb_ingested,
    }
    lines["total_without_xray"] = sum(lines.values())
    rate = workload.requests / SECONDS_PER_MONTH
    lines["xray_traced_fraction"] = traced_fraction(rate, prices)
    lines["xray"] = millions * lines["xray_traced_fraction"] * prices.xray_per_million_traces
    lines["total_with_xray"] = lines["total_without_xray"] + lines["xray"]
    return lines


# --- DynamoDB item sizes ----------------------------------------------------------------------


def attribute_value_size(value: Mapping[str, Any]) -> int:
    """Bytes of one DynamoDB attribute value by AWS's published sizing rules."""
    (kind, content), *_ = value.items()
    if kind in ("M", "L"):  # 3 bytes of overhead, and 1 per element
        entries = content.items() if kind == "M" else (("", v) for v in content)
        return 3 + sum(len(k.encode()) + attribute_value_size(v) + 1 for k, v in entries)
    if kind in ("SS", "NS", "BS"):
        return sum(attribute_value_size({kind[0]: member}) for member in content)
    return _scalar_size(kind, content)


def _scalar_size(kind: str, content: Any) -> int:
    if kind == "S":
        return len(str(content).encode())
    if kind == "N":  # 1 byte per 2 significant digits, plus 1
        digits = str(content).lstrip("-").replace(".", "").strip("0") or "0"
        return math.ceil(len(digits) / 2) + 1
    if kind == "B":
        return len(content) if isinstance(content, bytes | bytearray) else math.ceil(len(str(content)) * 3 / 4)
    if kind in ("BOOL", "NULL"):
        return 1
    raise ValueError(f"unknown DynamoDB type {kind}")


def item_size(item: Mapping[str, Mapping[str, Any]]) -> int:
    return sum(len(name.encode()) + attribute_value_size(value) for name, value in item.items())


def write_units(size: int) -> int:
    return max(1, math.ceil(size / 1024))


def read_units(size: int, *, consistent: bool = True) -> float:
    units = max(1, math.ceil(size / 4096))
    return units if consistent else units / 2


# --- log lines Lambda and API Gateway add -------------------------------------------------------

_REQUEST_ID = "6d68ca91-49c9-448d-89b8-7ca3e6dc66aa"
_TRACE = "Root=1-6741b2a0-0a1b2c3d4e5f60718293a4b5;Parent=0efbd19962d95b05;Sampled=1"


def platform_records(duration_ms: float, memory_mb: int) -> list[str]:
    """Lambda's platform.start and platform.report records in the JSON log format, traced."""
    tracing = {"spanId": "54565fb41ac79632", "type": "X-Amzn-Trace-Id", "value": _TRACE}
    start = {
        "time": "2026-11-23T12:00:00.000Z",
        "type": "platform.start",
        "record": {"requestId": _REQUEST_ID, "version": "$LATEST", "tracing": tracing},
    }
    report = {
        "time": "2026-11-23T12:00:00.005Z",
        "type": "platform.report",
        "record": {
            "requestId": _REQUEST_ID,
            "metrics": {
                "durationMs": round(duration_ms, 2),
                "billedDurationMs": billed_ms(duration_ms),
                "memorySizeMB": memory_mb,
                "maxMemoryUsedMB": 92,
            },
            "tracing": tracing,
            "status": "success",
        },
    }
    return [json.dumps(start, separators=(",", ":")), json.dumps(report, separators=(",", ":"))]


# What API Gateway substitutes for each $context variable of the access log format.
_ACCESS_LOG_VALUES = {
    "$context.requestId": "Ab1CdEfGhIjKlMn=",
    "$context.identity.sourceIp": "203.0.113.10",
    "$context.httpMethod": "GET",
    "$context.path": "/Ab3dE5g",
    "$context.routeKey": "GET /{shortCode}",
    "$context.status": "301",
    "$context.responseLength": "0",
    "$context.responseLatency": "12",
    "$context.integrationLatency": "9",
    "$context.integrationErrorMessage": "-",
}


def access_log_line(template_format: str) -> str:
    """The template's access log format with representative values (longest variables first)."""
    line = template_format
    for variable in sorted(_ACCESS_LOG_VALUES, key=len, reverse=True):
        line = line.replace(variable, _ACCESS_LOG_VALUES[variable])
    return line


# --- which lines Lambda sends: log-level filtering -------------------------------------------

# Lambda's levels, least severe first; Python's names map onto them.
_LEVEL_RANK = {"TRACE": 0, "DEBUG": 1, "INFO": 2, "WARN": 3, "WARNING": 3, "ERROR": 4, "FATAL": 5, "CRITICAL": 5}
# Lambda logs platform.start and platform.report at INFO (AWS: "Log-level filtering", system logs).
PLATFORM_RECORD_LEVEL = "INFO"


def _rank(level: str) -> int:
    return _LEVEL_RANK[level.upper()]


def declared_level(line: str) -> str | None:
    """The level a log line declares (its JSON "level" field), or None (EMF metrics, plain text)."""
    try:
        record = json.loads(line)
    except ValueError:
        return None
    level = record.get("level") if isinstance(record, dict) else None
    return level.upper() if isinstance(level, str) and level.upper() in _LEVEL_RANK else None


@dataclass(frozen=True)
class LogLevels:
    """One function's log settings in one stage, and which lines they let through to CloudWatch.

    Lambda filters by level only with `LogFormat: JSON`: system records below `SystemLogLevel`
    and application lines below `ApplicationLogLevel` (INFO when unset) are never sent. Powertools
    drops its own log records below POWERTOOLS_LOG_LEVEL before they are printed; its EMF metrics
    lines are printed whatever that level (and carry no level, so Lambda takes them for INFO).
    """

    log_format: str = "Text"  # Lambda's default
    system: str = "INFO"  # SystemLogLevel
    application: str = "INFO"  # ApplicationLogLevel
    powertools: str = "INFO"  # POWERTOOLS_LOG_LEVEL

    @classmethod
    def of(cls, logging_config: Mapping[str, Any] | None, environment: Mapping[str, str]) -> LogLevels:
        """From a function's resolved `LoggingConfig` and environment variables."""
        config = logging_config or {}
        return cls(
            log_format=str(config.get("LogFormat", cls.log_format)),
            system=str(config.get("SystemLogLevel", cls.system)).upper(),
            application=str(config.get("ApplicationLogLevel", cls.application)).upper(),
            powertools=str(environment.get("POWERTOOLS_LOG_LEVEL", cls.powertools)).upper(),
        )

    @property
    def filtered_by_lambda(self) -> bool:
        return self.log_format == "JSON"

    def sends_platform_records(self) -> bool:
        return not self.filtered_by_lambda or _rank(PLATFORM_RECORD_LEVEL) >= _rank(self.system)

    def sends(self, line: str) -> bool:
        """Whether a line the handler printed reaches CloudWatch with these settings."""
        level = declared_level(line)
        if level is not None and _rank(level) < _rank(self.powertools):
            return False  # Powertools would not have printed it
        # Lambda takes a line without a valid level for INFO.
        return not self.filtered_by_lambda or _rank(level or "INFO") >= _rank(self.application)


@dataclass(frozen=True)
class StageConfig:
    """What the template says, for one Stage, about the inputs of the bill."""

    memory_mb: Mapping[str, int]
    log_levels: Mapping[str, LogLevels]
    access_log_format: str | None


def stage_config(stack: Stack) -> StageConfig:
    """Memory, log levels and the API access log format, as `stack`'s template and parameters
    resolve them (Globals merged, `!If [IsProd, ...]` decided by its Stage)."""
    functions = stack.functions()
    properties = stack.resources("AWS::Serverless::Function")
    apis = stack.resources("AWS::Serverless::HttpApi").values()
    return StageConfig(
        memory_mb={name: function.memory for name, function in functions.items()},
        log_levels={
            name: LogLevels.of(properties[name].get("LoggingConfig"), function.environment)
            for name, function in functions.items()
        },
        access_log_format=next((api.get("AccessLogSettings", {}).get("Format") for api in apis), None),
    )


def log_bytes(
    handler_output: str,
    duration_ms: float,
    memory_mb: int,
    access_log_format: str | None,
    levels: LogLevels = LogLevels(),
) -> dict[str, int]:
    """Bytes CloudWatch Logs ingests for one request, by source (26 bytes of overhead per event),
    after Lambda's and Powertools' level filtering (`levels`)."""
    handler_events = [line for line in handler_output.splitlines() if line.strip() and levels.sends(line)]
    platform = platform_records(duration_ms, memory_mb) if levels.sends_platform_records() else []
    sources = {
        "handler": sum(len(line.encode()) + CLOUDWATCH_EVENT_OVERHEAD for line in handler_events),
        "lambda_platform": sum(len(line.encode()) + CLOUDWATCH_EVENT_OVERHEAD for line in platform),
        "api_access_log": 0,
    }
    if access_log_format:
        sources["api_access_log"] = len(access_log_line(access_log_format).encode()) + CLOUDWATCH_EVENT_OVERHEAD
    sources["total"] = sum(sources.values())
    return sources


def compare_with_seed(redirects: Mapping[str, float]) -> dict[str, Any]:
    """Our 1M redirects against the seed's published $4.45, with and without X-Ray."""
    limit = SEED_COST_PER_MILLION_REDIRECTS * GOAL_FRACTION_OF_SEED
    # $4.45 is exactly REST API $3.50 + Lambda requests $0.20 + one read $0.125 and one write $0.625:
    # the seed's figure leaves out compute, logs and X-Ray. Ours on that same basis, for reference.
    same_basis = sum(
        redirects[line] for line in ("api_gateway", "lambda_requests", "dynamodb_writes", "dynamodb_reads")
    )
    return {
        "ours_on_seed_basis": same_basis,
        "ratio_on_seed_basis": same_basis / SEED_COST_PER_MILLION_REDIRECTS,
        "seed": SEED_COST_PER_MILLION_REDIRECTS,
        "goal": f"<= {GOAL_FRACTION_OF_SEED}x seed (${limit:.3f})",
        "ratio_without_xray": redirects["total_without_xray"] / SEED_COST_PER_MILLION_REDIRECTS,
        "met_without_xray": redirects["total_without_xray"] <= limit,
        "ratio_with_xray": redirects["total_with_xray"] / SEED_COST_PER_MILLION_REDIRECTS,
        "met_with_xray": redirects["total_with_xray"] <= limit,
    }


def workload_json(workload: Workload) -> dict[str, Any]:
    return {**asdict(workload), "billed_ms": billed_ms(workload.duration_ms)}


# --- the report's cost section ----------------------------------------------------------------

# Which item each workload's calls touch, and the measured operation (warm.py) it is.
WORKLOADS = (
    ("1M redirects", "redirect", "RedirectLinkFunction", "link"),
    ("1M shortens", "shorten", "ShortenLinkFunction", "link"),
    ("1M task reads", "task get", "GetTaskFunction", "task"),
)
_WRITES = frozenset({"PutItem", "UpdateItem", "DeleteItem"})
_READS = frozenset({"GetItem", "Query", "BatchGetItem"})


def units(calls: list[str], size: int) -> tuple[float, float]:
    """(write units, read units) of DynamoDB calls on an item of `size` bytes (reads consistent)."""
    writes = sum(write_units(size) for call in calls if call.split(":")[-1] in _WRITES)
    reads = sum(read_units(size) for call in calls if call.split(":")[-1] in _READS)
    return writes, reads


ASSUMPTIONS = (
    "Handler lines are those one warm request printed in-process with the local stack's environment,"
    " then filtered by each stage's levels; a stage logging more verbosely than that capture would be"
    " undercounted. Errors, warnings and cold starts' init records are not modelled (a healthy steady load).",
    "Lambda logs its per-request platform.start and platform.report records at INFO: a SystemLogLevel of WARN"
    " sends neither. Level filtering needs `LogFormat: JSON`; a line without a level counts as INFO.",
    "EMF metrics lines carry the local stack's namespace (`local/...`); a deployed stack's name makes each"
    " some 20 bytes longer (under $0.01 per million requests).",
)


def estimate_stage(
    warm_rows: Sequence[Mapping[str, Any]],
    item_sizes: Mapping[str, int],
    config: StageConfig,
    prices: Prices = Prices(),
) -> dict[str, Any]:
    """One stage's bill: each workload's inputs, on HTTP API and on REST API, vs the seed."""
    by_operation = {row["operation"]: row for row in warm_rows}
    workloads: list[dict[str, Any]] = []
    for label, operation, function, item in WORKLOADS:
        row = by_operation[operation]
        duration = float(row["handler_ms"]["median"])
        memory, levels = config.memory_mb[function], config.log_levels[function]
        writes, reads = units(list(row["handler_calls"]), item_sizes[item])
        logs = log_bytes(row.get("log_sample", ""), duration, memory, config.access_log_format, levels)
        workload = Workload(label, duration, memory, writes, reads, logs["total"])
        workloads.append(
            {
                "workload": workload_json(workload),
                "item_bytes": item_sizes[item],
                "log_levels": asdict(levels),
                "log_bytes_by_source": logs,
                "http_api": monthly_cost(workload, prices, api="http"),
                "rest_api": monthly_cost(workload, prices, api="rest"),
            }
        )
    return {"workloads": workloads, "seed": compare_with_seed(workloads[0]["http_api"])}


def estimate(
    warm_rows: Sequence[Mapping[str, Any]],
    item_sizes: Mapping[str, int],
    stages: Mapping[str, StageConfig],
    prices: Prices = Prices(),
) -> dict[str, Any]:
    """The cost section: every stage's bill (prod's is the headline), prices and assumptions."""
    if HEADLINE_STAGE not in stages:
        raise ValueError(f"no {HEADLINE_STAGE!r} stage to compare with the seed: {sorted(stages)}")
    return {
        "prices": asdict(prices),
        "headline_stage": HEADLINE_STAGE,
        "stages": {stage: estimate_stage(warm_rows, item_sizes, config, prices) for stage, config in stages.items()},
        "assumptions": list(ASSUMPTIONS),
        "xray_fraction_examples": {
            f"{per_month / 1e6:g}M/month steady": traced_fraction(per_month / SECONDS_PER_MONTH, prices)
            for per_month in (1e6, 10e6, 100e6)
        },
    }

"""The numbers of docs/scaling.md: one link at 10,000 redirects/s, modelled and priced.

No AWS involved. The model is a discrete-time simulation of what `common/link_clicks.py` does:
each 100 ms tick, every item (the link's own and each counter shard) accepts at most a tenth of
DynamoDB's 1,000 writes/s per item and throttles the rest. A click tries the link's item first
(the fast path); a throttled one goes to a random shard, trying up to SHARD_ATTEMPTS shards, and
is not counted (but logged) when all of them are throttled. Without shards, a throttled click
fails its redirect. The price is the same hour at list prices (bench/cost.py's), from the
template's memory and architecture and the assumptions printed with it.

    .venv/bin/python -m bench.hot_link          (tests/bench checks the page shows exactly this)
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from bench import cost

PER_ITEM_WRITES_PER_SECOND = 1_000  # DynamoDB: one item lives in one partition
TICKS_PER_SECOND = 10
SHARD_ATTEMPTS = 3  # as common/link_clicks.py
RATE, SECONDS = 10_000, 60
# The hour's assumptions: Lambda time per redirect; log bytes per request as CloudWatch counts them
# (the handler's lines and the access log line: make bench's cost table measures about 530 in prod);
# execution environments (each caches the target for 5 s).
DURATION_MS, LOG_BYTES, ENVIRONMENTS, TARGET_CACHE_S = 10, 530, 200, 5


@dataclass(frozen=True)
class Outcome:
    redirects: int
    served: int
    counted: int
    not_counted: int


def simulate(*, rate: int, seconds: int, shards: int, seed: int = 7) -> Outcome:
    """`rate` redirects/s on one link for `seconds` with `shards` counter shards (0: fast path only)."""
    rng = random.Random(seed)
    per_tick = PER_ITEM_WRITES_PER_SECOND // TICKS_PER_SECOND
    served = counted = lost = 0
    for _ in range(seconds * TICKS_PER_SECOND):
        arrivals = rate // TICKS_PER_SECOND
        fast = min(arrivals, per_tick)
        served, counted = served + fast, counted + fast
        if not shards:
            continue  # throttled: the redirect fails, and its click is never counted
        served += arrivals - fast  # the target comes from a (cached) read: always served
        room = [per_tick] * shards
        for _ in range(arrivals - fast):
            for shard in (rng.randrange(shards) for _ in range(SHARD_ATTEMPTS)):
                if room[shard]:
                    room[shard] -= 1
                    counted += 1
                    break
            else:
                lost += 1
    return Outcome(rate * seconds, served, counted, lost)


def model_table() -> list[str]:
    rows = [
        f"{RATE:,} redirects/s on one link for {SECONDS} s:",
        "",
        "| shards | redirects served | clicks counted | not counted |",
        "|---:|---:|---:|---:|",
    ]
    for shards in (0, 10, 20, 40):
        outcome = simulate(rate=RATE, seconds=SECONDS, shards=shards)
        label = "none (fast path only)" if shards == 0 else str(shards)
        rows.append(f"| {label} | {outcome.served:,} of {outcome.redirects:,} | {outcome.counted:,} "
                    f"| {outcome.not_counted:,} |")  # fmt: skip
    return rows


def hour_table(memory_mb: int, architecture: str) -> list[str]:
    """What an hour at RATE costs, line by line."""
    requests = RATE * 3600
    millions = requests / 1e6
    gb_seconds = requests * memory_mb / 1024 * DURATION_MS / 1000
    target_reads = ENVIRONMENTS * 3600 / TARGET_CACHE_S / 2  # eventually consistent: half a unit each
    traces = 3600 * (1 + 0.05 * (RATE - 1))  # the first request each second, then 5%
    lines = [
        (f"HTTP API, ${cost.HTTP_API_PER_MILLION:.2f} per million", millions * cost.HTTP_API_PER_MILLION),
        (f"Lambda requests, ${cost.LAMBDA_PER_MILLION:.2f} per million", millions * cost.LAMBDA_PER_MILLION),
        (f"Lambda duration, {memory_mb} MB {architecture}, {DURATION_MS} ms each ({gb_seconds:,.0f} GB-s)",
         gb_seconds * cost.LAMBDA_PER_GB_SECOND[architecture]),
        (f"DynamoDB writes, 1 per click at ${cost.DYNAMODB_PER_MILLION_WRITE_UNITS} per million",
         millions * cost.DYNAMODB_PER_MILLION_WRITE_UNITS),
        (f"DynamoDB reads of the target (cached {TARGET_CACHE_S} s in each of {ENVIRONMENTS} environments)",
         target_reads / 1e6 * cost.DYNAMODB_PER_MILLION_READ_UNITS),
        (f"CloudWatch Logs, {LOG_BYTES} bytes per request at ${cost.LOGS_PER_GB:.2f}/GB",
         requests * LOG_BYTES / 1e9 * cost.LOGS_PER_GB),
        (f"X-Ray, 1 trace/s + 5% at ${cost.XRAY_PER_MILLION_TRACES:.2f} per million",
         traces / 1e6 * cost.XRAY_PER_MILLION_TRACES),
    ]  # fmt: skip
    rows = [f"| {label} | {_money(amount)} |" for label, amount in lines]
    total = sum(amount for _, amount in lines)
    title = f"What {RATE:,} redirects/s on one link cost for an hour ({requests / 1e6:.0f} million requests):"
    return [title, "", "| | per hour |", "|---|---:|", *rows, f"| **total** | **${total:,.2f}** |"]


def _money(amount: float) -> str:
    return "< $0.01" if amount < 0.01 else f"${amount:,.2f}"


def report(memory_mb: int, architecture: str) -> str:
    return "\n".join([*model_table(), "", *hour_table(memory_mb, architecture)]) + "\n"


if __name__ == "__main__":
    from devkit.stack import Stack

    settings = cost.FunctionSettings.of(Stack(), "RedirectLinkFunction")
    print(report(settings.memory_mb, settings.architecture), end="")

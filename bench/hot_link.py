"""A model of one viral link: 10,000 redirects/s for 60 s, against DynamoDB's per-item write limit.

No AWS involved: a discrete-time simulation of what `common/link_clicks.py` does, to show the
arithmetic behind README's "Scaling" section. Each 100 ms tick, every item (the link's own and
each counter shard) accepts at most LIMIT/10 writes; the rest are throttled. The link's item is
tried first (the fast path); a throttled click goes to a random shard, trying up to
SHARD_ATTEMPTS shards. Without shards, a throttled click fails its redirect (what the app did
before sharding: a 503).

    .venv/bin/python -m bench.hot_link
"""

from __future__ import annotations

import random
from dataclasses import dataclass

PER_ITEM_WRITES_PER_SECOND = 1_000  # DynamoDB: one item lives in one partition, ~1,000 WCU/s
TICKS_PER_SECOND = 10
SHARD_ATTEMPTS = 3  # shards tried per click, as common/link_clicks.py


@dataclass(frozen=True)
class Outcome:
    shards: int
    redirects: int
    served: int
    counted_fast: int
    counted_sharded: int
    not_counted: int

    @property
    def success_rate(self) -> float:
        return self.served / self.redirects

    @property
    def counted(self) -> int:
        return self.counted_fast + self.counted_sharded


def simulate(*, rate: int, seconds: int, shards: int, seed: int = 7) -> Outcome:
    """`rate` redirects/s on one link for `seconds`, with `shards` counter shards (0 = fast path only).

    As in the app, a click whose SHARD_ATTEMPTS shards are all throttled is not counted (and
    logged): shard writes are not retried later.
    """
    rng = random.Random(seed)
    per_tick_limit = PER_ITEM_WRITES_PER_SECOND // TICKS_PER_SECOND
    served = fast = sharded = lost = 0
    for _ in range(seconds * TICKS_PER_SECOND):
        arrivals = rate // TICKS_PER_SECOND
        fast_now = min(arrivals, per_tick_limit)
        fast += fast_now
        served += fast_now
        if not shards:
            continue  # throttled: the redirect fails, and its click is never counted
        served += arrivals - fast_now  # the target comes from a (cached) read: always served
        room = [per_tick_limit] * shards
        for _ in range(arrivals - fast_now):
            if any(_take(room, rng.randrange(shards)) for _ in range(SHARD_ATTEMPTS)):
                sharded += 1
            else:
                lost += 1
    return Outcome(shards, rate * seconds, served, fast, sharded, lost)


def _take(room: list[int], shard: int) -> bool:
    if room[shard]:
        room[shard] -= 1
        return True
    return False


def report(rate: int = 10_000, seconds: int = 60) -> str:
    """A Markdown table: the fast path alone against 10, 20 (the default) and 40 shards."""
    rows = [
        "| shards | redirects served | success rate | clicks counted | not counted |",
        "|---:|---:|---:|---:|---:|",
    ]
    for shards in (0, 10, 20, 40):
        outcome = simulate(rate=rate, seconds=seconds, shards=shards)
        label = "none (fast path only)" if shards == 0 else str(shards)
        rows.append(
            f"| {label} | {outcome.served:,} of {outcome.redirects:,} | {outcome.success_rate:.1%} "
            f"| {outcome.counted:,} | {outcome.not_counted:,} |"
        )
    return f"{rate:,} redirects/s on one link for {seconds} s:\n\n" + "\n".join(rows)


if __name__ == "__main__":
    print(report())

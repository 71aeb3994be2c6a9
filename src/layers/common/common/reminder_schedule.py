"""One run of the reminder schedule: every due reminder, from each shard of the index, onto the queue.

The run reads each shard of the sparse index (reminder_index.py) for reminders due at the run's
time, oldest first, a page at a time, and queues each page as it is read (reminder_queue.py). It
changes no task: a reminder stays in the index until the worker has sent it (or found it
cancelled), so a run that fails, times out or stops early loses nothing.

A run is bounded: at most `limit` reminders in all (an equal share per shard, so a crowded shard
cannot starve the others), and no new page once `deadline()` says time is short. What is left is
due still, and the next run (a minute later) takes it: a minute with more reminders than the bound
spreads them over the following minutes. A reminder the worker has not finished by then is queued
again; the worker sends it once all the same (reminder_delivery.py).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple

from common import reminder_index, reminder_queue


class Run(NamedTuple):
    """What one run did."""

    queued: int
    not_queued: int  # refused by SQS: queued again by the next run
    complete: bool  # False: it stopped at its bound or its deadline, and more may be due


def queue_due(now: int, *, limit: int, out_of_time: Callable[[], bool]) -> Run:
    """Queue the reminders due at `now`, at most `limit`. Each minute's run starts with the next
    shard, so a run that stops early does not always leave out the same shards."""
    first = now // 60 % len(reminder_index.SHARDS)
    shards = reminder_index.SHARDS[first:] + reminder_index.SHARDS[:first]
    share = max(1, limit // len(shards))
    queued = not_queued = 0
    complete = True
    for shard in shards:
        left, start = share, None
        while left and not out_of_time():
            reminders, start = reminder_index.due(shard, now, limit=left, start=start)
            refused = reminder_queue.send(reminders) if reminders else 0
            queued += len(reminders) - refused
            not_queued += refused
            left -= len(reminders)
            if start is None:
                break
        else:
            complete = False  # out of its share or of time, with this shard perhaps not done
        if out_of_time():
            complete = False
            break
    return Run(queued, not_queued, complete)

"""The loop both SQS pollers run (S3 events, queues into functions): a thread takes the next piece
of work only once a delivery thread is free for it, so that what waits, waits in its queue, as it
does in AWS, and not in this process's memory.
"""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

# Long polls end this often with nothing, so a stop request is seen within about a second.
WAIT_SECONDS = 1


class DeliveryLoop[Work]:
    """Subclasses say how to take the next piece of work (`_next`, None for none) and deliver it
    (`_deliver`, on a pool thread); at most `concurrency` deliveries run at once."""

    def __init__(self, name: str, stop: threading.Event, concurrency: int) -> None:
        self._stop = stop
        self._slots = threading.BoundedSemaphore(concurrency)
        self._pool = ThreadPoolExecutor(concurrency, thread_name_prefix=name)
        self._thread = threading.Thread(target=self._run, name=f"{name}-poller", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def join(self, timeout: float) -> None:
        """Wait for the loop and every delivery in flight (call after setting `stop`)."""
        self._thread.join(timeout)
        self._pool.shutdown(wait=True, cancel_futures=True)

    def _next(self) -> Work | None:
        raise NotImplementedError

    def _deliver(self, work: Work) -> None:
        raise NotImplementedError

    def _run(self) -> None:
        while not self._stop.is_set():
            if not self._slots.acquire(timeout=WAIT_SECONDS):
                continue
            work = self._next()
            if work is None:
                self._slots.release()
                continue
            self._pool.submit(self._deliver_in_slot, work)

    def _deliver_in_slot(self, work: Work) -> None:
        try:
            self._deliver(work)
        finally:
            self._slots.release()

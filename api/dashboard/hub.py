"""One snapshot per tick for every open page: a thread builds it, the streams share it.

The tick thread builds only while someone watches (a stream is open, or a snapshot was asked
for), so an idle API costs the engine nothing. The snapshot is serialised once per tick; each
stream gets the same text through an asyncio queue of one place (a slow reader skips to the
newest snapshot instead of piling them up).

:meth:`SnapshotHub.close` ends every stream at once: the service calls it before it stops
HTTP, whose graceful stop would otherwise wait for the open streams for ever.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
import time
from collections.abc import AsyncGenerator, Callable
from dataclasses import dataclass

from loguru import logger

from core.metrics.catalog import DASHBOARD_STREAMS

INTERVAL_S = 2.0
KEEPALIVE_S = 10.0  # a comment line when nothing else was sent, so proxies keep the stream open
WAIT_S = 15.0  # the longest a snapshot request waits for a build


@dataclass(frozen=True)
class Frame:
    seq: int
    text: str  # the snapshot as one line of JSON


class _End:
    """Put in a stream's queue when the hub closes."""


_END = _End()


@dataclass(eq=False)
class _Subscriber:
    loop: asyncio.AbstractEventLoop
    queue: asyncio.Queue[Frame | _End]


def _offer(queue: asyncio.Queue[Frame | _End], item: Frame | _End) -> None:
    """Replace what the stream has not read yet (runs on the stream's event loop)."""
    with contextlib.suppress(asyncio.QueueEmpty):
        queue.get_nowait()
    queue.put_nowait(item)


class SnapshotHub:
    def __init__(
        self,
        build: Callable[[], str],
        interval_s: float = INTERVAL_S,
        *,
        close_source: Callable[[], None] = lambda: None,
    ) -> None:
        self._build = build
        self._interval_s = interval_s
        self._close_source = close_source
        self._lock = threading.Condition()
        self._subscribers: set[_Subscriber] = set()
        self._latest: Frame | None = None
        self._latest_at = float("-inf")
        self._demand = 0  # snapshot requests waiting for a build
        self._wake = threading.Event()
        self._closed = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        if self._thread is None and not self._closed.is_set():
            self._thread = threading.Thread(target=self._run, name="dashboard", daemon=True)
            self._thread.start()

    def close(self) -> None:
        """End every stream, stop the thread, close the sources; safe to call twice."""
        if self._closed.is_set():
            return
        self._closed.set()
        self._wake.set()
        with self._lock:
            subscribers = list(self._subscribers)
            self._lock.notify_all()
        for subscriber in subscribers:
            _post(subscriber, _END)
        if self._thread is not None:
            self._thread.join(timeout=30)
        self._close_source()

    # -- readers ---------------------------------------------------------------------------------

    def current(self) -> Frame | None:
        """A snapshot at most one tick old, waiting up to 15 s for a build when needed.

        Older, or None, only when no build succeeded in that time or the hub is closing.
        """
        with self._lock:
            if self._fresh():
                return self._latest
            self._demand += 1
            try:
                self._wake.set()
                self._lock.wait_for(lambda: self._fresh() or self._closed.is_set(), timeout=WAIT_S)
            finally:
                self._demand -= 1
            return self._latest

    async def stream(self) -> AsyncGenerator[Frame | None, None]:
        """Snapshots as they are built (the latest one first), keep-alive Nones between them."""
        subscriber = _Subscriber(asyncio.get_running_loop(), asyncio.Queue(maxsize=1))
        with self._lock:
            if self._closed.is_set():
                return
            self._subscribers.add(subscriber)
            if self._latest is not None and self._fresh():
                subscriber.queue.put_nowait(self._latest)
        DASHBOARD_STREAMS.inc()
        self._wake.set()
        try:
            while True:
                try:
                    item = await asyncio.wait_for(subscriber.queue.get(), timeout=KEEPALIVE_S)
                except TimeoutError:
                    yield None
                    continue
                if isinstance(item, _End):
                    return
                yield item
        finally:
            with self._lock:
                self._subscribers.discard(subscriber)
            DASHBOARD_STREAMS.dec()

    # -- the tick thread --------------------------------------------------------------------------

    def _fresh(self) -> bool:
        return self._latest is not None and time.monotonic() - self._latest_at < self._interval_s

    def _wanted(self) -> bool:
        with self._lock:
            return bool(self._subscribers) or self._demand > 0

    def _run(self) -> None:
        next_at = time.monotonic()
        while True:
            self._wake.wait(timeout=max(0.0, next_at - time.monotonic()))
            self._wake.clear()
            if self._closed.is_set():
                return
            now = time.monotonic()
            if not self._wanted():
                next_at = now + self._interval_s  # idle: nothing is built until someone looks
                continue
            if now < next_at and self._fresh():
                continue  # woken early by a new reader, who already got the latest snapshot
            next_at = now + self._interval_s
            self._tick()

    def _tick(self) -> None:
        try:
            text = self._build()
        except Exception:
            logger.exception("dashboard: building a snapshot failed")
            return
        with self._lock:
            seq = self._latest.seq + 1 if self._latest else 1
            self._latest, self._latest_at = Frame(seq, text), time.monotonic()
            subscribers = list(self._subscribers)
            self._lock.notify_all()
        for subscriber in subscribers:
            _post(subscriber, self._latest)


def _post(subscriber: _Subscriber, item: Frame | _End) -> None:
    with contextlib.suppress(RuntimeError):  # its event loop is closed: the stream is gone anyway
        subscriber.loop.call_soon_threadsafe(_offer, subscriber.queue, item)

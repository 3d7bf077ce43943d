"""An in-memory broker with the RabbitMQ transport's interface, for unit tests of the services.

It keeps the semantics the services rely on: topic/fanout/default-exchange routing, alternate
exchanges, ``mandatory`` returns, manual ack/nack with requeue and the redelivered flag,
prefetch, and delay queues that dead-letter back after their TTL. Names are base names (there
is no prefix: each test makes its own broker). Expired messages move lazily, whenever the broker
is used or waited on, so no timer threads are needed.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace

from core.errors import PublishError, PublishUnroutable
from core.transport.base import Handler, OutgoingMessage
from core.transport.memory_clients import MemoryConsumer, MemoryPublisher
from core.transport.topology import ExchangeType, Topology


def topic_matches(pattern: str, routing_key: str) -> bool:
    """AMQP topic matching: words split on ``.``; ``*`` is one word, ``#`` zero or more."""
    return _match(pattern.split("."), routing_key.split("."))


def _match(pattern: list[str], words: list[str]) -> bool:
    if not pattern:
        return not words
    head, rest = pattern[0], pattern[1:]
    if head == "#":
        return any(_match(rest, words[i:]) for i in range(len(words) + 1))
    return bool(words) and head in ("*", words[0]) and _match(rest, words[1:])


@dataclass
class StoredMessage:
    """A message in a queue: what was published, plus delivery state."""

    item: OutgoingMessage
    redelivered: bool = False
    expires_at: float | None = None


@dataclass
class _Queue:
    name: str
    ttl_ms: int | None = None
    dead_letter_to: str | None = None
    ready: deque[StoredMessage] = field(default_factory=deque)
    unacked: int = 0


@dataclass
class _Exchange:
    name: str
    type: ExchangeType
    alternate: str | None = None
    bindings: list[tuple[str, str]] = field(default_factory=list)  # (queue, binding key)


class MemoryBroker:
    """Queues and exchanges in a dict, guarded by one condition variable."""

    def __init__(self) -> None:
        self.cond = threading.Condition()
        self._queues: dict[str, _Queue] = {}
        self._exchanges: dict[str, _Exchange] = {}
        self._handler_errors: list[BaseException] = []

    # -- set-up ----------------------------------------------------------------------------

    def declare(self, topology: Topology) -> None:
        """Create the topology's exchanges, queues and bindings (idempotent)."""
        with self.cond:
            for spec in topology.exchanges:
                self._exchanges.setdefault(spec.name, _Exchange(spec.name, spec.type, spec.alternate))
            for queue in topology.queues:
                self.declare_queue(
                    queue.name, ttl_ms=queue.message_ttl_ms, dead_letter_to=queue.dead_letter_to
                )
                for exchange, key in queue.bindings:
                    bindings = self._exchanges[exchange].bindings
                    if (queue.name, key) not in bindings:
                        bindings.append((queue.name, key))

    def declare_queue(
        self, name: str, *, ttl_ms: int | None = None, dead_letter_to: str | None = None
    ) -> None:
        """Create one queue (reachable through the default exchange by its name)."""
        with self.cond:
            self._queues.setdefault(name, _Queue(name, ttl_ms, dead_letter_to))

    def publisher(self) -> MemoryPublisher:
        """A publisher for this broker (thread-safe, unlike the real one)."""
        return MemoryPublisher(self)

    def thread_publisher(self, name: str) -> MemoryPublisher:
        """The memory publisher is thread-safe already; ``name`` is for the interface."""
        return MemoryPublisher(self)

    def consumer(
        self,
        queues: Sequence[str],
        handler: Handler,
        *,
        prefetch: int = 10,
        topology: Topology | None = None,
        name: str | None = None,
    ) -> MemoryConsumer:
        """A consumer of ``queues`` (not started), like ``Consumer(settings, queues, handler, ...)``."""
        return MemoryConsumer(self, queues, handler, prefetch=prefetch, topology=topology, name=name)

    # -- inspection ------------------------------------------------------------------------

    def depth(self, queue: str) -> int:
        """Messages ready in ``queue`` (not counting unacked ones), like ``message_count``."""
        with self.cond:
            self._expire_due()
            return len(self._queue(queue).ready)

    def unacked(self, queue: str) -> int:
        """Messages of ``queue`` delivered and not yet settled."""
        with self.cond:
            return self._queue(queue).unacked

    def bodies(self, queue: str) -> list[bytes]:
        """Bodies of the ready messages of ``queue``, oldest first (for assertions)."""
        with self.cond:
            self._expire_due()
            return [message.item.body for message in self._queue(queue).ready]

    def purge(self, queue: str) -> int:
        """Drop the ready messages of ``queue``; returns how many."""
        with self.cond:
            ready = self._queue(queue).ready
            count = len(ready)
            ready.clear()
            return count

    def join(self, queue: str, timeout: float = 10.0) -> None:
        """Wait until ``queue`` and the delay queues feeding it are empty and nothing is unacked.

        Raises the first exception a handler raised meanwhile (so a unit test fails with the real
        error), or TimeoutError.
        """
        deadline = time.monotonic() + timeout
        with self.cond:
            while True:
                self._expire_due()
                if self._handler_errors:
                    raise self._handler_errors.pop(0)
                if self._idle(queue):
                    return
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise TimeoutError(f"queue {queue!r} not drained within {timeout}s")
                self.cond.wait(self._wait_s(remaining))

    # -- used by MemoryPublisher / MemoryConsumer (callers hold no lock) --------------------

    def publish(self, item: OutgoingMessage) -> None:
        """Route one message; raises PublishUnroutable/PublishError like the real publisher."""
        with self.cond:
            queues = self._route(item.exchange, item.routing_key)
            if not queues and item.mandatory:
                raise PublishUnroutable(
                    f"message {item.message_id} is unroutable ({item.exchange!r}, {item.routing_key!r})"
                )
            for queue in queues:
                self._enqueue(queue, StoredMessage(item))
            self.cond.notify_all()

    def take(
        self, queues: Sequence[str], has_room: Callable[[str], bool], stop: threading.Event
    ) -> tuple[str, StoredMessage] | None:
        """Block until one of ``queues`` with ``has_room(queue)`` has a message ready; None on stop."""
        with self.cond:
            while not stop.is_set():
                self._expire_due()
                for name in queues:
                    queue = self._queue(name)
                    if queue.ready and has_room(name):
                        queue.unacked += 1
                        return name, queue.ready.popleft()
                self.cond.wait(self._wait_s(0.5))
        return None

    def settle(self, queue: str, message: StoredMessage, ack: bool, requeue: bool) -> None:
        """Ack, requeue (at the head, marked redelivered) or drop/dead-letter one taken message."""
        with self.cond:
            target = self._queue(queue)
            target.unacked -= 1
            if not ack and requeue:
                message.redelivered = True
                target.ready.appendleft(message)
            elif not ack and target.dead_letter_to is not None:
                self._dead_letter(target.dead_letter_to, message)
            self.cond.notify_all()

    def record_handler_error(self, error: BaseException) -> None:
        """Remember a handler's exception for :meth:`join` to raise."""
        with self.cond:
            self._handler_errors.append(error)
            self.cond.notify_all()

    # -- internals (caller holds the lock) --------------------------------------------------

    def _queue(self, name: str) -> _Queue:
        try:
            return self._queues[name]
        except KeyError:
            raise KeyError(f"no queue {name!r} in the memory broker; declare it first") from None

    def _route(self, exchange: str, routing_key: str) -> list[_Queue]:
        if exchange == "":
            queue = self._queues.get(routing_key)
            return [queue] if queue is not None else []
        spec = self._exchanges.get(exchange)
        if spec is None:  # RabbitMQ closes the channel with 404; the publisher reports PublishError
            raise PublishError(f"no exchange {exchange!r}")
        names = [
            q for q, key in spec.bindings if spec.type == "fanout" or _binds(spec.type, key, routing_key)
        ]
        if not names and spec.alternate:
            return self._route(spec.alternate, routing_key)
        return [self._queues[name] for name in dict.fromkeys(names)]

    def _enqueue(self, queue: _Queue, message: StoredMessage) -> None:
        ttls = [ttl for ttl in (queue.ttl_ms, message.item.expiration_ms) if ttl is not None]
        if ttls:  # like RabbitMQ: the shorter of the queue's and the message's TTL applies
            message.expires_at = time.monotonic() + min(ttls) / 1000
        queue.ready.append(message)

    def _expire_due(self) -> None:
        """Dead-letter expired messages from the heads of TTL queues (FIFO: one TTL per queue)."""
        now = time.monotonic()
        for queue in self._queues.values():
            while queue.ready and queue.ready[0].expires_at is not None and queue.ready[0].expires_at <= now:
                message = queue.ready.popleft()
                if queue.dead_letter_to is not None:
                    self._dead_letter(queue.dead_letter_to, message)
                self.cond.notify_all()

    def _dead_letter(self, queue: str, message: StoredMessage) -> None:
        # Like RabbitMQ with x-dead-letter-exchange "": the routing key becomes the target queue,
        # and the per-message expiration is dropped so the message cannot expire a second time.
        item = replace(message.item, exchange="", routing_key=queue, expiration_ms=None)
        self._enqueue(self._queue(queue), StoredMessage(item))

    def _wait_s(self, longest: float) -> float:
        """How long to wait: until the next expiry, at most ``longest``."""
        expiries = [q.ready[0].expires_at for q in self._queues.values() if q.ready and q.ready[0].expires_at]
        if not expiries:
            return longest
        return max(0.0, min(longest, min(expiries) - time.monotonic()))

    def _idle(self, name: str) -> bool:
        queue = self._queue(name)
        feeding = [q for q in self._queues.values() if q.dead_letter_to == name and q.ttl_ms is not None]
        return not queue.ready and queue.unacked == 0 and not any(q.ready for q in feeding)


def _binds(exchange_type: ExchangeType, binding_key: str, routing_key: str) -> bool:
    return topic_matches(binding_key, routing_key) if exchange_type == "topic" else binding_key == routing_key

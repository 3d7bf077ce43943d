"""The publisher and consumer of the in-memory broker."""

from __future__ import annotations

import itertools
import threading
import time
from collections.abc import Mapping, Sequence
from functools import partial
from typing import TYPE_CHECKING

from loguru import logger

from core.errors import PublishError
from core.transport.base import Delivery, Handler, OutgoingMessage
from core.transport.topology import Topology

if TYPE_CHECKING:  # memory.py imports this module; here the broker is only needed for type hints
    from core.transport.memory import MemoryBroker, StoredMessage


class MemoryPublisher:
    """:class:`~core.transport.publisher.Publisher` for a :class:`MemoryBroker`."""

    def __init__(self, broker: MemoryBroker) -> None:
        self.broker = broker

    def publish(
        self,
        exchange: str,
        routing_key: str,
        body: bytes,
        *,
        message_id: str,
        headers: Mapping[str, object] | None = None,
        mandatory: bool = True,
        content_type: str = "application/json",
    ) -> None:
        """Route one message at once; raises PublishUnroutable when ``mandatory`` and unroutable."""
        self.broker.publish(
            OutgoingMessage(exchange, routing_key, body, message_id, headers, mandatory, content_type)
        )

    def publish_many(self, items: Sequence[OutgoingMessage]) -> list[PublishError | None]:
        """Publish each item; one result per item."""
        results: list[PublishError | None] = []
        for item in items:
            try:
                self.broker.publish(item)
                results.append(None)
            except PublishError as err:
                results.append(err)
        return results

    def close(self) -> None:
        """Nothing to release."""


class MemoryConsumer:
    """:class:`~core.transport.consumer.Consumer` for a :class:`MemoryBroker`.

    Same contract: a thread of its own, the handler called on it, at most ``prefetch``
    unsettled deliveries per queue, settling from any thread, and ``stop`` that stops intake, waits for
    in-flight deliveries and requeues (marked redelivered) whatever is still unsettled.
    A handler's exception is requeued like the real consumer does, and also handed to
    :meth:`MemoryBroker.join`, which raises it in the test.
    """

    def __init__(
        self,
        broker: MemoryBroker,
        queues: Sequence[str],
        handler: Handler,
        *,
        prefetch: int = 10,
        topology: Topology | None = None,
        name: str | None = None,
    ) -> None:
        if not queues or prefetch < 1:
            raise ValueError("a consumer needs at least one queue and prefetch >= 1")
        if topology is not None:
            broker.declare(topology)
        self._broker = broker
        self._queues = tuple(queues)
        self._handler = handler
        self._prefetch = prefetch
        self._name = name or f"memory-consumer[{','.join(self._queues)}]"
        self._tokens = itertools.count()
        self._in_flight: dict[int, tuple[str, StoredMessage]] = {}
        self._changed = threading.Condition()
        self._stop = threading.Event()
        self._deadline = 0.0
        self._thread: threading.Thread | None = None

    @property
    def is_connected(self) -> bool:
        """True while consuming."""
        return self._thread is not None and self._thread.is_alive() and not self._stop.is_set()

    @property
    def in_flight(self) -> int:
        """Deliveries handed out and not yet settled."""
        with self._changed:
            return len(self._in_flight)

    def start(self) -> None:
        """Start the consumer thread (once)."""
        if self._thread is not None:
            raise RuntimeError(f"{self._name} already started")
        self._thread = threading.Thread(target=self._run, name=self._name, daemon=True)
        self._thread.start()

    def stop_intake(self, timeout: float = 10.0) -> None:
        """Stop taking new deliveries without waiting (see ``Consumer.stop_intake``)."""
        if self._stop.is_set():
            return
        self._deadline = time.monotonic() + timeout
        self._stop.set()
        with self._broker.cond:
            self._broker.cond.notify_all()  # wake the thread waiting in take()

    def stop(self, timeout: float = 10.0) -> None:
        """Stop intake, wait for in-flight deliveries until the deadline, requeue the rest."""
        self.stop_intake(timeout)
        if self._thread is None or threading.current_thread() is self._thread:
            return  # never started, or called from a handler: the thread finishes after it returns
        self._thread.join(max(0.0, self._deadline - time.monotonic()) + 1.0)

    def _run(self) -> None:
        while (taken := self._broker.take(self._queues, self._has_room, self._stop)) is not None:
            self._dispatch(*taken)
        self._drain()

    def _drain(self) -> None:
        """Wait for in-flight deliveries until the deadline; requeue what is left (like a close)."""
        with self._changed:
            self._changed.wait_for(lambda: not self._in_flight, max(0.0, self._deadline - time.monotonic()))
            leftover, self._in_flight = self._in_flight, {}
        for queue, message in leftover.values():
            self._broker.settle(queue, message, ack=False, requeue=True)
        if leftover:
            logger.warning("{} stopped with {} unsettled deliveries; requeued", self._name, len(leftover))

    def _has_room(self, queue: str) -> bool:
        """Prefetch is per queue, as with RabbitMQ's per-consumer QoS."""
        with self._changed:
            return sum(1 for name, _ in self._in_flight.values() if name == queue) < self._prefetch

    def _dispatch(self, queue: str, message: StoredMessage) -> None:
        token = next(self._tokens)
        with self._changed:
            self._in_flight[token] = (queue, message)
        item = message.item
        delivery = Delivery(
            body=item.body,
            message_id=item.message_id,
            headers=dict(item.headers or {}),
            redelivered=message.redelivered,
            routing_key=item.routing_key,
            queue=queue,
            exchange=item.exchange,
            content_type=item.content_type,
            correlation_id=item.correlation_id,
            _settle=partial(self._settle, token),
        )
        try:
            self._handler(delivery)
        except Exception as err:
            logger.exception("{}: handler failed on message {}; requeued", self._name, item.message_id)
            self._broker.record_handler_error(err)
            if not delivery.settled:
                delivery.nack(requeue=True)

    def _settle(self, token: int, ack: bool, requeue: bool) -> None:
        with self._changed:
            entry = self._in_flight.pop(token, None)
            self._changed.notify_all()
        if entry is not None:  # None: requeued by stop() already; like a stale tag, ignore it
            self._broker.settle(entry[0], entry[1], ack, requeue)

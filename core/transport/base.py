"""What the services see of the transport: messages, deliveries and the two roles.

Both implementations (RabbitMQ: :mod:`rabbit`, :mod:`publisher`, :mod:`consumer`; in-memory:
:mod:`memory`) satisfy :class:`Transport`, :class:`MessagePublisher` and
:class:`MessageConsumer`, so a service takes either.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol

from loguru import logger

from core.errors import PublishError

if TYPE_CHECKING:
    from core.transport.topology import Topology

#: Settles a delivery: ``settle(ack, requeue)``. Must be callable from any thread.
Settle = Callable[[bool, bool], None]


@dataclass(frozen=True)
class OutgoingMessage:
    """One message for :meth:`MessagePublisher.publish_many`; names are base names (no prefix)."""

    exchange: str
    routing_key: str
    body: bytes
    message_id: str
    headers: Mapping[str, object] | None = None
    mandatory: bool = True
    content_type: str = "application/json"
    #: Per-message TTL (AMQP ``expiration``); with a delay queue it shortens the queue's TTL,
    #: which is how retries get their jitter.
    expiration_ms: int | None = None
    #: AMQP ``correlation_id``: a direct task's replies carry the one its submitter sent.
    correlation_id: str | None = None
    #: The routing key is a queue name chosen outside Exchanger (a submitter's reply queue):
    #: the environment prefix is not applied to it.
    foreign_queue: bool = False


@dataclass
class Delivery:
    """A message handed to a handler. Settle it exactly once with :meth:`ack` or :meth:`nack`.

    ``ack``/``nack`` may be called from any thread. ``queue`` is the base name (no prefix), so
    it can be passed straight to ``Topology.retry_queue``.
    """

    body: bytes
    message_id: str | None
    headers: dict[str, object]
    redelivered: bool
    routing_key: str
    queue: str
    exchange: str = ""
    content_type: str | None = None
    correlation_id: str | None = None
    reply_to: str | None = None  # as sent: a submitter's own queue name, never prefixed
    _settle: Settle = field(default=lambda ack, requeue: None, repr=False, kw_only=True)
    _settled: bool = field(default=False, repr=False, kw_only=True)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False, kw_only=True)

    @property
    def settled(self) -> bool:
        """True once ack or nack has been called."""
        return self._settled

    def ack(self) -> None:
        """Acknowledge: the broker forgets the message."""
        self._finish(ack=True, requeue=False)

    def nack(self, requeue: bool = True) -> None:
        """Reject: back to the queue (``requeue=True``, marked redelivered) or dropped/dead-lettered."""
        self._finish(ack=False, requeue=requeue)

    def _finish(self, *, ack: bool, requeue: bool) -> None:
        # A second ack of one delivery tag makes RabbitMQ close the channel (PRECONDITION_FAILED),
        # taking every other in-flight delivery with it; refuse it here instead.
        with self._lock:
            if self._settled:
                logger.warning("delivery {} on {} settled twice; ignored", self.message_id, self.queue)
                return
            self._settled = True
        self._settle(ack, requeue)


Handler = Callable[[Delivery], None]


class MessagePublisher(Protocol):
    """Publishes with confirms; use one per thread."""

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
        """Publish one message and wait for its confirm."""

    def publish_many(self, items: Sequence[OutgoingMessage]) -> list[PublishError | None]:
        """Publish all, then wait for all confirms; one result per item."""

    def close(self) -> None:
        """Release the connection."""


class MessageConsumer(Protocol):
    """Consumes queues on its own thread and hands each delivery to a handler."""

    def start(self) -> None:
        """Start consuming in the background."""

    def stop_intake(self, timeout: float = 10.0) -> None:
        """Stop taking deliveries now; in-flight ones get ``timeout`` s, then it closes (no waiting)."""

    def stop(self, timeout: float = 10.0) -> None:
        """Stop intake, wait for in-flight deliveries to be settled, then close."""

    @property
    def is_connected(self) -> bool:
        """True while connected and consuming."""


class Transport(Protocol):
    """Where publishers and consumers come from: ``RabbitTransport`` or ``MemoryBroker``.

    A service takes one of these, so its unit tests run the real loop on the memory broker.
    """

    def declare(self, topology: Topology) -> None:
        """Create the exchanges and queues (idempotent)."""

    def publisher(self) -> MessagePublisher:
        """A new publisher; with RabbitMQ it belongs to the thread that first uses it."""

    def thread_publisher(self, name: str) -> MessagePublisher:
        """A publisher any thread may use (with RabbitMQ: one connection, grouped publishes)."""

    def consumer(
        self,
        queues: Sequence[str],
        handler: Handler,
        *,
        prefetch: int = 10,
        topology: Topology | None = None,
        name: str | None = None,
    ) -> MessageConsumer:
        """A consumer of ``queues`` (base names), not yet started."""

"""Consuming RabbitMQ queues on a dedicated thread, surviving broker restarts."""

from __future__ import annotations

import threading
import time
from collections.abc import Sequence
from functools import partial
from typing import Any

import pika.exceptions
from loguru import logger

from core.errors import BrokerError
from core.retry import Backoff
from core.transport.base import Delivery, Handler
from core.transport.connection import CONNECTION_ERRORS, close_quietly, describe, open_blocking_on_node
from core.transport.settings import BrokerSettings
from core.transport.topology import Topology

#: Longest the consumer thread blocks in pika before it looks at the stop flag again; a stop
#: request also wakes it at once, so this only bounds the worst case.
_POLL_S = 1.0


class Consumer:
    """Consumes ``queues`` (base names) on its own thread with manual acks.

    The thread owns one ``BlockingConnection`` (created inside it, as pika requires) and calls
    ``handler`` for each delivery on that thread. A handler that needs long should hand the
    :class:`Delivery` to a worker pool and return: pika sends heartbeats only between handler
    calls. The pool acks later; ``Delivery.ack`` reaches this thread through
    ``add_callback_threadsafe``. When the connection drops, the thread reconnects with
    exponential backoff and jitter; deliveries from the dead connection can no longer be settled
    (the broker redelivers them), and their acks are ignored.

    ``prefetch`` bounds the unacked deliveries per queue (RabbitMQ's per-consumer QoS; the
    channel-wide "global" QoS is not available for quorum queues), so a consumer of N queues can
    hold up to N × prefetch.
    """

    def __init__(
        self,
        settings: BrokerSettings,
        queues: Sequence[str],
        handler: Handler,
        *,
        prefetch: int = 10,
        topology: Topology | None = None,
        name: str | None = None,
    ) -> None:
        if not queues:
            raise ValueError("a Consumer needs at least one queue")
        if prefetch < 1:
            raise ValueError("prefetch must be >= 1 (0 would mean unlimited)")
        self._settings = settings
        self._queues = tuple(queues)
        self._handler = handler
        self._prefetch = prefetch
        self._topology = topology
        self._name = name or f"consumer[{','.join(self._queues)}]"
        self._backoff = Backoff(settings.reconnect_min_s, settings.reconnect_max_s)
        self._stop_requested = threading.Event()
        self._stop_deadline = 0.0
        self._connected = threading.Event()
        self._thread: threading.Thread | None = None
        # Owned by the consumer thread; other threads only read _connection to post callbacks.
        self._connection: Any = None
        self._channel: Any = None
        self._generation = 0
        self._unsettled: set[int] = set()
        self._cancelled_by_broker = False

    @property
    def is_connected(self) -> bool:
        """True while connected and consuming."""
        return self._connected.is_set()

    @property
    def in_flight(self) -> int:
        """Deliveries handed to the handler and not yet settled (on the current connection)."""
        return len(self._unsettled)

    def start(self) -> None:
        """Start the consumer thread (once)."""
        if self._thread is not None:
            raise RuntimeError(f"{self._name} already started")
        self._thread = threading.Thread(target=self._run, name=self._name, daemon=True)
        self._thread.start()

    def stop_intake(self, timeout: float = 10.0) -> None:
        """Ask the thread to stop without waiting: no new deliveries, ``timeout`` s of grace for
        in-flight ones, then close. Lets a service stop intake on all its consumers first.
        Only the first call sets the deadline.
        """
        if self._stop_requested.is_set():
            return
        self._stop_deadline = time.monotonic() + timeout
        self._stop_requested.set()
        self._wake()

    def stop(self, timeout: float = 10.0) -> None:
        """Stop intake, give in-flight deliveries up to ``timeout`` s to be settled, then close.

        Deliveries prefetched but not yet handed out, and any still unsettled at the deadline,
        are requeued by the broker. Heartbeats keep flowing while in-flight work finishes.
        """
        self.stop_intake(timeout)
        if self._thread is None or threading.current_thread() is self._thread:
            return  # never started, or called from a handler: the thread closes after it returns
        self._thread.join(max(0.0, self._stop_deadline - time.monotonic()) + self._settings.connect_timeout_s)
        if self._thread.is_alive():
            logger.warning("{} did not stop in time (a handler is still running)", self._name)

    def _wake(self) -> None:
        """Interrupt the consumer thread's wait in pika so it sees the stop flag at once."""
        connection = self._connection
        if connection is not None:
            try:
                connection.add_callback_threadsafe(lambda: None)
            except (pika.exceptions.AMQPError, *CONNECTION_ERRORS):
                pass  # closed already: the thread is reconnecting and waits on the stop event

    # -- consumer thread ---------------------------------------------------------------------

    def _run(self) -> None:
        """Connect, consume until stopped; on any connection failure wait and start over."""
        while not self._stop_requested.is_set():
            try:
                self._consume()
            except (BrokerError, pika.exceptions.AMQPError, *CONNECTION_ERRORS) as err:
                logger.warning("{} lost its connection: {}", self._name, describe(err))
            except Exception:  # a bug must not silently end consumption: log it and start over
                logger.exception("{} failed unexpectedly; reconnecting", self._name)
            finally:
                self._disconnect()
            if self._stop_requested.is_set():
                break
            delay = self._backoff.next_delay()
            logger.info("{} reconnecting in {:.1f}s", self._name, delay)
            self._stop_requested.wait(delay)
        logger.info("{} stopped", self._name)

    def _consume(self) -> None:
        """One connection's life: set up, dispatch deliveries until stop, drain, return."""
        connection, node = open_blocking_on_node(self._settings, self._name)
        self._connection, self._generation = connection, self._generation + 1
        self._unsettled.clear()
        self._cancelled_by_broker = False
        channel = self._channel = connection.channel()
        channel.basic_qos(prefetch_count=self._prefetch)
        if self._topology is not None:
            self._topology.declare(channel, self._settings)
        channel.add_on_cancel_callback(self._on_broker_cancel)
        for queue in self._queues:
            callback = partial(self._on_message, queue, connection, self._generation)
            channel.basic_consume(self._settings.name(queue), callback, auto_ack=False)
        self._connected.set()
        self._backoff.reset()
        logger.info("{} consuming from {} (prefetch {})", self._name, node.redacted_url, self._prefetch)
        while not self._stop_requested.is_set():
            if self._cancelled_by_broker:
                raise BrokerError("the broker cancelled consumption (queue deleted?)")
            connection.process_data_events(time_limit=_POLL_S)
        self._drain(connection, channel)

    def _drain(self, connection: Any, channel: Any) -> None:
        """Stop intake, then keep the connection serviced until in-flight work is settled."""
        for tag in list(channel.consumer_tags):
            channel.basic_cancel(tag)  # pika nacks (requeues) prefetched, undispatched messages
        while self._unsettled:
            remaining = self._stop_deadline - time.monotonic()
            if remaining <= 0:
                logger.warning(
                    "{} closing with {} unsettled deliveries; the broker requeues them",
                    self._name,
                    len(self._unsettled),
                )
                return
            connection.process_data_events(time_limit=min(_POLL_S, remaining))

    def _disconnect(self) -> None:
        connection, self._connection, self._channel = self._connection, None, None
        self._connected.clear()
        self._unsettled.clear()
        if connection is not None:
            close_quietly(connection)
            logger.info("{} closed its connection", self._name)

    def _on_message(
        self,
        queue: str,
        connection: Any,
        generation: int,
        _channel: Any,
        method: Any,
        properties: Any,
        body: bytes,
    ) -> None:
        self._unsettled.add(method.delivery_tag)
        delivery = Delivery(
            body=body,
            message_id=properties.message_id,
            headers=dict(properties.headers or {}),
            redelivered=bool(method.redelivered),
            # On the default exchange the routing key is a queue name: give it back unprefixed.
            routing_key=method.routing_key if method.exchange else self._base_name(method.routing_key),
            queue=queue,
            exchange=self._base_name(method.exchange),
            content_type=properties.content_type,
            correlation_id=properties.correlation_id,
            reply_to=properties.reply_to,
            _settle=partial(self._request_settle, connection, generation, method.delivery_tag),
        )
        try:
            self._handler(delivery)
        except Exception:
            # Handlers are meant to route their own failures (retry queue, error queue); this is
            # the last resort: requeue rather than lose the message.
            logger.exception("{}: handler failed on message {}; requeued", self._name, delivery.message_id)
            if not delivery.settled:
                delivery.nack(requeue=True)

    def _on_broker_cancel(self, _frame: Any) -> None:
        self._cancelled_by_broker = True

    def _base_name(self, name: str) -> str:
        prefix = self._settings.prefix
        return name[len(prefix) :] if prefix and name.startswith(prefix) else name

    # -- settling (any thread → consumer thread) ---------------------------------------------

    def _request_settle(self, connection: Any, generation: int, tag: int, ack: bool, requeue: bool) -> None:
        """Called by ``Delivery.ack``/``nack`` on any thread: post the work to the consumer thread."""
        try:
            connection.add_callback_threadsafe(partial(self._settle, generation, tag, ack, requeue))
        except (pika.exceptions.AMQPError, *CONNECTION_ERRORS):
            logger.debug(
                "{}: delivery {} belongs to a closed connection; the broker redelivers it", self._name, tag
            )

    def _settle(self, generation: int, tag: int, ack: bool, requeue: bool) -> None:
        """On the consumer thread: ack or nack, unless the tag is stale or already settled."""
        if generation != self._generation or tag not in self._unsettled:
            return
        self._unsettled.discard(tag)
        if ack:
            # The channel's own basic_ack then flushes pika's I/O loop once per ack; queued on the
            # underlying channel instead, the ack leaves with the loop's next write, within the
            # same process_data_events, together with acks queued beside it. A third less CPU
            # per consumed message (docs/performance.md); an ack lost with its connection only
            # means a redelivery, which the ledger absorbs, as before.
            self._channel._impl.basic_ack(delivery_tag=tag)
        else:
            self._channel.basic_nack(delivery_tag=tag, requeue=requeue)

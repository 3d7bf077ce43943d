"""Persistent, confirmed, mandatory publishing to RabbitMQ."""

from __future__ import annotations

import threading
from collections.abc import Mapping, Sequence

import pika.exceptions
from loguru import logger

from core.errors import BrokerUnavailable, PublishError
from core.transport.base import OutgoingMessage
from core.transport.confirms import ConfirmChannel
from core.transport.connection import describe
from core.transport.settings import BrokerSettings
from core.transport.wire import Wire, error_for, to_wire


class Publisher:
    """Publishes persistent messages with publisher confirms and ``mandatory`` returns.

    pika is not thread-safe: a Publisher belongs to the thread that first uses it (threads
    share one through :class:`~core.transport.serial.SerialPublisher`). It connects lazily, and when its
    connection turns out to be dead (broker restart, missed heartbeats while idle) it reconnects
    once and republishes what was not confirmed; duplicates are possible, loss is not.

    Names are base names: the settings' prefix is applied to the exchange and, for the default
    exchange ``""``, to the routing key (which is then a queue name).
    """

    def __init__(self, settings: BrokerSettings, connection_name: str = "exchanger-publisher") -> None:
        self._settings = settings
        self._connection_name = connection_name
        self._channel: ConfirmChannel | None = None
        self._owner: int | None = None

    def __enter__(self) -> Publisher:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

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
        """Publish one message and wait for the broker's confirm.

        Raises:
            PublishUnroutable: ``mandatory`` and no queue took it.
            PublishNacked: the broker refused it.
            PublishError: not confirmed in time, or the broker closed the channel (no such exchange).
            BrokerUnavailable: no connection to the broker.
        """
        message = OutgoingMessage(exchange, routing_key, body, message_id, headers, mandatory, content_type)
        error = self.publish_many([message])[0]
        if error is not None:
            raise error

    def publish_many(self, items: Sequence[OutgoingMessage]) -> list[PublishError | None]:
        """Publish every item, then wait for all confirms; ``None`` marks a confirmed item.

        Raises BrokerUnavailable only when the broker answered none of the items (nothing was
        published, so the whole batch can be retried); once some were confirmed, items lost with
        the connection get a ``PublishError`` (caused by BrokerUnavailable) instead.
        """
        self._claim_thread()
        if not items:
            return []
        wires = [
            to_wire(item, self._settings) for item in items
        ]  # bad headers fail here, before anything is sent
        results: list[PublishError | None] = [None] * len(items)
        pending = list(range(len(items)))
        lost: BaseException | None = None
        for _attempt in range(2):  # a second attempt only after the connection died mid-batch
            try:
                channel = self._ready_channel()
            except BrokerUnavailable as err:
                return self._give_up(err, items, pending, results)
            pending, lost = self._send(channel, items, wires, pending, results)
            if not pending:
                return results
            logger.info(
                "publisher {} lost its connection with {} unconfirmed", self._connection_name, len(pending)
            )
            self._drop_channel()
        gone = BrokerUnavailable(f"connection lost while publishing: {describe(lost)}")
        gone.__cause__ = lost
        return self._give_up(gone, items, pending, results)

    def close(self) -> None:
        """Close the connection; the next publish opens a new one (on the calling thread)."""
        if self._channel is not None:
            self._drop_channel()
            logger.info("publisher {} closed", self._connection_name)
        self._owner = None

    # -- internals ---------------------------------------------------------------------------

    def _claim_thread(self) -> None:
        """Bind to the first thread that publishes; refuse use from any other."""
        me = threading.get_ident()
        if self._owner is None:
            self._owner = me
        elif self._owner != me:
            raise RuntimeError("a Publisher belongs to one thread; share one through SerialPublisher")

    def _ready_channel(self) -> ConfirmChannel:
        """The open channel, after taking in anything the broker sent while idle; reconnect if dead."""
        if self._channel is not None:
            self._channel.poll()
            if self._channel.is_open:
                return self._channel
            logger.info("publisher {} reconnecting: {}", self._connection_name, describe(self._channel.lost))
            self._drop_channel()
        channel = ConfirmChannel(self._settings, self._connection_name)
        channel.open()
        node = channel.node or self._settings
        logger.info("publisher {} connected to {}", self._connection_name, node.redacted_url)
        self._channel = channel
        return channel

    def _send(
        self,
        channel: ConfirmChannel,
        items: Sequence[OutgoingMessage],
        wires: list[Wire],
        pending: list[int],
        results: list[PublishError | None],
    ) -> tuple[list[int], BaseException | None]:
        """Publish the ``pending`` items, wait for their confirms and fill ``results``.

        Returns the items lost with the connection (worth another try) and why it was lost.
        """
        try:
            tags = {channel.publish(*wires[i]): i for i in pending}
        except BrokerUnavailable as err:
            return pending, err
        outcomes = channel.wait(tags, self._settings.confirm_timeout_s)
        for tag, outcome in outcomes.items():
            results[tags[tag]] = error_for(outcome, items[tags[tag]], self._settings)
        unanswered = [i for tag, i in tags.items() if tag not in outcomes]
        lost = channel.lost
        if unanswered and (lost is None or isinstance(lost, pika.exceptions.ChannelClosedByBroker)):
            # Timed out, or the broker closed the channel (no such exchange): another try would
            # not help and could double a message the broker is still working on.
            reason = describe(lost) if lost else f"no confirm within {self._settings.confirm_timeout_s}s"
            for i in unanswered:
                results[i] = PublishError(f"message {items[i].message_id} not confirmed: {reason}")
            self._drop_channel()
            return [], None
        return unanswered, lost

    def _give_up(
        self,
        err: BrokerUnavailable,
        items: Sequence[OutgoingMessage],
        pending: list[int],
        results: list[PublishError | None],
    ) -> list[PublishError | None]:
        """No connection: raise when nothing was answered, else mark the rest as not confirmed."""
        self._drop_channel()
        if len(pending) == len(items):
            raise err
        for i in pending:
            error = PublishError(f"message {items[i].message_id} not confirmed: {err}")
            error.__cause__ = err
            results[i] = error
        return results

    def _drop_channel(self) -> None:
        channel, self._channel = self._channel, None
        if channel is not None:
            channel.close()

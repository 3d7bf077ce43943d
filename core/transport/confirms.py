"""A channel in publisher-confirm mode that can have many publishes awaiting confirms.

pika's ``BlockingChannel.confirm_delivery()`` waits for each confirm before the next publish
can start: one round trip (and, for persistent messages, one disk sync) per message. Here a
``SelectConnection`` is driven from the owning thread instead: every publish is written at once
and the I/O loop runs until all their confirms are in, so a batch costs about one round trip.

The I/O loop only runs inside :meth:`ConfirmChannel.open`, :meth:`wait`, :meth:`poll` and
:meth:`close`, always on the caller's thread; no background thread touches the connection.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from itertools import takewhile
from typing import Any, Literal

import pika
import pika.exceptions
import pika.spec

from core.errors import BrokerUnavailable
from core.transport.connection import CONNECTION_ERRORS, connection_parameters, describe
from core.transport.settings import BrokerSettings

Outcome = Literal["ack", "nack", "returned"]


def _always() -> bool:
    return True


@dataclass
class _Sent:
    """A publish waiting for its confirm; ``key`` matches it to a ``basic.return``."""

    key: tuple[str, str, str | None]
    returned: bool = False
    outcome: Outcome | None = None


class ConfirmChannel:
    """One connection with one confirm-mode channel, owned by one thread."""

    def __init__(self, settings: BrokerSettings, connection_name: str) -> None:
        self._settings = settings
        self._connection_name = connection_name
        self._connection: Any = None
        self._channel: Any = None
        self._ready = False
        self._lost: BaseException | None = None
        self._sent: dict[int, _Sent] = {}
        self._next_tag = 1
        self._until: Callable[[], bool] = _always
        #: The node this channel is open on (of several, the first that answered).
        self.node: BrokerSettings | None = None

    @property
    def is_open(self) -> bool:
        """True while the channel can take publishes."""
        return self._ready and self._lost is None

    @property
    def lost(self) -> BaseException | None:
        """Why the connection or channel closed, once it has."""
        return self._lost

    def open(self) -> None:
        """Connect to the first node that answers, open the channel and switch on confirms.

        Raises:
            BrokerUnavailable: no node can be reached within the connect timeout (each named).
        """
        failures: list[str] = []
        reason: BaseException | None = None
        for node in self._settings.nodes():
            reason = self._open_on(node)
            if reason is None:
                self.node = node
                return
            failures.append(f"cannot connect to {node.redacted_url}: {describe(reason)}")
        raise BrokerUnavailable("; ".join(failures)) from reason

    def _open_on(self, node: BrokerSettings) -> BaseException | None:
        """Open on one node; None when ready, else why not (the connection is closed again)."""
        self._lost, self._ready, self._sent, self._next_tag = None, False, {}, 1
        self._connection = pika.SelectConnection(
            connection_parameters(node, self._connection_name),
            on_open_callback=self._on_connection_open,
            on_open_error_callback=self._on_connection_closed,
            on_close_callback=self._on_connection_closed,
        )
        self._run_until(lambda: self._ready or self._lost is not None, self._settings.connect_timeout_s * 2)
        if self._ready:
            return None
        reason = self._lost or TimeoutError("connection did not open in time")
        self.close()
        return reason

    def publish(self, exchange: str, routing_key: str, body: bytes, properties: Any, mandatory: bool) -> int:
        """Write one message (no waiting) and return its delivery tag.

        Raises BrokerUnavailable when the channel is already known to be closed.
        """
        try:
            self._channel.basic_publish(
                exchange, routing_key, body, properties=properties, mandatory=mandatory
            )
        except (pika.exceptions.AMQPError, *CONNECTION_ERRORS) as err:
            self._lost = self._lost or err
            raise BrokerUnavailable(f"cannot publish: {describe(err)}") from err
        tag = self._next_tag
        self._next_tag += 1
        self._sent[tag] = _Sent((exchange, routing_key, properties.message_id))
        return tag

    def wait(self, tags: Iterable[int], timeout_s: float) -> dict[int, Outcome]:
        """Run the I/O loop until every tag is confirmed, the connection is lost or time is up.

        Returns the outcomes that arrived (and forgets them); a tag missing from the result was
        not confirmed, and :attr:`lost` says whether the connection went away.
        """
        wanted = list(tags)
        self._run_until(
            lambda: self._lost is not None or all(self._sent[t].outcome for t in wanted), timeout_s
        )
        outcomes: dict[int, Outcome] = {}
        for tag in wanted:
            outcome = self._sent[tag].outcome
            if outcome is not None:
                outcomes[tag] = outcome
                del self._sent[tag]
        return outcomes

    def poll(self) -> None:
        """Take in whatever already arrived (a close from the broker, a dead socket) without waiting."""
        if self._connection is not None and self._lost is None:
            self._run_until(lambda: False, 0)

    def close(self) -> None:
        """Close the connection (gracefully when it is still open) and release the I/O loop."""
        connection = self._connection
        if connection is None:
            return
        try:
            if not (connection.is_closed or connection.is_closing):
                connection.close()
            self._run_until(lambda: bool(connection.is_closed), self._settings.connect_timeout_s)
        except (pika.exceptions.AMQPError, *CONNECTION_ERRORS):
            pass  # it is going away either way
        finally:
            self._connection, self._channel, self._ready = None, None, False
            connection.ioloop.close()

    # -- I/O loop driving ------------------------------------------------------------------

    def _run_until(self, done: Callable[[], bool], timeout_s: float) -> None:
        """Run the connection's I/O loop on this thread until ``done()`` or ``timeout_s``."""
        if done() or self._connection is None:
            return
        loop = self._connection.ioloop
        self._until = done
        timer = loop.call_later(timeout_s, loop.stop)
        try:
            loop.start()
        finally:
            loop.remove_timeout(timer)
            self._until = _always

    def _wake(self) -> None:
        """Called from callbacks: stop the loop once what the caller waits for has happened."""
        if self._until() and self._connection is not None:
            self._connection.ioloop.stop()

    # -- pika callbacks (run inside the I/O loop; must not raise) ----------------------------

    def _on_connection_open(self, connection: Any) -> None:
        connection.channel(on_open_callback=self._on_channel_open)

    def _on_channel_open(self, channel: Any) -> None:
        self._channel = channel
        channel.add_on_close_callback(self._on_channel_closed)
        channel.add_on_return_callback(self._on_return)
        channel.confirm_delivery(ack_nack_callback=self._on_confirm, callback=self._on_confirm_selected)

    def _on_confirm_selected(self, _frame: Any) -> None:
        self._ready = True
        self._wake()

    def _on_connection_closed(self, _connection: Any, reason: BaseException) -> None:
        self._lost = self._lost or reason
        self._wake()

    def _on_channel_closed(self, _channel: Any, reason: BaseException) -> None:
        # One channel per connection: when the broker closes it (e.g. 404 no such exchange),
        # drop the connection too and start clean next time.
        self._lost = self._lost or reason
        if self._connection is not None and self._connection.is_open:
            self._connection.close()
        self._wake()

    def _on_confirm(self, frame: Any) -> None:
        method = frame.method
        nacked = isinstance(method, pika.spec.Basic.Nack)
        if method.multiple:  # every tag up to this one; the dict is in tag order
            tags: Iterable[int] = takewhile(lambda tag: tag <= method.delivery_tag, self._sent)
        else:
            tags = (method.delivery_tag,)
        for tag in tags:
            sent = self._sent.get(tag)
            if sent is not None and sent.outcome is None:
                # The broker sends basic.return before the ack of the same message.
                sent.outcome = "nack" if nacked else ("returned" if sent.returned else "ack")
        self._wake()

    def _on_return(self, _channel: Any, method: Any, properties: Any, _body: bytes) -> None:
        key = (method.exchange, method.routing_key, properties.message_id)
        for sent in self._sent.values():  # in publish order: the oldest unanswered match
            if sent.key == key and not sent.returned and sent.outcome is None:
                sent.returned = True
                break

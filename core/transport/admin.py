"""Short operations on the broker for tools and tests: declare, depth, purge, delete.

AMQP cannot list queues, so :meth:`BrokerAdmin.names_with_prefix` asks the management HTTP API.
"""

from __future__ import annotations

from types import TracebackType
from typing import Any, NamedTuple
from urllib.parse import quote, unquote, urlsplit

import pika.exceptions
import requests

from core.errors import BrokerError, BrokerUnavailable
from core.transport.connection import CONNECTION_ERRORS, close_quietly, describe, open_blocking
from core.transport.settings import BrokerSettings
from core.transport.topology import Topology

_PIKA_ERRORS = (pika.exceptions.AMQPError, *CONNECTION_ERRORS)


class QueueStats(NamedTuple):
    """What a passive declare tells about a queue."""

    messages: int  # ready, not counting delivered-but-unacked
    consumers: int


class BrokerAdmin:
    """One blocking connection for administrative calls; use it on one thread, then close it.

    Queue and exchange arguments are base names; the settings' prefix is applied.
    """

    def __init__(
        self,
        settings: BrokerSettings,
        *,
        management_url: str | None = None,
        connection_name: str = "exchanger-admin",
    ) -> None:
        self._settings = settings
        self._management_url = (management_url or f"http://{settings.host}:15672").rstrip("/")
        self._connection = open_blocking(settings, connection_name)
        self._channel: Any = self._connection.channel()

    def __enter__(self) -> BrokerAdmin:
        return self

    def __exit__(self, *_exc: type[BaseException] | BaseException | TracebackType | None) -> None:
        self.close()

    def close(self) -> None:
        """Close the connection."""
        close_quietly(self._connection)

    def declare(self, topology: Topology) -> None:
        """Declare ``topology`` with these settings (prefix, queue type)."""
        topology.declare(self._fresh_channel(), self._settings)

    def queue_stats(self, queue: str) -> QueueStats | None:
        """Ready messages and consumers of ``queue`` (passive declare); None when it does not exist."""
        try:
            result = self._fresh_channel().queue_declare(self._settings.name(queue), passive=True)
        except pika.exceptions.ChannelClosedByBroker as err:
            if err.reply_code == 404:
                return None
            raise BrokerError(f"cannot inspect {queue!r}: {describe(err)}") from err
        except _PIKA_ERRORS as err:
            raise BrokerUnavailable(f"cannot inspect {queue!r}: {describe(err)}") from err
        return QueueStats(int(result.method.message_count), int(result.method.consumer_count))

    def queue_depth(self, queue: str) -> int | None:
        """Ready messages in ``queue`` (unacked ones not counted); None when it does not exist."""
        stats = self.queue_stats(queue)
        return None if stats is None else stats.messages

    def purge(self, queue: str) -> int:
        """Drop the ready messages of ``queue``; returns how many were dropped."""
        result = self._call("purge", queue, lambda ch: ch.queue_purge(self._settings.name(queue)))
        return int(result.method.message_count)

    def delete_queue(self, queue: str) -> None:
        """Delete ``queue`` and its messages (no error when it does not exist)."""
        self._call("delete queue", queue, lambda ch: ch.queue_delete(self._settings.name(queue)))

    def delete_exchange(self, exchange: str) -> None:
        """Delete ``exchange`` (no error when it does not exist)."""
        self._call("delete exchange", exchange, lambda ch: ch.exchange_delete(self._settings.name(exchange)))

    def names_with_prefix(self) -> tuple[list[str], list[str]]:
        """Base names of the queues and exchanges whose broker-side name starts with the prefix."""
        prefix = self._settings.prefix
        strip = len(prefix)
        queues = [n[strip:] for n in self._list("queues") if n.startswith(prefix)]
        exchanges = [n[strip:] for n in self._list("exchanges") if n.startswith(prefix) and n]
        return queues, exchanges

    def delete_prefixed(self) -> list[str]:
        """Delete every queue and exchange carrying the settings' prefix; returns their base names.

        Refuses an empty prefix: that would be every queue on the virtual host.
        """
        if not self._settings.prefix:
            raise ValueError("delete_prefixed needs a non-empty prefix")
        queues, exchanges = self.names_with_prefix()
        for queue in queues:
            self.delete_queue(queue)
        for exchange in exchanges:
            self.delete_exchange(exchange)
        return queues + exchanges

    def _fresh_channel(self) -> Any:
        """The channel, reopened when the broker closed it (a failed passive declare does)."""
        try:
            if not self._channel.is_open:
                self._channel = self._connection.channel()
        except _PIKA_ERRORS as err:
            raise BrokerUnavailable(f"admin connection lost: {describe(err)}") from err
        return self._channel

    def _call(self, what: str, name: str, operation: Any) -> Any:
        try:
            return operation(self._fresh_channel())
        except pika.exceptions.ChannelClosedByBroker as err:
            raise BrokerError(f"cannot {what} {name!r}: {describe(err)}") from err
        except _PIKA_ERRORS as err:
            raise BrokerUnavailable(f"cannot {what} {name!r}: {describe(err)}") from err

    def _list(self, kind: str) -> list[str]:
        """Names of all queues or exchanges on the virtual host, from the management API."""
        parts = urlsplit(self._settings.urls[0])
        auth = (unquote(parts.username or "guest"), unquote(parts.password or "guest"))
        url = f"{self._management_url}/api/{kind}/{quote(self._settings.vhost, safe='')}?columns=name"
        try:
            response = requests.get(url, auth=auth, timeout=self._settings.connect_timeout_s)
            response.raise_for_status()
        except requests.RequestException as err:
            # requests' messages carry the URL, which has no credentials here (they go in auth).
            raise BrokerUnavailable(f"management API at {self._management_url} failed: {err}") from err
        return [str(entry["name"]) for entry in response.json()]


class QueueGauge:
    """Depth and consumers of queues over one admin connection, opened on first use and again
    after a broker error; for one thread (or callers that take turns)."""

    def __init__(self, settings: BrokerSettings, name: str) -> None:
        self._settings = settings
        self._name = name
        self._admin: BrokerAdmin | None = None

    def __call__(self, queue: str) -> QueueStats | None:
        try:
            if self._admin is None:
                self._admin = BrokerAdmin(self._settings, connection_name=self._name)
            return self._admin.queue_stats(queue)
        except BrokerError:
            self.close()  # reconnect on the next call
            raise

    def close(self) -> None:
        if self._admin is not None:
            self._admin.close()
            self._admin = None

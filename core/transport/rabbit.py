"""The RabbitMQ side of :class:`~core.transport.base.Transport`: settings in, clients out."""

from __future__ import annotations

from collections.abc import Sequence

from core.transport.admin import BrokerAdmin
from core.transport.base import Handler
from core.transport.consumer import Consumer
from core.transport.publisher import Publisher
from core.transport.serial import SerialPublisher
from core.transport.settings import BrokerSettings
from core.transport.topology import Topology


class RabbitTransport:
    """Makes publishers and consumers for one broker; holds no connection itself."""

    def __init__(self, settings: BrokerSettings) -> None:
        self.settings = settings

    def declare(self, topology: Topology) -> None:
        """Declare ``topology`` (prefix and queue type from the settings) on a short-lived connection."""
        with BrokerAdmin(self.settings, connection_name="exchanger-declare") as admin:
            admin.declare(topology)

    def publisher(self) -> Publisher:
        """A new publisher; it belongs to the thread that first uses it."""
        return Publisher(self.settings)

    def thread_publisher(self, name: str) -> SerialPublisher:
        """One publisher for every thread: one connection, whose own thread sends the messages
        of all callers in groups (far less CPU per message than a connection per thread)."""
        return SerialPublisher(lambda: Publisher(self.settings, name), name=f"{name}:publisher")

    def consumer(
        self,
        queues: Sequence[str],
        handler: Handler,
        *,
        prefetch: int = 10,
        topology: Topology | None = None,
        name: str | None = None,
    ) -> Consumer:
        """A consumer of ``queues``; with ``topology`` it declares it on every (re)connect."""
        return Consumer(self.settings, queues, handler, prefetch=prefetch, topology=topology, name=name)

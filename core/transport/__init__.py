"""The RabbitMQ transport: settings, topology, confirmed publishing, consuming, and an in-memory twin.

Services code against :class:`Transport` (publisher(), consumer(), declare()) and :class:`Delivery`;
production passes a :class:`RabbitTransport`, unit tests a :class:`MemoryBroker`.
Names passed in are base names; :class:`BrokerSettings` ``prefix`` is applied on the wire.
"""

from core.retry import Backoff
from core.transport.admin import BrokerAdmin, QueueStats
from core.transport.base import (
    Delivery,
    Handler,
    MessageConsumer,
    MessagePublisher,
    OutgoingMessage,
    Transport,
)
from core.transport.consumer import Consumer
from core.transport.memory import MemoryBroker, topic_matches
from core.transport.memory_clients import MemoryConsumer, MemoryPublisher
from core.transport.publisher import Publisher
from core.transport.rabbit import RabbitTransport
from core.transport.serial import SerialPublisher
from core.transport.settings import BrokerSettings, QueueType
from core.transport.topology import (
    ERRORS_QUEUE,
    INTAKE_QUEUE,
    RESPONSES_QUEUE,
    TASKS_EXCHANGE,
    UNROUTED_EXCHANGE,
    UNROUTED_QUEUE,
    ExchangeSpec,
    QueueSpec,
    Topology,
    retry_queue_name,
    sent_queue,
    system_queue,
)

__all__ = [
    "ERRORS_QUEUE",
    "INTAKE_QUEUE",
    "RESPONSES_QUEUE",
    "TASKS_EXCHANGE",
    "UNROUTED_EXCHANGE",
    "UNROUTED_QUEUE",
    "Backoff",
    "BrokerAdmin",
    "BrokerSettings",
    "Consumer",
    "Delivery",
    "ExchangeSpec",
    "Handler",
    "MemoryBroker",
    "MemoryConsumer",
    "MemoryPublisher",
    "MessageConsumer",
    "MessagePublisher",
    "OutgoingMessage",
    "Publisher",
    "QueueSpec",
    "QueueStats",
    "QueueType",
    "RabbitTransport",
    "SerialPublisher",
    "Topology",
    "Transport",
    "retry_queue_name",
    "sent_queue",
    "system_queue",
    "topic_matches",
]

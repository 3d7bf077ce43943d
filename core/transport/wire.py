"""How an :class:`OutgoingMessage` goes on the wire, and what a confirm outcome means for it."""

from __future__ import annotations

import time

import pika
import pika.data
import pika.exceptions

from core.errors import PublishError, PublishNacked, PublishUnroutable
from core.transport.base import OutgoingMessage
from core.transport.confirms import Outcome
from core.transport.settings import BrokerSettings

#: basic_publish arguments: exchange, routing key, body, properties, mandatory.
Wire = tuple[str, str, bytes, pika.BasicProperties, bool]


def to_wire(item: OutgoingMessage, settings: BrokerSettings) -> Wire:
    """basic_publish arguments for ``item``: prefixed names and persistent properties.

    The prefix goes on the exchange and, for the default exchange ``""``, on the routing key
    (which is then a queue name); a topic routing key (a system name) stays as it is.

    Raises TypeError for header values AMQP cannot carry (float, set, arbitrary objects).
    """
    headers = dict(item.headers) if item.headers else None
    if headers:
        try:
            pika.data.encode_table([], headers)
        except pika.exceptions.UnsupportedAMQPFieldException as err:
            raise TypeError(
                f"message {item.message_id}: header values must be str, bytes, int, bool, Decimal, "
                f"datetime, dict, list or None: {err!r}"
            ) from err
    properties = pika.BasicProperties(
        content_type=item.content_type,
        delivery_mode=pika.DeliveryMode.Persistent,
        message_id=item.message_id,
        headers=headers,
        timestamp=int(time.time()),
        expiration=str(item.expiration_ms) if item.expiration_ms is not None else None,
        correlation_id=item.correlation_id,
    )
    return settings.name(item.exchange), _routing_key(item, settings), item.body, properties, item.mandatory


def _routing_key(item: OutgoingMessage, settings: BrokerSettings) -> str:
    """On the default exchange the key is a queue name: ours get the prefix, a submitter's does not."""
    if item.exchange or item.foreign_queue:
        return item.routing_key
    return settings.name(item.routing_key)


def error_for(outcome: Outcome, item: OutgoingMessage, settings: BrokerSettings) -> PublishError | None:
    """The result of one item given the broker's answer: None when confirmed."""
    if outcome == "ack":
        return None
    exchange = settings.name(item.exchange) or "(default)"
    where = f"exchange {exchange!r}, routing key {_routing_key(item, settings)!r}"
    if outcome == "returned":
        return PublishUnroutable(f"message {item.message_id} is unroutable ({where})")
    return PublishNacked(f"message {item.message_id} was nacked by the broker ({where})")

"""The exchanges and queues Exchanger uses, as data, and how to declare them.

A :class:`Topology` holds *base* names (no environment prefix). The prefix and the queue type
come from :class:`~core.transport.settings.BrokerSettings` when the topology is declared, so one
description serves every environment.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import pika.exceptions

from core.errors import BrokerError, BrokerUnavailable
from core.transport.connection import CONNECTION_ERRORS, describe
from core.transport.settings import BrokerSettings

TASKS_EXCHANGE = "camunda.external.tasks"
UNROUTED_EXCHANGE = "camunda.unrouted.tasks"
UNROUTED_QUEUE = "unrouted.camunda_tasks.queue"
RESPONSES_QUEUE = "camunda.responses.queue"
ERRORS_QUEUE = "errors.camunda_tasks.queue"
INTAKE_QUEUE = "intake.queue"  # direct task submissions from other services (read by the API service)

ExchangeType = Literal["topic", "fanout", "direct"]


def system_queue(system: str) -> str:
    """The queue a system's task messages wait in: ``<system>.queue``."""
    return f"{system}.queue"


def sent_queue(system: str) -> str:
    """The queue a system's result records wait in: ``<system>.sent.queue``."""
    return f"{system}.sent.queue"


def retry_queue_name(queue: str, delay_ms: int) -> str:
    """The delay queue that returns messages to ``queue`` after ``delay_ms``."""
    return f"{queue}.retry.{delay_ms}"


@dataclass(frozen=True)
class ExchangeSpec:
    """A durable exchange; ``alternate`` receives what no binding routes."""

    name: str
    type: ExchangeType = "topic"
    alternate: str | None = None

    def arguments(self, settings: BrokerSettings) -> dict[str, Any]:
        """Declare arguments, with names prefixed for ``settings``."""
        return {"alternate-exchange": settings.name(self.alternate)} if self.alternate else {}


@dataclass(frozen=True)
class QueueSpec:
    """A durable queue and its bindings ``(exchange, routing key)``.

    ``dead_letter_to`` and ``message_ttl_ms`` make a delay queue: messages expire after the TTL
    and are dead-lettered through the default exchange to the named queue.
    """

    name: str
    bindings: tuple[tuple[str, str], ...] = ()
    dead_letter_to: str | None = None
    message_ttl_ms: int | None = None
    retry_delays_ms: tuple[int, ...] = field(default=(), compare=False)

    def arguments(self, settings: BrokerSettings) -> dict[str, Any]:
        """Declare arguments (``x-queue-type``, TTL, dead-lettering), prefixed for ``settings``.

        Every queue holds messages, so with ``queue_type="quorum"`` every one is a quorum
        queue, replicated on the cluster's nodes (none is exclusive or auto-delete).
        """
        args: dict[str, Any] = {"x-queue-type": settings.queue_type}
        if self.message_ttl_ms is not None:
            args["x-message-ttl"] = self.message_ttl_ms
        if self.dead_letter_to is not None:
            args["x-dead-letter-exchange"] = ""
            args["x-dead-letter-routing-key"] = settings.name(self.dead_letter_to)
            if settings.queue_type == "quorum":
                # By default a quorum queue dead-letters at most once: a retry expiring while
                # its work queue has no leader (a node just stopped) would be dropped. At least
                # once keeps it until the work queue confirms it; RabbitMQ requires
                # reject-publish overflow for that (no length limit is set, so nothing is rejected).
                args["x-dead-letter-strategy"] = "at-least-once"
                args["x-overflow"] = "reject-publish"
        return args


@dataclass(frozen=True)
class Topology:
    """Exchanges and queues, declared together and idempotently."""

    exchanges: tuple[ExchangeSpec, ...] = ()
    queues: tuple[QueueSpec, ...] = ()

    @classmethod
    def for_systems(
        cls, systems: Iterable[str], retry_delays_ms: Mapping[str, Sequence[int]] | None = None
    ) -> Topology:
        """The standard layout (DESIGN.md, queue table) for ``systems``.

        ``retry_delays_ms`` maps a queue's base name (``"bitrix24.queue"``) to the delays its
        retries may use; each delay gets a queue ``<queue>.retry.<delay>``.
        """
        exchanges = (
            ExchangeSpec(UNROUTED_EXCHANGE, "fanout"),
            ExchangeSpec(TASKS_EXCHANGE, "topic", alternate=UNROUTED_EXCHANGE),
        )
        base = [QueueSpec(UNROUTED_QUEUE, bindings=((UNROUTED_EXCHANGE, ""),))]
        for system in dict.fromkeys(systems):  # keeps order, drops duplicates
            base.append(QueueSpec(system_queue(system), bindings=((TASKS_EXCHANGE, system),)))
            base.append(QueueSpec(sent_queue(system)))
        base += [QueueSpec(RESPONSES_QUEUE), QueueSpec(ERRORS_QUEUE), QueueSpec(INTAKE_QUEUE)]
        return cls(exchanges, _with_delay_queues(base, retry_delays_ms or {}))

    def queue(self, name: str) -> QueueSpec:
        """The spec of queue ``name`` (base name); KeyError when it is not part of the topology."""
        for spec in self.queues:
            if spec.name == name:
                return spec
        raise KeyError(f"queue {name!r} is not part of the topology")

    def queue_names(self) -> list[str]:
        """Every queue's base name, in declaration order."""
        return [spec.name for spec in self.queues]

    def retry_delays(self, queue: str) -> tuple[int, ...]:
        """The delays (ms) ``queue`` has delay queues for, ascending."""
        return self.queue(queue).retry_delays_ms

    def retry_queue(self, queue: str, delay_ms: int) -> str:
        """Base name of the delay queue that brings a message back to ``queue`` after ``delay_ms``.

        Raises KeyError when no such delay queue is declared: publishing to it would be returned
        as unroutable, so fail here where the mistake is visible.
        """
        if delay_ms not in self.retry_delays(queue):
            raise KeyError(
                f"queue {queue!r} has no {delay_ms} ms delay queue; declared: {self.retry_delays(queue)}"
            )
        return retry_queue_name(queue, delay_ms)

    def declare(self, channel: Any, settings: BrokerSettings | None = None) -> None:
        """Declare everything on a pika ``BlockingChannel``; safe to repeat.

        Raises:
            BrokerError: an existing queue or exchange has different arguments (the channel is
                closed by the broker; open a new one).
            BrokerUnavailable: the connection was lost.
        """
        settings = settings or BrokerSettings()
        try:
            for exchange in self.exchanges:
                channel.exchange_declare(
                    settings.name(exchange.name),
                    exchange_type=exchange.type,
                    durable=True,
                    arguments=exchange.arguments(settings),
                )
            for queue in self.queues:
                name = settings.name(queue.name)
                channel.queue_declare(name, durable=True, arguments=queue.arguments(settings))
                for exchange_name, routing_key in queue.bindings:
                    channel.queue_bind(name, settings.name(exchange_name), routing_key=routing_key)
        except pika.exceptions.ChannelClosedByBroker as err:
            raise BrokerError(f"declaring the topology failed: {describe(err)}") from err
        except (pika.exceptions.AMQPError, *CONNECTION_ERRORS) as err:
            raise BrokerUnavailable(f"connection lost while declaring the topology: {describe(err)}") from err


def _with_delay_queues(queues: list[QueueSpec], delays: Mapping[str, Sequence[int]]) -> tuple[QueueSpec, ...]:
    """Attach the delays to their queues and append one delay queue per (queue, delay)."""
    known = {spec.name for spec in queues}
    unknown = sorted(set(delays) - known)
    if unknown:
        raise ValueError(
            f"retry delays given for unknown queues {unknown}; keys are queue names like 'x.queue'"
        )
    result: list[QueueSpec] = []
    delay_queues: list[QueueSpec] = []
    for spec in queues:
        wanted = tuple(sorted(set(delays.get(spec.name, ()))))
        if any(delay <= 0 for delay in wanted):
            raise ValueError(f"retry delays for {spec.name!r} must be positive, got {wanted}")
        result.append(QueueSpec(spec.name, spec.bindings, retry_delays_ms=wanted))
        delay_queues += [
            QueueSpec(retry_queue_name(spec.name, delay), dead_letter_to=spec.name, message_ttl_ms=delay)
            for delay in wanted
        ]
    return tuple(result + delay_queues)

"""Builds the shared pieces every service needs from validated settings (composition helpers)."""

from __future__ import annotations

import os
import socket
import uuid

from core.camunda import CamundaClient, EngineAdmin
from core.config.models import AppSettings
from core.errors import ConfigError
from core.ledger import Ledger, open_ledger
from core.retry import delay_buckets
from core.transport.base import Transport
from core.transport.rabbit import RabbitTransport
from core.transport.settings import BrokerSettings
from core.transport.topology import Topology, system_queue


def broker_settings(settings: AppSettings) -> BrokerSettings:
    broker = settings.rabbitmq
    return BrokerSettings(
        url=broker.url.get_secret_value(),
        failover=broker.failover,
        prefix=broker.prefix,
        queue_type=broker.queue_type,
        heartbeat_s=broker.heartbeat_s,
    )


def topology(settings: AppSettings) -> Topology:
    """Every configured system's queues, with one delay queue per retry delay its policy uses."""
    delays = {system_queue(name): delay_buckets(system.retry) for name, system in settings.systems.items()}
    return Topology.for_systems(settings.systems, {queue: d for queue, d in delays.items() if d})


def served_systems(settings: AppSettings, names: list[str] | None) -> list[str]:
    """The systems a service serves (``--system``; all when none is named), each one defined."""
    served = names or list(settings.systems)
    unknown = [name for name in served if name not in settings.systems]
    if unknown:
        raise ConfigError(f"--system {unknown[0]!r} is not defined in systems.yaml", key=unknown[0])
    return served


def transport(settings: AppSettings, given: Transport | None = None) -> Transport:
    """``given`` (tests: the memory broker) or RabbitMQ, with the whole topology declared."""
    chosen = given or RabbitTransport(broker_settings(settings))
    chosen.declare(topology(settings))
    return chosen


def camunda_client(settings: AppSettings) -> CamundaClient:
    """The full client; the services hold it as ``EnginePort``."""
    return CamundaClient(settings.camunda.client_settings())


def engine_admin(settings: AppSettings) -> EngineAdmin:
    """The operator's client, without the services' task commands (fetch, complete, …)."""
    return EngineAdmin(settings.camunda.client_settings())


def ledger(settings: AppSettings) -> Ledger:
    return open_ledger(settings.ledger_dsn())


def default_worker_id() -> str:
    """Stable per host, so a restarted worker can still settle what it locked before."""
    return f"exchanger-{socket.gethostname()}"


def worker_id(settings: AppSettings) -> str:
    """The engine worker id of this installation's worker; its tracker keeps only those locks.

    Every service of one set reads the same settings, so the worker and its tracker agree.
    """
    return settings.worker.worker_id or default_worker_id()


def process_owner() -> str:
    """Unique per process (host, pid, a random tail): the owner of ledger claims and leases.

    Two processes on one host, or a restarted one with a recycled pid, never share it.
    """
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"

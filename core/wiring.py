"""Builds the shared pieces every service needs from validated settings (composition helpers)."""

from __future__ import annotations

import socket

from core.camunda import CamundaClient, EngineAdmin
from core.config.models import AppSettings
from core.ledger import SqliteLedger, open_ledger
from core.retry import delay_buckets
from core.transport.settings import BrokerSettings
from core.transport.topology import Topology, system_queue


def broker_settings(settings: AppSettings) -> BrokerSettings:
    broker = settings.rabbitmq
    return BrokerSettings(
        url=broker.url.get_secret_value(),
        prefix=broker.prefix,
        queue_type=broker.queue_type,
        heartbeat_s=broker.heartbeat_s,
    )


def topology(settings: AppSettings) -> Topology:
    """Every configured system's queues, with one delay queue per retry delay its policy uses."""
    delays = {system_queue(name): delay_buckets(system.retry) for name, system in settings.systems.items()}
    return Topology.for_systems(settings.systems, {queue: d for queue, d in delays.items() if d})


def camunda_client(settings: AppSettings) -> CamundaClient:
    """The full client; the services hold it as ``EnginePort``."""
    return CamundaClient(settings.camunda.client_settings())


def engine_admin(settings: AppSettings) -> EngineAdmin:
    """The operator's client, without the services' task commands (fetch, complete, …)."""
    return EngineAdmin(settings.camunda.client_settings())


def ledger(settings: AppSettings) -> SqliteLedger:
    return open_ledger(settings.ledger_dsn())


def default_worker_id() -> str:
    """Stable per host, so a restarted worker can still settle what it locked before."""
    return f"exchanger-{socket.gethostname()}"

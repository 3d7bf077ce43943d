"""Depth and consumers of every queue of the topology, read from the broker (passive declares).

One blocking connection, used by the dashboard's tick thread only (pika connections are not
shared between threads); it is opened on the first read and again after a failure. Delay
queues are not listed on their own: their messages show as ``retrying`` on the queue they
return to.
"""

from __future__ import annotations

from collections import defaultdict

from api.dashboard.models import QueueRole, QueueView
from core.transport.admin import QueueGauge, QueueStats
from core.transport.settings import BrokerSettings
from core.transport.topology import ERRORS_QUEUE, INTAKE_QUEUE, RESPONSES_QUEUE, UNROUTED_QUEUE, Topology

_ROLES: dict[str, QueueRole] = {
    ERRORS_QUEUE: "errors",
    INTAKE_QUEUE: "intake",
    RESPONSES_QUEUE: "responses",
    UNROUTED_QUEUE: "unrouted",
}


def queue_role(name: str) -> QueueRole:
    if name in _ROLES:
        return _ROLES[name]
    if name.endswith(".sent.queue"):
        return "results"
    return "tasks" if name.endswith(".queue") else "other"


class QueueReader:
    def __init__(self, broker: BrokerSettings, topology: Topology) -> None:
        self._topology = topology
        self._gauge = QueueGauge(broker, "exchanger-dashboard")

    def read(self) -> list[QueueView]:
        """Every main queue in declaration order; raises BrokerError when the broker fails
        (a new connection on the next tick)."""
        return self._views({name: self._gauge(name) for name in self._topology.queue_names()})

    def _views(self, stats: dict[str, QueueStats | None]) -> list[QueueView]:
        retrying: defaultdict[str, int] = defaultdict(int)
        main = []
        for spec in self._topology.queues:
            found = stats.get(spec.name)
            if spec.dead_letter_to is not None:
                retrying[spec.dead_letter_to] += found.messages if found else 0
            else:
                main.append((spec.name, found))
        return [
            QueueView(
                name=name,
                role=queue_role(name),
                exists=found is not None,
                messages=found.messages if found else 0,
                consumers=found.consumers if found else 0,
                retrying=retrying[name],
            )
            for name, found in main
        ]

    def close(self) -> None:
        self._gauge.close()

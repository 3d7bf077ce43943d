"""The 3-node RabbitMQ cluster of ``scripts/services.sh cluster``: start it, stop and start its
nodes, and ask a node's management API where queues and connections live."""

from __future__ import annotations

import os
import subprocess
from typing import Any
from urllib.parse import quote

import requests

from tests.support.services import SERVICES

SIZE = 3
#: The script's base port (RABBITMQ_CLUSTER_PORT); node N listens on base + N - 1, its
#: management API on that + 10000.
BASE_PORT = int(os.environ.get("RABBITMQ_CLUSTER_PORT", "5681"))
PREFIX = os.environ.get("RABBITMQ_CLUSTER_PREFIX", "exchanger-c")
NODES = tuple(range(1, SIZE + 1))
AUTH = ("guest", "guest")


def node_name(n: int) -> str:
    return f"{PREFIX}{n}@localhost"


def node_number(name: str) -> int:
    """1 for ``exchanger-c1@localhost``."""
    return int(name.split("@")[0].removeprefix(PREFIX))


def amqp_url(n: int) -> str:
    return f"amqp://guest:guest@127.0.0.1:{BASE_PORT + n - 1}/%2F"


def cluster_url() -> str:
    """Every node's URL, node 1 first: what RABBITMQ_URL gets for the cluster."""
    return ",".join(amqp_url(n) for n in NODES)


def _management(n: int, path: str) -> Any:
    response = requests.get(f"http://127.0.0.1:{BASE_PORT + 10000 + n - 1}/api/{path}", auth=AUTH, timeout=5)
    response.raise_for_status()
    return response.json()


def running_nodes(ask: int | None = None) -> set[str]:
    """The nodes running as node ``ask`` (default: the first that answers) sees them; empty when none answers."""
    for n in (ask,) if ask else NODES:
        try:
            return {node["name"] for node in _management(n, "nodes?columns=name,running") if node["running"]}
        except requests.RequestException:
            continue
    return set()


def healthy() -> bool:
    """Every node runs and sees the others."""
    return all(running_nodes(n) == {node_name(m) for m in NODES} for n in NODES)


def _script(*args: str) -> str:
    result = subprocess.run(
        [str(SERVICES), "cluster", *args], capture_output=True, text=True, timeout=600, check=False
    )
    if result.returncode != 0:
        raise RuntimeError(f"services.sh cluster {' '.join(args)} failed:\n{result.stderr[-3000:]}")
    return result.stdout


def ensure_cluster() -> str:
    """Start the cluster (or the nodes of it that are down) unless it is healthy; its URL list.

    Raises:
        RuntimeError: the script failed; its output is in the message.
    """
    if not healthy():
        _script("start")
    return cluster_url()


def stop_cluster() -> None:
    """Stop every node (``services.sh cluster stop``)."""
    _script("stop")


def stop_node(n: int) -> None:
    """Stop node ``n`` cleanly (rabbitmqctl shutdown); returns once its VM is gone."""
    _script("stop-node", str(n))


def start_node(n: int) -> None:
    """Start node ``n``; returns once it is back in the cluster."""
    _script("start-node", str(n))


def queue_info(name: str, ask: int | None = None) -> dict[str, Any]:
    """The management API's view of queue ``name`` (broker-side name) on ``/``."""
    for n in (ask,) if ask else NODES:
        try:
            info: dict[str, Any] = _management(n, f"queues/%2F/{quote(name, safe='')}")
        except requests.ConnectionError:
            continue
        return info
    raise RuntimeError("no cluster node answers its management API")


def connection_nodes(connection_name: str, ask: int) -> list[int]:
    """The nodes that the connections named ``connection_name`` are open on."""
    connections = _management(ask, "connections?columns=node,client_properties")
    return [
        node_number(c["node"])
        for c in connections
        if c.get("client_properties", {}).get("connection_name") == connection_name
    ]

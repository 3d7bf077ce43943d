"""Connection settings for RabbitMQ, validated once and safe to log."""

from __future__ import annotations

import random
from dataclasses import dataclass, replace
from typing import Literal
from urllib.parse import unquote, urlsplit

from core.errors import ConfigError
from core.redact import redact_url

QueueType = Literal["classic", "quorum"]
Failover = Literal["in_order", "random"]

_QUEUE_TYPES = ("classic", "quorum")


@dataclass(frozen=True, repr=False)
class BrokerSettings:
    """Where RabbitMQ is and how to talk to it.

    ``prefix`` is prepended to every exchange and queue name so that environments (or test
    runs) can share one broker; ``name(base)`` applies it. The password never appears in
    ``repr``/``str``.
    """

    #: One node's URL, or several nodes of a cluster separated by commas: a connection tries
    #: them in order (or in a random order, ``failover="random"``) until one answers.
    url: str = "amqp://guest:guest@127.0.0.1:5672/%2F"
    failover: Failover = "in_order"
    prefix: str = ""
    queue_type: QueueType = "classic"
    heartbeat_s: int = 30
    connect_timeout_s: float = 5.0
    reconnect_min_s: float = 0.5
    reconnect_max_s: float = 30.0
    #: How long a publish waits for the broker's confirm before it counts as failed.
    confirm_timeout_s: float = 10.0
    #: CA bundle for ``amqps://`` URLs; the system store when None. Verification is never off.
    ca_file: str | None = None

    def __post_init__(self) -> None:
        for url in self.urls:
            scheme = urlsplit(url).scheme
            if scheme not in ("amqp", "amqps"):
                raise ConfigError(
                    f"broker url must start with amqp:// or amqps://, got {scheme!r}", key="url"
                )
        if self.failover not in ("in_order", "random"):
            raise ConfigError("failover must be in_order or random", key="failover")
        if self.queue_type not in _QUEUE_TYPES:
            raise ConfigError(f"queue_type must be one of {_QUEUE_TYPES}", key="queue_type")
        if self.prefix.startswith("amq."):
            raise ConfigError("prefix must not start with 'amq.' (reserved by RabbitMQ)", key="prefix")
        if self.heartbeat_s < 0:
            raise ConfigError("heartbeat_s must be >= 0", key="heartbeat_s")
        for key in ("connect_timeout_s", "reconnect_min_s", "confirm_timeout_s"):
            if getattr(self, key) <= 0:
                raise ConfigError(f"{key} must be > 0", key=key)
        if self.reconnect_max_s < self.reconnect_min_s:
            raise ConfigError("reconnect_max_s must be >= reconnect_min_s", key="reconnect_max_s")

    @property
    def urls(self) -> tuple[str, ...]:
        """Every node's URL, as configured (one for a single broker)."""
        return tuple(part.strip() for part in self.url.split(",") if part.strip()) or ("",)

    def nodes(self) -> list[BrokerSettings]:
        """These settings once per node, in the order a connection should try them."""
        nodes = [replace(self, url=url) for url in self.urls]
        if self.failover == "random" and len(nodes) > 1:
            random.shuffle(nodes)  # spreads the services' connections over the cluster
        return nodes

    def name(self, base: str) -> str:
        """The broker-side name of exchange or queue ``base``; the default exchange stays ``""``."""
        return f"{self.prefix}{base}" if base else ""

    @property
    def redacted_url(self) -> str:
        """The URL with its password masked, for logs and error messages."""
        return ",".join(redact_url(url) for url in self.urls)

    @property
    def host(self) -> str:
        """Host name from the (first node's) URL: the management API and the TLS server name."""
        return urlsplit(self.urls[0]).hostname or "localhost"

    @property
    def vhost(self) -> str:
        """Virtual host from the (first node's) URL path; ``/`` when the path is empty."""
        path = urlsplit(self.urls[0]).path
        return unquote(path[1:]) if len(path) > 1 else "/"

    def __repr__(self) -> str:
        return (
            f"BrokerSettings(url={self.redacted_url!r}, prefix={self.prefix!r}, "
            f"queue_type={self.queue_type!r}, heartbeat_s={self.heartbeat_s})"
        )

    __str__ = __repr__

"""Connection settings for RabbitMQ, validated once and safe to log."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal
from urllib.parse import unquote, urlsplit

from core.errors import ConfigError
from core.redact import redact_url

QueueType = Literal["classic", "quorum"]

_QUEUE_TYPES = ("classic", "quorum")


@dataclass(frozen=True, repr=False)
class BrokerSettings:
    """Where RabbitMQ is and how to talk to it.

    ``prefix`` is prepended to every exchange and queue name so that environments (or test
    runs) can share one broker; ``name(base)`` applies it. The password never appears in
    ``repr``/``str``.
    """

    url: str = "amqp://guest:guest@127.0.0.1:5672/%2F"
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
        scheme = urlsplit(self.url).scheme
        if scheme not in ("amqp", "amqps"):
            raise ConfigError(f"broker url must start with amqp:// or amqps://, got {scheme!r}", key="url")
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

    def name(self, base: str) -> str:
        """The broker-side name of exchange or queue ``base``; the default exchange stays ``""``."""
        return f"{self.prefix}{base}" if base else ""

    @property
    def redacted_url(self) -> str:
        """The URL with its password masked, for logs and error messages."""
        return redact_url(self.url)

    @property
    def host(self) -> str:
        """Host name from the URL (for the management API and TLS server name)."""
        return urlsplit(self.url).hostname or "localhost"

    @property
    def vhost(self) -> str:
        """Virtual host from the URL path; ``/`` when the path is empty."""
        path = urlsplit(self.url).path
        return unquote(path[1:]) if len(path) > 1 else "/"

    def __repr__(self) -> str:
        return (
            f"BrokerSettings(url={self.redacted_url!r}, prefix={self.prefix!r}, "
            f"queue_type={self.queue_type!r}, heartbeat_s={self.heartbeat_s})"
        )

    __str__ = __repr__

"""Helpers and fixtures for tests against the real RabbitMQ.

Import the fixture into a conftest (``from tests.integration.broker_fixtures import
broker_settings``) or call the plain functions. Every test gets its own name prefix, and
everything carrying it is deleted afterwards, so tests can share one broker. When RabbitMQ
cannot be reached the tests FAIL (never skip): start it with
``scripts/services.sh start rabbitmq``.
"""

from __future__ import annotations

import os
import subprocess
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import replace
from typing import Any

import pytest

from core.errors import BrokerUnavailable
from core.transport import BrokerAdmin, BrokerSettings, Delivery
from core.transport.connection import close_quietly, open_blocking
from tests.support.waiting import wait_for

RABBIT_NODE = "rabbit@localhost"
#: The broker the tests use; CI may point elsewhere (the restart test needs rabbitmqctl access).
BROKER_URL = os.environ.get("EXCHANGER_TEST_BROKER_URL", BrokerSettings().url)


def rabbitmq_answers(settings: BrokerSettings) -> bool:
    """True when an AMQP connection can be opened now."""
    try:
        close_quietly(open_blocking(settings, "test-probe"))
    except BrokerUnavailable:
        return False
    return True


def require_rabbitmq(settings: BrokerSettings | None = None) -> None:
    """Fail the calling test (not skip) when RabbitMQ is not reachable."""
    settings = settings or BrokerSettings(url=BROKER_URL)
    if not rabbitmq_answers(settings):
        pytest.fail(
            f"RabbitMQ is not reachable at {settings.redacted_url}; "
            "start it with `scripts/services.sh start rabbitmq`",
            pytrace=False,
        )


def isolated_settings(**overrides: Any) -> BrokerSettings:
    """Settings with a fresh random prefix (and quick reconnects), plus any overrides."""
    settings = BrokerSettings(url=BROKER_URL, prefix=f"t{uuid.uuid4().hex[:10]}.", reconnect_max_s=1.0)
    return replace(settings, **overrides)


def delete_everything_with_prefix(settings: BrokerSettings) -> list[str]:
    """Delete the queues and exchanges carrying ``settings.prefix`` (refuses an empty prefix)."""
    with BrokerAdmin(settings) as admin:
        return admin.delete_prefixed()


def queue_depth(settings: BrokerSettings, queue: str) -> int | None:
    """Ready messages in ``queue`` (base name), None when it does not exist."""
    with BrokerAdmin(settings) as admin:
        return admin.queue_depth(queue)


def queue_consumers(settings: BrokerSettings, queue: str) -> int:
    """Consumers the broker counts on ``queue`` (base name)."""
    with BrokerAdmin(settings) as admin:
        stats = admin.queue_stats(queue)
    assert stats is not None, f"queue {queue!r} does not exist"
    return stats.consumers


def wait_until(condition: Callable[[], bool], timeout: float = 10.0, what: str = "condition") -> None:
    """Poll ``condition`` until it holds; fail the test after ``timeout`` seconds."""
    wait_for(condition, timeout=timeout, interval=0.02, what=what)


def get_one(settings: BrokerSettings, queue: str) -> tuple[Any, Any, bytes] | None:
    """``basic_get`` one message (acked) from ``queue``: (method, properties, body) or None."""
    connection = open_blocking(settings, "test-get")
    try:
        method, properties, body = connection.channel().basic_get(settings.name(queue), auto_ack=True)
        return None if method is None else (method, properties, body)
    finally:
        connection.close()


class Collector:
    """A thread-safe handler that keeps every delivery (acking it unless told not to)."""

    def __init__(self, ack: bool = True) -> None:
        self.ack = ack
        self.deliveries: list[Delivery] = []
        self.received_at: list[float] = []
        self._cond = threading.Condition()

    def __call__(self, delivery: Delivery) -> None:
        with self._cond:
            self.deliveries.append(delivery)
            self.received_at.append(time.monotonic())
            self._cond.notify_all()
        if self.ack:
            delivery.ack()

    def wait_for(self, count: int, timeout: float = 10.0) -> list[Delivery]:
        """Wait until ``count`` deliveries arrived; fail the test otherwise."""
        with self._cond:
            if not self._cond.wait_for(lambda: len(self.deliveries) >= count, timeout):
                pytest.fail(f"got {len(self.deliveries)} of {count} deliveries within {timeout}s")
            return list(self.deliveries)


def rabbitmqctl(*args: str, timeout: float = 120.0) -> None:
    """Run ``rabbitmqctl -n rabbit@localhost ARGS``; raise on failure."""
    subprocess.run(
        ["rabbitmqctl", "-n", RABBIT_NODE, *args], check=True, capture_output=True, timeout=timeout
    )


def close_connections_named(connection_name: str) -> int:
    """Have the broker close every connection whose client gave ``connection_name``; returns how many."""
    listing = subprocess.run(
        [
            "rabbitmqctl",
            "-n",
            RABBIT_NODE,
            "-q",
            "--no-table-headers",
            "list_connections",
            "pid",
            "client_properties",
        ],
        check=True,
        capture_output=True,
        text=True,
        timeout=60,
    )
    marker = f'{{"connection_name","{connection_name}"}}'
    pids = [line.split("\t")[0] for line in listing.stdout.splitlines() if marker in line]
    for pid in pids:
        rabbitmqctl("close_connection", pid, "closed by a test")
    return len(pids)


@contextmanager
def broker_app_stopped(settings: BrokerSettings) -> Iterator[None]:
    """Stop the RabbitMQ application (dropping every connection) and always start it again.

    Other tests share the broker, so the finally block waits until it answers again.
    """
    rabbitmqctl("stop_app")
    try:
        yield
    finally:
        rabbitmqctl("start_app")
        wait_until(lambda: rabbitmq_answers(settings), timeout=60, what="RabbitMQ to answer after start_app")


@pytest.fixture
def broker_settings() -> Iterator[BrokerSettings]:
    """Settings with this test's own prefix; fails when RabbitMQ is down; cleans up afterwards."""
    settings = isolated_settings()
    require_rabbitmq(settings)
    yield settings
    if rabbitmq_answers(settings):
        delete_everything_with_prefix(settings)

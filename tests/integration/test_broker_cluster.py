"""The transport on a real 3-node RabbitMQ cluster (scripts/services.sh cluster) with quorum queues.

Node URLs are listed node 1 first and tried in order, so everything here connects to node 1 and
the queues it declares are led from there: stopping node 1 takes both the clients' node and the
queues' leaders away. A test that stops a node starts it again before it ends.
"""

from __future__ import annotations

import itertools
import threading
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import partial
from typing import Any

import pytest
from loguru import logger

from core.errors import BrokerUnavailable
from core.transport import (
    TASKS_EXCHANGE,
    BrokerAdmin,
    BrokerSettings,
    Consumer,
    Delivery,
    OutgoingMessage,
    Publisher,
    RabbitTransport,
    Topology,
    retry_queue_name,
)
from tests.support import cluster
from tests.support.waiting import wait_for

pytestmark = pytest.mark.integration

SYSTEM = "clu"
WORK_QUEUE = f"{SYSTEM}.queue"
#: Longer than a node takes to shut down, so the message is still waiting when its leader is gone.
DELAY_MS = 15_000
TOPOLOGY = Topology.for_systems([SYSTEM], {WORK_QUEUE: [DELAY_MS]})
DELAY_QUEUE = retry_queue_name(WORK_QUEUE, DELAY_MS)


@pytest.fixture
def settings(rabbitmq_cluster: str) -> Iterator[BrokerSettings]:
    """Quorum queues under this test's own prefix, on every node of the cluster (node 1 first)."""
    settings = BrokerSettings(
        url=rabbitmq_cluster, prefix=f"t{uuid.uuid4().hex[:10]}.", queue_type="quorum", reconnect_max_s=1.0
    )
    RabbitTransport(settings).declare(TOPOLOGY)
    yield settings
    cluster.ensure_cluster()  # a test that failed half-way may have left a node down
    management = f"http://127.0.0.1:{cluster.BASE_PORT + 10000}"
    with BrokerAdmin(settings, management_url=management) as admin:
        admin.delete_prefixed()


def test_every_queue_is_a_quorum_queue_with_a_member_on_each_node(settings: BrokerSettings) -> None:
    RabbitTransport(settings).declare(TOPOLOGY)  # declaring again changes nothing
    everyone = sorted(cluster.node_name(n) for n in cluster.NODES)

    for queue in TOPOLOGY.queue_names():
        name = settings.name(queue)
        info = wait_for(partial(_with_members, name), timeout=30, what=f"the members of {name}")
        assert info is not None
        assert (info["type"], sorted(info["members"]), info["durable"]) == ("quorum", everyone, True)
        assert not info["exclusive"] and not info["auto_delete"]

    arguments = cluster.queue_info(settings.name(DELAY_QUEUE))["arguments"]
    assert arguments == {
        "x-queue-type": "quorum",
        "x-message-ttl": DELAY_MS,
        "x-dead-letter-exchange": "",
        "x-dead-letter-routing-key": settings.name(WORK_QUEUE),
        "x-dead-letter-strategy": "at-least-once",
        "x-overflow": "reject-publish",
    }


def _with_members(name: str) -> dict[str, Any] | None:
    """Queue ``name`` as node 2 sees it, once its leader and members are listed (they lag a little)."""
    info = cluster.queue_info(name, ask=2)
    return info if info.get("members") and info.get("leader") else None


class Received:
    """A consumer's handler: every delivery's message id and time, acked at once."""

    def __init__(self) -> None:
        self.ids: list[str] = []
        self.at: list[float] = []
        self.redelivered = 0
        self._lock = threading.Lock()

    def __call__(self, delivery: Delivery) -> None:
        with self._lock:
            self.ids.append(delivery.message_id or "")
            self.at.append(time.monotonic())
            self.redelivered += delivery.redelivered
        delivery.ack()

    def unique(self) -> set[str]:
        with self._lock:
            return set(self.ids)


def test_a_delayed_retry_comes_back_after_its_ttl_when_its_leader_node_stops(
    settings: BrokerSettings,
) -> None:
    # Given the delay queue led by node 1, which declared it
    info = wait_for(partial(_with_members, settings.name(DELAY_QUEUE)), timeout=30, what="its leader")
    assert info is not None
    leader = cluster.node_number(info["leader"])
    got = Received()
    consumer = Consumer(settings, [WORK_QUEUE], got, name=f"retry-consumer-{settings.prefix}")
    consumer.start()
    try:
        # When a retry waits in it (the creator's message: attempts header, a per-message
        # expiration within the queue's TTL) and that node stops while it waits
        retry = OutgoingMessage(
            "", DELAY_QUEUE, b"{}", "retry-1", {"exchanger-attempts": 1}, expiration_ms=DELAY_MS - 1000
        )
        sent_at = time.monotonic()
        with Publisher(settings, f"retry-publisher-{settings.prefix}") as publisher:
            assert publisher.publish_many([retry]) == [None]
        cluster.stop_node(leader)
        assert got.ids == [], "the retry came back before its node was down; the test proves nothing"

        # Then it comes back to the work queue after its TTL, dead-lettered by the new leader
        wait_for(lambda: got.ids, timeout=DELAY_MS / 1000 + 60, what="the retry back in the work queue")
        assert got.ids == ["retry-1"]
        assert got.at[0] - sent_at >= (DELAY_MS - 1000) / 1000
        new_leader = cluster.queue_info(settings.name(DELAY_QUEUE))["leader"]
        assert new_leader != cluster.node_name(leader)
    finally:
        consumer.stop(timeout=1)
        cluster.start_node(leader)


@dataclass
class LoadPublisher:
    """Publishes task messages through the real Publisher the way the worker does: batches
    through ``publish_many`` back to back, a message counted as sent only when confirmed, the
    others sent again (same message id) after a short pause. It keeps going until ``enough`` is
    set and at least ``minimum`` are confirmed, so it is mid-flow whenever the node goes, however
    fast this machine is."""

    settings: BrokerSettings
    name: str
    minimum: int
    batch: int = 10
    confirmed: list[str] = field(default_factory=list)
    confirmed_at: list[float] = field(default_factory=list)
    attempts: int = 0
    failures: list[tuple[float, str]] = field(default_factory=list)
    enough: threading.Event = field(default_factory=threading.Event)
    finished: threading.Event = field(default_factory=threading.Event)
    release: threading.Event = field(default_factory=threading.Event)

    def run(self) -> None:
        numbers = itertools.count()
        retry: list[str] = []
        with Publisher(self.settings, self.name) as publisher:
            while retry or len(self.confirmed) < self.minimum or not self.enough.is_set():
                fresh = [f"m{next(numbers):06d}" for _ in range(self.batch - len(retry))]
                retry = self._publish(publisher, retry + fresh)
                if retry:
                    self.release.wait(0.2)
            self.finished.set()
            self.release.wait(120)  # stays connected until the test has looked where

    def _publish(self, publisher: Publisher, ids: list[str]) -> list[str]:
        """One batch; returns the ids to send again."""
        items = [OutgoingMessage(TASKS_EXCHANGE, SYSTEM, b"{}", message_id) for message_id in ids]
        self.attempts += len(items)
        try:
            results: list[Exception | None] = list(publisher.publish_many(items))
        except BrokerUnavailable as err:  # nothing answered: the whole batch again
            results = [err] * len(items)
        now = time.monotonic()
        failed = []
        for message_id, error in zip(ids, results, strict=True):
            if error is None:
                self.confirmed.append(message_id)
                self.confirmed_at.append(now)
            else:
                failed.append(message_id)
                self.failures.append((now, f"{type(error).__name__}: {error}"))
        return failed


def _elsewhere(connection_name: str, node: int) -> bool:
    """The connection is open on some node other than ``node``."""
    return cluster.connection_nodes(connection_name, ask=2) not in ([], [node])


def _longest_gap(times: list[float], after: float) -> float:
    """The longest pause between consecutive events around ``after`` (one before it onwards)."""
    ordered = sorted(times)
    start = max(0, sum(1 for t in ordered if t < after) - 1)
    return max((b - a for a, b in itertools.pairwise(ordered[start:])), default=0.0)


def test_stopping_the_clients_node_under_load_loses_no_confirmed_message(settings: BrokerSettings) -> None:
    got = Received()
    consumer_name = f"load-consumer-{settings.prefix}"
    consumer = Consumer(settings, [WORK_QUEUE], got, prefetch=50, name=consumer_name)
    load = LoadPublisher(settings, f"load-publisher-{settings.prefix}", minimum=2000)
    publishing = threading.Thread(target=load.run, name="load-publisher", daemon=True)
    lost_in_flight: list[str] = []  # the Publisher's own account of confirms it never got
    sink = logger.add(
        lambda m: lost_in_flight.append(str(m.record["message"])),
        level="INFO",
        filter=lambda r: "lost its connection with" in r["message"],
    )
    victim = 1
    consumer.start()
    publishing.start()
    try:
        # Given the publisher and the consumer on node 1 (the first URL), mid-flow
        wait_for(lambda: len(load.confirmed) >= 500, timeout=60, what="500 confirmed")
        for name in (load.name, consumer_name):  # the API lists a connection within ~5 s
            wait_for(partial(cluster.connection_nodes, name, ask=2), timeout=15, what=name)
            assert cluster.connection_nodes(name, ask=2) == [victim]

        # When that node stops
        stopped_at = time.monotonic()
        cluster.stop_node(victim)
        down_at = time.monotonic()

        # Then both reconnect to another node and carry on
        carried_on = len(load.confirmed) + 500
        wait_for(
            lambda: len(load.confirmed) >= carried_on, timeout=60, what="500 more confirmed after the stop"
        )
        load.enough.set()
        assert load.finished.wait(60), f"publisher stuck at {len(load.confirmed)} confirmed"
        for name in (load.name, consumer_name):
            wait_for(partial(_elsewhere, name, victim), timeout=30, what=f"{name} connected to another node")
        # and every message counted as sent was consumed at least once
        confirmed = set(load.confirmed)
        wait_for(lambda: confirmed <= got.unique(), timeout=120, what="every confirmed message consumed")
        wait_for(lambda: consumer.in_flight == 0, timeout=30, what="the last acks")
    finally:
        logger.remove(sink)
        load.enough.set()
        load.release.set()
        publishing.join(30)
        consumer.stop(timeout=5)
        cluster.start_node(victim)

    assert len(confirmed) == len(load.confirmed)  # each id counted as sent once
    consumed = Counter(got.ids)
    print(
        f"\nnode stop under load: {len(load.confirmed)} messages confirmed, {load.attempts} publishes "
        f"by the test ({len(load.failures)} failed and sent again), confirms lost in flight and "
        f"re-sent by the Publisher: {lost_in_flight or 'none'}; {len(got.ids)} deliveries of "
        f"{len(consumed)} ids, {sum(c - 1 for c in consumed.values())} duplicates "
        f"({got.redelivered} flagged redelivered); rabbitmqctl shutdown took {down_at - stopped_at:.1f} s; "
        f"longest pause around it: confirms {_longest_gap(load.confirmed_at, stopped_at):.2f} s, "
        f"deliveries {_longest_gap(got.at, stopped_at):.2f} s"
    )

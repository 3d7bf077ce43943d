"""The RabbitMQ transport against a real broker (scripts/services.sh start rabbitmq)."""

from __future__ import annotations

import os
import select
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from pathlib import Path
from subprocess import DEVNULL, PIPE

import pytest

from core.errors import BrokerUnavailable, PublishError, PublishUnroutable
from core.transport import (
    TASKS_EXCHANGE,
    UNROUTED_QUEUE,
    BrokerAdmin,
    BrokerSettings,
    Consumer,
    Delivery,
    Handler,
    OutgoingMessage,
    Publisher,
    RabbitTransport,
    Topology,
)
from tests.integration.broker_fixtures import (
    Collector,
    broker_app_stopped,
    broker_settings,
    close_connections_named,
    delete_everything_with_prefix,
    get_one,
    isolated_settings,
    queue_consumers,
    queue_depth,
    require_rabbitmq,
    wait_until,
)

pytestmark = pytest.mark.integration
__all__ = ["broker_settings"]  # the fixture, imported so pytest finds it

ROOT = Path(__file__).resolve().parents[2]
TOPOLOGY = Topology.for_systems(["sysa"], {"sysa.queue": [300, 2000]})


@pytest.fixture
def settings(broker_settings: BrokerSettings) -> BrokerSettings:
    """This test's settings, with the standard topology declared."""
    RabbitTransport(broker_settings).declare(TOPOLOGY)
    return broker_settings


@pytest.fixture
def publisher(settings: BrokerSettings) -> Iterator[Publisher]:
    with Publisher(settings, "test-publisher") as publisher:
        yield publisher


@pytest.fixture
def consumers() -> Iterator[list[Consumer]]:
    started: list[Consumer] = []
    yield started
    for consumer in started:
        consumer.stop(timeout=0.2)


def consume(
    settings: BrokerSettings, started: list[Consumer], queue: str, handler: Handler, prefetch: int = 10
) -> Consumer:
    """Start a consumer that the ``consumers`` fixture stops, and wait until it consumes."""
    consumer = Consumer(settings, [queue], handler, prefetch=prefetch)
    consumer.start()
    started.append(consumer)
    wait_until(lambda: consumer.is_connected, what="the consumer to connect")
    return consumer


def test_a_confirmed_publish_arrives_persistent_with_its_headers(settings, publisher) -> None:
    publisher.publish(TASKS_EXCHANGE, "sysa", b'{"n": 1}', message_id="m1", headers={"trace-id": "t1"})

    got = get_one(settings, "sysa.queue")

    assert got is not None
    _method, properties, body = got
    assert body == b'{"n": 1}'
    assert (properties.delivery_mode, properties.message_id, properties.content_type) == (
        2,
        "m1",
        "application/json",
    )
    assert properties.headers == {"trace-id": "t1"}


def test_publish_many_confirms_a_batch_of_500(settings, publisher) -> None:
    items = [OutgoingMessage("", "sysa.sent.queue", b"{}", f"m{i}") for i in range(500)]

    results = publisher.publish_many(items)

    assert results == [None] * 500
    assert queue_depth(settings, "sysa.sent.queue") == 500


def test_a_mandatory_publish_to_a_missing_queue_is_unroutable(publisher) -> None:
    with pytest.raises(PublishUnroutable):
        publisher.publish("", "no.such.queue", b"{}", message_id="m1")

    results = publisher.publish_many(
        [
            OutgoingMessage("", "sysa.sent.queue", b"{}", "ok"),
            OutgoingMessage("", "no.such.queue", b"{}", "bad"),
        ]
    )
    assert results[0] is None and isinstance(results[1], PublishUnroutable)


def test_an_unknown_system_lands_in_the_alternate_exchange_queue(settings, publisher) -> None:
    publisher.publish(TASKS_EXCHANGE, "no-such-system", b"{}", message_id="m1")

    assert queue_depth(settings, UNROUTED_QUEUE) == 1


def test_a_missing_exchange_fails_the_publish_and_the_publisher_recovers(settings, publisher) -> None:
    with pytest.raises(PublishError, match="NOT_FOUND"):
        publisher.publish("no.such.exchange", "x", b"{}", message_id="m1")

    publisher.publish("", "sysa.sent.queue", b"{}", message_id="m2")
    assert queue_depth(settings, "sysa.sent.queue") == 1


CHILD = """
import sys
from core.transport import BrokerSettings, Consumer
def hold(delivery):
    print("received", delivery.message_id, flush=True)  # and never ack
Consumer(BrokerSettings(url=sys.argv[1], prefix=sys.argv[2]), [sys.argv[3]], hold).start()
sys.stdin.read()
"""


def test_a_message_is_redelivered_after_its_consumer_dies_before_acking(
    settings, publisher, consumers
) -> None:
    command = [sys.executable, "-c", CHILD, settings.url, settings.prefix, "sysa.queue"]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    with subprocess.Popen(command, cwd=ROOT, env=env, stdin=PIPE, stdout=PIPE, stderr=DEVNULL) as child:
        try:
            publisher.publish(TASKS_EXCHANGE, "sysa", b"{}", message_id="m1")
            assert child.stdout is not None
            ready, _, _ = select.select([child.stdout], [], [], 15)
            assert ready and child.stdout.readline().split() == [b"received", b"m1"]
        finally:
            child.kill()  # SIGKILL: no goodbye to the broker, only a dead socket

    handler = Collector()
    consume(settings, consumers, "sysa.queue", handler)

    [delivery] = handler.wait_for(1)
    assert (delivery.message_id, delivery.redelivered) == ("m1", True)


def test_consumer_and_publisher_come_back_after_a_broker_restart(settings, publisher, consumers) -> None:
    handler = Collector()
    consumer = consume(settings, consumers, "sysa.queue", handler)
    publisher.publish(TASKS_EXCHANGE, "sysa", b"{}", message_id="before")
    handler.wait_for(1)

    with broker_app_stopped(settings):
        wait_until(lambda: not consumer.is_connected, what="the consumer to notice the broker is gone")
        with pytest.raises(BrokerUnavailable):
            publisher.publish(TASKS_EXCHANGE, "sysa", b"{}", message_id="during")

    wait_until(lambda: consumer.is_connected, timeout=30, what="the consumer to reconnect")
    publisher.publish(TASKS_EXCHANGE, "sysa", b"{}", message_id="after")
    assert [d.message_id for d in handler.wait_for(2)] == ["before", "after"]


def test_an_ack_for_a_dead_connection_does_not_hold_back_the_acks_after_the_reconnect(
    settings, publisher, consumers
) -> None:
    # Given a delivery still unacked when the broker goes away, acked by a pool thread meanwhile
    handler = Collector(ack=False)
    consumer = consume(settings, consumers, "sysa.queue", handler)
    publisher.publish(TASKS_EXCHANGE, "sysa", b"{}", message_id="m1")
    [first] = handler.wait_for(1)
    with broker_app_stopped(settings), ThreadPoolExecutor(1) as pool:
        wait_until(lambda: not consumer.is_connected, what="the consumer to notice the broker is gone")
        pool.submit(first.ack).result()
    wait_until(lambda: consumer.is_connected, timeout=30, what="the consumer to reconnect")

    # When the redelivered message is acked from a pool thread on the new connection
    [_, again] = handler.wait_for(2)
    assert (again.message_id, again.redelivered) == ("m1", True)
    with ThreadPoolExecutor(1) as pool:
        pool.submit(again.ack).result()

    # Then that ack reaches the broker: nothing is left to requeue when the consumer closes
    wait_until(lambda: consumer.in_flight == 0, what="the ack on the new connection to be sent")
    consumer.stop(timeout=5)
    assert queue_depth(settings, "sysa.queue") == 0


def test_acks_from_worker_threads_settle_every_delivery(settings, publisher, consumers) -> None:
    acked: list[str | None] = []

    def ack(delivery: Delivery) -> None:
        delivery.ack()
        acked.append(delivery.message_id)

    with ThreadPoolExecutor(4) as pool:

        def hand_over(delivery: Delivery) -> None:
            pool.submit(ack, delivery)

        consumer = consume(settings, consumers, "sysa.queue", hand_over, prefetch=20)
        publisher.publish_many([OutgoingMessage(TASKS_EXCHANGE, "sysa", b"{}", f"m{i}") for i in range(300)])
        wait_until(lambda: len(acked) == 300 and consumer.in_flight == 0, what="300 acks")

    consumer.stop(timeout=5)  # anything not really acked would be requeued by the close
    assert queue_depth(settings, "sysa.queue") == 0


def test_a_delay_queue_returns_the_message_after_its_ttl(settings, publisher, consumers) -> None:
    handler = Collector()
    consume(settings, consumers, "sysa.queue", handler)

    sent_at = time.monotonic()
    publisher.publish("", TOPOLOGY.retry_queue("sysa.queue", 300), b"{}", message_id="m1")
    [delivery] = handler.wait_for(1)

    assert handler.received_at[0] - sent_at >= 0.3
    assert (delivery.message_id, delivery.queue, delivery.routing_key) == ("m1", "sysa.queue", "sysa.queue")


def test_a_per_message_expiration_shortens_the_delay_and_does_not_expire_again(
    settings, publisher, consumers
) -> None:
    handler = Collector()
    consume(settings, consumers, "sysa.queue", handler)
    longest = max(TOPOLOGY.retry_delays("sysa.queue"))

    sent_at = time.monotonic()
    item = OutgoingMessage("", TOPOLOGY.retry_queue("sysa.queue", longest), b"{}", "m1", expiration_ms=100)
    assert publisher.publish_many([item]) == [None]
    [delivery] = handler.wait_for(1)

    assert 0.1 <= handler.received_at[0] - sent_at < longest / 1000
    assert delivery.message_id == "m1"


def test_prefetch_limits_unacked_deliveries(settings, publisher, consumers) -> None:
    handler = Collector(ack=False)
    consumer = consume(settings, consumers, "sysa.queue", handler, prefetch=2)

    publisher.publish_many([OutgoingMessage(TASKS_EXCHANGE, "sysa", b"{}", f"m{i}") for i in range(5)])
    held = handler.wait_for(2)

    wait_until(lambda: queue_depth(settings, "sysa.queue") == 3, what="3 messages held back by the broker")
    assert (len(handler.deliveries), consumer.in_flight) == (2, 2)
    held[0].ack()
    handler.wait_for(3)
    wait_until(lambda: queue_depth(settings, "sysa.queue") == 2, what="one more delivery")


def test_stop_waits_for_in_flight_work_and_requeues_what_is_left(settings, publisher) -> None:
    handler = Collector(ack=False)
    consumer = Consumer(settings, ["sysa.queue"], handler, prefetch=5)
    consumer.start()
    publisher.publish_many([OutgoingMessage(TASKS_EXCHANGE, "sysa", b"{}", f"m{i}") for i in range(2)])
    first, _second = handler.wait_for(2)

    first.ack()  # settled during stop's grace period; the second one never is
    consumer.stop(timeout=0.5)

    assert queue_depth(settings, "sysa.queue") == 1
    again = Collector()
    replacement = Consumer(settings, ["sysa.queue"], again)
    replacement.start()
    try:
        [delivery] = again.wait_for(1)
        assert (delivery.message_id, delivery.redelivered) == ("m1", True)
    finally:
        replacement.stop(timeout=1)


def test_a_failing_handler_gets_the_message_again(settings, publisher, consumers) -> None:
    attempts: list[bool] = []

    def flaky(delivery: Delivery) -> None:
        attempts.append(delivery.redelivered)
        if not delivery.redelivered:
            raise RuntimeError("boom")
        delivery.ack()

    consume(settings, consumers, "sysa.queue", flaky)
    publisher.publish(TASKS_EXCHANGE, "sysa", b"{}", message_id="m1")

    wait_until(lambda: attempts == [False, True], what="the redelivery")


def test_a_quorum_topology_declares_and_its_delay_queue_works() -> None:
    settings = isolated_settings(queue_type="quorum")
    require_rabbitmq(settings)
    try:
        with BrokerAdmin(settings) as admin:
            admin.declare(TOPOLOGY)
            admin.declare(TOPOLOGY)  # idempotent
        with Publisher(settings) as publisher:
            publisher.publish("", TOPOLOGY.retry_queue("sysa.queue", 300), b"{}", message_id="m1")
        wait_until(lambda: queue_depth(settings, "sysa.queue") == 1, what="the delayed message")
    finally:
        delete_everything_with_prefix(settings)


def test_a_publisher_reconnects_when_the_broker_closed_its_connection(settings) -> None:
    name = f"publisher-{settings.prefix}"
    with Publisher(settings, name) as publisher:
        publisher.publish("", "sysa.sent.queue", b"{}", message_id="m1")
        assert close_connections_named(name) == 1

        publisher.publish("", "sysa.sent.queue", b"{}", message_id="m2")  # no error: a new connection

    assert queue_depth(settings, "sysa.sent.queue") == 2


def test_a_consumer_with_a_topology_recreates_a_deleted_queue_and_resumes(settings, publisher) -> None:
    handler = Collector()
    consumer = Consumer(settings, ["sysa.queue"], handler, topology=TOPOLOGY)
    consumer.start()
    try:
        wait_until(lambda: consumer.is_connected, what="the consumer to connect")
        with BrokerAdmin(settings) as admin:
            admin.delete_queue("sysa.queue")  # the broker cancels the consumer
        wait_until(
            lambda: queue_depth(settings, "sysa.queue") is not None, what="the queue to be declared again"
        )
        wait_until(lambda: consumer.is_connected, what="the consumer to resume")

        publisher.publish(TASKS_EXCHANGE, "sysa", b"{}", message_id="m1")
        assert handler.wait_for(1)[0].message_id == "m1"
    finally:
        consumer.stop(timeout=1)


def test_a_publisher_belongs_to_one_thread(settings) -> None:
    with Publisher(settings) as publisher:
        publisher.publish("", "sysa.sent.queue", b"{}", message_id="m0")
        with ThreadPoolExecutor(1) as other, pytest.raises(RuntimeError, match="one thread"):
            other.submit(publisher.publish, "", "sysa.sent.queue", b"{}", message_id="x").result()


def test_the_service_publisher_groups_every_threads_messages_and_answers_each_caller_for_its_own(
    settings,
) -> None:
    # Given the publisher a service's threads share
    shared = RabbitTransport(settings).thread_publisher("grouped")
    together = threading.Barrier(8)

    def publish_from_this_thread(i: int) -> list[str]:
        together.wait(timeout=10)
        outcomes = []
        for n in range(25):
            routing_key = "nowhere.queue" if (i, n) == (3, 7) else "sysa.sent.queue"
            try:
                shared.publish("", routing_key, b"{}", message_id=f"m{i}-{n}")
                outcomes.append("ok")
            except PublishUnroutable:
                outcomes.append("unroutable")
            if (i, n) == (5, 3):
                try:
                    shared.publish("", "sysa.sent.queue", b"{}", message_id="bad", headers={"x": object()})
                except TypeError:
                    outcomes.append("refused")
        return outcomes

    # When 8 threads publish 25 messages each at once, one of them to a queue that does not exist
    # and one with a header the wire cannot carry
    try:
        with ThreadPoolExecutor(8) as pool:
            outcomes = list(pool.map(publish_from_this_thread, range(8)))
        groups, messages = shared.groups, shared.messages
    finally:
        shared.close()

    # Then each caller got its own outcome and nothing else failed
    assert outcomes[3].count("unroutable") == 1 and outcomes[5].count("refused") == 1
    assert sum(o.count("ok") for o in outcomes) == 199
    assert queue_depth(settings, "sysa.sent.queue") == 199
    # And the messages went out in groups, not one by one
    assert messages >= 200 and groups < messages


def test_stop_intake_takes_no_new_deliveries_while_in_flight_work_finishes(settings, publisher) -> None:
    handler = Collector(ack=False)
    consumer = Consumer(settings, ["sysa.queue"], handler, prefetch=5)
    consumer.start()
    publisher.publish(TASKS_EXCHANGE, "sysa", b"{}", message_id="m0")
    [held] = handler.wait_for(1)

    consumer.stop_intake(timeout=10)
    wait_until(lambda: queue_consumers(settings, "sysa.queue") == 0, what="the consumption to be cancelled")
    publisher.publish(TASKS_EXCHANGE, "sysa", b"{}", message_id="m1")
    held.ack()  # in-flight work still settles after intake stopped
    consumer.stop()

    assert [d.message_id for d in handler.deliveries] == ["m0"]
    assert queue_depth(settings, "sysa.queue") == 1  # m1 waits; m0 was acked, not requeued


# -- several nodes ---------------------------------------------------------------------------------------


def test_a_node_that_does_not_answer_is_skipped_for_the_next_one(broker_settings: BrokerSettings) -> None:
    # Given the first node of the list down (nothing listens there) and the real broker second
    dead = "amqp://guest:guest@127.0.0.1:1/%2F"
    settings = replace(broker_settings, url=f"{dead},{broker_settings.url}")
    RabbitTransport(settings).declare(TOPOLOGY)
    got = Collector()
    consumer = Consumer(settings, ["sysa.queue"], got, prefetch=5)
    consumer.start()
    try:
        wait_until(lambda: consumer.is_connected, what="the consumer to connect through the second node")
        # When a message is published and an admin call is made through the same list
        with Publisher(settings, "test-failover") as publisher:
            publisher.publish(TASKS_EXCHANGE, "sysa", b'{"n": 1}', message_id="m-failover")
        # Then both reached the broker: the message is consumed
        (delivery,) = got.wait_for(1)
        assert delivery.message_id == "m-failover" and delivery.body == b'{"n": 1}'
        assert queue_consumers(settings, "sysa.queue") == 1
    finally:
        consumer.stop(timeout=1)


def test_when_no_node_answers_the_error_names_each_without_passwords() -> None:
    settings = isolated_settings(
        url="amqp://guest:s3cret@127.0.0.1:1/%2F,amqp://guest:s3cret@127.0.0.1:2/%2F"
    )
    with pytest.raises(BrokerUnavailable) as raised, Publisher(settings, "test-no-node") as publisher:
        publisher.publish(TASKS_EXCHANGE, "sysa", b"{}", message_id="m-none")
    message = str(raised.value)
    assert "127.0.0.1:1" in message and "127.0.0.1:2" in message and "s3cret" not in message


def test_acks_from_many_threads_in_any_order_settle_exactly_their_own_deliveries(settings, publisher) -> None:
    # Given 30 messages taken by one consumer at once
    for n in range(30):
        publisher.publish("", "sysa.queue", b"{}", message_id=f"m{n}")
    handler = Collector(ack=False)
    consumer = Consumer(settings, ["sysa.queue"], handler, prefetch=50)
    consumer.start()
    try:
        deliveries = handler.wait_for(30)
        # When pool threads ack all but one of them, newest first and in parallel
        held = next(d for d in deliveries if d.message_id == "m5")
        others = [d for d in reversed(deliveries) if d is not held]
        with ThreadPoolExecutor(4) as pool:
            list(pool.map(lambda d: d.ack(), others))
        wait_until(lambda: consumer.in_flight == 1, what="the 29 acks to be sent")
    finally:
        consumer.stop(timeout=1)  # the held delivery is still unsettled: the broker requeues it

    # Then only the delivery nobody acked comes back: no ack covered it, none was lost
    assert queue_depth(settings, "sysa.queue") == 1
    message = get_one(settings, "sysa.queue")
    assert message is not None and message[1].message_id == "m5"

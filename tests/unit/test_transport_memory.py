"""The in-memory broker behaves like the RabbitMQ transport where the services can tell."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest

from core.errors import PublishError, PublishUnroutable
from core.transport import (
    ERRORS_QUEUE,
    TASKS_EXCHANGE,
    UNROUTED_QUEUE,
    BrokerSettings,
    Delivery,
    Handler,
    MemoryBroker,
    MemoryConsumer,
    MessageConsumer,
    MessagePublisher,
    OutgoingMessage,
    RabbitTransport,
    Topology,
    Transport,
    topic_matches,
)

TOPOLOGY = Topology.for_systems(["bitrix24", "dadata"], {"dadata.queue": [50]})


class Collector:
    """A handler that keeps deliveries and lets a test wait for a count."""

    def __init__(self, ack: bool = True) -> None:
        self.ack = ack
        self.deliveries: list[Delivery] = []
        self.cond = threading.Condition()

    def __call__(self, delivery: Delivery) -> None:
        with self.cond:
            self.deliveries.append(delivery)
            self.cond.notify_all()
        if self.ack:
            delivery.ack()

    def wait_for(self, count: int, timeout: float = 5.0) -> list[Delivery]:
        with self.cond:
            assert self.cond.wait_for(lambda: len(self.deliveries) >= count, timeout), self.deliveries
            return list(self.deliveries)


@pytest.fixture
def broker() -> MemoryBroker:
    broker = MemoryBroker()
    broker.declare(TOPOLOGY)
    return broker


@pytest.fixture
def consumers() -> Iterator[list[MemoryConsumer]]:
    started: list[MemoryConsumer] = []
    yield started
    for consumer in started:
        consumer.stop(timeout=0.1)


def consume(
    broker: MemoryBroker, started: list[MemoryConsumer], queue: str, handler: Handler, prefetch: int = 10
) -> MemoryConsumer:
    consumer = broker.consumer([queue], handler, prefetch=prefetch)
    consumer.start()
    started.append(consumer)
    return consumer


@pytest.mark.parametrize(
    ("pattern", "key", "matches"),
    [
        ("bitrix24", "bitrix24", True),
        ("bitrix24", "bitrix24.tasks", False),
        ("bitrix24.*", "bitrix24.tasks", True),
        ("*.tasks", "bitrix24.tasks", True),
        ("#", "a.b.c", True),
        ("a.#", "a", True),
        ("a.#.c", "a.b.b.c", True),
        ("a.*.c", "a.c", False),
        ("#.c", "a.b", False),
    ],
)
def test_topic_wildcards_follow_amqp(pattern: str, key: str, matches: bool) -> None:
    assert topic_matches(pattern, key) is matches


def test_both_implementations_fit_the_service_interfaces(broker: MemoryBroker) -> None:
    transports: list[Transport] = [broker, RabbitTransport(BrokerSettings())]  # checked by mypy
    publisher: MessagePublisher = broker.publisher()
    consumer: MessageConsumer = broker.consumer(["dadata.queue"], Collector())

    assert len(transports) == 2 and publisher is not None and not consumer.is_connected


def test_a_task_routed_by_system_reaches_the_system_queue_and_is_acked(broker, consumers) -> None:
    handler = Collector()
    consume(broker, consumers, "bitrix24.queue", handler)

    broker.publisher().publish(TASKS_EXCHANGE, "bitrix24", b"{}", message_id="m1", headers={"trace": "t"})
    broker.join("bitrix24.queue", timeout=5)

    [delivery] = handler.deliveries
    assert (delivery.message_id, delivery.headers, delivery.queue, delivery.redelivered) == (
        "m1",
        {"trace": "t"},
        "bitrix24.queue",
        False,
    )
    assert broker.unacked("bitrix24.queue") == 0


def test_an_unknown_system_lands_in_the_alternate_exchange_queue(broker: MemoryBroker) -> None:
    broker.publisher().publish(TASKS_EXCHANGE, "nosuchsystem", b"{}", message_id="m1")

    assert broker.bodies(UNROUTED_QUEUE) == [b"{}"]


def test_mandatory_publish_to_a_missing_queue_is_unroutable(broker: MemoryBroker) -> None:
    with pytest.raises(PublishUnroutable):
        broker.publisher().publish("", "nosuch.queue", b"{}", message_id="m1")

    broker.publisher().publish(
        "", "nosuch.queue", b"{}", message_id="m2", mandatory=False
    )  # dropped silently


def test_publish_many_reports_each_item(broker: MemoryBroker) -> None:
    items = [
        OutgoingMessage("", ERRORS_QUEUE, b"1", "a"),
        OutgoingMessage("", "nosuch.queue", b"2", "b"),
        OutgoingMessage("no.such.exchange", "x", b"3", "c"),
    ]

    results = broker.publisher().publish_many(items)

    assert results[0] is None
    assert isinstance(results[1], PublishUnroutable)
    assert type(results[2]) is PublishError
    assert broker.depth(ERRORS_QUEUE) == 1


def test_nack_with_requeue_redelivers_marked_and_without_requeue_drops(broker, consumers) -> None:
    seen: list[bool] = []

    def handler(delivery: Delivery) -> None:
        seen.append(delivery.redelivered)
        if delivery.redelivered:
            delivery.nack(requeue=False)
        else:
            delivery.nack()

    consume(broker, consumers, "dadata.sent.queue", handler)
    broker.publisher().publish("", "dadata.sent.queue", b"{}", message_id="m1")
    broker.join("dadata.sent.queue", timeout=5)

    assert seen == [False, True]
    assert broker.depth("dadata.sent.queue") == 0


def test_prefetch_limits_unsettled_deliveries(broker, consumers) -> None:
    handler = Collector(ack=False)
    consumer = consume(broker, consumers, "bitrix24.queue", handler, prefetch=2)
    for i in range(5):
        broker.publisher().publish(TASKS_EXCHANGE, "bitrix24", b"{}", message_id=str(i))

    held = handler.wait_for(2)

    assert (broker.depth("bitrix24.queue"), consumer.in_flight) == (3, 2)
    held[0].ack()
    handler.wait_for(3)
    assert broker.depth("bitrix24.queue") == 2


def test_a_delay_queue_releases_to_its_queue_after_the_ttl(broker, consumers) -> None:
    handler = Collector()
    consume(broker, consumers, "dadata.queue", handler)

    start = time.monotonic()
    broker.publisher().publish("", TOPOLOGY.retry_queue("dadata.queue", 50), b"{}", message_id="m1")
    [delivery] = handler.wait_for(1)

    assert time.monotonic() - start >= 0.05
    assert delivery.routing_key == "dadata.queue"  # dead-lettered through the default exchange
    broker.join("dadata.queue", timeout=5)


def test_join_waits_for_messages_still_in_a_delay_queue(broker, consumers) -> None:
    handler = Collector()
    consume(broker, consumers, "dadata.queue", handler)
    broker.publisher().publish("", "dadata.queue.retry.50", b"{}", message_id="m1")

    broker.join("dadata.queue", timeout=5)

    assert len(handler.deliveries) == 1


def test_acks_from_worker_threads_settle_every_delivery(broker, consumers) -> None:
    with ThreadPoolExecutor(4) as pool:

        def hand_over(delivery: Delivery) -> None:
            pool.submit(delivery.ack)

        consume(broker, consumers, "bitrix24.queue", hand_over, prefetch=8)
        broker.publisher().publish_many(
            [OutgoingMessage(TASKS_EXCHANGE, "bitrix24", b"{}", str(i)) for i in range(200)]
        )
        broker.join("bitrix24.queue", timeout=5)

    assert broker.unacked("bitrix24.queue") == 0


def test_stop_requeues_unsettled_deliveries_and_ignores_their_late_acks(broker, consumers) -> None:
    handler = Collector(ack=False)
    consumer = broker.consumer(["bitrix24.queue"], handler)
    consumer.start()
    broker.publisher().publish(TASKS_EXCHANGE, "bitrix24", b"{}", message_id="m1")
    [held] = handler.wait_for(1)

    consumer.stop(timeout=0.05)
    held.ack()  # too late: the message is back in the queue

    assert broker.depth("bitrix24.queue") == 1
    again = Collector()
    consume(broker, consumers, "bitrix24.queue", again)
    assert again.wait_for(1)[0].redelivered


def test_stop_waits_for_in_flight_work_to_finish(broker: MemoryBroker) -> None:
    handler = Collector(ack=False)
    consumer = broker.consumer(["bitrix24.queue"], handler)
    consumer.start()
    broker.publisher().publish(TASKS_EXCHANGE, "bitrix24", b"{}", message_id="m1")
    [held] = handler.wait_for(1)

    threading.Timer(0.05, held.ack).start()
    consumer.stop(timeout=5)

    assert (broker.depth("bitrix24.queue"), broker.unacked("bitrix24.queue")) == (0, 0)


def test_a_delivery_settles_only_once(broker, consumers) -> None:
    handler = Collector()
    consume(broker, consumers, "bitrix24.queue", handler)
    broker.publisher().publish(TASKS_EXCHANGE, "bitrix24", b"{}", message_id="m1")
    [delivery] = handler.wait_for(1)

    delivery.nack()  # second settle: ignored, so no redelivery

    broker.join("bitrix24.queue", timeout=5)
    assert len(handler.deliveries) == 1 and delivery.settled


def test_join_raises_the_handlers_exception(broker, consumers) -> None:
    def handler(delivery: Delivery) -> None:
        if not delivery.redelivered:
            raise RuntimeError("boom")
        delivery.ack()

    consume(broker, consumers, "bitrix24.queue", handler)
    broker.publisher().publish(TASKS_EXCHANGE, "bitrix24", b"{}", message_id="m1")

    with pytest.raises(RuntimeError, match="boom"):
        broker.join("bitrix24.queue", timeout=5)
    broker.join("bitrix24.queue", timeout=5)  # the requeued message was handled the second time


def test_join_times_out_when_nobody_consumes(broker: MemoryBroker) -> None:
    broker.publisher().publish(TASKS_EXCHANGE, "bitrix24", b"{}", message_id="m1")

    with pytest.raises(TimeoutError):
        broker.join("bitrix24.queue", timeout=0.05)


def test_an_undeclared_queue_is_a_clear_error() -> None:
    with pytest.raises(KeyError, match="declare it first"):
        MemoryBroker().depth("nosuch.queue")


def test_stop_from_inside_a_handler_finishes_after_the_handler(broker: MemoryBroker) -> None:
    consumer: MemoryConsumer | None = None
    handled = Collector()

    def stop_then_ack(delivery: Delivery) -> None:
        assert consumer is not None
        consumer.stop(timeout=1)  # must not deadlock on its own thread
        handled(delivery)

    consumer = broker.consumer(["bitrix24.queue"], stop_then_ack)
    consumer.start()
    broker.publisher().publish(TASKS_EXCHANGE, "bitrix24", b"{}", message_id="m1")
    handled.wait_for(1)

    consumer.stop(timeout=1)
    assert not consumer.is_connected and broker.unacked("bitrix24.queue") == 0

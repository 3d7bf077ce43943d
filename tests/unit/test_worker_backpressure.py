"""Backpressure: the worker asks for no more tasks than a system's creators start within the lock."""

from __future__ import annotations

from core.config.models import SystemConfig
from core.transport.admin import QueueStats
from tests.unit.fakes import FakeClock
from universal_worker.backpressure import Backpressure

SYSTEMS = {
    "python": SystemConfig(lock_duration_ms=30_000, concurrency=4),  # prefetch 8
    "bitrix24": SystemConfig(lock_duration_ms=600_000, concurrency=2),
}


class Broker:
    """Queue depths and consumers, as a passive declare reports them; routed counts per system."""

    def __init__(self) -> None:
        self.stats: dict[str, QueueStats | None] = {}
        self.routed: dict[str, int] = {}

    def probe(self, queue: str) -> QueueStats | None:
        return self.stats.get(queue)


def rig() -> tuple[Broker, FakeClock, Backpressure]:
    broker, clock = Broker(), FakeClock()
    return broker, clock, Backpressure(broker.probe, SYSTEMS, lambda s: broker.routed.get(s, 0), clock=clock)


def test_until_a_rate_is_seen_the_room_is_what_the_consumers_prefetch_windows_hold() -> None:
    broker, _clock, backpressure = rig()
    broker.stats["python.queue"] = QueueStats(messages=5, consumers=2)

    assert backpressure.room("python") == 2 * 8 - 5


def test_the_observed_drain_rate_sets_how_many_can_wait_within_half_the_lock() -> None:
    broker, clock, backpressure = rig()
    broker.stats["python.queue"] = QueueStats(messages=100, consumers=1)
    backpressure.room("python")

    # Ten seconds later 50 more were routed and the queue holds 50: 100 were taken, 10 per second
    clock.advance(10)
    broker.routed["python"] = 50
    broker.stats["python.queue"] = QueueStats(messages=50, consumers=1)

    # 10/s × 30 s lock × 0.5 = 150 may wait; 50 do
    assert backpressure.room("python") == 150 - 50
    assert backpressure.rate("python") == 10.0


def test_a_queue_that_ran_dry_only_raises_the_rate_it_knows() -> None:
    broker, clock, backpressure = rig()
    broker.stats["python.queue"] = QueueStats(messages=0, consumers=1)
    backpressure.room("python")
    clock.advance(10)
    broker.routed["python"] = 38  # all taken as fast as they came; 8 may sit in the prefetch buffer
    backpressure.room("python")
    assert backpressure.rate("python") == 3.0  # (38 - 8) / 10 s surely started

    clock.advance(10)
    broker.routed["python"] = 48  # fewer arrived: that says nothing about the consumers
    backpressure.room("python")
    assert backpressure.rate("python") == 3.0


def test_full_systems_drop_out_of_the_fetch_and_the_fetch_size_is_their_shared_room() -> None:
    broker, _clock, backpressure = rig()
    broker.stats["python.queue"] = QueueStats(messages=16, consumers=2)  # full: room 0
    broker.stats["bitrix24.queue"] = QueueStats(messages=1, consumers=1)  # room 3

    topics, max_tasks = backpressure.admit({"py.a": ("python",), "b24.task": ("bitrix24",)}, 100)

    assert (topics, max_tasks) == ({"b24.task"}, 3)
    broker.stats["bitrix24.queue"] = QueueStats(messages=4, consumers=1)
    assert backpressure.admit({"py.a": ("python",), "b24.task": ("bitrix24",)}, 100) == (set(), 0)
    assert backpressure.paused == 1


def test_a_queue_without_consumers_takes_no_tasks_until_a_creator_comes() -> None:
    broker, _clock, backpressure = rig()
    broker.stats["python.queue"] = QueueStats(messages=0, consumers=0)

    assert backpressure.room("python") == 0
    assert backpressure.admit({"py.a": ("python",)}, 100) == (set(), 0)
    broker.stats["python.queue"] = QueueStats(messages=0, consumers=1)
    assert backpressure.admit({"py.a": ("python",)}, 100) == ({"py.a"}, 8)


def test_an_undeclared_queue_is_not_limited() -> None:
    _broker, _clock, backpressure = rig()
    assert backpressure.admit({"py.a": ("python",)}, 100) == ({"py.a"}, 100)

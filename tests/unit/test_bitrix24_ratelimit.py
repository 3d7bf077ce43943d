"""The client-side leaky bucket and per-method pauses, on fake clocks."""

from __future__ import annotations

import threading

import pytest

from systems.bitrix24.ratelimit import LeakyBucket, MethodPauses, shared_bucket, shared_pauses


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


def test_burst_passes_then_two_per_second():
    clock = FakeClock()
    bucket = LeakyBucket(2.0, 50, clock=clock, sleep=clock.sleep)
    waits = [bucket.acquire() for _ in range(50)]
    assert waits == [0.0] * 50
    assert clock.now == 0.0
    for _ in range(10):
        bucket.acquire()
    assert clock.sleeps == [pytest.approx(0.5)] * 10
    assert clock.now == pytest.approx(5.0)  # ten more requests took five seconds


def test_idle_time_drains_the_bucket():
    clock = FakeClock()
    bucket = LeakyBucket(2.0, 50, clock=clock, sleep=clock.sleep)
    for _ in range(50):
        bucket.acquire()
    clock.now += 10  # drains 20
    assert bucket.level == pytest.approx(30)
    waits = [bucket.acquire() for _ in range(21)]
    assert waits[:20] == [0.0] * 20
    assert waits[20] == pytest.approx(0.5)


def test_enterprise_limits_are_configuration():
    clock = FakeClock()
    bucket = LeakyBucket(5.0, 250, clock=clock, sleep=clock.sleep)
    assert [bucket.reserve() for _ in range(251)][-2:] == [0.0, pytest.approx(0.2)]


def test_saturate_makes_every_caller_wait():
    clock = FakeClock()
    bucket = LeakyBucket(2.0, 50, clock=clock, sleep=clock.sleep)
    bucket.saturate()
    assert bucket.reserve() == pytest.approx(0.5)


def test_bad_limits_are_refused():
    with pytest.raises(ValueError):
        LeakyBucket(0, 50)
    with pytest.raises(ValueError):
        LeakyBucket(2, 0)


def test_threads_share_one_bucket_without_losing_slots():
    clock = FakeClock()  # frozen: every wait is a reservation in the queue
    bucket = LeakyBucket(2.0, 50, clock=clock)
    waits: list[float] = []
    lock = threading.Lock()
    start = threading.Barrier(8)

    def worker() -> None:
        start.wait()
        for _ in range(25):
            wait = bucket.reserve()
            with lock:
                waits.append(wait)

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=10)
    assert sorted(waits) == [0.0] * 50 + [pytest.approx(0.5 * k) for k in range(1, 151)]


def test_shared_bucket_is_one_per_portal_across_threads():
    found: list[LeakyBucket] = []
    threads = [
        threading.Thread(target=lambda: found.append(shared_bucket("Shared.Example", 2.0, 50)))
        for _ in range(4)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=10)
    assert len({id(b) for b in found}) == 1
    assert shared_bucket("shared.example") is found[0]
    assert shared_bucket("other.example") is not found[0]
    with pytest.raises(ValueError):
        shared_bucket("shared.example", 5.0, 250)
    assert shared_pauses("shared.example") is shared_pauses("SHARED.example")


def test_pauses_are_per_method_until_the_reset():
    clock = FakeClock()
    pauses = MethodPauses(clock=clock)
    pauses.pause("tasks.task.list", 100.0)
    assert pauses.remaining("TASKS.TASK.LIST") == pytest.approx(100)
    assert pauses.remaining("tasks.task.get") == 0
    pauses.pause("tasks.task.list", 50.0)  # an earlier reset does not shorten the pause
    clock.now = 99.0
    assert pauses.remaining("tasks.task.list") == pytest.approx(1)
    clock.now = 100.0
    assert pauses.remaining("tasks.task.list") == 0

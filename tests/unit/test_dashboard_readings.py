"""The services' metrics text as per-system numbers, and rates from two reads of it.

The text is what prometheus-client itself exposes for metrics named and labelled as in
core.metrics.catalog, so the parser is tested against the real format, not a hand-written one.
"""

from __future__ import annotations

import pytest
from prometheus_client import CollectorRegistry, Counter, Gauge, generate_latest

from api.dashboard.readings import RateWindow, Reading, parse_reading


class Service:
    """One service's registry with the metrics the dashboard reads."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.settled = Counter(
            "exchanger_tasks_settled",
            "settled",
            ("system", "topic", "tenant", "outcome", "origin"),
            registry=self.registry,
        )
        self.calls = Counter(
            "exchanger_external_calls", "calls", ("system", "outcome"), registry=self.registry
        )
        self.circuit = Gauge("exchanger_circuit_state", "circuit", ("system",), registry=self.registry)
        self.headroom = Gauge(
            "exchanger_rate_limit_headroom_ratio", "headroom", ("system",), registry=self.registry
        )
        self.tracked = Gauge("exchanger_tracked_in_flight", "tracked", ("system",), registry=self.registry)
        # A metric the dashboard does not read, with a system label: it must be ignored.
        Counter("exchanger_task_retries", "retries", ("system",), registry=self.registry).labels(
            "python"
        ).inc(9)

    def settle(self, system: str, n: int, *, topic: str = "t", outcome: str = "completed") -> None:
        self.settled.labels(system, topic, "", outcome, "engine").inc(n)

    def read(self, at: float) -> Reading:
        return parse_reading(generate_latest(self.registry).decode(), at)


def test_a_read_sums_each_metric_per_system_over_its_other_labels() -> None:
    service = Service()
    service.settle("python", 3, topic="a")
    service.settle("python", 2, topic="b", outcome="failed")
    service.settle("bitrix24", 1)
    service.calls.labels("bitrix24", "ok").inc(40)
    for outcome in ("4xx", "429", "5xx", "transport"):
        service.calls.labels("bitrix24", outcome).inc(1)
    service.circuit.labels("bitrix24").set(1)
    service.headroom.labels("bitrix24").set(0.25)
    service.tracked.labels("bitrix24").set(7)

    reading = service.read(100.0)

    assert reading.settled == {"python": 5, "bitrix24": 1}
    assert reading.calls == {"bitrix24": 44}
    assert reading.failed_calls == {"bitrix24": 4}  # everything but ok
    assert (reading.circuit, reading.headroom, reading.tracked) == (
        {"bitrix24": 1},
        {"bitrix24": 0.25},
        {"bitrix24": 7},
    )
    assert reading.systems == {"python", "bitrix24"}


def test_rates_come_from_the_counters_growth_between_two_reads() -> None:
    service, window = Service(), RateWindow(window_s=60)
    service.settle("python", 10)
    service.calls.labels("python", "ok").inc(8)
    service.calls.labels("python", "5xx").inc(2)
    window.add("creator", service.read(1000.0))
    assert window.numbers()["python"].tasks_per_min is None  # one read: no rate yet

    service.settle("python", 30)  # 30 more in 20 s: 90 a minute
    service.calls.labels("python", "ok").inc(27)
    service.calls.labels("python", "transport").inc(3)
    window.add("creator", service.read(1020.0))

    python = window.numbers()["python"]
    assert python.tasks_per_min == pytest.approx(90.0)
    assert python.calls_per_min == pytest.approx(90.0)
    assert python.error_share == pytest.approx(3 / 30)  # of the calls in the window, not since start


def test_a_system_without_calls_in_the_window_has_no_error_share() -> None:
    service, window = Service(), RateWindow()
    service.calls.labels("dadata", "5xx").inc(5)  # long ago
    window.add("creator", service.read(0.0))
    window.add("creator", service.read(10.0))
    dadata = window.numbers()["dadata"]
    assert (dadata.tasks_per_min, dadata.calls_per_min, dadata.error_share) == (0.0, 0.0, None)


def test_a_counter_that_went_down_counts_from_zero_after_the_restart() -> None:
    window = RateWindow()
    window.add("creator", Reading(at=0.0, settled={"python": 500.0}))
    window.add("creator", Reading(at=30.0, settled={"python": 20.0}))  # restarted, 20 since
    assert window.numbers()["python"].tasks_per_min == pytest.approx(40.0)


def test_the_rate_spans_the_window_and_older_reads_are_dropped() -> None:
    window = RateWindow(window_s=60)
    for second in range(0, 121, 2):  # two minutes of reads every 2 s, 1 task a second
        window.add("creator", Reading(at=float(second), settled={"python": float(second)}))
    assert window.numbers()["python"].tasks_per_min == pytest.approx(60.0)
    # What is kept: the window's reads and the last one before it, nothing older.
    kept = window._reads["creator"]
    assert kept[0].at == 60.0 and kept[-1].at == 120.0


def test_targets_add_up_their_rates_and_the_worst_gauge_wins() -> None:
    window = RateWindow()
    window.add("creator-a", Reading(at=0.0, settled={"bitrix24": 0.0}, circuit={"bitrix24": 0.0}))
    window.add("creator-b", Reading(at=5.0, settled={"bitrix24": 0.0}, circuit={"bitrix24": 0.0}))
    window.add(
        "creator-a",
        Reading(at=60.0, settled={"bitrix24": 30.0}, circuit={"bitrix24": 0.0}, headroom={"bitrix24": 0.8}),
    )
    window.add(
        "creator-b",
        Reading(at=35.0, settled={"bitrix24": 10.0}, circuit={"bitrix24": 2.0}, headroom={"bitrix24": 0.1}),
    )
    window.add("tracker", Reading(at=1.0, tracked={"bitrix24": 4.0}))
    window.add("tracker-2", Reading(at=1.0, tracked={"bitrix24": 3.0}))

    bitrix24 = window.numbers()["bitrix24"]
    assert bitrix24.tasks_per_min == pytest.approx(30.0 + 20.0)
    assert (bitrix24.circuit, bitrix24.headroom, bitrix24.tracked) == (2, 0.1, 7)


def test_a_forgotten_target_no_longer_counts() -> None:
    window = RateWindow()
    window.add("old", Reading(at=0.0, circuit={"python": 2.0}))
    window.add("new", Reading(at=0.0, settled={"dadata": 1.0}))
    window.keep_only(["new"])
    assert set(window.numbers()) == {"dadata"}


def test_text_that_is_not_the_exposition_format_is_a_value_error() -> None:
    with pytest.raises(ValueError):
        parse_reading('exchanger_tasks_settled_total{system="python" 12\n', 0.0)


def test_a_read_without_exchanger_metrics_has_no_systems() -> None:
    registry = CollectorRegistry()
    Counter("http_requests", "other software", ("route",), registry=registry).labels("/").inc()
    assert parse_reading(generate_latest(registry).decode(), 0.0).systems == set()

"""The fetch loop: long polling, backing off from a lost engine or broker, heartbeat, stopping."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from core.camunda import LockedTask
from core.config.models import RoutingRule, SystemConfig, WorkerConfig
from core.errors import BrokerUnavailable, CamundaRequestError, CamundaUnavailable
from core.health import Heartbeat
from tests.unit.fakes import FakeCamunda, FakeClock, StepEvent, captured_logs, engine_task
from universal_worker import loop as loop_module
from universal_worker.dispatch import DispatchStats
from universal_worker.loop import IDLE_PAUSE_S, PRIORITY_MEMORY_S, FetchLoop
from universal_worker.plan import Planner
from universal_worker.routing import Router

SYSTEMS = {"python": SystemConfig(lock_duration_ms=30_000)}
TASKS = [LockedTask.from_json(engine_task("t-1"))]


class FakeDispatcher:
    """Records dispatched batches in the shared event list; raises what it is told to."""

    def __init__(self, events: list[str], *outcomes: Exception | None) -> None:
        self.stats = DispatchStats()
        self.batches: list[list[LockedTask]] = []
        self._events = events
        self._outcomes = list(outcomes)

    def dispatch(self, tasks: Sequence[LockedTask]) -> None:
        self._events.append("dispatch")
        self.batches.append(list(tasks))
        outcome = self._outcomes.pop(0) if self._outcomes else None
        if outcome is not None:
            raise outcome


class Probe:
    """The broker probe: raises the scripted errors, then succeeds."""

    def __init__(self, events: list[str], *errors: Exception) -> None:
        self._events = events
        self._errors = list(errors)

    def __call__(self) -> None:
        if self._errors:
            self._events.append("probe:down")
            raise self._errors.pop(0)
        self._events.append("probe:up")


class Rig:
    """A fetch loop on fakes; every fetch and dispatch is noted in ``events``."""

    def __init__(self, tmp_path: Path, **config: Any) -> None:
        self.events: list[str] = []
        self.stop = StepEvent()
        self.client = FakeCamunda()
        self.client.topics = ["python.echo"]
        self.dispatcher = FakeDispatcher(self.events)
        self.probe = Probe(self.events)
        self.heartbeat = Heartbeat(tmp_path, "universal_worker")
        self.config = WorkerConfig(
            **{
                "async_response_timeout_ms": 30_000,
                "topic_discovery_interval_s": 5.0,
                "fetch_gather_ms": 0,  # the gathering tests switch it on
                **config,
            }
        )
        self.rules = [RoutingRule(topic="python.*", system="python")]

    def fetches(self, *outcomes: Any) -> None:
        """Script the fetches: task lists, exceptions, or callables."""

        def noted(outcome: Any) -> Callable[[], Any]:
            def call() -> Any:
                self.events.append("fetch")
                if isinstance(outcome, Exception):
                    raise outcome
                return outcome() if callable(outcome) else outcome

            return call

        self.client.on("fetch_and_lock", *[noted(o) for o in outcomes])

    def then_stop(self, tasks: list[LockedTask] | None = None) -> Callable[[], list[LockedTask]]:
        def stop() -> list[LockedTask]:
            self.stop.set()
            return tasks or []

        return stop

    def run(self, *, discovers: bool = True) -> FetchLoop:
        router = Router(self.rules, SYSTEMS)
        loop = FetchLoop(
            worker_id="worker-A",
            config=self.config,
            client=self.client,
            planner=Planner(router, SYSTEMS, self.config, self.client, lambda d, a: {}),
            dispatcher=self.dispatcher,  # type: ignore[arg-type]
            heartbeat=self.heartbeat,
            stop=self.stop,
            broker_probe=self.probe,
            discovers=discovers,
        )
        loop.run()
        return loop

    def fetch_kwargs(self) -> list[dict[str, Any]]:
        return [call.kwargs for call in self.client.calls_to("fetch_and_lock")]


@pytest.fixture
def rig(tmp_path: Path) -> Rig:
    return Rig(tmp_path)


def between(value: float | None, low: float, high: float) -> bool:
    return value is not None and low <= value <= high


# -- long polling --------------------------------------------------------------------------------------


def test_the_long_poll_is_capped_by_the_discovery_interval_when_discovery_is_needed(rig: Rig) -> None:
    # Given a 30 s long poll and discovery every 5 s
    rig.fetches(rig.then_stop())

    # When the loop fetches with rules that need discovery
    rig.run(discovers=True)

    # Then the long poll lasts no longer than the discovery interval
    assert rig.fetch_kwargs()[0]["async_response_timeout_ms"] == 5_000


def test_the_long_poll_is_not_capped_when_only_exact_topics_are_routed(rig: Rig) -> None:
    rig.fetches(rig.then_stop())

    rig.run(discovers=False)

    assert rig.fetch_kwargs()[0]["async_response_timeout_ms"] == 30_000


def test_a_long_poll_shorter_than_the_discovery_interval_is_kept(tmp_path: Path) -> None:
    rig = Rig(tmp_path, async_response_timeout_ms=2_000, topic_discovery_interval_s=60.0)
    rig.fetches(rig.then_stop())

    rig.run(discovers=True)

    assert rig.fetch_kwargs()[0]["async_response_timeout_ms"] == 2_000


def test_without_long_polling_an_empty_fetch_pauses_briefly(tmp_path: Path) -> None:
    # Given long polling switched off
    rig = Rig(tmp_path, async_response_timeout_ms=0)
    rig.stop = StepEvent(stop_after_waits=1)
    rig.fetches([])

    # When a fetch comes back empty
    rig.run()

    # Then the request had no timeout and the loop paused before the next one
    assert rig.fetch_kwargs()[0]["async_response_timeout_ms"] is None
    assert rig.stop.waits == [IDLE_PAUSE_S]


def test_a_fetch_asks_for_the_planned_topics_with_the_configured_limits(tmp_path: Path) -> None:
    rig = Rig(tmp_path, max_tasks=7, use_priority=False)
    rig.fetches(rig.then_stop(TASKS))

    rig.run()

    (call,) = rig.client.calls_to("fetch_and_lock")
    assert call.args[0] == "worker-A"
    assert [topic.topic_name for topic in call.args[1]] == ["python.echo"]
    assert (call.kwargs["max_tasks"], call.kwargs["use_priority"]) == (7, False)
    assert rig.dispatcher.batches == [TASKS]


def test_with_nothing_to_fetch_the_loop_waits_for_the_next_discovery(rig: Rig) -> None:
    # Given no topic any rule routes
    rig.client.topics = ["dadata.clean"]
    rig.stop = StepEvent(stop_after_waits=1)

    # When the loop runs
    rig.run()

    # Then it never fetches and waits (at most 5 s) for the next plan
    assert rig.client.calls_to("fetch_and_lock") == []
    assert rig.stop.waits == [5.0]


def test_the_plan_is_refreshed_only_once_the_discovery_interval_has_passed(
    rig: Rig, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given a clock the test moves
    clock = FakeClock()
    monkeypatch.setattr(loop_module, "time", SimpleNamespace(monotonic=clock, perf_counter=time.perf_counter))

    def later(seconds: float) -> Callable[[], list[LockedTask]]:
        def fetch() -> list[LockedTask]:
            clock.advance(seconds)
            return []

        return fetch

    # When three fetches happen within the interval and one after it
    rig.fetches(later(1.0), later(1.0), later(4.0), rig.then_stop())
    rig.run()

    # Then topics were discovered twice: at the start and once the 5 s had passed
    assert len(rig.client.calls_to("fetch_and_lock")) == 4
    assert len(rig.client.calls_to("topic_names")) == 2


# -- the engine goes away ---------------------------------------------------------------------------------


def test_an_unavailable_engine_is_backed_off_from_and_reported_once_until_it_is_back(rig: Rig) -> None:
    # Given an engine that is down for three attempts
    down = CamundaUnavailable("connection refused")
    rig.client.on("topic_names", down, down, down)
    rig.fetches(rig.then_stop())

    # When the loop runs
    with captured_logs() as logs:
        rig.run()

    # Then the pauses grow (0.5 s, 1 s, 2 s steps with jitter)
    first, second, third = rig.stop.waits
    assert between(first, 0.25, 0.5) and between(second, 0.5, 1.0) and between(third, 1.0, 2.0)
    # And the outage is logged once, and so is the recovery
    assert len([line for line in logs if "engine unavailable" in line]) == 1
    assert len([line for line in logs if "engine is back" in line]) == 1
    assert logs.index(next(line for line in logs if "engine is back" in line)) > logs.index(
        next(line for line in logs if "engine unavailable" in line)
    )


def test_an_engine_lost_during_the_fetch_is_backed_off_from_too(rig: Rig) -> None:
    down = CamundaUnavailable("read timeout")
    rig.fetches(down, down, rig.then_stop(TASKS))

    with captured_logs() as logs:
        rig.run()

    assert len(rig.stop.waits) == 2
    assert between(rig.stop.waits[1], 0.5, 1.0)
    assert rig.dispatcher.batches == [TASKS]
    assert [line.split()[0] for line in logs if "engine" in line] == ["ERROR", "INFO"]


def test_the_backoff_starts_small_again_after_the_engine_was_back(rig: Rig) -> None:
    down = CamundaUnavailable("connection refused")
    rig.fetches(down, down, down, [], down, rig.then_stop())

    rig.run()

    assert between(rig.stop.waits[2], 1.0, 2.0)
    assert between(rig.stop.waits[3], 0.25, 0.5)


def test_an_engine_that_comes_back_while_nothing_is_routable_is_reported_back(rig: Rig) -> None:
    # Given an engine that is down once, then up with no routable topic
    rig.client.on("topic_names", CamundaUnavailable("connection refused"))
    rig.client.topics = []
    rig.stop = StepEvent(stop_after_waits=2)

    # When the loop runs
    with captured_logs() as logs:
        rig.run()

    # Then the recovery is noticed although nothing was fetched
    assert rig.client.calls_to("fetch_and_lock") == []
    assert any("engine is back" in line for line in logs)


def test_an_engine_refusing_a_request_is_logged_and_paused_on(rig: Rig) -> None:
    rig.fetches(CamundaRequestError(400, "InvalidRequestException", "bad topic"), rig.then_stop())

    with captured_logs() as logs:
        rig.run()

    assert len(rig.stop.waits) == 1
    assert any(line.startswith("ERROR") and "engine refused a request" in line for line in logs)


# -- the broker goes away ------------------------------------------------------------------------------


def test_with_the_broker_down_nothing_is_fetched_until_the_probe_succeeds(rig: Rig) -> None:
    # Given a broker lost during a dispatch that comes back after two probes
    rig.dispatcher = FakeDispatcher(rig.events, BrokerUnavailable("connection reset"))
    rig.probe = Probe(rig.events, BrokerUnavailable("refused"), BrokerUnavailable("refused"))
    rig.fetches(TASKS, rig.then_stop(TASKS))

    # When the loop runs
    with captured_logs() as logs:
        rig.run()

    # Then it only probed while the broker was away, and fetched again once it was back
    assert rig.events == ["fetch", "dispatch", "probe:down", "probe:down", "probe:up", "fetch", "dispatch"]
    assert len([line for line in logs if "broker unavailable" in line]) == 1
    assert any("broker is reachable again" in line for line in logs)
    assert len(rig.stop.waits) == 3


# -- heartbeat and stopping ------------------------------------------------------------------------------------


def test_the_heartbeat_is_written_while_running_and_removed_on_stop(rig: Rig) -> None:
    seen: list[dict[str, Any]] = []

    def read_heartbeat() -> list[LockedTask]:
        seen.append(json.loads(rig.heartbeat.path.read_text(encoding="utf-8")))
        rig.stop.set()
        return []

    rig.fetches(read_heartbeat)

    rig.run()

    assert seen and seen[0]["engine_down"] is False and seen[0]["broker_down"] is False
    assert {"ts", "pid", "routed", "unlocked", "fetches"} <= set(seen[0])
    assert not rig.heartbeat.path.exists()


def test_a_stop_during_a_fetch_dispatches_what_was_fetched_and_ends_the_loop(rig: Rig) -> None:
    rig.fetches(rig.then_stop(TASKS), [])

    loop = rig.run()

    assert loop.fetches == 1
    assert rig.dispatcher.batches == [TASKS]
    assert rig.stop.waits == []


def test_a_loop_stopped_before_it_starts_fetches_nothing(rig: Rig) -> None:
    rig.stop.set()

    rig.run()

    assert rig.client.calls == []
    assert not rig.heartbeat.path.exists()


# -- gathering under light load ---------------------------------------------------------------------


def test_after_a_partial_batch_the_loop_lets_tasks_gather_before_fetching_again(tmp_path: Path) -> None:
    # Given a worker asking for up to 100 tasks, with a 40 ms gathering window
    rig = Rig(tmp_path, fetch_gather_ms=40)
    rig.fetches(TASKS, rig.then_stop(TASKS))

    # When a fetch brings one task
    rig.run()

    # Then before the next fetch the loop waited what is left of the window, and nothing else
    assert rig.events == ["fetch", "dispatch", "fetch", "dispatch"]
    assert len(rig.stop.waits) == 1 and between(rig.stop.waits[0], 0.001, 0.040)


def test_a_full_batch_or_a_window_of_zero_fetches_again_at_once(tmp_path: Path) -> None:
    # A backlog (the fetch came back full) is fetched without a pause
    full = Rig(tmp_path, max_tasks=1, fetch_gather_ms=40)
    full.fetches(TASKS, full.then_stop(TASKS))
    full.run()
    # And so is everything when gathering is switched off
    off = Rig(tmp_path, fetch_gather_ms=0)
    off.fetches(TASKS, off.then_stop(TASKS))
    off.run()

    assert full.stop.waits == [] and off.stop.waits == []
    assert full.events == off.events == ["fetch", "dispatch", "fetch", "dispatch"]


# -- ordering by priority ----------------------------------------------------------------------------


def plain_tasks() -> list[LockedTask]:
    """A task at the default priority (0); TASKS carry priority 5."""
    return [LockedTask.from_json({**engine_task("t-plain"), "priority": 0})]


def test_by_default_fetches_go_unordered_until_a_task_carries_a_priority(rig: Rig) -> None:
    # Given the shipped default (auto) and tasks without priorities, then one with a priority
    rig.fetches(plain_tasks(), TASKS, plain_tasks(), rig.then_stop(plain_tasks()))

    with captured_logs() as logs:
        rig.run()

    # Then the engine is asked to sort only from the fetch after the one that showed a priority
    assert [kw["use_priority"] for kw in rig.fetch_kwargs()] == [False, False, True, True]
    assert sum("fetching by priority" in line for line in logs) == 1


def test_ordering_stops_once_no_priority_was_seen_for_a_while(
    rig: Rig, monkeypatch: pytest.MonkeyPatch
) -> None:
    clock = FakeClock()
    monkeypatch.setattr("universal_worker.loop.time.monotonic", clock)

    def later(tasks: list[LockedTask]) -> Callable[[], list[LockedTask]]:
        def fetch() -> list[LockedTask]:
            clock.advance(PRIORITY_MEMORY_S / 2 + 1)
            return tasks

        return fetch

    rig.fetches(TASKS, later(plain_tasks()), later(plain_tasks()), rig.then_stop())

    rig.run()

    assert [kw["use_priority"] for kw in rig.fetch_kwargs()] == [False, True, True, False]


@pytest.mark.parametrize("setting", [True, False])
def test_an_explicit_setting_is_kept_whatever_the_tasks_carry(tmp_path: Path, setting: bool) -> None:
    rig = Rig(tmp_path, use_priority=setting)
    rig.fetches(plain_tasks(), TASKS, rig.then_stop(TASKS))

    rig.run()

    assert [kw["use_priority"] for kw in rig.fetch_kwargs()] == [setting] * 3

"""Whole services on the in-memory transport: the creator and the tracker as they run in production,
composed over the shared runtime, with only the broker (and the tracker's engine) swapped."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from core.config.models import AppSettings, CreatorConfig, RoutingRule, SystemConfig
from core.contracts import CompleteOutcome, ResultMessage, TaskRef, parse_result_message
from core.contracts.result import typed
from core.ledger import SqliteLedger, TaskState
from core.transport import MemoryBroker, OutgoingMessage
from core.transport.topology import RESPONSES_QUEUE, sent_queue, system_queue
from task_creator import app as creator_app
from task_tracker import app as tracker_app
from tests.support.handlers import counts
from tests.support.waiting import wait_for
from tests.unit.fakes import FakeCamunda, captured_logs, route, task_message


def settings(tmp_path: Path) -> AppSettings:
    options = {"handler_modules": ["tests.support.handlers"], "effects_db": str(tmp_path / "effects.sqlite3")}
    return AppSettings(
        state_dir=tmp_path / "state",
        systems={"python": SystemConfig(concurrency=2, options=options)},
        routing=[RoutingRule(topic="e2e.*", system="python")],
    )


Start = Callable[[Callable[[threading.Event], None]], threading.Event]


@pytest.fixture
def service() -> Iterator[Start]:
    """Starts a service body on a thread; stops it (and checks it ended) after the test."""
    running: list[tuple[threading.Thread, threading.Event]] = []

    def start(body: Callable[[threading.Event], None]) -> threading.Event:
        stop = threading.Event()
        thread = threading.Thread(target=body, args=(stop,), daemon=True)
        thread.start()
        running.append((thread, stop))
        return stop

    yield start
    for thread, stop in running:
        stop.set()
        thread.join(30)
        assert not thread.is_alive(), "the service did not stop"


def publish(broker: MemoryBroker, queue: str, body: bytes) -> None:
    broker.publisher().publish_many([OutgoingMessage("", queue, body, str(uuid.uuid4()))])


def test_a_whole_creator_handles_a_task_and_stops_in_order(tmp_path: Path, service: Start) -> None:
    # A creator that cannot reach the engine: its results go to the tracker.
    config = settings(tmp_path).model_copy(update={"creator": CreatorConfig(complete_in_engine=False)})
    broker = MemoryBroker()
    stop = service(lambda stop: creator_app.run(config, ["python"], stop, transport=broker))
    heartbeat = config.state_dir / "task_creator.python.heartbeat"

    publish(broker, system_queue("python"), task_message("t-1", topic="e2e.count").to_json())

    wait_for(lambda: broker.depth(sent_queue("python")) == 1, timeout=10, what="the result record")
    result = parse_result_message(broker.bodies(sent_queue("python"))[0])
    assert isinstance(result.outcome, CompleteOutcome) and result.outcome.variables["doubled"].value == 0
    assert counts(str(tmp_path / "effects.sqlite3"))["effects"] == 1
    wait_for(heartbeat.exists, timeout=5, what="the heartbeat")
    stop.set()
    wait_for(lambda: not heartbeat.exists(), timeout=30, what="the heartbeat to be cleared at stop")
    assert broker.depth(system_queue("python")) == 0 and broker.unacked(system_queue("python")) == 0
    ledger = SqliteLedger(config.state_dir / "ledger.sqlite3")
    assert ledger.get("t-1").state is TaskState.RESULT  # type: ignore[union-attr]
    ledger.close()


def test_a_whole_creator_completes_an_immediate_task_in_the_engine_itself(
    tmp_path: Path, service: Start
) -> None:
    config, broker, engine = settings(tmp_path), MemoryBroker(), FakeCamunda()
    with captured_logs("INFO") as logs:
        service(lambda stop: creator_app.run(config, ["python"], stop, transport=broker, engine=engine))
        publish(broker, system_queue("python"), task_message("t-1", topic="e2e.count").to_json())
        # the task's "handled" line follows within the lines' write interval
        (handled,) = wait_for(
            lambda: [line for line in logs if line.startswith("INFO handled ")],
            timeout=10,
            what="the log line",
        )

    assert handled.startswith(
        "INFO handled topic=e2e.count system=python outcome=complete -> completed tasks=1: task=t-1 "
    )
    (call,) = wait_for(lambda: engine.calls_to("complete"), timeout=10, what="the completion")
    assert call.args[:2] == ("t-1", "worker-A")
    assert call.args[2]["doubled"].value == 0
    ledger = SqliteLedger(config.state_dir / "ledger.sqlite3")
    wait_for(lambda: broker.unacked(system_queue("python")) == 0, timeout=10, what="the task message acked")
    # the final mark follows within the marks' flush interval
    wait_for(
        lambda: ledger.get("t-1").state is TaskState.COMPLETED,  # type: ignore[union-attr]
        timeout=5,
        what="the ledger's final mark",
    )
    assert broker.depth(sent_queue("python")) == 0
    ledger.close()


def test_a_whole_tracker_settles_results_in_the_engine(tmp_path: Path, service: Start) -> None:
    config, broker, engine = settings(tmp_path), MemoryBroker(), FakeCamunda()
    ledger = SqliteLedger(config.state_dir / "ledger.sqlite3")
    route(ledger, "t-1", worker_id="worker-A")
    service(lambda stop: tracker_app.run(config, None, stop, transport=broker, engine=engine))

    finished = ResultMessage(
        external_task_id="t-1",
        outcome=CompleteOutcome(variables=typed({"ok": True})),
        system="python",
        task=TaskRef(worker_id="worker-A"),
    )
    publish(broker, sent_queue("python"), finished.to_json())
    publish(broker, RESPONSES_QUEUE, b"{not json")

    wait_for(lambda: ledger.get("t-1").state is TaskState.COMPLETED, timeout=10, what="the task settled")  # type: ignore[union-attr]
    (call,) = engine.calls_to("complete")
    assert call.args[:2] == ("t-1", "worker-A")
    wait_for(lambda: broker.depth("errors.camunda_tasks.queue") == 1, timeout=10, what="the poison message")
    assert broker.unacked(sent_queue("python")) == 0
    ledger.close()

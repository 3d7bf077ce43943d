"""Dispatching locked tasks: every task is either confirmed on its system's queue or unlocked."""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from core.bpmn import BpmnCache
from core.camunda import LockedTask
from core.config.models import RoutingRule, SystemConfig
from core.contracts import parse_task_message
from core.errors import BrokerUnavailable, CamundaUnavailable, PublishUnroutable
from core.ledger import SqliteLedger, TaskState
from core.transport import TASKS_EXCHANGE, MemoryBroker, OutgoingMessage, Topology
from tests.unit.fakes import FakeCamunda, ScriptedPublisher, captured_logs, engine_task
from universal_worker import dispatch
from universal_worker.dispatch import Dispatcher
from universal_worker.routing import Router

SYSTEMS = {
    "bitrix24": SystemConfig(kind="tracked", lock_duration_ms=600_000),
    "python": SystemConfig(lock_duration_ms=30_000),
}
RULES = [
    RoutingRule(topic="python.*", system="python"),
    RoutingRule(property={"system": "bitrix24"}, system="bitrix24"),
]
ORDERS_BPMN = """<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
    xmlns:camunda="http://camunda.org/schema/1.0/bpmn" id="d" targetNamespace="http://exchanger.test">
  <bpmn:process id="orders" name="Orders" isExecutable="true">
    <bpmn:serviceTask id="to_bitrix" name="Create a Bitrix24 task" camunda:type="external" camunda:topic="crm.create">
      <bpmn:extensionElements><camunda:properties>
        <camunda:property name="system" value="bitrix24"/>
      </camunda:properties></bpmn:extensionElements>
    </bpmn:serviceTask>
    <bpmn:serviceTask id="echo" name="Echo" camunda:type="external" camunda:topic="python.echo"/>
  </bpmn:process>
</bpmn:definitions>"""


class Loader:
    """The BPMN loader behind the cache: definition id → XML, or an error to raise."""

    def __init__(self) -> None:
        self.documents: dict[str, str | Exception] = {"orders:1:a": ORDERS_BPMN}
        self.loads: list[str] = []

    def __call__(self, definition_id: str) -> str:
        self.loads.append(definition_id)
        document = self.documents[definition_id]
        if isinstance(document, Exception):
            raise document
        return document


class World:
    def __init__(self, tmp_path: Path) -> None:
        self.broker = MemoryBroker()
        self.broker.declare(Topology.for_systems(SYSTEMS))
        self.client = FakeCamunda()
        self.ledger = SqliteLedger(tmp_path / "ledger.sqlite3")
        self.loader = Loader()
        self.cache = BpmnCache(self.loader)
        self.router = Router(RULES, SYSTEMS)

    def dispatcher(self, publisher: Any = None) -> Dispatcher:
        return Dispatcher(
            self.client,
            publisher or self.broker.publisher(),
            self.ledger,
            self.router,
            dict(SYSTEMS),
            self.cache,
        )

    def published(self, queue: str) -> list[OutgoingMessage]:
        """Take every ready message of ``queue`` (settled at once)."""
        items = []
        for _ in range(self.broker.depth(queue)):
            taken = self.broker.take([queue], lambda _: True, threading.Event())
            assert taken is not None
            self.broker.settle(queue, taken[1], ack=True, requeue=False)
            items.append(taken[1].item)
        return items

    def unlocked(self) -> list[str]:
        return [call.args[0] for call in self.client.calls_to("unlock")]


@pytest.fixture
def world(tmp_path: Path) -> Iterator[World]:
    world = World(tmp_path)
    yield world
    world.ledger.close()


def task(task_id: str, topic: str = "python.echo", activity: str = "echo", **kw: Any) -> LockedTask:
    return LockedTask.from_json(
        engine_task(task_id, topic=topic, activity_id=activity, definition_id="orders:1:a", **kw)
    )


def bitrix_task(task_id: str) -> LockedTask:
    return task(task_id, topic="crm.create", activity="to_bitrix")


def unroutable_task(task_id: str) -> LockedTask:
    return task(task_id, topic="nobody.listens", activity="echo")


# -- routed tasks ---------------------------------------------------------------------------------------


def test_a_routed_task_is_published_to_its_system_with_headers_and_recorded(world: World) -> None:
    # Given a python.* task
    dispatcher = world.dispatcher()

    # When it is dispatched
    dispatcher.dispatch([task("t-1")])

    # Then one message waits on python.queue, routed by the system name through the tasks exchange
    (message,) = world.published("python.queue")
    assert message.exchange == TASKS_EXCHANGE
    assert message.routing_key == "python"
    assert message.mandatory is True
    assert message.headers == {
        "exchanger-topic": "python.echo",
        "exchanger-task-id": "t-1",
        "exchanger-process-instance": "instance-1",
        "exchanger-system": "python",
    }
    # And the body is a valid task message that names the ledger's ids
    body = parse_task_message(message.body)
    entry = world.ledger.get("t-1")
    assert entry is not None and entry.state is TaskState.ROUTED
    assert message.message_id == body.message_id == entry.message_id
    assert body.trace_id == entry.record_id
    assert (body.routing.system, body.routing.rule, body.task.lock_duration_ms) == ("python", 1, 30_000)
    assert entry.lock_duration_ms == 30_000
    # And nothing was unlocked
    assert world.unlocked() == []
    assert (dispatcher.stats.routed, dispatcher.stats.unlocked) == (1, 0)
    assert dispatcher.stats.by_system == {"python": 1}


def test_a_task_is_routed_by_the_property_its_bpmn_activity_carries(world: World) -> None:
    dispatcher = world.dispatcher()

    dispatcher.dispatch([bitrix_task("t-1")])

    (message,) = world.published("bitrix24.queue")
    body = parse_task_message(message.body)
    assert body.routing.rule == 2
    assert body.activity.name == "Create a Bitrix24 task"
    assert world.published("python.queue") == []


def test_a_refetched_task_still_queued_is_not_routed_again(world: World) -> None:
    # Given a task dispatched once, its message waiting in the queue
    dispatcher = world.dispatcher()
    dispatcher.dispatch([task("t-1")])

    # When its lock runs out and another worker fetches it again
    dispatcher.dispatch([task("t-1", worker_id="worker-B")])

    # Then no second message goes out; the ledger knows the new lock holder and counts the re-fetch
    (only,) = world.published("python.queue")
    assert only.headers["exchanger-task-id"] == "t-1"  # type: ignore[index]
    entry = world.ledger.get("t-1")
    assert entry is not None and entry.worker_id == "worker-B"
    assert (dispatcher.stats.refetched, dispatcher.stats.suppressed, dispatcher.stats.routed) == (1, 1, 1)


def test_a_refetched_task_whose_message_never_went_out_is_routed_again_under_its_message_id(
    world: World,
) -> None:
    # Given a task whose publish was returned (so it was unlocked, and is not in the broker)
    dispatcher = world.dispatcher(ScriptedPublisher([PublishUnroutable("returned")], [None]))
    dispatcher.dispatch([task("t-1")])
    first_id = world.ledger.get("t-1").message_id  # type: ignore[union-attr]

    # When the engine hands it out again
    dispatcher.dispatch([task("t-1", worker_id="worker-B")])

    # Then it is routed again, under the message id it was first given
    assert (dispatcher.stats.refetched, dispatcher.stats.suppressed, dispatcher.stats.routed) == (1, 0, 1)
    entry = world.ledger.get("t-1")
    assert entry is not None and entry.message_id == first_id and entry.routed_at is not None


def test_a_refetched_task_queued_longer_than_trusted_or_already_answered_is_routed_again(
    world: World,
) -> None:
    dispatcher = world.dispatcher()
    dispatcher.dispatch([task("t-1"), task("t-2")])
    first_round = world.published("python.queue")
    # t-1's message went out long ago (a purged queue would look like this); t-2 has a result
    world.ledger._execute("UPDATE tasks SET routed_at = routed_at - 3600 WHERE external_task_id = 't-1'")
    world.ledger.record_result("t-2", TaskState.RESULT, "{}")

    dispatcher.dispatch([task("t-1", worker_id="worker-B"), task("t-2", worker_id="worker-B")])

    first, second = world.published("python.queue")
    assert [first.headers["exchanger-task-id"], second.headers["exchanger-task-id"]] == ["t-1", "t-2"]  # type: ignore[index]
    assert first.message_id == first_round[0].message_id
    assert (dispatcher.stats.refetched, dispatcher.stats.suppressed) == (2, 0)


def test_a_refetched_task_whose_handler_runs_is_not_routed_again(world: World) -> None:
    dispatcher = world.dispatcher()
    dispatcher.dispatch([task("t-1")])
    world.ledger.mark_queued("t-1", False)  # delivered to a creator...
    assert world.ledger.claim("t-1", "creator-1", lease_s=30)  # ...which is running it

    dispatcher.dispatch([task("t-1", worker_id="worker-B")])

    assert len(world.published("python.queue")) == 1
    assert dispatcher.stats.suppressed == 1


# -- unroutable and unpublishable tasks ----------------------------------------------------------------


def test_a_task_no_rule_routes_is_unlocked_and_not_published(world: World) -> None:
    dispatcher = world.dispatcher()

    dispatcher.dispatch([unroutable_task("t-1"), task("t-2")])

    assert world.unlocked() == ["t-1"]
    assert [m.headers["exchanger-task-id"] for m in world.published("python.queue")] == ["t-2"]  # type: ignore[index]
    assert world.broker.depth("unrouted.camunda_tasks.queue") == 0
    assert world.ledger.get("t-1") is None
    assert (dispatcher.stats.routed, dispatcher.stats.unlocked) == (1, 1)


def test_a_publish_error_for_one_item_unlocks_that_task_only(world: World) -> None:
    # Given a publisher that confirms the first message and returns the second as unroutable
    publisher = ScriptedPublisher([None, PublishUnroutable("returned"), None])
    dispatcher = world.dispatcher(publisher)

    # When three tasks are dispatched in one batch
    dispatcher.dispatch([task("t-1"), task("t-2"), task("t-3")])

    # Then they went out in one batch and only the failed one is unlocked
    assert len(publisher.batches) == 1
    assert [m.headers["exchanger-task-id"] for m in publisher.batches[0]] == ["t-1", "t-2", "t-3"]  # type: ignore[index]
    assert world.unlocked() == ["t-2"]
    assert (dispatcher.stats.routed, dispatcher.stats.unlocked) == (2, 1)


def test_a_batch_is_logged_in_one_line_per_system_and_topic_naming_each_routed_task(world: World) -> None:
    # Given a publisher that returns the second python task as unroutable
    publisher = ScriptedPublisher([None, PublishUnroutable("returned"), None, None])
    dispatcher = world.dispatcher(publisher)

    # When a batch of three python tasks and a bitrix24 task is dispatched
    with captured_logs("INFO") as logs:
        dispatcher.dispatch(
            [task("t-1"), task("t-2"), task("t-3", instance_id="instance-3"), bitrix_task("t-4")]
        )

    # Then one "routed" line per system and topic names each task that went out, with its instance
    routed = [line for line in logs if line.startswith("INFO routed ")]
    assert len(routed) == 2
    python_line, bitrix_line = routed
    assert "topic=python.echo system=python tasks=2 " in python_line
    assert python_line.endswith(": task=t-1 instance=instance-1; task=t-3 instance=instance-3")
    assert "task=t-2" not in python_line  # unlocked, not routed
    assert "topic=crm.create system=bitrix24 tasks=1 " in bitrix_line and bitrix_line.endswith(
        "task=t-4 instance=instance-1"
    )


def test_a_large_batch_is_logged_in_lines_of_a_bounded_length(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(dispatch, "ROUTED_PER_LINE", 2)

    with captured_logs("INFO") as logs:
        world.dispatcher().dispatch([task(f"t-{n}") for n in range(5)])

    routed = [line for line in logs if line.startswith("INFO routed ")]
    assert [line.count("task=t-") for line in routed] == [2, 2, 1]
    assert sorted(id for line in routed for id in re.findall(r"task=(t-\d)", line)) == [
        f"t-{n}" for n in range(5)
    ]


def test_a_lost_broker_unlocks_every_task_of_the_batch_and_is_raised(world: World) -> None:
    # Given a broker that goes away during the publish
    dispatcher = world.dispatcher(ScriptedPublisher(BrokerUnavailable("connection reset")))

    # When a batch is dispatched
    with pytest.raises(BrokerUnavailable):
        dispatcher.dispatch([task("t-1"), unroutable_task("t-2"), bitrix_task("t-3")])

    # Then every task is unlocked exactly once (the unroutable one before the publish)
    assert sorted(world.unlocked()) == ["t-1", "t-2", "t-3"]
    assert dispatcher.stats.routed == 0


def test_a_batch_is_recorded_with_one_ledger_commit(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    # Given a ledger that counts its transactions
    batches: list[int] = []
    record_many = world.ledger.record_routed_many

    def counted(tasks: Any) -> Any:
        batches.append(len(tasks))
        return record_many(tasks)

    monkeypatch.setattr(world.ledger, "record_routed_many", counted)
    monkeypatch.setattr(world.ledger, "record_routed", lambda _task: pytest.fail("one commit per task"))

    # When a fetched batch with an unroutable task is dispatched
    world.dispatcher().dispatch([task("t-1"), unroutable_task("t-2"), task("t-3"), bitrix_task("t-4")])

    # Then the three routed tasks went into the ledger together and all were published
    assert batches == [3]
    assert len(world.published("python.queue")) == 2 and len(world.published("bitrix24.queue")) == 1


def test_a_ledger_that_refuses_the_batch_unlocks_every_task_and_publishes_nothing(world: World) -> None:
    # Given a ledger that cannot be written (its table is gone)
    world.ledger._execute("DROP TABLE tasks")
    dispatcher = world.dispatcher()

    # When a batch is dispatched
    with captured_logs() as logs:
        dispatcher.dispatch([task("t-1"), bitrix_task("t-2")])

    # Then no message goes out and each task is unlocked with the ledger named as the cause
    assert world.published("python.queue") == [] and world.published("bitrix24.queue") == []
    assert sorted(world.unlocked()) == ["t-1", "t-2"]
    assert sum("could not record it in the ledger" in line for line in logs) == 2


def test_a_task_that_cannot_be_unlocked_is_left_to_its_lock_expiry(world: World) -> None:
    # Given an engine that refuses the unlock
    world.client.fail_for[("unlock", "t-1")] = CamundaUnavailable("engine down")
    dispatcher = world.dispatcher()

    # When an unroutable task is dispatched with a routable one
    with captured_logs() as logs:
        dispatcher.dispatch([unroutable_task("t-1"), task("t-2")])

    # Then the error is logged, and the rest of the batch still goes out
    assert any("t-1 could not be unlocked" in line and line.startswith("ERROR") for line in logs)
    assert len(world.published("python.queue")) == 1


# -- BPMN metadata trouble ---------------------------------------------------------------------------------


def test_a_bpmn_that_cannot_be_parsed_still_routes_the_task_and_warns_once(world: World) -> None:
    # Given a definition whose XML is broken
    world.loader.documents["orders:1:a"] = "<bpmn:definitions"
    dispatcher = world.dispatcher()

    # When tasks of it are dispatched in two rounds
    with captured_logs() as logs:
        dispatcher.dispatch([task("t-1"), task("t-2")])
        dispatcher.dispatch([task("t-3")])

    # Then they are routed by topic, without metadata
    messages = world.published("python.queue")
    assert len(messages) == 3
    assert parse_task_message(messages[0].body).activity.name is None
    assert world.unlocked() == []
    # And one warning names the definition
    warnings = [line for line in logs if line.startswith("WARNING") and "no BPMN metadata" in line]
    assert len(warnings) == 1
    assert "orders:1:a" in warnings[0]


def test_a_task_routed_only_by_bpmn_properties_is_unlocked_when_the_bpmn_is_unreadable(world: World) -> None:
    world.loader.documents["orders:1:a"] = "<not-bpmn/>"
    dispatcher = world.dispatcher()

    dispatcher.dispatch([bitrix_task("t-1")])

    assert world.unlocked() == ["t-1"]
    assert world.published("bitrix24.queue") == []


def test_an_engine_outage_while_loading_the_bpmn_unlocks_the_task(world: World) -> None:
    # Given the engine fails while the BPMN is fetched
    world.loader.documents["orders:1:a"] = CamundaUnavailable("connection refused")
    dispatcher = world.dispatcher()

    # When the task is dispatched
    dispatcher.dispatch([task("t-1")])

    # Then it is unlocked (it comes back later) and not published
    assert world.unlocked() == ["t-1"]
    assert world.published("python.queue") == []


def test_the_bpmn_of_a_definition_is_loaded_once_for_many_tasks(world: World) -> None:
    dispatcher = world.dispatcher()

    dispatcher.dispatch([task("t-1"), task("t-2"), bitrix_task("t-3")])

    assert world.loader.loads == ["orders:1:a"]

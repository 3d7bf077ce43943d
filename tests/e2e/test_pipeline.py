"""The whole pipeline — worker, creator, tracker as separate processes — on the real services."""

from __future__ import annotations

import sqlite3
import uuid
from datetime import UTC, datetime

import pytest

from core.camunda import CamundaClient, FetchTopic
from core.contracts import CompleteOutcome, ResultMessage
from core.contracts.result import typed
from core.ledger import LedgerEntry, RoutedTask, SqliteLedger, TaskState
from core.transport import Publisher
from core.transport.topology import ERRORS_QUEUE, RESPONSES_QUEUE, sent_queue, system_queue
from tests.support.bpmn import Step, chain_process
from tests.support.handlers import counts
from tests.support.suite import SHORT_CLAIM_LEASE_S, Suite, drain
from tests.support.waiting import wait_for
from tests.unit.fakes import task_message

pytestmark = pytest.mark.e2e


def deploy(camunda: CamundaClient, key: str, steps: list[Step]) -> None:
    camunda.create_deployment(f"e2e-{key}", {f"{key}.bpmn": chain_process(key, steps).encode()})


def start_all(suite: Suite) -> None:
    services = (("worker", ()), ("creator", ("--system", "python")), ("tracker", ()))
    for name, args in services:
        suite.start(name, *args)
    suite.wait_all_healthy(services)


def finished(camunda: CamundaClient, key: str) -> int:
    return len(camunda.history_process_instances(processDefinitionKey=key, finished=True))


def test_instances_complete_with_typed_results(
    suite: Suite, camunda: CamundaClient, unique: str, effects_db: str
) -> None:
    key = f"p{unique}"
    deploy(camunda, key, [Step("one", "e2e.count"), Step("two", "e2e.count"), Step("three", "e2e.count")])
    instances = [camunda.start_process_instance(key, variables={"n": i})["id"] for i in range(500)]
    start_all(suite)
    wait_for(lambda: finished(camunda, key) == 500, timeout=240, interval=1, what="500 instances to finish")
    assert counts(effects_db) == {"calls": 1500, "tasks": 1500, "effects": 1500}
    values = camunda.history_variables(instances[7])
    assert values["doubled"] == 14 and values["big"] == 2**40 + 7 and values["ratio"] == 1.75
    assert values["even"] is False and values["nothing"] is None
    assert values["when"] == datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
    assert values["payload"] == {"n": 7, "items": [0, 1, 2]}
    assert camunda.list_incidents(processDefinitionKeyIn=key) == []


def test_the_creator_completes_immediate_tasks_in_the_engine_with_no_tracker_running(
    suite: Suite, camunda: CamundaClient, unique: str, effects_db: str
) -> None:
    # Given instances of two immediate steps, and only the worker and the creator
    key = f"p{unique}"
    deploy(camunda, key, [Step("one", "e2e.count"), Step("two", "e2e.count")])
    instances = [camunda.start_process_instance(key, variables={"n": i})["id"] for i in range(30)]
    services = (("worker", ()), ("creator", ("--system", "python")))
    for name, args in services:
        suite.start(name, *args)
    suite.wait_all_healthy(services)

    # Then every instance ends with its results, and no result record waits for a tracker
    wait_for(lambda: finished(camunda, key) == 30, timeout=120, interval=0.5, what="30 instances to finish")
    assert camunda.history_variables(instances[3])["doubled"] == 6
    assert counts(effects_db) == {"calls": 60, "tasks": 60, "effects": 60}
    assert suite.queue_depth(sent_queue("python")) == 0

    def ledger_states() -> dict[str, int]:
        with sqlite3.connect(suite.state_dir / "ledger.sqlite3") as conn:
            return dict(conn.execute("SELECT state, COUNT(*) FROM tasks GROUP BY state").fetchall())

    # And the ledger's final marks follow in groups, within a flush interval
    wait_for(lambda: ledger_states() == {"completed": 60}, timeout=10, what="60 tasks marked completed")


def test_a_completion_the_engine_does_not_accept_goes_to_the_tracker(suite: Suite, unique: str) -> None:
    # Given a task message for an engine task that does not exist (completed elsewhere, say)
    task_id = f"gone-{unique}"
    suite.start("creator", "--system", "python")
    suite.wait_healthy("creator", "--system", "python")
    with Publisher(suite.broker()) as publisher:
        body = task_message(task_id, topic="e2e.count", worker_id="e2e-worker").to_json()
        publisher.publish("", system_queue("python"), body, message_id=str(uuid.uuid4()))

    # Then the engine's 404 sends the result record on to the tracker, whose gone-check decides
    wait_for(lambda: suite.queue_depth(sent_queue("python")) == 1, timeout=30, what="the result record")
    ((_, record),) = drain(suite.broker(), sent_queue("python"))
    assert record["external_task_id"] == task_id and record["outcome"]["kind"] == "complete"


def test_a_task_whose_creator_died_before_its_final_mark_is_marked_from_the_engine(
    suite: Suite, camunda: CamundaClient, unique: str
) -> None:
    # Given a task the engine completed, whose creator stored the result under its claim and died
    # before the ledger's final mark: the claim has run out and the task message was acked
    key = f"p{unique}"
    deploy(camunda, key, [Step("one", f"left.{unique}")])
    instance = camunda.start_process_instance(key)["id"]
    (task,) = camunda.fetch_and_lock("e2e-worker", [FetchTopic(f"left.{unique}", 60_000)], max_tasks=1)
    camunda.complete(task.id, "e2e-worker", {"done": True})
    ledger = SqliteLedger(suite.state_dir / "ledger.sqlite3")
    ledger.record_routed(
        RoutedTask(task.id, "m-left", "python", task.topic_name, instance, key, "one", "e2e-worker", 60_000)
    )
    assert ledger.claim(task.id, "dead-creator", 0.01)
    result = ResultMessage(
        external_task_id=task.id, outcome=CompleteOutcome(), message_id="m-left", system="python"
    )
    ledger.record_result(task.id, TaskState.RESULT, result.to_json().decode(), keep_claim=True)

    # When a creator of the system and the tracker run
    for name, args in (("creator", ("--system", "python")), ("tracker", ())):
        suite.start(name, *args)

    # Then the creator hands the result to the tracker, which meets the engine's 404 and marks
    # the task completed from the engine's log; the dead claim is gone
    def settled() -> LedgerEntry | None:
        entry = ledger.get(task.id)
        return entry if entry is not None and entry.state is TaskState.COMPLETED else None

    entry = wait_for(settled, timeout=60, what="the leftover marked completed")
    assert entry is not None and entry.claim_owner is None
    assert suite.queue_depth(sent_queue("python")) == 0
    ledger.close()


def test_retries_then_success_and_exhaustion_to_incident(
    suite: Suite, camunda: CamundaClient, unique: str, effects_db: str
) -> None:
    flaky_key, broken_key = f"p{unique}", f"q{unique}"
    deploy(camunda, flaky_key, [Step("flaky", "e2e.flaky")])
    deploy(camunda, broken_key, [Step("broken", "e2e.broken")])
    flaky = camunda.start_process_instance(flaky_key)["id"]
    broken = camunda.start_process_instance(broken_key)["id"]
    start_all(suite)
    wait_for(lambda: finished(camunda, flaky_key) == 1, timeout=60, what="the flaky task to succeed")
    assert camunda.history_variables(flaky)["attempts_needed"] == 3
    incidents = wait_for(
        lambda: camunda.list_incidents(processInstanceId=broken), timeout=60, what="an incident"
    )
    assert incidents[0]["incidentType"] == "failedExternalTask"
    assert "failed after 3 attempts" in incidents[0]["incidentMessage"]
    assert "the upstream is down" in incidents[0]["incidentMessage"]


def test_bpmn_error_caught_takes_the_error_path_and_uncaught_is_an_incident(
    suite: Suite, camunda: CamundaClient, unique: str
) -> None:
    key = f"p{unique}"
    deploy(camunda, key, [Step("check", "e2e.business", catches=("NO_STOCK",))])
    caught = camunda.start_process_instance(key, variables={"code": "NO_STOCK"})["id"]
    uncaught = camunda.start_process_instance(key, variables={"code": "NO_MONEY"})["id"]
    start_all(suite)
    wait_for(lambda: finished(camunda, key) == 1, timeout=60, what="the caught error path")
    path = {row["activityId"] for row in camunda.history_activity_instances(caught)}
    assert "End_Boundary_check_NO_STOCK" in path and "end" not in path
    assert camunda.history_variables(caught)["reason"] == "rule"
    incidents = wait_for(
        lambda: camunda.list_incidents(processInstanceId=uncaught), timeout=60, what="an incident"
    )
    assert "BPMN error NO_MONEY is not caught by activity check" in incidents[0]["incidentMessage"]


def test_a_poison_message_goes_to_the_error_queue_and_work_goes_on(
    suite: Suite, camunda: CamundaClient, unique: str
) -> None:
    key = f"p{unique}"
    deploy(camunda, key, [Step("one", "e2e.count")])
    start_all(suite)
    with Publisher(suite.broker()) as publisher:
        publisher.publish("", system_queue("python"), b"{not json", message_id="poison-1")
        publisher.publish(
            "", system_queue("python"), b'{"schema": "exchanger.task/1"}', message_id="poison-2"
        )
    wait_for(lambda: suite.queue_depth(ERRORS_QUEUE) == 2, timeout=30, what="two messages in the error queue")
    camunda.start_process_instance(key, variables={"n": 1})
    wait_for(lambda: finished(camunda, key) == 1, timeout=60, what="a normal task after the poison")


def test_a_response_from_someone_else_completes_its_task(
    suite: Suite, camunda: CamundaClient, unique: str
) -> None:
    key = f"p{unique}"
    deploy(camunda, key, [Step("outside", f"outside.{unique}")])
    instance = camunda.start_process_instance(key)["id"]
    (task,) = camunda.fetch_and_lock("someone-else", [FetchTopic(f"outside.{unique}", 60_000)], max_tasks=1)
    suite.start("tracker")
    suite.wait_healthy("tracker")
    response = ResultMessage(
        external_task_id=task.id,
        outcome=CompleteOutcome(variables=typed({"approved": True, "note": "by phone"})),
        task={"worker_id": "someone-else"},  # type: ignore[arg-type]
    )
    with Publisher(suite.broker()) as publisher:
        publisher.publish("", RESPONSES_QUEUE, response.to_json(), message_id=str(uuid.uuid4()))
    wait_for(lambda: finished(camunda, key) == 1, timeout=30, what="the response to complete the task")
    assert camunda.history_variables(instance)["approved"] is True


@pytest.mark.parametrize("victim", ["creator", "tracker"])
def test_sigkill_of_a_service_loses_and_duplicates_nothing(
    suite: Suite, camunda: CamundaClient, unique: str, effects_db: str, victim: str
) -> None:
    key = f"p{unique}"
    deploy(camunda, key, [Step("one", "e2e.count"), Step("two", "e2e.count")])
    for i in range(300):
        camunda.start_process_instance(key, variables={"n": i})
    suite.set_creator(claim_lease_s=SHORT_CLAIM_LEASE_S)  # a killed creator's tasks are taken over soon
    start_all(suite)
    wait_for(lambda: finished(camunda, key) >= 60, timeout=120, interval=0.2, what="the run to be under way")
    suite.kill(victim)
    args = ("--system", "python") if victim == "creator" else ()
    suite.start(victim, *args)
    wait_for(lambda: finished(camunda, key) == 300, timeout=240, interval=1, what="every instance to finish")
    tally = counts(effects_db)
    assert tally["effects"] == 600 and tally["tasks"] == 600
    # Redelivered messages whose result was already stored are not handled again: at most the
    # messages in flight at the kill (prefetch) can have run twice.
    assert tally["calls"] - 600 <= 16
    assert camunda.list_incidents(processDefinitionKeyIn=key) == []

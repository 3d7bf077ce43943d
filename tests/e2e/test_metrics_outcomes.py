"""Every settlement outcome, retries and poison, counted by the services and checked against what the
engine, the handlers' own call log and the broker's error queue say happened."""

from __future__ import annotations

import sqlite3

import pytest

from core.camunda import CamundaClient
from core.transport import Publisher
from core.transport.topology import ERRORS_QUEUE, system_queue
from tests.e2e.conftest import python_system
from tests.e2e.test_pipeline import deploy, finished, start_all
from tests.support.bpmn import Step
from tests.support.metrics import scrape, total
from tests.support.suite import Suite
from tests.support.waiting import wait_for

pytestmark = pytest.mark.e2e
COUNTED = 6


def handler_calls(effects_db: str) -> tuple[int, int]:
    """Handler calls and distinct tasks called, from the handlers' own log."""
    with sqlite3.connect(effects_db) as conn:
        calls, tasks = conn.execute("SELECT COUNT(*), COUNT(DISTINCT task_id) FROM calls").fetchone()
    return int(calls), int(tasks)


def test_outcomes_retries_and_poison_are_counted_as_they_happened(
    suite: Suite, camunda: CamundaClient, unique: str, effects_db: str
) -> None:
    # Given tasks that complete, complete after retries, exhaust their retries, and raise BPMN errors
    plain, odd = f"p{unique}", f"q{unique}"
    deploy(camunda, plain, [Step("one", "e2e.count")])
    deploy(camunda, odd, [Step("check", "e2e.business", catches=("NO_STOCK",))])
    for n in range(COUNTED):
        camunda.start_process_instance(plain, variables={"n": n})
    deploy(camunda, f"{plain}f", [Step("flaky", "e2e.flaky")])
    deploy(camunda, f"{plain}b", [Step("broken", "e2e.broken")])
    suite.configure(  # the two extra keys join the worker's list
        systems={"python": python_of(suite)},
        rules=[{"topic": "e2e.*", "system": "python"}],
        worker={"process_definition_keys": [plain, odd, f"{plain}f", f"{plain}b"]},
    )
    camunda.start_process_instance(f"{plain}f")
    camunda.start_process_instance(f"{plain}b")
    camunda.start_process_instance(odd, variables={"code": "NO_STOCK"})  # caught: the error path
    camunda.start_process_instance(odd, variables={"code": "NO_MONEY"})  # uncaught: an incident
    start_all(suite)
    with Publisher(suite.broker()) as publisher:  # and two messages nobody can read
        publisher.publish("", system_queue("python"), b"{not json", message_id="poison-1")
        publisher.publish(
            "", system_queue("python"), b'{"schema": "exchanger.task/1"}', message_id="poison-2"
        )

    # When everything that can finish has finished and the rest holds incidents
    keys = [plain, odd, f"{plain}f", f"{plain}b"]
    wait_for(
        lambda: sum(finished(camunda, k) for k in keys) == COUNTED + 2
        and len(camunda.list_incidents(processDefinitionKeyIn=",".join(keys))) == 2,
        timeout=90,
        interval=0.5,
        what="the runs to end in completions, the caught error and two incidents",
    )

    # Then the settlement counts of the creator and the tracker together are the engine's
    incidents = camunda.list_incidents(processDefinitionKeyIn=",".join(keys))
    caught = finished(camunda, odd)
    tracker = wait_for(
        lambda: (s := scrape(suite.metrics_url("task_tracker")))
        and total(s, "exchanger_tasks_settled_total", outcome="incident") == len(incidents)
        and s,
        timeout=15,
        what="the tracker to count both incidents",
    )
    creator = scrape(suite.metrics_url("task_creator.python"))
    settled = {
        outcome: sum(
            total(s, "exchanger_tasks_settled_total", system="python", outcome=outcome)
            for s in (creator, tracker)
        )
        for outcome in ("completed", "bpmn_error", "incident", "failed")
    }
    assert settled == {
        "completed": COUNTED + 1,
        "bpmn_error": caught,
        "incident": len(incidents),
        "failed": 0,
    }
    # the completions were the creator's own (creator.complete_in_engine); the rest the tracker's
    assert total(creator, "exchanger_tasks_settled_total", outcome="completed") == COUNTED + 1
    assert total(creator, "exchanger_tasks_settled_total") == COUNTED + 1
    # the creator's retries are the handler calls beyond each task's first
    calls, tasks = handler_calls(effects_db)
    assert total(creator, "exchanger_task_retries_total", system="python") == calls - tasks == 4
    # the poison count is what the broker holds in the error queue
    assert suite.queue_depth(ERRORS_QUEUE) == 2
    assert total(creator, "exchanger_tasks_poison_total", component="task_creator", queue="python.queue") == 2
    # the worker fetched and published every task the engine created, none unrouted
    worker = scrape(suite.metrics_url("universal_worker"))
    created = COUNTED + 4
    assert total(worker, "exchanger_tasks_fetched_total") == created == tasks
    assert total(worker, "exchanger_tasks_published_total", system="python") == created
    assert total(worker, "exchanger_tasks_unrouted_total") == 0
    # and the queue depths it reads from the broker are the broker's
    wait_for(
        lambda: total(
            scrape(suite.metrics_url("universal_worker")), "exchanger_queue_messages", queue=ERRORS_QUEUE
        )
        == suite.queue_depth(ERRORS_QUEUE),
        timeout=15,
        what="the error queue's depth in the worker's metrics",
    )


def python_of(suite: Suite) -> dict[str, object]:
    return python_system(suite.root / "effects.sqlite3")  # the same effects log the fixture set up

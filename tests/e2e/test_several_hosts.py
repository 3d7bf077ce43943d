"""Two complete sets of services ("hosts") on one engine, one broker and one PostgreSQL ledger.

Each set is a worker, a creator and a tracker with a state folder and a worker id of its own,
as on two hosts; they share the broker prefix (so the queues) and the ledger's DSN. Every
external task is done once, each tracker keeps only its own worker's locks, tracked polling is
split between the trackers without overlap, and when one set is SIGKILLed the other finishes
its work within the bound docs/ledger.md states ("Several hosts").
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Iterator
from itertools import pairwise
from pathlib import Path
from typing import Any

import pytest
from loguru import logger

from core.camunda import CamundaClient
from core.config.models import SystemConfig
from core.ledger import TaskState
from core.ledger.postgres import PostgresLedger
from task_tracker.polling import lease_seconds
from tests.e2e.conftest import python_system
from tests.e2e.test_pipeline import deploy, finished
from tests.fixtures.bitrix24.e2e import bitrix_system, open_tasks, tasks_per_external_task
from tests.fixtures.bitrix24.support import Sandbox, running_sandbox
from tests.support.bpmn import Step, chain_process
from tests.support.handlers import counts
from tests.support.locks import lock_expiry, lock_moved
from tests.support.suite import Suite
from tests.support.waiting import wait_for

pytestmark = pytest.mark.e2e

POLL_S = 1.0
LOCK_MS = 4_000
FETCH_WAIT_S = 2.0  # the suite's async_response_timeout_ms: a worker's long poll
PEOPLE_TASK = [Step("Check", "bitrix24.task", name="Check it", properties={"bitrix.responsible": "2"})]


@pytest.fixture
def sets(tmp_path: Path, rabbitmq: str, engine_name: str, unique: str) -> Iterator[tuple[Suite, Suite]]:
    """Sets A and B: separate roots (config, state), one broker prefix, one engine."""
    prefix = f"e2e{unique}."
    first, second = (Suite(tmp_path / name, prefix=prefix, engine=engine_name) for name in "ab")
    yield first, second
    first.close()
    second.close()


def configure(suite: Suite, name: str, key: str, dsn: str, systems: dict[str, Any], topic: str) -> None:
    suite.configure(
        systems=systems,
        rules=[{"topic": topic, "system": next(iter(systems))}],
        worker={"process_definition_keys": [key], "worker_id": f"worker-{name}", "max_tasks": 10},
        ledger={"dsn": dsn},
    )


def start_set(suite: Suite, system: str) -> None:
    services = (("worker", ()), ("creator", ("--system", system)), ("tracker", ()))
    for name, args in services:
        suite.start(name, *args)
    suite.wait_all_healthy(services)


def test_python_tasks_are_done_once_each_by_two_sets_on_one_ledger(
    sets: tuple[Suite, Suite], camunda: CamundaClient, unique: str, effects_db: str, postgres_dsn: str
) -> None:
    # Given two sets on one PostgreSQL ledger, both running, and a two-step process
    key = f"p{unique}"
    systems = {"python": python_system(Path(effects_db))}
    for suite, name in zip(sets, "ab", strict=True):
        configure(suite, name, key, postgres_dsn, systems, "e2e.*")
    deploy(camunda, key, [Step("one", "e2e.count"), Step("two", "e2e.count")])
    for suite in sets:
        start_set(suite, "python")

    # When 100 instances start
    instances = 100
    for n in range(instances):
        camunda.start_process_instance(key, variables={"n": n})
    wait_for(lambda: finished(camunda, key) == instances, timeout=180, interval=1, what="every instance")

    # Then every task had its effect once, and both sets did part of the work
    tasks = 2 * instances
    assert counts(effects_db) == {"calls": tasks, "tasks": tasks, "effects": tasks}
    assert camunda.list_incidents(processDefinitionKeyIn=key) == []
    ledger = PostgresLedger(postgres_dsn)
    try:
        wait_for(lambda: ledger.counts() == {"completed": tasks}, timeout=30, what="every record completed")
        workers = [entry.worker_id for entry in ledger.in_states("python", [TaskState.COMPLETED])]
    finally:
        ledger.close()
    share = {worker: workers.count(worker) for worker in set(workers)}
    logger.info("tasks per worker: {}", share)
    assert set(share) == {"worker-a", "worker-b"}
    for suite in sets:
        assert not (suite.state_dir / "ledger.sqlite3").exists()


def lease_owners(ledger: PostgresLedger) -> dict[str, str | None]:
    return {e.external_task_id: e.lease_owner for e in ledger.in_states("bitrix24", [TaskState.TRACKED])}


def shortest_gap_between_reads(sandbox: Sandbox) -> float:
    """The least time between two status polls of one Bitrix task (one tracker: ≥ a poll interval)."""
    gaps = [later - earlier for task in sandbox.tasks() for earlier, later in pairwise(task["reads"])]
    return min(gaps, default=float("inf"))


def test_people_tasks_are_polled_by_one_tracker_each_and_a_killed_set_is_taken_over(
    sets: tuple[Suite, Suite], camunda: CamundaClient, unique: str, postgres_dsn: str
) -> None:
    first, second = sets
    key = f"p{unique}"
    instances = 20
    rate = {"rate": 20.0, "burst": 50, "tracker_share": 0.5}
    with running_sandbox(rate=20.0, burst=50) as sandbox:
        # Given two sets with 4 s locks and 1 s polls; one add at a time per creator, each taking
        # 0.5 s, so items turn up over several rounds of both trackers (a new item goes to the
        # tracker whose round comes first; an item then stays with its tracker)
        sandbox.control(
            "POST", "faults", {"kind": "slow", "method": "tasks.task.add", "delay_s": 0.5, "count": 1000}
        )
        system = bitrix_system(
            lock_duration_ms=LOCK_MS, poll_interval_s=POLL_S, concurrency=1, options={"rate_limit": rate}
        )
        for suite, name in zip(sets, "ab", strict=True):
            configure(suite, name, key, postgres_dsn, {"bitrix24": system}, "bitrix24.*")
            suite.extra_env["BITRIX24_WEBHOOK_URL"] = sandbox.webhook
        camunda.create_deployment(f"e2e-{key}", {f"{key}.bpmn": chain_process(key, PEOPLE_TASK).encode()})
        for suite in sets:
            start_set(suite, "bitrix24")

        # When 20 instances start and their people's tasks stay open for a while
        for _ in range(instances):
            camunda.start_process_instance(key)
        ledger = PostgresLedger(postgres_dsn)
        try:
            wait_for(
                lambda: len(lease_owners(ledger)) == instances and None not in lease_owners(ledger).values(),
                timeout=90,
                interval=0.5,
                what="every task tracked and leased",
            )
            # ... and every task is polled a few rounds
            wait_for(
                lambda: min(len(t["reads"]) for t in sandbox.tasks()) >= 4,
                timeout=60,
                interval=0.5,
                what="four polls of every task",
            )

            # Then both trackers poll, each its own items, and no item is polled by both in a round
            owners = lease_owners(ledger)
            pids = {suite.processes["tracker"].pid for suite in sets}
            assert {int(owner.split(":")[1]) for owner in owners.values() if owner} == pids
            gap = shortest_gap_between_reads(sandbox)
            logger.info(
                "items per tracker: {}; shortest gap between two polls of one item: {:.2f} s",
                Counter(owners.values()),
                gap,
            )
            assert gap >= POLL_S / 2

            # When set A is SIGKILLed (worker, creator, tracker) with its tasks still open
            held_by_a = [
                e for e in ledger.in_states("bitrix24", [TaskState.TRACKED]) if e.worker_id == "worker-a"
            ]
            assert held_by_a, "set A's worker fetched none of the tasks"
            for name in ("worker", "creator", "tracker"):
                first.kill(name)
            killed = time.monotonic()

            # Then nobody extends A's locks: they run out, B's worker fetches those tasks again, and
            # B's tracker leases every item and keeps every lock in worker B's name
            b_pid = second.processes["tracker"].pid

            def taken_over() -> bool:
                entries = ledger.in_states("bitrix24", [TaskState.TRACKED])
                engine = camunda.list_external_tasks(processDefinitionKey=key)
                return (
                    len(entries) == instances
                    and {e.worker_id for e in entries} == {"worker-b"}
                    and {(e.lease_owner or "").split(":")[1:2] == [str(b_pid)] for e in entries} == {True}
                    and {t.get("workerId") for t in engine} == {"worker-b"}
                )

            wait_for(taken_over, timeout=60, interval=0.5, what="set B to take over set A's tasks")
            took = time.monotonic() - killed
            lease_s = lease_seconds(SystemConfig(kind="tracked", poll_interval_s=POLL_S))
            bound = max(LOCK_MS / 1000 + FETCH_WAIT_S, lease_s) + 2 * POLL_S
            logger.info(
                "set B took over {} tasks {:.1f} s after the kill (bound {:.0f} s)",
                len(held_by_a),
                took,
                bound,
            )
            assert took <= bound + 3.0  # the test's own polling of the engine and the ledger
            expiry = {i: lock_expiry(camunda, i) for i in {e.process_instance_id for e in held_by_a}}
            wait_for(
                lambda: all(lock_moved(camunda, i, expiry[i], LOCK_MS / 1000) for i in expiry),
                timeout=30,
                interval=0.5,
                what="B's tracker to extend the taken-over locks",
            )

            # When the people finish every task, B's tracker completes every instance
            for task in open_tasks(sandbox):
                sandbox.control("POST", f"tasks/{task['id']}/close", {"result": "done"})
            wait_for(
                lambda: finished(camunda, key) == instances, timeout=60, interval=0.5, what="every instance"
            )

            # ... and no Bitrix24 task was created twice (counted in the portal)
            per_task = tasks_per_external_task(sandbox)
            assert len(per_task) == instances and set(per_task.values()) == {1}
            assert len(sandbox.tasks()) == instances
            assert camunda.list_incidents(processDefinitionKeyIn=key) == []
            wait_for(
                lambda: ledger.counts() == {"completed": instances}, timeout=30, what="every record completed"
            )
        finally:
            ledger.close()

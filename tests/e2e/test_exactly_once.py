"""Exactly once under faults: duplicate deliveries, a burst longer than the lock, kills, a broker restart.

Side effects are counted by the ``e2e.slow`` handler in a SQLite file outside the services'
own records (``tests.support.handlers.effect_log``): a repeat there is a real double effect.
"""

from __future__ import annotations

import json
import random
import sqlite3
import subprocess
from collections import Counter

import pytest

from core.camunda import CamundaClient
from core.transport import Publisher
from core.transport.topology import system_queue
from tests.e2e.conftest import python_system
from tests.support.bpmn import Step, chain_process
from tests.support.handlers import effect_log
from tests.support.suite import SHORT_CLAIM_LEASE_S, Suite, drain
from tests.support.waiting import wait_for

pytestmark = pytest.mark.e2e

SEED = 20261206
BURST = 300
SLOW_S = 0.75  # each burst task's handler time
LOCK_MS = 15_000  # half the burst's backlog: 300 × 0.75 s over 8 threads is about 28 s
CREATOR = ("--system", "python")


def configure(
    suite: Suite, effects_db: str, key: str, *, worker: dict[str, object] | None = None, **overrides: object
) -> None:
    """The python system with short locks; the worker fetches only process ``key`` (other tests' leftovers stay)."""
    system = python_system(effects_db, lock_duration_ms=LOCK_MS, **overrides)  # type: ignore[arg-type]
    suite.configure(
        systems={"python": system},
        rules=[{"topic": "e2e.*", "system": "python"}],
        worker={"process_definition_keys": [key], **(worker or {})},
    )


def start_slow_instances(camunda: CamundaClient, key: str, count: int) -> None:
    camunda.create_deployment(
        f"e2e-{key}", {f"{key}.bpmn": chain_process(key, [Step("slow", "e2e.slow")]).encode()}
    )
    for _ in range(count):
        camunda.start_process_instance(key)


def finished(camunda: CamundaClient, key: str) -> int:
    return len(camunda.history_process_instances(processDefinitionKey=key, finished=True))


def log_count(suite: Suite, name: str, text: str) -> int:
    return sum(text in str(line.get("msg", "")) for line in suite.log_lines(name))


@pytest.mark.parametrize("creators", [1, 2])
def test_copies_of_a_task_delivered_at_once_run_its_handler_once(
    suite: Suite, camunda: CamundaClient, unique: str, effects_db: str, creators: int
) -> None:
    # Given four tasks routed once, then each copied three times onto the queue
    options = {"handler_modules": ["tests.support.handlers"], "effects_db": effects_db, "slow_s": 1.0}
    key = f"p{unique}"
    # The worker runs alone first: without a consumer, backpressure would hold every task back.
    configure(suite, effects_db, key, worker={"backpressure": False}, options=options)
    start_slow_instances(camunda, key, 4)
    suite.start("worker")
    wait_for(lambda: suite.queue_depth(system_queue("python")) == 4, timeout=60, what="four routed tasks")
    suite.stop("worker")
    messages = drain(suite.broker(), system_queue("python"))
    with Publisher(suite.broker()) as publisher:
        for message_id, body in messages * 3:
            publisher.publish("", system_queue("python"), json.dumps(body).encode(), message_id=message_id)

    # When one creator (every copy in its prefetch at once) or two creators take them together
    for index in range(creators):
        suite.start("creator", *CREATOR, label=f"creator{index}")
    suite.start("tracker")

    # Then every instance finishes and each task's side effect happened once
    wait_for(lambda: finished(camunda, key) == 4, timeout=120, what="the four instances to finish")
    tally = Counter(effect_log(effects_db))
    assert sorted(tally.values()) == [1, 1, 1, 1]
    waits = sum(log_count(suite, f"creator{i}", "this delivery waits") for i in range(creators))
    reemits = sum(log_count(suite, f"creator{i}", "re-emitting its result") for i in range(creators))
    assert waits + reemits >= 8  # the eight copies were recognised, not run
    assert camunda.list_incidents(processDefinitionKeyIn=key) == []


def test_a_burst_longer_than_the_lock_has_no_duplicate_effect(
    suite: Suite, camunda: CamundaClient, unique: str, effects_db: str
) -> None:
    key = start_burst(suite, camunda, unique, effects_db)

    wait_for(lambda: finished(camunda, key) == BURST, timeout=300, interval=1, what="the burst to finish")

    tally = Counter(effect_log(effects_db))
    assert len(tally) == BURST
    assert sum(tally.values()) - BURST == 0, f"duplicate side effects: {sum(tally.values()) - BURST}"
    assert camunda.list_incidents(processDefinitionKeyIn=key) == []
    print(f"burst without kills: {BURST} instances, re-fetches {refetches(suite)}, duplicate side effects 0")


def test_a_burst_with_kills_and_a_broker_restart_ends_correct_with_bounded_duplicates(
    suite: Suite, camunda: CamundaClient, unique: str, effects_db: str
) -> None:
    # Given the burst, and a seeded plan of kills and one broker restart at progress milestones
    # (a killed creator's running tasks are taken over after a short claim lease, not 30 s)
    key = start_burst(suite, camunda, unique, effects_db, claim_lease_s=SHORT_CLAIM_LEASE_S)
    rng = random.Random(SEED)
    events = ["worker", "creator", "tracker", "creator", "broker"]
    rng.shuffle(events)
    milestones = sorted(rng.sample(range(20, BURST - 60), len(events)))

    # When each event happens as the run passes its milestone
    window = 0  # side effects whose result was not stored when their creator was killed
    for milestone, event in zip(milestones, events, strict=True):
        wait_for(
            lambda m=milestone: finished(camunda, key) >= m,
            timeout=240,
            interval=0.2,
            what=f"{milestone} done",
        )
        if event == "broker":
            restart_broker()
            continue
        suite.kill(event)
        if event == "creator":
            window += len(unfinished_effects(suite, effects_db))
        suite.start(event, *(CREATOR if event == "creator" else ()))

    # Then every instance ends correct, and duplicates stay within the kills' windows
    wait_for(
        lambda: finished(camunda, key) == BURST, timeout=400, interval=1, what="every instance to finish"
    )
    assert camunda.list_incidents(processDefinitionKeyIn=key) == []
    tally = Counter(effect_log(effects_db))
    duplicates = sum(tally.values()) - len(tally)
    assert len(tally) == BURST
    assert duplicates <= window, f"{duplicates} duplicate side effects, only {window} in kill windows"
    print(
        f"burst with faults: {BURST} instances, kills 4 + broker restart, re-fetches {refetches(suite)},"
        f" duplicate side effects {duplicates} (kill windows held {window})"
    )


def start_burst(
    suite: Suite, camunda: CamundaClient, unique: str, effects_db: str, *, claim_lease_s: float | None = None
) -> str:
    """BURST instances waiting at once, then the three services: returns the process key."""
    key = f"p{unique}"
    options = {"handler_modules": ["tests.support.handlers"], "effects_db": effects_db, "slow_s": SLOW_S}
    configure(suite, effects_db, key, options=options)
    if claim_lease_s is not None:
        suite.set_creator(claim_lease_s=claim_lease_s)
    start_slow_instances(camunda, key, BURST)
    services = (("worker", ()), ("creator", CREATOR), ("tracker", ()))
    for name, args in services:
        suite.start(name, *args)
    suite.wait_all_healthy(services)  # fails at once, with the log, if one exits
    return key


def unfinished_effects(suite: Suite, effects_db: str) -> set[str]:
    """Tasks whose side effect happened but whose result the (now dead) creator never stored."""
    ledger = suite.state_dir / "ledger.sqlite3"
    with sqlite3.connect(f"file:{ledger}?mode=ro", uri=True) as conn:
        open_tasks = {
            row[0] for row in conn.execute("SELECT external_task_id FROM tasks WHERE result IS NULL")
        }
    return set(effect_log(effects_db)) & open_tasks


def refetches(suite: Suite) -> dict[str, int]:
    """What the services' logs say they recognised (reported, never asserted: logs are ours)."""
    return {
        "re-fetches not routed again": log_count(suite, "worker", "not routed again"),
        "re-fetches routed again": log_count(suite, "worker", "routed again")
        - log_count(suite, "worker", "not routed again"),
        "deliveries that waited for a running handler": log_count(suite, "creator", "this delivery waits"),
        "deliveries answered from the stored result": log_count(suite, "creator", "re-emitting its result"),
    }


def restart_broker() -> None:
    for command in ("stop_app", "start_app", "await_startup"):
        subprocess.run(["rabbitmqctl", "-q", "-n", "rabbit@localhost", command], check=True, timeout=120)

"""universal_worker as a separate process against the real engine (each of the two) and broker."""

from __future__ import annotations

import subprocess
from collections import Counter, defaultdict
from collections.abc import Iterator
from pathlib import Path

import pytest

from core.camunda import CamundaClient, FetchTopic
from tests.support.bpmn import Step, chain_process
from tests.support.suite import Suite, drain
from tests.support.waiting import wait_for

# The worker runs here without creators: backpressure (no consumer, no room) would hold every task back.
ALONE = {"backpressure": False}

pytestmark = pytest.mark.integration

IMMEDIATE = {"kind": "immediate", "lock_duration_ms": 60_000}


@pytest.fixture
def camunda(engine: CamundaClient) -> CamundaClient:
    """The engine under test: every worker test runs on Camunda 7.24 and on Operaton (engine_name)."""
    return engine


@pytest.fixture
def suite(tmp_path: Path, rabbitmq: str, engine_name: str, unique: str) -> Iterator[Suite]:
    suite = Suite(tmp_path, prefix=f"w{unique}.", engine=engine_name)
    yield suite
    suite.close()


def deploy(camunda: CamundaClient, key: str, steps: list[Step], tenant: str | None = None) -> None:
    camunda.create_deployment(
        f"w-{key}", {f"{key}.bpmn": chain_process(key, steps).encode()}, tenant_id=tenant
    )


def queued(suite: Suite, queue: str, expected: int, timeout: float = 120) -> None:
    wait_for(
        lambda: suite.queue_depth(queue) >= expected,
        timeout=timeout,
        interval=0.2,
        what=f"{expected} on {queue}",
    )


def test_200_instances_over_topics_and_tenants_reach_the_right_queues(
    suite: Suite, camunda: CamundaClient, unique: str
) -> None:
    suite.configure(
        systems={"alpha": IMMEDIATE, "beta": {**IMMEDIATE, "lock_duration_ms": 600_000}},
        rules=[
            {"topic": f"w{unique}.exact", "system": "alpha"},
            {"topic": f"w{unique}.glob.*", "system": "beta"},
            {"topic": f"w{unique}.tenant", "tenant": "t1", "system": "alpha"},
            {"topic": f"w{unique}.tenant", "tenant": "t2", "system": "beta"},
            {"property": {"exchanger.system": "beta"}, "system": "beta"},
        ],
        # The property rule would match such tasks of any process; keep to this test's own.
        worker={"backpressure": False, "process_definition_keys": [f"p{unique}"]},
    )
    key = f"p{unique}"
    steps = [
        Step("exact", f"w{unique}.exact", name="Точный шаг", documentation="Сделать\nвсё", catches=("E1",)),
        Step("glob", f"w{unique}.glob.x", properties={"color": "green"}),
        Step("tenant", f"w{unique}.tenant"),
        Step("prop", f"w{unique}.prop", properties={"exchanger.system": "beta"}),
    ]
    deploy(camunda, key, steps, tenant="t1")
    deploy(camunda, key, steps, tenant="t2")
    for i in range(100):
        camunda.start_process_instance(key, tenant_id="t1" if i % 2 else "t2", variables={"i": i})
    suite.start("worker")
    queued(suite, "alpha.queue", 100)
    alpha = drain(suite.broker(), "alpha.queue")
    assert len(alpha) == 100
    assert all(body["task"]["topic"] == f"w{unique}.exact" for _, body in alpha)
    first = alpha[0][1]
    assert first["activity"]["name"] == "Точный шаг" and first["activity"]["documentation"] == "Сделать\nвсё"
    assert first["activity"]["caught_error_codes"] == ["E1"] and first["process"]["definition_key"] == key
    assert first["task"]["lock_duration_ms"] == 60_000 and first["variables"]["i"]["type"] == "Integer"
    # The instances now wait on "glob"; finishing them moves each to the tenant and property steps.
    for step in ("exact", "glob", "tenant"):
        _complete_all(camunda, f"w{unique}.{step}" if step != "glob" else f"w{unique}.glob.x", suite)
    queued(suite, "beta.queue", 100 + 50 + 100, timeout=120)
    beta = drain(suite.broker(), "beta.queue")
    alpha += drain(suite.broker(), "alpha.queue")
    by_topic = Counter(body["task"]["topic"] for _, body in alpha + beta)
    assert by_topic == {
        f"w{unique}.exact": 100,
        f"w{unique}.glob.x": 100,
        f"w{unique}.tenant": 100,
        f"w{unique}.prop": 100,
    }
    tenant_routes = {
        (b["task"]["tenant_id"], b["routing"]["system"])
        for _, b in alpha + beta
        if b["task"]["topic"].endswith("tenant")
    }
    assert tenant_routes == {("t1", "alpha"), ("t2", "beta")}
    assert len({mid for mid, _ in alpha + beta}) == 400


def _complete_all(camunda: CamundaClient, topic: str, suite: Suite) -> None:
    """Complete, as the worker's own id, every task the worker locked on ``topic``."""
    worker = f"worker-{suite.prefix}"

    def done() -> bool:
        for task in camunda.list_external_tasks(topicName=topic, workerId=worker):
            camunda.complete(task["id"], worker, {})
        return camunda.count_external_tasks(topicName=topic) == 0

    wait_for(done, timeout=120, interval=0.5, what=f"every {topic} task to be routed and completed")


def test_unrouted_topics_stay_unlocked_for_other_workers(
    suite: Suite, camunda: CamundaClient, unique: str
) -> None:
    suite.configure(
        systems={"alpha": IMMEDIATE}, rules=[{"topic": f"w{unique}.routed", "system": "alpha"}], worker=ALONE
    )
    deploy(camunda, f"p{unique}", [Step("a", f"w{unique}.routed")])
    deploy(camunda, f"q{unique}", [Step("b", f"w{unique}.other")])
    for _ in range(5):
        camunda.start_process_instance(f"p{unique}")
        camunda.start_process_instance(f"q{unique}")
    suite.start("worker")
    suite.wait_healthy("worker")
    queued(suite, "alpha.queue", 5)
    # Give the worker several more fetch cycles, then look: nothing of the other topic is locked.
    fetched = int(_heartbeat(suite)["fetches"])
    wait_for(
        lambda: int(_heartbeat(suite)["fetches"]) >= fetched + 2, timeout=30, what="two more fetch cycles"
    )
    assert camunda.count_external_tasks(topicName=f"w{unique}.other", locked=True) == 0
    taken = camunda.fetch_and_lock("another-worker", [FetchTopic(f"w{unique}.other", 10_000)], max_tasks=10)
    assert len(taken) == 5


def _heartbeat(suite: Suite) -> dict[str, object]:
    import json

    return dict(json.loads((suite.state_dir / "universal_worker.heartbeat").read_text()))


def _prioritised_backlog(camunda: CamundaClient, unique: str) -> None:
    """15 waiting tasks at priority 1, then 15 at priority 90."""
    deploy(camunda, f"low{unique}", [Step("a", f"w{unique}.prio", priority=1)])
    deploy(camunda, f"high{unique}", [Step("a", f"w{unique}.prio", priority=90)])
    for _ in range(15):
        camunda.start_process_instance(f"low{unique}")
    for _ in range(15):
        camunda.start_process_instance(f"high{unique}")


def test_with_use_priority_on_higher_priority_tasks_are_published_first(
    suite: Suite, camunda: CamundaClient, unique: str
) -> None:
    suite.configure(
        systems={"alpha": IMMEDIATE},
        rules=[{"topic": f"w{unique}.prio", "system": "alpha"}],
        worker={**ALONE, "use_priority": True},
    )
    _prioritised_backlog(camunda, unique)
    suite.start("worker")
    queued(suite, "alpha.queue", 30)
    priorities = [body["task"]["priority"] for _, body in drain(suite.broker(), "alpha.queue")]
    assert priorities == sorted(priorities, reverse=True)


def test_by_default_priorities_order_every_fetch_after_the_first_that_shows_one(
    suite: Suite, camunda: CamundaClient, unique: str
) -> None:
    # Given the default (auto) and a worker that fetches 5 tasks at a time
    suite.configure(
        systems={"alpha": IMMEDIATE},
        rules=[{"topic": f"w{unique}.prio", "system": "alpha"}],
        worker={**ALONE, "max_tasks": 5},
    )
    _prioritised_backlog(camunda, unique)
    suite.start("worker")
    queued(suite, "alpha.queue", 30)
    priorities = [body["task"]["priority"] for _, body in drain(suite.broker(), "alpha.queue")]
    # Then only the first batch may come in the engine's own order; every later one is by priority
    assert priorities[5:] == sorted(priorities[5:], reverse=True)


def test_a_broker_outage_mid_run_loses_no_task(suite: Suite, camunda: CamundaClient, unique: str) -> None:
    topic = f"w{unique}.t"
    suite.configure(
        systems={"alpha": IMMEDIATE},
        rules=[{"topic": topic, "system": "alpha"}],
        worker={"backpressure": False, "max_tasks": 10},
    )
    key = f"p{unique}"
    deploy(camunda, key, [Step("a", topic)])
    for _ in range(100):
        camunda.start_process_instance(key)
    suite.start("worker")
    queued(suite, "alpha.queue", 20)
    _rabbit("stop_app")
    try:
        # Tasks keep arriving while the broker is away: the worker must not strand them.
        for _ in range(100):
            camunda.start_process_instance(key)
        wait_for(
            lambda: "broker unavailable" in suite.log_path("worker").read_text(),
            timeout=60,
            what="the worker to notice the outage",
        )
    finally:
        _rabbit("start_app")
        _rabbit("await_startup")
    queued(suite, "alpha.queue", 200, timeout=180)
    published = {body["task"]["id"] for _, body in drain(suite.broker(), "alpha.queue")}
    assert len(published) == 200
    locked = {task["id"] for task in camunda.list_external_tasks(topicName=topic, locked=True)}
    assert locked <= published, "a task is locked but was never published"


def _rabbit(command: str) -> None:
    subprocess.run(["rabbitmqctl", "-q", "-n", "rabbit@localhost", command], check=True, timeout=120)


def test_sigkill_and_restart_publish_every_task_under_one_message_id(
    suite: Suite, camunda: CamundaClient, unique: str
) -> None:
    suite.configure(
        systems={"alpha": {**IMMEDIATE, "lock_duration_ms": 3_000}},
        rules=[{"topic": f"w{unique}.t", "system": "alpha"}],
        worker={"backpressure": False, "max_tasks": 20},
    )
    key = f"p{unique}"
    deploy(camunda, key, [Step("a", f"w{unique}.t")])
    for _ in range(300):
        camunda.start_process_instance(key)
    suite.start("worker")
    queued(suite, "alpha.queue", 40)
    suite.kill("worker")
    suite.start("worker")
    # Published tasks stay locked for 3 s only: their locks run out and they are fetched and
    # published again. Downstream must be able to tell: the same task, the same message id.
    wait_for(
        lambda: len({b["task"]["id"] for _, b in _peek_all(suite)}) >= 300,
        timeout=180,
        interval=1,
        what="all 300 tasks",
    )
    ids: dict[str, set[str | None]] = defaultdict(set)
    for message_id, body in _peek_all(suite):
        ids[body["task"]["id"]].add(message_id)
    assert len(ids) == 300
    assert all(len(message_ids) == 1 for message_ids in ids.values())


_seen: dict[str, list[tuple[str | None, dict[str, object]]]] = {}


def _peek_all(suite: Suite) -> list[tuple[str | None, dict[str, object]]]:
    """Everything published so far (kept across calls, since draining removes it)."""
    bucket = _seen.setdefault(suite.prefix, [])
    bucket += drain(suite.broker(), "alpha.queue")
    return bucket


def test_sigterm_stops_cleanly_and_strands_nothing(suite: Suite, camunda: CamundaClient, unique: str) -> None:
    topic = f"w{unique}.t"
    suite.configure(
        systems={"alpha": IMMEDIATE},
        rules=[{"topic": topic, "system": "alpha"}],
        worker={"backpressure": False, "max_tasks": 5},
    )
    key = f"p{unique}"
    deploy(camunda, key, [Step("a", topic)])
    for _ in range(150):
        camunda.start_process_instance(key)
    suite.start("worker")
    queued(suite, "alpha.queue", 20)
    assert suite.stop("worker") == 0
    published = {body["task"]["id"] for _, body in drain(suite.broker(), "alpha.queue")}
    locked = {task["id"] for task in camunda.list_external_tasks(topicName=topic, locked=True)}
    assert locked <= published, "a task is locked but was never published"
    assert "fetch loop stopped" in suite.log_path("worker").read_text()


def test_two_workers_side_by_side_publish_each_task_once(
    suite: Suite, camunda: CamundaClient, unique: str
) -> None:
    topic = f"w{unique}.t"
    suite.configure(
        systems={"alpha": IMMEDIATE},
        rules=[{"topic": topic, "system": "alpha"}],
        worker={"backpressure": False, "max_tasks": 10},
    )
    key = f"p{unique}"
    deploy(camunda, key, [Step("a", topic)])
    for _ in range(200):
        camunda.start_process_instance(key)
    suite.start("worker")
    suite.start("worker", "--worker-id", f"second-{unique}", label="second-worker")
    queued(suite, "alpha.queue", 200)
    messages = drain(suite.broker(), "alpha.queue")
    assert len(messages) == 200 and len({body["task"]["id"] for _, body in messages}) == 200
    assert {body["task"]["worker_id"] for _, body in messages} == {
        f"worker-{suite.prefix}",
        f"second-{unique}",
    }

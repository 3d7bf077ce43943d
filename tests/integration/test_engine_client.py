"""The Camunda REST client against the real engines (Camunda 7.24 and Operaton)."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime, timedelta

import pytest

from core.camunda import CamundaClient, FetchTopic
from core.errors import CamundaConflict, CamundaNotFound
from tests.support.bpmn import Step, chain_process
from tests.support.waiting import wait_for

pytestmark = pytest.mark.integration
WORKER = "test-worker"


def deploy(engine: CamundaClient, key: str, steps: list[Step]) -> None:
    engine.create_deployment(f"test-{key}", {f"{key}.bpmn": chain_process(key, steps).encode()})


def fetch(
    engine: CamundaClient, topic: str, *, worker: str = WORKER, lock_ms: int = 30_000, max_tasks: int = 10
):
    return engine.fetch_and_lock(worker, [FetchTopic(topic, lock_ms)], max_tasks=max_tasks)


def test_version_is_reported(engine: CamundaClient) -> None:
    assert engine.version()[0].isdigit()


def test_long_poll_returns_as_soon_as_a_task_appears(engine: CamundaClient, unique: str) -> None:
    topic = f"poll-{unique}"
    deploy(engine, f"p{unique}", [Step("a", topic)])
    result: dict[str, object] = {}

    def poll() -> None:
        started = time.monotonic()
        result["tasks"] = engine.fetch_and_lock(
            WORKER, [FetchTopic(topic, 10_000)], max_tasks=1, async_response_timeout_ms=20_000
        )
        result["seconds"] = time.monotonic() - started

    thread = threading.Thread(target=poll)
    thread.start()
    engine.start_process_instance(f"p{unique}")
    thread.join(timeout=30)
    assert len(result["tasks"]) == 1  # type: ignore[arg-type]
    assert result["seconds"] < 10, "the long poll waited for its timeout instead of waking up"


def test_complete_keeps_variable_types(engine: CamundaClient, unique: str) -> None:
    key = f"p{unique}"
    deploy(engine, key, [Step("a", f"a-{unique}"), Step("b", f"b-{unique}")])
    instance = engine.start_process_instance(key, business_key="bk-1")
    (task,) = fetch(engine, f"a-{unique}")
    assert task.business_key == "bk-1"
    when = datetime(2026, 3, 4, 5, 6, 7, 123000, tzinfo=UTC)
    engine.complete(
        task.id,
        WORKER,
        {
            "payload": {"items": [1, 2], "name": "Пётр"},
            "when": when,
            "big": 2**40,
            "ok": True,
            "nothing": None,
        },
    )
    raw = engine.raw_process_instance_variables(instance["id"])
    assert {name: raw[name]["type"] for name in raw} == {
        "payload": "Json",
        "when": "Date",
        "big": "Long",
        "ok": "Boolean",
        "nothing": "Null",
    }
    values = engine.process_instance_variables(instance["id"])
    assert values["payload"] == {"items": [1, 2], "name": "Пётр"}
    assert values["when"] == when
    assert values["big"] == 2**40 and values["ok"] is True and values["nothing"] is None
    (next_task,) = fetch(engine, f"b-{unique}")
    assert next_task.variables["payload"] == {"items": [1, 2], "name": "Пётр"}
    assert next_task.variable_types["when"] == "Date"


def test_failure_without_retries_raises_an_incident_with_details(engine: CamundaClient, unique: str) -> None:
    key = f"p{unique}"
    deploy(engine, key, [Step("a", f"a-{unique}")])
    instance = engine.start_process_instance(key)
    (task,) = fetch(engine, f"a-{unique}")
    engine.failure(task.id, WORKER, error_message="upstream said no", error_details="trace...", retries=0)
    incidents = engine.list_incidents(processInstanceId=instance["id"])
    assert [i["incidentType"] for i in incidents] == ["failedExternalTask"]
    assert incidents[0]["configuration"] == task.id
    assert "upstream said no" in incidents[0]["incidentMessage"]
    assert engine.error_details(task.id) == "trace..."


def test_failure_with_retries_comes_back_after_the_timeout(engine: CamundaClient, unique: str) -> None:
    key = f"p{unique}"
    deploy(engine, key, [Step("a", f"a-{unique}")])
    engine.start_process_instance(key)
    (task,) = fetch(engine, f"a-{unique}")
    engine.failure(task.id, WORKER, error_message="try again", retries=2, retry_timeout_ms=500)
    again = wait_for(lambda: fetch(engine, f"a-{unique}"), timeout=15, what="the retried task")
    assert again[0].id == task.id and again[0].retries == 2


def test_bpmn_error_takes_the_boundary_path(engine: CamundaClient, unique: str) -> None:
    key = f"p{unique}"
    deploy(engine, key, [Step("a", f"a-{unique}", catches=("NOT_FOUND",))])
    instance = engine.start_process_instance(key)
    (task,) = fetch(engine, f"a-{unique}")
    engine.bpmn_error(
        task.id, WORKER, error_code="NOT_FOUND", error_message="no such lead", variables={"why": "x"}
    )
    activities = {row["activityId"] for row in engine.history_activity_instances(instance["id"])}
    assert "End_Boundary_a_NOT_FOUND" in activities and "end" not in activities


def test_extend_lock_moves_the_expiry(engine: CamundaClient, unique: str) -> None:
    key = f"p{unique}"
    deploy(engine, key, [Step("a", f"a-{unique}")])
    engine.start_process_instance(key)
    (task,) = fetch(engine, f"a-{unique}", lock_ms=5_000)
    engine.extend_lock(task.id, WORKER, 600_000)
    expiry = engine.get_external_task(task.id)["lockExpirationTime"]
    assert datetime.strptime(expiry, "%Y-%m-%dT%H:%M:%S.%f%z") > datetime.now(UTC) + timedelta(minutes=5)
    with pytest.raises(CamundaConflict):
        engine.extend_lock(task.id, "someone-else", 600_000)


def test_unlock_makes_the_task_fetchable_again(engine: CamundaClient, unique: str) -> None:
    key = f"p{unique}"
    deploy(engine, key, [Step("a", f"a-{unique}")])
    engine.start_process_instance(key)
    (task,) = fetch(engine, f"a-{unique}")
    assert fetch(engine, f"a-{unique}", worker="other") == []
    engine.unlock(task.id)
    assert [t.id for t in fetch(engine, f"a-{unique}", worker="other")] == [task.id]


def test_an_expired_lock_returns_the_task(engine: CamundaClient, unique: str) -> None:
    key = f"p{unique}"
    deploy(engine, key, [Step("a", f"a-{unique}")])
    engine.start_process_instance(key)
    (task,) = fetch(engine, f"a-{unique}", lock_ms=800)
    again = wait_for(lambda: fetch(engine, f"a-{unique}", worker="other"), timeout=15, what="lock expiry")
    assert again[0].id == task.id and again[0].worker_id == "other"
    with pytest.raises(CamundaConflict):
        engine.complete(task.id, WORKER, {})


def test_completing_a_missing_task_is_not_found(engine: CamundaClient) -> None:
    with pytest.raises(CamundaNotFound):
        engine.complete("does-not-exist", WORKER, {})


def test_extension_properties_and_priority_come_with_the_task(engine: CamundaClient, unique: str) -> None:
    key = f"p{unique}"
    topic = f"a-{unique}"
    deploy(engine, key, [Step("a", topic, properties={"exchanger.system": "python"})])
    deploy(engine, f"q{unique}", [Step("a", topic, priority=50)])
    engine.start_process_instance(key)
    engine.start_process_instance(f"q{unique}")
    tasks = fetch(engine, topic)
    assert [t.priority for t in tasks] == [50, 0]
    assert tasks[1].extension_properties == {"exchanger.system": "python"}


def test_deployment_parse_errors_carry_line_and_element(engine: CamundaClient, unique: str) -> None:
    broken = chain_process(f"p{unique}", [Step("a", "t")]).replace('camunda:topic="t"', "")
    from core.errors import CamundaRequestError

    with pytest.raises(CamundaRequestError) as caught:
        engine.create_deployment(f"broken-{unique}", {"broken.bpmn": broken.encode()})
    assert caught.value.status == 400
    assert caught.value.details and "broken.bpmn" in caught.value.details
